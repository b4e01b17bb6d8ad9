#!/usr/bin/env bash
# make check: unit tests (plain, then under ASan+UBSan), then the tests in
# network namespaces (plain, then under ASan+UBSan). The last line totals
# every check that ran.
# usage: check.sh UNIT_BINARY...  (the ASan builds are the same names
# under build/asan/test/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

asan=()
for t in "$@"; do asan+=("build/asan/test/$(basename "$t")"); done

bash "$here/run-unit.sh" unit "$@" | tee -a "$log"
ASAN_OPTIONS=detect_leaks=1 bash "$here/run-unit.sh" unit-asan "${asan[@]}" |
	tee -a "$log"
bash "$here/run-netns.sh" 2>&1 | tee -a "$log"
bash "$here/run-netns.sh" asan 2>&1 | tee -a "$log"

passed=0
failed=0
while read -r p f; do
	passed=$((passed + p))
	failed=$((failed + f))
done < <(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$log" |
	sed -E 's/^[a-z-]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

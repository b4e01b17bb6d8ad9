#!/usr/bin/env bash
# Run Guard's unit test binaries (Check) and total their results.
# usage: run-unit.sh LABEL BINARY...
# Prints each binary's own summary and, last, "LABEL: N passed, M failed".
set -u
label=$1
shift
passed=0
failed=0
for t in "$@"; do
	out=$(CK_DEFAULT_TIMEOUT=30 "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^|  $(basename "$t"): |"
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+%: Checks: [0-9]+' | tail -1)
	if [ -z "$line" ]; then
		# No summary: the binary crashed or never ran its cases.
		failed=$((failed + 1))
		echo "  $(basename "$t"): no result (exit $rc)"
		continue
	fi
	checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
	fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
	errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
	bad=$((fails + errors))
	passed=$((passed + checks - bad))
	failed=$((failed + bad))
	[ "$rc" -eq 0 ] || [ "$bad" -gt 0 ] || failed=$((failed + 1))
done
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

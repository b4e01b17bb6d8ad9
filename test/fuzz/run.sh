#!/bin/bash
# Run libFuzzer harnesses for a fixed time each.
#
#   run.sh SECONDS BIN...
#
# Each harness BIN starts from a scratch copy of test/fuzz/corpus/NAME/
# (NAME = the binary's file name; an empty corpus if there is none), so
# the seed corpora in the tree are never modified. One line per harness;
# the exit status is non-zero when any harness crashed, hung, leaked or
# could not run. Inputs that fail are kept in build/fuzz/artifacts/NAME/
# (FUZZ_ARTIFACTS overrides the directory) with the harness's log.
set -u

if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
	echo "usage: $0 SECONDS BIN..." >&2
	exit 2
fi
seconds=$1
shift

here=$(cd "$(dirname "$0")" && pwd)
corpora=$here/corpus
artifacts=${FUZZ_ARTIFACTS:-$here/../../build/fuzz/artifacts}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/guard-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		printf '%-16s FAILED: %s is not an executable\n' "$name" "$bin"
		failed=1
		continue
	fi
	corpus=$scratch/$name/corpus
	log=$scratch/$name/log
	mkdir -p "$corpus"
	if [ -d "$corpora/$name" ]; then
		cp -R "$corpora/$name/." "$corpus/"
	fi
	keep=$artifacts/$name
	mkdir -p "$keep"
	start=$(date +%s)
	"$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$keep/" "$corpus" \
	    >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	inputs=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf '%-16s ok: %s runs in %ss, corpus %s inputs\n' \
		    "$name" "${runs:-?}" "$took" "$inputs"
	else
		cp "$log" "$keep/log"
		printf '%-16s FAILED (exit %s) after %ss: see %s/log\n' \
		    "$name" "$rc" "$took" "$keep"
		grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' \
		    "$log" | sed 's/^/                 /'
		failed=1
	fi
	rmdir "$keep" 2>/dev/null	# nothing kept: leave no empty dir
done
exit "$failed"

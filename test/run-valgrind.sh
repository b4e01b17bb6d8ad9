#!/usr/bin/env bash
# Run Guard's unit test binaries under valgrind's memcheck and total them.
# usage: run-valgrind.sh BINARY...
#
# Check runs every case in the test process itself (CK_FORK=no): in its
# fork mode each case runs in a child, and memcheck's report of the
# parent would cover none of them. Children that a case forks itself are
# followed as well (each writes a report of its own).
#
# A binary fails when one of its checks fails or when memcheck reports an
# error in any of its processes: an invalid read or write, a use of
# uninitialised memory, a bad free, or a definite or indirect leak. Prints
# each binary's summary, memcheck's report of whatever it found, and last
# "unit-valgrind: N passed, M failed": checks, counted as run-unit.sh
# counts them, plus one failure for each binary memcheck found fault with.
#
# Left out: the cases tagged sandboxed, which enter the sandbox (in
# test_sandbox, and test_router's whole helper): valgrind refuses a
# program that sets RLIMIT_NOFILE's hard limit (it keeps descriptors of
# its own above it), and the seccomp allowlists would kill valgrind's own
# system calls; check-unit and check-asan run them.
set -u
label=${VALGRIND_LABEL:-unit-valgrind}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# memcheck's exit status when it found something, apart from a test's own.
vg_status=97

# 1 when any report of this binary's processes counts an error.
memcheck_found() {
	grep -lE 'ERROR SUMMARY: [1-9]' "$logs/$1".* 2>/dev/null | grep -q .
}

passed=0
failed=0
for t in "$@"; do
	name=$(basename "$t")
	start=$(date +%s%N)
	out=$(CK_FORK=no CK_EXCLUDE_TAGS=sandboxed valgrind --tool=memcheck \
		--error-exitcode=$vg_status --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --num-callers=30 \
		--log-file="$logs/$name.%p" "$t" 2>&1)
	rc=$?
	tenths=$((($(date +%s%N) - start) / 100000000))
	secs=$((tenths / 10)).$((tenths % 10))
	printf '%s\n' "$out" | grep -v '^Running suite' | grep -v '^guard:\|^router:' |
		sed "s|^|  $name: |"
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+%: Checks: [0-9]+' | tail -1)
	if [ -z "$line" ] && ! grep -q 'skipped' <<<"$out"; then
		failed=$((failed + 1))
		echo "  $name: no result (exit $rc)"
		# valgrind 3.19 cannot read the DWARF 5 that clang 14 writes.
		if grep -qs 'debuginfo reader' "$logs/$name".*; then
			echo "  $name: valgrind cannot read its debug information;" \
			    "build with gcc, or with CFLAGS='-O2 -gdwarf-4'"
		fi
	elif [ -n "$line" ]; then
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		bad=$((fails + errors))
		passed=$((passed + checks - bad))
		failed=$((failed + bad))
		if [ "$rc" -ne 0 ] && [ "$rc" -ne "$vg_status" ] && [ "$bad" -eq 0 ]; then
			failed=$((failed + 1))
			echo "  $name: exit $rc"
		fi
	fi
	if [ "$rc" -eq "$vg_status" ] || memcheck_found "$name"; then
		failed=$((failed + 1))
		echo "  $name: memcheck found errors (${secs} s):"
		for f in $(grep -lE 'ERROR SUMMARY: [1-9]' "$logs/$name".*); do
			sed "s|^|    |" "$f"
		done
	elif [ -n "$line" ]; then
		echo "  $name: memcheck clean (${secs} s)"
	fi
done
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Guard's tests that need root and network namespaces, one after another.
# usage: run-netns.sh [asan]
#   asan: the same tests against the AddressSanitizer + UBSan build in
#   build/asan (their summary lines end in -asan). pki.sh, which runs no
#   Guard binary, and sandbox.sh, which runs the test-hook builds, are
#   left out of that round.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rc=0
if [ "${1:-}" = asan ]; then
	export GUARDD=$top/build/asan/guardd TUNCLIENT=$top/build/asan/tunclient
	export GUARDCTL=$top/build/asan/guardctl LIB_SUFFIX=-asan
	tests="config certs netns offload lifecycle dataport ctlport cycles"
else
	tests="pki config certs sandbox netns offload lifecycle dataport ctlport cycles"
fi
for t in $tests; do
	bash "$here/$t.sh" || rc=1
done
exit $rc

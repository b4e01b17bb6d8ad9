#!/usr/bin/env bash
# Guard's tests that need root and network namespaces, one after another.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
bash "$here/pki.sh" || rc=1
bash "$here/netns.sh" || rc=1
bash "$here/lifecycle.sh" || rc=1
bash "$here/cycles.sh" || rc=1
bash "$here/ctlport.sh" || rc=1
exit $rc

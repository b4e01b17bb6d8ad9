#!/usr/bin/env bash
# Guard lifecycle test: key rotation and liveness, in network namespaces
# (the picture is in test/lib.sh; the server and alice are used).
#
# Scenarios:
#   - rotation by time: rekey-seconds 1 under a ping every 10 ms; not one
#     packet lost, and the epoch keeps advancing
#   - rotation by volume: rekey-bytes 1M while 50 MB cross the tunnel
#     (sha256 compared); dozens of epochs
#   - in all of it, no datagram ever meets a worker without its key
#   - a peer that falls silent (its processes stopped) is declared gone
#     after dead-peer-seconds and torn down on the server
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); say "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); say "FAIL - $*"; }
expect() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
# expect_ge DESCRIPTION MIN GOT
expect_ge() {
	if [ "$3" -ge "$2" ]; then ok "$1 ($3)"; else not_ok "$1 (want >= $2, got $3)"; fi
}

# The highest epoch a log mentions.
last_epoch() {
	sed -nE 's/.*: epoch ([0-9]+)$/\1/p' "$WORK/$1.log" | sort -n | tail -1
}

# ping_loss NS ADDR COUNT: packets lost by ping -i 0.01.
ping_loss() {
	n "$1" ping -q -i 0.01 -c "$3" -W 2 "$2" |
		awk '/packets transmitted/ { print $1 - $4 }'
}

# Datagrams that arrived under a key the receiver did not hold.
missing_keys() {
	sed -nE 's/.*dropped: .* ([0-9]+) no key.*/\1/p' "$WORK/server.log" \
		"$WORK/alice.log" | awk '{ s += $1 } END { print s + 0 }'
}

# Stop both ends and keep their logs of this phase apart.
phase=0
stop_both() {
	kill -TERM "$ALICE_PID" "$SERVER_PID"
	wait "$ALICE_PID" "$SERVER_PID" 2>/dev/null
	expect_eq "no datagram met a worker without its key" 0 "$(missing_keys)"
	phase=$((phase + 1))
	mv "$WORK/server.log" "$WORK/server.$phase.log"
	mv "$WORK/alice.log" "$WORK/alice.$phase.log"
}

[ "$(id -u)" = 0 ] || { say "lifecycle: must run as root"; exit 1; }

topology_up
pki_up

say "# rotation by time"
start_server --rekey-seconds 1
start_client "$NS_A" alice "$UIDS_A" --rekey-seconds 1
ALICE_PID=$CLIENT_PID
expect "alice connects" wait_client_up "$NS_A"
n "$NS_A" ping -c 1 -W 2 100.64.0.1 >/dev/null
before=$(last_epoch alice)
lost=$(ping_loss "$NS_A" 100.64.0.1 1200)
after=$(last_epoch alice)
expect_eq "not one of 1200 pings lost across rotations" 0 "$lost"
expect_ge "the epoch advanced about once a second" 8 $((after - before))

say "# rotation by volume"
stop_both
start_server --rekey-bytes 1M
start_client "$NS_A" alice "$UIDS_A" --rekey-bytes 1M
ALICE_PID=$CLIENT_PID
expect "alice connects again" wait_client_up "$NS_A"
n "$NS_A" ping -c 1 -W 2 100.64.0.1 >/dev/null
before=$(last_epoch alice)
head -c 50M /dev/urandom >"$WORK/in"
ip netns exec "$NS_S" nc -l 100.64.0.1 5001 >"$WORK/out" &
rx=$!
LIB_PIDS+=("$rx")
wait_for "listener" 50 n "$NS_S" sh -c "ss -ltn | grep -q ':5001 '"
n "$NS_A" nc -N -w 10 100.64.0.1 5001 <"$WORK/in"
wait_for "transfer" 100 sh -c "! kill -0 $rx"
expect_eq "50 MB arrive intact across rotations" \
	"$(sha256sum <"$WORK/in")" "$(sha256sum <"$WORK/out")"
after=$(last_epoch alice)
expect_ge "an epoch per MB or so" 30 $((after - before))

say "# liveness"
stop_both
start_server --keepalive-seconds 1 --dead-peer-seconds 4
start_client "$NS_A" alice "$UIDS_A" --keepalive-seconds 1 --dead-peer-seconds 4
ALICE_PID=$CLIENT_PID
expect "alice connects a third time" wait_client_up "$NS_A"
n "$NS_A" ping -c 1 -W 2 100.64.0.1 >/dev/null
sleep 6
expect "an idle tunnel stays up on keepalives" n "$NS_A" ping -c 1 -W 2 100.64.0.1
expect_eq "the server still has alice" 3 "$(children_of "$SERVER_PID" | wc -l)"
alice_all="$ALICE_PID $(children_of "$ALICE_PID")"
# shellcheck disable=SC2086
kill -STOP $alice_all
expect "the server declares silent alice gone" \
	wait_for "alice gone" 100 grep -q "alice: gone" "$WORK/server.log"
expect "and reaps her processes" \
	wait_for "children" 100 has_children "$SERVER_PID" 1
# shellcheck disable=SC2086
kill -CONT $alice_all
expect "alice notices the session ended" \
	wait_for "alice exits" 100 sh -c "! kill -0 $ALICE_PID"

say
say "lifecycle: $PASSED passed, $FAILED failed"
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK"/server*.log "$WORK"/alice*.log; do
		say "---- $f"
		tail -40 "$f"
	done
	exit 1
fi
exit 0

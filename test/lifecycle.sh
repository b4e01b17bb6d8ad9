#!/usr/bin/env bash
# Guard lifecycle test: key rotation and liveness, in network namespaces
# (the picture is in test/lib.sh; the server and alice are used).
#
# Scenarios:
#   - rotation by time: rekey-seconds 1 under a ping every 10 ms; not one
#     packet lost, and the epoch keeps advancing
#   - rotation by volume: rekey-bytes 1M while 50 MB cross the tunnel
#     (sha256 compared); dozens of epochs
#   - forged datagrams from another host never move a peer's endpoint
#   - guardctl: status (text and JSON) of server and client, a burst of
#     rekeys from both ends under a running ping, kick and reconnect
#   - in all of it, no datagram ever meets a worker without its key
#   - a peer that falls silent (its processes stopped) is declared gone
#     after dead-peer-seconds and torn down on the server; once it runs
#     again it reconnects by itself
#   - the server restarts under a running ping: the client reconnects
#     within seconds, with the same addresses
#   - roaming: the client's underlay address changes mid-stream and the
#     server follows it after the first authenticated datagram
#   - failover: with two --peer, a client that cannot reach the first
#     uses the second
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT


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

say "# guardctl"
ctl() { "$GUARDCTL" -s "$WORK/$1.sock" "${@:2}"; }
expect "status names alice and her epoch" \
	sh -c "'$GUARDCTL' -s '$WORK/server.sock' status | grep -q 'peer: alice'"
json=$(ctl server status --json)
expect_eq "JSON: one peer" 1 "$(jq '.peers | length' <<<"$json")"
expect_eq "JSON: its identity" alice "$(jq -r '.peers[0].identity' <<<"$json")"
expect_eq "JSON: its tunnel address" 100.64.0.2 "$(jq -r '.peers[0].tunnel_ipv4' <<<"$json")"
expect "JSON: its endpoint is alice's underlay" \
	grep -q '^198.18.0.2:' <<<"$(jq -r '.peers[0].endpoint' <<<"$json")"
expect "JSON: bytes went both ways" \
	test "$(jq '.peers[0].rx_bytes > 0 and .peers[0].tx_bytes > 0' <<<"$json")" = true
expect_eq "JSON: no spoofed or replayed datagrams" 0 \
	"$(jq '.peers[0].drops.replay + .peers[0].drops.auth_failed' <<<"$json")"
udp_port=$(sed -nE 's/.*alice: connected .*\(udp port ([0-9]+)\).*/\1/p' "$WORK/server.log" | tail -1)
for i in $(seq 20); do
	n "$NS_B" bash -c "head -c $((i * 7)) /dev/urandom >/dev/udp/198.18.0.1/$udp_port"
done
# Workers report their counters once a second.
forged_counted() {
	test "$(ctl server status --json | jq '.peers[0].drops.malformed +
		.peers[0].drops.no_key + .peers[0].drops.auth_failed')" -gt 0
}
expect "forged datagrams are counted as dropped" wait_for "counters" 50 forged_counted
json=$(ctl server status --json)
expect "and do not move alice's endpoint" \
	grep -q '^198.18.0.2:' <<<"$(jq -r '.peers[0].endpoint' <<<"$json")"
expect "tunclient answers status too" \
	sh -c "'$GUARDCTL' -s '$WORK/alice.sock' status | grep -q 'role: client'"
expect_eq "an unknown peer is an error" 1 "$(ctl server rekey nobody >/dev/null; echo $?)"
stop_both
start_server --rekey-seconds 3600
start_client "$NS_A" alice "$UIDS_A" --rekey-seconds 3600
ALICE_PID=$CLIENT_PID
expect "alice connects for guardctl" wait_client_up "$NS_A"
n "$NS_A" ping -c 1 -W 2 100.64.0.1 >/dev/null
e0=$(ctl server status --json | jq '.peers[0].epoch')
ping_loss "$NS_A" 100.64.0.1 400 >"$WORK/loss" &
pinger=$!
for i in $(seq 20); do
	ctl server rekey alice >/dev/null
	ctl alice rekey 198.18.0.1 >/dev/null
	sleep 0.1
done
wait "$pinger"
e1=$(ctl server status --json | jq '.peers[0].epoch')
expect_eq "a burst of 40 guardctl rekeys loses no ping" 0 "$(cat "$WORK/loss")"
expect_ge "and moves the epoch on" 20 $((e1 - e0))
expect "kick disconnects alice" ctl server kick alice
expect "who comes back by herself" wait_for "alice back" 100 sh -c \
	"test \$(grep -c 'alice: connected' '$WORK/server.log') -ge 2"

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
# rekey-bytes 1M over 50 MB: about 35 epochs; a rotation takes a round
# trip during which sealing goes on, so a slower build sees fewer.
expect_ge "an epoch per MB or so" 25 $((after - before))

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
expect "alice reconnects once she runs again" \
	wait_for "alice reconnects" 150 sh -c \
	"test \$(grep -c 'alice: connected' '$WORK/server.log') -ge 2"
expect "and traffic flows again" \
	wait_for "ping" 50 n "$NS_A" ping -c 1 -W 1 100.64.0.1

say "# the server restarts under a running ping"
A4=$(tunnel_addr4 "$NS_A")
A6=$(tunnel_addr6 "$NS_A")
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
sleep 1
start_server --keepalive-seconds 1 --dead-peer-seconds 4
back=$(date +%s.%N)
expect "traffic resumes with no manual step" \
	wait_for "ping after restart" 150 n "$NS_A" ping -c 1 -W 1 100.64.0.1
resumed=$(awk -v a="$back" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }')
expect "within a few seconds of the server being back (${resumed}s)" test "$resumed" -le 8
expect_eq "alice has the same IPv4 address" "$A4" "$(tunnel_addr4 "$NS_A")"
expect_eq "alice has the same IPv6 address" "$A6" "$(tunnel_addr6 "$NS_A")"

say "# roaming: alice's underlay address changes mid-stream"
n "$NS_A" sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
ip netns exec "$NS_A" ping -q -i 0.05 -c 80 -W 1 100.64.0.1 >"$WORK/roam" &
pinger=$!
sleep 1
n "$NS_A" ip addr add 198.18.0.12/24 dev eth0
n "$NS_A" ip addr del 198.18.0.2/24 dev eth0
wait "$pinger"
lost=$(awk '/packets transmitted/ { print $1 - $4 }' "$WORK/roam")
expect "the stream continues (lost $lost of 80)" test "$lost" -le 4
expect "the server follows alice to her new address" \
	grep -q "peer endpoint 198.18.0.12\|peer endpoint ::ffff:198.18.0.12" "$WORK/server.log"

say "# failover: the first server named does not answer"
stop_both
start_server
PEER=198.18.0.3 start_client "$NS_A" alice "$UIDS_A" --peer "198.18.0.1:$PORT"
ALICE_PID=$CLIENT_PID
expect "alice reaches the second server" wait_client_up "$NS_A"
expect "after saying why the first failed" \
	grep -q "cannot connect to 198.18.0.3" "$WORK/alice.log"
expect "and traffic flows" n "$NS_A" ping -c 1 -W 2 100.64.0.1

say
lib_summary lifecycle
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK"/server*.log "$WORK"/alice*.log; do
		say "---- $f"
		tail -40 "$f"
	done
	exit 1
fi
exit 0

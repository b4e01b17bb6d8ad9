#!/usr/bin/env bash
# Guard data-port test: hostile datagrams against one peer's UDP port, in
# network namespaces (the picture is in test/lib.sh), with an attacker
# host x (198.18.0.4) on the same bridge. Run as root.
#
# While alice pings the server through the tunnel the whole time, her
# data port on the server gets:
#   - random datagrams of edge and random lengths
#   - her own datagrams, captured on her side and sent again from x: cut
#     short, padded past the largest datagram, with a bit flipped in the
#     type, flags, epoch, session id, counter, ciphertext or tag, with
#     another session id, and unchanged (also from her own port number)
#   - datagrams captured while the server could not hear them (withheld):
#     with a flipped bit they fail the tag; unchanged and late they are
#     genuine and accepted, but must not take her endpoint to x
#   - old replays: datagrams (seen and withheld ones) sent again after a
#     flood ping of 5000 has moved the window far past them
#   - datagrams of an epoch that was replaced: still replays within the
#     previous key's grace time, "no key" after it
#   - a packet sealed by alice's own keys with bob's tunnel address as its
#     inner source
# Each is dropped and counted under the reason guardctl(8) gives for it,
# by exactly the number sent; no process restarts; alice's endpoint never
# moves; bob's counters stay at zero; the ping keeps going.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

ATTACK=${ATTACK:-$TOP/build/guard-attack}
NS_X=$TAG-x
X4=198.18.0.4
N=8			# datagrams in each captured set
RANDOM_COUNT=200
FLOOD=5000		# well past the replay window (REPLAY_WINDOW 4032)
KEEPALIVE=1		# so the previous key's grace is its minimum, 10 s
GRACE_WAIT=15		# that grace, a tick to notice it, and a margin
LOSS_MAX=10		# pings lost, most while the server is made deaf

ctl() { "$GUARDCTL" -s "$WORK/server.sock" "$@"; }

# One peer's object in the server's status.
peer_json() {
	ctl status --json | jq -c --arg p "$1" '.peers[] | select(.identity == $p)'
}

# drops PEER: its drop counters, as "auth_failed=0 replay=0 ...".
drops() {
	peer_json "$1" | jq -r '.drops | "auth_failed=\(.auth_failed) replay=\(.replay) spoofed_source=\(.spoofed_source) malformed=\(.malformed) no_key=\(.no_key)"'
}

drops_are() { [ "$(drops "$1")" = "$2" ]; }

# plus COUNTERS "name=N ...": COUNTERS with the named ones raised by N.
plus() {
	awk -v b="$1" -v d="$2" 'BEGIN {
		m = split(d, g, " ")
		for (i = 1; i <= m; i++) { split(g[i], kv, "="); add[kv[1]] = kv[2] }
		n = split(b, f, " ")
		for (i = 1; i <= n; i++) {
			split(f[i], kv, "=")
			printf "%s%s=%d", (i > 1 ? " " : ""), kv[1], kv[2] + add[kv[1]]
		}
		print ""
	}'
}

# field COUNTERS NAME: one counter of a drops line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

endpoint() { peer_json "$1" | jq -r .endpoint; }
epoch() { peer_json "$1" | jq -r .epoch; }
epoch_is() { [ "$(epoch "$1")" = "$2" ]; }

# The attacker's address in the server's log: only an authenticated
# datagram moves an endpoint, and each move is logged, so this catches a
# move that status (a second behind) could miss.
endpoint_moved_to_x() {
	grep -q "peer endpoint $X4 \|peer endpoint ::ffff:$X4 " "$WORK/server.log"
}

# attack WHAT "name=N ..." CMD...: CMD sends hostile datagrams at alice's
# port; alice's drop counters must then grow by exactly these amounts
# (all others staying), and her endpoint must stay where it was.
attack() {
	local what=$1 delta=$2 before want
	shift 2
	before=$(drops alice)
	if ! "$@" >>"$WORK/attack.log" 2>&1; then
		not_ok "$what (the attack did not run)"
		return
	fi
	want=$(plus "$before" "$delta")
	wait_for "$what" 50 drops_are alice "$want"
	expect_eq "$what: $delta" "$want" "$(drops alice)"
	expect_eq "$what: alice's endpoint stays" "$ALICE_EP" "$(endpoint alice)"
}

from_x() { n "$NS_X" "$ATTACK" "$@"; }

# capture FILE: the next N datagrams alice sends to her port on the server.
capture() { n "$NS_A" "$ATTACK" capture eth0 "$UPORT" "$N" "$1"; }

# A process and its children, one pid a line, sorted.
family() { { echo "$1"; children_of "$1"; } | sort -n; }

# The server can no longer hear alice's data port (and then can again):
# a rule ahead of the local table blackholes her datagrams to it.
deafen() {
	n "$NS_S" ip rule add pref 50 from 198.18.0.2 ipproto udp dport "$UPORT" blackhole
}
undeafen() {
	n "$NS_S" ip rule del pref 50
}

if [ "$(id -u)" != 0 ] || [ ! -x "$ATTACK" ]; then
	say "dataport: needs root and $ATTACK (make $ATTACK)"
	say "dataport: 0 passed, 1 failed"
	exit 1
fi
started=$(date +%s)

topology_up
host_add "$NS_X" 4
pki_up
# The local table moves behind room for the blackhole rule of deafen.
n "$NS_S" ip rule add pref 100 lookup local
n "$NS_S" ip rule del pref 0

# The clients keep the default accept_ra: the router solicitations their
# gc0 sends from its link-local address stay with their GUARD (counted
# as link-local there), so only attacks show in the drops below.
timers=(--keepalive-seconds "$KEEPALIVE" --rekey-seconds 3600)
start_server "${timers[@]}"
start_client "$NS_A" alice "$UIDS_A" "${timers[@]}"
ALICE_PID=$CLIENT_PID
expect "alice connects" wait_client_up "$NS_A"
start_client "$NS_B" bob "$UIDS_B" "${timers[@]}"
BOB_PID=$CLIENT_PID
expect "bob connects" wait_client_up "$NS_B"
expect "alice reaches the server" n "$NS_A" ping -c 1 -W 2 100.64.0.1
expect "bob reaches the server" n "$NS_B" ping -c 1 -W 2 100.64.0.1
UPORT=$(sed -nE 's/.*alice: connected .*\(udp port ([0-9]+)\).*/\1/p' "$WORK/server.log" | tail -1)
BOB4=$(tunnel_addr4 "$NS_B")
expect "the server reports alice's endpoint" \
	wait_for "alice's endpoint" 50 sh -c "'$GUARDCTL' -s '$WORK/server.sock' status --json | grep -q '\"endpoint\":\"198.18.0.2:'"
ALICE_EP=$(endpoint alice)
ALICE_PORT=${ALICE_EP##*:}
say "# alice's data port on the server: $UPORT; her endpoint: $ALICE_EP"

ip netns exec "$NS_A" ping -q -i 0.05 -W 1 100.64.0.1 >"$WORK/ping" 2>&1 &
PINGER=$!
LIB_PIDS+=("$PINGER")
PIDS_BEFORE=$(family "$SERVER_PID"; family "$ALICE_PID"; family "$BOB_PID")
expect "alice's first datagrams are captured" capture "$WORK/seen"
EPOCH0=$(epoch alice)
NONE="auth_failed=0 replay=0 spoofed_source=0 malformed=0 no_key=0"
expect_eq "before any attack alice has no drops" "$NONE" "$(drops alice)"

say "# random datagrams"
# Random bytes name a valid type with zero flags once in 32768 datagrams;
# those few count as "no key" (no such session), the rest as malformed.
random_counted() {
	local now
	now=$(drops alice)
	[ $(($(field "$now" malformed) + $(field "$now" no_key))) -ge \
		$(($(field "$1" malformed) + $(field "$1" no_key) + RANDOM_COUNT)) ]
}
attack_random() {
	local what="random datagrams" before after m k
	before=$(drops alice)
	if ! from_x random 198.18.0.1 "$UPORT" "$RANDOM_COUNT" >>"$WORK/attack.log" 2>&1; then
		not_ok "$what (the attack did not run)"
		return
	fi
	wait_for "$what" 50 random_counted "$before"
	after=$(drops alice)
	m=$(($(field "$after" malformed) - $(field "$before" malformed)))
	k=$(($(field "$after" no_key) - $(field "$before" no_key)))
	expect_eq "$what: each dropped as malformed or no key" "$RANDOM_COUNT" $((m + k))
	expect_ge "$what: nearly all as malformed" $((RANDOM_COUNT - 2)) "$m"
	expect_eq "$what: and under no other reason" \
		"$(plus "$before" "malformed=$m no_key=$k")" "$after"
	expect_eq "$what: alice's endpoint stays" "$ALICE_EP" "$(endpoint alice)"
}
attack_random

say "# alice's datagrams, seen by the server, sent again from x"
seen() { from_x send "$WORK/seen" 198.18.0.1 "$UPORT" "$@"; }
attack "cut inside the header" "malformed=$N" seen --mutate truncate:15
attack "cut inside the tag" "malformed=$N" seen --mutate truncate:31
attack "padded past the largest datagram" "malformed=$N" seen --mutate pad:65507
attack "a flipped type bit" "malformed=$N" seen --mutate flip-type
attack "a flipped flags bit" "malformed=$N" seen --mutate flip-flags
attack "a flipped epoch bit" "no_key=$N" seen --mutate flip-epoch
attack "a flipped session bit" "no_key=$N" seen --mutate flip-session
attack "another session id" "no_key=$N" seen --mutate session:1
attack "a counter far ahead" "auth_failed=$N" seen --mutate flip-counter
# The counter is checked before the (costly) tag: a copy of a datagram
# already received is a replay whatever else was changed in it.
attack "a flipped ciphertext bit on a seen counter" "replay=$N" seen --mutate flip-body
attack "a flipped tag bit on a seen counter" "replay=$N" seen --mutate flip-tag
attack "an exact replay" "replay=$N" seen
attack "an exact replay from alice's port number" "replay=$N" \
	seen --src-port "$ALICE_PORT"

say "# a new epoch: the old one's datagrams"
expect "guardctl rekey alice" ctl rekey alice
expect "the epoch moves on" wait_for "epoch $((EPOCH0 + 1))" 50 epoch_is alice $((EPOCH0 + 1))
rekeyed=$(date +%s)
attack "the previous epoch's datagrams within its grace" "replay=$N" seen
expect "datagrams of the new epoch are captured" capture "$WORK/early"

say "# withheld datagrams: captured while the server could not hear them"
deafen
# A burst of its own so that the deaf spell stays short.
ip netns exec "$NS_A" ping -q -i 0.005 -c 60 -W 1 100.64.0.1 >/dev/null 2>&1 &
burst=$!
capture "$WORK/withheld1" >>"$WORK/attack.log" 2>&1
w1=$?
capture "$WORK/withheld2" >>"$WORK/attack.log" 2>&1
w2=$?
sleep 0.1
undeafen
wait "$burst"
expect_eq "two sets are withheld" "0 0" "$w1 $w2"
withheld() { from_x send "$WORK/withheld1" 198.18.0.1 "$UPORT" "$@"; }
attack "a flipped ciphertext bit" "auth_failed=$N" withheld --mutate flip-body
attack "a flipped tag bit" "auth_failed=$N" withheld --mutate flip-tag
attack "cut inside the ciphertext" "auth_failed=$N" withheld --mutate truncate:40
attack "padded inside the largest datagram" "auth_failed=$N" withheld --mutate pad:1000
# Genuine and inside the window: accepted (a late arrival), but from x,
# with alice's port number, they must not take her endpoint along.
before=$(drops alice)
expect "late withheld datagrams are sent from x" \
	withheld --src-port "$ALICE_PORT"
sleep 2
expect_eq "late withheld datagrams are not dropped" "$before" "$(drops alice)"
expect_eq "nor do they move alice's endpoint" "$ALICE_EP" "$(endpoint alice)"
expect_not "nor did it move for a moment" endpoint_moved_to_x

say "# old replays: after a flood of $FLOOD pings"
expect "the flood ping runs" n "$NS_A" ping -f -q -c "$FLOOD" -W 1 100.64.0.1
attack "an old replay" "replay=$N" from_x send "$WORK/early" 198.18.0.1 "$UPORT"
attack "a withheld datagram, now older than the window" "replay=$N" \
	from_x send "$WORK/withheld2" 198.18.0.1 "$UPORT"
attack "an old withheld one with a flipped tag" "replay=$N" \
	from_x send "$WORK/withheld2" 198.18.0.1 "$UPORT" --mutate flip-tag

say "# alice seals a packet from bob's address"
attack "an inner source of another peer" "spoofed_source=10" \
	n "$NS_A" "$ATTACK" spoof-inner "$BOB4" 100.64.0.1 10

say "# the old epoch after its grace"
left=$((rekeyed + GRACE_WAIT - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
attack "the replaced epoch's datagrams after its grace" "no_key=$N" seen

say "# afterwards"
kill -INT "$PINGER"
wait "$PINGER"
sent=$(awk '/packets transmitted/ { print $1 }' "$WORK/ping")
lost=$(awk '/packets transmitted/ { print $1 - $4 }' "$WORK/ping")
expect_ge "alice pinged throughout" 400 "${sent:-0}"
expect "and lost at most $LOSS_MAX (lost ${lost:-?} of ${sent:-?})" \
	test "${lost:-999}" -le "$LOSS_MAX"
expect "alice still reaches the server" n "$NS_A" ping -c 3 -i 0.2 -W 2 100.64.0.1
expect "bob still reaches alice" n "$NS_B" ping -c 1 -W 2 "$(tunnel_addr4 "$NS_A")"
expect_eq "no process restarted" "$PIDS_BEFORE" \
	"$(family "$SERVER_PID"; family "$ALICE_PID"; family "$BOB_PID")"
expect_eq "alice's endpoint never moved" "$ALICE_EP" "$(endpoint alice)"
expect_not "not even for a moment" endpoint_moved_to_x
expect_eq "bob's counters stay at zero" "$NONE" "$(drops bob)"
expect_not "no process died" grep -Eq "exited with status|killed by signal" "$WORK/server.log"
say "# $(( $(date +%s) - started )) s"

say
lib_summary dataport
if [ "$FAILED" -ne 0 ]; then
	for f in server alice bob attack; do
		[ -f "$WORK/$f.log" ] || continue
		say "---- $f.log"
		tail -40 "$WORK/$f.log"
	done
	exit 1
fi
exit 0

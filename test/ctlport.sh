#!/usr/bin/env bash
# Guard control port test: abuse of the TCP port must not stop guardd
# serving the peers it has, nor letting in an honest new one.
#
# The picture of test/lib.sh, and one more host, the attacker:
#
#   $NS_X  eth0 198.18.0.4/24 (and .5 .. .18), 2001:db8::4/64 (and ::40 ..
#          ::43, all in the one /64)
#
# alice is connected and pings the server through the tunnel the whole
# time; each attack comes from its own address of the attacker host, made
# with guard-flood (test/tools/guard-flood.c: garbage, slowloris,
# half-open floods) or guard-testclient --bad (frames the server must
# refuse, from an authenticated client, mallory):
#
#   garbage      random bytes instead of a ClientHello
#   slowloris    half a ClientHello, then a byte a second: cut at
#                handshake-seconds (6 here, to keep the test short)
#   flood        500 half-open connections from one address, held while
#                bob connects and pings; the attacker's connections
#                pending at once stay at max-pending-per-source (8), and
#                the server's children with them
#   /64          40 half-open connections from 4 addresses of one IPv6
#                /64: one source, so again 8 pending
#   everywhere   90 from 9 addresses: max-pending (64) in all
#   bad frames   after a full set-up: an oversized frame, a truncated one
#                and then the end of the connection, a frame of unknown
#                type; each ends that session with a log line saying what
#                was wrong, and leaves no process or queue behind
#   rate         40 connections one after another, as fast as they go:
#                no more get through than connect-burst + connect-rate x
#                the time taken
#
# Then: the same guardd (pid) serves alice in the same session (the same
# tcpctl and udpdata), her ping lost (almost) nothing, guardctl status
# counts the refusals by limit, and the log sums refusals up instead of a
# line for each.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

TESTCLIENT=$TOP/build/guard-testclient
FLOOD=$TOP/build/guard-flood
NS_X=$TAG-x
HANDSHAKE=6			# handshake-seconds of the server here
PER_SOURCE=8			# the defaults this test expects
MAX_PENDING=64
BURST=20
RATE=10
# Measured: alice's ping loses nothing. 2 allow for the packet
# still under way when ping is stopped, and one more.
PING_LOSS_MAX=${PING_LOSS_MAX:-2}
START=$SECONDS

[ "$(id -u)" = 0 ] || { say "ctlport: must run as root"; exit 1; }
for f in "$GUARDD" "$GUARDCTL" "$TUNCLIENT" "$TESTCLIENT" "$FLOOD"; do
	[ -x "$f" ] || { say "ctlport: build Guard and its test tools first (make check-netns builds them)"; exit 1; }
done
command -v jq >/dev/null || { say "ctlport: needs jq"; exit 1; }

# ---- helpers ------------------------------------------------------------

att() { n "$NS_X" "$FLOOD" --peer "198.18.0.1:$PORT" "$@"; }

status_json() { "$GUARDCTL" -s "$WORK/server.sock" status --json; }

# jget FILTER: one value from guardctl status json.
jget() { status_json | jq -r "$1"; }
refused() { jget ".connections.refused.$1"; }

# pending_is N: N connections in their handshake (for wait_for).
pending_is() { [ "$(jget .connections.pending)" = "$1" ]; }

# Descriptors of POSIX message queues (named /guard.*) a pid holds.
mq_fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f"
	done 2>/dev/null | grep -c '^/guard\.'
}

# As before the attacks: the router and alice's pair, and alice's queue.
at_base() {
	has_children "$SERVER_PID" 3 && [ "$(mq_fds "$SERVER_PID")" = 1 ]
}

# log_count REGEX: lines of the server's log that match.
log_count() { grep -cE "$1" "$WORK/server.log"; }
# log_settle N REGEX: give the workers' lines, which GUARD relays, up to
# 3 s to reach N (a busy or sanitizer build may be late with the last).
log_at_least() { [ "$(log_count "$2")" -ge "$1" ]; }
log_settle() { wait_for "$1 log lines" 30 log_at_least "$1" "$2" >/dev/null || true; }

# The highest number in a file of numbers, one a line.
max_of() { sort -n "$1" | tail -1; }

# Sample the server's child count every 0.1 s into FILE until killed.
sample_children() {
	while :; do
		children_of "$SERVER_PID" | wc -l
		sleep 0.1
	done >"$1"
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# ---- set up -------------------------------------------------------------

topology_up
host_add "$NS_X" 4
for i in $(seq 5 18); do
	n "$NS_X" ip addr add "198.18.0.$i/24" dev eth0
done
for i in 40 41 42 43; do
	n "$NS_X" ip addr add "2001:db8::$i/64" dev eth0 nodad
done
pki_up
"$PKI" client "$WORK/pki" mallory >/dev/null

start_server --handshake-seconds "$HANDSHAKE"
expect "the server's log shows the limits" grep -q \
	"max-pending $MAX_PENDING, max-pending-per-source $PER_SOURCE, connect-rate $RATE/s, connect-burst $BURST, handshake-seconds $HANDSHAKE" \
	"$WORK/server.log"
start_client "$NS_A" alice "$UIDS_A"
ALICE_PID=$CLIENT_PID
expect "alice connects" wait_client_up "$NS_A"
expect "alice pings through the tunnel" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "the server has its router and alice's pair" \
	wait_for "alice's pair" 50 has_children "$SERVER_PID" 3
BASE_CHILDREN=$(children_of "$SERVER_PID" | sort | tr '\n' ' ')
# alice pings the whole time, 10 a second, through GUARD.
ip netns exec "$NS_A" ping -i 0.1 -W 1 100.64.0.1 >"$WORK/ping.out" 2>&1 &
PING_PID=$!
LIB_PIDS+=("$PING_PID")

# ---- garbage ------------------------------------------------------------

say "# garbage instead of a ClientHello"
out=$(att --from 198.18.0.4 garbage --count 5 --bytes 1000)
say "# $out"
expect_eq "the server read each of 5 garbage connections and closed it" \
	"garbage: 5 connections" "$(sed -E 's/ in [0-9]+ ms.*//' <<<"$out")"
expect "and served all 5 (none refused)" grep -q ' 5 served, 0 reset, 0 failed' <<<"$out"
re='tcpctl\[[0-9]+\]: 198\.18\.0\.4 port [0-9]+: TLS handshake failed: .*wrong version number'
log_settle 5 "$re"
expect_eq "and logged each, naming the source and the fault" 5 "$(log_count "$re")"
expect "nothing of them is left" wait_for "base" 50 at_base

# ---- slowloris ----------------------------------------------------------

say "# slowloris: half a ClientHello, then a byte a second"
out=$(att --from 198.18.0.5 slowloris --seconds 20)
say "# $out"
secs=$(sed -nE 's/^slowloris: server (closed|reset) the connection after ([0-9.]+) s.*/\2/p' <<<"$out")
if [ -n "$secs" ] && awk -v s="$secs" -v h="$HANDSHAKE" 'BEGIN { exit !(s >= h - 0.5 && s <= h + 1.5) }'; then
	ok "slowloris cut at handshake-seconds $HANDSHAKE ($secs s)"
else
	not_ok "slowloris cut at handshake-seconds $HANDSHAKE (got: $out)"
fi
re="198\.18\.0\.5 port [0-9]+: TLS handshake not done within $HANDSHAKE s \(handshake-seconds\)"
log_settle 1 "$re"
expect_eq "and the server says why" 1 "$(log_count "$re")"
expect "nothing of it is left" wait_for "base" 50 at_base

# ---- a flood of half-open connections -----------------------------------

say "# 500 half-open connections from one address, while bob connects"
before_rate=$(refused connect_rate)
before_source=$(refused max_pending_per_source)
sample_children "$WORK/children.txt" &
SAMPLER=$!
LIB_PIDS+=("$SAMPLER")
exec {hold}< <(att --from 198.18.0.6 hold --count 500 --seconds $((HANDSHAKE + 3)))
HOLD_PID=$!
read -r -t 20 -u "$hold" line
say "# $line"
expect_eq "the attacker opened 500 connections" "hold: 500 connected, 0 failed" "$line"
expect "its connections pending stop at max-pending-per-source $PER_SOURCE" \
	wait_for "pending" 30 pending_is "$PER_SOURCE"
t0=$(ms_now)
start_client "$NS_B" bob "$UIDS_B"
BOB_PID=$CLIENT_PID
expect "bob connects meanwhile" wait_client_up "$NS_B"
BOB_MS=$(($(ms_now) - t0))
say "# bob had his tunnel $BOB_MS ms after he started"
expect "and pings through the tunnel" n "$NS_B" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect_eq "the attacker still held its $PER_SOURCE then" "$PER_SOURCE" \
	"$(jget .connections.pending)"
cat <&"$hold" >"$WORK/hold.out"
exec {hold}<&-
wait "$HOLD_PID"
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
line=$(tail -1 "$WORK/hold.out")
say "# $line"
# 2 processes per pending connection, and the router, alice's and bob's.
most=$(max_of "$WORK/children.txt")
say "# the server's children: at most $most during the flood"
if [ "$most" -le $((2 * PER_SOURCE + 5)) ]; then
	ok "the server's children stay bounded by the limit ($most, at most $((2 * PER_SOURCE + 5)))"
else
	not_ok "the server's children stay bounded by the limit ($most, more than $((2 * PER_SOURCE + 5)))"
fi
expect "the server closed the rest at once and cut its $PER_SOURCE at handshake-seconds" \
	grep -qE "^hold: 500 connected, $((500 - PER_SOURCE)) closed at once, $PER_SOURCE closed later \(first at [$((HANDSHAKE - 1))$HANDSHAKE]\.[0-9] s, last at [$HANDSHAKE$((HANDSHAKE + 1))]\.[0-9] s\), 0 still open" \
	"$WORK/hold.out"
expect_ge "guardctl counts refusals at max-pending-per-source" 1 \
	$(($(refused max_pending_per_source) - before_source))
expect_ge "and over connect-rate" 1 $(($(refused connect_rate) - before_rate))
expect_eq "the log names the source and the limit at once, in one line" 1 \
	"$(log_count "refused a connection from 198\.18\.0\.6: (max-pending-per-source $PER_SOURCE reached|over connect-rate $RATE/s \(burst $BURST\)); further refusals of it are summed up every 10 s")"
expect_eq "and no other line about its refusals yet" 1 \
	"$(log_count 'refused .*198\.18\.0\.6')"
kill -TERM "$BOB_PID"
wait "$BOB_PID" 2>/dev/null
expect "nothing of the flood (or bob) is left" wait_for "base" 50 at_base

# ---- one IPv6 /64 is one source -----------------------------------------

say "# 40 half-open connections from 4 addresses of one IPv6 /64"
exec {hold}< <(n "$NS_X" "$FLOOD" --peer "[2001:db8::1]:$PORT" \
	--from 2001:db8::40 --from 2001:db8::41 --from 2001:db8::42 \
	--from 2001:db8::43 hold --count 40 --seconds 2)
HOLD_PID=$!
read -r -t 20 -u "$hold" line
expect_eq "the attacker opened 40 connections" "hold: 40 connected, 0 failed" "$line"
expect "they count as one source: $PER_SOURCE pending" \
	wait_for "pending" 30 pending_is "$PER_SOURCE"
cat <&"$hold" >/dev/null
exec {hold}<&-
wait "$HOLD_PID"
expect "the log names the /64" grep -q 'refused a connection from 2001:db8::/64: ' \
	"$WORK/server.log"
expect "nothing of them is left" wait_for "base" 100 at_base

# ---- many sources: max-pending -----------------------------------------

say "# 90 half-open connections from 9 addresses"
before_pending=$(refused max_pending)
sample_children "$WORK/children.txt" &
SAMPLER=$!
LIB_PIDS+=("$SAMPLER")
froms=()
for i in $(seq 10 18); do
	froms+=(--from "198.18.0.$i")
done
exec {hold}< <(att "${froms[@]}" hold --count 90 --seconds 4)
HOLD_PID=$!
read -r -t 20 -u "$hold" line
expect_eq "the attacker opened 90 connections" "hold: 90 connected, 0 failed" "$line"
expect "pending stops at max-pending $MAX_PENDING" \
	wait_for "pending" 50 pending_is "$MAX_PENDING"
cat <&"$hold" >/dev/null
exec {hold}<&-
wait "$HOLD_PID"
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
most=$(max_of "$WORK/children.txt")
say "# the server's children: at most $most"
if [ "$most" -le $((2 * MAX_PENDING + 3)) ]; then
	ok "the server's children stay bounded by max-pending ($most)"
else
	not_ok "the server's children stay bounded by max-pending ($most, more than $((2 * MAX_PENDING + 3)))"
fi
expect_ge "guardctl counts refusals at max-pending" 1 \
	$(($(refused max_pending) - before_pending))
expect "nothing of them is left" wait_for "base" 100 at_base

# ---- bad frames after a valid handshake ---------------------------------

bad() {
	n "$NS_X" "$TESTCLIENT" --peer "198.18.0.1:$PORT" --server-name server \
		--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/mallory.crt" \
		--key "$WORK/pki/mallory.key" --bad "$1" 2>>"$WORK/tc.err"
}

say "# frames the server must refuse, from an authenticated client"
out=$(bad oversize)
expect "oversized: the server says BYE (protocol error)" \
	grep -q 'sent oversize frame; server said BYE (protocol error)' <<<"$out"
expect "and logs what was wrong" wait_for "log" 30 \
	grep -q 'mallory: PING: body of 65535 bytes, at most 2048' "$WORK/server.log"
expect "and nothing of that session is left" wait_for "base" 50 at_base

out=$(bad truncate)
expect "truncated: the client sent part of a frame and closed" \
	grep -q 'sent truncate frame; closed' <<<"$out"
expect "the server logs what was wrong" wait_for "log" 30 \
	grep -q 'mallory: connection closed within a PING message (7 of 12 bytes)' "$WORK/server.log"
expect "and nothing of that session is left" wait_for "base" 50 at_base

out=$(bad unknown)
expect "unknown type: the server says BYE (protocol error)" \
	grep -q 'sent unknown frame; server said BYE (protocol error)' <<<"$out"
expect "and logs what was wrong" wait_for "log" 30 \
	grep -q 'mallory: unknown message type 200' "$WORK/server.log"
expect "and nothing of that session is left" wait_for "base" 50 at_base

# ---- the rate of new connections ----------------------------------------

say "# 40 connections one after another from one address"
before_rate=$(refused connect_rate)
out=$(att --from 198.18.0.8 garbage --count 40 --bytes 100)
say "# $out"
read -r ms served reset <<<"$(sed -nE 's/^garbage: 40 connections in ([0-9]+) ms: ([0-9]+) served, ([0-9]+) reset, 0 failed$/\1 \2 \3/p' <<<"$out")"
if [ -n "${ms:-}" ]; then
	# A full bucket, what flowed in meanwhile, and one for rounding.
	allowed=$((BURST + RATE * ms / 1000 + 1))
	if [ "$served" -le "$allowed" ]; then
		ok "no more got through than connect-burst + connect-rate x time ($served, at most $allowed in $ms ms)"
	else
		not_ok "more got through than connect-burst + connect-rate x time ($served, at most $allowed in $ms ms)"
	fi
	expect_eq "guardctl counts the others over connect-rate" "$reset" \
		$(($(refused connect_rate) - before_rate))
else
	not_ok "the rate attack ran (got: $out)"
	not_ok "guardctl counts the others over connect-rate"
fi
expect "nothing of them is left" wait_for "base" 100 at_base

# ---- afterwards ---------------------------------------------------------

say "# after the attacks"
expect "the server still runs" kill -0 "$SERVER_PID"
expect_eq "the same guardd, started once" "1 $GUARDD" \
	"$(log_count '^guard: guardd ') $(readlink "/proc/$SERVER_PID/exe")"
expect_eq "alice is in the same session (the same router, tcpctl and udpdata)" \
	"$BASE_CHILDREN" "$(children_of "$SERVER_PID" | sort | tr '\n' ' ')"
expect "alice's client still runs" kill -0 "$ALICE_PID"
expect_eq "alice's client never reconnected" 0 \
	"$(grep -c 'reconnecting' "$WORK/alice.log")"
expect "and still pings" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
kill -INT "$PING_PID"
wait "$PING_PID" 2>/dev/null
stats=$(grep -E 'packets transmitted' "$WORK/ping.out")
say "# alice's ping during the attacks: $stats"
sent=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' <<<"$stats")
got=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' <<<"$stats")
if [ -n "$sent" ] && [ -n "$got" ] && [ "$sent" -ge 100 ] &&
	[ $((sent - got)) -le "$PING_LOSS_MAX" ]; then
	ok "alice's ping lost $((sent - got)) of $sent (at most $PING_LOSS_MAX)"
else
	not_ok "alice's ping lost too much: $stats (at most $PING_LOSS_MAX)"
fi

status=$("$GUARDCTL" -s "$WORK/server.sock" status)
say "# guardctl status:"
grep -E '^  (connections|refused):' <<<"$status" | sed 's/^/#   /'
expect "guardctl status shows the refusals by limit" grep -qE \
	"^  refused: [1-9][0-9]* over connect-rate $RATE/s \(burst $BURST\), [1-9][0-9]* at max-pending-per-source, [1-9][0-9]* at max-pending, 0 at max-peers$" <<<"$status"
expect_eq "and none pending" 0 "$(jget .connections.pending)"

# The summary of a source comes 10 s after its first line, without
# another connection from it.
expect "the log sums up the flood's other refusals in one line" \
	wait_for "summary" 150 grep -qE \
	'refused [0-9]+ connections from 198\.18\.0\.6 \((connect-rate: [0-9]+)?(, )?(max-pending-per-source: [0-9]+)?\)$' \
	"$WORK/server.log"
lines=$(log_count 'refused .*198\.18\.0\.6')
if [ "$lines" -le 3 ]; then
	ok "$lines lines about the flood's refusals (at most 3)"
else
	not_ok "$lines lines about the flood's refusals (more than 3)"
fi

noise=$(grep -E 'fatal|tearing down|protocol violation|malformed message from|went away|cannot' \
	"$WORK/server.log" | sed -E 's/[0-9]+/N/g' | sort | uniq -c)
expect_eq "no fault of the server's own in its log" "" "$noise"

say "# $(grep -c . "$WORK/server.log") server log lines; by kind:"
sed -E 's/[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,}(\.[0-9.]+)?/ADDR/g; s/[0-9]+/N/g' "$WORK/server.log" |
	sort | uniq -c | sort -rn | head -20 | sed 's/^/#   /'
say "# whole test: $((SECONDS - START)) s"
say
lib_summary ctlport
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK/server.log" "$WORK/tc.err" "$WORK/alice.log" "$WORK/bob.log"; do
		[ -f "$f" ] || continue
		say "---- $f"
		tail -60 "$f"
	done
	exit 1
fi
exit 0

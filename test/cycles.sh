#!/usr/bin/env bash
# Guard cycles test: 1000 sessions connect to one guardd and go away, and
# the server then holds exactly what it held fresh (design invariant 2).
# The picture is in test/lib.sh; the sessions come from guard-testclient
# (test/tools/guard-testclient.c: the protocol without a TUN device),
# built by make check, run in client a's namespace.
#
#   400 clean: BYE, answered by the server's close (200 one after
#       another, 200 twenty at a time with an identity per worker)
#   400 abort: TCP reset without BYE or close_notify (the same split)
#   200 killed: a session with a keepalive answered over UDP is held
#       open while the test SIGKILLs the server-side tcpctl or udpdata of
#       that peer (alternately); the server must end the session
#   and then 20 more whose client vanishes (close, no BYE, no TLS
#       close_notify)
#
# Before and after, and after each phase once the server has settled:
# GUARD's open descriptors (count and kinds), its children (just the
# router), queue descriptors (none), addresses and routes in the server's
# namespace, UDP and established TCP sockets there, processes running as
# worker uids, GUARD's RSS, and (with guardctl) GUARD's own peer count.
# The pool: every session of an identity gets the same IPv4 address (a
# leaked address would make it drift), all 21 identities then hold their
# addresses at once, and a new identity gets the lowest address never
# handed out. Last, a real tunclient connects and pings through the
# tunnel. The figures and the time taken are printed as "# " lines.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT


TESTCLIENT=$TOP/build/guard-testclient
# Worker uids: lib.sh gives each test run a block of its own (the kernel
# charges message queues to a uid machine-wide).
NPAR=20				# parallel workers, one identity each
RSS_MARGIN_KB=${RSS_MARGIN_KB:-512}	# GUARD's RSS may grow this much
START=$SECONDS

[ "$(id -u)" = 0 ] || { say "cycles: must run as root"; exit 1; }
if [ ! -x "$GUARDD" ] || [ ! -x "$TESTCLIENT" ]; then
	say "cycles: build Guard and its test client first (make check builds both)"
	exit 1
fi

# ---- helpers ------------------------------------------------------------

# tc [flags...]: the test client in client a's namespace; its errors go
# to $WORK/tc.err.
tc() {
	n "$NS_A" "$TESTCLIENT" --peer "198.18.0.1:$PORT" --server-name server \
		--ca "$WORK/pki/ca.crt" "$@" 2>>"$WORK/tc.err"
}

# Open descriptors of a pid, by kind ("socket", "pipe", a path, ...).
fd_kinds() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f"
	done 2>/dev/null | sed -E 's/^(socket|pipe|anon_inode):.*/\1/; s/ \(deleted\)$//' |
		sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}

# Descriptors of POSIX message queues (named /guard.*) a pid holds.
mq_fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f"
	done 2>/dev/null | grep -c '^/guard\.'
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Processes running as a uid of the server's worker range.
worker_procs() {
	local lo=${UIDS_S%-*} hi=${UIDS_S#*-}
	ps -eo uid= | awk -v lo="$lo" -v hi="$hi" '$1 >= lo && $1 <= hi' | wc -l
}

# snapshot ARRAY: what the server holds, into the associative array ARRAY.
snapshot() {
	local -n s=$1
	local child
	s[fds]=$(find "/proc/$SERVER_PID/fd" -mindepth 1 | wc -l)
	s[fd_kinds]=$(fd_kinds "$SERVER_PID")
	s[children]=$(children_of "$SERVER_PID" | sort | tr '\n' ' ')
	s[child_roles]=""
	for child in $(children_of "$SERVER_PID"); do
		s[child_roles]+="$(cat "/proc/$child/comm" 2>/dev/null) "
	done
	s[mq_fds]=$(mq_fds "$SERVER_PID")
	s[addr]=$(n "$NS_S" ip addr show)
	s[route4]=$(n "$NS_S" ip -4 route show table all)
	s[route6]=$(n "$NS_S" ip -6 route show table all)
	s[udp]=$(n "$NS_S" ss -Hanu | wc -l)
	s[tcp]=$(n "$NS_S" ss -Hant state established | wc -l)
	s[workers]=$(worker_procs)
	s[rss]=$(rss_kb "$SERVER_PID")
	s[router_fds]=$(find "/proc/$ROUTER_PID/fd" -mindepth 1 | wc -l)
	s[router_rss]=$(rss_kb "$ROUTER_PID")
}

# compare LABEL: the current snapshot against the fresh server's.
compare() {
	local label=$1 k
	declare -A now
	snapshot now
	for k in fds fd_kinds children mq_fds addr route4 route6 udp tcp \
		workers router_fds; do
		if [ "${BASE[$k]}" = "${now[$k]}" ]; then
			ok "$label: $k as fresh"
		else
			not_ok "$label: $k differs from the fresh server"
			diff <(printf '%s\n' "${BASE[$k]}") \
				<(printf '%s\n' "${now[$k]}") | sed 's/^/    /'
		fi
	done
	say "# $label: GUARD RSS ${BASE[rss]} kB fresh, ${now[rss]} kB now;" \
		"router RSS ${BASE[router_rss]} kB, ${now[router_rss]} kB"
	LAST_RSS=${now[rss]}
}

# settle LABEL: wait (bounded) until the server is back to just the router.
settle() {
	local i t0=$SECONDS
	for i in $(seq 500); do
		has_children "$SERVER_PID" 1 && break
		sleep 0.02
	done
	if has_children "$SERVER_PID" 1; then
		ok "$1: every peer reaped ($((SECONDS - t0)) s)"
	else
		not_ok "$1: peers still there after 10 s: $(children_of "$SERVER_PID" | tr '\n' ' ')"
	fi
}

# summary_ok FILE COUNT: the client's last line says COUNT of COUNT ok.
summary_ok() {
	local want="testclient: $2 sessions, $2 ok, 0 failed" got
	got=$(grep '^testclient: [0-9]* sessions' "$1" | tail -1)
	expect_eq "$3" "$want" "$got"
}

# The IPv4 addresses sessions got: "ADDR COUNT" per line.
addrs_of() {
	sed -nE 's/^testclient: session [0-9]+ up: ([0-9.]+)\/.*/\1/p' "$1" |
		sort | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' '
}

# Identity -> addresses for a run over NPAR certificates: session i
# used pair (i - 1) % NPAR. Prints the identities with more than one.
drifting() {
	sed -nE 's/^testclient: session ([0-9]+) up: ([0-9.]+)\/.*/\1 \2/p' "$1" |
		awk -v n="$NPAR" '{ id = ($1 - 1) % n; if (!(id in a)) a[id] = $2;
			else if (a[id] != $2) bad[id] = 1 }
			END { for (i in bad) print "p" i }'
}

# identity_addrs FILE NPAIRS SKIP: "pNN ADDR" for each session of a run
# over NPAIRS certificate pairs of which the first SKIP are not pNN.
identity_addrs() {
	sed -nE 's/^testclient: session ([0-9]+) up: ([0-9.]+)\/.*/\1 \2/p' "$1" |
		awk -v n="$2" -v skip="$3" '{ k = ($1 - 1) % n - skip
			if (k >= 0) printf "p%02d %s\n", k + 1, $2 }' | sort -u
}

# ---- set up --------------------------------------------------------------

topology_up
pki_up
# tc for the runs one after another; p01..p20, one per parallel worker.
"$PKI" client "$WORK/pki" tc >/dev/null
TC_CERT=(--cert "$WORK/pki/tc.crt" --key "$WORK/pki/tc.key")
PAR_CERTS=()
for i in $(seq -w 1 "$NPAR"); do
	"$PKI" client "$WORK/pki" "p$i" >/dev/null
	PAR_CERTS+=(--cert "$WORK/pki/p$i.crt" --key "$WORK/pki/p$i.key")
done

# Every session comes from one address, as from many clients behind one
# NAT, and faster than any one host connects: an operator with such a NAT
# raises the per-source limits the same way (the defaults, 8 handshakes
# at once and 10 new connections a second with a burst of 20 from one
# address, are made for hosts, and would refuse most of these sessions).
start_server --max-pending-per-source 64 --connect-rate 1000 \
	--connect-burst 1000
expect "the server starts its router" \
	wait_for "router" 50 has_children "$SERVER_PID" 1
ROUTER_PID=$(children_of "$SERVER_PID")
# Let the interfaces settle (IPv6 DAD on gd0) before the baseline.
sleep 2
declare -A BASE
snapshot BASE
say "# fresh server: ${BASE[fds]} descriptors (${BASE[fd_kinds]}), children ${BASE[child_roles]}, RSS ${BASE[rss]} kB"

# ---- 1: one after another -----------------------------------------------

say "# 200 clean sessions, one after another"
t0=$SECONDS
tc "${TC_CERT[@]}" --count 200 --mode clean -v >"$WORK/seq-clean.out"
summary_ok "$WORK/seq-clean.out" 200 "200 clean sessions"
expect_eq "each got the identity's address" "100.64.0.2:200 " \
	"$(addrs_of "$WORK/seq-clean.out")"
settle "clean"
compare "after 200 clean"
RSS_WARM=$LAST_RSS
say "# took $((SECONDS - t0)) s"

say "# 200 aborted sessions (TCP reset), one after another"
t0=$SECONDS
tc "${TC_CERT[@]}" --count 200 --mode abort -v >"$WORK/seq-abort.out"
summary_ok "$WORK/seq-abort.out" 200 "200 aborted sessions"
expect_eq "each got the identity's address" "100.64.0.2:200 " \
	"$(addrs_of "$WORK/seq-abort.out")"
settle "abort"
compare "after 200 aborted"
say "# took $((SECONDS - t0)) s"

# ---- 2: twenty at a time ---------------------------------------------------

for mode in clean abort; do
	say "# 200 $mode sessions, $NPAR at a time"
	t0=$SECONDS
	tc "${PAR_CERTS[@]}" --count 200 --parallel "$NPAR" --mode "$mode" \
		-v >"$WORK/par-$mode.out"
	summary_ok "$WORK/par-$mode.out" 200 "200 $mode sessions in parallel"
	got=$(addrs_of "$WORK/par-$mode.out" | wc -w)
	expect_eq "$NPAR identities, $NPAR addresses" "$NPAR" "$got"
	expect_eq "no identity's address drifted" "" \
		"$(drifting "$WORK/par-$mode.out" | tr '\n' ' ')"
	settle "parallel $mode"
	compare "after 200 parallel $mode"
	say "# took $((SECONDS - t0)) s"
done

# ---- 3: server-side processes killed -------------------------------------

# kill_cycle ROLE: hold a session open, SIGKILL the server's ROLE process
# of that peer, and the client must see the server end the session.
kill_cycle() {
	local role=$1 fd cpid line victim child rc
	exec {fd}< <(tc "${TC_CERT[@]}" --keepalive --hold 10 --expect-close -v)
	cpid=$!
	if ! read -r -t 10 -u "$fd" line || [[ $line != *" up: "* ]]; then
		say "# kill $role: the session did not come up: $line"
		exec {fd}<&-
		wait "$cpid"
		return 1
	fi
	KILL_ADDRS+="${line#* up: }"$'\n'
	# While a peer is up GUARD holds its queue: the probe must see it.
	[ -n "$MQ_WHILE_UP" ] || MQ_WHILE_UP=$(mq_fds "$SERVER_PID")
	victim=
	for child in $(children_of "$SERVER_PID"); do
		[ "$(cat "/proc/$child/comm" 2>/dev/null)" = "$role" ] &&
			victim=$child
	done
	if [ -z "$victim" ] || [ "$victim" = "$ROUTER_PID" ]; then
		say "# kill $role: no $role child of the server"
		exec {fd}<&-
		wait "$cpid"
		return 1
	fi
	kill -KILL "$victim"
	cat <&"$fd" >>"$WORK/kill.out"
	exec {fd}<&-
	wait "$cpid"
	rc=$?
	[ "$rc" = 0 ] || say "# kill $role (pid $victim): client exited $rc"
	# The next session starts on a server without this peer.
	for child in $(seq 500); do
		has_children "$SERVER_PID" 1 && break
		sleep 0.02
	done
	return "$rc"
}

say "# 200 sessions whose server-side tcpctl or udpdata is killed"
t0=$SECONDS
KILL_ADDRS=
MQ_WHILE_UP=
kills_ok=0
for i in $(seq 200); do
	if [ $((i % 2)) = 1 ]; then role=tcpctl; else role=udpdata; fi
	kill_cycle "$role" && kills_ok=$((kills_ok + 1))
done
expect_eq "the server ended every session whose process was killed" 200 "$kills_ok"
expect_eq "GUARD holds one queue descriptor while a peer is up" 1 "$MQ_WHILE_UP"
expect_eq "each got the identity's address" "200" \
	"$(printf '%s' "$KILL_ADDRS" | grep -c '^100\.64\.0\.2/24 ')"
settle "kills"
compare "after 200 kills"
say "# note: GUARD logged $(grep -cE 'killed by signal 9' "$WORK/server.log") of the 200 SIGKILLs as such at its default verbosity"
say "# took $((SECONDS - t0)) s"

# ---- after 1000 ----------------------------------------------------------

say "# after 1000 sessions"
# GUARD's own view, where it has a control socket: no peer in its table
# (and asking it 50 times holds nothing either: compared below).
if [ -x "${GUARDCTL:-}" ] && [ -S "$WORK/server.sock" ]; then
	for i in $(seq 50); do
		"$GUARDCTL" -s "$WORK/server.sock" status >"$WORK/status.out" 2>&1 ||
			break
	done
	expect_eq "guardctl: GUARD's table holds no peer" 0 \
		"$(sed -nE 's/.*listening on port [0-9]+, ([0-9]+) of .*/\1/p' "$WORK/status.out")"
fi
compare "after 1000"
grown=$((LAST_RSS - BASE[rss]))
say "# GUARD RSS: ${BASE[rss]} kB fresh, $RSS_WARM kB after the first 200, $LAST_RSS kB after 1000"
# Under ASan freed memory waits in a quarantine of up to 256 MB, so RSS
# says nothing about leaks there (LeakSanitizer does).
if [ -n "${LIB_SUFFIX:-}" ]; then
	say "# RSS not compared in a sanitizer build"
elif [ "$grown" -le "$RSS_MARGIN_KB" ]; then
	ok "GUARD's RSS grew ${grown} kB (at most $RSS_MARGIN_KB)"
else
	not_ok "GUARD's RSS grew ${grown} kB (more than $RSS_MARGIN_KB)"
fi

# Not part of the 1000: clients whose process dies (a plain close with
# no BYE and no TLS close_notify).
say "# 20 more sessions whose client vanishes (close without BYE or close_notify)"
tc "${TC_CERT[@]}" --count 20 --mode drop -v >"$WORK/drop.out"
summary_ok "$WORK/drop.out" 20 "20 vanishing clients"
settle "vanished"
compare "after 20 vanished"
expect_eq "a vanished client is a close, not a TLS error" 0 \
	"$(grep -c 'unexpected eof while reading' "$WORK/server.log")"

# The pool: no address is held by a peer that is gone. Every identity
# gets its own address back, all at once, and a new identity gets the
# lowest address never handed out (.2 tc, .3-.22 the twenty, so .23).
tc "${TC_CERT[@]}" "${PAR_CERTS[@]}" --count 21 --parallel 21 --keepalive -v \
	>"$WORK/pool.out"
summary_ok "$WORK/pool.out" 21 "all 21 identities connect at once"
expect "tc has its address back" \
	grep -q '^testclient: session 1 up: 100\.64\.0\.2/24 ' "$WORK/pool.out"
expect_eq "the twenty have theirs" "$(identity_addrs "$WORK/par-clean.out" "$NPAR" 0)" \
	"$(identity_addrs "$WORK/pool.out" 21 1)"
settle "pool check"

start_client "$NS_A" alice "$UIDS_A"
expect "a real client connects" wait_client_up "$NS_A"
expect_eq "and gets the lowest address never used" 100.64.0.23 \
	"$(tunnel_addr4 "$NS_A")"
expect "and pings through the tunnel" \
	n "$NS_A" ping -c 3 -i 0.2 -W 2 100.64.0.1
kill -TERM "$CLIENT_PID"
wait "$CLIENT_PID" 2>/dev/null
settle "real client"
compare "at the end"

# Nothing in the server's log that speaks of a fault of its own (the
# kills are expected: GUARD reports them, and tcpctl its udpdata's end).
noise=$(grep -E 'fatal|malformed|protocol violation|tearing down|cannot|failed|refus|went away|timed out|no answer|unexpected' \
	"$WORK/server.log" |
	grep -vE ': (tcpctl|udpdata)\[[0-9]+\] killed by signal 9|udpdata for tc went away' |
	sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn)
expect_eq "no fault in the server's log" "" "$noise"

say "# $(grep -c . "$WORK/server.log") server log lines; by kind:"
sed -E 's/[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,}(\.[0-9.]+)?/ADDR/g; s/[0-9]+/N/g' "$WORK/server.log" |
	sort | uniq -c | sort -rn | head -25 | sed 's/^/#   /'
say "# whole test: $((SECONDS - START)) s"
say
lib_summary cycles
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK/server.log" "$WORK/tc.err" "$WORK"/alice.log; do
		[ -f "$f" ] || continue
		say "---- $f"
		tail -60 "$f"
	done
	exit 1
fi
exit 0

#!/usr/bin/env bash
# Guard's sandbox seen from outside: what happens when a worker is taken
# over, and when privileges cannot be dropped. One server and two clients
# in network namespaces (the picture is in test/lib.sh). Run as root.
#
# The first scenarios need test builds (make TEST_HOOKS=1, and one with
# SECCOMP_TRAP=1 too), in which SIGUSR1 makes a worker misbehave the way a
# taken-over one would (common/testhook.h).
#
# Scenarios:
#   - guardctl status shows each process's sandbox as the kernel sees it
#   - a udpdata makes a system call outside its allowlist: the kernel kills
#     it, GUARD says so and tears its peer down, the peer reconnects, and
#     the other peer's traffic never stops
#   - a tcpctl sends GUARD a message the permission table forbids (a
#     second PEER_HELLO): GUARD names it, kills the sender and tears the
#     peer down, the peer reconnects, the other peer never notices
#   - in a build that traps instead of killing, the log names the call
#   - guardd that cannot drop privileges refuses to start and leaves
#     nothing behind; with insecure-no-privdrop it starts, says so, and
#     its workers still run under their filters
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap '[ -n "${KEEP_LOGS:-}" ] && cp -r "$WORK" "$KEEP_LOGS"; lib_cleanup' EXIT

HOOKS=${HOOKS_BUILD:-$TOP/build/hooks}
TRAPS=${TRAP_BUILD:-$TOP/build/trap}
PLAIN_GUARDD=$GUARDD
# This test kills workers through their filters on purpose.
LIB_SIGSYS_EXPECTED=1

status_json() { "$GUARDCTL" -s "$WORK/server.sock" status --json; }

# The server-side pid of alice's ROLE process.
alice_pid() {
	status_json | jq -r --arg r "$1" '.peers[] | select(.identity == "alice")
		| .processes[] | select(.role == $r) | .pid'
}

# alice_up_with_new ROLE OLDPID: alice is up again, served by a new ROLE.
alice_up_with_new() {
	local pid
	pid=$(alice_pid "$1")
	[ -n "$pid" ] && [ "$pid" != "$2" ] && [ "$pid" != 0 ] &&
		status_json | jq -e '.peers[] | select(.identity == "alice")
			| .state == "up"' >/dev/null
}

log_has() { grep -q -- "$2" "$WORK/$1.log"; }

stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

for b in "$HOOKS" "$TRAPS"; do
	if [ ! -x "$b/guardd" ]; then
		say "missing test build $b (make check builds it)"
		exit 1
	fi
done

topology_up
pki_up

say "# a server built with test hooks, alice and bob connected"
GUARDD=$HOOKS/guardd
start_server
start_client "$NS_A" alice "$UIDS_A"
start_client "$NS_B" bob "$UIDS_B"
expect "alice is up" wait_client_up "$NS_A"
expect "bob is up" wait_client_up "$NS_B"
server=$SERVER_PID

say "# status shows every process's sandbox"
json=$(status_json)
expect_eq "the router runs filtered, with CAP_NET_ADMIN alone" \
	"filter cap_net_admin true" \
	"$(jq -r '.sandbox.router | "\(.seccomp) \(.capabilities) \(.no_new_privs)"' <<<"$json")"
expect_eq "GUARD keeps CAP_KILL alone" "cap_kill" \
	"$(jq -r '.sandbox.guard.capabilities' <<<"$json")"
expect_eq "all four workers run filtered, without capabilities" \
	"4" "$(jq '[.peers[].processes[] | select(.seccomp == "filter"
		and .capabilities == "none" and .no_new_privs and .uid != 0)]
		| length' <<<"$json")"
text=$("$GUARDCTL" -s "$WORK/server.sock" status)
expect "the text status says so too" \
	grep -q "udpdata pid [0-9]* uid [0-9]*, seccomp filter, no_new_privs on, capabilities none" <<<"$text"
expect "the start-up log says so" log_has server "each under its seccomp allowlist"

# bob pings all along: 15 s at 10 per second.
n "$NS_B" ping -c 150 -i 0.1 -W 1 100.64.0.1 >"$WORK/bob-ping.txt" 2>&1 &
bob_ping=$!

say "# alice's udpdata makes a forbidden system call"
old=$(alice_pid udpdata)
expect "alice has a udpdata" test -n "$old"
kill -USR1 "$old"
expect "the kernel kills it and GUARD says why" wait_for "udpdata killed" 50 \
	log_has server "udpdata\[[0-9]*\] killed by signal 31 (Bad system call): it made a system call outside its seccomp allowlist"
expect "GUARD tears alice's peer down" wait_for "teardown" 50 \
	log_has server "alice: gone: \\(its udpdata killed by signal 31\\|udpdata closed its socket\\)"
expect "alice reconnects with a new udpdata" wait_for "alice back" 150 \
	alice_up_with_new udpdata "$old"
expect "alice's traffic flows again" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "GUARD is still the same process" kill -0 "$server"

say "# alice's tcpctl sends GUARD a second PEER_HELLO"
old=$(alice_pid tcpctl)
expect "alice has a tcpctl" test -n "$old"
kill -USR1 "$old"
expect "GUARD names the violation" wait_for "violation" 50 \
	log_has server "alice: tcpctl sent PEER_HELLO not in this state of the peer"
expect "and tears the peer down" wait_for "teardown" 50 \
	log_has server "alice: tearing down: protocol violation by tcpctl"
expect "alice reconnects with a new tcpctl" wait_for "alice back" 150 \
	alice_up_with_new tcpctl "$old"
expect "alice's traffic flows again" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "the identity alice claimed was never used" \
	test "$(status_json | jq '[.peers[] | select(.identity == "someone-else")] | length')" = 0

wait "$bob_ping"
lost=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$WORK/bob-ping.txt")
expect_eq "bob lost no packet meanwhile" 0 "$lost"
stop_server

say "# a build that traps: the log names the call"
GUARDD=$TRAPS/guardd
start_server
expect "alice comes back to it" wait_for "alice up" 300 \
	alice_up_with_new udpdata 0
kill -USR1 "$(alice_pid udpdata)"
expect "the log names socket()" wait_for "trap logged" 50 \
	log_has server "seccomp: system call socket ([0-9]*) is not on this role's allowlist"
stop_server

say "# guardd that cannot drop privileges"
cat >"$WORK/nodrop" <<EOF
#!/bin/sh
exec setpriv --bounding-set -setuid,-setgid,-sys_chroot -- "$PLAIN_GUARDD" "\$@"
EOF
chmod 0755 "$WORK/nodrop"
out=$(ip netns exec "$NS_S" "$WORK/nodrop" -f --dev gd7 --port 51877 \
	--pool4 100.64.7.0/24 --ca "$WORK/pki/ca.crt" \
	--cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" \
	--worker-uids "$UIDS_S" --chroot "$WORK/empty" \
	--control-socket "$WORK/nodrop.sock" 2>&1)
rc=$?
expect_eq "refuses to start" 1 "$rc"
expect "and names what is missing and the way out" grep -q \
	"cannot drop privileges for the workers: cap_setgid,cap_setuid,cap_sys_chroot missing.*insecure-no-privdrop" <<<"$out"
expect_not "and leaves no device behind" n "$NS_S" ip link show gd7
expect "nor a control socket" test ! -e "$WORK/nodrop.sock"

say "# ... unless insecure-no-privdrop says so"
GUARDD=$WORK/nodrop
# All queues share uid 0's budget here: small ones.
start_server --insecure-no-privdrop --queue-depth 2
expect "it says so in the log" log_has server "insecure-no-privdrop: cap_setgid,cap_setuid,cap_sys_chroot missing"
expect "alice comes back to it" wait_for "alice up" 300 \
	alice_up_with_new udpdata 0
expect "alice's traffic flows" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
json=$(status_json)
expect_eq "status says so" true "$(jq -r '.sandbox.insecure_no_privdrop' <<<"$json")"
expect_eq "the workers keep GUARD's uid but still run filtered" \
	"2" "$(jq '[.peers[] | select(.identity == "alice") | .processes[]
		| select(.uid == 0 and .seccomp == "filter"
		and .capabilities == "none")] | length' <<<"$json")"
expect_eq "the router still keeps CAP_NET_ADMIN alone" "filter cap_net_admin" \
	"$(jq -r '.sandbox.router | "\(.seccomp) \(.capabilities)"' <<<"$json")"
stop_server

lib_summary sandbox
if [ "$FAILED" -ne 0 ]; then
	for f in server alice bob; do
		[ -f "$WORK/$f.log" ] || continue
		say "---- $f.log"
		tail -40 "$WORK/$f.log"
	done
	exit 1
fi
exit 0

#!/usr/bin/env bash
# Guard integration test: one server and two clients in network
# namespaces (the picture is in test/lib.sh). Run as root.
#
# Scenarios:
#   - start-up: configuration errors are refused before anything changes
#   - addresses: IPv4 from the pool, IPv6 from the key hash, pushed routes
#     (and a pushed route that would loop is refused)
#   - ping v4 and v6: client to server, server to client, client to client
#   - a 50 MB random file through the tunnel both ways, sha256 compared
#   - the process model: one router, a tcpctl and a udpdata per peer, the
#     workers unprivileged, chrooted, with no_new_privs and their seccomp
#     filters; the router likewise but with CAP_NET_ADMIN; GUARD with
#     CAP_KILL alone; one queue per peer
#   - a client killed with SIGKILL: its server-side processes and queue go,
#     the other client keeps working, and it gets its addresses back
#   - a client with a certificate from another CA is refused, with a log
#     line on both sides, and nothing is left behind on the server
#   - a client that expects another server name refuses the server
#   - a client over an IPv6 underlay
#   - guardd as a daemon: a failed start-up is reported to the shell, a
#     good one detaches and serves a client
#   - the server stopped with SIGTERM: no TUN device, address, route,
#     process or queue is left on it; its clients keep their tunnels and
#     try again; a client stopped with SIGTERM leaves nothing behind
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

log_has() { grep -qi -- "$2" "$WORK/$1.log"; }

# Descriptors GUARD holds on message queues (one per connected peer).
queue_fds() {
	local fd count=0
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		/guard.*) count=$((count + 1)) ;;
		esac
	done
	echo "$count"
}

child_count() { children_of "$1" | wc -l; }

# Pids of a process's children with a given name.
child_pids() {
	ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk -v c="$2" '$2 == c { print $1 }'
}

proc_field() { awk -v k="$2:" '$1 == k { print $2 }' /proc/"$1"/status; }

[ "$(id -u)" = 0 ] || { say "netns: must run as root"; exit 1; }

say "# start-up checks"
pki_up
expect "guardd -n accepts a good configuration" \
	"$GUARDD" -n --pool4 100.64.0.0/24 --ca "$WORK/pki/ca.crt" \
	--cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key"
out=$("$GUARDD" -n --pool4 100.64.0.1/24 --ca "$WORK/pki/ca.crt" \
	--cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" 2>&1)
rc=$?
expect_eq "guardd refuses a pool with host bits (exit 1)" 1 "$rc"
expect "the error names the flag" grep -q -- "--pool4" <<<"$out"
out=$("$GUARDD" -n --pool4 100.64.0.0/24 --ca "$WORK/pki/ca.crt" \
	--cert "$WORK/pki/alice.crt" --key "$WORK/pki/server.key" 2>&1)
expect "guardd refuses a key that does not match its certificate" \
	grep -q "does not match" <<<"$out"

say "# topology, server and two clients"
topology_up
start_server --push-route 198.19.0.0/24 --push-route 198.18.0.0/15
start_client "$NS_A" alice "$UIDS_A"
ALICE_PID=$CLIENT_PID
start_client "$NS_B" bob "$UIDS_B"
BOB_PID=$CLIENT_PID
expect "alice gets a tunnel address" wait_client_up "$NS_A"
expect "bob gets a tunnel address" wait_client_up "$NS_B"
# The address goes on only once the keys are in place: a script that
# waits for it may send at once.
first_line() { grep -n -m1 "$2" "$WORK/$1.log" | cut -d: -f1; }
expect "alice's tunnel is configured only after epoch 1" \
	test "$(first_line alice 'tcpctl.*: epoch 1$')" -lt \
	"$(first_line alice 'connected to ')"
expect "the first packet after the address gets through" \
	n "$NS_A" ping -c 1 -W 2 100.64.0.1
A4=$(tunnel_addr4 "$NS_A"); A6=$(tunnel_addr6 "$NS_A")
B4=$(tunnel_addr4 "$NS_B"); B6=$(tunnel_addr6 "$NS_B")
expect "alice's IPv4 address is in the pool" grep -q '^100\.64\.0\.' <<<"$A4"
expect "alice's IPv6 address is in the pool" grep -q '^fd00:6400::' <<<"$A6"
expect "bob's addresses differ from alice's" test "$A4" != "$B4" -a "$A6" != "$B6"
expect "the pushed route 198.19.0.0/24 is on alice's gc0" \
	sh -c "ip netns exec $NS_A ip route show dev gc0 | grep -q '^198.19.0.0/24'"
expect_not "a pushed route covering the server is not installed" \
	sh -c "ip netns exec $NS_A ip route show dev gc0 | grep -q '^198.18.0.0/15'"
expect "alice says why that route was not installed" \
	log_has alice "not installing pushed route 198.18.0.0/15"

say "# ping"
expect "alice -> server, IPv4" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "alice -> server, IPv6" n "$NS_A" ping -c 2 -i 0.2 -W 2 fd00:6400::1
expect "bob -> server, IPv4" n "$NS_B" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "server -> alice, IPv4" n "$NS_S" ping -c 2 -i 0.2 -W 2 "$A4"
expect "server -> alice, IPv6" n "$NS_S" ping -c 2 -i 0.2 -W 2 "$A6"
expect "alice -> bob, IPv4" n "$NS_A" ping -c 2 -i 0.2 -W 2 "$B4"
expect "alice -> bob, IPv6" n "$NS_A" ping -c 2 -i 0.2 -W 2 "$B6"
expect "bob -> alice, IPv6" n "$NS_B" ping -c 2 -i 0.2 -W 2 "$A6"

say "# the link's own IPv6 traffic stays home"
# alice runs with the default accept_ra, so her gc0 sends router
# solicitations (and MLD reports) from its link-local address: her GUARD
# drops them as link-local, and the server never sees them as spoofed.
link_local_drops() {
	"$GUARDCTL" -s "$WORK/alice.sock" status --json | jq -r '.drops.link_local'
}
link_local_seen() { [ "$(link_local_drops)" -ge 1 ]; }
expect "alice's GUARD dropped her link's own IPv6 packets" \
	wait_for "a link-local drop" 100 link_local_seen
expect_eq "the server counted none of alice's packets as spoofed" 0 \
	"$("$GUARDCTL" -s "$WORK/server.sock" status --json |
		jq -r '.peers[] | select(.identity == "alice") | .drops.spoofed_source')"

say "# 50 MB both ways"
expect "50 MB alice -> server, sha256 matches" \
	transfer "$NS_A" "$NS_S" 100.64.0.1 5001
expect "50 MB server -> alice, sha256 matches" \
	transfer "$NS_S" "$NS_A" "$A4" 5002

say "# the process model"
expect_eq "the server has a router and 2 processes per client" 5 \
	"$(child_count "$SERVER_PID")"
expect_eq "the server holds one queue per client" 2 \
	"$(queue_fds "$SERVER_PID")"
for role in udpdata tcpctl; do
	for pid in $(child_pids "$SERVER_PID" "$role"); do
		expect "$role $pid runs as a non-root uid" \
			test "$(proc_field "$pid" Uid)" != 0
		expect "$role $pid has no_new_privs" \
			test "$(proc_field "$pid" NoNewPrivs)" = 1
		expect "$role $pid has no capabilities" \
			test "$(proc_field "$pid" CapEff)" = 0000000000000000
		expect "$role $pid is chrooted to the empty directory" \
			test "$(readlink /proc/"$pid"/root)" = "$WORK/empty"
		expect_eq "$role $pid runs under its seccomp filter" 2 \
			"$(proc_field "$pid" Seccomp)"
	done
done
router=$(child_pids "$SERVER_PID" router)
expect "the router runs as a non-root uid" \
	test "$(proc_field "$router" Uid)" != 0
expect_eq "the router keeps CAP_NET_ADMIN alone" 0000000000001000 \
	"$(proc_field "$router" CapEff)"
expect_eq "the router has no_new_privs" 1 "$(proc_field "$router" NoNewPrivs)"
expect_eq "the router runs under its seccomp filter" 2 \
	"$(proc_field "$router" Seccomp)"
expect "the router is chrooted to the empty directory" \
	test "$(readlink /proc/"$router"/root)" = "$WORK/empty"
# GUARD: CAP_KILL for its workers; in the bounding set only what they
# need to drop (setgid, setuid, net_bind_service, net_admin, sys_chroot).
expect_eq "GUARD keeps CAP_KILL alone" 0000000000000020 \
	"$(proc_field "$SERVER_PID" CapEff)"
expect_eq "GUARD's bounding set holds what its children need" \
	00000000000414e0 "$(proc_field "$SERVER_PID" CapBnd)"

say "# guardd as a daemon"
daemon_flags=(--pool4 100.64.1.0/24 --ca "$WORK/pki/ca.crt"
	--cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key"
	--worker-uids "$(uids 12000 12099)" --max-peers 4 --chroot "$WORK/empty"
	--control-socket "$WORK/daemon.sock")
out=$(ip netns exec "$NS_S" "$GUARDD" --dev gd9 --port "$PORT" "${daemon_flags[@]}" 2>&1)
rc=$?
expect_eq "a daemon that cannot start exits with status 1" 1 "$rc"
expect "and says where to look" grep -q "start-up failed; see the system log" <<<"$out"
expect_not "and leaves no device behind" n "$NS_S" ip link show gd9
(cd "$WORK/pki" && ip netns exec "$NS_S" "$GUARDD" --dev gd9 --port 51899 \
	--pool4 100.64.1.0/24 --ca ca.crt --cert server.crt --key server.key \
	--worker-uids "$(uids 12000 12099)" --max-peers 4 --chroot "$WORK/empty" \
	--control-socket "$WORK/daemon.sock")
expect_eq "a daemon that starts exits its parent with status 0" 0 "$?"
dpid=$(n "$NS_S" ss -ltnpH 'sport = :51899' | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -1)
[ -n "$dpid" ] && LIB_PIDS+=("$dpid")
expect "the daemon listens" test -n "$dpid"
expect "the daemon has its device up" n "$NS_S" ip link show gd9 up
ip netns exec "$NS_A" "$TUNCLIENT" -f --peer 198.18.0.1:51899 --server-name server \
	--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/alice.crt" --key "$WORK/pki/alice.key" \
	--dev gc9 --worker-uids "$(uids 12100 12199)" --chroot "$WORK/empty" \
	--control-socket "$WORK/daemonclient.sock" \
	>"$WORK/daemonclient.log" 2>&1 &
dclient=$!
LIB_PIDS+=("$dclient")
expect "a client connects to the daemon (its relative paths still work)" \
	wait_for "gc9 address" 100 \
	sh -c "ip netns exec $NS_A ip -o -4 addr show dev gc9 | grep -q 100.64.1."
expect "and reaches it through the tunnel" \
	n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.1.1
kill -TERM "$dclient"
wait "$dclient"
expect_eq "tunclient stopped by SIGTERM exits with status 0" 0 "$?"
if [ -n "$dpid" ]; then
	kill -TERM "$dpid"
	expect "the daemon stops on SIGTERM" wait_for "daemon exits" 50 \
		sh -c "! kill -0 $dpid"
	expect_not "and removes its device" n "$NS_S" ip link show gd9
fi

say "# a client killed with SIGKILL"
bob_server_pids=$(ps -o pid= --ppid "$SERVER_PID" | tr -d ' ')
kill -KILL "$BOB_PID"
expect "the server notices bob is gone" \
	wait_for "bob gone" 50 log_has server "bob: gone"
expect "bob's server-side processes are reaped" \
	wait_for "children" 50 has_children "$SERVER_PID" 3
expect_eq "the server holds one queue" 1 "$(queue_fds "$SERVER_PID")"
expect "bob's gc0 is gone with its processes" \
	wait_for "gc0 gone" 50 sh -c "! ip netns exec $NS_B ip link show gc0"
expect "alice still reaches the server" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
start_client "$NS_B" bob "$UIDS_B"
BOB_PID=$CLIENT_PID
expect "bob reconnects" wait_client_up "$NS_B"
expect_eq "bob gets the same IPv4 address back" "$B4" "$(tunnel_addr4 "$NS_B")"
expect_eq "bob gets the same IPv6 address back" "$B6" "$(tunnel_addr6 "$NS_B")"
expect "alice -> bob again" n "$NS_A" ping -c 2 -i 0.2 -W 2 "$B4"
: "$bob_server_pids"

say "# a certificate from another CA"
"$PKI" init "$WORK/rogue" >/dev/null
"$PKI" client "$WORK/rogue" mallory >/dev/null
before=$(child_count "$SERVER_PID")
ip netns exec "$NS_B" "$TUNCLIENT" -f --peer 198.18.0.1 --server-name server \
	--ca "$WORK/pki/ca.crt" --cert "$WORK/rogue/mallory.crt" \
	--key "$WORK/rogue/mallory.key" --dev gc1 --worker-uids "$(uids 10200 10299)" \
	--chroot "$WORK/empty" --control-socket "$WORK/mallory.sock" \
	>"$WORK/mallory.log" 2>&1 &
MALLORY_PID=$!
LIB_PIDS+=("$MALLORY_PID")
expect "the client with a foreign certificate is refused" \
	wait_for "mallory exits" 100 sh -c "! kill -0 $MALLORY_PID"
wait "$MALLORY_PID"
expect_eq "it exits with status 2" 2 "$?"
expect "the server logs why" log_has server "certificate verify failed"
expect "the client logs why" log_has mallory "unknown ca"
expect "nothing of it is left on the server" \
	wait_for "children" 30 has_children "$SERVER_PID" "$before"

say "# a server name that does not match"
ip netns exec "$NS_B" "$TUNCLIENT" -f --peer 198.18.0.1 --server-name vpn.example.org \
	--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/bob.crt" \
	--key "$WORK/pki/bob.key" --dev gc1 --worker-uids "$(uids 10200 10299)" \
	--chroot "$WORK/empty" --control-socket "$WORK/wrongname.sock" \
	>"$WORK/wrongname.log" 2>&1 &
WRONG_PID=$!
LIB_PIDS+=("$WRONG_PID")
expect "the client refuses a server with another name" \
	wait_for "client exits" 100 sh -c "! kill -0 $WRONG_PID"
expect "the client logs a hostname mismatch" log_has wrongname "hostname mismatch"

say "# an IPv6 underlay"
NS_C=$TAG-c
host_add "$NS_C" 4
"$PKI" client "$WORK/pki" carol >/dev/null
PEER="[2001:db8::1]" start_client "$NS_C" carol "$(uids 10300 10399)"
expect "carol connects over IPv6" wait_client_up "$NS_C"
C4=$(tunnel_addr4 "$NS_C")
expect "carol -> server through a tunnel over IPv6" \
	n "$NS_C" ping -c 2 -i 0.2 -W 2 100.64.0.1
expect "alice -> carol" n "$NS_A" ping -c 2 -i 0.2 -W 2 "$C4"
expect "the server saw carol come from 2001:db8::4" \
	log_has server "carol: connected from 2001:db8::4"

say "# the server stopped with SIGTERM"
server_kids=$(children_of "$SERVER_PID")
kill -TERM "$SERVER_PID"
expect "guardd exits" wait_for "guardd exits" 100 sh -c "! kill -0 $SERVER_PID"
wait "$SERVER_PID"
expect_eq "guardd exits with status 0" 0 "$?"
expect_not "no gd0 on the server" n "$NS_S" ip link show gd0
expect_not "no tunnel address left on the server" \
	sh -c "ip netns exec $NS_S ip addr | grep -E '100\.64\.|fd00:6400'"
left=0
for pid in $server_kids; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
expect_eq "no server process is left" 0 "$left"
expect "the server logged its router's undo" log_has server "router: removed"
expect "alice keeps her tunnel and tries again" \
	wait_for "alice retries" 50 log_has alice "reconnecting in"
expect "alice is still running" kill -0 "$ALICE_PID"

say "# a client stopped with SIGTERM"
client_kids=$(children_of "$ALICE_PID")
kill -TERM "$ALICE_PID"
wait "$ALICE_PID"
expect_eq "tunclient exits with status 0" 0 "$?"
expect_not "no gc0 on alice" n "$NS_A" ip link show gc0
expect_not "no tunnel route left on alice" \
	sh -c "ip netns exec $NS_A ip route | grep -E '100\.64\.|198\.19\.'"
left=0
for pid in $client_kids; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
expect_eq "no client process is left" 0 "$left"

say
lib_summary netns
if [ "$FAILED" -ne 0 ]; then
	for f in server alice bob mallory wrongname carol; do
		[ -f "$WORK/$f.log" ] || continue
		say "---- $f.log"
		cat "$WORK/$f.log"
	done
	exit 1
fi
exit 0

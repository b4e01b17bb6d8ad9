#!/usr/bin/env bash
# Guard demo: one server and two clients, each in a network namespace of
# its own, joined by a bridge (see the picture in test/lib.sh). It makes a
# PKI, starts guardd and two tunclients, pings across the tunnel (IPv4 and
# IPv6, client to server and client to client), moves a file through it
# and checks its hash, then removes everything it made.
#
# Run as root: sudo make demo
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
run() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/      /'; }

[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo)"; exit 1; }

step "A certificate authority, a server certificate and two client certificates"
"$PKI" init "$WORK/pki" | sed 's/^/    /'
"$PKI" server "$WORK/pki" server | sed 's/^/    /'
"$PKI" client "$WORK/pki" alice | sed 's/^/    /'
"$PKI" client "$WORK/pki" bob | sed 's/^/    /'

step "Three hosts in network namespaces: server 198.18.0.1, alice .2, bob .3"
topology_up

step "guardd on the server: pools 100.64.0.0/24 and fd00:6400::/64"
say "    guardd -f --dev gd0 --port $PORT --pool4 100.64.0.0/24 --pool6 fd00:6400::/64 \\"
say "           --ca ca.crt --cert server.crt --key server.key"
start_server
say "    listening on port $PORT"

step "tunclient on alice and bob"
say "    tunclient -f --peer 198.18.0.1 --server-name server --ca ca.crt --cert alice.crt --key alice.key"
start_client "$NS_A" alice "$UIDS_A"
start_client "$NS_B" bob "$UIDS_B"
wait_client_up "$NS_A"
wait_client_up "$NS_B"
A4=$(tunnel_addr4 "$NS_A"); A6=$(tunnel_addr6 "$NS_A")
B4=$(tunnel_addr4 "$NS_B"); B6=$(tunnel_addr6 "$NS_B")
say "    alice got $A4 and $A6"
say "    bob   got $B4 and $B6"

step "Ping through the tunnel"
run n "$NS_A" ping -c 3 -i 0.2 -W 2 100.64.0.1
run n "$NS_A" ping -c 3 -i 0.2 -W 2 fd00:6400::1
run n "$NS_A" ping -c 3 -i 0.2 -W 2 "$B4"
run n "$NS_B" ping -c 3 -i 0.2 -W 2 "$A6"

step "A 20 MB file from alice to the server through the tunnel"
head -c 20M /dev/urandom >"$WORK/file"
n "$NS_S" nc -l 100.64.0.1 5001 >"$WORK/received" &
LIB_PIDS+=("$!")
wait_for "receiver" 50 n "$NS_S" sh -c "ss -ltn | grep -q ':5001 '"
start=$(date +%s.%N)
n "$NS_A" nc -N 100.64.0.1 5001 <"$WORK/file"
end=$(date +%s.%N)
wait_for "transfer" 50 cmp -s "$WORK/file" "$WORK/received"
sent=$(sha256sum <"$WORK/file" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
say "    sent     sha256 $sent"
say "    received sha256 $got"
awk -v s="$start" -v e="$end" 'BEGIN { printf "    %.0f Mbit/s\n", 20 * 8 * 1.048576 / (e - s) }'
[ "$sent" = "$got" ] || { say "demo: the file arrived damaged"; exit 1; }

step "What the server logged"
sed 's/^/    /' "$WORK/server.log"

step "Stopping: the server and clients remove their devices, addresses and routes"
kill -TERM "$CLIENT_PID" "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
if n "$NS_S" ip link show gd0 >/dev/null 2>&1; then
	say "demo: gd0 is still there"; exit 1
fi
say "    gd0 is gone from the server"
say
say "demo: done. Everything it made is being removed."

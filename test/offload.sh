#!/usr/bin/env bash
# Guard's data path both ways it can run: with offload (GUARD reads TCP
# segments of up to 64 KB from TUN, udpdata cuts them, sends trains of
# datagrams with UDP GSO, takes trains in with UDP GRO and joins a flow's
# packets for one TUN write) and without (offload no: one packet per
# read, per datagram, per write). In network namespaces (the picture is
# in test/lib.sh); run as root.
#
# For each path, 200 MB go from a client to the server over IPv4 and
# 200 MB back over IPv6, sha256 compared, and the counters of guardctl
# status show which path carried them: with offload, segments were cut
# and datagrams went and came in trains, and fewer TUN writes than
# packets were needed; without, none of that. A server with offload and a
# client without it (and the reverse) carry traffic between them: the
# datagrams on the wire are the same.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

SIZE=${OFFLOAD_TEST_SIZE:-200M}

[ "$(id -u)" = 0 ] || { say "offload: must run as root"; exit 1; }
[ -x "$GUARDD" ] && [ -x "$GUARDCTL" ] ||
	{ say "offload: build Guard first (make)"; exit 1; }

log_has() { grep -q -- "$2" "$WORK/$1.log"; }

# status SOCKET: guardctl status as text.
status() { "$GUARDCTL" -s "$WORK/$1.sock" status 2>&1; }

# counter SOCKET WORDS: the number before WORDS in the peer's "data path"
# line (the one peer of a client, alice on the server).
counter() {
	status "$1" | sed -nE "s/.*data path: .*[;,] ([0-9]+) $2.*/\1/p" | head -1
}

# stop_both PHASE: SIGTERM to the client and the server, wait for them,
# and keep their logs as server.PHASE.log and alice.PHASE.log.
stop_both() {
	kill -TERM "$CLIENT_PID" "$SERVER_PID" 2>/dev/null
	wait "$CLIENT_PID" "$SERVER_PID" 2>/dev/null
	mv "$WORK/server.log" "$WORK/server.$1.log"
	mv "$WORK/alice.log" "$WORK/alice.$1.log"
}

# up SERVER_OFFLOAD CLIENT_OFFLOAD: server and alice, alice's address in A4.
up() {
	start_server --offload "$1"
	start_client "$NS_A" alice "$UIDS_A" --offload "$2"
	expect "alice connects (server offload $1, client offload $2)" \
		wait_client_up "$NS_A"
	A4=$(tunnel_addr4 "$NS_A")
	A6=$(tunnel_addr6 "$NS_A")
	# The workers report their data path once a second.
	wait_for "data path reported" 30 log_has alice "data path:"
	wait_for "data path reported" 30 log_has server "data path:"
}

topology_up
pki_up

say "# offload yes"
up yes yes
for side in server alice; do
	expect "$side: TUN opened with TCP segmentation offload" \
		log_has "$side" "segmentation offload tso"
	expect "$side: the data path in use is logged" \
		log_has "$side" "data path: udp-gso udp-gro tun-gro"
	expect "$side: guardctl status shows TUN offload" \
		sh -c "'$GUARDCTL' -s '$WORK/$side.sock' status | grep -q 'offload: TUN tso'"
	expect "$side: guardctl status shows the peer's data path" \
		sh -c "'$GUARDCTL' -s '$WORK/$side.sock' status | grep -q 'data path: udp-gso udp-gro tun-gro;'"
done
expect "guardctl status --json shows it too" \
	sh -c "'$GUARDCTL' -s '$WORK/server.sock' status --json | jq -e '.offload.tun != \"off\" and .peers[0].data_path.udp_gso'"
expect "$SIZE alice -> server over IPv4, sha256 matches" \
	transfer "$NS_A" "$NS_S" 100.64.0.1 5001 "$SIZE"
expect "$SIZE server -> alice over IPv6, sha256 matches" \
	transfer "$NS_S" "$NS_A" "$A6" 5002 "$SIZE"
sleep 1.2	# one more report from each worker
for side in server alice; do
	expect_ge "$side: segments from TUN were cut" 1 \
		"$(counter "$side" "segments cut")"
	expect_ge "$side: datagrams went out in trains" 1 \
		"$(counter "$side" "trains sent")"
	expect_ge "$side: and came in in trains" 1 \
		"$(counter "$side" "trains received")"
done
rx=$(status server | sed -nE 's/.*\(([0-9]+) \/ [0-9]+ packets\).*/\1/p' | head -1)
writes=$(counter server "TUN writes")
if [ -n "$rx" ] && [ -n "$writes" ] && [ "$writes" -lt $((rx / 4)) ]; then
	ok "server: $rx packets received in $writes TUN writes"
else
	not_ok "server: $rx packets received in $writes TUN writes (want fewer than a quarter)"
fi
expect "a ping still gets through" n "$NS_A" ping -c 2 -i 0.2 -W 2 100.64.0.1
stop_both offload

say "# offload no"
up no no
for side in server alice; do
	expect "$side: TUN opened without offload" \
		log_has "$side" "segmentation offload off (offload no)"
	expect "$side: the data path in use is logged" \
		log_has "$side" "data path: none"
	expect "$side: guardctl status shows no offload" \
		sh -c "'$GUARDCTL' -s '$WORK/$side.sock' status | grep -q 'offload: TUN off'"
done
expect "$SIZE alice -> server over IPv4, sha256 matches" \
	transfer "$NS_A" "$NS_S" 100.64.0.1 5001 "$SIZE"
expect "$SIZE server -> alice over IPv6, sha256 matches" \
	transfer "$NS_S" "$NS_A" "$A6" 5002 "$SIZE"
sleep 1.2
for side in server alice; do
	expect_eq "$side: no segment cut" 0 "$(counter "$side" "segments cut")"
	expect_eq "$side: no train sent" 0 "$(counter "$side" "trains sent")"
	expect_eq "$side: no train received" 0 "$(counter "$side" "trains received")"
done
stop_both plain

say "# one end with offload, the other without"
up yes no
expect "20 MB alice -> server, sha256 matches" \
	transfer "$NS_A" "$NS_S" 100.64.0.1 5001 20M
expect "20 MB server -> alice, sha256 matches" \
	transfer "$NS_S" "$NS_A" "$A4" 5002 20M
stop_both mixed1
up no yes
expect "20 MB alice -> server, sha256 matches" \
	transfer "$NS_A" "$NS_S" 100.64.0.1 5001 20M
expect "20 MB server -> alice, sha256 matches" \
	transfer "$NS_S" "$NS_A" "$A4" 5002 20M
stop_both mixed2

expect_not "no gd0 left on the server" n "$NS_S" ip link show gd0
expect_not "no gc0 left on alice" n "$NS_A" ip link show gc0

say
lib_summary offload
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK"/*.log; do
		say "---- $(basename "$f")"
		tail -30 "$f"
	done
	exit 1
fi
exit 0

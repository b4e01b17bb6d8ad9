#!/usr/bin/env bash
# Guard benchmark (make bench): throughput and latency through the tunnel
# compared with the bare veth underneath, in network namespaces (the
# picture is in test/lib.sh; only the server and alice are used).
#
# For each path: iperf3 TCP with 1 and 4 streams, alice to server and
# server to alice (-R), BENCH_SECONDS each; then ping RTT through the idle
# tunnel. Prints a markdown table and writes it to build/bench.md.
#
# This measures; it asserts nothing.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

SECONDS_EACH=${BENCH_SECONDS:-5}
OUT=$TOP/build/bench.md

[ "$(id -u)" = 0 ] || { echo "bench: run as root (sudo make bench)"; exit 1; }
command -v iperf3 >/dev/null || { echo "bench: needs iperf3 (make deps)"; exit 1; }

topology_up
pki_up
start_server
start_client "$NS_A" alice "$UIDS_A"
wait_client_up "$NS_A"

ip netns exec "$NS_S" iperf3 -s -D -I "$WORK/iperf3.pid" >/dev/null
wait_for "iperf3" 50 n "$NS_S" sh -c "ss -ltn | grep -q ':5201 '"
LIB_PIDS+=("$(cat "$WORK/iperf3.pid")")
# Let the tunnel settle (the first datagrams find the endpoint).
n "$NS_A" ping -c 3 -i 0.2 -W 2 100.64.0.1 >/dev/null

# iperf ADDR STREAMS [-R]: receiver Mbit/s.
iperf() {
	local addr=$1 streams=$2 rev=${3:-}
	# shellcheck disable=SC2086
	n "$NS_A" iperf3 -c "$addr" -t "$SECONDS_EACH" -P "$streams" $rev -f m |
		awk '/receiver/ { v = $(NF-2) } END { print v + 0 }'
}

rows=()
for streams in 1 4; do
	for dir in "" -R; do
		veth=$(iperf 198.18.0.1 "$streams" $dir)
		tun=$(iperf 100.64.0.1 "$streams" $dir)
		label=$([ -z "$dir" ] && echo "client -> server" || echo "server -> client")
		ratio=$(awk -v a="$tun" -v b="$veth" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
		rows+=("| TCP, $streams stream(s), $label | $veth | $tun | $ratio |")
	done
done

rtt=$(n "$NS_A" ping -c 50 -i 0.02 -q 100.64.0.1 |
	awk -F'/' '/^rtt/ { printf "avg %.3f ms, max %.3f ms", $5, $6 }')
rtt_veth=$(n "$NS_A" ping -c 50 -i 0.02 -q 198.18.0.1 |
	awk -F'/' '/^rtt/ { printf "avg %.3f ms, max %.3f ms", $5, $6 }')

{
	echo "# Guard benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${SECONDS_EACH}s per run, $(git -C "$TOP" describe --always --dirty 2>/dev/null))"
	echo
	echo "| test | veth Mbit/s | tunnel Mbit/s | tunnel/veth |"
	echo "|---|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "ping RTT, idle: tunnel $rtt; veth $rtt_veth"
} | tee "$OUT"
echo
echo "bench: written to $OUT"

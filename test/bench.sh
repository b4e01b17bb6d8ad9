#!/usr/bin/env bash
# Guard benchmark (make bench): throughput, latency, start-up time and CPU
# cost through the tunnel, compared with the bare veth underneath and,
# with ANCHORS=1, with OpenVPN 2.6 (userspace: --disable-dco) and
# wireguard-go, in network namespaces (the picture is in test/lib.sh;
# only the server and alice are used). Every tunnel has MTU 1420:
#
#   Guard         guardd and tunclient, 100.64.0.0/24, AES-256-GCM, with
#                 offload (TUN segments, UDP GSO and GRO) where the
#                 kernel has it
#   Guard, offload no: the same with offload no, 100.64.3.0/24; or with
#                 the flags in BENCH_GUARD2 instead (both ends)
#   OpenVPN       server/client over UDP, AES-256-GCM, with the
#                 certificates Guard's tests make, 100.64.1.0/24
#   wireguard-go  Debian's build, configured with wg, 100.64.2.0/24
#
# BENCH_ROUNDS rounds (default 2). Each round starts every tunnel afresh,
# one after another, each time with its server already up: the time from
# starting the client side to the first ping answered through the tunnel
# is its start-up time. Then ping RTT through each idle tunnel (50 pings
# 20 ms apart), and iperf3 TCP runs of BENCH_SECONDS (default 5): 1
# stream and 4 streams, client to server and server to client (-R). Each
# measurement is taken of every path in turn before the next one starts,
# the order of the paths rotating from round to round, so that a change
# in the machine's load falls on all alike. Around each iperf3 run the
# CPU time (utime + stime + cutime + cstime in /proc/PID/stat) of every
# process of the tunnel on both ends is summed: for Guard GUARD, router,
# tcpctl and udpdata of guardd and of tunclient; it is divided by the
# bytes the receiver got. CPU time the kernel spends in softirq context
# for the tunnel is charged to whatever process runs, often iperf3, and
# is not in these sums.
#
# In the last round, with Guard up, BENCH_SYSCALL_MB MiB (default 256)
# go through each Guard path from client to server while strace -c counts
# the system calls of each Guard process on both ends; they are printed per
# MB (10^6 bytes) moved. strace slows the processes it traces, which
# changes how many packets each call carries; the rate under strace is
# printed with it.
#
# ANCHORS=1 installs openvpn, wireguard-go and wireguard-tools with
# apt-get when any of them is missing. Prints markdown tables and writes
# them to build/bench.md. This measures; it asserts nothing.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"

SECONDS_EACH=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-2}
ANCHORS=${ANCHORS:-0}
SYSCALL_MIB=${BENCH_SYSCALL_MB:-256}
OUT=$TOP/build/bench.md
HZ=$(getconf CLK_TCK)
MTU=1420
WGS=${TAG}ws			# wireguard-go's interfaces: their control
WGC=${TAG}wc			# sockets in /var/run/wireguard are host-wide

FG_PID=
bench_cleanup() {
	# An iperf3 client whose namespace goes away would spin.
	if [ -n "$FG_PID" ]; then kill -TERM "$FG_PID" 2>/dev/null; fi
	lib_cleanup
	rm -f "/var/run/wireguard/$WGS.sock" "/var/run/wireguard/$WGC.sock"
}
trap bench_cleanup EXIT

[ "$(id -u)" = 0 ] || { say "bench: run as root (sudo make bench)"; exit 1; }
for tool in iperf3 jq strace; do
	command -v "$tool" >/dev/null || { say "bench: needs $tool"; exit 1; }
done
case $ROUNDS in
'' | *[!0-9]* | 0) say "bench: BENCH_ROUNDS=$ROUNDS: want 1 or more"; exit 1 ;;
esac

IMPLS=(veth guard guard1)
if [ "$ANCHORS" = 1 ]; then
	IMPLS+=(openvpn wggo)
	if ! command -v openvpn >/dev/null || ! command -v wireguard-go >/dev/null ||
		! command -v wg >/dev/null; then
		say "# installing openvpn, wireguard-go and wireguard-tools"
		pkgs=(openvpn wireguard-go wireguard-tools)
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y -qq --no-install-recommends "${pkgs[@]}" \
			>"$WORK/apt.log" 2>&1; then
			apt-get update -qq >>"$WORK/apt.log" 2>&1 || true
			apt-get install -y -qq --no-install-recommends "${pkgs[@]}" \
				>>"$WORK/apt.log" 2>&1 ||
				{ say "bench: apt-get install failed:"; tail -20 "$WORK/apt.log"; exit 1; }
		fi
	fi
	openvpn --version | head -1 | grep -q '^OpenVPN 2\.6\.' ||
		say "# note: not OpenVPN 2.6: $(openvpn --version | head -1)"
fi

# The second Guard path: offload no, or what BENCH_GUARD2 says (a
# setting to weigh against the defaults side by side, such as
# "--socket-buffer 1M" or "--batch 16").
GUARD2=${BENCH_GUARD2:---offload no}
declare -A NAME=([veth]=veth [guard]=Guard [guard1]="Guard, ${GUARD2#--}"
	[openvpn]=OpenVPN [wggo]=wireguard-go)
# The server's end of each path, which the client pings and iperf3 reaches.
declare -A ADDR=([veth]=198.18.0.1 [guard]=100.64.0.1 [guard1]=100.64.3.1
	[openvpn]=100.64.1.1 [wggo]=100.64.2.1)
declare -A SRV=() CLI=() UP=()
TESTS=(1 1R 4 4R)
declare -A TEST_NAME=([1]="TCP, 1 stream, client -> server"
	[1R]="TCP, 1 stream, server -> client"
	[4]="TCP, 4 streams, client -> server"
	[4R]="TCP, 4 streams, server -> client")
RESULTS=$WORK/results		# "ROUND IMPL KEY VALUE" lines
: >"$RESULTS"

now_ms() { date +%s%3N; }
record() { echo "$*" >>"$RESULTS"; }

# client_run CMD...: CMD in client a's namespace, in the background while
# this shell waits, so that the cleanup can stop it when the benchmark is
# interrupted. Its exit status.
client_run() {
	local rc=0
	ip netns exec "$NS_A" "$@" &
	FG_PID=$!
	wait "$FG_PID" || rc=$?
	FG_PID=
	return "$rc"
}

# Is PID running (not a zombie)?
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop PID...: SIGTERM, up to 5 s, SIGKILL, reap, and forget them, so
# that the cleanup can never hit another process that gets the pid later.
stop_pids() {
	local pid i keep=()
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "$@"; do
		for i in $(seq 50); do
			alive "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for pid in "${LIB_PIDS[@]}"; do
		[[ " $* " == *" $pid "* ]] || keep+=("$pid")
	done
	LIB_PIDS=("${keep[@]}")
}

# first_ping IMPL T0: poll with pings through IMPL's tunnel until one is
# answered; records the milliseconds since T0.
first_ping() {
	local impl=$1 t0=$2 i
	for i in $(seq 1500); do
		if n "$NS_A" ping -c 1 -W 0.2 "${ADDR[$impl]}" >/dev/null 2>&1; then
			record "$ROUND" "$impl" start.ms $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.01
	done
	say "# round $ROUND: no ping through ${NAME[$impl]} within 30 s"
	return 1
}

# ---- the tunnels: up_IMPL starts the server side, waits until it is
# ready, then starts the client side and times it to the first ping;
# down_IMPL stops both. ---------------------------------------------------

up_veth() { :; }
down_veth() { :; }

up_guard() {
	local t0
	start_server
	SRV[guard]=$SERVER_PID
	t0=$(now_ms)
	start_client "$NS_A" alice "$UIDS_A"
	CLI[guard]=$CLIENT_PID
	first_ping guard "$t0"
}
down_guard() { stop_pids "${CLI[guard]}" "${SRV[guard]}"; }

# The same without offload (one packet per TUN read and write, one
# datagram per send and receive), or with BENCH_GUARD2's flags, beside it
# on a port, device, pool and uids of its own.
up_guard1() {
	local t0 PORT=$((PORT + 1)) POOL4=100.64.3.0/24 POOL6=fd00:6403::/64
	local SERVER_DEV=gd1 SERVER_NAME=server1 CLIENT_DEV=gc1
	local SERVER_UIDS
	SERVER_UIDS=$(uids 12000 19999)
	# shellcheck disable=SC2086 # one word per flag and value
	start_server $GUARD2
	SRV[guard1]=$SERVER_PID
	t0=$(now_ms)
	# shellcheck disable=SC2086
	start_client "$NS_A" alice "$(uids 10200 10299)" $GUARD2
	CLI[guard1]=$CLIENT_PID
	first_ping guard1 "$t0"
}
down_guard1() { stop_pids "${CLI[guard1]}" "${SRV[guard1]}"; }

up_openvpn() {
	local t0 log=$WORK/openvpn-server.$ROUND.log
	ip netns exec "$NS_S" openvpn --dev ovs0 --dev-type tun --proto udp4 \
		--local 198.18.0.1 --port 1194 --server 100.64.1.0 255.255.255.0 \
		--topology subnet --tun-mtu "$MTU" --keepalive 10 60 \
		--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/server.crt" \
		--key "$WORK/pki/server.key" --dh none --remote-cert-tls client \
		--data-ciphers AES-256-GCM --disable-dco --verb 3 >"$log" 2>&1 &
	SRV[openvpn]=$!
	LIB_PIDS+=("$!")
	wait_for "OpenVPN server" 100 grep -q 'Initialization Sequence Completed' "$log" ||
		return 1
	t0=$(now_ms)
	ip netns exec "$NS_A" openvpn --client --dev ovc0 --dev-type tun \
		--proto udp4 --remote 198.18.0.1 1194 --nobind \
		--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/alice.crt" \
		--key "$WORK/pki/alice.key" --remote-cert-tls server \
		--verify-x509-name server name --data-ciphers AES-256-GCM \
		--disable-dco --verb 3 >"$WORK/openvpn-client.$ROUND.log" 2>&1 &
	CLI[openvpn]=$!
	LIB_PIDS+=("$!")
	first_ping openvpn "$t0"
}
down_openvpn() { stop_pids "${CLI[openvpn]}" "${SRV[openvpn]}"; }

# wg_up NS IF CONF ADDR: wireguard-go on IF, configured as wg-quick would.
wg_up() {
	local ns=$1 dev=$2 conf=$3 addr=$4 i
	ip netns exec "$ns" wireguard-go -f "$dev" >>"$WORK/$dev.log" 2>&1 &
	WG_PID=$!
	LIB_PIDS+=("$!")
	# Polled every 10 ms: this is part of the time to the first ping.
	for i in $(seq 1000); do
		[ -S "/var/run/wireguard/$dev.sock" ] && break
		sleep 0.01
	done
	[ -S "/var/run/wireguard/$dev.sock" ] &&
		n "$ns" wg setconf "$dev" "$conf" &&
		n "$ns" ip addr add "$addr" dev "$dev" &&
		n "$ns" ip link set "$dev" mtu "$MTU" up
}
up_wggo() {
	local t0
	wg_up "$NS_S" "$WGS" "$WORK/wgs.conf" 100.64.2.1/24 || return 1
	SRV[wggo]=$WG_PID
	t0=$(now_ms)
	wg_up "$NS_A" "$WGC" "$WORK/wgc.conf" 100.64.2.2/24 || return 1
	CLI[wggo]=$WG_PID
	first_ping wggo "$t0"
}
down_wggo() { stop_pids "${CLI[wggo]}" "${SRV[wggo]}"; }

wg_keys() {
	(
		umask 077
		cd "$WORK"
		wg genkey >wgs.key
		wg genkey >wgc.key
		wg pubkey <wgs.key >wgs.pub
		wg pubkey <wgc.key >wgc.pub
		printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.2.2/32\n' \
			"$(cat wgs.key)" "$(cat wgc.pub)" >wgs.conf
		printf '[Interface]\nPrivateKey = %s\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.2.0/24\nEndpoint = 198.18.0.1:51821\n' \
			"$(cat wgc.key)" "$(cat wgs.pub)" >wgc.conf
	)
}

# ---- measuring ------------------------------------------------------------

# Every process of IMPL's tunnel with its descendants: "server PID" or
# "client PID" lines.
tunnel_pids() {
	[ "$1" = veth ] && return 0
	ps -e -o pid=,ppid= | awk -v s="${SRV[$1]}" -v c="${CLI[$1]}" '
		{ parent[$1] = $2 }
		END {
			for (p in parent)
				for (q = p; q > 1; q = parent[q]) {
					if (q == s) { print "server", p; break }
					if (q == c) { print "client", p; break }
				}
		}'
}

# cpu_snap IMPL FILE: "SIDE COMM PID TICKS" of each process of the tunnel.
cpu_snap() {
	local side pid
	tunnel_pids "$1" | while read -r side pid; do
		printf '%s %s %s %s\n' "$side" "$(cat "/proc/$pid/comm" 2>/dev/null)" \
			"$pid" "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null |
			awk '{ print $12 + $13 + $14 + $15 }')"
	done >"$2"
}

# measure_rtt IMPL: 50 pings through the idle path.
measure_rtt() {
	local avg max
	read -r avg max < <(n "$NS_A" ping -c 50 -i 0.02 -q "${ADDR[$1]}" 2>/dev/null |
		awk -F'/' '/^rtt/ { print $5, $6 }') || true
	[ -n "${avg:-}" ] || return 0
	record "$ROUND" "$1" rtt.avg "$avg"
	record "$ROUND" "$1" rtt.max "$max"
}

# measure_tcp IMPL TEST: one iperf3 run; receiver Mbit/s and bytes, and
# the CPU ticks of the tunnel's processes, per process and in all.
measure_tcp() {
	local impl=$1 test=$2 streams=${2%R} rev='' json=$WORK/iperf.json i
	[ "$test" = "${test%R}" ] || rev=-R
	# After a run the iperf3 server may still be busy for a moment (with
	# -R it sends until the last data left its socket): try again.
	for i in $(seq 40); do
		cpu_snap "$impl" "$WORK/cpu.0"
		# shellcheck disable=SC2086
		client_run iperf3 -c "${ADDR[$impl]}" -t "$SECONDS_EACH" \
			-P "$streams" $rev -J >"$json" 2>&1 || true
		cpu_snap "$impl" "$WORK/cpu.1"
		grep -q 'the server is busy' "$json" || break
		sleep 0.5
	done
	if ! jq -e '.end.sum_received.bytes > 0' "$json" >/dev/null 2>&1; then
		say "# round $ROUND: iperf3 through ${NAME[$impl]} ($test) failed: $(jq -r '.error // empty' "$json" 2>/dev/null | head -1)"
		return 0
	fi
	record "$ROUND" "$impl" "tcp$test.mbit" "$(jq '.end.sum_received.bits_per_second / 1e6' "$json")"
	record "$ROUND" "$impl" "tcp$test.bytes" "$(jq '.end.sum_received.bytes' "$json")"
	[ "$impl" = veth ] && return 0
	# Per process (side and role) and in all; a process that was not
	# there before counts from 0.
	awk -v r="$ROUND" -v i="$impl" -v t="tcp$test" '
		NR == FNR { before[$3] = $4; next }
		{ d = $4 - before[$3]; role[$1 "." $2] += d; all += d }
		END {
			for (k in role) print r, i, t ".ticks." k, role[k]
			print r, i, t ".ticks", all + 0
		}' "$WORK/cpu.0" "$WORK/cpu.1" >>"$RESULTS"
}

# measure_syscalls IMPL: strace -c on each process of that Guard path
# while SYSCALL_MIB MiB go from client to server.
declare -A SC_BYTES=() SC_MBIT=() SC_SECS=()
measure_syscalls() {
	local impl=$1 side pid comm sp=() json=$WORK/iperf-strace.$1.json f col i
	rm -f "$WORK"/strace.*
	while read -r side pid; do
		comm=$(cat "/proc/$pid/comm")
		strace -c -o "$WORK/strace.$side.$comm.$pid" -p "$pid" \
			2>>"$WORK/strace.log" &
		sp+=("$!")
		LIB_PIDS+=("$!")
	done < <(tunnel_pids "$impl")
	sleep 1
	for i in $(seq 40); do
		client_run iperf3 -c "${ADDR[$impl]}" -n "${SYSCALL_MIB}M" -J \
			>"$json" 2>&1 || true
		grep -q 'the server is busy' "$json" || break
		sleep 0.5
	done
	kill -INT "${sp[@]}" 2>/dev/null || true
	stop_pids "${sp[@]}"
	SC_BYTES[$impl]=$(jq '.end.sum_received.bytes // 0' "$json" 2>/dev/null || echo 0)
	SC_MBIT[$impl]=$(jq '.end.sum_received.bits_per_second / 1e6 // 0' "$json" 2>/dev/null || echo 0)
	SC_SECS[$impl]=$(jq '.end.sum_received.seconds // 0' "$json" 2>/dev/null || echo 0)
	# "COLUMN SYSCALL CALLS ERRORS" lines: GUARD is guardd on the server
	# and tunclient on the client.
	for f in "$WORK"/strace.*.*.*; do
		[ -f "$f" ] || continue
		IFS=. read -r _ side comm _ <<<"$(basename "$f")"
		case $comm in
		guardd | tunclient) col="GUARD.$side" ;;
		udpdata) col="udpdata.$side" ;;
		*) col=other ;;
		esac
		awk -v c="$col" '
			$1 ~ /^[0-9.]+$/ && $NF != "total" {
				print c, $NF, $4, (NF == 6 ? $5 : 0)
			}' "$f"
	done >"$WORK/syscalls.$impl"
}

# ---- the rounds ------------------------------------------------------------

topology_up
pki_up
[ "$ANCHORS" = 1 ] && wg_keys
ip netns exec "$NS_S" iperf3 -s -D -I "$WORK/iperf3.pid" >/dev/null
wait_for "iperf3" 50 n "$NS_S" sh -c "ss -ltn | grep -q ':5201 '"
LIB_PIDS+=("$(cat "$WORK/iperf3.pid")")

T_START=$SECONDS
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
for ROUND in $(seq "$ROUNDS"); do
	# This round's order: rotated by one each round.
	k=$(((ROUND - 1) % ${#IMPLS[@]}))
	ORDER=("${IMPLS[@]:$k}" "${IMPLS[@]:0:$k}")
	say "# round $ROUND of $ROUNDS: ${ORDER[*]}"
	for impl in "${ORDER[@]}"; do
		if "up_$impl"; then UP[$impl]=1; else UP[$impl]=0; fi
	done
	# Let every tunnel settle (the first datagrams find the endpoints).
	sleep 1
	for impl in "${ORDER[@]}"; do
		if [ "${UP[$impl]}" = 1 ]; then measure_rtt "$impl"; fi
	done
	for test in "${TESTS[@]}"; do
		for impl in "${ORDER[@]}"; do
			if [ "${UP[$impl]}" = 1 ]; then measure_tcp "$impl" "$test"; fi
		done
	done
	for impl in guard guard1; do
		if [ "$ROUND" = "$ROUNDS" ] && [ "${UP[$impl]}" = 1 ]; then
			say "# system calls through ${NAME[$impl]}: $SYSCALL_MIB MiB under strace"
			measure_syscalls "$impl"
		fi
	done
	for impl in "${ORDER[@]}"; do
		"down_$impl"
	done
done
T_ALL=$((SECONDS - T_START))

# ---- the tables ------------------------------------------------------------

# mean IMPL KEY: the mean over the rounds ("" when never measured).
mean() {
	awk -v i="$1" -v k="$2" '$2 == i && $3 == k { s += $4; n++ }
		END { if (n) printf "%.6f", s / n }' "$RESULTS"
}
# highest IMPL KEY
highest() {
	awk -v i="$1" -v k="$2" '$2 == i && $3 == k && (!n++ || $4 > m) { m = $4 }
		END { if (n) printf "%.6f", m }' "$RESULTS"
}
# cpu_per_gb IMPL TEST [ROLE]: CPU seconds over all rounds / GB (10^9
# bytes) moved in them.
cpu_per_gb() {
	local key=tcp$2.ticks${3:+.$3}
	awk -v i="$1" -v k="$key" -v b="tcp$2.bytes" -v hz="$HZ" '
		$2 == i && $3 == k { t += $4; r[$1] = 1 }
		$2 == i && $3 == b { bytes[$1] = $4 }
		END {
			for (x in r) moved += bytes[x]
			if (moved) printf "%.6f", t / hz / (moved / 1e9)
		}' "$RESULTS"
}
# fmt FORMAT VALUE: "-" for no value.
fmt() { if [ -n "$2" ]; then awk -v v="$2" -v f="$1" 'BEGIN { printf f, v }'; else printf -- -; fi; }
ratio() {
	if [ -n "$1" ] && [ -n "$2" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { if (b) printf "%.3f", a / b; else printf "-" }'
	else
		printf -- -
	fi
}
has() { [[ " ${IMPLS[*]} " == *" $1 "* ]]; }
TUNNELS=("${IMPLS[@]:1}")

# header WITH_VETH FIRST: the column heads of a comparison table.
header() {
	local with_veth=$1 line="| $2 |" sep="|---|" i
	for i in "${IMPLS[@]}"; do
		[ "$i" = veth ] && [ "$with_veth" = 0 ] && continue
		line+=" ${NAME[$i]} |"
		sep+="---:|"
	done
	if [ "$with_veth" = 1 ]; then
		for i in "${TUNNELS[@]}"; do
			line+=" ${NAME[$i]}/veth |"
			sep+="---:|"
		done
	fi
	for i in openvpn wggo; do
		has "$i" || continue
		line+=" Guard/${NAME[$i]} |"
		sep+="---:|"
	done
	echo "$line"
	echo "$sep"
}

# row WITH_VETH LABEL FORMAT FUNCTION ARGS...: one value per path from
# FUNCTION IMPL ARGS..., then the ratios.
row() {
	local with_veth=$1 label=$2 f=$3 i line
	shift 3
	declare -A v=()
	for i in "${IMPLS[@]}"; do
		v[$i]=$("$@" "$i")
	done
	line="| $label |"
	for i in "${IMPLS[@]}"; do
		[ "$i" = veth ] && [ "$with_veth" = 0 ] && continue
		line+=" $(fmt "$f" "${v[$i]}") |"
	done
	if [ "$with_veth" = 1 ]; then
		for i in "${TUNNELS[@]}"; do
			line+=" $(ratio "${v[$i]}" "${v[veth]}") |"
		done
	fi
	for i in openvpn wggo; do
		has "$i" || continue
		line+=" $(ratio "${v[guard]}" "${v[$i]}") |"
	done
	echo "$line"
}
# The argument orders row wants: FUNCTION ARGS... IMPL.
mean_of() { mean "$2" "$1"; }
highest_of() { highest "$2" "$1"; }
cpu_of() { [ "$2" = veth ] || cpu_per_gb "$2" "$1"; }

{
	echo "# Guard benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git -C "$TOP" describe --always --dirty 2>/dev/null))"
	echo
	echo "Paths: $(for i in "${IMPLS[@]}"; do printf '%s, ' "${NAME[$i]}"; done | sed 's/, $//'); tunnels with MTU $MTU between two network namespaces joined by veth pairs and a bridge. $ROUNDS rounds, interleaved; iperf3 runs of $SECONDS_EACH s; $T_ALL s in all; load average (1 min) at the start $LOAD0, at the end $(cut -d' ' -f1 /proc/loadavg)."
	if [ "$ANCHORS" = 1 ]; then
		echo "$(openvpn --version | head -1 | cut -d' ' -f1-2) (userspace, --disable-dco, UDP, AES-256-GCM); wireguard-go $(wireguard-go --version 2>/dev/null | sed -n 's/^wireguard-go //p' | head -1)."
	fi
	echo "Ratios are the quotient of the two values in the row."
	echo
	echo "## Throughput: iperf3 TCP, Mbit/s at the receiver, mean of the rounds"
	echo
	header 1 test
	for t in "${TESTS[@]}"; do
		row 1 "${TEST_NAME[$t]}" "%.0f" mean_of "tcp$t.mbit"
	done
	echo
	echo "## Latency and start-up"
	echo
	header 1 measure
	row 1 "ping RTT avg through the idle path, ms (mean of the rounds)" "%.3f" mean_of rtt.avg
	row 1 "ping RTT max through the idle path, ms (highest of the rounds)" "%.3f" highest_of rtt.max
	row 1 "client started, server up: first ping answered after, ms (mean)" "%.0f" mean_of start.ms
	echo
	echo "## CPU-seconds per GB moved: every tunnel process on both ends, all rounds"
	echo
	header 0 test
	for t in "${TESTS[@]}"; do
		row 0 "${TEST_NAME[$t]}" "%.2f" cpu_of "$t"
	done
	echo
	echo "Guard by process, CPU-seconds per GB:"
	echo
	echo "| test | GUARD (server) | udpdata (server) | GUARD (client) | udpdata (client) | tcpctl and router, both ends |"
	echo "|---|---:|---:|---:|---:|---:|"
	for t in "${TESTS[@]}"; do
		line="| ${TEST_NAME[$t]} |"
		for role in server.guardd server.udpdata client.tunclient client.udpdata; do
			line+=" $(fmt "%.2f" "$(cpu_per_gb guard "$t" "$role")") |"
		done
		other=$(awk -v a="$(cpu_per_gb guard "$t" server.tcpctl)" \
			-v b="$(cpu_per_gb guard "$t" client.tcpctl)" \
			-v c="$(cpu_per_gb guard "$t" server.router)" \
			-v d="$(cpu_per_gb guard "$t" client.router)" \
			'BEGIN { printf "%.6f", a + b + c + d }')
		echo "$line $(fmt "%.2f" "$other") |"
	done
	for impl in guard guard1; do
	if [ -s "$WORK/syscalls.$impl" ] && [ "${SC_BYTES[$impl]:-0}" != 0 ]; then
		mb=$(awk -v b="${SC_BYTES[$impl]}" 'BEGIN { printf "%.1f", b / 1e6 }')
		echo
		echo "## System calls per MB through ${NAME[$impl]}"
		echo
		echo "iperf3 TCP, 1 stream, client -> server, $mb MB (10^6 bytes) in $(fmt "%.1f" "${SC_SECS[$impl]}") s under strace -c ($(fmt "%.0f" "${SC_MBIT[$impl]}") Mbit/s; without it: $(fmt "%.0f" "$(mean "$impl" tcp1.mbit)") Mbit/s). Calls per MB moved; \"failed\" counts the calls that returned an error (EAGAIN: nothing to read, or a full queue)."
		echo
		echo "| system call | GUARD (server) | udpdata (server) | GUARD (client) | udpdata (client) | tcpctl and router | all | failed |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		awk -v mb="$mb" '
			{ c[$1, $2] += $3; all[$2] += $3; err[$2] += $4
			  c[$1, "total"] += $3; all["total"] += $3; err["total"] += $4 }
			END {
				n = split("GUARD.server udpdata.server GUARD.client udpdata.client other", col, " ")
				for (s in all) if (s != "total") names[++k] = s
				# by calls, most first
				for (i = 1; i <= k; i++)
					for (j = i + 1; j <= k; j++)
						if (all[names[j]] > all[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
				names[++k] = "total"
				for (i = 1; i <= k; i++) {
					s = names[i]
					line = "| " (s == "total" ? "**all**" : s) " |"
					for (j = 1; j <= n; j++) line = line sprintf(" %.1f |", c[col[j], s] / mb)
					line = line sprintf(" %.1f | %.1f |", all[s] / mb, err[s] / mb)
					print line
				}
			}' "$WORK/syscalls.$impl"
	fi
	done
	echo
	echo "## Each round"
	echo
	line="| measure | path |"
	sep="|---|---|"
	for r in $(seq "$ROUNDS"); do line+=" round $r |"; sep+="---:|"; done
	echo "$line"
	echo "$sep"
	for key in "${TESTS[@]/#/tcp}" rtt start; do
		case $key in
		tcp*) k=$key.mbit label="${TEST_NAME[${key#tcp}]}, Mbit/s" f="%.0f" ;;
		rtt) k=rtt.avg label="ping RTT avg, ms" f="%.3f" ;;
		start) k=start.ms label="first ping after, ms" f="%.0f" ;;
		esac
		for i in "${IMPLS[@]}"; do
			[ "$key" = start ] && [ "$i" = veth ] && continue
			line="| $label | ${NAME[$i]} |"
			for r in $(seq "$ROUNDS"); do
				line+=" $(fmt "$f" "$(awk -v r="$r" -v i="$i" -v k="$k" \
					'$1 == r && $2 == i && $3 == k { print $4 }' "$RESULTS")") |"
			done
			echo "$line"
		done
	done
} | tee "$OUT"
echo
echo "bench: written to $OUT"

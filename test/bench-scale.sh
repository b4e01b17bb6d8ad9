#!/usr/bin/env bash
# Guard scale benchmark (make bench SCALE=N, default 1000): one guardd
# with N peers connected at once, in the namespaces of test/lib.sh (the
# server, and every peer a session of guard-testclient in client a's
# namespace, all from one address as from behind one NAT).
#
# guard-testclient --together opens the N sessions from BENCH_SCALE_PAR
# worker processes (default 32), each session with a certificate of its
# own (one session per identity), and holds them open, answering the
# server's PINGs and sending keepalives. Each session counts as up once
# its keys are agreed, its keepalive answered and an ICMP echo it sent
# through the tunnel to 100.64.0.1 came back: through the server's
# udpdata, gd0, GUARD and the peer's queue. With all N up, the server's
# side is measured: peers up and peers with traffic both ways in
# guardctl status --json; the memory of GUARD (RSS now less RSS fresh),
# of each worker (VmRSS, RssAnon, Pss) and of the queues (the bytes
# each reserves against its worker uid's RLIMIT_MSGQUEUE, and the bytes
# waiting in them); the change of the machine's kernel memory (slab,
# kernel stacks, page tables; other work on the machine shows in it
# too); the CPU time the server's processes took to bring the peers up.
# Once each worker has held its sessions BENCH_SCALE_HOLD seconds
# (default 30) after its last came up, it pings through each again and
# ends each with BYE; the time from the end of the hold until the server
# is back to just its router is the time to end them.
#
# The server runs with max-peers N, a pool of 100.64.0.0/16, the
# per-source limits raised (as test/cycles.sh does), queue-depth
# BENCH_QUEUE_DEPTH (default 8), and rekey-seconds 3600 (the test client
# agrees no keys after the first). Each peer is two processes: the
# limits on processes are printed and checked first.
#
# Prints markdown tables and writes them to build/bench-scale.md. This
# measures; it fails only when it cannot measure.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"

N=${1:-${SCALE:-1000}}
PAR=${BENCH_SCALE_PAR:-32}
HOLD=${BENCH_SCALE_HOLD:-30}
DEPTH=${BENCH_QUEUE_DEPTH:-8}
CONNECT_LIMIT=${BENCH_SCALE_LIMIT:-600}	# seconds to wait for all N
OUT=$TOP/build/bench-scale.md
TESTCLIENT=$TOP/build/guard-testclient
MSGSIZE=65600			# Guard's queue message size (README, Limits)

TC_PID=
scale_cleanup() {
	local pid
	set +e
	# The test client's workers are its children while it runs.
	if [ -n "$TC_PID" ] && kill -0 "$TC_PID" 2>/dev/null; then
		for pid in $(children_of "$TC_PID"); do
			kill -TERM "$pid" 2>/dev/null
		done
		kill -TERM "$TC_PID" 2>/dev/null
		wait "$TC_PID" 2>/dev/null
	fi
	lib_cleanup
}
trap scale_cleanup EXIT

[ "$(id -u)" = 0 ] || { say "bench: run as root (sudo make bench SCALE=$N)"; exit 1; }
if [ ! -x "$GUARDD" ] || [ ! -x "$TESTCLIENT" ]; then
	say "bench: build Guard and build/guard-testclient first (make bench builds both)"
	exit 1
fi
case $N in
'' | *[!0-9]*) say "bench: SCALE=$N: want a number of peers"; exit 1 ;;
esac
# max-peers is at most 4096; lib.sh gives the server 10000 worker uids.
if [ "$N" -lt 1 ] || [ "$N" -gt 4096 ]; then
	say "bench: SCALE=$N: want 1..4096 peers"
	exit 1
fi
[ "$PAR" -le "$N" ] || PAR=$N

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
per() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { printf f, b ? a / b : 0 }'; }

# A field of /proc/PID/status, in kB.
status_kb() { awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/status" 2>/dev/null; }
# Pss of a process, in kB.
pss_kb() { awk '$1 == "Pss:" { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null; }
# CPU time of a (single-threaded) process in microseconds, from
# /proc/PID/schedstat: exact, where utime + stime in /proc/PID/stat come
# in clock ticks and a worker that took 2 ms shows 0 there.
cpu_us() { awk '{ printf "%d\n", $1 / 1000 }' "/proc/$1/schedstat" 2>/dev/null; }
meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
kernel_kb() {
	echo $(($(meminfo_kb Slab) + $(meminfo_kb KernelStack) + $(meminfo_kb PageTables)))
}
# Scheduling entities (processes and threads) on the machine: each takes a pid.
tasks() { awk '{ split($4, a, "/"); print a[2] }' /proc/loadavg; }

# ---- limits -------------------------------------------------------------

PID_MAX=$(cat /proc/sys/kernel/pid_max)
THREADS_MAX=$(cat /proc/sys/kernel/threads-max)
NPROC=$(ulimit -u)
MSGQ=$(ulimit -q)
TASKS0=$(tasks)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
NEED=$((2 * N + PAR + 2))
# Each queue: DEPTH messages of MSGSIZE, and the kernel's bookkeeping for
# each (struct msg_msg and a tree node: under 128 bytes).
QBYTES=$((DEPTH * MSGSIZE))
say "# limits: pid_max $PID_MAX, threads-max $THREADS_MAX, ulimit -u $NPROC, RLIMIT_MSGQUEUE $MSGQ bytes per uid; $TASKS0 tasks running; $N peers need $NEED more"
if [ $((TASKS0 + NEED)) -ge "$PID_MAX" ] || [ $((TASKS0 + NEED)) -ge "$THREADS_MAX" ]; then
	say "bench: $N peers need $NEED processes more than the $TASKS0 running: over kernel.pid_max ($PID_MAX) or kernel.threads-max ($THREADS_MAX); raise them or lower SCALE"
	exit 1
fi
if [ "$MSGQ" != unlimited ] && [ $((DEPTH * (MSGSIZE + 128))) -gt "$MSGQ" ]; then
	say "bench: queue-depth $DEPTH needs more than RLIMIT_MSGQUEUE ($MSGQ bytes per uid); lower BENCH_QUEUE_DEPTH"
	exit 1
fi

# ---- set up -------------------------------------------------------------

topology_up
pki_up
say "# making $N client certificates"
t=$(now_ms)
CERTS=()
for i in $(seq -f '%04g' 1 "$N"); do
	"$PKI" client "$WORK/pki" "peer$i" >/dev/null
	CERTS+=(--cert "$WORK/pki/peer$i.crt" --key "$WORK/pki/peer$i.key")
done
T_CERTS=$(($(now_ms) - t))

POOL4=100.64.0.0/16 start_server --max-peers "$N" --queue-depth "$DEPTH" \
	--max-pending-per-source 64 --connect-rate 1000 --connect-burst 1000 \
	--rekey-seconds 3600
wait_for "router" 50 has_children "$SERVER_PID" 1
ROUTER_PID=$(children_of "$SERVER_PID")
# Let gd0 settle (IPv6 DAD) before the baseline.
sleep 2
RSS0=$(status_kb "$SERVER_PID" VmRSS)
ANON0=$(status_kb "$SERVER_PID" RssAnon)
FDS0=$(find "/proc/$SERVER_PID/fd" -mindepth 1 | wc -l)
GT0=$(cpu_us "$SERVER_PID")
RT0=$(cpu_us "$ROUTER_PID")
KERN0=$(kernel_kb)
AVAIL0=$(meminfo_kb MemAvailable)

# ---- connect N ------------------------------------------------------------

say "# connecting $N peers, $PAR at a time"
: >"$WORK/tc.out"
T0=$(now_ms)
ip netns exec "$NS_A" "$TESTCLIENT" --peer "198.18.0.1:$PORT" \
	--server-name server --ca "$WORK/pki/ca.crt" "${CERTS[@]}" \
	--count "$N" --parallel "$PAR" --together --hold "$HOLD" \
	--ping 100.64.0.1 --mode clean -v >"$WORK/tc.out" 2>"$WORK/tc.err" &
TC_PID=$!

MARKS=""
next_mark=1
up=0
while :; do
	up=$(grep -c ' up: ' "$WORK/tc.out" || true)
	while [ "$next_mark" -le 4 ] && [ "$up" -ge $((N * next_mark / 4)) ]; do
		MARKS+="$(secs $(($(now_ms) - T0))) s, "
		next_mark=$((next_mark + 1))
	done
	[ "$up" -ge "$N" ] && break
	kill -0 "$TC_PID" 2>/dev/null || break
	[ $(($(now_ms) - T0)) -lt $((CONNECT_LIMIT * 1000)) ] || break
	sleep 0.2
done
T_UP=$(($(now_ms) - T0))
UP=$up
say "# $UP of $N up after $(secs "$T_UP") s"

# ---- measure with N up ---------------------------------------------------

# Workers report their counters every second.
sleep 2
RSS1=$(status_kb "$SERVER_PID" VmRSS)
ANON1=$(status_kb "$SERVER_PID" RssAnon)
GT1=$(cpu_us "$SERVER_PID")
RT1=$(cpu_us "$ROUTER_PID")
KERN1=$(kernel_kb)
AVAIL1=$(meminfo_kb MemAvailable)
TASKS1=$(tasks)
CHILDREN1=$(children_of "$SERVER_PID" | wc -l)
UDP_SOCKS=$(n "$NS_S" ss -Hanu | wc -l)
TCP_EST=$(n "$NS_S" ss -Hant state established | wc -l)

# The queues: GUARD holds the write end of each (they live in its IPC
# namespace, unlinked); read through /proc, one says "QSIZE:n ...", the
# bytes waiting in it.
read -r NQ QSIZE < <(find "/proc/$SERVER_PID/fd" -lname '/guard.*' \
	-exec cat {} + 2>/dev/null |
	awk -F'[: ]' '$1 == "QSIZE" { n++; q += $2 } END { print n + 0, q + 0 }')

# Each worker: role, VmRSS, RssAnon, Pss (kB), CPU time (us), in one pass.
children_of "$SERVER_PID" | grep -vx "$ROUTER_PID" | awk '
	function field(file, key,    line, f, v) {
		v = ""
		while ((getline line < file) > 0) {
			split(line, f, /[ \t]+/)
			if (f[1] == key) { v = f[2]; break }
		}
		close(file)
		return v
	}
	{
		p = "/proc/" $1
		comm = ""
		getline comm < (p "/comm"); close(p "/comm")
		cpu = ""
		if ((getline line < (p "/schedstat")) > 0) {
			split(line, f, " "); cpu = int(f[1] / 1000)
		}
		close(p "/schedstat")
		print comm, field(p "/status", "VmRSS:"),
			field(p "/status", "RssAnon:"),
			field(p "/smaps_rollup", "Pss:"), cpu
	}' >"$WORK/workers"
# role count sum(VmRSS) sum(RssAnon) sum(Pss) sum(CPU us)
worker_sums() {
	awk -v r="$1" '$1 == r && NF == 5 { n++; a += $2; b += $3; c += $4; d += $5 }
		END { print n + 0, a + 0, b + 0, c + 0, d + 0 }' "$WORK/workers"
}
read -r NT RSS_T ANON_T PSS_T CPU_T < <(worker_sums tcpctl)
read -r NU RSS_U ANON_U PSS_U CPU_U < <(worker_sums udpdata)

t=$(now_ms)
"$GUARDCTL" -s "$WORK/server.sock" status --json >"$WORK/status.json"
T_STATUS=$(($(now_ms) - t))
STATUS_KB=$(($(wc -c <"$WORK/status.json") / 1024))
read -r S_PEERS S_UP S_RX S_TX S_QFULL < <(jq -r '
	[.peers | length,
	 (map(select(.state == "up")) | length),
	 (map(select(.rx_packets >= 1)) | length),
	 (map(select(.tx_packets >= 1)) | length),
	 (map(.drops.queue_full) | add // 0)] | @tsv' "$WORK/status.json")
# Were all still there at the end of the measuring?
CHILDREN2=$(children_of "$SERVER_PID" | wc -l)
T_MEASURED=$(($(now_ms) - T0 - T_UP))
say "# measured in $(secs "$T_MEASURED") s; GUARD's children: $CHILDREN1, then $CHILDREN2"

# ---- the end ---------------------------------------------------------------

say "# waiting for the client: $HOLD s hold, a second ping through each, BYE"
TC_RC=0
wait "$TC_PID" || TC_RC=$?
TC_PID=
# The workers' holds end about HOLD s after the last peer came up.
T_END=$((T0 + T_UP + HOLD * 1000))
SUMMARY=$(grep '^testclient: [0-9]* sessions' "$WORK/tc.out" | tail -1)
TC_OK=$(printf '%s\n' "$SUMMARY" | sed -nE 's/.* ([0-9]+) ok.*/\1/p')
TC_FAILED=$(printf '%s\n' "$SUMMARY" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
for i in $(seq 1500); do
	has_children "$SERVER_PID" 1 && break
	sleep 0.1
done
T_DOWN="$(secs $(($(now_ms) - T_END))) s"
has_children "$SERVER_PID" 1 || T_DOWN="not all gone after $T_DOWN"
sleep 1
RSS2=$(status_kb "$SERVER_PID" VmRSS)
FDS2=$(find "/proc/$SERVER_PID/fd" -mindepth 1 | wc -l)
WORKERS_LEFT=$(($(children_of "$SERVER_PID" | wc -l) - 1))

# ---- report -----------------------------------------------------------------

kb() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ms_per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f ms", n ? t / 1000 / n : 0 }'; }
cpu_s() { awk -v t="$1" 'BEGIN { printf "%.2f s", t / 1000000 }'; }

{
	echo "# Guard scale benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git -C "$TOP" describe --always --dirty 2>/dev/null))"
	echo
	echo "$N peers from guard-testclient --together ($PAR worker processes, one certificate each), server max-peers $N, pool 100.64.0.0/16, queue-depth $DEPTH; $N client certificates made beforehand in $(secs "$T_CERTS") s (guard-pki); load average (1 min) at the start $LOAD0."
	echo
	echo "| connecting | |"
	echo "|---|---:|"
	echo "| peers up at the client (keys agreed, keepalive answered, echo through the tunnel answered) | $UP of $N |"
	echo "| time to connect all of them (goal: under 60 s) | $(secs "$T_UP") s |"
	echo "| time to 25 %, 50 %, 75 %, 100 % | ${MARKS%, } |"
	echo "| peers per second | $(per "$UP" "$(secs "$T_UP")") |"
	echo "| server: peers in guardctl status, of them up | $S_PEERS, $S_UP |"
	echo "| server: peers with packets in (rx_packets >= 1) and out (tx_packets >= 1) | $S_RX, $S_TX |"
	echo "| server: batches dropped at a full queue, all peers | $S_QFULL |"
	echo "| client: after the hold a second echo through each, then BYE (exit $TC_RC) | $TC_OK ok, $TC_FAILED failed |"
	echo "| the end, from about the end of the hold: a second echo through each, BYE, until GUARD has only its router left | $T_DOWN |"
	echo "| guardctl status --json with $N peers | $(secs "$T_STATUS") s, $STATUS_KB KiB |"
	echo
	echo "| memory with $N peers up | total | per peer |"
	echo "|---|---:|---:|"
	echo "| GUARD VmRSS: $RSS0 kB fresh, $RSS1 kB with $N peers | $(kb $((RSS1 - RSS0))) | $(per $((RSS1 - RSS0)) "$N") kB |"
	echo "| GUARD RssAnon: $ANON0 kB fresh, $ANON1 kB | $(kb $((ANON1 - ANON0))) | $(per $((ANON1 - ANON0)) "$N") kB |"
	echo "| tcpctl ($NT) VmRSS | $(kb "$RSS_T") | $(per "$RSS_T" "$NT") kB |"
	echo "| tcpctl RssAnon (its own pages) | $(kb "$ANON_T") | $(per "$ANON_T" "$NT") kB |"
	echo "| tcpctl Pss (shared pages divided among their users) | $(kb "$PSS_T") | $(per "$PSS_T" "$NT") kB |"
	echo "| udpdata ($NU) VmRSS | $(kb "$RSS_U") | $(per "$RSS_U" "$NU") kB |"
	echo "| udpdata RssAnon | $(kb "$ANON_U") | $(per "$ANON_U" "$NU") kB |"
	echo "| udpdata Pss | $(kb "$PSS_U") | $(per "$PSS_U" "$NU") kB |"
	echo "| queues ($NQ): reserved against each worker uid's RLIMIT_MSGQUEUE, $DEPTH x $MSGSIZE B (allocated only while messages wait) | $(kb $((NQ * QBYTES / 1024))) | $((QBYTES / 1024)) kB |"
	echo "| queues: bytes waiting in them now (QSIZE) | $QSIZE B | $(per "$QSIZE" "$NQ") B |"
	echo "| kernel, machine-wide change: Slab + KernelStack + PageTables | $(kb $((KERN1 - KERN0))) | $(per $((KERN1 - KERN0)) "$N") kB |"
	echo "| MemAvailable, machine-wide drop | $(kb $((AVAIL0 - AVAIL1))) | $(per $((AVAIL0 - AVAIL1)) "$N") kB |"
	echo
	echo "| server CPU to bring $N peers up | CPU time | per peer |"
	echo "|---|---:|---:|"
	echo "| GUARD | $(cpu_s $((GT1 - GT0))) | $(ms_per $((GT1 - GT0)) "$N") |"
	echo "| router | $(cpu_s $((RT1 - RT0))) | $(ms_per $((RT1 - RT0)) "$N") |"
	echo "| tcpctl, all | $(cpu_s "$CPU_T") | $(ms_per "$CPU_T" "$NT") |"
	echo "| udpdata, all | $(cpu_s "$CPU_U") | $(ms_per "$CPU_U" "$NU") |"
	echo
	echo "| processes and limits | |"
	echo "|---|---:|"
	echo "| GUARD's children while measuring (router, and a tcpctl and a udpdata per peer): at the start, at the end | $CHILDREN1, $CHILDREN2 |"
	echo "| tasks on the machine: before, with $N peers | $TASKS0, $TASKS1 |"
	echo "| kernel.pid_max, kernel.threads-max, ulimit -u | $PID_MAX, $THREADS_MAX, $NPROC |"
	echo "| RLIMIT_MSGQUEUE per uid (each udpdata has a uid of its own) | $MSGQ B |"
	echo "| server namespace with $N peers: UDP sockets, established TCP connections | $UDP_SOCKS, $TCP_EST |"
	echo "| after teardown: GUARD VmRSS (fresh $RSS0 kB), descriptors (fresh $FDS0), workers left | $RSS2 kB, $FDS2, $WORKERS_LEFT |"
} | tee "$OUT"
echo
echo "bench: written to $OUT"
if [ -s "$WORK/tc.err" ]; then
	say "# test client errors (first 10 of $(wc -l <"$WORK/tc.err")):"
	head -10 "$WORK/tc.err" | sed 's/^/#   /'
fi

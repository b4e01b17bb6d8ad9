# Guard test library: hosts in network namespaces, a PKI, and the Guard
# processes started on them. Sourced by demo.sh, the netns tests,
# bench.sh and bench-scale.sh. Everything made here is named after this
# shell's pid and removed by lib_cleanup, which callers run from an EXIT
# trap.
#
#                     namespace $NS_SW: bridge "br0"
#          .--------------------+---------------------.
#          |                    |                     |
#   $NS_S (server)        $NS_A (client a)      $NS_B (client b)
#   eth0 198.18.0.1/24    eth0 198.18.0.2/24    eth0 198.18.0.3/24
#        2001:db8::1/64        2001:db8::2/64        2001:db8::3/64
#   gd0  100.64.0.1/24    gc0  (pushed)         gc0  (pushed)
#        fd00:6400::1/64
#
# Only 198.18.0.0/15, 100.64.0.0/10, 2001:db8::/32 and fd00::/8 are used,
# and only inside namespaces made here.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GUARDD=${GUARDD:-$TOP/build/guardd}
GUARDCTL=${GUARDCTL:-$TOP/build/guardctl}
TUNCLIENT=${TUNCLIENT:-$TOP/build/tunclient}
PKI=$TOP/certs/guard-pki

TAG=g$$
NS_SW=$TAG-sw
NS_S=$TAG-s
NS_A=$TAG-a
NS_B=$TAG-b
WORK=$(mktemp -d "${TMPDIR:-/tmp}/guard-test.XXXXXX")
PORT=51820
# Worker uids of each daemon: disjoint ranges so that queue budgets and
# processes of one never mix with another's, and a block of its own for
# each test run (RLIMIT_MSGQUEUE is counted per uid across the machine).
UID_BASE=$((3100000000 + ($$ % 50000) * 20000))
uids() { echo "$((UID_BASE + $1))-$((UID_BASE + $2))"; }
UIDS_S=$(uids 0 9999)
UIDS_A=$(uids 10000 10099)
UIDS_B=$(uids 10100 10199)

LIB_PIDS=()
LIB_NETNS=()

say() { printf '%s\n' "$*"; }

# Checks: each prints "ok - WHAT" or "FAIL - WHAT" and is counted; a test
# ends with "NAME: N passed, M failed".
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); say "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); say "FAIL - $*"; }

# expect DESCRIPTION CMD...: CMD must succeed.
expect() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# expect_not DESCRIPTION CMD...: CMD must fail.
expect_not() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then not_ok "$what"; else ok "$what"; fi
}

# expect_eq DESCRIPTION WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}

# expect_ge DESCRIPTION MIN GOT
expect_ge() {
	if [ "$3" -ge "$2" ]; then ok "$1 ($3)"; else not_ok "$1 (want >= $2, got $3)"; fi
}

# Log lines no run may show: a sanitizer report (the test suite also runs
# on a SANITIZE=1 build), or a process ended by its seccomp allowlist. A
# test that provokes the latter on purpose sets LIB_SIGSYS_EXPECTED=1.
LIB_SIGSYS_EXPECTED=0
lib_log_findings() {
	local pattern='ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|Sanitizer:DEADLYSIGNAL'
	[ "$LIB_SIGSYS_EXPECTED" = 1 ] ||
		pattern="$pattern|seccomp: system call|signal 31 "
	grep -EH "$pattern" "$WORK"/*.log 2>/dev/null | head -20
}

# lib_summary NAME: the check on every log above, then the last line,
# "NAME: N passed, M failed".
lib_summary() {
	local found
	found=$(lib_log_findings)
	if [ -z "$found" ]; then
		ok "no log shows a sanitizer report or a seccomp kill"
	else
		not_ok "a log shows a sanitizer report or a seccomp kill:"
		say "$found"
	fi
	say "$1${LIB_SUFFIX:-}: $PASSED passed, $FAILED failed"
}

lib_cleanup() {
	local pid ns i
	set +e
	for pid in "${LIB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LIB_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${LIB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}

n() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

netns_add() {
	ip netns add "$1"
	LIB_NETNS+=("$1")
	n "$1" ip link set lo up
}

# A host on the bridge: namespace $1, last address byte $2.
host_add() {
	local ns=$1 last=$2
	netns_add "$ns"
	ip link add eth0 netns "$ns" type veth peer name "p$last" netns "$NS_SW"
	n "$NS_SW" ip link set "p$last" master br0 up
	n "$ns" ip addr add "198.18.0.$last/24" dev eth0
	n "$ns" ip addr add "2001:db8::$last/64" dev eth0 nodad
	n "$ns" ip link set eth0 up
}

# The four namespaces of the picture above.
topology_up() {
	netns_add "$NS_SW"
	n "$NS_SW" ip link add br0 type bridge
	n "$NS_SW" ip link set br0 up
	host_add "$NS_S" 1
	host_add "$NS_A" 2
	host_add "$NS_B" 3
	# The server forwards between its clients.
	n "$NS_S" sysctl -qw net.ipv4.ip_forward=1
	n "$NS_S" sysctl -qw net.ipv6.conf.all.forwarding=1
	# Peers talk to each other through gd0 and back out of it; that is
	# the tunnel working, not a route for the kernel to correct.
	n "$NS_S" sysctl -qw net.ipv4.conf.all.send_redirects=0
	n "$NS_S" sysctl -qw net.ipv4.conf.default.send_redirects=0
}

pki_up() {
	"$PKI" init "$WORK/pki" >/dev/null
	"$PKI" server "$WORK/pki" server >/dev/null
	"$PKI" client "$WORK/pki" alice >/dev/null
	"$PKI" client "$WORK/pki" bob >/dev/null
}

# start_server [extra guardd flags...]: logs to $WORK/server.log. The
# IPv4 pool is 100.64.0.0/24, or POOL4 if set. A second server beside it
# sets PORT, POOL4, POOL6, SERVER_DEV, SERVER_UIDS and SERVER_NAME (its
# log and control socket) of its own.
start_server() {
	local name=${SERVER_NAME:-server}
	ip netns exec "$NS_S" "$GUARDD" -f --dev "${SERVER_DEV:-gd0}" --port "$PORT" \
		--pool4 "${POOL4:-100.64.0.0/24}" --pool6 "${POOL6:-fd00:6400::/64}" \
		--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/server.crt" \
		--key "$WORK/pki/server.key" --worker-uids "${SERVER_UIDS:-$UIDS_S}" \
		--chroot "$WORK/empty" --control-socket "$WORK/$name.sock" \
		"$@" >>"$WORK/$name.log" 2>&1 &
	SERVER_PID=$!
	LIB_PIDS+=("$SERVER_PID")
	wait_for "server listening" 50 \
		n "$NS_S" sh -c "ss -ltn | grep -q ':$PORT '"
}

# start_client NS NAME UIDS [extra flags...]: logs to $WORK/NAME.log,
# sets CLIENT_PID. The server is 198.18.0.1, or PEER if set. The device
# is gc0, or CLIENT_DEV, which also names its control socket.
start_client() {
	local ns=$1 name=$2 uids=$3
	shift 3
	ip netns exec "$ns" "$TUNCLIENT" -f --peer "${PEER:-198.18.0.1}:$PORT" --server-name server \
		--ca "$WORK/pki/ca.crt" --cert "$WORK/pki/$name.crt" \
		--key "$WORK/pki/$name.key" --dev "${CLIENT_DEV:-gc0}" --worker-uids "$uids" \
		--chroot "$WORK/empty" \
		--control-socket "$WORK/$name${CLIENT_DEV:+.$CLIENT_DEV}.sock" \
		"$@" >>"$WORK/$name.log" 2>&1 &
	CLIENT_PID=$!
	LIB_PIDS+=("$CLIENT_PID")
}

# wait_for WHAT TENTHS CMD...: poll CMD every 0.1 s, up to TENTHS times.
wait_for() {
	local what=$1 tries=$2 i
	shift 2
	for i in $(seq "$tries"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	say "timed out waiting for: $what"
	return 1
}

tunnel_addr4() {
	n "$1" ip -o -4 addr show dev gc0 2>/dev/null |
		awk '{ split($4, a, "/"); print a[1]; exit }'
}

tunnel_addr6() {
	n "$1" ip -o -6 addr show dev gc0 scope global 2>/dev/null |
		awk '{ split($4, a, "/"); print a[1]; exit }'
}

# transfer FROM_NS TO_NS TO_ADDR PORT [SIZE]: SIZE (head -c; default 50M)
# random bytes with nc from one namespace to a listener in the other,
# sha256 compared.
transfer() {
	local from=$1 to=$2 addr=$3 port=$4 size=${5:-50M} sum_in sum_out rx
	head -c "$size" /dev/urandom >"$WORK/in"
	rm -f "$WORK/out"
	ip netns exec "$to" nc -l "$addr" "$port" >"$WORK/out" &
	rx=$!
	LIB_PIDS+=("$rx")
	wait_for "listener on $addr" 50 \
		n "$to" sh -c "ss -ltn | grep -q ':$port '" || return 1
	n "$from" nc -N -w 10 "$addr" "$port" <"$WORK/in" || return 1
	wait_for "transfer to finish" 100 sh -c "! kill -0 $rx" || return 1
	sum_in=$(sha256sum <"$WORK/in")
	sum_out=$(sha256sum <"$WORK/out")
	rm -f "$WORK/in" "$WORK/out"
	[ "$sum_in" = "$sum_out" ]
}

wait_client_up() {
	wait_for "tunnel address in $1" 100 \
		sh -c "ip netns exec $1 ip -o -4 addr show dev gc0 | grep -q inet"
}

# The direct children of a pid.
children_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# has_children PID N: PID has exactly N children (for wait_for, which
# runs its command again each time).
has_children() {
	[ "$(children_of "$1" | wc -l)" = "$2" ]
}

mkdir -p "$WORK/empty"
chmod 0755 "$WORK/empty"
chmod 0755 "$WORK"

#!/usr/bin/env bash
# Guard integration test: bad configurations. guardd and tunclient start
# in a network namespace of their own with each bad file written here (and
# bad key, certificate and CA files), and each must
#   - exit with status 1 at once,
#   - print an error that starts with the expected text: FILE:LINE: and
#     the reason for an error in a config file, the key, the file and the
#     reason for a certificate or key file,
#   - and leave the namespace as it was: the same links (no TUN device),
#     addresses and routes (IPv4 and IPv6, every table), no control socket
#     and no process left in it.
# Cases: malformed lines, unknown keys, keys of the other program, bad
# prefixes, values out of range, duplicate keys, an over-long line, a NUL
# byte, a control character, a directory, a missing file, a file too
# large, conflicts between keys (pools, pushed routes, listen addresses,
# timers, uids), pools that collide with the host's networks or routes,
# key files that group or others may use, files that cannot be opened,
# and guardd as a daemon: refused before it detaches, and a start-up that
# fails after it (the port taken) undone before the command returns.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

[ "$(id -u)" = 0 ] || { say "config: must run as root"; exit 1; }

NS=$NS_S
CDIR=$WORK/conf
CTL=$WORK/ctl.sock
# A uid of this run's block, for a start by a user that cannot read the PKI.
OTHER_UID=$((UID_BASE + 15000))

# ---- the namespace: one host on 198.18.0.1/24 and 2001:db8::1/64 --------

# The same dump before and after each start: links, addresses, and the
# routes of every table of both families.
snapshot() {
	n "$NS" ip -o link show | awk '{ print $2 }'
	n "$NS" ip -o addr show | awk '{ print $2, $3, $4 }'
	n "$NS" ip route show table all
	n "$NS" ip -6 route show table all
}

host_up() {
	netns_add "$NS"
	# No duplicate address detection: addresses and their routes settle
	# at once, so that a later dump differs only by what Guard did.
	n "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0
	n "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0
	n "$NS" ip link add eth0 type veth peer name eth1
	n "$NS" ip addr add 198.18.0.1/24 dev eth0
	n "$NS" ip addr add 2001:db8::1/64 dev eth0 nodad
	n "$NS" ip link set eth0 up
	n "$NS" ip link set eth1 up
	# A network reached through a router: a pool must not hold it.
	n "$NS" ip route add 100.64.9.0/25 via 198.18.0.254
	n "$NS" ip -6 route add fd00:9::/64 via 2001:db8::fe
}

# Wait until two dumps 0.3 s apart agree, then keep that as the baseline.
baseline_settle() {
	local a b i
	a=$(snapshot)
	for i in $(seq 20); do
		sleep 0.3
		b=$(snapshot)
		[ "$a" = "$b" ] && break
		a=$b
	done
	BASELINE=$b
}

# ---- the checks ------------------------------------------------------------

exited() { ! kill -0 "$1" 2>/dev/null; }
listening() { n "$NS" ss -ltnH | grep -q ':51820 '; }

# host_unchanged WHAT: the namespace is as the baseline says, nothing of
# Guard is left in it.
host_unchanged() {
	local what=$1 now
	now=$(snapshot)
	if [ "$now" = "$BASELINE" ]; then
		ok "$what: links, addresses and routes unchanged"
	else
		not_ok "$what: links, addresses and routes changed:"
		diff <(printf '%s\n' "$BASELINE") <(printf '%s\n' "$now") | sed 's/^/    /'
	fi
	expect "$what: no control socket" test ! -e "$CTL"
	expect "$what: no process left in the namespace" \
		wait_for "processes in $NS" 30 ns_empty
}

# No process in the namespace but the one this test keeps there ($KEEP).
KEEP=
ns_empty() {
	[ -z "$(ip netns pids "$NS" | grep -vx -- "${KEEP:-none}")" ]
}

# expect_line WHAT WANT FILE: the first line of FILE starts with WANT.
expect_line() {
	local what=$1 want=$2 line
	line=$(grep -m1 . "$3")
	if [[ $line == "$want"* ]]; then
		ok "$what: says '$want'"
	else
		not_ok "$what: error (want '$want...', got '$line')"
	fi
}

# refused WHAT WANT CMD...: CMD, started in the namespace, exits with
# status 1 within 10 s, its first line on standard error starts with WANT,
# and the namespace is as it was.
refused() {
	local what=$1 want=$2 pid rc
	shift 2
	ip netns exec "$NS" "$@" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
	pid=$!
	LIB_PIDS+=("$pid")
	if ! wait_for "$what to exit" 100 exited "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	expect_eq "$what: exit status" 1 "$rc"
	expect_line "$what" "$want" "$WORK/stderr"
	host_unchanged "$what"
}

# ---- config files ------------------------------------------------------------

# Lines 1-7 of every file: the PKI and what keeps a start that got through
# by mistake inside this test's directory and uids. Cases start at line 8.
server_base() {
	cat <<EOF
ca $WORK/pki/ca.crt
cert $WORK/pki/server.crt
key $WORK/pki/server.key
chroot $WORK/empty
control-socket $CTL
worker-uids $UIDS_S
dev gdt0
EOF
}

client_base() {
	cat <<EOF
ca $WORK/pki/ca.crt
cert $WORK/pki/alice.crt
key $WORK/pki/alice.key
chroot $WORK/empty
control-socket $CTL
worker-uids $UIDS_A
dev gct0
EOF
}

# server_conf NAME < lines: write NAME.conf (the base, then the lines);
# sets F to its path.
server_conf() { F=$CDIR/$1.conf; { server_base; cat; } >"$F"; }
client_conf() { F=$CDIR/$1.conf; { client_base; cat; } >"$F"; }

# bad_server NAME WANT < lines: guardd -f -c NAME.conf is refused with
# WANT after "guardd: FILE:" (WANT starts with the line number).
bad_server() {
	server_conf "$1"
	refused "guardd $1" "guardd: $F:$2" "$GUARDD" -f -c "$F"
}

bad_client() {
	client_conf "$1"
	refused "tunclient $1" "tunclient: $F:$2" "$TUNCLIENT" -f -c "$F"
}

# ---- set-up ------------------------------------------------------------------

pki_up
mkdir -p "$CDIR"
chmod 0755 "$CDIR"
host_up
baseline_settle

say "# the good configuration starts (so that each case fails for its reason)"
server_conf good <<EOF
pool4 100.64.0.0/24
pool6 fd00:6400::/64
EOF
expect "guardd -n accepts it" n "$NS" "$GUARDD" -n -c "$F"
ip netns exec "$NS" "$GUARDD" -f -c "$F" >"$WORK/good.log" 2>&1 &
good=$!
LIB_PIDS+=("$good")
expect "guardd starts with it" wait_for "guardd listening" 50 listening
kill -TERM "$good"
expect "and stops on SIGTERM" wait_for "guardd exits" 50 exited "$good"
host_unchanged "guardd stopped"
client_conf good-client <<EOF
peer 198.18.0.1
EOF
expect "tunclient -n accepts its file" n "$NS" "$TUNCLIENT" -n -c "$F"

say "# malformed lines"
bad_server extra-value "8: pool4: takes one value; quote a value that contains spaces" <<EOF
pool4 100.64.0.0/24 100.64.1.0/24
EOF
bad_server unterminated-quote "9: unterminated quote" <<EOF
pool4 100.64.0.0/24
push-route "198.19.0.0/24
EOF
bad_server quote-in-word "8: a quote inside a word; quote the whole value" <<EOF
pool4 100.64."0.0/24"
EOF
bad_server missing-value "9: mtu: needs a value: mtu N" <<EOF
pool4 100.64.0.0/24
mtu
EOF
bad_server value-on-switch "9: foreground: takes no value" <<EOF
pool4 100.64.0.0/24
foreground yes
EOF
{ server_base; printf 'pool4 100.64.0.0/24\n# %01100d\n' 0; } >"$CDIR/long-line.conf"
refused "guardd long-line" "guardd: $CDIR/long-line.conf:9: line longer than 1024 bytes" \
	"$GUARDD" -f -c "$CDIR/long-line.conf"
{ server_base; printf 'pool4 100.64.0.0/24\nmtu 1400\0\n'; } >"$CDIR/nul.conf"
refused "guardd nul" "guardd: $CDIR/nul.conf:9: NUL byte in line" \
	"$GUARDD" -f -c "$CDIR/nul.conf"
{ server_base; printf 'pool4 100.64.0.0/24\a\n'; } >"$CDIR/bell.conf"
refused "guardd control-character" \
	"guardd: $CDIR/bell.conf:8: control character 0x07 in line" \
	"$GUARDD" -f -c "$CDIR/bell.conf"

say "# unknown keys and keys of the other program"
bad_server typo "8: unknown key 'pool' (did you mean 'pool4'?)" <<EOF
pool 100.64.0.0/24
EOF
bad_server unknown "9: unknown key 'frobnicate'; guardd --help lists the keys" <<EOF
pool4 100.64.0.0/24
frobnicate yes
EOF
bad_server client-key "9: peer is a tunclient option, not for guardd" <<EOF
pool4 100.64.0.0/24
peer vpn.example.org
EOF
bad_server cmdline-only "9: check: can only be given on the command line (--check)" <<EOF
pool4 100.64.0.0/24
check
EOF
bad_client typo "8: unknown key 'peers' (did you mean 'peer'?)" <<EOF
peers 198.18.0.1
EOF
bad_client server-key "9: pool4 is a guardd option, not for tunclient" <<EOF
peer 198.18.0.1
pool4 100.64.0.0/24
EOF

say "# bad prefixes and addresses"
bad_server host-bits "8: pool4: host bits set in '100.64.0.1/24' (did you mean 100.64.0.0/24?)" <<EOF
pool4 100.64.0.1/24
EOF
bad_server length-too-long "8: pool6: bad prefix length in 'fd00::/129' (0..128 for IPv6)" <<EOF
pool6 fd00::/129
EOF
bad_server pool-too-wide "8: pool4: 100.0.0.0/8: the prefix length must be /16../30" <<EOF
pool4 100.0.0.0/8
EOF
bad_server pool-too-small "8: pool4: 100.64.0.0/31: the prefix length must be /16../30" <<EOF
pool4 100.64.0.0/31
EOF
bad_server garbage-address "8: pool4: bad address in '100.64.0.0.0/24'" <<EOF
pool4 100.64.0.0.0/24
EOF
bad_server garbage-length "9: push-route: bad prefix length in '198.19.0.0/2x' (0..32 for IPv4)" <<EOF
pool4 100.64.0.0/24
push-route 198.19.0.0/2x
EOF
bad_server pool-family "8: pool4: fd00::/64 is not an IPv4 prefix (pool4 takes IPv4, pool6 IPv6)" <<EOF
pool4 fd00::/64
EOF
bad_server listen-not-address "9: listen: 'vpn.example.org' is not an IPv4 or IPv6 address" <<EOF
pool4 100.64.0.0/24
listen vpn.example.org
EOF
bad_client bad-peer "8: peer: '300.1.2.3' is not HOST[:PORT]" <<EOF
peer 300.1.2.3
EOF

say "# values out of range"
bad_server mtu "9: mtu: 70000 is out of range 1280..9000" <<EOF
pool4 100.64.0.0/24
mtu 70000
EOF
bad_server max-peers "9: max-peers: 0 is out of range 1..4096" <<EOF
pool4 100.64.0.0/24
max-peers 0
EOF
bad_server negative-port "9: port: '-1' is not a number" <<EOF
pool4 100.64.0.0/24
port -1
EOF
bad_server rekey-bytes "9: rekey-bytes: '512K' is out of range 1M..1024G" <<EOF
pool4 100.64.0.0/24
rekey-bytes 512K
EOF
bad_server cipher "9: cipher: unknown cipher 'des'" <<EOF
pool4 100.64.0.0/24
cipher des
EOF
bad_client peer-port "8: peer: 70000 is out of range 1..65535" <<EOF
peer 198.18.0.1:70000
EOF

say "# duplicate keys"
bad_server duplicate-pool "9: pool4: given twice (first on line 8)" <<EOF
pool4 100.64.0.0/24
pool4 100.64.1.0/24
EOF
bad_server duplicate-base-key "9: dev: given twice (first on line 7)" <<EOF
pool4 100.64.0.0/24
dev gdt1
EOF
bad_server duplicate-route "10: push-route: 198.19.0.0/24 is listed twice" <<EOF
pool4 100.64.0.0/24
push-route 198.19.0.0/24
push-route 198.19.0.0/24
EOF
bad_client too-many-peers "12: peer: at most 4 servers" <<EOF
peer 198.18.0.1
peer 198.18.0.2
peer 198.18.0.3
peer 198.18.0.4
peer 198.18.0.5
EOF

say "# conflicts between keys"
bad_server route-over-pool "9: push-route 100.64.0.0/16 overlaps pool4 100.64.0.0/24: the tunnel's own addresses need no pushed route" <<EOF
pool4 100.64.0.0/24
push-route 100.64.0.0/16
EOF
bad_server default-route "9: push-route ::/0 is a default route: clients refuse a configuration with one" <<EOF
pool4 100.64.0.0/24
push-route ::/0
EOF
bad_server multicast-route "9: push-route 224.0.0.0/4 lies in the multicast range 224.0.0.0/4" <<EOF
pool6 fd00:6400::/64
push-route 224.0.0.0/4
EOF
bad_server loopback-pool "8: pool4 127.0.0.0/24 overlaps the loopback range 127.0.0.0/8" <<EOF
pool4 127.0.0.0/24
EOF
bad_server link-local-pool "8: pool6 fe80::/64 overlaps the link-local range fe80::/10" <<EOF
pool6 fe80::/64
EOF
bad_server listen-in-pool "10: listen 100.64.0.1 lies inside pool4 100.64.0.0/24: clients could reach it only through the tunnel" <<EOF
pool4 100.64.0.0/24
listen 198.18.0.1
listen 100.64.0.1
EOF
bad_server timers "9: dead-peer-seconds 60 is less than 3 x keepalive-seconds 30" <<EOF
pool4 100.64.0.0/24
keepalive-seconds 30
EOF
# Its own file: the base lines already give a range wide enough for all.
F=$CDIR/uids.conf
cat >"$F" <<EOF
ca $WORK/pki/ca.crt
cert $WORK/pki/server.crt
key $WORK/pki/server.key
chroot $WORK/empty
control-socket $CTL
pool4 100.64.0.0/24
max-peers 100
worker-uids $(uids 0 99)
EOF
refused "guardd uids" "guardd: $F:8: worker-uids $(uids 0 99) holds 100 uids but max-peers 100 needs 201" \
	"$GUARDD" -f -c "$F"
client_conf no-peer </dev/null
refused "tunclient no-peer" "tunclient: peer is missing: name the server with 'peer HOST[:PORT]'" \
	"$TUNCLIENT" -f -c "$F"

say "# pools against the host's networks and routes"
bad_server pool-over-underlay "8: pool4 198.18.0.0/16 overlaps 198.18.0.0/24, the network of eth0 (address 198.18.0.1/24)" <<EOF
pool4 198.18.0.0/16
EOF
bad_server pool-inside-underlay "9: pool4 198.18.0.128/25 overlaps 198.18.0.0/24, the network of eth0" <<EOF
pool6 fd00:6400::/64
pool4 198.18.0.128/25
EOF
bad_server pool6-over-underlay "8: pool6 2001:db8::/48 overlaps 2001:db8::/64, the network of eth0 (address 2001:db8::1/64)" <<EOF
pool6 2001:db8::/48
EOF
bad_server pool-holds-route "8: pool4 100.64.9.0/24 holds the route to 100.64.9.0/25 dev eth0 already on the host" <<EOF
pool4 100.64.9.0/24
EOF
bad_server pool6-holds-route "8: pool6 fd00:9::/64 holds the route to fd00:9::/64 dev eth0 already on the host" <<EOF
pool6 fd00:9::/64
EOF
# A pool carved out of a routed network is allowed (the longer route wins).
server_conf carved <<EOF
pool6 fd00:9::/120
EOF
ip netns exec "$NS" "$GUARDD" -f -c "$F" >"$WORK/carved.log" 2>&1 &
carved=$!
LIB_PIDS+=("$carved")
expect "a pool inside a routed network starts" wait_for "guardd listening" 50 listening
kill -TERM "$carved"
expect "and stops" wait_for "guardd exits" 50 exited "$carved"
host_unchanged "guardd with a carved-out pool stopped"

say "# the config file itself"
refused "guardd directory" "guardd: $CDIR: is a directory, not a config file" \
	"$GUARDD" -f -c "$CDIR"
refused "guardd missing" "guardd: $CDIR/none.conf: cannot open: No such file or directory" \
	"$GUARDD" -f -c "$CDIR/none.conf"
refused "tunclient missing" "tunclient: $CDIR/none.conf: cannot open: No such file or directory" \
	"$TUNCLIENT" -f -c "$CDIR/none.conf"
head -c 1100000 /dev/zero | tr '\0' '#' >"$CDIR/huge.conf"
refused "guardd huge" "guardd: $CDIR/huge.conf: larger than 1048576 bytes" \
	"$GUARDD" -f -c "$CDIR/huge.conf"

say "# key, certificate, CA and CRL files"
cp "$WORK/pki/server.key" "$CDIR/loose.key"
chmod 0644 "$CDIR/loose.key"
refused "guardd world-readable key" \
	"guardd: key $CDIR/loose.key: mode 0644 lets group or others at the private key; make it its owner's alone: chmod 600 $CDIR/loose.key" \
	"$GUARDD" -f -c "$CDIR/good.conf" --key "$CDIR/loose.key"
chmod 0620 "$CDIR/loose.key"
refused "guardd group-writable key" "guardd: key $CDIR/loose.key: mode 0620 lets group or others" \
	"$GUARDD" -f -c "$CDIR/good.conf" --key "$CDIR/loose.key"
cp "$WORK/pki/alice.key" "$CDIR/alice-loose.key"
chmod 0640 "$CDIR/alice-loose.key"
refused "tunclient group-readable key" "tunclient: key $CDIR/alice-loose.key: mode 0640" \
	"$TUNCLIENT" -f -c "$CDIR/good-client.conf" --key "$CDIR/alice-loose.key"
chmod 0600 "$CDIR/loose.key"
chown 12345:12345 "$CDIR/loose.key"
refused "guardd key of another user" \
	"guardd: key $CDIR/loose.key: owned by uid 12345, neither root nor the user running Guard (uid 0)" \
	"$GUARDD" -f -c "$CDIR/good.conf" --key "$CDIR/loose.key"
refused "guardd missing CA" "guardd: ca $CDIR/ca.crt: cannot open: No such file or directory" \
	"$GUARDD" -f -c "$CDIR/good.conf" --ca "$CDIR/ca.crt"
refused "guardd certificate is a directory" "guardd: cert $CDIR: a directory, not a PEM file" \
	"$GUARDD" -f -c "$CDIR/good.conf" --cert "$CDIR"
refused "tunclient missing CRL" "tunclient: crl $CDIR/crl.pem: cannot open: No such file or directory" \
	"$TUNCLIENT" -f -c "$CDIR/good-client.conf" --crl "$CDIR/crl.pem"
refused "guardd key of another certificate" \
	"guardd: key $WORK/pki/alice.key does not match certificate $WORK/pki/server.crt" \
	"$GUARDD" -f -c "$CDIR/good.conf" --key "$WORK/pki/alice.key"
# The PKI directory is its owner's (0700): another user cannot open it.
refused "guardd run by a user that cannot read the CA" \
	"guardd: ca $WORK/pki/ca.crt: cannot open: Permission denied" \
	setpriv --reuid="$OTHER_UID" --regid="$OTHER_UID" --clear-groups \
	"$GUARDD" -f -c "$CDIR/good.conf"

say "# guardd as a daemon"
server_conf daemon-typo <<EOF
pool6 fd00:6400::/64
mtu 1400
mtux 1500
EOF
refused "daemon typo" "guardd: $F:10: unknown key 'mtux' (did you mean 'mtu'?)" \
	"$GUARDD" -c "$F"
refused "daemon pool over the underlay" "guardd: $CDIR/pool-over-underlay.conf:8: pool4 198.18.0.0/16 overlaps" \
	"$GUARDD" -c "$CDIR/pool-over-underlay.conf"
# The port taken: that shows only once it has detached, made gdt0 and
# added its addresses; all of it is undone before the command returns.
ip netns exec "$NS" nc -lk 51820 >/dev/null 2>&1 &
holder=$!
LIB_PIDS+=("$holder")
wait_for "the port taken" 50 listening
KEEP=$holder
refused "daemon on a taken port" "guardd: start-up failed; see the system log" \
	"$GUARDD" -c "$CDIR/good.conf"
KEEP=
kill -TERM "$holder"
wait "$holder" 2>/dev/null

say
lib_summary config
[ "$FAILED" -eq 0 ]

#!/usr/bin/env bash
# Guard certificate test: certificates that must be refused, in network
# namespaces (the picture is in test/lib.sh). Run as root.
#
# Two guardd in the server namespace: the main one on port 51820, with
# the CA's CRL, refuses bad client certificates; a second one on 51821
# presents bad server certificates to a good client. Its certificate and
# key files are replaced between connections (tcpctl reads them for each
# one), so one process serves every case. The certificates come from
# guard-pki, except the expired and not yet valid ones, which `openssl ca`
# issues from the same CA with dates of the test's choosing.
#
# Each refusal must name its reason, and the certificate that failed, in
# the log of the side that refuses, and the other side must log the TLS
# alert it got; tunclient must exit with status 2 (refused for good) and
# leave no device; the server must be left with its router alone and no
# queue. Refused, in turn:
#   - a client certificate from another CA
#   - an expired client certificate, an expired server certificate
#   - a client and a server certificate that are not yet valid
#   - a revoked client certificate (the server's --crl, rewritten while
#     it runs), a revoked server certificate (the client's --crl)
#   - a server certificate presented by a client, a client certificate
#     presented by a server (the wrong extended key usage)
#   - a server certificate without the name the client expects
# Before and after, a legitimate client connects to each server.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$TOP/test/lib.sh"
trap lib_cleanup EXIT

PORT2=51821
UIDS_S2=$(uids 12000 12099)
BAD=$WORK/bad		# the second server's certificate and key

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

# A server at rest: GUARD has only its router and holds no queue.
at_rest() {
	has_children "$1" 1 && [ "$(queue_fds "$1")" = 0 ]
}

# Log lines are matched only past the mark set when a scenario began, so
# that one scenario's refusal cannot stand in for another's.
declare -A MARK
mark_logs() {
	local f
	for f in server server2; do
		MARK[$f]=$(wc -l <"$WORK/$f.log")
	done
}

# said LOG PATTERN: LOG (server, server2 or a client's label) has a line
# matching PATTERN since the mark.
said() {
	tail -n +"$((${MARK[$1]:-0} + 1))" "$WORK/$1.log" | grep -qi -- "$2"
}

# dated KIND NAME START END: DIR/NAME.crt and .key from the test CA, made
# like guard-pki's but valid only from START to END (YYYYMMDDHHMMSSZ).
dated() {
	local kind=$1 name=$2 start=$3 end=$4 eku=clientAuth dir=$WORK/dated
	[ "$kind" = server ] && eku=serverAuth
	mkdir -p "$dir"
	printf '%s\n' "[ ext ]" "basicConstraints = critical, CA:FALSE" \
		"keyUsage = critical, digitalSignature" \
		"extendedKeyUsage = $eku" "subjectAltName = DNS:$name" \
		>"$dir/$name.ext"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$dir/$name.key" 2>/dev/null &&
	openssl req -new -config "$WORK/pki/openssl.cnf" -key "$dir/$name.key" \
		-subj "/CN=$name" -out "$dir/$name.csr" 2>/dev/null &&
	(cd "$WORK/pki" && openssl ca -batch -notext -config openssl.cnf \
		-startdate "$start" -enddate "$end" -extfile "$dir/$name.ext" \
		-extensions ext -in "$dir/$name.csr" -out "$dir/$name.crt") \
		>/dev/null 2>&1
}

when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# start_server2 CERT KEY: the second server, logging to server2.log.
start_server2() {
	mkdir -p "$BAD"
	serve_cert "$1" "$2"
	ip netns exec "$NS_S" "$GUARDD" -f --dev gd1 --port "$PORT2" \
		--pool4 100.64.1.0/24 --ca "$WORK/pki/ca.crt" \
		--cert "$BAD/cert.pem" --key "$BAD/key.pem" \
		--worker-uids "$UIDS_S2" --max-peers 4 --chroot "$WORK/empty" \
		--control-socket "$WORK/server2.sock" \
		>>"$WORK/server2.log" 2>&1 &
	SERVER2_PID=$!
	LIB_PIDS+=("$SERVER2_PID")
	wait_for "server 2 listening" 50 \
		n "$NS_S" sh -c "ss -ltn | grep -q ':$PORT2 '"
}

# serve_cert CERT KEY: what the second server presents from now on.
serve_cert() {
	cp "$1" "$BAD/cert.new" && cp "$2" "$BAD/key.new" &&
	mv -f "$BAD/key.new" "$BAD/key.pem" && mv -f "$BAD/cert.new" "$BAD/cert.pem"
}

# client LABEL PORT SERVER_NAME CERT KEY [flags...]: a tunclient in
# $NS_A that logs to $WORK/LABEL.log; sets CLIENT_PID.
client() {
	local label=$1 port=$2 name=$3 cert=$4 key=$5
	shift 5
	: >"$WORK/$label.log"
	ip netns exec "$NS_A" "$TUNCLIENT" -f --peer "198.18.0.1:$port" \
		--server-name "$name" --ca "$WORK/pki/ca.crt" --cert "$cert" \
		--key "$key" --dev gc0 --worker-uids "$UIDS_A" \
		--chroot "$WORK/empty" --control-socket "$WORK/$label.sock" \
		"$@" >>"$WORK/$label.log" 2>&1 &
	CLIENT_PID=$!
	LIB_PIDS+=("$CLIENT_PID")
}

# refused LABEL SERVER_PID: the client gives up with status 2 and the
# server is left as it was.
refused() {
	local label=$1 spid=$2 rc
	wait_for "$label exits" 150 sh -c "! kill -0 $CLIENT_PID"
	kill -KILL "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID"
	rc=$?
	expect_eq "$label: tunclient exits with status 2" 2 "$rc"
	expect "$label: tunclient says it will not try again" \
		said "$label" "the server refused this client; not trying again"
	expect_not "$label: tunclient leaves no gc0 behind" n "$NS_A" ip link show gc0
	expect "$label: the server keeps only its router and no queue" \
		wait_for "$label: server at rest" 100 at_rest "$spid"
}

# logs LABEL LOG PEER_RE LINE: LOG names the reason, eventually: a line
# that ends with "PEER: LINE" (PEER_RE a regular expression, LINE text).
logs() {
	expect "$1: $2 logs '...: $4'" \
		wait_for "$2 log" 100 said "$2" "$3: $(sed 's/[].[*^$\\]/\\&/g' <<<"$4")\$"
}

# connects LABEL PORT SERVER_PID [flags...]: a legitimate client (bob) is
# served, and the server holds its processes and queue while it is.
connects() {
	local label=$1 port=$2 spid=$3
	shift 3
	client "$label" "$port" server "$WORK/pki/bob.crt" "$WORK/pki/bob.key" "$@"
	expect "$label: a legitimate client gets a tunnel address" \
		wait_client_up "$NS_A"
	expect_not "$label: the server is busy with it" at_rest "$spid"
	kill -TERM "$CLIENT_PID"
	wait "$CLIENT_PID"
	expect_eq "$label: and stops cleanly" 0 "$?"
	expect "$label: the server is at rest again" \
		wait_for "$label: server at rest" 100 at_rest "$spid"
}

[ "$(id -u)" = 0 ] || { say "certs: must run as root"; exit 1; }

say "# certificates"
pki_up
"$PKI" client "$WORK/pki" carol >/dev/null
"$PKI" server "$WORK/pki" gone >/dev/null
"$PKI" revoke "$WORK/pki" gone >/dev/null
gone_crt=$(echo "$WORK"/pki/revoked/gone-*.crt)
"$PKI" init "$WORK/rogue" >/dev/null
"$PKI" client "$WORK/rogue" mallory >/dev/null
expect "an expired client certificate" \
	dated client expired "$(when '-30 days')" "$(when '-1 day')"
expect "an expired server certificate" \
	dated server old "$(when '-30 days')" "$(when '-1 day')"
expect "a client certificate valid from tomorrow" \
	dated client early "$(when '+1 day')" "$(when '+30 days')"
expect "a server certificate valid from tomorrow" \
	dated server new "$(when '+1 day')" "$(when '+30 days')"

say "# two servers"
topology_up
: >"$WORK/server.log"
: >"$WORK/server2.log"
expect "the main server starts, with the CRL" start_server --crl "$WORK/pki/crl.pem"
expect "the second server starts" \
	start_server2 "$WORK/pki/server.crt" "$WORK/pki/server.key"
mark_logs
connects good "$PORT" "$SERVER_PID"
connects good2 "$PORT2" "$SERVER2_PID"

# How tcpctl names the other side until it knows its identity.
CLIENT_RE='^tcpctl\[[0-9]*\]: 198\.18\.0\.2 port [0-9]*'
SERVER_RE='^tcpctl\[1\]: 198\.18\.0\.1 port'	# and the port

say "# refused by the server"
# scenario_server LABEL NAME CERT REASON ALERT: a client presents CERT
# (CN=NAME, key beside it) to the main server, which refuses it for REASON
# and tells it with ALERT.
scenario_server() {
	local label=$1 cn=$2 cert=$3 reason=$4 alert=$5
	mark_logs
	client "$label" "$PORT" server "$cert" "${cert%.crt}.key"
	refused "$label" "$SERVER_PID"
	logs "$label" server "$CLIENT_RE" \
		"TLS handshake failed: certificate verify failed: $reason (subject /CN=$cn)"
	logs "$label" "$label" "$SERVER_RE $PORT" "receive: refused by peer: $alert"
}
scenario_server foreign mallory "$WORK/rogue/mallory.crt" \
	"unable to get local issuer certificate" "unknown CA"
scenario_server expired expired "$WORK/dated/expired.crt" \
	"certificate has expired" "certificate expired"
scenario_server early early "$WORK/dated/early.crt" \
	"certificate is not yet valid" "bad certificate"
# The CRL is read for each connection: carol's revocation applies at once.
"$PKI" revoke "$WORK/pki" carol >/dev/null
scenario_server revoked carol "$(echo "$WORK"/pki/revoked/carol-*.crt)" \
	"certificate revoked" "certificate revoked"
scenario_server server-as-client server "$WORK/pki/server.crt" \
	"unsuitable certificate purpose" "unsupported certificate"

say "# refused by the client"
# scenario_client LABEL NAME CERT REASON ALERT [flags...]: the second
# server presents CERT (CN=NAME, key beside it) to a client that expects
# NAME (or EXPECT_NAME if set), which refuses it for REASON and tells it
# with ALERT.
scenario_client() {
	local label=$1 cn=$2 cert=$3 reason=$4 alert=$5
	shift 5
	serve_cert "$cert" "${cert%.crt}.key"
	mark_logs
	client "$label" "$PORT2" "${EXPECT_NAME:-$cn}" \
		"$WORK/pki/bob.crt" "$WORK/pki/bob.key" "$@"
	refused "$label" "$SERVER2_PID"
	logs "$label" "$label" "$SERVER_RE $PORT2" \
		"TLS handshake failed: certificate verify failed: $reason (subject /CN=$cn)"
	logs "$label" server2 "$CLIENT_RE" "TLS handshake failed: refused by peer: $alert"
}
scenario_client old-server old "$WORK/dated/old.crt" \
	"certificate has expired" "certificate expired"
scenario_client new-server new "$WORK/dated/new.crt" \
	"certificate is not yet valid" "bad certificate"
scenario_client revoked-server gone "$gone_crt" \
	"certificate revoked" "certificate revoked" --crl "$WORK/pki/crl.pem"
scenario_client client-as-server alice "$WORK/pki/alice.crt" \
	"unsuitable certificate purpose" "unsupported certificate"
EXPECT_NAME=other scenario_client wrong-name server "$WORK/pki/server.crt" \
	"hostname mismatch" "bad certificate"

say "# legitimate clients afterwards"
serve_cert "$WORK/pki/server.crt" "$WORK/pki/server.key"
connects after "$PORT" "$SERVER_PID" --crl "$WORK/pki/crl.pem"
connects after2 "$PORT2" "$SERVER2_PID" --crl "$WORK/pki/crl.pem"

say
lib_summary certs
if [ "$FAILED" -ne 0 ]; then
	for f in "$WORK"/*.log; do
		say "---- $(basename "$f")"
		cat "$f"
	done
	exit 1
fi
exit 0

#!/usr/bin/env bash
# certs/guard-pki end to end, in a scratch directory that is removed on
# exit: a CA, server and client certificates with the extensions Guard
# relies on, refusals (existing files, bad names), revocation seen by
# `openssl verify -crl_check`, and Ed25519 keys.
#
# Prints "pki: N passed, M failed" and exits non-zero on any failure.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKI=${PKI:-$TOP/certs/guard-pki}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/guard-pki-test.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
D=$WORK/ca
OUT=$WORK/out		# what the current check's command printed
PREV=$WORK/prev		# what the one before printed

passed=0
failed=0

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	printf 'FAIL: %s\n' "$1"
	if [ -s "$OUT" ]; then
		sed 's/^/  | /' "$OUT"
	fi
}

run() {
	if [ -f "$OUT" ]; then
		mv -f "$OUT" "$PREV"
	fi
	"$@" >"$OUT" 2>&1
}

# said PATTERN: the previous check's command printed a line like this.
said() {
	grep -q -- "$1" "$PREV"
}

# expect WHAT CMD...: CMD must succeed.
expect() {
	local what=$1
	shift
	if run "$@"; then pass; else fail "$what"; fi
}

# fails WHAT CMD...: CMD must fail.
fails() {
	local what=$1
	shift
	if run "$@"; then fail "$what (succeeded)"; else pass; fi
}

# refuse WHAT guard-pki...: it must fail and say why.
refuse() {
	local what=$1
	shift
	if run "$@"; then
		fail "$what (succeeded)"
	elif ! grep -q '^guard-pki: error: ' "$OUT"; then
		fail "$what (no error message)"
	else
		pass
	fi
}

# The line under an extension's heading in `openssl x509 -text`.
ext() {
	openssl x509 -noout -text -in "$1" | grep -A1 -- "$2" | tail -n 1 |
	    sed 's/^ *//'
}

# has_ext CERT HEADING VALUE
has_ext() {
	[ "$(ext "$1" "$2")" = "$3" ]
}

no_ext() {
	! openssl x509 -noout -text -in "$1" | grep -q -- "$2"
}

mode_is() {
	[ "$(stat -c %a "$1")" = "$2" ]
}

verify() {
	openssl verify -CAfile "$D/ca.crt" "$@"
}

verify_crl() {
	openssl verify -crl_check -CRLfile "$D/crl.pem" -CAfile "$D/ca.crt" "$@"
}

# valid_days CERT DAYS: expires after DAYS - 1 days and within DAYS + 1.
valid_days() {
	openssl x509 -noout -checkend $((($2 - 1) * 86400)) -in "$1" &&
	    ! openssl x509 -noout -checkend $((($2 + 1) * 86400)) -in "$1"
}

# ---- init ------------------------------------------------------------------

expect "init" "$PKI" init "$D"
expect "init says what it wrote" said "^guard-pki: wrote $D/ca.crt (CA, CN=Guard CA, expires "
for f in ca.key ca.crt crl.pem index.txt serial crlnumber openssl.cnf; do
	expect "init wrote $f" test -f "$D/$f"
done
expect "ca.key is 0600" mode_is "$D/ca.key" 600
expect "CA key is EC P-256" sh -c "openssl pkey -noout -text -in '$D/ca.key' | grep -q 'NIST CURVE: P-256'"
expect "CA: basicConstraints critical CA:TRUE" has_ext "$D/ca.crt" "Basic Constraints: critical" "CA:TRUE"
expect "CA: keyUsage critical keyCertSign, cRLSign" has_ext "$D/ca.crt" "Key Usage: critical" "Certificate Sign, CRL Sign"
expect "CA: valid 10 years" valid_days "$D/ca.crt" 3650
expect "CA verifies itself" verify "$D/ca.crt"
expect "empty CRL" sh -c "openssl crl -noout -text -in '$D/crl.pem' | grep -q 'No Revoked Certificates'"
refuse "init refuses an existing CA" "$PKI" init "$D"

# ---- server and client -----------------------------------------------------

expect "server" "$PKI" server "$D" vpn.example.org
expect "server says what it wrote" said "^guard-pki: wrote $D/vpn.example.org.crt (server, CN=vpn.example.org"
S=$D/vpn.example.org.crt
expect "server key is 0600" mode_is "$D/vpn.example.org.key" 600
expect "server: verifies" verify "$S"
expect "server: CN" sh -c "openssl x509 -noout -subject -in '$S' | grep -qx 'subject=CN = vpn.example.org'"
expect "server: SAN DNS" has_ext "$S" "Subject Alternative Name" "DNS:vpn.example.org"
expect "server: serverAuth" has_ext "$S" "Extended Key Usage" "TLS Web Server Authentication"
expect "server: keyUsage digitalSignature" has_ext "$S" "Key Usage: critical" "Digital Signature"
expect "server: not a CA" has_ext "$S" "Basic Constraints: critical" "CA:FALSE"
expect "server: valid 825 days" valid_days "$S" 825
expect "server key matches its certificate" sh -c "[ \"\$(openssl pkey -pubout -in '$D/vpn.example.org.key')\" = \"\$(openssl x509 -noout -pubkey -in '$S')\" ]"

expect "server by IP" "$PKI" server "$D" 198.18.0.1
expect "server by IP: SAN IP" has_ext "$D/198.18.0.1.crt" "Subject Alternative Name" "IP Address:198.18.0.1"

expect "client" "$PKI" client "$D" alice
expect "client says what it wrote" said "^guard-pki: wrote $D/alice.crt (client, CN=alice"
C=$D/alice.crt
expect "client key is 0600" mode_is "$D/alice.key" 600
expect "client: verifies" verify "$C"
expect "client: clientAuth" has_ext "$C" "Extended Key Usage" "TLS Web Client Authentication"
expect "client: SAN DNS for a DNS name" has_ext "$C" "Subject Alternative Name" "DNS:alice"
expect "client with a non-DNS name" "$PKI" client "$D" bob_laptop
expect "client: no SAN for a non-DNS name" no_ext "$D/bob_laptop.crt" "Subject Alternative Name"
expect "client: still clientAuth" has_ext "$D/bob_laptop.crt" "Extended Key Usage" "TLS Web Client Authentication"

# ---- refusals ----------------------------------------------------------------

sum=$(cat "$D/alice.crt" "$D/alice.key" | sha256sum)
refuse "client refuses to overwrite" "$PKI" client "$D" alice
refuse "server refuses to overwrite a client's files" "$PKI" server "$D" alice
expect "refused files unchanged" test "$(cat "$D/alice.crt" "$D/alice.key" | sha256sum)" = "$sum"
refuse "name with a slash" "$PKI" client "$D" "a/b"
refuse "empty name" "$PKI" client "$D" ""
refuse "name of 64 characters" "$PKI" client "$D" "$(printf 'a%.0s' {1..64})"
expect "name of 63 characters" "$PKI" client "$D" "$(printf 'a%.0s' {1..63})"
refuse "name .." "$PKI" client "$D" ..
refuse "name starting with -" "$PKI" client "$D" -x
refuse "name ca" "$PKI" server "$D" ca
refuse "name with a space" "$PKI" client "$D" "a b"
refuse "no CA in the directory" "$PKI" client "$WORK" carol
refuse "unknown command" "$PKI" frobnicate "$D"
refuse "unknown option" "$PKI" --rsa init "$WORK/rsa"
refuse "missing arguments" "$PKI" server "$D"
refuse "revoke of an unknown name" "$PKI" revoke "$D" nobody

# ---- revocation --------------------------------------------------------------

expect "CRL check passes before revocation" verify_crl "$C"
cp "$C" "$WORK/alice-old.crt"
expect "revoke" "$PKI" revoke "$D" alice
expect "revoke says it rewrote the CRL" said "^guard-pki: wrote $D/crl.pem (1 revoked"
fails "revoked certificate fails the CRL check" verify_crl "$WORK/alice-old.crt"
expect "... because it is revoked" said "certificate revoked"
expect "revoked files moved away" test ! -e "$D/alice.crt" -a ! -e "$D/alice.key"
expect "other certificates pass the CRL check" verify_crl "$S" "$D/bob_laptop.crt"
expect "a revoked name can be issued again" "$PKI" client "$D" alice
expect "the new certificate passes the CRL check" verify_crl "$D/alice.crt"
expect "crl rewrites the CRL" "$PKI" crl "$D"
fails "the old one still fails it" verify_crl "$WORK/alice-old.crt"

# ---- Ed25519 -----------------------------------------------------------------

E=$WORK/ed
expect "init --ed25519" "$PKI" --ed25519 init "$E"
expect "CA key is Ed25519" sh -c "openssl pkey -noout -text -in '$E/ca.key' | head -n 1 | grep -q ED25519"
expect "server --ed25519" "$PKI" --ed25519 server "$E" vpn
expect "client --ed25519" "$PKI" --ed25519 client "$E" carol
expect "Ed25519 certificates verify" openssl verify -CAfile "$E/ca.crt" "$E/vpn.crt" "$E/carol.crt"
expect "client key is Ed25519" sh -c "openssl pkey -noout -text -in '$E/carol.key' | head -n 1 | grep -q ED25519"
expect "revoke in an Ed25519 CA" "$PKI" revoke "$E" carol
fails "revoked Ed25519 certificate fails the CRL check" openssl verify -crl_check -CRLfile "$E/crl.pem" -CAfile "$E/ca.crt" "$E"/revoked/carol-*.crt

printf 'pki: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]

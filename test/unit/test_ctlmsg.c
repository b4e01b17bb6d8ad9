/* Unit tests for the control message codec (common/ctlmsg.c). */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctlmsg.h"

/* Byte offsets in an encoded CONFIG message (header included). */
enum {
	H = CTL_HDR_LEN,
	OFF_LEN = 2,
	OFF_SESSION = H + 0,
	OFF_PORT = H + 4,
	OFF_MTU = H + 6,
	OFF_CIPHER = H + 8,
	OFF_V4_PLEN = H + 9,
	OFF_V6_PLEN = H + 10,
	OFF_FLAGS = H + 11,
	OFF_V4_ADDR = H + 12,
	OFF_V6_ADDR = H + 16,
	OFF_NROUTES = H + 34,
	OFF_NDNS = H + 35,
	OFF_ENTRIES = H + 36,
	ENTRY = 18,
	BUFSZ = CTL_HDR_LEN + CTL_MAX_BODY + 16,
};

static uint8_t buf[BUFSZ];
static char err[256];

/* ---- Building messages -------------------------------------------------- */

static struct prefix pfx(const char *addr, unsigned plen)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	if (strchr(addr, ':') != NULL) {
		p.family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, p.addr), 1);
	} else {
		p.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, p.addr), 1);
	}
	p.plen = (uint8_t)plen;
	return p;
}

static struct ctl_msg msg(uint8_t type)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	return m;
}

/* A CONFIG with no address, no route and no DNS server. */
static struct ctl_msg config_bare(void)
{
	struct ctl_msg m = msg(CTL_CONFIG);

	m.u.config.session = 0x01020304;
	m.u.config.udp_port = 51821;
	m.u.config.mtu = GUARD_DEFAULT_MTU;
	m.u.config.cipher = CIPHER_AES256GCM;
	m.u.config.keepalive = 25;
	return m;
}

/* Both addresses, routes [0] v4 and [1] v6, DNS [0] v4 and [1] v6. */
static struct ctl_msg config_full(void)
{
	struct ctl_msg m = config_bare();
	struct ctl_config *c = &m.u.config;

	c->addr4 = pfx("100.64.0.2", 10);
	c->addr6 = pfx("fd00::2", 64);
	c->nroutes = 2;
	c->routes[0] = pfx("198.18.0.0", 15);
	c->routes[1] = pfx("2001:db8::", 32);
	c->ndns = 2;
	c->dns[0] = pfx("100.64.0.1", 32);
	c->dns[1] = pfx("fd00::1", 128);
	return m;
}

static struct ctl_msg rekey(uint8_t type)
{
	struct ctl_msg m = msg(type);

	m.u.rekey.epoch = 0xa1b2c3d4;
	for (int i = 0; i < X25519_LEN; i++)
		m.u.rekey.pub[i] = (uint8_t)(0x40 + i);
	return m;
}

static size_t encode_ok(const struct ctl_msg *m)
{
	int n = ctl_encode(m, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* Decode must refuse buf[0..len) with a reason that contains want. */
static void reject(size_t len, const char *want)
{
	struct ctl_msg m;

	err[0] = '\0';
	ck_assert_int_eq(ctl_decode(buf, len, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL,
	    "error \"%s\" lacks \"%s\"", err, want);
}

static void accept_ok(size_t len)
{
	struct ctl_msg m;

	ck_assert_msg(ctl_decode(buf, len, &m, err, sizeof(err)) == 0,
	    "refused: %s", err);
}

/* Rewrite the header's body length after a test changed the body. */
static void set_body_len(size_t total)
{
	buf[OFF_LEN] = (uint8_t)((total - H) >> 8);
	buf[OFF_LEN + 1] = (uint8_t)(total - H);
}

/*
 * Encode m, decode the result and compare it with m; then re-encode the
 * decoded message and compare the bytes.
 */
static void roundtrip(const struct ctl_msg *m)
{
	uint8_t again[BUFSZ];
	struct ctl_msg out;
	size_t n = encode_ok(m);

	ck_assert_int_eq(ctl_frame_len(buf, n), (int)n);
	ck_assert_msg(ctl_decode(buf, n, &out, err, sizeof(err)) == 0,
	    "refused: %s", err);
	ck_assert_mem_eq(&out, m, sizeof(out));
	ck_assert_int_eq(ctl_encode(&out, again, sizeof(again)), (int)n);
	ck_assert_mem_eq(again, buf, n);
}

/* ---- Round trips -------------------------------------------------------- */

START_TEST(roundtrip_hello)
{
	struct ctl_msg m = msg(CTL_HELLO);

	m.u.hello.session = 0xdeadbeef;
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_bare)
{
	struct ctl_msg m = config_bare();

	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_full)
{
	struct ctl_msg m = config_full();

	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_v4_only)
{
	struct ctl_msg m = config_bare();

	m.u.config.addr4 = pfx("100.127.255.254", 32);
	m.u.config.nroutes = 1;
	m.u.config.routes[0] = pfx("0.0.0.0", 0);
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_v6_only)
{
	struct ctl_msg m = config_bare();

	m.u.config.addr6 = pfx("fd00:1::5", 128);
	m.u.config.nroutes = 1;
	m.u.config.routes[0] = pfx("::", 0);
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_max_routes)
{
	struct ctl_msg m = config_full();
	struct ctl_config *c = &m.u.config;

	c->nroutes = CTL_MAX_ROUTES;
	for (int i = 0; i < CTL_MAX_ROUTES; i++) {
		c->routes[i] = pfx("198.18.0.0", 24);
		c->routes[i].addr[2] = (uint8_t)i;
	}
	c->ndns = CTL_MAX_DNS;
	c->dns[2] = pfx("198.18.0.53", 32);
	c->dns[3] = pfx("2001:db8::53", 128);
	roundtrip(&m);
	ck_assert_uint_eq(encode_ok(&m),
	    H + 36 + (CTL_MAX_ROUTES + CTL_MAX_DNS) * ENTRY);
}
END_TEST

START_TEST(roundtrip_config_dns_only)
{
	struct ctl_msg m = config_bare();

	m.u.config.ndns = 1;
	m.u.config.dns[0] = pfx("2001:db8::53", 128);
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_config_limits)
{
	struct ctl_msg m = config_full();

	m.u.config.mtu = GUARD_MIN_MTU;
	m.u.config.cipher = CIPHER_CHACHA20POLY1305;
	m.u.config.keepalive = 0;
	m.u.config.udp_port = 65535;
	m.u.config.session = 0xffffffff;
	roundtrip(&m);
	m.u.config.mtu = GUARD_MAX_MTU;
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_rekey)
{
	struct ctl_msg m = rekey(CTL_REKEY);

	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_rekey_ack)
{
	struct ctl_msg m = rekey(CTL_REKEY_ACK);

	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_ping)
{
	struct ctl_msg m = msg(CTL_PING);

	m.u.ping.nonce = 0x0102030405060708ULL;
	roundtrip(&m);
}
END_TEST

START_TEST(roundtrip_pong)
{
	struct ctl_msg m = msg(CTL_PONG);

	m.u.ping.nonce = UINT64_MAX;
	roundtrip(&m);
}
END_TEST

/* Looped over every reason 1..BYE_MAX. */
START_TEST(roundtrip_bye)
{
	struct ctl_msg m = msg(CTL_BYE);

	m.u.bye.reason = (uint16_t)_i;
	roundtrip(&m);
}
END_TEST

/* ---- Exact wire bytes --------------------------------------------------- */

START_TEST(wire_hello_bytes)
{
	const uint8_t want[] = { 1, CTL_HELLO, 0, 4, 0xde, 0xad, 0xbe, 0xef };
	struct ctl_msg m = msg(CTL_HELLO);

	m.u.hello.session = 0xdeadbeef;
	ck_assert_uint_eq(encode_ok(&m), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(wire_ping_bytes)
{
	const uint8_t want[] = { 1, CTL_PING, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ctl_msg m = msg(CTL_PING);

	m.u.ping.nonce = 0x0102030405060708ULL;
	ck_assert_uint_eq(encode_ok(&m), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(wire_config_layout)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);
	const uint8_t v4[] = { 100, 64, 0, 2 };
	const uint8_t route0[ENTRY] = { 4, 15, 198, 18 };
	const uint8_t dns1[ENTRY] = { 6, 0, 0xfd, 0, [17] = 1 };

	ck_assert_uint_eq(n, H + 36 + 4 * ENTRY);
	ck_assert_uint_eq(buf[OFF_SESSION], 0x01);
	ck_assert_uint_eq(buf[OFF_SESSION + 3], 0x04);
	ck_assert_uint_eq(buf[OFF_PORT] << 8 | buf[OFF_PORT + 1], 51821);
	ck_assert_uint_eq(buf[OFF_MTU] << 8 | buf[OFF_MTU + 1], 1420);
	ck_assert_uint_eq(buf[OFF_CIPHER], CIPHER_AES256GCM);
	ck_assert_uint_eq(buf[OFF_V4_PLEN], 10);
	ck_assert_uint_eq(buf[OFF_V6_PLEN], 64);
	ck_assert_uint_eq(buf[OFF_FLAGS], 3);
	ck_assert_mem_eq(buf + OFF_V4_ADDR, v4, sizeof(v4));
	ck_assert_uint_eq(buf[OFF_V6_ADDR], 0xfd);
	ck_assert_uint_eq(buf[OFF_NROUTES], 2);
	ck_assert_uint_eq(buf[OFF_NDNS], 2);
	ck_assert_mem_eq(buf + OFF_ENTRIES, route0, ENTRY);
	ck_assert_mem_eq(buf + OFF_ENTRIES + 3 * ENTRY, dns1, ENTRY);
}
END_TEST

/* An absent address is sent as zeros, whatever the struct held. */
START_TEST(wire_absent_addr_zero)
{
	struct ctl_msg m = config_bare();
	const uint8_t zero[16] = { 0 };

	m.u.config.addr4.plen = 24;
	m.u.config.addr4.addr[0] = 100;
	encode_ok(&m);
	ck_assert_uint_eq(buf[OFF_FLAGS], 0);
	ck_assert_uint_eq(buf[OFF_V4_PLEN], 0);
	ck_assert_mem_eq(buf + OFF_V4_ADDR, zero, 4);
	ck_assert_mem_eq(buf + OFF_V6_ADDR, zero, 16);
}
END_TEST

/* ---- Truncation and length ---------------------------------------------- */

/* Every proper prefix of a valid encoding is refused. */
static void reject_prefixes(const struct ctl_msg *m)
{
	size_t n = encode_ok(m);
	struct ctl_msg out;

	for (size_t len = 0; len < n; len++)
		ck_assert_msg(ctl_decode(buf, len, &out, err, sizeof(err)) ==
		    -1, "prefix of %zu of %zu bytes accepted", len, n);
}

START_TEST(truncated_every_type)
{
	struct ctl_msg m;

	m = msg(CTL_HELLO);
	m.u.hello.session = 7;
	reject_prefixes(&m);
	m = config_bare();
	reject_prefixes(&m);
	m = config_full();
	reject_prefixes(&m);
	m = rekey(CTL_REKEY);
	reject_prefixes(&m);
	m = rekey(CTL_REKEY_ACK);
	reject_prefixes(&m);
	m = msg(CTL_PING);
	reject_prefixes(&m);
	m = msg(CTL_PONG);
	reject_prefixes(&m);
	m = msg(CTL_BYE);
	m.u.bye.reason = BYE_SHUTDOWN;
	reject_prefixes(&m);
}
END_TEST

START_TEST(truncated_empty)
{
	reject(0, "shorter than its 4-byte header");
}
END_TEST

START_TEST(truncated_header_says_more)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	reject(n - 1, "header says");
}
END_TEST

/* A message with its header length right but the body too short. */
START_TEST(config_body_shorter_than_fixed)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	set_body_len(n - 1);
	reject(n - 1, "at least 36");
}
END_TEST

START_TEST(trailing_byte_beyond_header)
{
	struct ctl_msg m = msg(CTL_PING);
	size_t n = encode_ok(&m);

	buf[n] = 0;
	reject(n + 1, "header says");
}
END_TEST

/* Looped over every type: one more byte, announced by the header. */
START_TEST(trailing_byte_in_body)
{
	struct ctl_msg m;
	size_t n;

	switch (_i) {
	case CTL_HELLO:
		m = msg(CTL_HELLO);
		m.u.hello.session = 1;
		break;
	case CTL_CONFIG:
		m = config_full();
		break;
	case CTL_BYE:
		m = msg(CTL_BYE);
		m.u.bye.reason = BYE_PROTOCOL;
		break;
	default:
		m = rekey((uint8_t)_i);
		m.type = (uint8_t)_i;
		break;
	}
	n = encode_ok(&m);
	buf[n] = 0;
	set_body_len(n + 1);
	reject(n + 1, ctl_type_name(_i));
	ck_assert_ptr_nonnull(strstr(err, "bytes"));
}
END_TEST

START_TEST(hello_body_short)
{
	const uint8_t b[] = { 1, CTL_HELLO, 0, 3, 0, 0, 1 };

	memcpy(buf, b, sizeof(b));
	reject(sizeof(b), "HELLO: body of 3 bytes, expected 4");
}
END_TEST

START_TEST(rekey_body_long)
{
	struct ctl_msg m = rekey(CTL_REKEY);
	size_t n = encode_ok(&m);

	set_body_len(n + 1);
	reject(n + 1, "REKEY: body of 37 bytes, expected 36");
}
END_TEST

START_TEST(ping_body_short)
{
	const uint8_t b[] = { 1, CTL_PING, 0, 7, 1, 2, 3, 4, 5, 6, 7 };

	memcpy(buf, b, sizeof(b));
	reject(sizeof(b), "PING: body of 7 bytes, expected 8");
}
END_TEST

START_TEST(bye_body_long)
{
	const uint8_t b[] = { 1, CTL_BYE, 0, 3, 0, 1, 0 };

	memcpy(buf, b, sizeof(b));
	reject(sizeof(b), "BYE: body of 3 bytes, expected 2");
}
END_TEST

START_TEST(oversized_body)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = GUARD_PROTO_VERSION;
	buf[1] = CTL_CONFIG;
	set_body_len(H + CTL_MAX_BODY + 1);
	reject(H + CTL_MAX_BODY + 1, "at most 2048");
	ck_assert_int_eq(ctl_frame_len(buf, H), -1);
}
END_TEST

/* CONFIG at the maximum body length, but the counts say otherwise. */
START_TEST(config_max_body_count_mismatch)
{
	struct ctl_msg m = config_bare();

	encode_ok(&m);
	memset(buf + H + 36, 0, CTL_MAX_BODY - 36);
	set_body_len(H + CTL_MAX_BODY);
	ck_assert_int_eq(ctl_frame_len(buf, H), H + CTL_MAX_BODY);
	reject(H + CTL_MAX_BODY, "0 routes and 0 DNS servers need 36");
}
END_TEST

/* ---- Header ------------------------------------------------------------- */

START_TEST(wrong_version)
{
	struct ctl_msg m = msg(CTL_PING);
	size_t n = encode_ok(&m);

	buf[0] = (uint8_t)_i;
	reject(n, "protocol version");
	ck_assert_int_eq(ctl_frame_len(buf, n), -1);
}
END_TEST

START_TEST(unknown_type)
{
	struct ctl_msg m = msg(CTL_PING);
	size_t n = encode_ok(&m);

	buf[1] = (uint8_t)_i;
	reject(n, "unknown message type");
	ck_assert_int_eq(ctl_frame_len(buf, n), -1);
}
END_TEST

/* ---- CONFIG counts ------------------------------------------------------ */

START_TEST(config_too_many_routes)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_NROUTES] = CTL_MAX_ROUTES + 1;
	n += (CTL_MAX_ROUTES + 1) * ENTRY;
	memset(buf + OFF_ENTRIES, 0, n - OFF_ENTRIES);
	for (int i = 0; i <= CTL_MAX_ROUTES; i++)
		buf[OFF_ENTRIES + i * ENTRY] = 4;
	set_body_len(n);
	reject(n, "33 routes, at most 32");
}
END_TEST

START_TEST(config_too_many_dns)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_NDNS] = CTL_MAX_DNS + 1;
	n += (CTL_MAX_DNS + 1) * ENTRY;
	memset(buf + OFF_ENTRIES, 0, n - OFF_ENTRIES);
	for (int i = 0; i <= CTL_MAX_DNS; i++)
		buf[OFF_ENTRIES + i * ENTRY] = 4;
	set_body_len(n);
	reject(n, "5 DNS servers, at most 4");
}
END_TEST

START_TEST(config_count_more_than_entries)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_NROUTES] = 3;
	reject(n, "3 routes and 2 DNS servers need");
}
END_TEST

START_TEST(config_count_fewer_than_entries)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_NDNS] = 1;
	reject(n, "2 routes and 1 DNS servers need");
}
END_TEST

/* ---- CONFIG values ------------------------------------------------------ */

START_TEST(config_zero_session)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	memset(buf + OFF_SESSION, 0, 4);
	reject(n, "CONFIG: session id is zero");
}
END_TEST

START_TEST(config_zero_port)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	memset(buf + OFF_PORT, 0, 2);
	reject(n, "UDP port is zero");
}
END_TEST

START_TEST(config_mtu_too_small)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_MTU] = (GUARD_MIN_MTU - 1) >> 8;
	buf[OFF_MTU + 1] = (GUARD_MIN_MTU - 1) & 0xff;
	reject(n, "MTU 1279 not in 1280..9000");
}
END_TEST

START_TEST(config_mtu_too_large)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_MTU] = (GUARD_MAX_MTU + 1) >> 8;
	buf[OFF_MTU + 1] = (GUARD_MAX_MTU + 1) & 0xff;
	reject(n, "MTU 9001");
}
END_TEST

/* Looped over cipher ids 0 and 3. */
START_TEST(config_bad_cipher)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_CIPHER] = (uint8_t)_i;
	reject(n, "unknown cipher");
}
END_TEST

/* Looped over flag bits 2..7. */
START_TEST(config_unknown_flag)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_FLAGS] |= (uint8_t)(1 << _i);
	reject(n, "unknown flags");
}
END_TEST

START_TEST(config_v4_plen_zero)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_V4_PLEN] = 0;
	reject(n, "IPv4 address prefix length 0 not in 1..32");
}
END_TEST

START_TEST(config_v4_plen_33)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_V4_PLEN] = 33;
	reject(n, "IPv4 address prefix length 33");
}
END_TEST

START_TEST(config_v6_plen_zero)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_V6_PLEN] = 0;
	reject(n, "IPv6 address prefix length 0 not in 1..128");
}
END_TEST

START_TEST(config_v6_plen_129)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[OFF_V6_PLEN] = 129;
	reject(n, "IPv6 address prefix length 129");
}
END_TEST

START_TEST(config_no_v4_but_addr)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_V4_ADDR + 3] = 1;
	reject(n, "no IPv4 address, but its fields are not zero");
}
END_TEST

START_TEST(config_no_v4_but_plen)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_V4_PLEN] = 24;
	reject(n, "no IPv4 address");
}
END_TEST

START_TEST(config_no_v6_but_addr)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_V6_ADDR + 15] = 1;
	reject(n, "no IPv6 address, but its fields are not zero");
}
END_TEST

START_TEST(config_no_v6_but_plen)
{
	struct ctl_msg m = config_bare();
	size_t n = encode_ok(&m);

	buf[OFF_V6_PLEN] = 64;
	reject(n, "no IPv6 address");
}
END_TEST

/* Own addresses may have host bits: they are interface addresses. */
START_TEST(config_own_addr_host_bits_ok)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	accept_ok(n);
	ck_assert_uint_eq(buf[OFF_V4_ADDR + 3], 2);
}
END_TEST

/* ---- CONFIG routes and DNS servers -------------------------------------- */

static size_t route_off(unsigned i)
{
	return OFF_ENTRIES + i * ENTRY;
}

/* Looped over wire families 0, 2, 5, 10, 255. */
START_TEST(route_bad_family)
{
	const uint8_t fam[] = { 0, 2, 5, 10, 255 };
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(1)] = fam[_i];
	reject(n, "route 1: family");
}
END_TEST

START_TEST(dns_bad_family)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(2)] = 0;
	reject(n, "DNS server 0: family 0, not 4 or 6");
}
END_TEST

START_TEST(route_v4_plen_too_long)
{
	struct ctl_msg m = config_full();
	size_t n;

	m.u.config.nroutes = 4;
	m.u.config.ndns = 0;
	m.u.config.routes[2] = pfx("198.19.0.0", 16);
	m.u.config.routes[3] = pfx("100.64.0.0", 10);
	n = encode_ok(&m);
	buf[route_off(3) + 1] = 40;
	reject(n, "CONFIG: route 3: prefix length 40 too long for IPv4");
}
END_TEST

START_TEST(route_v6_plen_too_long)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(1) + 1] = 129;
	reject(n, "route 1: prefix length 129 too long for IPv6");
}
END_TEST

START_TEST(route_v4_host_bits)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(0) + 2 + 2] = 1;		/* 198.18.1.0/15 */
	reject(n, "route 0: address has bits set beyond /15");
}
END_TEST

/* The bit just past the prefix, in the same byte. */
START_TEST(route_v4_host_bit_same_byte)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(0) + 2 + 1] = 18 | 1;	/* 198.19.0.0/15 */
	reject(n, "bits set beyond /15");
}
END_TEST

START_TEST(route_v6_host_bits)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(1) + 2 + 15] = 1;		/* 2001:db8::1/32 */
	reject(n, "route 1: address has bits set beyond /32");
}
END_TEST

START_TEST(route_default_with_bits)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(0) + 1] = 0;		/* 198.18.0.0/0 */
	reject(n, "beyond /0");
}
END_TEST

START_TEST(route_v4_padding_nonzero)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(0) + 2 + 4] = 1;
	reject(n, "route 0: IPv4 entry with non-zero padding");
}
END_TEST

START_TEST(route_v4_padding_last_byte)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(0) + 2 + 15] = 0x80;
	reject(n, "non-zero padding");
}
END_TEST

START_TEST(dns_v4_padding_nonzero)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(2) + 2 + 10] = 1;
	reject(n, "DNS server 0: IPv4 entry with non-zero padding");
}
END_TEST

START_TEST(dns_reserved_nonzero)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	buf[route_off(3) + 1] = 128;
	reject(n, "DNS server 1: reserved byte is 128");
}
END_TEST

START_TEST(dns_plen_set_on_decode)
{
	struct ctl_msg m = config_full(), out;
	size_t n = encode_ok(&m);

	ck_assert_int_eq(ctl_decode(buf, n, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out.u.config.dns[0].plen, 32);
	ck_assert_uint_eq(out.u.config.dns[1].plen, 128);
	ck_assert_uint_eq(out.u.config.dns[0].family, AF_INET);
	ck_assert_uint_eq(out.u.config.dns[1].family, AF_INET6);
}
END_TEST

/* ---- Other values ------------------------------------------------------- */

START_TEST(hello_zero_session)
{
	const uint8_t b[] = { 1, CTL_HELLO, 0, 4, 0, 0, 0, 0 };

	memcpy(buf, b, sizeof(b));
	reject(sizeof(b), "HELLO: session id is zero");
}
END_TEST

/* Looped over reasons 0 and BYE_MAX + 1 .. 0xffff. */
START_TEST(bye_bad_reason)
{
	const uint16_t reason[] = { 0, BYE_MAX + 1, 0x100, 0xffff };
	uint8_t b[] = { 1, CTL_BYE, 0, 2, 0, 0 };

	b[4] = (uint8_t)(reason[_i] >> 8);
	b[5] = (uint8_t)reason[_i];
	memcpy(buf, b, sizeof(b));
	reject(sizeof(b), "BYE: unknown reason");
}
END_TEST

START_TEST(decode_null_err)
{
	struct ctl_msg m;

	ck_assert_int_eq(ctl_decode(buf, 0, &m, NULL, 0), -1);
}
END_TEST

START_TEST(decode_err_truncated_to_errlen)
{
	struct ctl_msg m;
	char small[8];

	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(ctl_decode(buf, 0, &m, small, sizeof(small)), -1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

START_TEST(decode_failure_clears_msg)
{
	struct ctl_msg m = config_full(), out;
	size_t n = encode_ok(&m);

	buf[OFF_CIPHER] = 9;
	memset(&out, 0xaa, sizeof(out));
	ck_assert_int_eq(ctl_decode(buf, n, &out, err, sizeof(err)), -1);
	ck_assert_uint_eq(out.type, 0);
	ck_assert_uint_eq(out.u.config.session, 0);
}
END_TEST

/* ---- Encoding ----------------------------------------------------------- */

/* Every buffer shorter than the encoding is refused; the exact one works. */
static void encode_needs(const struct ctl_msg *m)
{
	size_t n = encode_ok(m);
	uint8_t *small;

	for (size_t len = 0; len < n; len++) {
		small = malloc(len + 1);
		ck_assert_ptr_nonnull(small);
		ck_assert_int_eq(ctl_encode(m, small, len), -1);
		free(small);
	}
	small = malloc(n);
	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(ctl_encode(m, small, n), (int)n);
	ck_assert_mem_eq(small, buf, n);
	free(small);
}

START_TEST(encode_buffer_too_small)
{
	struct ctl_msg m = msg(CTL_HELLO);

	m.u.hello.session = 1;
	encode_needs(&m);
	m = config_full();
	encode_needs(&m);
	m = rekey(CTL_REKEY_ACK);
	encode_needs(&m);
	m = msg(CTL_PONG);
	encode_needs(&m);
	m = msg(CTL_BYE);
	m.u.bye.reason = BYE_INTERNAL;
	encode_needs(&m);
}
END_TEST

START_TEST(encode_unknown_type)
{
	struct ctl_msg m = msg((uint8_t)_i);

	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_zero_session)
{
	struct ctl_msg m = msg(CTL_HELLO);

	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
	m = config_full();
	m.u.config.session = 0;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_too_many_routes)
{
	struct ctl_msg m = config_full();

	m.u.config.nroutes = CTL_MAX_ROUTES + 1;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_too_many_dns)
{
	struct ctl_msg m = config_full();

	m.u.config.ndns = CTL_MAX_DNS + 1;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_route_host_bits)
{
	struct ctl_msg m = config_full();

	m.u.config.routes[0] = pfx("198.18.0.1", 15);
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_route_bad_family)
{
	struct ctl_msg m = config_full();

	m.u.config.routes[1].family = 4;	/* the wire's, not AF_INET */
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_route_plen_too_long)
{
	struct ctl_msg m = config_full();

	m.u.config.routes[0].plen = 33;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_dns_plen_wrong)
{
	struct ctl_msg m = config_full();

	m.u.config.dns[0].plen = 24;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_own_addr_wrong_family)
{
	struct ctl_msg m = config_full();

	m.u.config.addr4 = pfx("fd00::2", 64);
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_own_addr_plen_zero)
{
	struct ctl_msg m = config_full();

	m.u.config.addr6.plen = 0;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_bad_mtu_cipher_port)
{
	struct ctl_msg m = config_full();

	m.u.config.mtu = 576;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
	m = config_full();
	m.u.config.cipher = 0;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
	m = config_full();
	m.u.config.udp_port = 0;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(encode_bye_bad_reason)
{
	struct ctl_msg m = msg(CTL_BYE);

	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
	m.u.bye.reason = BYE_MAX + 1;
	ck_assert_int_eq(ctl_encode(&m, buf, sizeof(buf)), -1);
}
END_TEST

/* Bytes 4..15 of an IPv4 entry in the struct never reach the wire. */
START_TEST(encode_v4_entry_pads_with_zeros)
{
	struct ctl_msg m = config_full();
	const uint8_t zero[12] = { 0 };
	size_t n;

	memset(m.u.config.routes[0].addr + 4, 0xee, 12);
	n = encode_ok(&m);
	ck_assert_mem_eq(buf + route_off(0) + 2 + 4, zero, sizeof(zero));
	accept_ok(n);
}
END_TEST

/* ---- ctl_frame_len ------------------------------------------------------ */

START_TEST(frame_len_needs_header)
{
	struct ctl_msg m = config_full();

	encode_ok(&m);
	for (size_t len = 0; len < H; len++)
		ck_assert_int_eq(ctl_frame_len(buf, len), 0);
}
END_TEST

START_TEST(frame_len_header_only)
{
	struct ctl_msg m = config_full();
	size_t n = encode_ok(&m);

	ck_assert_int_eq(ctl_frame_len(buf, H), (int)n);
	ck_assert_int_eq(ctl_frame_len(buf, n + 100), (int)n);
}
END_TEST

START_TEST(frame_len_max_body)
{
	const uint8_t b[] = { 1, CTL_CONFIG, CTL_MAX_BODY >> 8,
	    CTL_MAX_BODY & 0xff };

	ck_assert_int_eq(ctl_frame_len(b, sizeof(b)), H + CTL_MAX_BODY);
}
END_TEST

START_TEST(frame_len_over_max_body)
{
	const uint8_t b[] = { 1, CTL_PING, 0xff, 0xff };

	ck_assert_int_eq(ctl_frame_len(b, sizeof(b)), -1);
}
END_TEST

START_TEST(frame_len_bad_version)
{
	const uint8_t b[] = { 2, CTL_PING, 0, 8 };

	ck_assert_int_eq(ctl_frame_len(b, sizeof(b)), -1);
}
END_TEST

START_TEST(frame_len_bad_type)
{
	const uint8_t b[] = { 1, 0, 0, 8 };

	ck_assert_int_eq(ctl_frame_len(b, sizeof(b)), -1);
}
END_TEST

START_TEST(frame_len_empty_body)
{
	const uint8_t b[] = { 1, CTL_BYE, 0, 0 };

	ck_assert_int_eq(ctl_frame_len(b, sizeof(b)), H);
}
END_TEST

/* ---- Names -------------------------------------------------------------- */

START_TEST(type_names)
{
	ck_assert_str_eq(ctl_type_name(CTL_HELLO), "HELLO");
	ck_assert_str_eq(ctl_type_name(CTL_CONFIG), "CONFIG");
	ck_assert_str_eq(ctl_type_name(CTL_REKEY), "REKEY");
	ck_assert_str_eq(ctl_type_name(CTL_REKEY_ACK), "REKEY_ACK");
	ck_assert_str_eq(ctl_type_name(CTL_PING), "PING");
	ck_assert_str_eq(ctl_type_name(CTL_PONG), "PONG");
	ck_assert_str_eq(ctl_type_name(CTL_BYE), "BYE");
	ck_assert_str_eq(ctl_type_name(0), "unknown");
	ck_assert_str_eq(ctl_type_name(8), "unknown");
	ck_assert_str_eq(ctl_type_name(-1), "unknown");
}
END_TEST

START_TEST(bye_reason_names)
{
	ck_assert_str_eq(ctl_bye_reason_name(BYE_SHUTDOWN), "shutdown");
	ck_assert_str_eq(ctl_bye_reason_name(BYE_POOL_EMPTY),
	    "address pool empty");
	ck_assert_str_eq(ctl_bye_reason_name(BYE_PROTOCOL),
	    "protocol error");
	ck_assert_str_eq(ctl_bye_reason_name(0), "unknown");
	ck_assert_str_eq(ctl_bye_reason_name(BYE_MAX + 1), "unknown");
	for (int r = 1; r <= BYE_MAX; r++)
		ck_assert_str_ne(ctl_bye_reason_name(r), "unknown");
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *ctlmsg_suite(void)
{
	Suite *s = suite_create("ctlmsg");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, roundtrip_hello);
	tcase_add_test(tc, roundtrip_config_bare);
	tcase_add_test(tc, roundtrip_config_full);
	tcase_add_test(tc, roundtrip_config_v4_only);
	tcase_add_test(tc, roundtrip_config_v6_only);
	tcase_add_test(tc, roundtrip_config_max_routes);
	tcase_add_test(tc, roundtrip_config_dns_only);
	tcase_add_test(tc, roundtrip_config_limits);
	tcase_add_test(tc, roundtrip_rekey);
	tcase_add_test(tc, roundtrip_rekey_ack);
	tcase_add_test(tc, roundtrip_ping);
	tcase_add_test(tc, roundtrip_pong);
	tcase_add_loop_test(tc, roundtrip_bye, 1, BYE_MAX + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_test(tc, wire_hello_bytes);
	tcase_add_test(tc, wire_ping_bytes);
	tcase_add_test(tc, wire_config_layout);
	tcase_add_test(tc, wire_absent_addr_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("length");
	tcase_add_test(tc, truncated_every_type);
	tcase_add_test(tc, truncated_empty);
	tcase_add_test(tc, truncated_header_says_more);
	tcase_add_test(tc, config_body_shorter_than_fixed);
	tcase_add_test(tc, trailing_byte_beyond_header);
	tcase_add_loop_test(tc, trailing_byte_in_body, CTL_HELLO,
	    CTL_BYE + 1);
	tcase_add_test(tc, hello_body_short);
	tcase_add_test(tc, rekey_body_long);
	tcase_add_test(tc, ping_body_short);
	tcase_add_test(tc, bye_body_long);
	tcase_add_test(tc, oversized_body);
	tcase_add_test(tc, config_max_body_count_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("header");
	tcase_add_loop_test(tc, wrong_version, 0, 1);
	tcase_add_loop_test(tc, wrong_version, 2, 4);
	tcase_add_loop_test(tc, wrong_version, 255, 256);
	tcase_add_loop_test(tc, unknown_type, 0, 1);
	tcase_add_loop_test(tc, unknown_type, CTL_BYE + 1, CTL_BYE + 3);
	tcase_add_loop_test(tc, unknown_type, 255, 256);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, config_too_many_routes);
	tcase_add_test(tc, config_too_many_dns);
	tcase_add_test(tc, config_count_more_than_entries);
	tcase_add_test(tc, config_count_fewer_than_entries);
	tcase_add_test(tc, config_zero_session);
	tcase_add_test(tc, config_zero_port);
	tcase_add_test(tc, config_mtu_too_small);
	tcase_add_test(tc, config_mtu_too_large);
	tcase_add_loop_test(tc, config_bad_cipher, 0, 1);
	tcase_add_loop_test(tc, config_bad_cipher, 3, 4);
	tcase_add_loop_test(tc, config_unknown_flag, 2, 8);
	tcase_add_test(tc, config_v4_plen_zero);
	tcase_add_test(tc, config_v4_plen_33);
	tcase_add_test(tc, config_v6_plen_zero);
	tcase_add_test(tc, config_v6_plen_129);
	tcase_add_test(tc, config_no_v4_but_addr);
	tcase_add_test(tc, config_no_v4_but_plen);
	tcase_add_test(tc, config_no_v6_but_addr);
	tcase_add_test(tc, config_no_v6_but_plen);
	tcase_add_test(tc, config_own_addr_host_bits_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("entries");
	tcase_add_loop_test(tc, route_bad_family, 0, 5);
	tcase_add_test(tc, dns_bad_family);
	tcase_add_test(tc, route_v4_plen_too_long);
	tcase_add_test(tc, route_v6_plen_too_long);
	tcase_add_test(tc, route_v4_host_bits);
	tcase_add_test(tc, route_v4_host_bit_same_byte);
	tcase_add_test(tc, route_v6_host_bits);
	tcase_add_test(tc, route_default_with_bits);
	tcase_add_test(tc, route_v4_padding_nonzero);
	tcase_add_test(tc, route_v4_padding_last_byte);
	tcase_add_test(tc, dns_v4_padding_nonzero);
	tcase_add_test(tc, dns_reserved_nonzero);
	tcase_add_test(tc, dns_plen_set_on_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, hello_zero_session);
	tcase_add_loop_test(tc, bye_bad_reason, 0, 4);
	tcase_add_test(tc, decode_null_err);
	tcase_add_test(tc, decode_err_truncated_to_errlen);
	tcase_add_test(tc, decode_failure_clears_msg);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, encode_buffer_too_small);
	tcase_add_loop_test(tc, encode_unknown_type, 0, 1);
	tcase_add_loop_test(tc, encode_unknown_type, CTL_BYE + 1, 256);
	tcase_add_test(tc, encode_zero_session);
	tcase_add_test(tc, encode_too_many_routes);
	tcase_add_test(tc, encode_too_many_dns);
	tcase_add_test(tc, encode_route_host_bits);
	tcase_add_test(tc, encode_route_bad_family);
	tcase_add_test(tc, encode_route_plen_too_long);
	tcase_add_test(tc, encode_dns_plen_wrong);
	tcase_add_test(tc, encode_own_addr_wrong_family);
	tcase_add_test(tc, encode_own_addr_plen_zero);
	tcase_add_test(tc, encode_bad_mtu_cipher_port);
	tcase_add_test(tc, encode_bye_bad_reason);
	tcase_add_test(tc, encode_v4_entry_pads_with_zeros);
	suite_add_tcase(s, tc);

	tc = tcase_create("frame_len");
	tcase_add_test(tc, frame_len_needs_header);
	tcase_add_test(tc, frame_len_header_only);
	tcase_add_test(tc, frame_len_max_body);
	tcase_add_test(tc, frame_len_over_max_body);
	tcase_add_test(tc, frame_len_bad_version);
	tcase_add_test(tc, frame_len_bad_type);
	tcase_add_test(tc, frame_len_empty_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, bye_reason_names);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctlmsg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

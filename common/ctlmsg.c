/*
 * Guard control messages: encoding and strict decoding.
 *
 * Every field is read and written byte by byte in big-endian order, so the
 * wire layout never depends on the compiler's struct layout, alignment or
 * the host's byte order. The decoder accepts exactly one encoding per
 * message: every length is exact, every reserved byte and unused address
 * byte is zero. That keeps the attack surface small and means that
 * decode-then-encode reproduces the input byte for byte.
 *
 * The checks on values (ranges, prefix lengths, host bits) are shared by
 * the encoder and the decoder, so Guard never sends what it would refuse
 * to receive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctlmsg.h"

enum {
	HELLO_BODY = 4,				/* session */
	REKEY_BODY = 4 + X25519_LEN,		/* epoch, public key */
	PING_BODY = 8,				/* nonce */
	BYE_BODY = 2,				/* reason */

	/* CONFIG: fixed part, then nroutes + ndns entries of one size. */
	CONFIG_FIXED = 36,
	CONFIG_ENTRY = 2 + 16,
	CONFIG_MAX = CONFIG_FIXED +
	    (CTL_MAX_ROUTES + CTL_MAX_DNS) * CONFIG_ENTRY,

	/* Offsets inside the fixed part of a CONFIG body. */
	CFG_OFF_V4_PLEN = 9,
	CFG_OFF_V6_PLEN = 10,
	CFG_OFF_FLAGS = 11,
	CFG_OFF_V4_ADDR = 12,
	CFG_OFF_V6_ADDR = 16,
	CFG_OFF_NROUTES = 34,
	CFG_OFF_NDNS = 35,

	CFG_HAS_V4 = 1 << 0,
	CFG_HAS_V6 = 1 << 1,
	CFG_FLAGS_KNOWN = CFG_HAS_V4 | CFG_HAS_V6,

	/* Families as the wire spells them (not the host's AF_ values). */
	WIRE_INET = 4,
	WIRE_INET6 = 6,

	V4_LEN = 4,
	V6_LEN = 16,
};

_Static_assert((int)CONFIG_MAX <= (int)CTL_MAX_BODY, "largest CONFIG must fit");
_Static_assert(CTL_MAX_ROUTES <= 255 && CTL_MAX_DNS <= 255,
    "counts are one byte on the wire");

/* ---- Errors ------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- Byte order --------------------------------------------------------- */

/* A cursor over a buffer whose length the caller has already checked. */
struct rd {
	const uint8_t *p;
};

struct wr {
	uint8_t *p;
};

static uint8_t rd_u8(struct rd *r)
{
	return *r->p++;
}

static uint16_t rd_u16(struct rd *r)
{
	uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);

	r->p += 2;
	return v;
}

static uint32_t rd_u32(struct rd *r)
{
	uint32_t v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];

	r->p += 4;
	return v;
}

static uint64_t rd_u64(struct rd *r)
{
	uint64_t hi = rd_u32(r);

	return hi << 32 | rd_u32(r);
}

static void rd_bytes(struct rd *r, uint8_t *dst, size_t n)
{
	memcpy(dst, r->p, n);
	r->p += n;
}

static void wr_u8(struct wr *w, uint8_t v)
{
	*w->p++ = v;
}

static void wr_u16(struct wr *w, uint16_t v)
{
	wr_u8(w, (uint8_t)(v >> 8));
	wr_u8(w, (uint8_t)v);
}

static void wr_u32(struct wr *w, uint32_t v)
{
	wr_u16(w, (uint16_t)(v >> 16));
	wr_u16(w, (uint16_t)v);
}

static void wr_u64(struct wr *w, uint64_t v)
{
	wr_u32(w, (uint32_t)(v >> 32));
	wr_u32(w, (uint32_t)v);
}

static void wr_bytes(struct wr *w, const uint8_t *src, size_t n)
{
	memcpy(w->p, src, n);
	w->p += n;
}

static void wr_zeros(struct wr *w, size_t n)
{
	memset(w->p, 0, n);
	w->p += n;
}

/* ---- Addresses ---------------------------------------------------------- */

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Address bytes and longest prefix of a host family; 0 when unknown. */
static size_t family_addr_len(int family)
{
	if (family == AF_INET)
		return V4_LEN;
	if (family == AF_INET6)
		return V6_LEN;
	return 0;
}

static unsigned family_max_plen(int family)
{
	return (unsigned)family_addr_len(family) * 8;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int family_from_wire(uint8_t wire)
{
	if (wire == WIRE_INET)
		return AF_INET;
	if (wire == WIRE_INET6)
		return AF_INET6;
	return 0;
}

static uint8_t family_to_wire(int family)
{
	return family == AF_INET ? WIRE_INET : WIRE_INET6;
}

/*
 * 1 when no address bit beyond plen is set. A route with host bits would
 * mean different things to different route stacks, so it is refused.
 */
static int host_bits_clear(const struct prefix *p)
{
	size_t alen = family_addr_len(p->family);
	size_t full = p->plen / 8;
	unsigned rest = p->plen % 8;

	if (full >= alen)
		return 1;
	if (rest != 0) {
		uint8_t host_mask = (uint8_t)(0xff >> rest);

		if (p->addr[full] & host_mask)
			return 0;
		full++;
	}
	return all_zero(p->addr + full, alen - full);
}

/* ---- Value checks, shared by encoder and decoder ------------------------ */

static int check_session(const char *what, uint32_t session, char *err,
    size_t errlen)
{
	/* Session 0 is never assigned, so it can mean "none" locally. */
	if (session == 0)
		return fail(err, errlen, "%s: session id is zero", what);
	return 0;
}

/* The client's own tunnel address: family 0 (absent) or a host address. */
static int check_own_addr(const struct prefix *a, int family, char *err,
    size_t errlen)
{
	unsigned max = family_max_plen(family);

	if (a->family == 0)
		return 0;
	if (a->family != family)
		return fail(err, errlen,
		    "CONFIG: %s address has address family %u",
		    family_name(family), a->family);
	if (a->plen < 1 || a->plen > max)
		return fail(err, errlen,
		    "CONFIG: %s address prefix length %u not in 1..%u",
		    family_name(family), a->plen, max);
	return 0;
}

static int check_route(const struct prefix *r, unsigned i, char *err,
    size_t errlen)
{
	unsigned max = family_max_plen(r->family);

	if (max == 0)
		return fail(err, errlen,
		    "CONFIG: route %u: unknown address family %u", i,
		    r->family);
	if (r->plen > max)
		return fail(err, errlen,
		    "CONFIG: route %u: prefix length %u too long for %s", i,
		    r->plen, family_name(r->family));
	if (!host_bits_clear(r))
		return fail(err, errlen,
		    "CONFIG: route %u: address has bits set beyond /%u", i,
		    r->plen);
	return 0;
}

static int check_dns(const struct prefix *d, unsigned i, char *err,
    size_t errlen)
{
	unsigned max = family_max_plen(d->family);

	if (max == 0)
		return fail(err, errlen,
		    "CONFIG: DNS server %u: unknown address family %u", i,
		    d->family);
	if (d->plen != max)
		return fail(err, errlen,
		    "CONFIG: DNS server %u: prefix length %u, must be %u", i,
		    d->plen, max);
	return 0;
}

static int check_config(const struct ctl_config *c, char *err, size_t errlen)
{
	if (check_session("CONFIG", c->session, err, errlen) == -1)
		return -1;
	if (c->udp_port == 0)
		return fail(err, errlen, "CONFIG: UDP port is zero");
	if (c->mtu < GUARD_MIN_MTU || c->mtu > GUARD_MAX_MTU)
		return fail(err, errlen, "CONFIG: MTU %u not in %d..%d",
		    c->mtu, GUARD_MIN_MTU, GUARD_MAX_MTU);
	if (c->cipher != CIPHER_AES256GCM &&
	    c->cipher != CIPHER_CHACHA20POLY1305)
		return fail(err, errlen, "CONFIG: unknown cipher %u",
		    c->cipher);
	if (check_own_addr(&c->addr4, AF_INET, err, errlen) == -1 ||
	    check_own_addr(&c->addr6, AF_INET6, err, errlen) == -1)
		return -1;
	if (c->nroutes > CTL_MAX_ROUTES)
		return fail(err, errlen, "CONFIG: %u routes, at most %d",
		    c->nroutes, CTL_MAX_ROUTES);
	if (c->ndns > CTL_MAX_DNS)
		return fail(err, errlen,
		    "CONFIG: %u DNS servers, at most %d", c->ndns,
		    CTL_MAX_DNS);
	for (unsigned i = 0; i < c->nroutes; i++)
		if (check_route(&c->routes[i], i, err, errlen) == -1)
			return -1;
	for (unsigned i = 0; i < c->ndns; i++)
		if (check_dns(&c->dns[i], i, err, errlen) == -1)
			return -1;
	return 0;
}

static int check_bye(const struct ctl_bye *b, char *err, size_t errlen)
{
	if (b->reason < 1 || b->reason > BYE_MAX)
		return fail(err, errlen, "BYE: unknown reason %u", b->reason);
	return 0;
}

/* Check the values of m before it is encoded. */
static int check_msg(const struct ctl_msg *m)
{
	switch (m->type) {
	case CTL_HELLO:
		return check_session("HELLO", m->u.hello.session, NULL, 0);
	case CTL_CONFIG:
		return check_config(&m->u.config, NULL, 0);
	case CTL_REKEY:
	case CTL_REKEY_ACK:
	case CTL_PING:
	case CTL_PONG:
		return 0;
	case CTL_BYE:
		return check_bye(&m->u.bye, NULL, 0);
	}
	return -1;
}

/* ---- Encoding ----------------------------------------------------------- */

static size_t config_body_len(const struct ctl_config *c)
{
	return CONFIG_FIXED + (size_t)(c->nroutes + c->ndns) * CONFIG_ENTRY;
}

/* Body length of a message whose values check_msg accepted. */
static size_t body_len(const struct ctl_msg *m)
{
	switch (m->type) {
	case CTL_HELLO:
		return HELLO_BODY;
	case CTL_CONFIG:
		return config_body_len(&m->u.config);
	case CTL_REKEY:
	case CTL_REKEY_ACK:
		return REKEY_BODY;
	case CTL_PING:
	case CTL_PONG:
		return PING_BODY;
	case CTL_BYE:
		return BYE_BODY;
	}
	return 0;
}

/* An own address: its plen and bytes, or zeros when absent. */
static void wr_own_plen(struct wr *w, const struct prefix *a)
{
	wr_u8(w, a->family != 0 ? a->plen : 0);
}

static void wr_own_addr(struct wr *w, const struct prefix *a, size_t alen)
{
	if (a->family != 0)
		wr_bytes(w, a->addr, alen);
	else
		wr_zeros(w, alen);
}

/*
 * A route or DNS entry: family | second | addr[16]. Only the bytes of the
 * family's address are taken from p; an IPv4 entry is padded with zeros.
 */
static void wr_entry(struct wr *w, const struct prefix *p, uint8_t second)
{
	size_t alen = family_addr_len(p->family);

	wr_u8(w, family_to_wire(p->family));
	wr_u8(w, second);
	wr_bytes(w, p->addr, alen);
	wr_zeros(w, V6_LEN - alen);
}

static void encode_config(struct wr *w, const struct ctl_config *c)
{
	uint8_t flags = 0;

	if (c->addr4.family != 0)
		flags |= CFG_HAS_V4;
	if (c->addr6.family != 0)
		flags |= CFG_HAS_V6;

	wr_u32(w, c->session);
	wr_u16(w, c->udp_port);
	wr_u16(w, c->mtu);
	wr_u8(w, c->cipher);
	wr_own_plen(w, &c->addr4);
	wr_own_plen(w, &c->addr6);
	wr_u8(w, flags);
	wr_own_addr(w, &c->addr4, V4_LEN);
	wr_own_addr(w, &c->addr6, V6_LEN);
	wr_u16(w, c->keepalive);
	wr_u8(w, c->nroutes);
	wr_u8(w, c->ndns);
	for (unsigned i = 0; i < c->nroutes; i++)
		wr_entry(w, &c->routes[i], c->routes[i].plen);
	for (unsigned i = 0; i < c->ndns; i++)
		wr_entry(w, &c->dns[i], 0);
}

static void encode_body(struct wr *w, const struct ctl_msg *m)
{
	switch (m->type) {
	case CTL_HELLO:
		wr_u32(w, m->u.hello.session);
		break;
	case CTL_CONFIG:
		encode_config(w, &m->u.config);
		break;
	case CTL_REKEY:
	case CTL_REKEY_ACK:
		wr_u32(w, m->u.rekey.epoch);
		wr_bytes(w, m->u.rekey.pub, X25519_LEN);
		break;
	case CTL_PING:
	case CTL_PONG:
		wr_u64(w, m->u.ping.nonce);
		break;
	case CTL_BYE:
		wr_u16(w, m->u.bye.reason);
		break;
	}
}

int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t len)
{
	struct wr w = { buf };
	size_t body;

	if (check_msg(m) == -1)
		return -1;
	body = body_len(m);
	if (len < CTL_HDR_LEN || len - CTL_HDR_LEN < body)
		return -1;

	wr_u8(&w, GUARD_PROTO_VERSION);
	wr_u8(&w, m->type);
	wr_u16(&w, (uint16_t)body);
	encode_body(&w, m);
	return (int)(CTL_HDR_LEN + body);
}

/* ---- Header ------------------------------------------------------------- */

static int type_known(uint8_t type)
{
	return type >= CTL_HELLO && type <= CTL_BYE;
}

/* Check the 4-byte header at buf; on success set the type and body length. */
static int check_header(const uint8_t *buf, uint8_t *type, size_t *body,
    char *err, size_t errlen)
{
	struct rd r = { buf };
	uint8_t version = rd_u8(&r);

	*type = rd_u8(&r);
	*body = rd_u16(&r);
	if (version != GUARD_PROTO_VERSION)
		return fail(err, errlen, "protocol version %u, expected %d",
		    version, GUARD_PROTO_VERSION);
	if (!type_known(*type))
		return fail(err, errlen, "unknown message type %u", *type);
	if (*body > CTL_MAX_BODY)
		return fail(err, errlen, "%s: body of %zu bytes, at most %d",
		    ctl_type_name(*type), *body, CTL_MAX_BODY);
	return 0;
}

int ctl_frame_len(const uint8_t *buf, size_t len)
{
	uint8_t type;
	size_t body;

	if (len < CTL_HDR_LEN)
		return 0;
	if (check_header(buf, &type, &body, NULL, 0) == -1)
		return -1;
	return (int)(CTL_HDR_LEN + body);
}

/* ---- Decoding ----------------------------------------------------------- */

static int expect_body(uint8_t type, size_t got, size_t want, char *err,
    size_t errlen)
{
	if (got != want)
		return fail(err, errlen, "%s: body of %zu bytes, expected %zu",
		    ctl_type_name(type), got, want);
	return 0;
}

/*
 * The client's own address of one family. When its flag is clear, the
 * prefix length and address bytes are reserved and must be zero.
 */
static int rd_own_addr(const uint8_t *body, int has, uint8_t plen,
    size_t off, int family, struct prefix *a, char *err, size_t errlen)
{
	size_t alen = family_addr_len(family);

	if (!has) {
		if (plen != 0 || !all_zero(body + off, alen))
			return fail(err, errlen,
			    "CONFIG: no %s address, but its fields are not "
			    "zero", family_name(family));
		return 0;
	}
	a->family = (uint8_t)family;
	a->plen = plen;
	memcpy(a->addr, body + off, alen);
	return 0;
}

/*
 * One route or DNS entry: family | second | addr[16]. The second byte is
 * returned for the caller to interpret (plen or reserved pad).
 */
static int rd_entry(struct rd *r, const char *what, unsigned i,
    struct prefix *p, uint8_t *second, char *err, size_t errlen)
{
	uint8_t wire = rd_u8(r);
	int family = family_from_wire(wire);
	size_t alen = family_addr_len(family);
	uint8_t addr[V6_LEN];

	*second = rd_u8(r);
	rd_bytes(r, addr, sizeof(addr));
	if (family == 0)
		return fail(err, errlen, "CONFIG: %s %u: family %u, not 4 or 6",
		    what, i, wire);
	if (!all_zero(addr + alen, sizeof(addr) - alen))
		return fail(err, errlen,
		    "CONFIG: %s %u: IPv4 entry with non-zero padding", what,
		    i);
	p->family = (uint8_t)family;
	memcpy(p->addr, addr, alen);
	return 0;
}

static int rd_routes(struct rd *r, struct ctl_config *c, char *err,
    size_t errlen)
{
	for (unsigned i = 0; i < c->nroutes; i++) {
		struct prefix *p = &c->routes[i];

		if (rd_entry(r, "route", i, p, &p->plen, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int rd_dns(struct rd *r, struct ctl_config *c, char *err,
    size_t errlen)
{
	for (unsigned i = 0; i < c->ndns; i++) {
		struct prefix *p = &c->dns[i];
		uint8_t pad;

		if (rd_entry(r, "DNS server", i, p, &pad, err, errlen) == -1)
			return -1;
		if (pad != 0)
			return fail(err, errlen,
			    "CONFIG: DNS server %u: reserved byte is %u", i,
			    pad);
		p->plen = (uint8_t)family_max_plen(p->family);
	}
	return 0;
}

/* The counts decide the body length, so check them before anything else. */
static int check_config_len(const uint8_t *body, size_t len, char *err,
    size_t errlen)
{
	unsigned nroutes, ndns;
	size_t want;

	if (len < CONFIG_FIXED)
		return fail(err, errlen,
		    "CONFIG: body of %zu bytes, at least %d needed", len,
		    CONFIG_FIXED);
	nroutes = body[CFG_OFF_NROUTES];
	ndns = body[CFG_OFF_NDNS];
	if (nroutes > CTL_MAX_ROUTES)
		return fail(err, errlen, "CONFIG: %u routes, at most %d",
		    nroutes, CTL_MAX_ROUTES);
	if (ndns > CTL_MAX_DNS)
		return fail(err, errlen,
		    "CONFIG: %u DNS servers, at most %d", ndns, CTL_MAX_DNS);
	want = CONFIG_FIXED + (nroutes + ndns) * CONFIG_ENTRY;
	if (len != want)
		return fail(err, errlen,
		    "CONFIG: body of %zu bytes, %u routes and %u DNS servers "
		    "need %zu", len, nroutes, ndns, want);
	return 0;
}

static int decode_config(const uint8_t *body, size_t len,
    struct ctl_config *c, char *err, size_t errlen)
{
	struct rd r = { body };
	uint8_t v4_plen, v6_plen, flags;

	if (check_config_len(body, len, err, errlen) == -1)
		return -1;

	c->session = rd_u32(&r);
	c->udp_port = rd_u16(&r);
	c->mtu = rd_u16(&r);
	c->cipher = rd_u8(&r);
	v4_plen = rd_u8(&r);
	v6_plen = rd_u8(&r);
	flags = rd_u8(&r);
	r.p += V4_LEN + V6_LEN;		/* addresses: read by rd_own_addr */
	c->keepalive = rd_u16(&r);
	c->nroutes = rd_u8(&r);
	c->ndns = rd_u8(&r);

	if (flags & ~CFG_FLAGS_KNOWN)
		return fail(err, errlen, "CONFIG: unknown flags 0x%02x",
		    flags);
	if (rd_own_addr(body, flags & CFG_HAS_V4, v4_plen, CFG_OFF_V4_ADDR,
	    AF_INET, &c->addr4, err, errlen) == -1 ||
	    rd_own_addr(body, flags & CFG_HAS_V6, v6_plen, CFG_OFF_V6_ADDR,
	    AF_INET6, &c->addr6, err, errlen) == -1)
		return -1;
	if (rd_routes(&r, c, err, errlen) == -1 ||
	    rd_dns(&r, c, err, errlen) == -1)
		return -1;
	return check_config(c, err, errlen);
}

static int decode_body(uint8_t type, const uint8_t *body, size_t len,
    struct ctl_msg *m, char *err, size_t errlen)
{
	struct rd r = { body };

	switch (type) {
	case CTL_HELLO:
		if (expect_body(type, len, HELLO_BODY, err, errlen) == -1)
			return -1;
		m->u.hello.session = rd_u32(&r);
		return check_session("HELLO", m->u.hello.session, err,
		    errlen);
	case CTL_CONFIG:
		return decode_config(body, len, &m->u.config, err, errlen);
	case CTL_REKEY:
	case CTL_REKEY_ACK:
		if (expect_body(type, len, REKEY_BODY, err, errlen) == -1)
			return -1;
		m->u.rekey.epoch = rd_u32(&r);
		rd_bytes(&r, m->u.rekey.pub, X25519_LEN);
		return 0;
	case CTL_PING:
	case CTL_PONG:
		if (expect_body(type, len, PING_BODY, err, errlen) == -1)
			return -1;
		m->u.ping.nonce = rd_u64(&r);
		return 0;
	case CTL_BYE:
		if (expect_body(type, len, BYE_BODY, err, errlen) == -1)
			return -1;
		m->u.bye.reason = rd_u16(&r);
		return check_bye(&m->u.bye, err, errlen);
	}
	return fail(err, errlen, "unknown message type %u", type);
}

int ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *m,
    char *err, size_t errlen)
{
	uint8_t type;
	size_t body;

	/* Zeroed, so that two decodings of one message compare equal. */
	memset(m, 0, sizeof(*m));
	if (len < CTL_HDR_LEN)
		return fail(err, errlen,
		    "message of %zu bytes, shorter than its %d-byte header",
		    len, CTL_HDR_LEN);
	if (check_header(buf, &type, &body, err, errlen) == -1)
		return -1;
	if (len - CTL_HDR_LEN != body)
		return fail(err, errlen,
		    "%s: message of %zu bytes, header says %zu",
		    ctl_type_name(type), len, CTL_HDR_LEN + body);
	m->type = type;
	if (decode_body(type, buf + CTL_HDR_LEN, body, m, err, errlen) == -1) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

/* ---- Names -------------------------------------------------------------- */

const char *ctl_type_name(int type)
{
	switch (type) {
	case CTL_HELLO:
		return "HELLO";
	case CTL_CONFIG:
		return "CONFIG";
	case CTL_REKEY:
		return "REKEY";
	case CTL_REKEY_ACK:
		return "REKEY_ACK";
	case CTL_PING:
		return "PING";
	case CTL_PONG:
		return "PONG";
	case CTL_BYE:
		return "BYE";
	}
	return "unknown";
}

const char *ctl_bye_reason_name(int reason)
{
	switch (reason) {
	case BYE_SHUTDOWN:
		return "shutdown";
	case BYE_REPLACED:
		return "replaced by a new connection";
	case BYE_POOL_EMPTY:
		return "address pool empty";
	case BYE_PROTOCOL:
		return "protocol error";
	case BYE_INTERNAL:
		return "internal error";
	}
	return "unknown";
}

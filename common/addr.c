/*
 * Guard: IP addresses and prefixes. Text is parsed strictly: one canonical
 * shape per prefix ("ADDR/LEN" or a bare "ADDR"), nothing before or after
 * it, so that a typo in a config file is an error rather than a surprise.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "util.h"

/* The longest address text inet_pton could accept, plus its NUL. */
enum { ADDR_TEXT_MAX = INET6_ADDRSTRLEN };

/* How much of a rejected input an error message quotes. */
enum { QUOTE_MAX = 64 };

size_t
addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

static unsigned int
max_plen(int family)
{
	return (unsigned int)addr_len(family) * 8;
}

/* Clear every bit of addr beyond the first plen bits. */
static void
mask_host_bits(uint8_t *addr, size_t alen, unsigned int plen)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned int bit = (unsigned int)i * 8;
		if (bit >= plen)
			addr[i] = 0;
		else if (plen - bit < 8)
			addr[i] &= (uint8_t)(0xff << (8 - (plen - bit)));
	}
}

/* 1 when the first plen bits of a and b agree. */
static int
same_leading_bits(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[whole] ^ b[whole]) & mask) == 0;
}

/*
 * Which family the text looks like: an IPv6 address always has a colon
 * and an IPv4 one never does. inet_pton() then decides whether it is one.
 */
static int
guess_family(const char *s)
{
	return strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

/* Parse an address of either family from exactly s; 0 or -1. */
static int
parse_address(const char *s, struct prefix *p)
{
	int family = guess_family(s);

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= ADDR_TEXT_MAX)
		return -1;
	if (inet_pton(family, s, p->addr) != 1)
		return -1;
	p->family = (uint8_t)family;
	p->plen = (uint8_t)max_plen(family);
	return 0;
}

int
addr_parse(const char *s, struct prefix *p)
{
	struct prefix tmp;

	if (s == NULL || p == NULL || parse_address(s, &tmp) == -1)
		return -1;
	*p = tmp;
	return 0;
}

/*
 * A prefix length: "0" or 1..3 digits without a leading zero, at most max.
 * Signs, spaces and anything else make it -1.
 */
static int
parse_plen(const char *s, unsigned int max)
{
	size_t n = strlen(s);
	unsigned int v = 0;

	if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v <= max ? (int)v : -1;
}

int
prefix_parse(const char *s, struct prefix *p, int allow_host_bits,
    char *err, size_t errlen)
{
	char addrbuf[ADDR_TEXT_MAX], q[QUOTE_MAX];
	const char *slash;
	size_t alen;
	struct prefix tmp;
	int plen;

	if (s == NULL || p == NULL) {
		seterr(err, errlen, "no prefix given");
		return -1;
	}
	if (*s == '\0') {
		seterr(err, errlen, "empty prefix");
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addrbuf)) {
		seterr(err, errlen, "bad address in '%s'",
		    str_quote(s, q, sizeof(q)));
		return -1;
	}
	memcpy(addrbuf, s, alen);
	addrbuf[alen] = '\0';
	if (parse_address(addrbuf, &tmp) == -1) {
		seterr(err, errlen, "bad address in '%s'",
		    str_quote(s, q, sizeof(q)));
		return -1;
	}
	if (slash != NULL) {
		plen = parse_plen(slash + 1, max_plen(tmp.family));
		if (plen == -1) {
			seterr(err, errlen,
			    "bad prefix length in '%s' (0..%u for IPv%d)",
			    str_quote(s, q, sizeof(q)),
			    max_plen(tmp.family),
			    tmp.family == AF_INET ? 4 : 6);
			return -1;
		}
		tmp.plen = (uint8_t)plen;
	}
	if (!allow_host_bits) {
		struct prefix net = tmp;
		mask_host_bits(net.addr, addr_len(net.family), net.plen);
		if (memcmp(net.addr, tmp.addr, sizeof(net.addr)) != 0) {
			char fixed[PREFIX_STRLEN];
			seterr(err, errlen,
			    "host bits set in '%s' (did you mean %s?)",
			    str_quote(s, q, sizeof(q)),
			    prefix_fmt(&net, fixed, sizeof(fixed)));
			return -1;
		}
	}
	*p = tmp;
	return 0;
}

const char *
addr_fmt(int family, const uint8_t *addr, char *buf, size_t len)
{
	char tmp[ADDR_TEXT_MAX];

	if (buf == NULL || len == 0)
		return buf;
	if (addr_len(family) == 0 || addr == NULL ||
	    inet_ntop(family, addr, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char tmp[ADDR_TEXT_MAX];

	if (buf == NULL || len == 0)
		return buf;
	if (p == NULL || addr_len(p->family) == 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	addr_fmt(p->family, p->addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s/%u", tmp, (unsigned int)p->plen);
	return buf;
}

int
prefix_contains(const struct prefix *p, int family, const uint8_t *addr)
{
	if (p == NULL || addr == NULL || addr_len(family) == 0 ||
	    p->family != family || p->plen > max_plen(family))
		return 0;
	return same_leading_bits(p->addr, addr, p->plen);
}

int
prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	unsigned int plen;

	if (a == NULL || b == NULL || addr_len(a->family) == 0 ||
	    a->family != b->family || a->plen > max_plen(a->family) ||
	    b->plen > max_plen(b->family))
		return 0;
	/* Two prefixes overlap exactly when the shorter contains the other. */
	plen = a->plen < b->plen ? a->plen : b->plen;
	return same_leading_bits(a->addr, b->addr, plen);
}

/*
 * Guard IP header parsing. GUARD routes a packet read from TUN by its
 * destination, and udpdata checks the inner source of a packet it opened;
 * both need only the version, the addresses and the packet's own length,
 * and both must never read past what they were given.
 */
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

enum {
	IPV4_MIN_HDR = 20,
	IPV4_OFF_TOTLEN = 2,
	IPV4_OFF_SRC = 12,
	IPV4_OFF_DST = 16,

	IPV6_HDR = 40,
	IPV6_OFF_PAYLEN = 4,
	IPV6_OFF_SRC = 8,
	IPV6_OFF_DST = 24,
};

static size_t be16_at(const uint8_t *p, size_t off)
{
	return (size_t)p[off] << 8 | p[off + 1];
}

static int parse_ipv4(const uint8_t *p, size_t len, struct pkt_info *out)
{
	size_t hlen, total;

	if (len < IPV4_MIN_HDR)
		return -1;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HDR || hlen > len)
		return -1;
	total = be16_at(p, IPV4_OFF_TOTLEN);
	if (total < hlen || total > len)
		return -1;

	out->family = AF_INET;
	out->src = p + IPV4_OFF_SRC;
	out->dst = p + IPV4_OFF_DST;
	out->len = total;
	return 0;
}

/*
 * The payload length covers extension headers and payload. A jumbogram
 * (payload length 0 with a hop-by-hop option) is never this short-haul
 * tunnel's business: it parses as a bare 40-byte packet and is then
 * treated as such.
 */
static int parse_ipv6(const uint8_t *p, size_t len, struct pkt_info *out)
{
	size_t total;

	if (len < IPV6_HDR)
		return -1;
	total = IPV6_HDR + be16_at(p, IPV6_OFF_PAYLEN);
	if (total > len)
		return -1;

	out->family = AF_INET6;
	out->src = p + IPV6_OFF_SRC;
	out->dst = p + IPV6_OFF_DST;
	out->len = total;
	return 0;
}

int pkt_parse(const uint8_t *p, size_t len, struct pkt_info *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return -1;
	switch (p[0] >> 4) {
	case 4:
		return parse_ipv4(p, len, out);
	case 6:
		return parse_ipv6(p, len, out);
	}
	return -1;
}

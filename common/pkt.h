/* Guard IP header parsing: just enough to route and check a packet. */
#ifndef GUARD_PKT_H
#define GUARD_PKT_H

#include <stddef.h>
#include <stdint.h>

struct pkt_info {
	int family;		/* AF_INET or AF_INET6 */
	const uint8_t *src;	/* into the packet: 4 or 16 bytes */
	const uint8_t *dst;
	size_t len;		/* the packet's own total length */
};

/*
 * Parse the IPv4 or IPv6 header at p (len bytes read). The version must be
 * 4 or 6, the header complete (IPv4: IHL >= 5 and within len) and the total
 * length the header claims at least the header and at most len. Returns 0,
 * or -1 for anything else.
 */
int pkt_parse(const uint8_t *p, size_t len, struct pkt_info *out);

#endif

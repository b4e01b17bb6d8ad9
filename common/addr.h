/* Guard: IP addresses and prefixes, family-tagged, in network byte order. */
#ifndef GUARD_ADDR_H
#define GUARD_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* AF_INET or AF_INET6 in family; an IPv4 address uses addr[0..3]. */
struct prefix {
	uint8_t family;
	uint8_t plen;
	uint8_t pad[2];
	uint8_t addr[16];
};

/* Longest text form of a prefix: an IPv6 address, "/", three digits. */
enum { PREFIX_STRLEN = 46 + 4 };

/*
 * Parse "ADDR/LEN" (or a bare "ADDR", which means a host prefix when
 * host_ok is set). Bits beyond plen must be zero unless allow_host_bits
 * is set. Returns 0, or -1 with a reason in err.
 */
int prefix_parse(const char *s, struct prefix *p, int allow_host_bits,
    char *err, size_t errlen);

/* Parse a bare address of either family; plen is set to 32 or 128. */
int addr_parse(const char *s, struct prefix *p);

/* "100.64.0.0/24" or "fd00::1/64" into buf; returns buf. */
const char *prefix_fmt(const struct prefix *p, char *buf, size_t len);

/* The address alone, without the length. */
const char *addr_fmt(int family, const uint8_t *addr, char *buf, size_t len);

/* 1 when addr (of family) lies inside p, else 0. */
int prefix_contains(const struct prefix *p, int family, const uint8_t *addr);

/* 1 when the two prefixes share at least one address. */
int prefix_overlaps(const struct prefix *a, const struct prefix *b);

/* Byte length of an address of this family (4, 16, or 0 if unknown). */
size_t addr_len(int family);

#endif

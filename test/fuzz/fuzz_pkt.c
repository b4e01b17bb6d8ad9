/*
 * libFuzzer harness for IP header parsing. A packet that parses must lie
 * entirely inside the input, addresses included; every byte it claims is
 * read so that AddressSanitizer sees any overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
}

static int inside(const uint8_t *p, size_t n, const uint8_t *data,
    size_t size)
{
	return p >= data && (size_t)(p - data) <= size &&
	    n <= size - (size_t)(p - data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info info;
	size_t alen;

	if (pkt_parse(data, size, &info) == -1)
		return 0;
	if (info.family == AF_INET)
		alen = 4;
	else if (info.family == AF_INET6)
		alen = 16;
	else
		abort();
	if (info.len > size || info.len < (alen == 4 ? 20u : 40u))
		abort();
	if ((data[0] >> 4) != (alen == 4 ? 4 : 6))
		abort();
	if (!inside(info.src, alen, data, info.len) ||
	    !inside(info.dst, alen, data, info.len))
		abort();
	touch(data, info.len);
	touch(info.src, alen);
	touch(info.dst, alen);
	return 0;
}

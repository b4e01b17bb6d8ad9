/*
 * libFuzzer harness for prefix and address parsing. Besides "no crash",
 * it checks a property: whatever prefix_parse() accepts, prefix_fmt()
 * prints in a form that parses back to the same prefix.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct prefix *p)
{
	char text[PREFIX_STRLEN], err[256];
	struct prefix again;

	prefix_fmt(p, text, sizeof(text));
	if (prefix_parse(text, &again, 1, err, sizeof(err)) != 0)
		abort();
	if (memcmp(p, &again, sizeof(again)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	struct prefix p, q;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (int host_bits = 0; host_bits <= 1; host_bits++) {
		if (prefix_parse(s, &p, host_bits, err, sizeof(err)) == 0) {
			check_round_trip(&p);
			if (!prefix_contains(&p, p.family, p.addr))
				abort();
			if (!prefix_overlaps(&p, &p))
				abort();
		}
	}
	if (addr_parse(s, &q) == 0 && addr_len(q.family) * 8 != q.plen)
		abort();
	free(s);
	return 0;
}

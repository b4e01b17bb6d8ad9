/*
 * libFuzzer harness for reading queue messages. Every packet a batch yields
 * is read in full (so AddressSanitizer sees any overrun), and a batch that
 * iterates to its end cleanly must be exactly what the writer produces
 * from the same packets. A GSO message yields its one frame, which lies
 * inside the message and is rebuilt byte for byte by the writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
}

static void gso_check(struct qmsg_iter *it, const uint8_t *data, size_t size)
{
	const uint8_t *frame;
	size_t len;
	uint8_t *copy;

	if (qmsg_frame(it, &frame, &len) != 1 || len == 0 ||
	    frame < data || frame + len != data + size)
		abort();
	touch(frame, len);
	if (qmsg_frame(it, &frame, &len) != 0 ||
	    qmsg_next(it, &frame, &len) != -1)
		abort();
	if ((copy = malloc(size)) == NULL)
		abort();
	memcpy(copy + QMSG_HDR_LEN, data + QMSG_HDR_LEN, len);
	if (qmsg_gso_finish(copy, len) != size || memcmp(copy, data, size) != 0)
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmsg_iter it;
	struct qmsg_batch b;
	const uint8_t *pkt;
	size_t len;
	uint8_t *copy;
	int r;

	switch (qmsg_open(data, size, &it)) {
	case QMSG_BATCH:
		break;
	case QMSG_GSO:
		gso_check(&it, data, size);
		return 0;
	default:
		return 0;
	}

	copy = malloc(size);
	if (copy == NULL)
		abort();
	qmsg_batch_init(&b, copy, size);
	while ((r = qmsg_next(&it, &pkt, &len)) == 1) {
		if (len == 0 || pkt < data || pkt + len > data + size)
			abort();
		touch(pkt, len);
		if (!qmsg_batch_fits(&b, len))
			abort();
		qmsg_batch_add(&b, pkt, len);
	}
	/* After the end or an error, the iterator must stay where it is. */
	if (qmsg_next(&it, &pkt, &len) != r)
		abort();
	if (r == 0 && (qmsg_batch_finish(&b) != size ||
	    memcmp(copy, data, size) != 0))
		abort();
	free(copy);
	return 0;
}

/*
 * Guard queue messages. GUARD batches the packets it reads from TUN for one
 * peer into one POSIX queue message, because the cost of a queue message
 * hardly depends on its size. Writer and reader share a host, so lengths
 * are in host byte order; memcpy keeps every access free of alignment
 * assumptions about the caller's buffer.
 *
 * The reader trusts nothing: a message that is not exactly what the writer
 * would produce is refused as a whole, and an iterator that saw a bad
 * message keeps refusing.
 */
#include <string.h>

#include "qmsg.h"

void qmsg_batch_init(struct qmsg_batch *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->used = QMSG_HDR_LEN;
	b->count = 0;
}

int qmsg_batch_fits(const struct qmsg_batch *b, size_t len)
{
	/* Zero-length packets cannot be told from a bad batch: never add. */
	if (len == 0 || len > UINT16_MAX || b->count == UINT16_MAX)
		return 0;
	if (b->used > b->cap)
		return 0;
	return b->cap - b->used >= QMSG_PKT_LEN + len;
}

void qmsg_batch_add(struct qmsg_batch *b, const uint8_t *pkt, size_t len)
{
	uint16_t l = (uint16_t)len;

	/*
	 * The caller should have asked qmsg_batch_fits; if it did not, drop
	 * the packet rather than write past the buffer.
	 */
	if (!qmsg_batch_fits(b, len))
		return;
	memcpy(b->buf + b->used, &l, QMSG_PKT_LEN);
	memcpy(b->buf + b->used + QMSG_PKT_LEN, pkt, len);
	b->used += QMSG_PKT_LEN + len;
	b->count++;
}

size_t qmsg_batch_finish(struct qmsg_batch *b)
{
	struct qmsg_hdr h = {
		.kind = QMSG_BATCH,
		.count = b->count,
		.len = (uint32_t)(b->used - QMSG_HDR_LEN),
	};

	/* A buffer too small for the header holds no message at all. */
	if (b->cap < QMSG_HDR_LEN)
		return 0;
	memcpy(b->buf, &h, QMSG_HDR_LEN);
	return b->used;
}

size_t qmsg_gso_finish(uint8_t *msg, size_t len)
{
	struct qmsg_hdr h = {
		.kind = QMSG_GSO,
		.count = 1,
		.len = (uint32_t)len,
	};

	memcpy(msg, &h, QMSG_HDR_LEN);
	return QMSG_HDR_LEN + len;
}

/* An iterator that only ever answers -1. */
static void iter_poison(struct qmsg_iter *it)
{
	it->p = NULL;
	it->left = 0;
	it->remaining = 0;
	it->kind = 0;
}

int qmsg_open(const uint8_t *msg, size_t len, struct qmsg_iter *it)
{
	struct qmsg_hdr h;

	iter_poison(it);
	if (len < QMSG_HDR_LEN)
		return -1;
	memcpy(&h, msg, QMSG_HDR_LEN);
	if (h.len != len - QMSG_HDR_LEN)
		return -1;
	/* A GSO message is one frame, never empty. */
	if (h.kind == QMSG_GSO && (h.count != 1 || h.len == 0))
		return -1;
	if (h.kind != QMSG_BATCH && h.kind != QMSG_GSO)
		return -1;

	it->p = msg + QMSG_HDR_LEN;
	it->left = h.len;
	it->remaining = h.count;
	it->kind = h.kind;
	return h.kind;
}

int qmsg_next(struct qmsg_iter *it, const uint8_t **pkt, size_t *len)
{
	uint16_t l;

	if (it->p == NULL || it->kind != QMSG_BATCH)
		return -1;
	if (it->remaining == 0) {
		if (it->left == 0)
			return 0;
		goto bad;		/* bytes after the last packet */
	}
	if (it->left < QMSG_PKT_LEN)
		goto bad;		/* fewer packets than count */
	memcpy(&l, it->p, QMSG_PKT_LEN);
	if (l == 0 || l > it->left - QMSG_PKT_LEN)
		goto bad;

	*pkt = it->p + QMSG_PKT_LEN;
	*len = l;
	it->p += QMSG_PKT_LEN + l;
	it->left -= QMSG_PKT_LEN + l;
	it->remaining--;
	return 1;
bad:
	iter_poison(it);
	return -1;
}

int qmsg_frame(struct qmsg_iter *it, const uint8_t **frame, size_t *len)
{
	if (it->p == NULL || it->kind != QMSG_GSO)
		return -1;
	if (it->remaining == 0)
		return 0;
	*frame = it->p;
	*len = it->left;
	it->remaining = 0;
	return 1;
}

/*
 * Guard queue messages: what GUARD puts into a peer's POSIX message queue
 * and its udpdata takes out. Both ends run on one host, so fields are in
 * host byte order; the reader still checks every length, because a bad
 * message must never make it read outside the buffer.
 *
 *   QMSG_BATCH: qmsg_hdr | count x { u16 len | packet[len] }
 *   QMSG_GSO:   qmsg_hdr (count 1) | one frame as read from a TUN device
 *               with IFF_VNET_HDR: virtio_net_hdr | a segment of up to
 *               64 KB for udpdata to cut into packets (gso.h)
 */
#ifndef GUARD_QMSG_H
#define GUARD_QMSG_H

#include <stddef.h>
#include <stdint.h>

enum qmsg_kind {
	QMSG_BATCH = 1,
	QMSG_GSO = 2,
};

struct qmsg_hdr {
	uint16_t kind;
	uint16_t count;		/* packets in a batch */
	uint32_t len;		/* bytes after this header */
};

enum {
	QMSG_HDR_LEN = sizeof(struct qmsg_hdr),
	QMSG_PKT_LEN = 2,	/* per-packet length prefix */
};

/* A batch being filled in a caller's buffer of cap bytes. */
struct qmsg_batch {
	uint8_t *buf;
	size_t cap;
	size_t used;		/* header included */
	uint16_t count;
};

void qmsg_batch_init(struct qmsg_batch *b, uint8_t *buf, size_t cap);

/* Room for a packet of len bytes? 1 or 0. */
int qmsg_batch_fits(const struct qmsg_batch *b, size_t len);

/* Append; the caller checked qmsg_batch_fits. */
void qmsg_batch_add(struct qmsg_batch *b, const uint8_t *pkt, size_t len);

/* Fill in the header; returns the message length to send. */
size_t qmsg_batch_finish(struct qmsg_batch *b);

/*
 * A GSO message whose frame of len bytes the caller already put at
 * msg + QMSG_HDR_LEN (read there straight from TUN, so it is never
 * copied): fill in the header in front. Returns the message length.
 */
size_t qmsg_gso_finish(uint8_t *msg, size_t len);

/* Reading a received message. */
struct qmsg_iter {
	const uint8_t *p;
	size_t left;
	uint16_t remaining;
	uint16_t kind;
};

/*
 * Check the header of a received message of len bytes and set up it.
 * Returns the kind, or -1 when the header is short, its len does not match,
 * or the kind is unknown.
 */
int qmsg_open(const uint8_t *msg, size_t len, struct qmsg_iter *it);

/*
 * Next packet of a batch: 1 with pkt/len set, 0 at the end, -1 when the
 * batch is malformed (a length running past the end, a zero length, or
 * bytes left over after count packets).
 */
int qmsg_next(struct qmsg_iter *it, const uint8_t **pkt, size_t *len);

/*
 * The frame of a GSO message: 1 with frame/len set the first time, 0
 * after that, -1 when the message is not a GSO message. The frame itself
 * is for gso.h to check.
 */
int qmsg_frame(struct qmsg_iter *it, const uint8_t **frame, size_t *len);

#endif

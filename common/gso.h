/*
 * Guard segmentation offload in user space, for a TUN device opened with
 * IFF_VNET_HDR. Every read from such a device returns a virtio-net header
 * and then one packet, which may be a TCP (or UDP) segment of up to 64 KB
 * that the kernel left for us to cut into packets of the tunnel's MTU;
 * every write takes a header and a packet, which may be many received TCP
 * segments of one flow joined into one for the kernel to take as one.
 *
 *   TUN read  -> frame -> gso_split()  -> MTU-sized packets -> the peer
 *   the peer  -> packets -> gro_add()   -> frames -> TUN write
 *
 * A frame is a struct virtio_net_hdr (10 bytes, host byte order: Guard
 * never sets TUNSETVNETLE/BE) directly followed by an IP packet.
 */
#ifndef GUARD_GSO_H
#define GUARD_GSO_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

/* UDP segmentation offload; kernel headers before Linux 6.2 lack it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

enum {
	GSO_HDR_LEN = sizeof(struct virtio_net_hdr),	/* 10 */
	GSO_PKT_MAX = 65535,		/* a packet gro_add() builds */
	GSO_FRAME_MAX = GSO_HDR_LEN + 40 + 65535, /* the most a read returns */
	GSO_MTU_MIN = 68,		/* the least MTU gso_split() takes */
	GRO_RUNS = 8,			/* flows coalesced at the same time */
};

/* ---- Splitting: one frame read from TUN into packets ------------------ */

/* Room for one packet gso_split() writes. */
struct gso_pkt {
	uint8_t *buf;
	size_t cap;		/* bytes at buf */
	size_t len;		/* set by gso_split(): the packet's length */
};

/*
 * How many packets the frame of len bytes becomes with this MTU: 1 for a
 * packet that is not a segment, or -1 when the frame is malformed. The
 * checks are gso_split()'s; see there.
 */
int gso_segs(const uint8_t *frame, size_t len, size_t mtu);

/*
 * Cut the frame of len bytes (as read from TUN) into packets of at most
 * mtu bytes, the way the kernel's software segmentation would: each
 * packet gets the IP header (IPv4: total length, an ID one more than the
 * packet before, a new header checksum; IPv6: payload length), the TCP
 * header with the sequence number of its place in the segment, CWR only
 * on the first and FIN and PSH only on the last (or the UDP header with
 * its own length), and a full TCP or UDP checksum. A frame that is not a segment but needs its checksum
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) gets it completed; any other is copied as
 * it is, up to the length its IP header gives.
 *
 * Packet i goes to out[i].buf, its length to out[i].len. Returns the
 * number of packets, or -1 with nothing written when the frame is
 * malformed (see gso.c for what that is), the MTU is outside GSO_MTU_MIN
 * to GSO_PKT_MAX or too small for the segment size, or out has fewer than
 * gso_segs() entries or one with too little room.
 */
int gso_split(const uint8_t *frame, size_t len, size_t mtu,
    struct gso_pkt *out, size_t nout);

/*
 * A frame that is no segment, made a plain packet where it lies: the
 * checksum completed when the kernel left it to us (NEEDS_CSUM), as
 * gso_split() would. The packet starts at frame + GSO_HDR_LEN; returns
 * its length, or -1 when the frame is a segment or malformed. This is how
 * GUARD batches small packets without a second copy.
 */
int gso_plain(uint8_t *frame, size_t len);

/* ---- Coalescing: received packets into frames for TUN ----------------- */

/*
 * A frame is ready to be written to TUN as it is (one write). The frame
 * is only valid during the call.
 */
typedef void gro_emit_fn(void *arg, const uint8_t *frame, size_t len);

/* One flow's segments being joined; private to gso.c. */
struct gro_run {
	uint64_t age;		/* when the run started; 0: slot free */
	size_t len;		/* packet bytes in frame so far */
	size_t iphlen;
	size_t thlen;
	size_t mss;		/* payload of the first segment */
	uint32_t next_seq;	/* sequence number the next segment needs */
	uint16_t segs;		/* segments joined so far */
	uint16_t ipid;		/* IPv4: the first segment's ID */
	int fixed_id;		/* IPv4: every segment has that same ID */
	int verified;		/* the first segment's checksums were checked */
	uint8_t frame[GSO_HDR_LEN + GSO_PKT_MAX];
};

/*
 * A coalescer. It holds GRO_RUNS packets of up to 64 KB (about 512 KB in
 * all), so the caller allocates it once, before any packet arrives.
 */
struct gro {
	gro_emit_fn *emit;
	void *arg;
	uint64_t clock;		/* ages of runs */
	struct gro_run run[GRO_RUNS];
};

/* Empty, emitting through emit(arg, ...); -1 when g or emit is NULL. */
int gro_init(struct gro *g, gro_emit_fn *emit, void *arg);

/*
 * One received packet of len bytes, in arrival order. A TCP segment that
 * continues a flow's run is joined to it; one that may start a run is
 * copied into a free one (the oldest run is emitted to make room). Every
 * other packet is emitted unchanged behind a zero header (GSO NONE),
 * after the run of its own TCP flow if there is one, so that a flow's
 * order is kept. That zero header is written into the GSO_HDR_LEN bytes
 * before pkt: they must be the caller's to overwrite. pkt itself is not
 * changed and not used after the call.
 *
 * Returns 0, or -1 (nothing emitted) when g or pkt is NULL or len is 0
 * or larger than any IP packet.
 */
int gro_add(struct gro *g, uint8_t *pkt, size_t len);

/* Emit every open run, oldest first: at the end of each receive batch. */
void gro_flush(struct gro *g);

#endif

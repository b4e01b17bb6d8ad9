/*
 * Unit tests for segmentation offload (common/gso.c): cutting frames read
 * from TUN into packets, and joining received packets into frames. The
 * packets are built by hand here, and every checksum is checked against
 * a reference implementation of its own (RFC 1071, a byte pair at a time).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gso.h"

enum {
	V4 = 0,
	V6 = 1,
	IP4_HDR = 20,
	IP6_HDR = 40,
	TCP_HDR = 20,
	UDP_HDR = 8,
	OPT_TS = 12,		/* NOP NOP timestamps */
	OPT_MSS_TS = 16,	/* MSS, NOP NOP timestamps */
	MTU = 1420,
	MAXSEG = 2048,		/* packets one split may give here */
	SINK_FRAMES = 2048,
	SINK_BYTES = 4 << 20,

	FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10,
	URG = 0x20, ECE = 0x40, CWR = 0x80,
};

/* ---- Reference checksums and field access ------------------------------ */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

static uint32_t
ref_add(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static int
is_v6(const uint8_t *ip)
{
	return ip[0] >> 4 == 6;
}

static size_t
iph_len(const uint8_t *ip)
{
	return is_v6(ip) ? IP6_HDR : (size_t)(ip[0] & 0x0f) * 4;
}

static uint8_t
l4_proto(const uint8_t *ip)
{
	return is_v6(ip) ? ip[6] : ip[9];
}

static uint32_t
ref_pseudo(const uint8_t *ip, size_t l4len)
{
	uint32_t acc;

	if (is_v6(ip))
		acc = ref_add(0, ip + 8, 32);
	else
		acc = ref_add(0, ip + 12, 8);
	return acc + l4_proto(ip) + (uint32_t)l4len;
}

static size_t
csum_field(const uint8_t *ip)
{
	return iph_len(ip) + (l4_proto(ip) == IPPROTO_UDP ? 6 : 16);
}

/* The TCP or UDP checksum the packet should carry, its field taken as 0. */
static uint16_t
ref_l4_csum(const uint8_t *ip, size_t len)
{
	size_t hl = iph_len(ip), at = csum_field(ip);
	uint32_t acc = ref_pseudo(ip, len - hl);

	acc = ref_add(acc, ip + hl, at - hl);
	acc = ref_add(acc, ip + at + 2, len - at - 2);
	return (uint16_t)~ref_fold(acc);
}

static int
ref_ip4_ok(const uint8_t *ip)
{
	return ref_fold(ref_add(0, ip, iph_len(ip))) == 0xffff;
}

static void
ref_ip4_set(uint8_t *ip)
{
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, iph_len(ip))));
}

/* ---- Building packets -------------------------------------------------- */

struct spec {
	int v6;
	size_t ipopt;		/* IPv4 option bytes, a multiple of 4 */
	size_t tcpopt;		/* 0, OPT_TS or OPT_MSS_TS */
	size_t payload;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t id;
	uint16_t frag;		/* IPv4 flags and fragment offset */
	uint8_t tos;		/* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl;
	uint32_t tsval;
	uint16_t sport;
	uint16_t win;
	uint8_t proto;
	size_t off;		/* where the payload starts in the stream */
};

static struct spec
tcp_spec(int v6, size_t tcpopt, size_t payload)
{
	struct spec s = {
		.v6 = v6, .tcpopt = tcpopt, .payload = payload,
		.flags = ACK, .seq = 1000000, .ack = 777, .id = 4242,
		.frag = 0x4000, .ttl = 64, .tsval = 123456, .sport = 40000,
		.win = 502, .proto = IPPROTO_TCP,
	};
	return s;
}

/* Byte k of the stream that the payload is a piece of. */
static uint8_t
stream_byte(size_t k)
{
	return (uint8_t)(k * 7 + (k >> 8) + 3);
}

static size_t
l4_hdr_len(const struct spec *s)
{
	return s->proto == IPPROTO_UDP ? UDP_HDR : TCP_HDR + s->tcpopt;
}

/*
 * A packet as a sending host would put it on the wire: valid IPv4 header
 * checksum and full TCP or UDP checksum. Returns its length.
 */
static size_t
build(const struct spec *s, uint8_t *p)
{
	size_t hl = s->v6 ? IP6_HDR : IP4_HDR + s->ipopt;
	size_t l4 = l4_hdr_len(s), len = hl + l4 + s->payload, i;
	uint8_t *t = p + hl;

	memset(p, 0, hl + l4);
	if (s->v6) {
		p[0] = (uint8_t)(0x60 | s->tos >> 4);
		p[1] = (uint8_t)(s->tos << 4 | 0x1);	/* flow label 0x12345 */
		wr16(p + 2, 0x2345);
		wr16(p + 4, (uint32_t)(len - IP6_HDR));
		p[6] = s->proto;
		p[7] = s->ttl;
		ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", p + 8), 1);
		ck_assert_int_eq(inet_pton(AF_INET6, "fd00::2", p + 24), 1);
	} else {
		p[0] = (uint8_t)(0x40 | hl / 4);
		p[1] = s->tos;
		wr16(p + 2, (uint32_t)len);
		wr16(p + 4, s->id);
		wr16(p + 6, s->frag);
		p[8] = s->ttl;
		p[9] = s->proto;
		ck_assert_int_eq(inet_pton(AF_INET, "198.18.0.1", p + 12), 1);
		ck_assert_int_eq(inet_pton(AF_INET, "100.64.0.2", p + 16), 1);
		for (i = IP4_HDR; i < hl; i++)
			p[i] = 1;			/* NOP options */
	}
	wr16(t, s->sport);
	wr16(t + 2, 443);
	if (s->proto == IPPROTO_UDP) {
		wr16(t + 4, (uint32_t)(l4 + s->payload));
	} else {
		wr32(t + 4, s->seq);
		wr32(t + 8, s->ack);
		t[12] = (uint8_t)(l4 / 4 << 4);
		t[13] = s->flags;
		wr16(t + 14, s->win);
		if (s->tcpopt == OPT_MSS_TS) {
			t[20] = 2, t[21] = 4;		/* MSS 1380 */
			wr16(t + 22, 1380);
		}
		if (s->tcpopt != 0) {
			uint8_t *ts = t + 20 + s->tcpopt - OPT_TS;

			ts[0] = ts[1] = 1;		/* NOP NOP */
			ts[2] = 8, ts[3] = 10;		/* timestamps */
			wr32(ts + 4, s->tsval);
			wr32(ts + 8, 99);
		}
	}
	for (i = 0; i < s->payload; i++)
		p[hl + l4 + i] = stream_byte(s->off + i);
	if (!s->v6)
		ref_ip4_set(p);
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP)
		wr16(p + csum_field(p), ref_l4_csum(p, len));
	return len;
}

static void
put_vnet(uint8_t *frame, uint8_t flags, uint8_t type, size_t hdr_len,
    size_t gso_size, size_t start, size_t off)
{
	struct virtio_net_hdr vh = {
		.flags = flags, .gso_type = type,
		.hdr_len = (uint16_t)hdr_len, .gso_size = (uint16_t)gso_size,
		.csum_start = (uint16_t)start, .csum_offset = (uint16_t)off,
	};

	memcpy(frame, &vh, sizeof(vh));
}

static struct virtio_net_hdr
get_vnet(const uint8_t *frame)
{
	struct virtio_net_hdr vh;

	memcpy(&vh, frame, sizeof(vh));
	return vh;
}

/*
 * A frame as the kernel hands one over: the whole segment, the checksum
 * field holding the pseudo-header sum (over the whole length), and a
 * header for a segment of gso_size bytes per packet. Returns its length.
 */
static size_t
kernel_frame(const struct spec *s, uint8_t type, size_t gso_size,
    uint8_t *frame)
{
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t len = build(s, p), hl = iph_len(p);

	wr16(p + csum_field(p), ref_fold(ref_pseudo(p, len - hl)));
	put_vnet(frame, VIRTIO_NET_HDR_F_NEEDS_CSUM, type, hl + l4_hdr_len(s),
	    gso_size, hl, csum_field(p) - hl);
	return GSO_HDR_LEN + len;
}

static uint8_t
gso_type_of(const struct spec *s)
{
	if (s->proto == IPPROTO_UDP)
		return VIRTIO_NET_HDR_GSO_UDP_L4;
	return s->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
}

/* ---- State shared by the cases (reset before each) --------------------- */

static uint8_t frame[GSO_FRAME_MAX + 64];
static size_t flen;
static uint8_t segbuf[MAXSEG][MTU + 64];
static struct gso_pkt out[MAXSEG];

/* Frames the coalescer emitted, one after the other. */
static struct {
	size_t n;
	size_t used;
	size_t off[SINK_FRAMES];
	size_t len[SINK_FRAMES];
	uint8_t data[SINK_BYTES];
} sink;
static struct gro gro;

static void
sink_emit(void *arg, const uint8_t *f, size_t len)
{
	ck_assert_ptr_eq(arg, &sink);
	ck_assert_uint_lt(sink.n, SINK_FRAMES);
	ck_assert_uint_le(len, SINK_BYTES - sink.used);
	sink.off[sink.n] = sink.used;
	sink.len[sink.n] = len;
	memcpy(sink.data + sink.used, f, len);
	sink.used += len;
	sink.n++;
}

static const uint8_t *
sunk(size_t i)
{
	ck_assert_uint_lt(i, sink.n);
	return sink.data + sink.off[i];
}

static void
setup(void)
{
	flen = 0;
	memset(frame, 0, sizeof(frame));
	for (size_t i = 0; i < MAXSEG; i++) {
		out[i].buf = segbuf[i];
		out[i].cap = MTU;
		out[i].len = 0;
	}
	sink.n = 0;
	sink.used = 0;
	ck_assert_int_eq(gro_init(&gro, sink_emit, &sink), 0);
}

static int
split(size_t mtu)
{
	int n = gso_split(frame, flen, mtu, out, MAXSEG);

	ck_assert_int_eq(gso_segs(frame, flen, mtu), n);
	return n;
}

static void
refused(size_t mtu)
{
	ck_assert_int_eq(gso_segs(frame, flen, mtu), -1);
	ck_assert_int_eq(gso_split(frame, flen, mtu, out, MAXSEG), -1);
}

/* ---- Checking split packets ------------------------------------------- */

/*
 * Packet i of n cut from the segment orig (IP packet) with mss bytes per
 * packet: every field, every byte, every checksum.
 */
static void
check_segment(const uint8_t *orig, size_t olen, const uint8_t *p, size_t len,
    int i, int n, size_t mss)
{
	size_t hl = iph_len(orig), l4, plen, off;
	int udp = l4_proto(orig) == IPPROTO_UDP;
	const uint8_t *ot = orig + hl, *t = p + hl;
	uint8_t flags;

	l4 = udp ? UDP_HDR : (size_t)(ot[12] >> 4) * 4;
	off = (size_t)i * mss;
	plen = i + 1 < n ? mss : olen - hl - l4 - off;
	ck_assert_uint_eq(len, hl + l4 + plen);

	if (is_v6(orig)) {
		ck_assert_mem_eq(p, orig, 4);		/* TC, flow label */
		ck_assert_uint_eq(be16(p + 4), len - IP6_HDR);
		ck_assert_mem_eq(p + 6, orig + 6, 34);	/* nh, hops, addrs */
	} else {
		ck_assert_mem_eq(p, orig, 2);
		ck_assert_uint_eq(be16(p + 2), len);
		ck_assert_uint_eq(be16(p + 4), (uint16_t)(be16(orig + 4) + i));
		ck_assert_mem_eq(p + 6, orig + 6, 4);	/* frag, ttl, proto */
		ck_assert_mem_eq(p + 12, orig + 12, hl - 12); /* addrs, opts */
		ck_assert_msg(ref_ip4_ok(p), "packet %d: IPv4 checksum", i);
	}

	ck_assert_mem_eq(t, ot, 4);			/* ports */
	if (udp) {
		ck_assert_uint_eq(be16(t + 4), l4 + plen);
	} else {
		ck_assert_uint_eq(be32(t + 4), be32(ot + 4) + (uint32_t)off);
		ck_assert_mem_eq(t + 8, ot + 8, 5);	/* ack, data offset */
		flags = ot[13];
		if (i > 0)
			flags &= (uint8_t)~CWR;
		if (i + 1 < n)
			flags &= (uint8_t)~(FIN | PSH);
		ck_assert_uint_eq(t[13], flags);
		ck_assert_mem_eq(t + 14, ot + 14, 2);	/* window */
		ck_assert_mem_eq(t + 18, ot + 18, l4 - 18); /* urg, options */
	}
	ck_assert_mem_eq(p + hl + l4, orig + hl + l4 + off, plen);
	ck_assert_msg(be16(p + csum_field(p)) == ref_l4_csum(p, len) ||
	    (udp && ref_l4_csum(p, len) == 0 && be16(p + csum_field(p)) ==
	    0xffff), "packet %d: checksum %04x, want %04x", i,
	    be16(p + csum_field(p)), ref_l4_csum(p, len));
}

/* Split the frame and check every packet against it. */
static int
split_and_check(size_t mtu, int want, size_t mss)
{
	const uint8_t *orig = frame + GSO_HDR_LEN;
	int n = split(mtu);

	ck_assert_int_eq(n, want);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_le(out[i].len, mtu);
		check_segment(orig, flen - GSO_HDR_LEN, out[i].buf, out[i].len,
		    i, n, mss);
	}
	return n;
}

/* ---- Splitting TCP ---------------------------------------------------- */

START_TEST(split_v4_short_last)
{
	struct spec s = tcp_spec(V4, OPT_TS, 3 * 1368 + 100);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1368, frame);
	split_and_check(MTU, 4, 1368);
	ck_assert_uint_eq(out[3].len, 20 + 32 + 100);
}
END_TEST

START_TEST(split_v6_short_last)
{
	struct spec s = tcp_spec(V6, OPT_TS, 5 * 1348 + 1);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1348, frame);
	split_and_check(MTU, 6, 1348);
	ck_assert_uint_eq(out[5].len, 40 + 32 + 1);
}
END_TEST

START_TEST(split_exact_multiple)
{
	struct spec s = tcp_spec(_i, OPT_MSS_TS, 4 * 1000);

	flen = kernel_frame(&s, gso_type_of(&s), 1000, frame);
	split_and_check(MTU, 4, 1000);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(out[i].len, (_i ? 40u : 20u) + 36 + 1000);
}
END_TEST

/* The largest segments either version can have, at the smallest MSS. */
START_TEST(split_64k)
{
	size_t hl = _i ? 40 : 20, pay = 65535 - (_i ? 0 : hl) - 32;
	struct spec s = tcp_spec(_i, OPT_TS, pay);

	flen = kernel_frame(&s, gso_type_of(&s), 536, frame);
	split_and_check(MTU, (int)((pay + 535) / 536), 536);
}
END_TEST

START_TEST(split_flags_first_and_last)
{
	struct spec s = tcp_spec(_i, OPT_TS, 3 * 1000 + 10);

	s.flags = ACK | CWR | ECE | PSH | FIN;
	flen = kernel_frame(&s, gso_type_of(&s) | VIRTIO_NET_HDR_GSO_ECN,
	    1000, frame);
	split_and_check(MTU, 4, 1000);
	ck_assert_uint_eq(out[0].buf[(_i ? 40 : 20) + 13], ACK | ECE | CWR);
	ck_assert_uint_eq(out[1].buf[(_i ? 40 : 20) + 13], ACK | ECE);
	ck_assert_uint_eq(out[2].buf[(_i ? 40 : 20) + 13], ACK | ECE);
	ck_assert_uint_eq(out[3].buf[(_i ? 40 : 20) + 13],
	    ACK | ECE | PSH | FIN);
}
END_TEST

START_TEST(split_ipv4_id_increments_and_wraps)
{
	struct spec s = tcp_spec(V4, 0, 3 * 1000);

	s.id = 0xfffe;
	s.frag = 0;				/* no DF */
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	split_and_check(MTU, 3, 1000);
	ck_assert_uint_eq(be16(out[0].buf + 4), 0xfffe);
	ck_assert_uint_eq(be16(out[1].buf + 4), 0xffff);
	ck_assert_uint_eq(be16(out[2].buf + 4), 0x0000);
}
END_TEST

START_TEST(split_seq_wraps)
{
	struct spec s = tcp_spec(V6, 0, 3 * 1000);

	s.seq = 0xffffffff - 1500;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1000, frame);
	split_and_check(MTU, 3, 1000);
	ck_assert_uint_eq(be32(out[2].buf + 40 + 4), 499);
}
END_TEST

START_TEST(split_ipv4_options)
{
	struct spec s = tcp_spec(V4, OPT_TS, 2 * 1000 + 3);

	s.ipopt = 8;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	split_and_check(MTU, 3, 1000);
	ck_assert_uint_eq(out[0].buf[0], 0x47);
}
END_TEST

/* A segment no longer than gso_size is one packet, flags and ID kept. */
START_TEST(split_one_packet_segment)
{
	struct spec s = tcp_spec(_i, OPT_TS, 700);

	s.flags = ACK | CWR | PSH | FIN;
	flen = kernel_frame(&s, gso_type_of(&s), 700, frame);
	split_and_check(MTU, 1, 700);
	ck_assert_uint_eq(out[0].buf[(_i ? 40 : 20) + 13],
	    ACK | CWR | PSH | FIN);
}
END_TEST

/* A segment of headers alone, too: one packet, its checksum completed. */
START_TEST(split_no_payload)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	split_and_check(MTU, 1, 1000);
}
END_TEST

/* The tunnel's MTU exactly, and one byte less. */
START_TEST(split_mtu_boundary)
{
	struct spec s = tcp_spec(V4, OPT_TS, 5000);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, MTU - 52, frame);
	split_and_check(MTU, 4, MTU - 52);
	ck_assert_uint_eq(out[0].len, MTU);
	refused(MTU - 1);
}
END_TEST

/* hdr_len only says how much the kernel had linear: any up to the data. */
START_TEST(split_hdr_len_is_a_hint)
{
	const size_t hints[] = { 0, 20, 52, 1052, 3052 };
	struct spec s = tcp_spec(V4, OPT_TS, 3000);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		struct virtio_net_hdr vh = get_vnet(frame);

		vh.hdr_len = (uint16_t)hints[i];
		memcpy(frame, &vh, sizeof(vh));
		split_and_check(MTU, 3, 1000);
	}
}
END_TEST

/* A TCP checksum that comes out as 0 stays 0, as the kernel leaves it. */
START_TEST(split_tcp_checksum_zero)
{
	struct spec s = tcp_spec(V4, 0, 100);
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t len;

	/* Make the payload's last word cancel the rest out. */
	len = build(&s, p);
	wr16(p + len - 2, 0);
	wr16(p + 36, 0);
	wr16(p + len - 2, (uint16_t)~ref_fold(ref_add(ref_pseudo(p, len - 20),
	    p + 20, len - 20)));
	ck_assert_uint_eq(ref_l4_csum(p, len), 0);
	wr16(p + 36, ref_fold(ref_pseudo(p, len - 20)));
	put_vnet(frame, VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    VIRTIO_NET_HDR_GSO_TCPV4, 40, 1000, 20, 16);
	flen = GSO_HDR_LEN + len;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(be16(out[0].buf + 36), 0);
}
END_TEST

/* ---- Splitting UDP (USO) ---------------------------------------------- */

START_TEST(split_udp)
{
	struct spec s = tcp_spec(_i, 0, 3 * 1200 + 17);

	s.proto = IPPROTO_UDP;
	s.frag = 0;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_UDP_L4, 1200, frame);
	split_and_check(MTU, 4, 1200);
	ck_assert_uint_eq(out[3].len, (_i ? 40u : 20u) + 8 + 17);
}
END_TEST

/* A UDP checksum that comes out as 0 is sent as 0xffff: 0 is "none". */
START_TEST(split_udp_checksum_zero)
{
	struct spec s = tcp_spec(V6, 0, 100);
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t len;

	s.proto = IPPROTO_UDP;
	len = build(&s, p);
	wr16(p + len - 2, 0);
	wr16(p + 46, 0);
	wr16(p + len - 2, (uint16_t)~ref_fold(ref_add(ref_pseudo(p, len - 40),
	    p + 40, len - 40)));
	ck_assert_uint_eq(ref_l4_csum(p, len), 0);
	wr16(p + 46, ref_fold(ref_pseudo(p, len - 40)));
	put_vnet(frame, VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    VIRTIO_NET_HDR_GSO_UDP_L4, 48, 1000, 40, 6);
	flen = GSO_HDR_LEN + len;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(be16(out[0].buf + 46), 0xffff);
}
END_TEST

/* ---- Frames that are not segments -------------------------------------- */

/* NEEDS_CSUM alone: the pseudo-header sum in the field, completed. */
START_TEST(csum_completed)
{
	struct spec s = tcp_spec(_i, OPT_TS, 900);
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t hl = _i ? 40 : 20;

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_NONE, 0, frame);
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(out[0].len, flen - GSO_HDR_LEN);
	ck_assert_uint_eq(be16(out[0].buf + hl + 16), ref_l4_csum(p,
	    flen - GSO_HDR_LEN));
	ck_assert_mem_eq(out[0].buf, p, hl + 16);
	ck_assert_mem_eq(out[0].buf + hl + 18, p + hl + 18,
	    flen - GSO_HDR_LEN - hl - 18);
}
END_TEST

/* A UDP datagram too, whose zero checksum becomes 0xffff (as the kernel's
 * skb_checksum_help() does it). */
START_TEST(csum_completed_udp_zero)
{
	struct spec s = tcp_spec(V4, 0, 64);
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t len;

	s.proto = IPPROTO_UDP;
	len = build(&s, p);
	wr16(p + len - 2, 0);
	wr16(p + 26, 0);
	wr16(p + len - 2, (uint16_t)~ref_fold(ref_add(ref_pseudo(p, len - 20),
	    p + 20, len - 20)));
	wr16(p + 26, ref_fold(ref_pseudo(p, len - 20)));
	put_vnet(frame, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
	    0, 0, 20, 6);
	flen = GSO_HDR_LEN + len;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(be16(out[0].buf + 26), 0xffff);
}
END_TEST

/* Without flags (or DATA_VALID): copied as it is, whatever protocol. */
START_TEST(plain_passthrough)
{
	struct spec s = tcp_spec(_i % 2, 0, 300);
	uint8_t *p = frame + GSO_HDR_LEN;
	size_t len;

	s.proto = _i / 2 ? IPPROTO_ICMP : IPPROTO_TCP;
	len = build(&s, p);
	put_vnet(frame, _i / 2 ? 0 : VIRTIO_NET_HDR_F_DATA_VALID,
	    VIRTIO_NET_HDR_GSO_NONE, 0, 0, 0, 0);
	flen = GSO_HDR_LEN + len;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(out[0].len, len);
	ck_assert_mem_eq(out[0].buf, p, len);
}
END_TEST

/* In place, gso_plain() makes the very packet gso_split() writes. */
START_TEST(plain_in_place_as_split)
{
	struct spec s = tcp_spec(_i % 2, OPT_TS, 700);
	static uint8_t copy[GSO_FRAME_MAX];

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_NONE, 0, frame);
	if (_i / 2) {
		/* Without NEEDS_CSUM: as it is, trailing bytes not counted. */
		put_vnet(frame, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0, 0, 0);
		flen += 5;
	}
	ck_assert_int_eq(split(MTU), 1);
	memcpy(copy, frame, flen);
	ck_assert_int_eq(gso_plain(copy, flen), (int)out[0].len);
	ck_assert_mem_eq(copy + GSO_HDR_LEN, out[0].buf, out[0].len);
}
END_TEST

/* A segment is for gso_split(): refused, and left as it was. */
START_TEST(plain_refuses_segment)
{
	struct spec s = tcp_spec(V4, OPT_TS, 3 * 1368 + 100);
	static uint8_t copy[GSO_FRAME_MAX];

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1368, frame);
	memcpy(copy, frame, flen);
	ck_assert_int_eq(gso_plain(frame, flen), -1);
	ck_assert_mem_eq(copy, frame, flen);
}
END_TEST

/* Bytes after the IP packet's own length are not part of it. */
START_TEST(plain_trailing_bytes_dropped)
{
	struct spec s = tcp_spec(V4, 0, 100);
	size_t len = build(&s, frame + GSO_HDR_LEN);

	flen = GSO_HDR_LEN + len + 7;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(out[0].len, len);
}
END_TEST

/* Not segments: the MTU does not apply (the kernel kept to it). */
START_TEST(plain_larger_than_mtu)
{
	struct spec s = tcp_spec(V4, 0, 1430);
	size_t len = build(&s, frame + GSO_HDR_LEN);

	out[0].cap = sizeof(segbuf[0]);
	flen = GSO_HDR_LEN + len;
	ck_assert_int_eq(split(MTU), 1);
	ck_assert_uint_eq(out[0].len, len);
}
END_TEST

/* ---- Malformed frames --------------------------------------------------- */

static void
good_v4(void)
{
	struct spec s = tcp_spec(V4, OPT_TS, 3000);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	ck_assert_int_eq(split(MTU), 3);
}

static void
good_v6(void)
{
	struct spec s = tcp_spec(V6, OPT_TS, 3000);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1000, frame);
	ck_assert_int_eq(split(MTU), 3);
}

static void
set_vnet(int field, unsigned v)
{
	struct virtio_net_hdr vh = get_vnet(frame);

	switch (field) {
	case 0: vh.flags = (uint8_t)v; break;
	case 1: vh.gso_type = (uint8_t)v; break;
	case 2: vh.hdr_len = (uint16_t)v; break;
	case 3: vh.gso_size = (uint16_t)v; break;
	case 4: vh.csum_start = (uint16_t)v; break;
	case 5: vh.csum_offset = (uint16_t)v; break;
	}
	memcpy(frame, &vh, sizeof(vh));
}

enum { F_FLAGS, F_TYPE, F_HDRLEN, F_GSOSIZE, F_START, F_OFFSET };

START_TEST(bad_truncated_every_length)
{
	good_v4();
	for (size_t len = 0; len < flen; len++) {
		ck_assert_msg(gso_segs(frame, len, MTU) == -1,
		    "frame cut to %zu bytes accepted", len);
		ck_assert_int_eq(gso_split(frame, len, MTU, out, MAXSEG), -1);
		ck_assert_int_eq(gso_plain(frame, len), -1);
	}
}
END_TEST

/* A checksum-only frame cut short: never completed past its end. */
START_TEST(bad_plain_truncated_every_length)
{
	struct spec s = tcp_spec(_i, OPT_TS, 300);
	static uint8_t copy[GSO_FRAME_MAX];

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_NONE, 0, frame);
	for (size_t len = 0; len < flen; len++) {
		memcpy(copy, frame, flen);
		ck_assert_msg(gso_plain(copy, len) == -1,
		    "frame cut to %zu bytes accepted", len);
		ck_assert_mem_eq(copy, frame, flen);
	}
}
END_TEST

START_TEST(bad_truncated_v6)
{
	good_v6();
	for (size_t len = 0; len < flen; len += 7)
		ck_assert_int_eq(gso_segs(frame, len, MTU), -1);
}
END_TEST

START_TEST(bad_hdr_len_beyond_data)
{
	good_v4();
	set_vnet(F_HDRLEN, (unsigned)(flen - GSO_HDR_LEN + 1));
	refused(MTU);
	set_vnet(F_HDRLEN, 0xffff);
	refused(MTU);
}
END_TEST

START_TEST(bad_gso_size_zero)
{
	good_v6();
	set_vnet(F_GSOSIZE, 0);
	refused(MTU);
}
END_TEST

START_TEST(bad_gso_size_over_mtu)
{
	good_v4();
	set_vnet(F_GSOSIZE, MTU - 52 + 1);
	refused(MTU);
	set_vnet(F_GSOSIZE, 0xffff);
	refused(MTU);
	/* The smallest MTU: 52 bytes of headers leave 16 for data. */
	set_vnet(F_GSOSIZE, 16);
	ck_assert_int_eq(split(GSO_MTU_MIN), 3000 / 16 + 1);
	set_vnet(F_GSOSIZE, 17);
	refused(GSO_MTU_MIN);
}
END_TEST

START_TEST(bad_mtu)
{
	good_v4();
	refused(0);
	refused(GSO_MTU_MIN - 1);
	refused(GSO_PKT_MAX + 1);
	refused((size_t)-1);
}
END_TEST

START_TEST(bad_ip_length_lies)
{
	good_v4();
	wr16(frame + GSO_HDR_LEN + 2, (uint32_t)(flen - GSO_HDR_LEN + 1));
	refused(MTU);			/* beyond the data */
	wr16(frame + GSO_HDR_LEN + 2, (uint32_t)(flen - GSO_HDR_LEN - 1));
	refused(MTU);			/* short of it */
	wr16(frame + GSO_HDR_LEN + 2, 19);
	refused(MTU);
}
END_TEST

START_TEST(bad_ipv6_length_lies)
{
	good_v6();
	wr16(frame + GSO_HDR_LEN + 4, (uint32_t)(flen - GSO_HDR_LEN - 40 + 1));
	refused(MTU);
	wr16(frame + GSO_HDR_LEN + 4, (uint32_t)(flen - GSO_HDR_LEN - 40 - 1));
	refused(MTU);
	wr16(frame + GSO_HDR_LEN + 4, 0);	/* no jumbograms */
	refused(MTU);
}
END_TEST

START_TEST(bad_trailing_bytes_on_segment)
{
	good_v4();
	flen += 1;
	refused(MTU);
}
END_TEST

/* Looped over data offsets 0..4. */
START_TEST(bad_tcp_doff_below_5)
{
	good_v4();
	frame[GSO_HDR_LEN + 20 + 12] = (uint8_t)(_i << 4);
	refused(MTU);
}
END_TEST

START_TEST(bad_tcp_doff_beyond_data)
{
	struct spec s = tcp_spec(V4, 0, 30);

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 20, frame);
	ck_assert_int_eq(split(MTU), 2);
	frame[GSO_HDR_LEN + 20 + 12] = 15 << 4;	/* 60 bytes: 10 short */
	refused(MTU);
}
END_TEST

START_TEST(bad_tcp_header_truncated)
{
	struct spec s = tcp_spec(V4, 0, 0);
	size_t len = build(&s, frame + GSO_HDR_LEN) - 1;

	wr16(frame + GSO_HDR_LEN + 2, (uint32_t)len);
	ref_ip4_set(frame + GSO_HDR_LEN);
	put_vnet(frame, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4,
	    0, 1000, 20, 16);
	flen = GSO_HDR_LEN + len;
	refused(MTU);
}
END_TEST

START_TEST(bad_csum_start)
{
	good_v4();
	set_vnet(F_START, 24);
	refused(MTU);
	set_vnet(F_START, 0);
	refused(MTU);
	set_vnet(F_START, 0xffff);
	refused(MTU);
}
END_TEST

START_TEST(bad_csum_offset)
{
	good_v6();
	set_vnet(F_OFFSET, 6);
	refused(MTU);
	set_vnet(F_OFFSET, 0xffff);
	refused(MTU);
}
END_TEST

START_TEST(bad_no_needs_csum)
{
	good_v4();
	set_vnet(F_FLAGS, 0);
	refused(MTU);
	set_vnet(F_FLAGS, VIRTIO_NET_HDR_F_DATA_VALID);
	refused(MTU);
}
END_TEST

START_TEST(bad_flags)
{
	good_v4();
	set_vnet(F_FLAGS, VIRTIO_NET_HDR_F_NEEDS_CSUM |
	    VIRTIO_NET_HDR_F_DATA_VALID);
	refused(MTU);
	set_vnet(F_FLAGS, VIRTIO_NET_HDR_F_NEEDS_CSUM | 0x04);
	refused(MTU);
	set_vnet(F_FLAGS, 0x80);
	refused(MTU);
}
END_TEST

START_TEST(bad_type_for_version)
{
	good_v4();
	set_vnet(F_TYPE, VIRTIO_NET_HDR_GSO_TCPV6);
	refused(MTU);
	good_v6();
	set_vnet(F_TYPE, VIRTIO_NET_HDR_GSO_TCPV4);
	refused(MTU);
}
END_TEST

/* Looped over every type byte: only the ones that fit a TCPv4 frame. */
START_TEST(bad_gso_types)
{
	good_v4();
	set_vnet(F_TYPE, (unsigned)_i);
	if (_i == VIRTIO_NET_HDR_GSO_TCPV4 ||
	    _i == (VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN))
		ck_assert_int_eq(split(MTU), 3);
	else if (_i == VIRTIO_NET_HDR_GSO_NONE)	/* a checksum to complete */
		ck_assert_int_eq(gso_segs(frame, flen, MTU), 1);
	else
		refused(MTU);
}
END_TEST

START_TEST(bad_not_tcp_with_tcp_type)
{
	struct spec s = tcp_spec(_i, 0, 3000);

	s.proto = IPPROTO_UDP;
	flen = kernel_frame(&s, _i ? VIRTIO_NET_HDR_GSO_TCPV6 :
	    VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	set_vnet(F_OFFSET, 16);
	refused(MTU);
	set_vnet(F_OFFSET, 6);
	refused(MTU);
}
END_TEST

START_TEST(bad_tcp_with_udp_type)
{
	good_v6();
	set_vnet(F_TYPE, VIRTIO_NET_HDR_GSO_UDP_L4);
	refused(MTU);
	set_vnet(F_OFFSET, 6);
	refused(MTU);
}
END_TEST

START_TEST(bad_udp_with_ecn)
{
	struct spec s = tcp_spec(V4, 0, 3000);

	s.proto = IPPROTO_UDP;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_UDP_L4, 1000, frame);
	ck_assert_int_eq(split(MTU), 3);
	set_vnet(F_TYPE, VIRTIO_NET_HDR_GSO_UDP_L4 | VIRTIO_NET_HDR_GSO_ECN);
	refused(MTU);
}
END_TEST

START_TEST(bad_udp_length_lies)
{
	struct spec s = tcp_spec(V6, 0, 3000);
	uint8_t *u = frame + GSO_HDR_LEN + 40;

	s.proto = IPPROTO_UDP;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_UDP_L4, 1000, frame);
	wr16(u + 4, be16(u + 4) + 1);
	refused(MTU);
	wr16(u + 4, be16(u + 4) - 2);
	refused(MTU);
}
END_TEST

/* Looped over hop-by-hop, routing, fragment, destination options. */
START_TEST(bad_ipv6_extension_header)
{
	const uint8_t ext[] = { 0, 43, 44, 60 };

	good_v6();
	frame[GSO_HDR_LEN + 6] = ext[_i];
	refused(MTU);
}
END_TEST

START_TEST(bad_ipv4_fragment)
{
	good_v4();
	wr16(frame + GSO_HDR_LEN + 6, 0x2000);		/* MF */
	ref_ip4_set(frame + GSO_HDR_LEN);
	refused(MTU);
	wr16(frame + GSO_HDR_LEN + 6, 0x0001);		/* offset 8 */
	ref_ip4_set(frame + GSO_HDR_LEN);
	refused(MTU);
}
END_TEST

START_TEST(bad_ip_version)
{
	good_v4();
	frame[GSO_HDR_LEN] = 0x55;
	refused(MTU);
}
END_TEST

START_TEST(bad_csum_range_without_gso)
{
	struct spec s = tcp_spec(V4, 0, 100);
	size_t len;

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_NONE, 0, frame);
	len = flen - GSO_HDR_LEN;
	set_vnet(F_START, 19);			/* into the IP header */
	refused(MTU);
	set_vnet(F_START, (unsigned)len - 1);	/* field past the end */
	set_vnet(F_OFFSET, 0);
	refused(MTU);
	set_vnet(F_START, (unsigned)len - 2);	/* field the last 2 bytes */
	ck_assert_int_eq(split(MTU), 1);
	set_vnet(F_START, 20);
	set_vnet(F_OFFSET, (unsigned)len - 21);
	refused(MTU);
	set_vnet(F_OFFSET, 0xffff);
	refused(MTU);
	set_vnet(F_START, 0xffff);
	set_vnet(F_OFFSET, 0xffff);
	refused(MTU);
	set_vnet(F_START, 20);
	set_vnet(F_OFFSET, 16);
	flen += 1;				/* a trailer would be summed */
	refused(MTU);
}
END_TEST

START_TEST(bad_empty_and_null)
{
	good_v4();
	ck_assert_int_eq(gso_segs(NULL, flen, MTU), -1);
	ck_assert_int_eq(gso_split(NULL, flen, MTU, out, MAXSEG), -1);
	ck_assert_int_eq(gso_split(frame, flen, MTU, NULL, MAXSEG), -1);
	ck_assert_int_eq(gso_segs(frame, GSO_HDR_LEN, MTU), -1);
}
END_TEST

/* Not enough room, in number or in size: -1, and nothing written. */
START_TEST(bad_output_room)
{
	good_v4();
	memset(segbuf, 0xee, sizeof(segbuf));
	ck_assert_int_eq(gso_split(frame, flen, MTU, out, 2), -1);
	out[2].cap = 20 + 32 + 1000 - 1;
	ck_assert_int_eq(gso_split(frame, flen, MTU, out, 3), -1);
	out[2].cap = MTU;
	out[1].buf = NULL;
	ck_assert_int_eq(gso_split(frame, flen, MTU, out, 3), -1);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(segbuf[i][0], 0xee);
	out[1].buf = segbuf[1];
	out[2].cap = 20 + 32 + 1000;
	ck_assert_int_eq(gso_split(frame, flen, MTU, out, 3), 3);
}
END_TEST

/* ---- Coalescing ------------------------------------------------------- */

/* Packets given to gro_add() sit here with room for a header before. */
static uint8_t rx[MAXSEG][GSO_HDR_LEN + MTU + 64];

static void
add(int k, const uint8_t *pkt, size_t len)
{
	ck_assert_uint_le(len, MTU + 64);
	memcpy(rx[k] + GSO_HDR_LEN, pkt, len);
	ck_assert_int_eq(gro_add(&gro, rx[k] + GSO_HDR_LEN, len), 0);
}

/* Split the frame and feed every packet to the coalescer, then flush. */
static int
split_and_join(size_t mtu)
{
	int n = split(mtu);

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++)
		add(i, out[i].buf, out[i].len);
	gro_flush(&gro);
	return n;
}

/* Segment k (of mss bytes each) of a flow as a sender would send it. */
static size_t
seg(struct spec s, int k, size_t mss, uint8_t *p)
{
	s.seq += (uint32_t)(k * mss);
	s.id = (uint16_t)(s.id + k);
	s.off = (size_t)k * mss;
	s.payload = mss;
	return build(&s, p);
}

static uint8_t pk[MAXSEG][MTU + 64];
static size_t pklen[MAXSEG];

/* Segments 0..n-1 of s, mss bytes each, into pk[]. */
static void
make_segs(const struct spec *s, int n, size_t mss)
{
	for (int k = 0; k < n; k++)
		pklen[k] = seg(*s, k, mss, pk[k]);
}

/* Frame i of the sink is packet pk[k] passed through unchanged. */
static void
is_plain(size_t i, int k)
{
	struct virtio_net_hdr vh = get_vnet(sunk(i)), zero;

	memset(&zero, 0, sizeof(zero));
	ck_assert_mem_eq(&vh, &zero, sizeof(vh));
	ck_assert_uint_eq(sink.len[i], GSO_HDR_LEN + pklen[k]);
	ck_assert_mem_eq(sunk(i) + GSO_HDR_LEN, pk[k], pklen[k]);
}

/*
 * Frame i of the sink joins pk[first..last]: the kernel's header, and
 * cut again it gives those very packets back.
 */
static void
is_joined(size_t i, int first, int last)
{
	struct virtio_net_hdr vh = get_vnet(sunk(i));
	const uint8_t *p = sunk(i) + GSO_HDR_LEN;
	size_t hl = iph_len(p), thl = (size_t)(p[hl + 12] >> 4) * 4;
	size_t mss = pklen[first] - hl - thl;
	int n = last - first + 1;

	ck_assert_int_gt(n, 1);
	ck_assert_uint_eq(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	ck_assert_uint_eq(vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN,
	    is_v6(p) ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	ck_assert_uint_eq(!!(vh.gso_type & VIRTIO_NET_HDR_GSO_ECN),
	    !!(p[hl + 13] & CWR));
	ck_assert_uint_eq(vh.hdr_len, hl + thl);
	ck_assert_uint_eq(vh.gso_size, mss);
	ck_assert_uint_eq(vh.csum_start, hl);
	ck_assert_uint_eq(vh.csum_offset, 16);
	ck_assert_uint_eq(sink.len[i] - GSO_HDR_LEN,
	    hl + thl + (size_t)(n - 1) * mss + pklen[last] - hl - thl);
	if (is_v6(p))
		ck_assert_uint_eq(be16(p + 4), sink.len[i] - GSO_HDR_LEN - 40);
	else {
		ck_assert_uint_eq(be16(p + 2), sink.len[i] - GSO_HDR_LEN);
		ck_assert(ref_ip4_ok(p));
	}
	ck_assert_uint_eq(be16(p + hl + 16),
	    ref_fold(ref_pseudo(p, sink.len[i] - GSO_HDR_LEN - hl)));

	ck_assert_int_eq(gso_split(sunk(i), sink.len[i], MTU, out, MAXSEG), n);
	for (int k = 0; k < n; k++) {
		ck_assert_uint_eq(out[k].len, pklen[first + k]);
		ck_assert_mem_eq(out[k].buf, pk[first + k], out[k].len);
	}
}

static void
add_segs(int first, int last)
{
	for (int k = first; k <= last; k++)
		add(k, pk[k], pklen[k]);
}

/* ---- Round trips: split, then join, gives the kernel's frame back ----- */

START_TEST(roundtrip_exact)
{
	struct spec s = tcp_spec(_i % 2, _i / 2 ? OPT_MSS_TS : 0, 7 * 1000 + 1);
	uint8_t orig[GSO_FRAME_MAX];
	size_t olen;

	s.flags = _i / 2 ? (ACK | CWR | PSH | FIN) : ACK;
	olen = kernel_frame(&s, gso_type_of(&s) |
	    (_i / 2 ? VIRTIO_NET_HDR_GSO_ECN : 0),
	    1000, frame);
	memcpy(orig, frame, olen);
	flen = olen;
	ck_assert_int_eq(split_and_join(MTU), 8);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_uint_eq(sink.len[0], olen);
	ck_assert_mem_eq(sunk(0), orig, olen);
}
END_TEST

/* The largest segment comes back whole, too; split again it is the same. */
START_TEST(roundtrip_64k)
{
	size_t pay = 65535 - 20 - 32;
	struct spec s = tcp_spec(V4, OPT_TS, pay);
	uint8_t orig[GSO_FRAME_MAX];
	size_t olen;
	int n;

	olen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1368, frame);
	memcpy(orig, frame, olen);
	flen = olen;
	n = split_and_join(MTU);
	ck_assert_int_eq(n, (int)((pay + 1367) / 1368));
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_mem_eq(sunk(0), orig, olen);
}
END_TEST

/* An exact multiple ends with a full segment, which ends nothing. */
START_TEST(roundtrip_exact_multiple)
{
	struct spec s = tcp_spec(V6, OPT_TS, 5 * 1300);
	uint8_t orig[GSO_FRAME_MAX];
	size_t olen;

	olen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1300, frame);
	memcpy(orig, frame, olen);
	flen = olen;
	ck_assert_int_eq(split(MTU), 5);
	for (int i = 0; i < 5; i++)
		add(i, out[i].buf, out[i].len);
	ck_assert_uint_eq(sink.n, 0);		/* still open */
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_mem_eq(sunk(0), orig, olen);
}
END_TEST

/* Two frames of one flow, back to back: the second continues the first. */
START_TEST(roundtrip_two_frames)
{
	struct spec s = tcp_spec(V4, OPT_TS, 3 * 1000);
	uint8_t orig[GSO_FRAME_MAX];
	size_t olen;
	int n = 0, m;

	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	n = split(MTU);
	for (int i = 0; i < n; i++)
		add(i, out[i].buf, out[i].len);
	s.seq += 3000;
	s.id += 3;
	s.off = 3000;
	s.payload = 2500;
	flen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, frame);
	m = split(MTU);
	for (int i = 0; i < m; i++)
		add(n + i, out[i].buf, out[i].len);
	gro_flush(&gro);

	s.seq -= 3000;
	s.id -= 3;
	s.off = 0;
	s.payload = 5500;
	olen = kernel_frame(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1000, orig);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_uint_eq(sink.len[0], olen);
	ck_assert_mem_eq(sunk(0), orig, olen);
}
END_TEST

/* ---- Joining what a sender sent ----------------------------------------- */

START_TEST(join_in_order)
{
	struct spec s = tcp_spec(_i, OPT_TS, 0);

	make_segs(&s, 10, 1200);
	add_segs(0, 9);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 1);
	is_joined(0, 0, 9);
}
END_TEST

/* A shorter segment is the last: it ends the run at once. */
START_TEST(join_short_last_ends_run)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 4, 1000);
	s.seq += 3000, s.id += 3, s.off = 3000, s.payload = 10;
	pklen[3] = build(&s, pk[3]);
	add_segs(0, 3);
	ck_assert_uint_eq(sink.n, 1);		/* before any flush */
	is_joined(0, 0, 3);
}
END_TEST

START_TEST(join_larger_after_smaller_refused)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 2, 800);
	s.seq += 1600, s.id += 2, s.off = 1600, s.payload = 900;
	pklen[2] = build(&s, pk[2]);
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 2);
}
END_TEST

START_TEST(join_psh_last)
{
	struct spec s = tcp_spec(V6, OPT_TS, 0);

	make_segs(&s, 3, 1000);
	s.flags = ACK | PSH;
	pklen[3] = seg(s, 3, 1000, pk[3]);
	add_segs(0, 3);
	ck_assert_uint_eq(sink.n, 1);
	is_joined(0, 0, 3);
	ck_assert_uint_eq(sunk(0)[GSO_HDR_LEN + 40 + 13], ACK | PSH);
}
END_TEST

START_TEST(join_fin_last)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 2, 1000);
	s.flags = ACK | FIN;
	pklen[2] = seg(s, 2, 1000, pk[2]);
	add_segs(0, 2);
	ck_assert_uint_eq(sink.n, 1);
	is_joined(0, 0, 2);
}
END_TEST

/* PSH first: nothing may follow it, so it goes at once, as it is. */
START_TEST(join_psh_first_alone)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 3, 1000);
	s.flags = ACK | PSH;
	pklen[0] = seg(s, 0, 1000, pk[0]);
	add_segs(0, 2);
	ck_assert_uint_eq(sink.n, 1);
	is_plain(0, 0);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(1, 1, 2);
}
END_TEST

START_TEST(join_cwr_first_only)
{
	struct spec s = tcp_spec(V4, 0, 0);

	s.flags = ACK | CWR;
	pklen[0] = seg(s, 0, 1000, pk[0]);
	pklen[2] = seg(s, 2, 1000, pk[2]);
	s.flags = ACK;
	pklen[1] = seg(s, 1, 1000, pk[1]);
	pklen[3] = seg(s, 3, 1000, pk[3]);
	add_segs(0, 3);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);			/* ECN in the type */
	is_joined(1, 2, 3);
}
END_TEST

/* Looped over SYN, RST, URG: never joined, and never joined to. */
START_TEST(join_refused_flags)
{
	const uint8_t bad[] = { SYN, RST, URG };
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 5, 1000);
	s.flags = ACK | bad[_i];
	pklen[2] = seg(s, 2, 1000, pk[2]);
	add_segs(0, 4);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 3);
	is_joined(0, 0, 1);
	is_plain(1, 2);
	is_joined(2, 3, 4);
}
END_TEST

START_TEST(join_no_ack_refused)
{
	struct spec s = tcp_spec(V6, 0, 0);

	s.flags = 0;
	make_segs(&s, 2, 1000);
	add_segs(0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

START_TEST(join_ece_kept_if_same)
{
	struct spec s = tcp_spec(V4, 0, 0);

	s.flags = ACK | ECE;
	make_segs(&s, 3, 1000);
	s.flags = ACK;
	pklen[3] = seg(s, 3, 1000, pk[3]);
	add_segs(0, 3);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 2);
	is_plain(1, 3);
}
END_TEST

START_TEST(join_gap_in_sequence)
{
	struct spec s = tcp_spec(_i, OPT_TS, 0);

	make_segs(&s, 5, 1000);
	add_segs(0, 1);
	add_segs(3, 4);			/* 2 lost */
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_joined(1, 3, 4);
}
END_TEST

START_TEST(join_duplicate_refused)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 2, 1000);
	add_segs(0, 1);
	add(2, pk[1], pklen[1]);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 1);
}
END_TEST

/* Two flows interleaved: each its own run. */
START_TEST(join_interleaved_flows)
{
	struct spec a = tcp_spec(V4, OPT_TS, 0), b = a;
	uint8_t tmp[4][MTU];
	size_t tl[4];

	b.sport = 40001;
	b.seq = 5;
	make_segs(&a, 4, 1000);
	for (int k = 0; k < 4; k++)
		tl[k] = seg(b, k, 1000, tmp[k]);
	for (int k = 0; k < 4; k++) {
		add(2 * k, pk[k], pklen[k]);
		add(2 * k + 1, tmp[k], tl[k]);
	}
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 3);
	for (int k = 0; k < 4; k++) {
		memcpy(pk[k], tmp[k], tl[k]);
		pklen[k] = tl[k];
	}
	is_joined(1, 0, 3);
}
END_TEST

/* Looped: other address, other port, other version, other IPv6 address. */
START_TEST(join_different_flows)
{
	struct spec s = tcp_spec(_i == 3 ? V6 : V4, 0, 0);

	make_segs(&s, 2, 1000);
	if (_i == 3) {
		pk[1][8] ^= 1;				/* source */
		wr16(pk[1] + 56, ref_l4_csum(pk[1], pklen[1]));
	} else if (_i == 0) {
		pk[1][19] ^= 1;				/* destination */
		ref_ip4_set(pk[1]);
		wr16(pk[1] + 36, 0);
		wr16(pk[1] + 36, ref_l4_csum(pk[1], pklen[1]));
	} else if (_i == 1) {
		s.sport++;
		pklen[1] = seg(s, 1, 1000, pk[1]);
	} else {
		s.v6 = 1;
		pklen[1] = seg(s, 1, 1000, pk[1]);
	}
	add_segs(0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

/* Fields that must be the same, looped: ack, window, TTL, TOS, DF, and
 * the urgent pointer (meaningless without URG, but cut again it would be
 * the first segment's). */
START_TEST(join_field_differs)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 3, 1000);
	switch (_i) {
	case 0: s.ack++; break;
	case 1: s.win++; break;
	case 2: s.ttl--; break;
	case 3: s.tos = 0x03; break;		/* CE */
	case 4: s.frag = 0; break;
	}
	pklen[1] = seg(s, 1, 1000, pk[1]);
	if (_i == 5) {
		wr16(pk[1] + 20 + 18, 1);
		wr16(pk[1] + 20 + 16, ref_l4_csum(pk[1], pklen[1]));
	}
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 3);
	for (int k = 0; k < 3; k++)
		is_plain((size_t)k, k);
}
END_TEST

/* IPv6, looped: traffic class, flow label, hop limit. */
START_TEST(join_ipv6_field_differs)
{
	struct spec s = tcp_spec(V6, OPT_TS, 0);

	make_segs(&s, 2, 1000);
	switch (_i) {
	case 0: pk[1][1] ^= 0x10; break;
	case 1: pk[1][3] ^= 0x01; break;
	case 2: pk[1][7]--; break;
	}
	wr16(pk[1] + 56, 0);
	wr16(pk[1] + 56, ref_l4_csum(pk[1], pklen[1]));
	add_segs(0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

START_TEST(join_options_differ)
{
	struct spec s = tcp_spec(_i, OPT_TS, 0);

	make_segs(&s, 3, 1000);
	s.tsval++;				/* a newer timestamp */
	pklen[2] = seg(s, 2, 1000, pk[2]);
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 2);
}
END_TEST

START_TEST(join_options_length_differs)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 2, 1000);
	s.tcpopt = 0;
	pklen[1] = seg(s, 1, 1000, pk[1]);
	add_segs(0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

/* Never more than 64 KB: the run that would grow past goes, a new one
 * starts. */
START_TEST(join_size_limit)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);
	size_t per = (65535 - 52) / 1368;

	make_segs(&s, 60, 1368);
	add_segs(0, 59);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, (int)per - 1);
	ck_assert_uint_le(sink.len[0] - GSO_HDR_LEN, 65535);
	ck_assert_uint_gt(sink.len[0] - GSO_HDR_LEN + 1368, 65535);
	is_joined(1, (int)per, 59);
}
END_TEST

START_TEST(join_ipv4_id_must_increment)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 3, 1000);
	s.id += 5;
	pklen[2] = seg(s, 2, 1000, pk[2]);
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 2);
}
END_TEST

/* With DF, all the same ID will do (it is then joined, and cut again
 * numbered up, as the kernel would). Without DF it will not. */
START_TEST(join_ipv4_fixed_id)
{
	struct spec s = tcp_spec(V4, 0, 0);

	s.frag = _i ? 0x4000 : 0;
	for (int k = 0; k < 3; k++) {
		pklen[k] = seg(s, k, 1000, pk[k]);
		wr16(pk[k] + 4, 7);
		ref_ip4_set(pk[k]);
	}
	add_segs(0, 2);
	gro_flush(&gro);
	if (_i) {
		ck_assert_uint_eq(sink.n, 1);
		ck_assert_uint_eq(be16(sunk(0) + GSO_HDR_LEN + 4), 7);
		ck_assert_int_eq(gso_segs(sunk(0), sink.len[0], MTU), 3);
	} else {
		ck_assert_uint_eq(sink.n, 3);
	}
}
END_TEST

/* Once numbered up, a repeated ID breaks the run (and the other way). */
START_TEST(join_ipv4_id_mode_kept)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 3, 1000);
	wr16(pk[2] + 4, be16(pk[1] + 4));
	ref_ip4_set(pk[2]);
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 2);
}
END_TEST

/* A damaged segment is not joined (nor given a good checksum). */
START_TEST(join_bad_tcp_checksum)
{
	struct spec s = tcp_spec(_i, OPT_TS, 0);
	size_t at = (_i ? 40 : 20) + 16;

	make_segs(&s, 4, 1000);
	wr16(pk[2] + at, be16(pk[2] + at) ^ 0x0100);
	add_segs(0, 3);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 3);
	is_joined(0, 0, 1);
	is_plain(1, 2);
	is_plain(2, 3);
}
END_TEST

START_TEST(join_bad_first_checksum)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 3, 1000);
	pk[0][60] ^= 0x40;			/* payload damaged */
	add_segs(0, 2);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_joined(1, 1, 2);
}
END_TEST

START_TEST(join_bad_ipv4_header_checksum)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 2, 1000);
	pk[1][10] ^= 0x01;
	add_segs(0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

START_TEST(join_ipv4_options_not_joined)
{
	struct spec s = tcp_spec(V4, 0, 0);

	s.ipopt = 4;
	make_segs(&s, 2, 1000);
	add_segs(0, 1);
	ck_assert_uint_eq(sink.n, 2);		/* passed at once */
	is_plain(0, 0);
	is_plain(1, 1);
}
END_TEST

/* A pure ACK of the flow goes after the run before it, not before. */
START_TEST(join_flow_order_kept)
{
	struct spec s = tcp_spec(V4, OPT_TS, 0);

	make_segs(&s, 3, 1000);
	s.payload = 0;
	s.seq += 2000;
	s.id += 2;
	pklen[2] = build(&s, pk[2]);
	add_segs(0, 1);
	add(2, pk[2], pklen[2]);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(0, 0, 1);
	is_plain(1, 2);
}
END_TEST

/*
 * TCP packets of the flow that are not whole segments, looped: bytes
 * after the IP packet, a TCP header cut short, a data offset below 5 or
 * beyond the packet. Each goes through unchanged, after the flow's run.
 * Cut before the ports even, a packet has no flow and leaves the run be.
 */
START_TEST(join_malformed_tcp_passes)
{
	struct spec s = tcp_spec(V4, 0, 0);

	make_segs(&s, 2, 1000);
	switch (_i) {
	case 0:
		pklen[1] += 3;
		break;
	case 1:
		pklen[1] = 20 + 10;
		break;
	case 2:
		pk[1][20 + 12] = 4 << 4;
		break;
	case 3:
		pk[1][20 + 12] = 15 << 4;
		pklen[1] = 20 + 40;
		break;
	case 4:
		pklen[1] = 20 + 2;
		break;
	}
	if (_i != 0) {
		wr16(pk[1] + 2, (uint32_t)pklen[1]);
		ref_ip4_set(pk[1]);
	}
	add_segs(0, 1);
	if (_i == 4) {
		ck_assert_uint_eq(sink.n, 1);
		is_plain(0, 1);
		gro_flush(&gro);
		is_plain(1, 0);
	} else {
		ck_assert_uint_eq(sink.n, 2);
		is_plain(0, 0);
		is_plain(1, 1);
	}
}
END_TEST

/* Other protocols pass at once, unchanged, behind a zero header, and
 * leave open runs alone. */
START_TEST(passthrough_other)
{
	struct spec s = tcp_spec(_i, 0, 0), u = tcp_spec(_i, 0, 200);

	make_segs(&s, 3, 1000);
	u.proto = _i ? 58 : IPPROTO_ICMP;
	pklen[3] = build(&u, pk[3]);
	add_segs(0, 1);
	add(3, pk[3], pklen[3]);
	ck_assert_uint_eq(sink.n, 1);
	is_plain(0, 3);
	add(2, pk[2], pklen[2]);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 2);
	is_joined(1, 0, 2);
}
END_TEST

/* The header goes into the room before the packet, and nowhere else. */
START_TEST(passthrough_headroom)
{
	struct spec u = tcp_spec(V4, 0, 100);
	uint8_t buf[GSO_HDR_LEN + 4 + 200];
	size_t len;

	u.proto = IPPROTO_UDP;
	memset(buf, 0xaa, sizeof(buf));
	len = build(&u, buf + GSO_HDR_LEN + 4);
	ck_assert_int_eq(gro_add(&gro, buf + GSO_HDR_LEN + 4, len), 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_eq(buf[i], 0xaa);
	for (size_t i = 4; i < GSO_HDR_LEN + 4; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_uint_eq(buf[GSO_HDR_LEN + 4 + len], 0xaa);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_uint_eq(sink.len[0], GSO_HDR_LEN + len);
}
END_TEST

/* Not IP at all: passed on for the kernel to drop. */
START_TEST(passthrough_garbage)
{
	memset(pk[0], 0x33, 100);
	pklen[0] = 100;
	add(0, pk[0], 100);
	ck_assert_uint_eq(sink.n, 1);
	is_plain(0, 0);
	ck_assert_int_eq(gro_add(&gro, rx[1] + GSO_HDR_LEN, 0), -1);
	ck_assert_int_eq(gro_add(&gro, NULL, 100), -1);
	ck_assert_int_eq(gro_add(NULL, rx[1] + GSO_HDR_LEN, 100), -1);
	ck_assert_int_eq(gro_add(&gro, rx[1] + GSO_HDR_LEN,
	    GSO_FRAME_MAX - GSO_HDR_LEN + 1), -1);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(gro_init(&gro, NULL, NULL), -1);
	ck_assert_int_eq(gro_init(NULL, sink_emit, &sink), -1);
	gro_flush(NULL);
}
END_TEST

/* More flows than runs: the oldest goes to make room, in order. */
START_TEST(runs_evicted_oldest_first)
{
	struct spec s = tcp_spec(V4, 0, 0);

	for (int f = 0; f <= GRO_RUNS; f++) {
		s.sport = (uint16_t)(1000 + f);
		pklen[2 * f] = seg(s, 0, 1000, pk[2 * f]);
		pklen[2 * f + 1] = seg(s, 1, 1000, pk[2 * f + 1]);
		add(2 * f, pk[2 * f], pklen[2 * f]);
		add(2 * f + 1, pk[2 * f + 1], pklen[2 * f + 1]);
	}
	ck_assert_uint_eq(sink.n, 1);
	is_joined(0, 0, 1);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, GRO_RUNS + 1);
	for (int f = 1; f <= GRO_RUNS; f++)
		is_joined((size_t)f, 2 * f, 2 * f + 1);
}
END_TEST

/* One packet alone in its run comes out as it came in. */
START_TEST(single_segment_unchanged)
{
	struct spec s = tcp_spec(_i, OPT_TS, 0);

	make_segs(&s, 1, 1000);
	add_segs(0, 0);
	ck_assert_uint_eq(sink.n, 0);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 1);
	is_plain(0, 0);
	gro_flush(&gro);
	ck_assert_uint_eq(sink.n, 1);
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *
gso_suite(void)
{
	Suite *s = suite_create("gso");
	TCase *tc;

	tc = tcase_create("split");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, split_v4_short_last);
	tcase_add_test(tc, split_v6_short_last);
	tcase_add_loop_test(tc, split_exact_multiple, 0, 2);
	tcase_add_loop_test(tc, split_64k, 0, 2);
	tcase_add_loop_test(tc, split_flags_first_and_last, 0, 2);
	tcase_add_test(tc, split_ipv4_id_increments_and_wraps);
	tcase_add_test(tc, split_seq_wraps);
	tcase_add_test(tc, split_ipv4_options);
	tcase_add_loop_test(tc, split_one_packet_segment, 0, 2);
	tcase_add_test(tc, split_no_payload);
	tcase_add_test(tc, split_mtu_boundary);
	tcase_add_test(tc, split_hdr_len_is_a_hint);
	tcase_add_test(tc, split_tcp_checksum_zero);
	tcase_add_loop_test(tc, split_udp, 0, 2);
	tcase_add_test(tc, split_udp_checksum_zero);
	tcase_add_loop_test(tc, csum_completed, 0, 2);
	tcase_add_test(tc, csum_completed_udp_zero);
	tcase_add_loop_test(tc, plain_passthrough, 0, 4);
	tcase_add_test(tc, plain_trailing_bytes_dropped);
	tcase_add_loop_test(tc, plain_in_place_as_split, 0, 4);
	tcase_add_test(tc, plain_refuses_segment);
	tcase_add_test(tc, plain_larger_than_mtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, bad_truncated_every_length);
	tcase_add_loop_test(tc, bad_plain_truncated_every_length, 0, 2);
	tcase_add_test(tc, bad_truncated_v6);
	tcase_add_test(tc, bad_hdr_len_beyond_data);
	tcase_add_test(tc, bad_gso_size_zero);
	tcase_add_test(tc, bad_gso_size_over_mtu);
	tcase_add_test(tc, bad_mtu);
	tcase_add_test(tc, bad_ip_length_lies);
	tcase_add_test(tc, bad_ipv6_length_lies);
	tcase_add_test(tc, bad_trailing_bytes_on_segment);
	tcase_add_loop_test(tc, bad_tcp_doff_below_5, 0, 5);
	tcase_add_test(tc, bad_tcp_doff_beyond_data);
	tcase_add_test(tc, bad_tcp_header_truncated);
	tcase_add_test(tc, bad_csum_start);
	tcase_add_test(tc, bad_csum_offset);
	tcase_add_test(tc, bad_no_needs_csum);
	tcase_add_test(tc, bad_flags);
	tcase_add_test(tc, bad_type_for_version);
	tcase_add_loop_test(tc, bad_gso_types, 0, 256);
	tcase_add_loop_test(tc, bad_not_tcp_with_tcp_type, 0, 2);
	tcase_add_test(tc, bad_tcp_with_udp_type);
	tcase_add_test(tc, bad_udp_with_ecn);
	tcase_add_test(tc, bad_udp_length_lies);
	tcase_add_loop_test(tc, bad_ipv6_extension_header, 0, 4);
	tcase_add_test(tc, bad_ipv4_fragment);
	tcase_add_test(tc, bad_ip_version);
	tcase_add_test(tc, bad_csum_range_without_gso);
	tcase_add_test(tc, bad_empty_and_null);
	tcase_add_test(tc, bad_output_room);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, roundtrip_exact, 0, 4);
	tcase_add_test(tc, roundtrip_64k);
	tcase_add_test(tc, roundtrip_exact_multiple);
	tcase_add_test(tc, roundtrip_two_frames);
	suite_add_tcase(s, tc);

	tc = tcase_create("coalesce");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, join_in_order, 0, 2);
	tcase_add_test(tc, join_short_last_ends_run);
	tcase_add_test(tc, join_larger_after_smaller_refused);
	tcase_add_test(tc, join_psh_last);
	tcase_add_test(tc, join_fin_last);
	tcase_add_test(tc, join_psh_first_alone);
	tcase_add_test(tc, join_cwr_first_only);
	tcase_add_loop_test(tc, join_refused_flags, 0, 3);
	tcase_add_test(tc, join_no_ack_refused);
	tcase_add_test(tc, join_ece_kept_if_same);
	tcase_add_loop_test(tc, join_gap_in_sequence, 0, 2);
	tcase_add_test(tc, join_duplicate_refused);
	tcase_add_test(tc, join_interleaved_flows);
	tcase_add_loop_test(tc, join_different_flows, 0, 4);
	tcase_add_loop_test(tc, join_field_differs, 0, 6);
	tcase_add_loop_test(tc, join_ipv6_field_differs, 0, 3);
	tcase_add_loop_test(tc, join_options_differ, 0, 2);
	tcase_add_test(tc, join_options_length_differs);
	tcase_add_test(tc, join_size_limit);
	tcase_add_test(tc, join_ipv4_id_must_increment);
	tcase_add_loop_test(tc, join_ipv4_fixed_id, 0, 2);
	tcase_add_test(tc, join_ipv4_id_mode_kept);
	tcase_add_loop_test(tc, join_bad_tcp_checksum, 0, 2);
	tcase_add_test(tc, join_bad_first_checksum);
	tcase_add_test(tc, join_bad_ipv4_header_checksum);
	tcase_add_test(tc, join_ipv4_options_not_joined);
	tcase_add_test(tc, join_flow_order_kept);
	tcase_add_loop_test(tc, join_malformed_tcp_passes, 0, 5);
	tcase_add_loop_test(tc, passthrough_other, 0, 2);
	tcase_add_test(tc, passthrough_headroom);
	tcase_add_test(tc, passthrough_garbage);
	tcase_add_test(tc, runs_evicted_oldest_first);
	tcase_add_loop_test(tc, single_segment_unchanged, 0, 2);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gso_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

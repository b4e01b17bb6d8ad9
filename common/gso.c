/*
 * Guard segmentation offload in user space. See gso.h.
 *
 * Splitting mirrors the kernel's software segmentation (tcp_gso_segment,
 * __udp_gso_segment, inet_gso_segment, ipv6_gso_segment): a frame comes
 * from the kernel's TCP or UDP stack, or is a forwarded packet that the
 * kernel's GRO built, and every field is checked all the same, because a
 * wrong length here would have us read or write outside a buffer.
 *
 * Coalescing follows the kernel's tcp_gro_receive and inet_gro_receive /
 * ipv6_gro_receive (the rules wireguard-go's tcpGRO also keeps): segments
 * join when they are of one flow, in sequence, with the same IP header
 * fields (except length, ID and checksum), the same ACK number, window,
 * urgent pointer and TCP options byte for byte, all but the last of one
 * size and the last no larger. A segment with SYN, RST or URG never
 * joins; CWR may only start a run; FIN or PSH ends one. The kernel takes
 * such a frame (NEEDS_CSUM with the pseudo-header sum in the TCP checksum
 * field) as one packet whose checksum it need not check, so every
 * segment's checksums are checked before it is joined: a damaged segment
 * must stay damaged, not be given a fresh checksum with the others.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "gso.h"
#include "pkt.h"

enum {
	IP4_HDR_MIN = 20,
	IP4_OFF_TOS = 1,
	IP4_OFF_LEN = 2,
	IP4_OFF_ID = 4,
	IP4_OFF_FRAG = 6,
	IP4_OFF_TTL = 8,
	IP4_OFF_PROTO = 9,
	IP4_OFF_CSUM = 10,
	IP4_OFF_SRC = 12,
	IP4_ADDRS = 8,			/* source and destination */
	IP4_DF = 0x4000,
	IP4_MF = 0x2000,
	IP4_FRAG_MASK = 0x1fff,

	IP6_HDR = 40,
	IP6_OFF_PLEN = 4,
	IP6_OFF_NEXT = 6,
	IP6_OFF_HOPS = 7,
	IP6_OFF_SRC = 8,
	IP6_ADDRS = 32,
	IP6_FIRST_WORD = 4,		/* version, traffic class, flow label */

	TCP_HDR_MIN = 20,
	TCP_OFF_SEQ = 4,
	TCP_OFF_ACK = 8,
	TCP_OFF_DOFF = 12,
	TCP_OFF_FLAGS = 13,
	TCP_OFF_WIN = 14,
	TCP_OFF_CSUM = 16,
	TCP_OFF_URP = 18,		/* urgent pointer, then options */
	TCP_PORTS = 4,

	UDP_HDR = 8,
	UDP_OFF_LEN = 4,
	UDP_OFF_CSUM = 6,

	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_CWR = 0x80,

	SUM_OK = 0xffff,		/* what a correct checksum folds to */
};

/* ---- Byte order and checksums ------------------------------------------ */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The Internet checksum (RFC 1071) is summed in host byte order: the sum
 * commutes with swapping the two bytes of every word, so a sum of words
 * loaded in host order and stored back in host order puts the network
 * order sum into the packet. This runs over every byte that is cut or
 * joined, so the bulk goes 32 bytes at a time through two vectors of four
 * 32-bit lanes, each lane taking the two 16-bit words of its 4 bytes: a
 * lane grows by less than 2^17 a step and is emptied every SUM_STEPS
 * steps, long before it could overflow. The rest goes as 32-bit words
 * into 64 bits, which cannot overflow for any packet of up to 4 GB.
 */
typedef uint32_t sum_vec __attribute__((vector_size(16)));

enum { SUM_STEPS = 16384 };		/* 512 KB, under 2^32 / 2^17 */

static uint64_t
sum_vectors(const uint8_t *p, size_t steps)
{
	sum_vec a = { 0 }, b = { 0 }, v, w;

	for (; steps > 0; p += 32, steps--) {
		memcpy(&v, p, sizeof(v));
		memcpy(&w, p + 16, sizeof(w));
		a += (v & 0xffff) + (v >> 16);
		b += (w & 0xffff) + (w >> 16);
	}
	return (uint64_t)a[0] + a[1] + a[2] + a[3] + b[0] + b[1] + b[2] + b[3];
}

static uint64_t
sum_bytes(uint64_t acc, const uint8_t *p, size_t n)
{
	size_t steps;
	uint32_t w;
	uint16_t h;

	while (n >= 32) {
		steps = n / 32 < SUM_STEPS ? n / 32 : SUM_STEPS;
		acc += sum_vectors(p, steps);
		p += steps * 32;
		n -= steps * 32;
	}
	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, sizeof(w));
		acc += w;
	}
	if (n >= 2) {
		memcpy(&h, p, sizeof(h));
		acc += h;
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		const uint8_t last[2] = { p[0], 0 };	/* padded with zero */

		memcpy(&h, last, sizeof(h));
		acc += h;
	}
	return acc;
}

/* Fold to 16 bits with end-around carry; never 0 unless acc is. */
static uint16_t
sum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Store a folded sum, or its complement, computed in host order. */
static void
sum_store(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The TCP/UDP pseudo-header of the IP packet at ip: addresses, protocol,
 * length of the transport header and payload. */
static uint64_t
sum_pseudo(const uint8_t *ip, int v6, uint8_t proto, size_t l4len)
{
	const uint8_t tail[4] = { 0, proto, (uint8_t)(l4len >> 8),
	    (uint8_t)l4len };
	uint64_t acc;

	if (v6)
		acc = sum_bytes(0, ip + IP6_OFF_SRC, IP6_ADDRS);
	else
		acc = sum_bytes(0, ip + IP4_OFF_SRC, IP4_ADDRS);
	return sum_bytes(acc, tail, sizeof(tail));
}

static void
ip4_set_csum(uint8_t *ip, size_t iphlen)
{
	put16(ip + IP4_OFF_CSUM, 0);
	sum_store(ip + IP4_OFF_CSUM, (uint16_t)~sum_fold(sum_bytes(0, ip,
	    iphlen)));
}

/* ---- Splitting --------------------------------------------------------- */

enum frame_kind {
	FRAME_PLAIN,		/* copied as it is */
	FRAME_CSUM,		/* one packet, checksum to complete */
	FRAME_TCP,		/* TCP segment to cut */
	FRAME_UDP,		/* UDP segment to cut */
};

/* What frame_parse() found out about a frame. */
struct frame {
	struct virtio_net_hdr vh;
	const uint8_t *pkt;	/* the IP packet after the header */
	size_t len;		/* its own length (its IP header's) */
	enum frame_kind kind;
	int v6;
	size_t iphlen;
	size_t hdrlen;		/* IP and TCP/UDP headers, each packet's */
	size_t mss;		/* payload of every packet but the last */
	size_t segs;
};

static uint8_t
ip_proto(const struct frame *f)
{
	return f->v6 ? f->pkt[IP6_OFF_NEXT] : f->pkt[IP4_OFF_PROTO];
}

static int
ip4_is_fragment(const uint8_t *ip)
{
	return (get16(ip + IP4_OFF_FRAG) & (IP4_MF | IP4_FRAG_MASK)) != 0;
}

/*
 * Not a segment. With NEEDS_CSUM the kernel left the checksum for us:
 * the ones' complement sum from csum_start to the end, whose field
 * (csum_start + csum_offset) holds the pseudo-header sum to start from.
 * It never covers the IP header; both must lie inside the packet, and
 * the packet must be all the data, or the sum would be of other bytes
 * than the kernel meant.
 */
static int
parse_plain(struct frame *f, size_t datalen)
{
	size_t start = f->vh.csum_start, off = f->vh.csum_offset;

	f->segs = 1;
	if (!(f->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		f->kind = FRAME_PLAIN;
		return 0;
	}
	if (f->len != datalen || start < f->iphlen || start > f->len ||
	    off > f->len - start || f->len - start - off < 2)
		return -1;
	f->kind = FRAME_CSUM;
	return 0;
}

/* The TCP or UDP header of a segment: complete, and its length. */
static int
parse_l4(struct frame *f)
{
	const uint8_t *l4 = f->pkt + f->iphlen;
	size_t l4len = f->len - f->iphlen, thlen;

	if (f->kind == FRAME_UDP) {
		/* The UDP length covers the whole segment, as sent. */
		if (l4len < UDP_HDR || get16(l4 + UDP_OFF_LEN) != l4len)
			return -1;
		f->hdrlen = f->iphlen + UDP_HDR;
		return 0;
	}
	if (l4len < TCP_HDR_MIN)
		return -1;
	thlen = (size_t)(l4[TCP_OFF_DOFF] >> 4) * 4;
	if (thlen < TCP_HDR_MIN || thlen > l4len)
		return -1;
	f->hdrlen = f->iphlen + thlen;
	return 0;
}

/*
 * A segment to cut. The kernel always asks for the checksum of one
 * (NEEDS_CSUM, starting at the TCP or UDP header), and its type says
 * which protocol and IP version to expect: no IPv6 extension headers, no
 * IPv4 fragments. hdr_len is only a hint of how much of the packet was
 * linear in the kernel (all of a forwarded first segment, for one), so
 * the headers' own lengths are used, and hdr_len is only held to the data.
 */
static int
parse_gso(struct frame *f, size_t datalen, size_t mtu)
{
	uint8_t type = f->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	size_t csum_off, payload;
	uint8_t proto;

	switch (type) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (f->v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6))
			return -1;
		f->kind = FRAME_TCP;
		proto = IPPROTO_TCP;
		csum_off = TCP_OFF_CSUM;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		if (f->vh.gso_type & VIRTIO_NET_HDR_GSO_ECN)
			return -1;
		f->kind = FRAME_UDP;
		proto = IPPROTO_UDP;
		csum_off = UDP_OFF_CSUM;
		break;
	default:
		return -1;
	}
	if (!(f->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    f->len != datalen || ip_proto(f) != proto ||
	    (!f->v6 && ip4_is_fragment(f->pkt)))
		return -1;
	if (f->vh.csum_start != f->iphlen || f->vh.csum_offset != csum_off)
		return -1;
	if (parse_l4(f) == -1 || f->vh.hdr_len > f->len)
		return -1;
	if (f->vh.gso_size == 0 || f->hdrlen >= mtu ||
	    f->vh.gso_size > mtu - f->hdrlen)
		return -1;

	/* A segment no longer than gso_size is one packet, as in the
	 * kernel's own reading of a frame ("not really GSO"). */
	f->mss = f->vh.gso_size;
	payload = f->len - f->hdrlen;
	f->segs = payload <= f->mss ? 1 : (payload + f->mss - 1) / f->mss;
	return 0;
}

static int
frame_parse(const uint8_t *frame, size_t len, size_t mtu, struct frame *f)
{
	const uint8_t flags_known = VIRTIO_NET_HDR_F_NEEDS_CSUM |
	    VIRTIO_NET_HDR_F_DATA_VALID;
	struct pkt_info pi;
	size_t datalen;

	memset(f, 0, sizeof(*f));
	if (frame == NULL || len <= GSO_HDR_LEN || mtu < GSO_MTU_MIN ||
	    mtu > GSO_PKT_MAX)
		return -1;
	memcpy(&f->vh, frame, GSO_HDR_LEN);
	/* Either flag or none: a checksum cannot be both due and valid. */
	if ((f->vh.flags & ~flags_known) != 0 ||
	    f->vh.flags == flags_known)
		return -1;

	f->pkt = frame + GSO_HDR_LEN;
	datalen = len - GSO_HDR_LEN;
	if (pkt_parse(f->pkt, datalen, &pi) == -1)
		return -1;
	f->len = pi.len;
	f->v6 = pi.family == AF_INET6;
	f->iphlen = f->v6 ? IP6_HDR : (size_t)(f->pkt[0] & 0x0f) * 4;

	if (f->vh.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return parse_plain(f, datalen);
	return parse_gso(f, datalen, mtu);
}

/* Length of packet i of a parsed frame. */
static size_t
seg_len(const struct frame *f, size_t i)
{
	if (f->kind == FRAME_PLAIN || f->kind == FRAME_CSUM)
		return f->len;
	if (i + 1 < f->segs)
		return f->hdrlen + f->mss;
	return f->len - i * f->mss;
}

/* The checksum the kernel would complete (skb_checksum_help). */
static void
complete_csum(const struct frame *f, uint8_t *out)
{
	size_t start = f->vh.csum_start;
	uint8_t *field = out + start + f->vh.csum_offset;
	uint16_t sum;

	sum = (uint16_t)~sum_fold(sum_bytes(0, out + start, f->len - start));
	sum_store(field, sum == 0 ? 0xffff : sum);
}

/* IP header of packet i of total bytes. */
static void
fix_ip(const struct frame *f, uint8_t *out, size_t i, size_t total)
{
	if (f->v6) {
		put16(out + IP6_OFF_PLEN, total - IP6_HDR);
		return;
	}
	put16(out + IP4_OFF_LEN, total);
	put16(out + IP4_OFF_ID, (uint16_t)(get16(f->pkt + IP4_OFF_ID) + i));
	ip4_set_csum(out, f->iphlen);
}

/* TCP header of packet i: its sequence number and flags. */
static void
fix_tcp(const struct frame *f, uint8_t *out, size_t i)
{
	uint8_t *th = out + f->iphlen;
	uint32_t seq = get32(f->pkt + f->iphlen + TCP_OFF_SEQ);

	put32(th + TCP_OFF_SEQ, seq + (uint32_t)(i * f->mss));
	if (i > 0)
		th[TCP_OFF_FLAGS] &= (uint8_t)~TCP_CWR;
	if (i + 1 < f->segs)
		th[TCP_OFF_FLAGS] &= (uint8_t)~(TCP_FIN | TCP_PSH);
}

/* Full TCP or UDP checksum of a packet of total bytes. */
static void
fix_l4_csum(const struct frame *f, uint8_t *out, size_t total)
{
	size_t l4len = total - f->iphlen;
	uint8_t *field = out + f->iphlen + f->vh.csum_offset;
	uint64_t acc;
	uint16_t sum;

	put16(field, 0);
	acc = sum_pseudo(out, f->v6, ip_proto(f), l4len);
	sum = (uint16_t)~sum_fold(sum_bytes(acc, out + f->iphlen, l4len));
	/* Zero would mean "no checksum" to UDP. */
	if (sum == 0 && f->kind == FRAME_UDP)
		sum = 0xffff;
	sum_store(field, sum);
}

static void
write_segment(const struct frame *f, size_t i, uint8_t *out)
{
	size_t total = seg_len(f, i);

	memcpy(out, f->pkt, f->hdrlen);
	memcpy(out + f->hdrlen, f->pkt + f->hdrlen + i * f->mss,
	    total - f->hdrlen);
	fix_ip(f, out, i, total);
	if (f->kind == FRAME_TCP)
		fix_tcp(f, out, i);
	else
		put16(out + f->iphlen + UDP_OFF_LEN, total - f->iphlen);
	fix_l4_csum(f, out, total);
}

int
gso_segs(const uint8_t *frame, size_t len, size_t mtu)
{
	struct frame f;

	if (frame_parse(frame, len, mtu, &f) == -1)
		return -1;
	return (int)f.segs;
}

int
gso_split(const uint8_t *frame, size_t len, size_t mtu, struct gso_pkt *out,
    size_t nout)
{
	struct frame f;
	size_t i;

	if (frame_parse(frame, len, mtu, &f) == -1)
		return -1;
	if (out == NULL || f.segs > nout)
		return -1;
	for (i = 0; i < f.segs; i++)
		if (out[i].buf == NULL || out[i].cap < seg_len(&f, i))
			return -1;

	for (i = 0; i < f.segs; i++) {
		out[i].len = seg_len(&f, i);
		switch (f.kind) {
		case FRAME_PLAIN:
			memcpy(out[i].buf, f.pkt, f.len);
			break;
		case FRAME_CSUM:
			memcpy(out[i].buf, f.pkt, f.len);
			complete_csum(&f, out[i].buf);
			break;
		case FRAME_TCP:
		case FRAME_UDP:
			write_segment(&f, i, out[i].buf);
			break;
		}
	}
	return (int)f.segs;
}

int
gso_plain(uint8_t *frame, size_t len)
{
	struct frame f;

	if (frame_parse(frame, len, GSO_PKT_MAX, &f) == -1 ||
	    (f.kind != FRAME_PLAIN && f.kind != FRAME_CSUM))
		return -1;
	if (f.kind == FRAME_CSUM)
		complete_csum(&f, frame + GSO_HDR_LEN);
	return (int)f.len;
}

/* ---- Coalescing -------------------------------------------------------- */

/* What a received packet is to the coalescer. */
enum seg_kind {
	SEG_OTHER,		/* not TCP, or its ports unknown */
	SEG_FLOW,		/* TCP of a known flow, never joined */
	SEG_JOINABLE,		/* TCP that may start or continue a run */
};

struct seg {
	uint8_t *pkt;
	size_t len;
	int v6;
	size_t iphlen;
	size_t thlen;
	size_t plen;		/* TCP payload */
	uint8_t flags;
	uint32_t seq;
};

/*
 * What the kernel's GRO would join: the IP packet exactly the data, no
 * IPv4 options or fragment, no IPv6 extension header, a payload, ACK,
 * and no SYN, RST or URG. A TCP packet short of that still has a flow
 * (addresses and ports) when its ports are there to read.
 */
static enum seg_kind
seg_parse(uint8_t *pkt, size_t len, struct seg *s)
{
	struct pkt_info pi;
	const uint8_t *th;

	memset(s, 0, sizeof(*s));
	s->pkt = pkt;
	s->len = len;
	if (pkt_parse(pkt, len, &pi) == -1)
		return SEG_OTHER;
	s->v6 = pi.family == AF_INET6;
	if (s->v6) {
		s->iphlen = IP6_HDR;
		if (pkt[IP6_OFF_NEXT] != IPPROTO_TCP)
			return SEG_OTHER;
	} else {
		s->iphlen = (size_t)(pkt[0] & 0x0f) * 4;
		if (pkt[IP4_OFF_PROTO] != IPPROTO_TCP ||
		    (get16(pkt + IP4_OFF_FRAG) & IP4_FRAG_MASK) != 0)
			return SEG_OTHER;
	}
	if (pi.len - s->iphlen < TCP_PORTS)
		return SEG_OTHER;

	if (pi.len != len || len > GSO_PKT_MAX)
		return SEG_FLOW;
	if (!s->v6 && (s->iphlen != IP4_HDR_MIN || ip4_is_fragment(pkt)))
		return SEG_FLOW;
	if (len - s->iphlen < TCP_HDR_MIN)
		return SEG_FLOW;
	th = pkt + s->iphlen;
	s->thlen = (size_t)(th[TCP_OFF_DOFF] >> 4) * 4;
	if (s->thlen < TCP_HDR_MIN || s->thlen > len - s->iphlen)
		return SEG_FLOW;
	s->plen = len - s->iphlen - s->thlen;
	s->flags = th[TCP_OFF_FLAGS];
	s->seq = get32(th + TCP_OFF_SEQ);
	if (s->plen == 0 || !(s->flags & TCP_ACK) ||
	    (s->flags & (TCP_SYN | TCP_RST | TCP_URG)))
		return SEG_FLOW;
	return SEG_JOINABLE;
}

/* Nothing may follow a segment with FIN or PSH. */
static int
seg_ends_run(const struct seg *s)
{
	return (s->flags & (TCP_FIN | TCP_PSH)) != 0;
}

/* IPv4 header checksum (if any) and TCP checksum of a whole packet. */
static int
csums_ok(const uint8_t *p, size_t len, size_t iphlen, int v6)
{
	uint64_t acc;

	if (!v6 && sum_fold(sum_bytes(0, p, iphlen)) != SUM_OK)
		return 0;
	acc = sum_pseudo(p, v6, IPPROTO_TCP, len - iphlen);
	return sum_fold(sum_bytes(acc, p + iphlen, len - iphlen)) == SUM_OK;
}

static uint8_t *
run_pkt(struct gro_run *r)
{
	return r->frame + GSO_HDR_LEN;
}

/* Same IP version, addresses and ports. */
static int
same_flow(struct gro_run *r, const struct seg *s)
{
	const uint8_t *h = run_pkt(r);

	if ((h[0] >> 4) != (s->pkt[0] >> 4))
		return 0;
	if (s->v6) {
		if (memcmp(h + IP6_OFF_SRC, s->pkt + IP6_OFF_SRC, IP6_ADDRS))
			return 0;
	} else if (memcmp(h + IP4_OFF_SRC, s->pkt + IP4_OFF_SRC, IP4_ADDRS))
		return 0;
	return memcmp(h + r->iphlen, s->pkt + s->iphlen, TCP_PORTS) == 0;
}

/* Every IP header field but length, ID and checksum. */
static int
same_ip_fields(const uint8_t *h, const uint8_t *p, int v6)
{
	if (v6)
		return memcmp(h, p, IP6_FIRST_WORD) == 0 &&
		    h[IP6_OFF_NEXT] == p[IP6_OFF_NEXT] &&
		    h[IP6_OFF_HOPS] == p[IP6_OFF_HOPS];
	return h[0] == p[0] && h[IP4_OFF_TOS] == p[IP4_OFF_TOS] &&
	    memcmp(h + IP4_OFF_FRAG, p + IP4_OFF_FRAG, 2) == 0 &&
	    h[IP4_OFF_TTL] == p[IP4_OFF_TTL] &&
	    h[IP4_OFF_PROTO] == p[IP4_OFF_PROTO];
}

/*
 * IPv4 IDs must go up by one per segment, as segmentation will number
 * them again; with DF they may instead all be the first one's (a sender
 * that sets none for atomic packets, RFC 6864), as the kernel's GRO
 * allows. The second segment decides which.
 */
static int
ipid_follows(const struct gro_run *r, const uint8_t *p, int *fixed)
{
	uint16_t id = get16(p + IP4_OFF_ID);

	if (r->segs == 1) {
		*fixed = id == r->ipid &&
		    (get16(p + IP4_OFF_FRAG) & IP4_DF) != 0;
		return *fixed || id == (uint16_t)(r->ipid + 1);
	}
	*fixed = r->fixed_id;
	if (r->fixed_id)
		return id == r->ipid;
	return id == (uint16_t)(r->ipid + r->segs);
}

/*
 * Whether s continues the run r (of the same flow). The urgent pointer
 * means nothing without URG, and the kernel's GRO does not compare it;
 * it is held equal here all the same (senders leave it 0), so that a
 * joined packet cut again gives back exactly the segments that went in.
 */
static int
can_join(const struct gro_run *r, const struct seg *s, int *fixed)
{
	const uint8_t *h = r->frame + GSO_HDR_LEN, *p = s->pkt;
	const uint8_t *ht = h + r->iphlen, *pt = p + s->iphlen;
	const uint8_t may_differ = TCP_CWR | TCP_FIN | TCP_PSH;

	*fixed = 0;
	if (s->iphlen != r->iphlen || s->thlen != r->thlen ||
	    !same_ip_fields(h, p, s->v6))
		return 0;
	if (memcmp(ht + TCP_OFF_ACK, pt + TCP_OFF_ACK, 4) != 0 ||
	    ht[TCP_OFF_DOFF] != pt[TCP_OFF_DOFF] ||
	    ((ht[TCP_OFF_FLAGS] ^ pt[TCP_OFF_FLAGS]) & ~may_differ) != 0 ||
	    (pt[TCP_OFF_FLAGS] & TCP_CWR) != 0 ||
	    memcmp(ht + TCP_OFF_WIN, pt + TCP_OFF_WIN, 2) != 0 ||
	    memcmp(ht + TCP_OFF_URP, pt + TCP_OFF_URP,
	    s->thlen - TCP_OFF_URP) != 0)
		return 0;
	if (s->seq != r->next_seq || s->plen > r->mss ||
	    s->plen > GSO_PKT_MAX - r->len)
		return 0;
	return s->v6 || ipid_follows(r, p, fixed);
}

/* Append s to r if it may join; 0 when it did, -1 when not. */
static int
run_join(struct gro_run *r, const struct seg *s)
{
	uint8_t *h = run_pkt(r);
	int fixed;

	if (!can_join(r, s, &fixed) ||
	    !csums_ok(s->pkt, s->len, s->iphlen, s->v6))
		return -1;
	if (!r->verified) {
		if (!csums_ok(h, r->len, r->iphlen, s->v6))
			return -1;
		r->verified = 1;
	}
	memcpy(h + r->len, s->pkt + s->iphlen + s->thlen, s->plen);
	r->len += s->plen;
	r->next_seq += (uint32_t)s->plen;
	r->segs++;
	r->fixed_id = fixed;
	h[r->iphlen + TCP_OFF_FLAGS] |= s->flags & (TCP_FIN | TCP_PSH);
	return 0;
}

/*
 * Headers of a joined packet as the kernel wants it written: its IP
 * length, the TCP checksum field holding the pseudo-header sum only, and
 * a header that says where the checksum goes and how to cut it again.
 */
static void
run_finish(struct gro_run *r, struct virtio_net_hdr *vh)
{
	uint8_t *p = run_pkt(r), *th = p + r->iphlen;
	int v6 = (p[0] >> 4) == 6;

	if (v6)
		put16(p + IP6_OFF_PLEN, r->len - IP6_HDR);
	else {
		put16(p + IP4_OFF_LEN, r->len);
		ip4_set_csum(p, r->iphlen);
	}
	sum_store(th + TCP_OFF_CSUM, sum_fold(sum_pseudo(p, v6, IPPROTO_TCP,
	    r->len - r->iphlen)));

	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	if (th[TCP_OFF_FLAGS] & TCP_CWR)
		vh->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	vh->hdr_len = (uint16_t)(r->iphlen + r->thlen);
	vh->gso_size = (uint16_t)r->mss;
	vh->csum_start = (uint16_t)r->iphlen;
	vh->csum_offset = TCP_OFF_CSUM;
}

/* Write out a run (a packet of one segment as it came) and free it. */
static void
run_emit(struct gro *g, struct gro_run *r)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	if (r->segs > 1)
		run_finish(r, &vh);
	memcpy(r->frame, &vh, GSO_HDR_LEN);
	r->age = 0;
	g->emit(g->arg, r->frame, GSO_HDR_LEN + r->len);
}

static void
emit_plain(struct gro *g, uint8_t *pkt, size_t len)
{
	memset(pkt - GSO_HDR_LEN, 0, GSO_HDR_LEN);
	g->emit(g->arg, pkt - GSO_HDR_LEN, GSO_HDR_LEN + len);
}

static struct gro_run *
run_of_flow(struct gro *g, const struct seg *s)
{
	for (size_t i = 0; i < GRO_RUNS; i++)
		if (g->run[i].age != 0 && same_flow(&g->run[i], s))
			return &g->run[i];
	return NULL;
}

static struct gro_run *
run_oldest(struct gro *g)
{
	struct gro_run *old = NULL;

	for (size_t i = 0; i < GRO_RUNS; i++)
		if (g->run[i].age != 0 &&
		    (old == NULL || g->run[i].age < old->age))
			old = &g->run[i];
	return old;
}

/* A free run, the oldest emitted to make one if need be. */
static struct gro_run *
run_free(struct gro *g)
{
	struct gro_run *r;

	for (size_t i = 0; i < GRO_RUNS; i++)
		if (g->run[i].age == 0)
			return &g->run[i];
	r = run_oldest(g);
	run_emit(g, r);
	return r;
}

/* Start a run with s, copied: the caller's buffer is not kept. */
static void
run_start(struct gro *g, const struct seg *s)
{
	struct gro_run *r = run_free(g);

	memcpy(run_pkt(r), s->pkt, s->len);
	r->age = ++g->clock;
	r->len = s->len;
	r->iphlen = s->iphlen;
	r->thlen = s->thlen;
	r->mss = s->plen;
	r->next_seq = s->seq + (uint32_t)s->plen;
	r->segs = 1;
	r->ipid = s->v6 ? 0 : get16(s->pkt + IP4_OFF_ID);
	r->fixed_id = 0;
	r->verified = 0;
}

int
gro_init(struct gro *g, gro_emit_fn *emit, void *arg)
{
	if (g == NULL || emit == NULL)
		return -1;
	g->emit = emit;
	g->arg = arg;
	g->clock = 0;
	for (size_t i = 0; i < GRO_RUNS; i++)
		g->run[i].age = 0;
	return 0;
}

int
gro_add(struct gro *g, uint8_t *pkt, size_t len)
{
	struct gro_run *r;
	struct seg s;
	enum seg_kind kind;

	if (g == NULL || g->emit == NULL || pkt == NULL || len == 0 ||
	    len > GSO_FRAME_MAX - GSO_HDR_LEN)
		return -1;
	kind = seg_parse(pkt, len, &s);
	r = kind == SEG_OTHER ? NULL : run_of_flow(g, &s);

	if (kind == SEG_JOINABLE && r != NULL && run_join(r, &s) == 0) {
		/* A short segment is the last one too. */
		if (seg_ends_run(&s) || s.plen < r->mss)
			run_emit(g, r);
		return 0;
	}
	/* What cannot join goes after what came before it in its flow. */
	if (r != NULL)
		run_emit(g, r);
	if (kind == SEG_JOINABLE && !seg_ends_run(&s))
		run_start(g, &s);
	else
		emit_plain(g, pkt, len);
	return 0;
}

void
gro_flush(struct gro *g)
{
	struct gro_run *r;

	if (g == NULL || g->emit == NULL)
		return;
	while ((r = run_oldest(g)) != NULL)
		run_emit(g, r);
}

/*
 * libFuzzer harness for segmentation offload (common/gso.c).
 *
 * The first byte picks what to do, the next two the MTU (68 to 4163):
 *
 *   even: the rest is a frame as read from TUN. It is split; every packet
 *         must parse, keep to the MTU (if the frame was a segment), carry
 *         valid checksums and together hold exactly the frame's payload.
 *         The packets then go through the coalescer, and cutting what it
 *         emits must give the very same packets back.
 *   odd:  the rest is a list of packets (a 2-byte length, then the bytes)
 *         as received; with bit 1 set their IPv4 and TCP checksums are
 *         made valid first, so that mutated headers still get joined.
 *         Every packet that goes in must come out once: unchanged behind
 *         a zero header, or in a joined frame that cut again gives it
 *         back (IPv4 ID and checksum fields aside).
 *
 * Every buffer is allocated to the size it should need (each packet's
 * length worked out here from the frame's headers), so AddressSanitizer
 * sees a read or write even one byte too far.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gso.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	PREFIX = 3,
	MAX_PKTS = 8192,
	FILL = 0xa5,
};

/* ---- Reference checksums ----------------------------------------------- */

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

static size_t
iph_len(const uint8_t *ip)
{
	return ip[0] >> 4 == 6 ? 40 : (size_t)(ip[0] & 0x0f) * 4;
}

static uint8_t
l4_proto(const uint8_t *ip)
{
	return ip[0] >> 4 == 6 ? ip[6] : ip[9];
}

/* Pseudo-header, TCP/UDP header and payload of a whole packet. */
static uint16_t
ref_l4_sum(const uint8_t *ip, size_t len)
{
	size_t hl = iph_len(ip);
	uint32_t acc;

	if (ip[0] >> 4 == 6)
		acc = ref_add(0, ip + 8, 32);
	else
		acc = ref_add(0, ip + 12, 8);
	acc += l4_proto(ip) + (uint32_t)(len - hl);
	return ref_fold(ref_add(acc, ip + hl, len - hl));
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- Buffers of exactly the size they should need ---------------------- */

static uint8_t *
xalloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	memset(p, FILL, n);
	return p;
}

/* Packets: split ones, or ones fed to the coalescer. */
struct pkts {
	size_t n;
	uint8_t *p[MAX_PKTS];
	size_t len[MAX_PKTS];
	int used[MAX_PKTS];
};

static void
pkts_free(struct pkts *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->p[i]);
	ps->n = 0;
}

/* Frames the coalescer emitted. */
struct frames {
	size_t n;
	uint8_t *f[MAX_PKTS];
	size_t len[MAX_PKTS];
};

static void
collect(void *arg, const uint8_t *frame, size_t len)
{
	struct frames *fs = arg;

	if (fs->n == MAX_PKTS || len <= GSO_HDR_LEN)
		abort();
	fs->f[fs->n] = xalloc(len);
	memcpy(fs->f[fs->n], frame, len);
	fs->len[fs->n++] = len;
}

static void
frames_free(struct frames *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->f[i]);
	fs->n = 0;
}

static int
zero_header(const uint8_t *frame)
{
	static const uint8_t zero[GSO_HDR_LEN];

	return memcmp(frame, zero, GSO_HDR_LEN) == 0;
}

/* The IP packet's own length, by its header (the frame was accepted). */
static size_t
ip_total(const uint8_t *ip)
{
	return ip[0] >> 4 == 6 ? 40 + (size_t)get16(ip + 4) : get16(ip + 2);
}

/* IP and TCP or UDP headers of a segment. */
static size_t
seg_hdrs(const uint8_t *ip)
{
	size_t hl = iph_len(ip);

	return hl + (l4_proto(ip) == 6 ? (size_t)(ip[hl + 12] >> 4) * 4 : 8);
}

/*
 * Length of packet i of the n a frame becomes, worked out here from the
 * frame's headers: all but the last of gso_size bytes of payload.
 */
static size_t
expected_len(const uint8_t *frame, size_t i, size_t n)
{
	struct virtio_net_hdr vh;
	const uint8_t *ip = frame + GSO_HDR_LEN;

	memcpy(&vh, frame, GSO_HDR_LEN);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE || n == 1)
		return ip_total(ip);
	if (i + 1 < n)
		return seg_hdrs(ip) + vh.gso_size;
	return ip_total(ip) - (n - 1) * vh.gso_size;
}

/*
 * gso_plain() on a copy: for a frame that is no segment, the packet
 * gso_split() wrote, made in place; for a segment, a refusal that leaves
 * the frame alone.
 */
static void
plain_check(const uint8_t *frame, size_t len, const struct gso_pkt *first,
    int n)
{
	struct virtio_net_hdr vh;
	uint8_t *copy = xalloc(len);
	int r;

	memcpy(&vh, frame, GSO_HDR_LEN);
	memcpy(copy, frame, len);
	r = gso_plain(copy, len);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (n != 1 || r != (int)first->len ||
		    memcmp(copy + GSO_HDR_LEN, first->buf, first->len) != 0)
			abort();
	} else if (r != -1 || memcmp(copy, frame, len) != 0)
		abort();
	free(copy);
}

/*
 * Split a frame into packets, each in a buffer of exactly the length it
 * should have; -1 or the count, which must be gso_segs()'s.
 */
static int
split_into(const uint8_t *frame, size_t len, size_t mtu, struct pkts *ps)
{
	static struct gso_pkt out[MAX_PKTS];
	int n = gso_segs(frame, len, mtu);
	uint8_t dummy[1];

	ps->n = 0;
	if (n == -1) {
		out[0].buf = dummy;
		out[0].cap = sizeof(dummy);
		if (gso_split(frame, len, mtu, out, 1) != -1)
			abort();
		return -1;
	}
	if (n < 1 || n > MAX_PKTS)
		abort();
	for (size_t i = 0; i < (size_t)n; i++) {
		out[i].cap = expected_len(frame, i, (size_t)n);
		out[i].buf = xalloc(out[i].cap);
	}
	if (gso_split(frame, len, mtu, out, (size_t)n) != n)
		abort();
	plain_check(frame, len, &out[0], n);
	for (size_t i = 0; i < (size_t)n; i++) {
		if (out[i].len != out[i].cap)
			abort();
		ps->p[i] = out[i].buf;
		ps->len[i] = out[i].len;
		ps->used[i] = 0;
	}
	ps->n = (size_t)n;
	return n;
}

/* Feed packets to a coalescer, each in a buffer of its own with room for
 * the header before it and nothing after. */
static void
coalesce(struct gro *g, const struct pkts *ps, struct frames *fs)
{
	size_t n;

	fs->n = 0;
	if (gro_init(g, collect, fs) == -1)
		abort();
	for (size_t i = 0; i < ps->n; i++) {
		uint8_t *b = xalloc(GSO_HDR_LEN + ps->len[i]);

		memcpy(b + GSO_HDR_LEN, ps->p[i], ps->len[i]);
		if (gro_add(g, b + GSO_HDR_LEN, ps->len[i]) != 0)
			abort();
		/* The packet itself is left as it was. */
		if (memcmp(b + GSO_HDR_LEN, ps->p[i], ps->len[i]) != 0)
			abort();
		free(b);
	}
	gro_flush(g);
	n = fs->n;
	gro_flush(g);			/* a second flush emits nothing */
	if (fs->n != n)
		abort();
}

static struct gro *
the_gro(void)
{
	static struct gro *g;

	if (g == NULL && (g = malloc(sizeof(*g))) == NULL)
		abort();
	return g;
}

/* ---- Even: split, check, join, split again ----------------------------- */

static void
check_split(const uint8_t *frame, size_t flen, size_t mtu,
    const struct pkts *ps)
{
	struct virtio_net_hdr vh;
	struct pkt_info pi;
	const uint8_t *orig = frame + GSO_HDR_LEN;
	size_t hl = iph_len(orig), hdrs, at;

	memcpy(&vh, frame, GSO_HDR_LEN);
	for (size_t i = 0; i < ps->n; i++)
		if (pkt_parse(ps->p[i], ps->len[i], &pi) == -1 ||
		    pi.len != ps->len[i])
			abort();
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (ps->n != 1 || ps->len[0] > flen - GSO_HDR_LEN)
			abort();
		return;
	}

	/* A segment: every packet within the MTU, checksums valid, and
	 * the payloads, in order, the frame's. */
	hdrs = seg_hdrs(orig);
	at = hdrs;
	for (size_t i = 0; i < ps->n; i++) {
		const uint8_t *p = ps->p[i];
		size_t len = ps->len[i];

		if (len > mtu || len < hdrs)
			abort();
		if (p[0] >> 4 == 4 && ref_fold(ref_add(0, p, hl)) != 0xffff)
			abort();
		if (ref_l4_sum(p, len) != 0xffff)
			abort();
		if (memcmp(p + hdrs, orig + at, len - hdrs) != 0)
			abort();
		at += len - hdrs;
	}
	if (at != flen - GSO_HDR_LEN)
		abort();
}

static void
split_roundtrip(uint8_t *frame, size_t flen, size_t mtu)
{
	static struct pkts first, again;
	static struct frames fs;
	size_t k = 0;

	if (split_into(frame, flen, mtu, &first) == -1)
		return;
	check_split(frame, flen, mtu, &first);

	coalesce(the_gro(), &first, &fs);
	for (size_t i = 0; i < fs.n; i++) {
		if (split_into(fs.f[i], fs.len[i], mtu, &again) < 1)
			abort();
		if (zero_header(fs.f[i]) && again.n != 1)
			abort();
		for (size_t j = 0; j < again.n; j++, k++)
			if (k >= first.n || again.len[j] != first.len[k] ||
			    memcmp(again.p[j], first.p[k], again.len[j]) != 0)
				abort();
		pkts_free(&again);
	}
	if (k != first.n)
		abort();
	frames_free(&fs);
	pkts_free(&first);
}

/*
 * Equal but for the IPv4 ID and the checksum fields: a joined packet cut
 * again numbers IDs up (it may have been joined with all the same ID) and
 * writes each checksum as 0 where the sender may have written 0xffff.
 * The checksums are checked on their own.
 */
static int
same_but_id_and_sums(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t hl = iph_len(a), at = hl + 16;

	if (a[0] >> 4 == 4 && (memcmp(a, b, 4) != 0 ||
	    memcmp(a + 6, b + 6, 4) != 0 || memcmp(a + 12, b + 12, hl - 12)))
		return 0;
	if (a[0] >> 4 == 6 && memcmp(a, b, hl) != 0)
		return 0;
	return memcmp(a + hl, b + hl, at - hl) == 0 &&
	    memcmp(a + at + 2, b + at + 2, len - at - 2) == 0;
}

/* ---- Odd: received packets through the coalescer ----------------------- */

/* Valid IPv4 header and TCP checksums, where there are such headers. */
static void
fix_checksums(uint8_t *p, size_t len)
{
	struct pkt_info pi;
	size_t hl, at;

	if (pkt_parse(p, len, &pi) == -1)
		return;
	hl = iph_len(p);
	if (pi.family == AF_INET) {
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~ref_fold(ref_add(0, p, hl)));
	}
	at = hl + 16;
	if (l4_proto(p) != 6 || pi.len < hl + 20)
		return;
	put16(p + at, 0);
	put16(p + at, (uint16_t)~ref_l4_sum(p, pi.len));
}

/* Find the first packet not yet matched that equals p; mark it. */
static int
match(struct pkts *in, const uint8_t *p, size_t len, int joined)
{
	for (size_t i = 0; i < in->n; i++) {
		if (in->used[i] || in->len[i] != len)
			continue;
		if (joined ? !same_but_id_and_sums(in->p[i], p, len) :
		    memcmp(in->p[i], p, len) != 0)
			continue;
		in->used[i] = 1;
		return 1;
	}
	return 0;
}

static void
coalesce_received(const uint8_t *data, size_t size, int fix)
{
	static struct pkts in, again;
	static struct frames fs;
	size_t len;

	in.n = 0;
	while (size >= 2 && in.n < MAX_PKTS) {
		len = get16(data);
		data += 2, size -= 2;
		if (len > size)
			len = size;
		if (len == 0)
			continue;
		in.p[in.n] = xalloc(len);
		memcpy(in.p[in.n], data, len);
		if (fix)
			fix_checksums(in.p[in.n], len);
		in.len[in.n] = len;
		in.used[in.n++] = 0;
		data += len, size -= len;
	}

	coalesce(the_gro(), &in, &fs);
	for (size_t i = 0; i < fs.n; i++) {
		const uint8_t *f = fs.f[i];

		if (zero_header(f)) {
			if (!match(&in, f + GSO_HDR_LEN, fs.len[i] -
			    GSO_HDR_LEN, 0))
				abort();
			continue;
		}
		/* Joined: at least two segments, each valid, each one of
		 * the packets that went in. */
		if (split_into(f, fs.len[i], GSO_PKT_MAX, &again) < 2)
			abort();
		for (size_t j = 0; j < again.n; j++) {
			const uint8_t *p = again.p[j];

			if ((p[0] >> 4 == 4 && ref_fold(ref_add(0, p,
			    iph_len(p))) != 0xffff) ||
			    ref_l4_sum(p, again.len[j]) != 0xffff ||
			    !match(&in, p, again.len[j], 1))
				abort();
		}
		pkts_free(&again);
	}
	for (size_t i = 0; i < in.n; i++)
		if (!in.used[i])
			abort();
	frames_free(&fs);
	pkts_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t mtu, flen;
	uint8_t *frame;

	if (size < PREFIX)
		return 0;
	mtu = GSO_MTU_MIN + get16(data + 1) % 4096;
	if (data[0] & 1) {
		coalesce_received(data + PREFIX, size - PREFIX, data[0] & 2);
		return 0;
	}
	/* The frame in a buffer of its own size, so an overrun is seen. */
	flen = size - PREFIX;
	frame = xalloc(flen);
	memcpy(frame, data + PREFIX, flen);
	split_roundtrip(frame, flen, mtu);
	free(frame);
	return 0;
}

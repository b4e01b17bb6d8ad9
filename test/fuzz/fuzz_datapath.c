/*
 * libFuzzer harness for the data path (udpdata/datapath.c).
 *
 * 1. The input, as a datagram from the network, is opened by a receiver
 *    holding epoch 1 as current and epoch 2 as next. Whatever the verdict,
 *    it must be consistent with the input (too short is malformed, an
 *    accepted packet lies inside the datagram and parses, and so on).
 *    The receiver's slots are installed afresh for each input from fixed
 *    key material, so a datagram that authenticates (the seeds do) and
 *    promotes "next" cannot change the outcome of later inputs.
 *
 * 2. When the first byte is odd, the remaining bytes are sealed as a packet
 *    (or, with bit 1 set, as a keepalive) by a fixed sender and opened by
 *    its fixed peer. Sealing always works, and the verdict must be exactly
 *    what the plaintext calls for: DP_PACKET with the packet unchanged when
 *    it parses as IP with an allowed source, DP_SOURCE when the source is
 *    not allowed, DP_MALFORMED when it does not parse (or is a keepalive
 *    with a body). The same datagram a second time is DP_REPLAY.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	FUZZ_CLIENT_SESSION = 0x0c11e477,
	FUZZ_SERVER_SESSION = 0x5e7e0001,
};

static volatile uint8_t sink;

/* Key material (the client's view) of epochs 1, 2 and 3. */
static struct imsg_key_install client_k[3], server_k[3];
/* Fixed sender and receiver for part 2, under epoch 3. */
static struct dp_keys tx, rx;
/* Inner sources the receiver accepts. */
static struct dp_sources src;

static void touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
}

static void key_material(int cipher, uint32_t epoch,
    struct imsg_key_install *c, struct imsg_key_install *s)
{
	memset(c, 0, sizeof(*c));
	c->epoch = epoch;
	c->slot = KEY_SLOT_CURRENT;
	c->cipher = (uint8_t)cipher;
	c->local_session = FUZZ_CLIENT_SESSION;
	c->remote_session = FUZZ_SERVER_SESSION;
	for (size_t i = 0; i < AEAD_KEY_LEN; i++) {
		c->tx_key[i] = (uint8_t)(0x10 + i + 3 * epoch);
		c->rx_key[i] = (uint8_t)(0x90 + i + 5 * epoch);
	}
	for (size_t i = 0; i < AEAD_IV_LEN; i++) {
		c->tx_iv[i] = (uint8_t)(0x40 + i + epoch);
		c->rx_iv[i] = (uint8_t)(0xc0 + i + epoch);
	}
	/* The server's view: sessions and directions swapped. */
	*s = *c;
	s->local_session = c->remote_session;
	s->remote_session = c->local_session;
	memcpy(s->tx_key, c->rx_key, AEAD_KEY_LEN);
	memcpy(s->tx_iv, c->rx_iv, AEAD_IV_LEN);
	memcpy(s->rx_key, c->tx_key, AEAD_KEY_LEN);
	memcpy(s->rx_iv, c->tx_iv, AEAD_IV_LEN);
}

static struct prefix prefix_of(int family, int plen, const uint8_t *addr)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	p.plen = (uint8_t)plen;
	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return p;
}

static void setup_once(void)
{
	static const uint8_t net4[4] = { 100, 64, 0, 0 };
	static const uint8_t host4[4] = { 100, 64, 9, 2 };
	static const uint8_t net6[16] = { 0xfd, 0x00, 0x64, 0x00 };
	static int done;

	if (done)
		return;
	done = 1;
	/* Epochs 1 and 3 use AES-256-GCM, epoch 2 ChaCha20-Poly1305. */
	key_material(CIPHER_AES256GCM, 1, &client_k[0], &server_k[0]);
	key_material(CIPHER_CHACHA20POLY1305, 2, &client_k[1], &server_k[1]);
	key_material(CIPHER_AES256GCM, 3, &client_k[2], &server_k[2]);
	server_k[1].slot = KEY_SLOT_NEXT;
	if (dp_keys_install(&tx, &client_k[2]) == -1 ||
	    dp_keys_install(&rx, &server_k[2]) == -1)
		abort();
	src.p[0] = prefix_of(AF_INET, 24, net4);
	src.p[1] = prefix_of(AF_INET, 32, host4);
	src.p[2] = prefix_of(AF_INET6, 64, net6);
	src.n = 3;
}

/* Leading plen bits equal: the source rule, written out independently. */
static int bits_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static int expect_allowed(const struct pkt_info *pi)
{
	for (size_t i = 0; i < src.n; i++)
		if (src.p[i].family == pi->family &&
		    bits_match(src.p[i].addr, pi->src, src.p[i].plen))
			return 1;
	return 0;
}

/* Part 1: the input as a datagram off the wire. */
static void open_raw(const uint8_t *data, size_t size)
{
	struct dp_keys keys;
	struct data_hdr h;
	struct pkt_info pi;
	const uint8_t *pkt = NULL;
	size_t pktlen = 0;
	uint8_t *buf;
	enum dp_verdict v;

	memset(&keys, 0, sizeof(keys));
	if (dp_keys_install(&keys, &server_k[0]) == -1 ||
	    dp_keys_install(&keys, &server_k[1]) == -1)
		abort();
	/* Exactly size bytes, so that any read past them is caught. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	v = dp_open(&keys, &src, buf, size, &pkt, &pktlen);
	if ((unsigned)v >= DP_VERDICT_MAX)
		abort();
	if (size < DATA_OVERHEAD) {
		if (v != DP_MALFORMED)
			abort();
		goto out;
	}
	memcpy(&h, data, sizeof(h));
	if ((h.type != DATA_PACKET && h.type != DATA_KEEPALIVE) ||
	    h.flags != 0) {
		if (v != DP_MALFORMED)
			abort();
		goto out;
	}
	switch (v) {
	case DP_PACKET:
		if (h.type != DATA_PACKET || pkt != buf + DATA_HDR_LEN ||
		    pktlen > size - DATA_OVERHEAD ||
		    pkt_parse(pkt, size - DATA_OVERHEAD, &pi) == -1 ||
		    pi.len != pktlen || !expect_allowed(&pi))
			abort();
		touch(pkt, pktlen);
		break;
	case DP_KEEPALIVE:
		if (h.type != DATA_KEEPALIVE || size != DATA_OVERHEAD)
			abort();
		break;
	default:
		break;
	}
	/* The slots change only for a datagram that authenticated... */
	if ((v == DP_NOKEY || v == DP_REPLAY || v == DP_AUTH) &&
	    (keys.cur.epoch != 1 || !keys.next.valid))
		abort();
	/* ...and then next became current and current became previous. */
	if (!keys.next.valid && (keys.cur.epoch != 2 || keys.prev.epoch != 1))
		abort();
out:
	free(buf);
	dp_keys_clear(&keys);
}

/* Part 2: seal the plaintext, open it, and open it again. */
static void seal_and_open(int type, const uint8_t *pt, size_t len)
{
	struct pkt_info pi;
	const uint8_t *pkt = NULL;
	size_t pktlen = 0, cap = len + DATA_OVERHEAD;
	uint8_t *out, *again;
	enum dp_verdict v, want;
	ssize_t n;

	if ((out = malloc(cap)) == NULL || (again = malloc(cap)) == NULL)
		abort();
	/* One byte short of room is refused; exactly enough works. */
	if (dp_seal(&tx, type, pt, len, out, cap - 1) != -1)
		abort();
	n = dp_seal(&tx, type, pt, len, out, cap);
	if (n != (ssize_t)cap)
		abort();
	memcpy(again, out, cap);

	if (type == DATA_KEEPALIVE)
		want = len == 0 ? DP_KEEPALIVE : DP_MALFORMED;
	else if (pkt_parse(pt, len, &pi) == -1)
		want = DP_MALFORMED;
	else
		want = expect_allowed(&pi) ? DP_PACKET : DP_SOURCE;

	v = dp_open(&rx, &src, out, cap, &pkt, &pktlen);
	if (v != want)
		abort();
	if (v == DP_PACKET && (pkt != out + DATA_HDR_LEN ||
	    pktlen != pi.len || memcmp(pkt, pt, pktlen) != 0))
		abort();
	if (dp_open(&rx, &src, again, cap, &pkt, &pktlen) != DP_REPLAY)
		abort();
	free(out);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	open_raw(data, size);
	if (size >= 1 && (data[0] & 1))
		seal_and_open((data[0] & 2) ? DATA_KEEPALIVE : DATA_PACKET,
		    data + 1, size - 1);
	return 0;
}

/*
 * Unit tests for udpdata/datapath.c: sealing packets into datagrams and
 * opening them again with a peer's key slots.
 *
 * Both ends are built from one struct imsg_key_install with the directions
 * swapped, as tcpctl derives them: the client installs epoch 1 as CURRENT
 * and sends at once; the server installs it as NEXT and promotes it on the
 * first datagram that authenticates. Every rule of dp_open is checked for
 * both ciphers: what is malformed, what has no key, what is replayed, what
 * fails authentication (without moving the replay window) and what carries
 * an inner source the peer may not use.
 */
#include <check.h>
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath.h"

static const int ciphers[] = { CIPHER_AES256GCM, CIPHER_CHACHA20POLY1305 };
enum { NCIPHERS = sizeof(ciphers) / sizeof(ciphers[0]) };

enum {
	CLIENT_SESSION = 0x0c11e477,	/* the client receives with this */
	SERVER_SESSION = 0x5e7e0001,	/* the server receives with this */
	BUFSZ = DATA_MAX_DGRAM + 64,
};

/* Client and server of one tunnel. */
static struct dp_keys client, server;
/* What each side accepts as inner source. */
static struct dp_sources server_src, client_src;

/* Scratch packets and datagrams, static to keep the stack small. */
static uint8_t pkt[BUFSZ], dgram[BUFSZ], copy[BUFSZ];

/* ---- Key material ------------------------------------------------------ */

/*
 * The client's view of an epoch; every key byte depends on the epoch so
 * two epochs never share a key.
 */
static struct imsg_key_install client_view(int cipher, uint32_t epoch,
    int slot)
{
	struct imsg_key_install k;

	memset(&k, 0, sizeof(k));
	k.epoch = epoch;
	k.slot = (uint8_t)slot;
	k.cipher = (uint8_t)cipher;
	k.local_session = CLIENT_SESSION;
	k.remote_session = SERVER_SESSION;
	for (size_t i = 0; i < AEAD_KEY_LEN; i++) {
		k.tx_key[i] = (uint8_t)(0x10 + i + 3 * epoch);	/* c2s */
		k.rx_key[i] = (uint8_t)(0x90 + i + 5 * epoch);	/* s2c */
	}
	for (size_t i = 0; i < AEAD_IV_LEN; i++) {
		k.tx_iv[i] = (uint8_t)(0x40 + i + epoch);
		k.rx_iv[i] = (uint8_t)(0xc0 + i + epoch);
	}
	return k;
}

/* The same epoch from the server's side: sessions and directions swapped. */
static struct imsg_key_install server_view(int cipher, uint32_t epoch,
    int slot)
{
	struct imsg_key_install c = client_view(cipher, epoch, slot), s = c;

	s.local_session = c.remote_session;
	s.remote_session = c.local_session;
	memcpy(s.tx_key, c.rx_key, AEAD_KEY_LEN);
	memcpy(s.tx_iv, c.rx_iv, AEAD_IV_LEN);
	memcpy(s.rx_key, c.tx_key, AEAD_KEY_LEN);
	memcpy(s.rx_iv, c.tx_iv, AEAD_IV_LEN);
	return s;
}

static void install(struct dp_keys *keys, struct imsg_key_install k)
{
	ck_assert_int_eq(dp_keys_install(keys, &k), 0);
}

/* ---- Packets --------------------------------------------------------------- */

static const uint8_t client_v4[4] = { 100, 64, 0, 2 };
static const uint8_t server_v4[4] = { 100, 64, 0, 1 };
static const uint8_t other_v4[4] = { 100, 64, 0, 3 };
static const uint8_t client_v6[16] = { 0xfd, 0x00, 0x64, 0x00, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t server_v6[16] = { 0xfd, 0x00, 0x64, 0x00, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t other_v6[16] = { 0xfd, 0x00, 0x64, 0x00, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 3 };

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4/UDP packet of len bytes (>= 28) from src to dst. */
static size_t build_v4(uint8_t *p, size_t len, const uint8_t src[4],
    const uint8_t dst[4])
{
	uint32_t sum = 0;

	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, len);
	put16(p + 4, 0x1234);		/* identification */
	p[8] = 64;			/* TTL */
	p[9] = 17;			/* UDP */
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(p + 10, ~sum & 0xffff);
	put16(p + 20, 40000);		/* UDP ports and length */
	put16(p + 22, 53);
	put16(p + 24, len - 20);
	for (size_t i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 13);
	return len;
}

/* An IPv6/UDP packet of len bytes (>= 48) from src to dst. */
static size_t build_v6(uint8_t *p, size_t len, const uint8_t src[16],
    const uint8_t dst[16])
{
	memset(p, 0, len);
	p[0] = 0x60;
	put16(p + 4, len - 40);		/* payload length */
	p[6] = 17;			/* next header: UDP */
	p[7] = 64;			/* hop limit */
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	put16(p + 40, 40000);
	put16(p + 42, 53);
	put16(p + 44, len - 40);
	for (size_t i = 48; i < len; i++)
		p[i] = (uint8_t)(i * 29);
	return len;
}

static struct prefix host_prefix(int family, const uint8_t *addr)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	p.plen = family == AF_INET ? 32 : 128;
	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return p;
}

static struct prefix any_prefix(int family)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	return p;
}

/* ---- Fixture ---------------------------------------------------------------- */

static void setup(void)
{
	memset(&client, 0, sizeof(client));
	memset(&server, 0, sizeof(server));
	/* The server accepts exactly the client's tunnel addresses. */
	memset(&server_src, 0, sizeof(server_src));
	server_src.p[0] = host_prefix(AF_INET, client_v4);
	server_src.p[1] = host_prefix(AF_INET6, client_v6);
	server_src.n = 2;
	/* The client accepts anything the server routes to it. */
	memset(&client_src, 0, sizeof(client_src));
	client_src.p[0] = any_prefix(AF_INET);
	client_src.p[1] = any_prefix(AF_INET6);
	client_src.n = 2;
}

static void teardown(void)
{
	dp_keys_clear(&client);
	dp_keys_clear(&server);
}

/* Epoch 1 as tcpctl installs it: client CURRENT, server NEXT. */
static void first_epoch(int cipher)
{
	install(&client, client_view(cipher, 1, KEY_SLOT_CURRENT));
	install(&server, server_view(cipher, 1, KEY_SLOT_NEXT));
}

/* Seal len bytes of p from keys into dgram; the datagram's length. */
static size_t seal(struct dp_keys *keys, int type, const uint8_t *p,
    size_t len)
{
	ssize_t n = dp_seal(keys, type, p, len, dgram, sizeof(dgram));

	ck_assert_int_eq(n, (ssize_t)(len + DATA_OVERHEAD));
	return (size_t)n;
}

/* Open a copy of dgram (dp_open works in place; dgram stays intact). */
static enum dp_verdict open_copy(struct dp_keys *keys,
    const struct dp_sources *src, size_t len, const uint8_t **out,
    size_t *outlen)
{
	const uint8_t *dummy;
	size_t dummylen;

	memcpy(copy, dgram, len);
	return dp_open(keys, src, copy, len, out ? out : &dummy,
	    outlen ? outlen : &dummylen);
}

static enum dp_verdict server_opens(size_t len)
{
	return open_copy(&server, &server_src, len, NULL, NULL);
}

/* A client packet through to the server, checked byte for byte. */
static void client_to_server_ok(const uint8_t *p, size_t len)
{
	const uint8_t *out;
	size_t outlen, n = seal(&client, DATA_PACKET, p, len);

	ck_assert_int_eq(open_copy(&server, &server_src, n, &out, &outlen),
	    DP_PACKET);
	ck_assert_uint_eq(outlen, len);
	ck_assert_ptr_eq(out, copy + DATA_HDR_LEN);
	ck_assert_mem_eq(out, p, len);
}

static void server_to_client_ok(const uint8_t *p, size_t len)
{
	const uint8_t *out;
	size_t outlen, n = seal(&server, DATA_PACKET, p, len);

	ck_assert_int_eq(open_copy(&client, &client_src, n, &out, &outlen),
	    DP_PACKET);
	ck_assert_uint_eq(outlen, len);
	ck_assert_mem_eq(out, p, len);
}

/* Let the server promote epoch 1 with one keepalive from the client. */
static void establish(int cipher)
{
	size_t n;

	first_epoch(cipher);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
}

/* Header fields of the datagram in dgram. */
static struct data_hdr hdr_of(void)
{
	struct data_hdr h;

	memcpy(&h, dgram, sizeof(h));
	return h;
}

static void set_hdr(const struct data_hdr *h)
{
	memcpy(dgram, h, sizeof(*h));
}

/* ---- Round trips ------------------------------------------------------------- */

START_TEST(round_trip_ipv4)
{
	size_t len = build_v4(pkt, 84, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	client_to_server_ok(pkt, len);
}
END_TEST

START_TEST(round_trip_ipv6)
{
	size_t len = build_v6(pkt, 104, client_v6, server_v6);

	first_epoch(ciphers[_i]);
	client_to_server_ok(pkt, len);
}
END_TEST

START_TEST(round_trip_keepalive)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_uint_eq(n, DATA_OVERHEAD);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
}
END_TEST

START_TEST(round_trip_largest_mtu)
{
	size_t len = build_v4(pkt, GUARD_MAX_MTU, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	client_to_server_ok(pkt, len);
}
END_TEST

/*
 * Longer than any datagram a peer may send: malformed before anything
 * else, even a copy of a good one with bytes added (which a replay check
 * would otherwise see first), and the window does not move: the good one
 * still opens.
 */
START_TEST(longer_than_largest_is_malformed)
{
	size_t len = build_v4(pkt, GUARD_MAX_MTU, client_v4, server_v4);
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_uint_eq(n, DATA_MAX_DGRAM);
	ck_assert_int_eq(server_opens(n + 1), DP_MALFORMED);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	ck_assert_int_eq(server_opens(n + 1), DP_MALFORMED);
	ck_assert_int_eq(server_opens(n), DP_REPLAY);
}
END_TEST

START_TEST(round_trip_smallest_ipv4)
{
	/* A bare 20-byte header is an IP packet too. */
	build_v4(pkt, 28, client_v4, server_v4);
	pkt[3] = 20;
	first_epoch(ciphers[_i]);
	client_to_server_ok(pkt, 20);
}
END_TEST

START_TEST(round_trip_ipv4_with_options)
{
	size_t len = build_v4(pkt, 64, client_v4, server_v4);

	pkt[0] = 0x46;		/* IHL 6: one word of options */
	first_epoch(ciphers[_i]);
	client_to_server_ok(pkt, len);
}
END_TEST

START_TEST(server_to_client_after_promotion)
{
	size_t len = build_v4(pkt, 84, server_v4, client_v4);

	establish(ciphers[_i]);
	server_to_client_ok(pkt, len);
	len = build_v6(pkt, 1420, server_v6, client_v6);
	server_to_client_ok(pkt, len);
}
END_TEST

START_TEST(many_packets_in_order)
{
	size_t len = build_v4(pkt, 200, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	for (int i = 0; i < 100; i++)
		client_to_server_ok(pkt, len);
}
END_TEST

/* The IP total length, not the plaintext, bounds what is delivered. */
START_TEST(padding_after_packet_is_dropped)
{
	const uint8_t *out;
	size_t outlen, n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	memset(pkt + len, 0xee, 8);
	n = seal(&client, DATA_PACKET, pkt, len + 8);
	ck_assert_int_eq(open_copy(&server, &server_src, n, &out, &outlen),
	    DP_PACKET);
	ck_assert_uint_eq(outlen, len);
	ck_assert_mem_eq(out, pkt, len);
}
END_TEST

/* Datagrams may arrive out of order within the replay window. */
START_TEST(reordered_datagrams_open)
{
	static uint8_t saved[3][256];
	size_t n[3], len = build_v4(pkt, 100, client_v4, server_v4);
	static const int order[3] = { 2, 0, 1 };

	first_epoch(ciphers[_i]);
	for (int i = 0; i < 3; i++) {
		n[i] = seal(&client, DATA_PACKET, pkt, len);
		memcpy(saved[i], dgram, n[i]);
	}
	for (int i = 0; i < 3; i++) {
		memcpy(dgram, saved[order[i]], n[order[i]]);
		ck_assert_int_eq(server_opens(n[order[i]]), DP_PACKET);
	}
}
END_TEST

/*
 * Only the newest datagram under the current key is marked newest (only
 * it may move the peer's endpoint): not a reordered one, not a refused
 * one.
 */
START_TEST(only_the_newest_is_marked)
{
	static uint8_t saved[3][256];
	size_t n[3], len = build_v4(pkt, 100, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	for (int i = 0; i < 3; i++) {
		n[i] = seal(&client, DATA_PACKET, pkt, len);
		memcpy(saved[i], dgram, n[i]);
	}
	/* The first promotes next: a fresh window, so the newest. */
	memcpy(dgram, saved[0], n[0]);
	ck_assert_int_eq(server_opens(n[0]), DP_PACKET);
	ck_assert_int_eq(server.rx_newest, 1);
	memcpy(dgram, saved[2], n[2]);
	ck_assert_int_eq(server_opens(n[2]), DP_PACKET);
	ck_assert_int_eq(server.rx_newest, 1);
	memcpy(dgram, saved[1], n[1]);
	ck_assert_int_eq(server_opens(n[1]), DP_PACKET);
	ck_assert_int_eq(server.rx_newest, 0);
	/* A replay of the newest, and a forged datagram far ahead. */
	memcpy(dgram, saved[2], n[2]);
	ck_assert_int_eq(server_opens(n[2]), DP_REPLAY);
	ck_assert_int_eq(server.rx_newest, 0);
	n[0] = seal(&client, DATA_PACKET, pkt, len);
	dgram[DATA_HDR_LEN] ^= 1;
	ck_assert_int_eq(server_opens(n[0]), DP_AUTH);
	ck_assert_int_eq(server.rx_newest, 0);
}
END_TEST

/* A straggler under the previous key opens but is never the newest. */
START_TEST(straggler_is_not_newest)
{
	static uint8_t straggler[256];
	size_t sn, n, len = build_v4(pkt, 120, client_v4, server_v4);

	establish(ciphers[_i]);
	sn = seal(&client, DATA_PACKET, pkt, len);	/* epoch 1, late */
	memcpy(straggler, dgram, sn);
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_NEXT));
	install(&client, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	ck_assert_int_eq(server.rx_newest, 1);
	memcpy(dgram, straggler, sn);
	ck_assert_int_eq(server_opens(sn), DP_PACKET);
	ck_assert_int_eq(server.rx_newest, 0);
}
END_TEST

/* ---- What goes on the wire ------------------------------------------------ */

START_TEST(sealed_header_layout)
{
	struct data_hdr h;
	size_t len = build_v4(pkt, 40, client_v4, server_v4);

	install(&client, client_view(ciphers[_i], 0x12345, KEY_SLOT_CURRENT));
	for (uint64_t c = 0; c < 3; c++) {
		ck_assert_uint_eq(seal(&client, DATA_PACKET, pkt, len),
		    len + DATA_OVERHEAD);
		h = hdr_of();
		ck_assert_uint_eq(h.type, DATA_PACKET);
		ck_assert_uint_eq(h.flags, 0);
		/* Only the epoch's low 16 bits travel. */
		ck_assert_uint_eq(be16toh(h.epoch), 0x2345);
		/* The receiver's session id: the server's. */
		ck_assert_uint_eq(be32toh(h.session), SERVER_SESSION);
		ck_assert_uint_eq(be64toh(h.counter), c);
	}
	seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_uint_eq(hdr_of().type, DATA_KEEPALIVE);
}
END_TEST

/* The plaintext does not appear in the datagram. */
START_TEST(payload_is_encrypted)
{
	size_t len = build_v4(pkt, 200, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_ne(memcmp(dgram + DATA_HDR_LEN, pkt, len), 0);
}
END_TEST

/* ---- Key slots ------------------------------------------------------------------ */

/* The server cannot send before the client's first datagram promoted next. */
START_TEST(next_only_cannot_seal)
{
	first_epoch(ciphers[_i]);
	ck_assert_int_eq(dp_seal(&server, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), -1);
}
END_TEST

START_TEST(first_datagram_promotes_next)
{
	size_t n;

	first_epoch(ciphers[_i]);
	ck_assert_int_eq(server.cur.valid, 0);
	ck_assert_int_eq(server.next.valid, 1);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
	ck_assert_int_eq(server.cur.valid, 1);
	ck_assert_uint_eq(server.cur.epoch, 1);
	ck_assert_int_eq(server.next.valid, 0);
	/* Nothing was current before, so nothing is previous now. */
	ck_assert_int_eq(server.prev.valid, 0);
}
END_TEST

/*
 * A rekey: the server has epoch 1 current and installs epoch 2 as next;
 * the client switches to epoch 2. The first epoch-2 datagram makes 2 the
 * server's current and 1 its previous, which still opens stragglers.
 */
START_TEST(rekey_promotes_next_and_keeps_prev)
{
	static uint8_t straggler[256];
	size_t sn, n, len = build_v4(pkt, 120, client_v4, server_v4);

	establish(ciphers[_i]);
	sn = seal(&client, DATA_PACKET, pkt, len);	/* epoch 1, late */
	memcpy(straggler, dgram, sn);
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_NEXT));
	install(&client, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));

	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_uint_eq(be16toh(hdr_of().epoch), 2);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	ck_assert_uint_eq(server.cur.epoch, 2);
	ck_assert_int_eq(server.prev.valid, 1);
	ck_assert_uint_eq(server.prev.epoch, 1);
	ck_assert_int_eq(server.next.valid, 0);

	memcpy(dgram, straggler, sn);
	ck_assert_int_eq(server_opens(sn), DP_PACKET);
	/* The server now seals under epoch 2, and the client opens it. */
	len = build_v4(pkt, 90, server_v4, client_v4);
	server_to_client_ok(pkt, len);
	ck_assert_uint_eq(be16toh(hdr_of().epoch), 2);
}
END_TEST

/* A forged datagram under next must not switch keys. */
START_TEST(failed_auth_does_not_promote)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	dgram[n - 1] ^= 1;
	ck_assert_int_eq(server_opens(n), DP_AUTH);
	ck_assert_int_eq(server.cur.valid, 0);
	ck_assert_int_eq(server.next.valid, 1);
}
END_TEST

/* A packet under next that authenticates but is spoofed still switches:
 * the peer has evidently switched, whatever it sent. */
START_TEST(spoofed_but_authentic_promotes)
{
	size_t n, len = build_v4(pkt, 60, other_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
	ck_assert_int_eq(server.cur.valid, 1);
	ck_assert_int_eq(server.next.valid, 0);
}
END_TEST

START_TEST(new_current_moves_old_to_prev)
{
	static uint8_t old[256];
	size_t on, n, len = build_v4(pkt, 100, client_v4, server_v4);
	struct dp_keys c2;

	/* Two client key sets, epochs 1 and 2; the server installs both as
	 * CURRENT, one after the other. */
	memset(&c2, 0, sizeof(c2));
	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&c2, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	ck_assert_uint_eq(server.cur.epoch, 2);
	ck_assert_int_eq(server.prev.valid, 1);
	ck_assert_uint_eq(server.prev.epoch, 1);

	on = seal(&client, DATA_PACKET, pkt, len);
	memcpy(old, dgram, on);
	n = seal(&c2, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	memcpy(dgram, old, on);
	ck_assert_int_eq(server_opens(on), DP_PACKET);
	dp_keys_clear(&c2);
}
END_TEST

/* ---- Key ages and volume ------------------------------------------------- */

/* The previous key opens stragglers for the grace period, then goes. */
START_TEST(previous_key_wiped_after_grace)
{
	client.now = 100;
	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&client, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	ck_assert_uint_eq(client.prev.retired_at, 100);
	client.now = 110;
	ck_assert_int_eq(dp_keys_expire(&client, 1000, 10), 0);
	ck_assert(client.prev.valid);
	client.now = 111;
	ck_assert_int_eq(dp_keys_expire(&client, 1000, 10), DP_EXPIRED_PREV);
	ck_assert(!client.prev.valid);
	ck_assert(client.cur.valid);
}
END_TEST

/* A key past its hard age is never used to seal again. */
START_TEST(current_key_wiped_at_age_limit)
{
	client.now = 5;
	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	client.now = 65;
	ck_assert_int_eq(dp_keys_expire(&client, 60, 10), 0);
	client.now = 66;
	ck_assert_int_eq(dp_keys_expire(&client, 60, 10), DP_EXPIRED_CUR);
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), -1);
}
END_TEST

/* An unpromoted next key ages like the others. */
START_TEST(next_key_wiped_at_age_limit)
{
	server.now = 0;
	first_epoch(ciphers[_i]);
	server.now = 61;
	ck_assert_int_eq(dp_keys_expire(&server, 60, 10), DP_EXPIRED_NEXT);
	ck_assert(!server.next.valid);
}
END_TEST

/* Sealing counts plaintext bytes per key, keepalives as nothing. */
START_TEST(sealed_bytes_counted_per_key)
{
	static const uint8_t payload[100];

	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	seal(&client, DATA_PACKET, payload, sizeof(payload));
	seal(&client, DATA_KEEPALIVE, NULL, 0);
	seal(&client, DATA_PACKET, payload, 40);
	ck_assert_uint_eq(client.cur.tx_bytes, 140);
	install(&client, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	ck_assert_uint_eq(client.cur.tx_bytes, 0);
}
END_TEST

/*
 * We propose epoch 3 while the peer's epoch 2 (our "next") has not
 * reached us yet: 2 becomes the previous key, so what the peer still
 * seals under it opens, and it is never promoted over 3.
 */
START_TEST(newer_current_keeps_unpromoted_next_as_previous)
{
	size_t n;

	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&client, client_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_NEXT));
	install(&server, server_view(ciphers[_i], 3, KEY_SLOT_CURRENT));
	ck_assert_uint_eq(server.cur.epoch, 3);
	ck_assert_uint_eq(server.prev.epoch, 2);
	ck_assert(!server.next.valid);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
	ck_assert_uint_eq(server.cur.epoch, 3);
}
END_TEST

/* Only one previous key: a third current wipes the first. */
START_TEST(third_current_drops_first)
{
	size_t n;

	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 3, KEY_SLOT_CURRENT));
	ck_assert_uint_eq(server.prev.epoch, 2);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
}
END_TEST

/*
 * A second NEXT before the first was promoted: the other side has been
 * sealing under the first since it proposed the second, so the first
 * becomes current and its datagrams still open.
 */
START_TEST(new_next_promotes_unused_next)
{
	size_t n;

	first_epoch(ciphers[_i]);
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_NEXT));
	ck_assert_uint_eq(server.next.epoch, 2);
	ck_assert_uint_eq(server.cur.epoch, 1);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
}
END_TEST

/* Installing next leaves current and previous alone. */
START_TEST(next_leaves_current_alone)
{
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	establish(ciphers[_i]);
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_NEXT));
	ck_assert_uint_eq(server.cur.epoch, 1);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	/* Epoch 1 opened: no switch. */
	ck_assert_uint_eq(server.cur.epoch, 1);
	ck_assert_int_eq(server.next.valid, 1);
}
END_TEST

START_TEST(clear_invalidates_every_slot)
{
	size_t n;

	establish(ciphers[_i]);
	install(&server, server_view(ciphers[_i], 2, KEY_SLOT_CURRENT));
	install(&server, server_view(ciphers[_i], 3, KEY_SLOT_NEXT));
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	dp_keys_clear(&server);
	ck_assert_int_eq(server.prev.valid, 0);
	ck_assert_int_eq(server.cur.valid, 0);
	ck_assert_int_eq(server.next.valid, 0);
	ck_assert_ptr_null(server.cur.tx);
	ck_assert_ptr_null(server.cur.rx);
	ck_assert_int_eq(dp_seal(&server, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), -1);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
	/* Clearing twice, or clearing empty keys, is harmless. */
	dp_keys_clear(&server);
}
END_TEST

/* ---- Installation refused ------------------------------------------------- */

START_TEST(install_rejects_bad_slot)
{
	struct imsg_key_install k = client_view(ciphers[_i], 1, 2);

	ck_assert_int_eq(dp_keys_install(&client, &k), -1);
	k.slot = 255;
	ck_assert_int_eq(dp_keys_install(&client, &k), -1);
	ck_assert_int_eq(client.cur.valid, 0);
	ck_assert_int_eq(client.next.valid, 0);
}
END_TEST

START_TEST(install_rejects_zero_session)
{
	struct imsg_key_install k = client_view(ciphers[_i], 1,
	    KEY_SLOT_CURRENT);

	k.local_session = 0;
	ck_assert_int_eq(dp_keys_install(&client, &k), -1);
	k = client_view(ciphers[_i], 1, KEY_SLOT_CURRENT);
	k.remote_session = 0;
	ck_assert_int_eq(dp_keys_install(&client, &k), -1);
	ck_assert_int_eq(client.cur.valid, 0);
}
END_TEST

START_TEST(install_rejects_zero_epoch)
{
	struct imsg_key_install k = client_view(ciphers[_i], 0,
	    KEY_SLOT_CURRENT);

	ck_assert_int_eq(dp_keys_install(&client, &k), -1);
	ck_assert_int_eq(client.cur.valid, 0);
}
END_TEST

START_TEST(install_rejects_unknown_cipher)
{
	static const uint8_t bad[] = { 0, 3, 0x7f, 0xff };

	for (size_t i = 0; i < sizeof(bad); i++) {
		struct imsg_key_install k = client_view(CIPHER_AES256GCM, 1,
		    KEY_SLOT_CURRENT);

		k.cipher = bad[i];
		ck_assert_int_eq(dp_keys_install(&client, &k), -1);
		ck_assert_int_eq(client.cur.valid, 0);
	}
}
END_TEST

/* A refused install leaves the keys in use untouched. */
START_TEST(refused_install_keeps_keys)
{
	struct imsg_key_install k = server_view(ciphers[_i], 2,
	    KEY_SLOT_CURRENT);
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	establish(ciphers[_i]);
	k.cipher = 0;
	ck_assert_int_eq(dp_keys_install(&server, &k), -1);
	k = server_view(ciphers[_i], 2, KEY_SLOT_NEXT);
	k.local_session = 0;
	ck_assert_int_eq(dp_keys_install(&server, &k), -1);
	ck_assert_uint_eq(server.cur.epoch, 1);
	ck_assert_int_eq(server.prev.valid, 0);
	ck_assert_int_eq(server.next.valid, 0);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

/* ---- Sealing refused --------------------------------------------------------- */

START_TEST(seal_without_key)
{
	size_t len = build_v4(pkt, 60, client_v4, server_v4);

	ck_assert_int_eq(dp_seal(&client, DATA_PACKET, pkt, len, dgram,
	    sizeof(dgram)), -1);
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), -1);
}
END_TEST

START_TEST(seal_cap_too_small)
{
	size_t len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	ck_assert_int_eq(dp_seal(&client, DATA_PACKET, pkt, len, dgram,
	    len + DATA_OVERHEAD - 1), -1);
	ck_assert_int_eq(dp_seal(&client, DATA_PACKET, pkt, len, dgram,
	    DATA_OVERHEAD), -1);
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram,
	    DATA_OVERHEAD - 1), -1);
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram, 0),
	    -1);
	/* Exactly enough room is enough. */
	ck_assert_int_eq(dp_seal(&client, DATA_PACKET, pkt, len, dgram,
	    len + DATA_OVERHEAD), (ssize_t)(len + DATA_OVERHEAD));
	ck_assert_int_eq(server_opens(len + DATA_OVERHEAD), DP_PACKET);
}
END_TEST

/* A refused seal writes nothing past cap. */
START_TEST(seal_cap_too_small_writes_nothing_beyond)
{
	size_t len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	memset(dgram, 0xcc, sizeof(dgram));
	ck_assert_int_eq(dp_seal(&client, DATA_PACKET, pkt, len, dgram, 40),
	    -1);
	for (size_t i = 40; i < len + DATA_OVERHEAD; i++)
		ck_assert_uint_eq(dgram[i], 0xcc);
}
END_TEST

/* A key that sealed REJECT_AFTER_MESSAGES packets seals no more. */
START_TEST(spent_key_refuses_to_seal)
{
	first_epoch(ciphers[_i]);
	client.cur.tx_counter = REJECT_AFTER_MESSAGES - 1;
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), DATA_OVERHEAD);
	ck_assert_int_eq(dp_seal(&client, DATA_KEEPALIVE, NULL, 0, dgram,
	    sizeof(dgram)), -1);
}
END_TEST

/* ---- Opening refused: no key ------------------------------------------------ */

START_TEST(open_without_any_key)
{
	size_t n;

	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
}
END_TEST

START_TEST(wrong_session_is_nokey)
{
	struct data_hdr h;
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	h = hdr_of();
	h.session = htobe32(SERVER_SESSION + 1);
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
	/* The client's own session id is not the server's either. */
	h.session = htobe32(CLIENT_SESSION);
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
	h.session = 0;
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
}
END_TEST

START_TEST(wrong_epoch_is_nokey)
{
	struct data_hdr h;
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	h = hdr_of();
	h.epoch = htobe16(2);
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
	h.epoch = 0;
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_NOKEY);
	/* Nothing moved: the genuine one still promotes. */
	h.epoch = htobe16(1);
	set_hdr(&h);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
}
END_TEST

/* ---- Opening refused: authentication --------------------------------------- */

/*
 * A counter bit flipped: the counter is new, so the tag is what refuses
 * it. Afterwards the genuine datagram opens (the window did not move) and
 * so does the datagram that really has the flipped counter.
 */
START_TEST(flipped_header_bit_is_auth)
{
	static uint8_t genuine[256];
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);	/* counter 0 */
	memcpy(genuine, dgram, n);
	dgram[15] ^= 1;					/* counter 1 */
	ck_assert_int_eq(server_opens(n), DP_AUTH);
	memcpy(dgram, genuine, n);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	seal(&client, DATA_PACKET, pkt, len);		/* counter 1 */
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

START_TEST(flipped_ciphertext_bit_is_auth)
{
	static uint8_t genuine[256];
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	memcpy(genuine, dgram, n);
	dgram[DATA_HDR_LEN + 12] ^= 0x40;	/* inside the source address */
	ck_assert_int_eq(server_opens(n), DP_AUTH);
	memcpy(dgram, genuine, n);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

START_TEST(flipped_tag_bit_is_auth)
{
	static uint8_t genuine[256];
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	memcpy(genuine, dgram, n);
	dgram[n - AEAD_TAG_LEN] ^= 0x80;
	ck_assert_int_eq(server_opens(n), DP_AUTH);
	memcpy(dgram, genuine, n);
	dgram[n - 1] ^= 0x01;
	ck_assert_int_eq(server_opens(n), DP_AUTH);
	memcpy(dgram, genuine, n);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

/* A datagram cut short by whole bytes fails the tag, not the parser. */
START_TEST(truncated_but_long_enough_is_auth)
{
	static uint8_t genuine[256];
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	memcpy(genuine, dgram, n);
	ck_assert_int_eq(server_opens(n - 1), DP_AUTH);
	ck_assert_int_eq(server_opens(DATA_OVERHEAD), DP_AUTH);
	memcpy(dgram, genuine, n);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

/*
 * Every single-bit change anywhere in a datagram is refused, whatever the
 * reason, and none of them moves the window or promotes a key.
 */
START_TEST(every_bit_flip_refused)
{
	static uint8_t genuine[128];
	size_t n, len = build_v4(pkt, 40, client_v4, server_v4);
	enum dp_verdict v;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	memcpy(genuine, dgram, n);
	for (size_t bit = 0; bit < n * 8; bit++) {
		memcpy(dgram, genuine, n);
		dgram[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		v = server_opens(n);
		ck_assert_msg(v == DP_MALFORMED || v == DP_NOKEY ||
		    v == DP_REPLAY || v == DP_AUTH, "bit %zu: %s", bit,
		    dp_verdict_name(v));
		ck_assert_int_eq(server.cur.valid, 0);
	}
	memcpy(dgram, genuine, n);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
}
END_TEST

/* Keys of another epoch, or the other cipher, do not open it. */
START_TEST(other_cipher_is_auth)
{
	int other = ciphers[(_i + 1) % NCIPHERS];
	size_t n;

	install(&client, client_view(ciphers[_i], 1, KEY_SLOT_CURRENT));
	install(&server, server_view(other, 1, KEY_SLOT_NEXT));
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_AUTH);
}
END_TEST

/* The client's own datagram reflected back to it does not open. */
START_TEST(reflected_datagram_refused)
{
	size_t n;
	enum dp_verdict v;

	establish(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	v = open_copy(&client, &client_src, n, NULL, NULL);
	ck_assert_int_eq(v, DP_NOKEY);
}
END_TEST

/* ---- Opening refused: replay ----------------------------------------------- */

START_TEST(replay_is_refused)
{
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	ck_assert_int_eq(server_opens(n), DP_REPLAY);
	ck_assert_int_eq(server_opens(n), DP_REPLAY);
}
END_TEST

START_TEST(replay_of_keepalive_is_refused)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
	ck_assert_int_eq(server_opens(n), DP_REPLAY);
}
END_TEST

/* Older than the window: refused before any decryption. */
START_TEST(too_old_is_replay)
{
	static uint8_t old[64];
	size_t on, n;

	first_epoch(ciphers[_i]);
	on = seal(&client, DATA_KEEPALIVE, NULL, 0);	/* counter 0 */
	memcpy(old, dgram, on);
	client.cur.tx_counter = REPLAY_WINDOW + 10;
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
	memcpy(dgram, old, on);
	ck_assert_int_eq(server_opens(on), DP_REPLAY);
}
END_TEST

/* ---- Opening refused: malformed ----------------------------------------------- */

/* Every length below the fixed overhead, including 0. */
START_TEST(truncated_below_overhead)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	ck_assert_uint_eq(n, DATA_OVERHEAD);
	for (size_t len = 0; len < DATA_OVERHEAD; len++)
		ck_assert_msg(server_opens(len) == DP_MALFORMED, "len %zu",
		    len);
	/* Still the first: nothing moved. */
	ck_assert_int_eq(server_opens(n), DP_KEEPALIVE);
}
END_TEST

START_TEST(bad_type_is_malformed)
{
	static const uint8_t types[] = { 0, 3, 4, 0x81, 0xff };
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	for (size_t i = 0; i < sizeof(types); i++) {
		struct data_hdr h = hdr_of();

		h.type = types[i];
		set_hdr(&h);
		ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	}
}
END_TEST

START_TEST(nonzero_flags_is_malformed)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, NULL, 0);
	for (int bit = 0; bit < 8; bit++) {
		struct data_hdr h = hdr_of();

		h.flags = (uint8_t)(1u << bit);
		set_hdr(&h);
		ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	}
}
END_TEST

/* Sealed by the right key, but a keepalive must be empty. */
START_TEST(keepalive_with_payload_is_malformed)
{
	size_t n, len = build_v4(pkt, 40, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_KEEPALIVE, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	n = seal(&client, DATA_KEEPALIVE, pkt, 1);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
}
END_TEST

START_TEST(empty_packet_is_malformed)
{
	size_t n;

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, NULL, 0);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
}
END_TEST

/* Authenticated plaintext that is no IP packet at all. */
START_TEST(authentic_garbage_is_malformed)
{
	size_t n;

	first_epoch(ciphers[_i]);
	memset(pkt, 0x00, 64);
	n = seal(&client, DATA_PACKET, pkt, 64);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	memcpy(pkt, "GET / HTTP/1.0\r\n\r\n", 18);
	n = seal(&client, DATA_PACKET, pkt, 18);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
}
END_TEST

/* IP-looking but broken headers, each sealed properly. */
START_TEST(authentic_bad_ip_header_is_malformed)
{
	size_t n, len;

	first_epoch(ciphers[_i]);
	/* IPv4 claiming more than was sent. */
	len = build_v4(pkt, 60, client_v4, server_v4);
	put16(pkt + 2, 61);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	/* IPv4 with IHL below 5. */
	len = build_v4(pkt, 60, client_v4, server_v4);
	pkt[0] = 0x44;
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	/* IPv4 cut inside its header. */
	len = build_v4(pkt, 60, client_v4, server_v4);
	n = seal(&client, DATA_PACKET, pkt, 19);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	/* IPv6 with a payload length beyond the datagram. */
	len = build_v6(pkt, 60, client_v6, server_v6);
	put16(pkt + 4, 21);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	/* IPv6 shorter than its fixed header. */
	len = build_v6(pkt, 60, client_v6, server_v6);
	n = seal(&client, DATA_PACKET, pkt, 39);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
	/* Version 5. */
	len = build_v4(pkt, 60, client_v4, server_v4);
	pkt[0] = 0x55;
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_MALFORMED);
}
END_TEST

/* ---- Opening refused: inner source ----------------------------------------- */

START_TEST(spoofed_ipv4_source)
{
	size_t n, len = build_v4(pkt, 60, other_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
}
END_TEST

START_TEST(spoofed_ipv6_source)
{
	size_t n, len = build_v6(pkt, 60, other_v6, server_v6);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
}
END_TEST

/* An address of the right bytes but the other family is not a match. */
START_TEST(source_family_must_match)
{
	size_t n, len;

	first_epoch(ciphers[_i]);
	server_src.n = 1;		/* IPv4 only */
	len = build_v6(pkt, 60, client_v6, server_v6);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
	server_src.p[0] = server_src.p[1];	/* IPv6 only */
	len = build_v4(pkt, 60, client_v4, server_v4);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
}
END_TEST

START_TEST(no_sources_allows_nothing)
{
	size_t n, len = build_v4(pkt, 60, client_v4, server_v4);

	first_epoch(ciphers[_i]);
	server_src.n = 0;
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
}
END_TEST

/* A subnet prefix allows every address inside it and nothing outside. */
START_TEST(source_in_subnet)
{
	static const uint8_t inside[4] = { 100, 64, 7, 200 };
	static const uint8_t outside[4] = { 100, 64, 8, 1 };
	size_t n, len;

	first_epoch(ciphers[_i]);
	server_src.p[0].addr[2] = 7;
	server_src.p[0].addr[3] = 0;
	server_src.p[0].plen = 24;
	len = build_v4(pkt, 60, inside, server_v4);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_PACKET);
	len = build_v4(pkt, 60, outside, server_v4);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
}
END_TEST

/* A spoofed packet authenticated, so its counter is spent. */
START_TEST(spoofed_packet_counts_as_seen)
{
	size_t n, len = build_v4(pkt, 60, other_v4, server_v4);

	first_epoch(ciphers[_i]);
	n = seal(&client, DATA_PACKET, pkt, len);
	ck_assert_int_eq(server_opens(n), DP_SOURCE);
	ck_assert_int_eq(server_opens(n), DP_REPLAY);
}
END_TEST

/* ---- Names ---------------------------------------------------------------------- */

START_TEST(verdict_names)
{
	ck_assert_str_eq(dp_verdict_name(DP_PACKET), "packet");
	ck_assert_str_eq(dp_verdict_name(DP_KEEPALIVE), "keepalive");
	ck_assert_str_eq(dp_verdict_name(DP_MALFORMED), "malformed");
	ck_assert_str_eq(dp_verdict_name(DP_NOKEY), "no key");
	ck_assert_str_eq(dp_verdict_name(DP_REPLAY), "replay");
	ck_assert_str_eq(dp_verdict_name(DP_AUTH), "auth failed");
	ck_assert_str_eq(dp_verdict_name(DP_SOURCE), "spoofed source");
}
END_TEST

START_TEST(verdict_names_distinct_and_present)
{
	for (int a = 0; a < DP_VERDICT_MAX; a++) {
		ck_assert_ptr_nonnull(dp_verdict_name((enum dp_verdict)a));
		ck_assert_str_ne(dp_verdict_name((enum dp_verdict)a),
		    "unknown");
		for (int b = a + 1; b < DP_VERDICT_MAX; b++)
			ck_assert_str_ne(dp_verdict_name((enum dp_verdict)a),
			    dp_verdict_name((enum dp_verdict)b));
	}
}
END_TEST

START_TEST(verdict_name_unknown)
{
	ck_assert_str_eq(dp_verdict_name(DP_VERDICT_MAX), "unknown");
	ck_assert_str_eq(dp_verdict_name((enum dp_verdict)1000), "unknown");
	ck_assert_str_eq(dp_verdict_name((enum dp_verdict)-1), "unknown");
}
END_TEST

static TCase *cipher_case(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

#define ADD(tc, fn)	tcase_add_loop_test(tc, fn, 0, NCIPHERS)

static Suite *datapath_suite(void)
{
	Suite *s = suite_create("datapath");
	TCase *tc;

	tc = cipher_case("round trip");
	ADD(tc, round_trip_ipv4);
	ADD(tc, round_trip_ipv6);
	ADD(tc, round_trip_keepalive);
	ADD(tc, round_trip_largest_mtu);
	ADD(tc, longer_than_largest_is_malformed);
	ADD(tc, round_trip_smallest_ipv4);
	ADD(tc, round_trip_ipv4_with_options);
	ADD(tc, server_to_client_after_promotion);
	ADD(tc, many_packets_in_order);
	ADD(tc, padding_after_packet_is_dropped);
	ADD(tc, reordered_datagrams_open);
	ADD(tc, only_the_newest_is_marked);
	ADD(tc, sealed_header_layout);
	ADD(tc, payload_is_encrypted);
	suite_add_tcase(s, tc);

	tc = cipher_case("key slots");
	ADD(tc, next_only_cannot_seal);
	ADD(tc, first_datagram_promotes_next);
	ADD(tc, rekey_promotes_next_and_keeps_prev);
	ADD(tc, straggler_is_not_newest);
	ADD(tc, failed_auth_does_not_promote);
	ADD(tc, spoofed_but_authentic_promotes);
	ADD(tc, new_current_moves_old_to_prev);
	ADD(tc, third_current_drops_first);
	ADD(tc, newer_current_keeps_unpromoted_next_as_previous);
	ADD(tc, previous_key_wiped_after_grace);
	ADD(tc, current_key_wiped_at_age_limit);
	ADD(tc, next_key_wiped_at_age_limit);
	ADD(tc, sealed_bytes_counted_per_key);
	ADD(tc, new_next_promotes_unused_next);
	ADD(tc, next_leaves_current_alone);
	ADD(tc, clear_invalidates_every_slot);
	suite_add_tcase(s, tc);

	tc = cipher_case("install refused");
	ADD(tc, install_rejects_bad_slot);
	ADD(tc, install_rejects_zero_session);
	ADD(tc, install_rejects_zero_epoch);
	tcase_add_test(tc, install_rejects_unknown_cipher);
	ADD(tc, refused_install_keeps_keys);
	suite_add_tcase(s, tc);

	tc = cipher_case("seal refused");
	tcase_add_test(tc, seal_without_key);
	ADD(tc, seal_cap_too_small);
	ADD(tc, seal_cap_too_small_writes_nothing_beyond);
	ADD(tc, spent_key_refuses_to_seal);
	suite_add_tcase(s, tc);

	tc = cipher_case("no key");
	ADD(tc, open_without_any_key);
	ADD(tc, wrong_session_is_nokey);
	ADD(tc, wrong_epoch_is_nokey);
	ADD(tc, reflected_datagram_refused);
	suite_add_tcase(s, tc);

	tc = cipher_case("auth");
	ADD(tc, flipped_header_bit_is_auth);
	ADD(tc, flipped_ciphertext_bit_is_auth);
	ADD(tc, flipped_tag_bit_is_auth);
	ADD(tc, truncated_but_long_enough_is_auth);
	ADD(tc, every_bit_flip_refused);
	ADD(tc, other_cipher_is_auth);
	suite_add_tcase(s, tc);

	tc = cipher_case("replay");
	ADD(tc, replay_is_refused);
	ADD(tc, replay_of_keepalive_is_refused);
	ADD(tc, too_old_is_replay);
	ADD(tc, spoofed_packet_counts_as_seen);
	suite_add_tcase(s, tc);

	tc = cipher_case("malformed");
	ADD(tc, truncated_below_overhead);
	ADD(tc, bad_type_is_malformed);
	ADD(tc, nonzero_flags_is_malformed);
	ADD(tc, keepalive_with_payload_is_malformed);
	ADD(tc, empty_packet_is_malformed);
	ADD(tc, authentic_garbage_is_malformed);
	ADD(tc, authentic_bad_ip_header_is_malformed);
	suite_add_tcase(s, tc);

	tc = cipher_case("source");
	ADD(tc, spoofed_ipv4_source);
	ADD(tc, spoofed_ipv6_source);
	ADD(tc, source_family_must_match);
	ADD(tc, no_sources_allows_nothing);
	ADD(tc, source_in_subnet);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, verdict_names);
	tcase_add_test(tc, verdict_names_distinct_and_present);
	tcase_add_test(tc, verdict_name_unknown);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(datapath_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

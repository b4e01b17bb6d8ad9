/*
 * Unit tests for common/aead.c: published known-answer vectors, round
 * trips for both ciphers, and every way a datagram can be tampered with.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "aead.h"

/* Each looped test runs once per cipher: loop index -> cipher id. */
static const int ciphers[] = { CIPHER_AES256GCM, CIPHER_CHACHA20POLY1305 };
enum { NCIPHERS = sizeof(ciphers) / sizeof(ciphers[0]) };

static const uint8_t test_key[AEAD_KEY_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};
static const uint8_t test_iv[AEAD_IV_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
};
static const uint8_t test_aad[DATA_HDR_LEN] = {
	DATA_PACKET, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 42,
};

enum { BIG = GUARD_MAX_MTU };
static uint8_t pt_buf[BIG];
static uint8_t ct_buf[BIG + AEAD_TAG_LEN];
static uint8_t out_buf[BIG + AEAD_TAG_LEN];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode lowercase hex (spaces ignored) into out; returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		int hi, lo;

		if (*s == ' ') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hexval(s[1]);
		ck_assert(hi >= 0 && lo >= 0 && n < max);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static void fill_pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static struct aead *sealer(int cipher)
{
	struct aead *a = aead_new(cipher, test_key, test_iv, 1);

	ck_assert_ptr_nonnull(a);
	return a;
}

static struct aead *opener(int cipher)
{
	struct aead *a = aead_new(cipher, test_key, test_iv, 0);

	ck_assert_ptr_nonnull(a);
	return a;
}

/* Seal len pattern bytes under counter into ct_buf with test_aad. */
static void seal_pattern(int cipher, uint64_t counter, size_t len)
{
	struct aead *s = sealer(cipher);

	fill_pattern(pt_buf, len, (uint8_t)counter);
	ck_assert_int_eq(aead_seal(s, counter, test_aad, sizeof(test_aad),
	    pt_buf, len, ct_buf), 0);
	aead_free(s);
}

/* Open ct_buf (len bytes sealed) into out_buf; returns aead_open's result. */
static int open_with(int cipher, uint64_t counter, const uint8_t *aad,
    size_t aadlen, size_t len)
{
	struct aead *o = opener(cipher);
	int rc = aead_open(o, counter, aad, aadlen, ct_buf, len, out_buf);

	aead_free(o);
	return rc;
}

static void round_trip(int cipher, size_t len)
{
	seal_pattern(cipher, 5, len);
	ck_assert_int_eq(open_with(cipher, 5, test_aad, sizeof(test_aad),
	    len + AEAD_TAG_LEN), 0);
	if (len > 0)
		ck_assert_mem_eq(out_buf, pt_buf, len);
}

/* ---- Names and ids ------------------------------------------------------ */

START_TEST(name_aes_to_id)
{
	ck_assert_int_eq(cipher_from_name("aes-256-gcm"), CIPHER_AES256GCM);
}
END_TEST

START_TEST(name_chacha_to_id)
{
	ck_assert_int_eq(cipher_from_name("chacha20-poly1305"),
	    CIPHER_CHACHA20POLY1305);
}
END_TEST

START_TEST(name_unknown_is_minus_one)
{
	ck_assert_int_eq(cipher_from_name("aes-128-gcm"), -1);
	ck_assert_int_eq(cipher_from_name("aes-256-gcm "), -1);
	ck_assert_int_eq(cipher_from_name("aes"), -1);
	ck_assert_int_eq(cipher_from_name(""), -1);
	ck_assert_int_eq(cipher_from_name(NULL), -1);
}
END_TEST

START_TEST(id_to_name)
{
	ck_assert_str_eq(cipher_name(CIPHER_AES256GCM), "aes-256-gcm");
	ck_assert_str_eq(cipher_name(CIPHER_CHACHA20POLY1305),
	    "chacha20-poly1305");
}
END_TEST

START_TEST(id_unknown_has_no_name)
{
	ck_assert_ptr_null(cipher_name(0));
	ck_assert_ptr_null(cipher_name(3));
	ck_assert_ptr_null(cipher_name(-1));
}
END_TEST

START_TEST(name_round_trip)
{
	int id = ciphers[_i];

	ck_assert_int_eq(cipher_from_name(cipher_name(id)), id);
}
END_TEST

/* ---- Construction ------------------------------------------------------- */

START_TEST(new_unknown_cipher_is_null)
{
	ck_assert_ptr_null(aead_new(0, test_key, test_iv, 1));
	ck_assert_ptr_null(aead_new(3, test_key, test_iv, 0));
	ck_assert_ptr_null(aead_new(-1, test_key, test_iv, 1));
}
END_TEST

START_TEST(free_null_is_fine)
{
	aead_free(NULL);
}
END_TEST

/* ---- Nonce -------------------------------------------------------------- */

START_TEST(nonce_counter_zero_is_iv)
{
	uint8_t nonce[AEAD_IV_LEN];

	aead_nonce(test_iv, 0, nonce);
	ck_assert_mem_eq(nonce, test_iv, AEAD_IV_LEN);
}
END_TEST

START_TEST(nonce_counter_is_big_endian_in_last_eight)
{
	static const uint8_t zero[AEAD_IV_LEN];
	static const uint8_t want[AEAD_IV_LEN] = {
		0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	uint8_t nonce[AEAD_IV_LEN];

	aead_nonce(zero, 0x0102030405060708ULL, nonce);
	ck_assert_mem_eq(nonce, want, AEAD_IV_LEN);
}
END_TEST

START_TEST(nonce_counter_one_flips_last_bit)
{
	uint8_t nonce[AEAD_IV_LEN], want[AEAD_IV_LEN];

	memcpy(want, test_iv, AEAD_IV_LEN);
	want[11] ^= 1;
	aead_nonce(test_iv, 1, nonce);
	ck_assert_mem_eq(nonce, want, AEAD_IV_LEN);
}
END_TEST

START_TEST(nonce_xors_into_iv)
{
	static const uint8_t want[AEAD_IV_LEN] = {
		0xa0, 0xa1, 0xa2, 0xa3,
		0xa4 ^ 0xff, 0xa5 ^ 0xee, 0xa6 ^ 0xdd, 0xa7 ^ 0xcc,
		0xa8 ^ 0xbb, 0xa9 ^ 0xaa, 0xaa ^ 0x99, 0xab ^ 0x88,
	};
	uint8_t nonce[AEAD_IV_LEN];

	aead_nonce(test_iv, 0xffeeddccbbaa9988ULL, nonce);
	ck_assert_mem_eq(nonce, want, AEAD_IV_LEN);
}
END_TEST

START_TEST(nonce_leaves_first_four_bytes)
{
	uint8_t nonce[AEAD_IV_LEN];

	aead_nonce(test_iv, UINT64_MAX, nonce);
	ck_assert_mem_eq(nonce, test_iv, 4);
	for (int i = 4; i < AEAD_IV_LEN; i++)
		ck_assert_uint_eq(nonce[i], (uint8_t)~test_iv[i]);
}
END_TEST

/* ---- Known answers ------------------------------------------------------ */

/*
 * One published vector: seal must give exactly ct || tag, and open must
 * give back pt. The IV is the vector's nonce XOR counter, so the nonce
 * Guard builds for that counter is the vector's nonce.
 */
struct kat {
	int cipher;
	const char *key, *nonce, *aad, *pt, *ct, *tag;
};

static void run_kat(const struct kat *k, uint64_t counter)
{
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_IV_LEN], iv[AEAD_IV_LEN];
	static const uint8_t zero_iv[AEAD_IV_LEN];
	uint8_t ctr_only[AEAD_IV_LEN];
	uint8_t aad[64], pt[128], want[128 + AEAD_TAG_LEN];
	uint8_t got[128 + AEAD_TAG_LEN];
	size_t aadlen, ptlen, ctlen, taglen;
	struct aead *a;

	ck_assert_uint_eq(unhex(k->key, key, sizeof(key)), AEAD_KEY_LEN);
	ck_assert_uint_eq(unhex(k->nonce, nonce, sizeof(nonce)), AEAD_IV_LEN);
	aadlen = unhex(k->aad, aad, sizeof(aad));
	ptlen = unhex(k->pt, pt, sizeof(pt));
	ctlen = unhex(k->ct, want, sizeof(want));
	taglen = unhex(k->tag, want + ctlen, sizeof(want) - ctlen);
	ck_assert_uint_eq(ctlen, ptlen);
	ck_assert_uint_eq(taglen, AEAD_TAG_LEN);
	/* iv = nonce ^ counter, so aead_nonce(iv, counter) = nonce. */
	aead_nonce(zero_iv, counter, ctr_only);
	for (int i = 0; i < AEAD_IV_LEN; i++)
		iv[i] = nonce[i] ^ ctr_only[i];

	a = aead_new(k->cipher, key, iv, 1);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(aead_seal(a, counter, aad, aadlen, pt, ptlen, got),
	    0);
	ck_assert_mem_eq(got, want, ptlen + AEAD_TAG_LEN);
	aead_free(a);

	a = aead_new(k->cipher, key, iv, 0);
	ck_assert_ptr_nonnull(a);
	memset(got, 0xff, sizeof(got));
	ck_assert_int_eq(aead_open(a, counter, aad, aadlen, want,
	    ptlen + AEAD_TAG_LEN, got), 0);
	if (ptlen > 0)
		ck_assert_mem_eq(got, pt, ptlen);
	aead_free(a);
}

/* The GCM specification (McGrew, Viega), test case 13: AES-256, empty. */
static const struct kat gcm_tc13 = {
	CIPHER_AES256GCM,
	"0000000000000000000000000000000000000000000000000000000000000000",
	"000000000000000000000000", "", "", "",
	"530f8afbc74536b9a963b4f1c4cb738b",
};

/* Test case 14: AES-256, one zero block. */
static const struct kat gcm_tc14 = {
	CIPHER_AES256GCM,
	"0000000000000000000000000000000000000000000000000000000000000000",
	"000000000000000000000000", "",
	"00000000000000000000000000000000",
	"cea7403d4d606b6e074ec5d3baf39d18",
	"d0d1c8a799996bf0265b98b5d48ab919",
};

/* Test case 15: AES-256, 64 bytes, no AAD. */
static const struct kat gcm_tc15 = {
	CIPHER_AES256GCM,
	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	"cafebabefacedbaddecaf888", "",
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	"b094dac5d93471bdec1a502270e3cc6c",
};

/* Test case 16: AES-256, 60 bytes, 20 bytes of AAD. */
static const struct kat gcm_tc16 = {
	CIPHER_AES256GCM,
	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	"cafebabefacedbaddecaf888",
	"feedfacedeadbeeffeedfacedeadbeefabaddad2",
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	"76fc6ece0f4e1768cddf8853bb2d551b",
};

/*
 * RFC 8439 section 2.8.2: the "sunscreen" plaintext (114 bytes), nonce =
 * constant 07000000 || IV 4041424344454647.
 */
static const struct kat chacha_rfc8439 = {
	CIPHER_CHACHA20POLY1305,
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	"070000004041424344454647",
	"50515253c0c1c2c3c4c5c6c7",
	/* "Ladies and Gentlemen of the class of '99: If I could offer you
	 * only one tip for the future, sunscreen would be it." */
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	"637265656e20776f756c642062652069742e",
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	"3ff4def08e4b7a9de576d26586cec64b6116",
	"1ae10b594f09e26a7e902ecbd0600691",
};

START_TEST(kat_gcm_tc13_empty)
{
	run_kat(&gcm_tc13, 0);
}
END_TEST

START_TEST(kat_gcm_tc14_one_block)
{
	run_kat(&gcm_tc14, 0);
}
END_TEST

START_TEST(kat_gcm_tc15_no_aad)
{
	run_kat(&gcm_tc15, 0);
}
END_TEST

START_TEST(kat_gcm_tc16_with_aad)
{
	run_kat(&gcm_tc16, 0);
}
END_TEST

START_TEST(kat_gcm_tc16_nonzero_counter)
{
	run_kat(&gcm_tc16, 0x0123456789abcdefULL);
}
END_TEST

START_TEST(kat_chacha_rfc8439)
{
	run_kat(&chacha_rfc8439, 0);
}
END_TEST

START_TEST(kat_chacha_rfc8439_nonzero_counter)
{
	run_kat(&chacha_rfc8439, 0xfedcba9876543210ULL);
}
END_TEST

/* ---- Round trips (looped over both ciphers) ----------------------------- */

START_TEST(round_trip_empty)
{
	round_trip(ciphers[_i], 0);
}
END_TEST

START_TEST(round_trip_one_byte)
{
	round_trip(ciphers[_i], 1);
}
END_TEST

START_TEST(round_trip_default_mtu)
{
	round_trip(ciphers[_i], GUARD_DEFAULT_MTU);
}
END_TEST

START_TEST(round_trip_9000)
{
	round_trip(ciphers[_i], 9000);
}
END_TEST

START_TEST(round_trip_odd_lengths)
{
	for (size_t len = 1; len < 70; len += 3)
		round_trip(ciphers[_i], len);
}
END_TEST

START_TEST(empty_seal_is_tag_only)
{
	struct aead *s = sealer(ciphers[_i]);
	uint8_t tag[AEAD_TAG_LEN] = { 0 };
	static const uint8_t zero[AEAD_TAG_LEN];

	ck_assert_int_eq(aead_seal(s, 0, test_aad, sizeof(test_aad), NULL, 0,
	    tag), 0);
	/* A zero tag is possible in principle, but not for these inputs. */
	ck_assert(memcmp(tag, zero, sizeof(tag)) != 0);
	aead_free(s);
}
END_TEST

START_TEST(empty_open_with_null_out)
{
	int cipher = ciphers[_i];
	struct aead *o;

	seal_pattern(cipher, 3, 0);
	o = opener(cipher);
	ck_assert_int_eq(aead_open(o, 3, test_aad, sizeof(test_aad), ct_buf,
	    AEAD_TAG_LEN, NULL), 0);
	aead_free(o);
}
END_TEST

START_TEST(no_aad_round_trip)
{
	int cipher = ciphers[_i];
	struct aead *s = sealer(cipher), *o = opener(cipher);

	fill_pattern(pt_buf, 100, 9);
	ck_assert_int_eq(aead_seal(s, 1, NULL, 0, pt_buf, 100, ct_buf), 0);
	ck_assert_int_eq(aead_open(o, 1, NULL, 0, ct_buf, 100 + AEAD_TAG_LEN,
	    out_buf), 0);
	ck_assert_mem_eq(out_buf, pt_buf, 100);
	/* The header matters: the same datagram with one fails. */
	ck_assert_int_eq(aead_open(o, 1, test_aad, sizeof(test_aad), ct_buf,
	    100 + AEAD_TAG_LEN, out_buf), -1);
	aead_free(s);
	aead_free(o);
}
END_TEST

START_TEST(in_place_seal_and_open)
{
	int cipher = ciphers[_i];
	struct aead *s = sealer(cipher), *o = opener(cipher);
	size_t len = 1400;

	fill_pattern(pt_buf, len, 1);
	memcpy(out_buf, pt_buf, len);
	ck_assert_int_eq(aead_seal(s, 77, test_aad, sizeof(test_aad),
	    out_buf, len, out_buf), 0);
	/* Same bytes as sealing out of place. */
	ck_assert_int_eq(aead_seal(s, 77, test_aad, sizeof(test_aad), pt_buf,
	    len, ct_buf), 0);
	ck_assert_mem_eq(out_buf, ct_buf, len + AEAD_TAG_LEN);
	ck_assert_int_eq(aead_open(o, 77, test_aad, sizeof(test_aad),
	    out_buf, len + AEAD_TAG_LEN, out_buf), 0);
	ck_assert_mem_eq(out_buf, pt_buf, len);
	aead_free(s);
	aead_free(o);
}
END_TEST

START_TEST(many_packets_one_context)
{
	int cipher = ciphers[_i];
	struct aead *s = sealer(cipher), *o = opener(cipher);

	for (uint64_t ctr = 0; ctr < 200; ctr++) {
		size_t len = (size_t)(ctr * 13 % 300);

		fill_pattern(pt_buf, len, (uint8_t)ctr);
		ck_assert_int_eq(aead_seal(s, ctr, test_aad, sizeof(test_aad),
		    pt_buf, len, ct_buf), 0);
		ck_assert_int_eq(aead_open(o, ctr, test_aad, sizeof(test_aad),
		    ct_buf, len + AEAD_TAG_LEN, out_buf), 0);
		if (len > 0)
			ck_assert_mem_eq(out_buf, pt_buf, len);
	}
	aead_free(s);
	aead_free(o);
}
END_TEST

START_TEST(counters_give_different_ciphertexts)
{
	int cipher = ciphers[_i];
	struct aead *s = sealer(cipher);
	uint8_t a[64 + AEAD_TAG_LEN], b[64 + AEAD_TAG_LEN];

	fill_pattern(pt_buf, 64, 0);
	ck_assert_int_eq(aead_seal(s, 1, test_aad, sizeof(test_aad), pt_buf,
	    64, a), 0);
	ck_assert_int_eq(aead_seal(s, 2, test_aad, sizeof(test_aad), pt_buf,
	    64, b), 0);
	ck_assert(memcmp(a, b, 64) != 0);
	ck_assert(memcmp(a + 64, b + 64, AEAD_TAG_LEN) != 0);
	aead_free(s);
}
END_TEST

START_TEST(largest_counter_round_trips)
{
	int cipher = ciphers[_i];
	struct aead *s = sealer(cipher), *o = opener(cipher);

	fill_pattern(pt_buf, 32, 4);
	ck_assert_int_eq(aead_seal(s, UINT64_MAX, test_aad, sizeof(test_aad),
	    pt_buf, 32, ct_buf), 0);
	ck_assert_int_eq(aead_open(o, UINT64_MAX, test_aad, sizeof(test_aad),
	    ct_buf, 32 + AEAD_TAG_LEN, out_buf), 0);
	ck_assert_mem_eq(out_buf, pt_buf, 32);
	aead_free(s);
	aead_free(o);
}
END_TEST

/* ---- Tampering (looped over both ciphers) ------------------------------- */

START_TEST(flipped_ciphertext_bit_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ct_buf[150] ^= 0x10;
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(flipped_first_and_last_ciphertext_bits_fail)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ct_buf[0] ^= 0x01;
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
	ct_buf[0] ^= 0x01;
	ct_buf[299] ^= 0x80;
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(flipped_tag_bit_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ct_buf[300 + AEAD_TAG_LEN - 1] ^= 0x01;
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(flipped_tag_bit_on_empty_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 0);
	ct_buf[0] ^= 0x01;
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(flipped_aad_bit_fails)
{
	int cipher = ciphers[_i];
	uint8_t aad[sizeof(test_aad)];

	seal_pattern(cipher, 9, 300);
	memcpy(aad, test_aad, sizeof(aad));
	aad[sizeof(aad) - 1] ^= 0x01;
	ck_assert_int_eq(open_with(cipher, 9, aad, sizeof(aad),
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(shorter_aad_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad) - 1,
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(wrong_counter_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ck_assert_int_eq(open_with(cipher, 10, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
	ck_assert_int_eq(open_with(cipher, 9 | (1ULL << 63), test_aad,
	    sizeof(test_aad), 300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(wrong_key_fails)
{
	int cipher = ciphers[_i];
	uint8_t key[AEAD_KEY_LEN];
	struct aead *o;

	seal_pattern(cipher, 9, 300);
	memcpy(key, test_key, sizeof(key));
	key[0] ^= 0x01;
	o = aead_new(cipher, key, test_iv, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(aead_open(o, 9, test_aad, sizeof(test_aad), ct_buf,
	    300 + AEAD_TAG_LEN, out_buf), -1);
	aead_free(o);
}
END_TEST

START_TEST(wrong_iv_fails)
{
	int cipher = ciphers[_i];
	uint8_t iv[AEAD_IV_LEN];
	struct aead *o;

	seal_pattern(cipher, 9, 300);
	memcpy(iv, test_iv, sizeof(iv));
	iv[0] ^= 0x01;
	o = aead_new(cipher, test_key, iv, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(aead_open(o, 9, test_aad, sizeof(test_aad), ct_buf,
	    300 + AEAD_TAG_LEN, out_buf), -1);
	aead_free(o);
}
END_TEST

START_TEST(other_cipher_fails)
{
	int cipher = ciphers[_i];
	int other = ciphers[(_i + 1) % NCIPHERS];

	seal_pattern(cipher, 9, 300);
	ck_assert_int_eq(open_with(other, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
}
END_TEST

START_TEST(truncated_datagram_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 300);
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN - 1), -1);
}
END_TEST

START_TEST(shorter_than_tag_fails)
{
	int cipher = ciphers[_i];

	seal_pattern(cipher, 9, 0);
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    AEAD_TAG_LEN - 1), -1);
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad), 0),
	    -1);
}
END_TEST

START_TEST(failed_open_wipes_output)
{
	int cipher = ciphers[_i];
	static const uint8_t zero[300];

	seal_pattern(cipher, 9, 300);
	ct_buf[300] ^= 0x01;
	memset(out_buf, 0xff, sizeof(out_buf));
	ck_assert_int_eq(open_with(cipher, 9, test_aad, sizeof(test_aad),
	    300 + AEAD_TAG_LEN), -1);
	ck_assert_mem_eq(out_buf, zero, sizeof(zero));
}
END_TEST

START_TEST(context_recovers_after_failed_open)
{
	int cipher = ciphers[_i];
	struct aead *o;

	seal_pattern(cipher, 9, 300);
	o = opener(cipher);
	ct_buf[5] ^= 0x01;
	ck_assert_int_eq(aead_open(o, 9, test_aad, sizeof(test_aad), ct_buf,
	    300 + AEAD_TAG_LEN, out_buf), -1);
	ct_buf[5] ^= 0x01;
	ck_assert_int_eq(aead_open(o, 9, test_aad, sizeof(test_aad), ct_buf,
	    300 + AEAD_TAG_LEN, out_buf), 0);
	ck_assert_mem_eq(out_buf, pt_buf, 300);
	aead_free(o);
}
END_TEST

START_TEST(seal_on_opener_fails)
{
	struct aead *o = opener(ciphers[_i]);

	ck_assert_int_eq(aead_seal(o, 0, test_aad, sizeof(test_aad), pt_buf,
	    10, ct_buf), -1);
	aead_free(o);
}
END_TEST

START_TEST(open_on_sealer_fails)
{
	int cipher = ciphers[_i];
	struct aead *s;

	seal_pattern(cipher, 9, 10);
	s = sealer(cipher);
	ck_assert_int_eq(aead_open(s, 9, test_aad, sizeof(test_aad), ct_buf,
	    10 + AEAD_TAG_LEN, out_buf), -1);
	aead_free(s);
}
END_TEST

static Suite *aead_suite(void)
{
	Suite *s = suite_create("aead");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, name_aes_to_id);
	tcase_add_test(tc, name_chacha_to_id);
	tcase_add_test(tc, name_unknown_is_minus_one);
	tcase_add_test(tc, id_to_name);
	tcase_add_test(tc, id_unknown_has_no_name);
	tcase_add_loop_test(tc, name_round_trip, 0, NCIPHERS);
	suite_add_tcase(s, tc);

	tc = tcase_create("construction");
	tcase_add_test(tc, new_unknown_cipher_is_null);
	tcase_add_test(tc, free_null_is_fine);
	suite_add_tcase(s, tc);

	tc = tcase_create("nonce");
	tcase_add_test(tc, nonce_counter_zero_is_iv);
	tcase_add_test(tc, nonce_counter_is_big_endian_in_last_eight);
	tcase_add_test(tc, nonce_counter_one_flips_last_bit);
	tcase_add_test(tc, nonce_xors_into_iv);
	tcase_add_test(tc, nonce_leaves_first_four_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("known answers");
	tcase_add_test(tc, kat_gcm_tc13_empty);
	tcase_add_test(tc, kat_gcm_tc14_one_block);
	tcase_add_test(tc, kat_gcm_tc15_no_aad);
	tcase_add_test(tc, kat_gcm_tc16_with_aad);
	tcase_add_test(tc, kat_gcm_tc16_nonzero_counter);
	tcase_add_test(tc, kat_chacha_rfc8439);
	tcase_add_test(tc, kat_chacha_rfc8439_nonzero_counter);
	suite_add_tcase(s, tc);

	tc = tcase_create("round trip");
	tcase_add_loop_test(tc, round_trip_empty, 0, NCIPHERS);
	tcase_add_loop_test(tc, round_trip_one_byte, 0, NCIPHERS);
	tcase_add_loop_test(tc, round_trip_default_mtu, 0, NCIPHERS);
	tcase_add_loop_test(tc, round_trip_9000, 0, NCIPHERS);
	tcase_add_loop_test(tc, round_trip_odd_lengths, 0, NCIPHERS);
	tcase_add_loop_test(tc, empty_seal_is_tag_only, 0, NCIPHERS);
	tcase_add_loop_test(tc, empty_open_with_null_out, 0, NCIPHERS);
	tcase_add_loop_test(tc, no_aad_round_trip, 0, NCIPHERS);
	tcase_add_loop_test(tc, in_place_seal_and_open, 0, NCIPHERS);
	tcase_add_loop_test(tc, many_packets_one_context, 0, NCIPHERS);
	tcase_add_loop_test(tc, counters_give_different_ciphertexts, 0,
	    NCIPHERS);
	tcase_add_loop_test(tc, largest_counter_round_trips, 0, NCIPHERS);
	suite_add_tcase(s, tc);

	tc = tcase_create("tampering");
	tcase_add_loop_test(tc, flipped_ciphertext_bit_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, flipped_first_and_last_ciphertext_bits_fail,
	    0, NCIPHERS);
	tcase_add_loop_test(tc, flipped_tag_bit_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, flipped_tag_bit_on_empty_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, flipped_aad_bit_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, shorter_aad_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, wrong_counter_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, wrong_key_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, wrong_iv_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, other_cipher_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, truncated_datagram_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, shorter_than_tag_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, failed_open_wipes_output, 0, NCIPHERS);
	tcase_add_loop_test(tc, context_recovers_after_failed_open, 0,
	    NCIPHERS);
	tcase_add_loop_test(tc, seal_on_opener_fails, 0, NCIPHERS);
	tcase_add_loop_test(tc, open_on_sealer_fails, 0, NCIPHERS);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(aead_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/*
 * Unit tests for common/kdf.c: RFC 7748 X25519 and RFC 5869 HKDF vectors,
 * a known answer for the epoch key split, and the properties the key
 * schedule relies on (directions and epochs never share keys).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "kdf.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode lowercase hex into out; returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; *s != '\0'; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		ck_assert(hi >= 0 && lo >= 0 && n < max);
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

static void unhex32(const char *s, uint8_t out[32])
{
	ck_assert_uint_eq(unhex(s, out, 32), 32);
}

static void fill_counting(uint8_t *p, size_t len, uint8_t first)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(first + i);
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* ---- X25519: RFC 7748 --------------------------------------------------- */

static void check_x25519(const char *scalar, const char *u, const char *want)
{
	uint8_t k[32], pub[32], expect[32], out[32];

	unhex32(scalar, k);
	unhex32(u, pub);
	unhex32(want, expect);
	ck_assert_int_eq(x25519_shared(k, pub, out), 0);
	ck_assert_mem_eq(out, expect, 32);
}

/* RFC 7748 section 5.2, first vector. */
START_TEST(x25519_rfc7748_vector1)
{
	check_x25519(
	    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	    "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}
END_TEST

/* Section 5.2, second vector: its u has the top bit set (to be masked). */
START_TEST(x25519_rfc7748_vector2)
{
	check_x25519(
	    "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	    "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	    "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}
END_TEST

/* Section 6.1: Alice and Bob. */
static const char alice_priv[] =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alice_pub[] =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bob_priv[] =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char bob_pub[] =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char alice_bob_shared[] =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

static void check_public(const char *priv_hex, const char *pub_hex)
{
	uint8_t priv[32], want[32], pub[32];

	unhex32(priv_hex, priv);
	unhex32(pub_hex, want);
	ck_assert_int_eq(x25519_public(priv, pub), 0);
	ck_assert_mem_eq(pub, want, 32);
}

START_TEST(x25519_rfc7748_alice_public)
{
	check_public(alice_priv, alice_pub);
}
END_TEST

START_TEST(x25519_rfc7748_bob_public)
{
	check_public(bob_priv, bob_pub);
}
END_TEST

START_TEST(x25519_rfc7748_alice_shared)
{
	check_x25519(alice_priv, bob_pub, alice_bob_shared);
}
END_TEST

START_TEST(x25519_rfc7748_bob_shared)
{
	check_x25519(bob_priv, alice_pub, alice_bob_shared);
}
END_TEST

/* A low-order public key must fail and leave no partial secret behind. */
static void check_low_order_rejected(const char *u)
{
	uint8_t priv[32], pub[32], out[32];

	unhex32(alice_priv, priv);
	unhex32(u, pub);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(x25519_shared(priv, pub, out), -1);
	ck_assert(all_zero(out, sizeof(out)));
}

START_TEST(x25519_zero_public_rejected)
{
	check_low_order_rejected(
	    "0000000000000000000000000000000000000000000000000000000000000000");
}
END_TEST

START_TEST(x25519_public_one_rejected)
{
	check_low_order_rejected(
	    "0100000000000000000000000000000000000000000000000000000000000000");
}
END_TEST

/* A point of order 8 on Curve25519. */
START_TEST(x25519_order_eight_public_rejected)
{
	check_low_order_rejected(
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
}
END_TEST

/* p - 1, which is also of low order. */
START_TEST(x25519_p_minus_one_public_rejected)
{
	check_low_order_rejected(
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
}
END_TEST

START_TEST(x25519_keygen_public_matches)
{
	struct x25519_keypair kp;
	uint8_t pub[32];

	ck_assert_int_eq(x25519_keygen(&kp), 0);
	ck_assert_int_eq(x25519_public(kp.priv, pub), 0);
	ck_assert_mem_eq(pub, kp.pub, 32);
	ck_assert(!all_zero(kp.priv, sizeof(kp.priv)));
}
END_TEST

START_TEST(x25519_keygen_is_fresh)
{
	struct x25519_keypair a, b;

	ck_assert_int_eq(x25519_keygen(&a), 0);
	ck_assert_int_eq(x25519_keygen(&b), 0);
	ck_assert(memcmp(a.priv, b.priv, 32) != 0);
	ck_assert(memcmp(a.pub, b.pub, 32) != 0);
}
END_TEST

START_TEST(x25519_keygen_pairs_agree)
{
	struct x25519_keypair a, b;
	uint8_t ab[32], ba[32];

	ck_assert_int_eq(x25519_keygen(&a), 0);
	ck_assert_int_eq(x25519_keygen(&b), 0);
	ck_assert_int_eq(x25519_shared(a.priv, b.pub, ab), 0);
	ck_assert_int_eq(x25519_shared(b.priv, a.pub, ba), 0);
	ck_assert_mem_eq(ab, ba, 32);
}
END_TEST

/* ---- HKDF-SHA256: RFC 5869 appendix A ----------------------------------- */

static void check_okm(const uint8_t *got, const char *want_hex, size_t len)
{
	uint8_t want[128];

	ck_assert_uint_eq(unhex(want_hex, want, sizeof(want)), len);
	ck_assert_mem_eq(got, want, len);
}

/* A.1: basic test case. */
START_TEST(hkdf_rfc5869_case1)
{
	uint8_t ikm[22], salt[13], info[10], okm[42];

	memset(ikm, 0x0b, sizeof(ikm));
	fill_counting(salt, sizeof(salt), 0x00);
	fill_counting(info, sizeof(info), 0xf0);
	ck_assert_int_eq(hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm),
	    info, sizeof(info), okm, sizeof(okm)), 0);
	check_okm(okm,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865", sizeof(okm));
}
END_TEST

/* A.2: longer inputs and outputs. */
START_TEST(hkdf_rfc5869_case2)
{
	uint8_t ikm[80], salt[80], info[80], okm[82];

	fill_counting(ikm, sizeof(ikm), 0x00);
	fill_counting(salt, sizeof(salt), 0x60);
	fill_counting(info, sizeof(info), 0xb0);
	ck_assert_int_eq(hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm),
	    info, sizeof(info), okm, sizeof(okm)), 0);
	check_okm(okm,
	    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f1d87", sizeof(okm));
}
END_TEST

/* A.3: zero-length salt and info. */
START_TEST(hkdf_rfc5869_case3)
{
	uint8_t ikm[22], okm[42];

	memset(ikm, 0x0b, sizeof(ikm));
	ck_assert_int_eq(hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm,
	    sizeof(okm)), 0);
	check_okm(okm,
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8", sizeof(okm));
}
END_TEST

/* RFC 5869 2.2: an absent salt is HashLen zero bytes. */
START_TEST(hkdf_empty_salt_is_zero_salt)
{
	uint8_t ikm[22], zeros[32] = { 0 }, a[42], b[42];

	memset(ikm, 0x0b, sizeof(ikm));
	ck_assert_int_eq(hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, a,
	    sizeof(a)), 0);
	ck_assert_int_eq(hkdf_sha256(zeros, sizeof(zeros), ikm, sizeof(ikm),
	    NULL, 0, b, sizeof(b)), 0);
	ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

/* RFC 5869 2.3: L is at most 255 * HashLen. */
START_TEST(hkdf_too_long_output_fails_and_wipes)
{
	static uint8_t okm[255 * 32 + 1];
	uint8_t ikm[22];

	memset(ikm, 0x0b, sizeof(ikm));
	memset(okm, 0xaa, sizeof(okm));
	ck_assert_int_eq(hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm,
	    sizeof(okm)), -1);
	ck_assert(all_zero(okm, sizeof(okm)));
}
END_TEST

START_TEST(hkdf_longest_output_works)
{
	static uint8_t okm[255 * 32];
	uint8_t ikm[22];

	memset(ikm, 0x0b, sizeof(ikm));
	ck_assert_int_eq(hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm,
	    sizeof(okm)), 0);
}
END_TEST

/* ---- Epoch keys --------------------------------------------------------- */

/* The fixed inputs of the known answer: shared 00..1f, exporter 20..3f. */
static void kat_inputs(uint8_t shared[32], uint8_t exporter[32])
{
	fill_counting(shared, 32, 0x00);
	fill_counting(exporter, 32, 0x20);
}

/*
 * Epoch 0x01020304. The info is "guard v1 epoch keys" followed by the
 * epoch big-endian. Reproduce with:
 *
 *   openssl kdf -keylen 88 -kdfopt digest:SHA256 \
 *     -kdfopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
 *     -kdfopt hexsalt:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f \
 *     -kdfopt hexinfo:67756172642076312065706f6368206b65797301020304 \
 *     HKDF
 *
 * whose 88 bytes split as c2s_key (32), c2s_iv (12), s2c_key (32),
 * s2c_iv (12).
 */
START_TEST(epoch_derive_known_answer)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys k;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 0x01020304, &k), 0);
	check_okm(k.c2s_key,
	    "bc49cae419426b07c3d8c5b07d76fef9dbe21ec99d673418cb0c69504ba2daab",
	    AEAD_KEY_LEN);
	check_okm(k.c2s_iv, "571607b95c1082a9f2f8f193", AEAD_IV_LEN);
	check_okm(k.s2c_key,
	    "ef27dec297d7349c0dedf65a9c89962537b6c4176322c006a9b29f0037351c9a",
	    AEAD_KEY_LEN);
	check_okm(k.s2c_iv, "90f8771c0c002601892391e9", AEAD_IV_LEN);
}
END_TEST

/* epoch_derive is exactly HKDF with the documented info and split. */
START_TEST(epoch_derive_matches_hkdf)
{
	static const char prefix[] = GUARD_KDF_INFO;
	uint8_t shared[32], exporter[32], info[64], okm[88];
	size_t plen = sizeof(prefix) - 1;
	struct epoch_keys k;

	kat_inputs(shared, exporter);
	memcpy(info, prefix, plen);
	memcpy(info + plen, "\xde\xad\xbe\xef", 4);
	ck_assert_int_eq(hkdf_sha256(exporter, 32, shared, 32, info, plen + 4,
	    okm, sizeof(okm)), 0);
	ck_assert_int_eq(epoch_derive(shared, exporter, 0xdeadbeef, &k), 0);
	ck_assert_mem_eq(k.c2s_key, okm, 32);
	ck_assert_mem_eq(k.c2s_iv, okm + 32, 12);
	ck_assert_mem_eq(k.s2c_key, okm + 44, 32);
	ck_assert_mem_eq(k.s2c_iv, okm + 76, 12);
}
END_TEST

START_TEST(epoch_directions_differ)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys k;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &k), 0);
	ck_assert(memcmp(k.c2s_key, k.s2c_key, AEAD_KEY_LEN) != 0);
	ck_assert(memcmp(k.c2s_iv, k.s2c_iv, AEAD_IV_LEN) != 0);
}
END_TEST

static void check_keys_differ(const struct epoch_keys *a,
    const struct epoch_keys *b)
{
	ck_assert(memcmp(a->c2s_key, b->c2s_key, AEAD_KEY_LEN) != 0);
	ck_assert(memcmp(a->c2s_iv, b->c2s_iv, AEAD_IV_LEN) != 0);
	ck_assert(memcmp(a->s2c_key, b->s2c_key, AEAD_KEY_LEN) != 0);
	ck_assert(memcmp(a->s2c_iv, b->s2c_iv, AEAD_IV_LEN) != 0);
}

START_TEST(epoch_next_epoch_differs)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys a, b;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &a), 0);
	ck_assert_int_eq(epoch_derive(shared, exporter, 2, &b), 0);
	check_keys_differ(&a, &b);
}
END_TEST

/* The wire carries 16 bits of epoch; the keys depend on all 32. */
START_TEST(epoch_high_bits_matter)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys a, b;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 5, &a), 0);
	ck_assert_int_eq(epoch_derive(shared, exporter, 0x10005, &b), 0);
	check_keys_differ(&a, &b);
}
END_TEST

START_TEST(epoch_other_exporter_differs)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys a, b;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &a), 0);
	exporter[31] ^= 1;
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &b), 0);
	check_keys_differ(&a, &b);
}
END_TEST

START_TEST(epoch_other_shared_differs)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys a, b;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &a), 0);
	shared[0] ^= 1;
	ck_assert_int_eq(epoch_derive(shared, exporter, 1, &b), 0);
	check_keys_differ(&a, &b);
}
END_TEST

START_TEST(epoch_derive_is_deterministic)
{
	uint8_t shared[32], exporter[32];
	struct epoch_keys a, b;

	kat_inputs(shared, exporter);
	ck_assert_int_eq(epoch_derive(shared, exporter, 9, &a), 0);
	ck_assert_int_eq(epoch_derive(shared, exporter, 9, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
}
END_TEST

/* Both ends derive the same keys from their halves of the exchange. */
START_TEST(epoch_both_ends_agree)
{
	struct x25519_keypair c, s;
	uint8_t cs[32], sc[32], exporter[32];
	struct epoch_keys kc, ks;

	fill_counting(exporter, 32, 0x40);
	ck_assert_int_eq(x25519_keygen(&c), 0);
	ck_assert_int_eq(x25519_keygen(&s), 0);
	ck_assert_int_eq(x25519_shared(c.priv, s.pub, cs), 0);
	ck_assert_int_eq(x25519_shared(s.priv, c.pub, sc), 0);
	ck_assert_int_eq(epoch_derive(cs, exporter, 3, &kc), 0);
	ck_assert_int_eq(epoch_derive(sc, exporter, 3, &ks), 0);
	ck_assert_mem_eq(&kc, &ks, sizeof(kc));
}
END_TEST

/* ---- wipe --------------------------------------------------------------- */

START_TEST(wipe_zeroes)
{
	uint8_t buf[100];

	memset(buf, 0x5a, sizeof(buf));
	wipe(buf, sizeof(buf));
	ck_assert(all_zero(buf, sizeof(buf)));
}
END_TEST

START_TEST(wipe_only_the_given_length)
{
	uint8_t buf[8];

	memset(buf, 0x5a, sizeof(buf));
	wipe(buf + 2, 4);
	ck_assert_uint_eq(buf[1], 0x5a);
	ck_assert(all_zero(buf + 2, 4));
	ck_assert_uint_eq(buf[6], 0x5a);
}
END_TEST

START_TEST(wipe_nothing_is_fine)
{
	wipe(NULL, 0);
}
END_TEST

static Suite *kdf_suite(void)
{
	Suite *s = suite_create("kdf");
	TCase *tc;

	tc = tcase_create("x25519");
	tcase_add_test(tc, x25519_rfc7748_vector1);
	tcase_add_test(tc, x25519_rfc7748_vector2);
	tcase_add_test(tc, x25519_rfc7748_alice_public);
	tcase_add_test(tc, x25519_rfc7748_bob_public);
	tcase_add_test(tc, x25519_rfc7748_alice_shared);
	tcase_add_test(tc, x25519_rfc7748_bob_shared);
	tcase_add_test(tc, x25519_zero_public_rejected);
	tcase_add_test(tc, x25519_public_one_rejected);
	tcase_add_test(tc, x25519_order_eight_public_rejected);
	tcase_add_test(tc, x25519_p_minus_one_public_rejected);
	tcase_add_test(tc, x25519_keygen_public_matches);
	tcase_add_test(tc, x25519_keygen_is_fresh);
	tcase_add_test(tc, x25519_keygen_pairs_agree);
	suite_add_tcase(s, tc);

	tc = tcase_create("hkdf");
	tcase_add_test(tc, hkdf_rfc5869_case1);
	tcase_add_test(tc, hkdf_rfc5869_case2);
	tcase_add_test(tc, hkdf_rfc5869_case3);
	tcase_add_test(tc, hkdf_empty_salt_is_zero_salt);
	tcase_add_test(tc, hkdf_too_long_output_fails_and_wipes);
	tcase_add_test(tc, hkdf_longest_output_works);
	suite_add_tcase(s, tc);

	tc = tcase_create("epoch");
	tcase_add_test(tc, epoch_derive_known_answer);
	tcase_add_test(tc, epoch_derive_matches_hkdf);
	tcase_add_test(tc, epoch_directions_differ);
	tcase_add_test(tc, epoch_next_epoch_differs);
	tcase_add_test(tc, epoch_high_bits_matter);
	tcase_add_test(tc, epoch_other_exporter_differs);
	tcase_add_test(tc, epoch_other_shared_differs);
	tcase_add_test(tc, epoch_derive_is_deterministic);
	tcase_add_test(tc, epoch_both_ends_agree);
	suite_add_tcase(s, tc);

	tc = tcase_create("wipe");
	tcase_add_test(tc, wipe_zeroes);
	tcase_add_test(tc, wipe_only_the_given_length);
	tcase_add_test(tc, wipe_nothing_is_fine);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kdf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

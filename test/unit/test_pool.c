/* Unit tests for common/pool.c: the IPv4 pool and IPv6 derivation. */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

static struct prefix
pfx(const char *s)
{
	struct prefix p;
	char err[128];

	ck_assert_msg(prefix_parse(s, &p, 1, err, sizeof(err)) == 0, "%s: %s",
	    s, err);
	return p;
}

static const char *
fmt(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int n;

	n = (n + 1) % 4;
	return prefix_fmt(p, buf[n], sizeof(buf[n]));
}

static struct pool4 *
new_pool(const char *s)
{
	struct prefix p = pfx(s);
	struct pool4 *pool = pool4_new(&p);

	ck_assert_ptr_nonnull(pool);
	return pool;
}

/* Allocate for identity and return the address as text ("" on failure). */
static const char *
alloc(struct pool4 *pool, const char *identity, time_t now)
{
	static char buf[PREFIX_STRLEN];
	struct prefix out;

	if (pool4_alloc(pool, identity, now, &out) == -1)
		return "";
	return prefix_fmt(&out, buf, sizeof(buf));
}

static void
release(struct pool4 *pool, const char *addr, time_t now)
{
	struct prefix p = pfx(addr);

	pool4_release(pool, &p, now);
}

/* ---- pool4_new ---------------------------------------------------------- */

START_TEST(new_accepts_16_to_30)
{
	for (int plen = 16; plen <= 30; plen++) {
		char s[32];
		snprintf(s, sizeof(s), "100.64.0.0/%d", plen);
		struct pool4 *pool = new_pool(s);
		ck_assert_uint_eq(pool4_in_use(pool), 0);
		pool4_free(pool);
	}
}
END_TEST

START_TEST(new_rejects_too_large)
{
	struct prefix p = pfx("100.64.0.0/10");

	errno = 0;
	ck_assert_ptr_null(pool4_new(&p));
	ck_assert_int_eq(errno, EINVAL);
	p = pfx("100.64.0.0/15");
	ck_assert_ptr_null(pool4_new(&p));
	p = pfx("0.0.0.0/0");
	ck_assert_ptr_null(pool4_new(&p));
}
END_TEST

START_TEST(new_rejects_too_small)
{
	struct prefix p = pfx("100.64.0.0/31");

	errno = 0;
	ck_assert_ptr_null(pool4_new(&p));
	ck_assert_int_eq(errno, EINVAL);
	p = pfx("100.64.0.0/32");
	ck_assert_ptr_null(pool4_new(&p));
}
END_TEST

START_TEST(new_rejects_ipv6_and_null)
{
	struct prefix p = pfx("fd00::/112");

	ck_assert_ptr_null(pool4_new(&p));
	ck_assert_ptr_null(pool4_new(NULL));
	memset(&p, 0, sizeof(p));
	ck_assert_ptr_null(pool4_new(&p));
	pool4_free(NULL);
}
END_TEST

START_TEST(new_ignores_host_bits)
{
	struct pool4 *pool = new_pool("100.64.0.77/24");

	ck_assert_str_eq(alloc(pool, "a", 1), "100.64.0.2/24");
	pool4_free(pool);
}
END_TEST

/* ---- pool4_alloc -------------------------------------------------------- */

START_TEST(alloc_lowest_first)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	ck_assert_str_eq(alloc(pool, "alice", 1), "100.64.0.2/24");
	ck_assert_str_eq(alloc(pool, "bob", 1), "100.64.0.3/24");
	ck_assert_str_eq(alloc(pool, "carol", 1), "100.64.0.4/24");
	ck_assert_uint_eq(pool4_in_use(pool), 3);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_sticky_after_release)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	ck_assert_str_eq(alloc(pool, "alice", 1), "100.64.0.2/24");
	ck_assert_str_eq(alloc(pool, "bob", 1), "100.64.0.3/24");
	release(pool, "100.64.0.2/24", 5);
	ck_assert_uint_eq(pool4_in_use(pool), 1);
	/* A newcomer does not take alice's reserved address... */
	ck_assert_str_eq(alloc(pool, "carol", 6), "100.64.0.4/24");
	/* ...and alice gets hers back. */
	ck_assert_str_eq(alloc(pool, "alice", 7), "100.64.0.2/24");
	ck_assert_uint_eq(pool4_in_use(pool), 3);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_sticky_many_cycles)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	ck_assert_str_eq(alloc(pool, "alice", 0), "100.64.0.2/24");
	for (int i = 1; i < 1000; i++) {
		release(pool, "100.64.0.2/24", i);
		ck_assert_str_eq(alloc(pool, "alice", i), "100.64.0.2/24");
	}
	ck_assert_uint_eq(pool4_in_use(pool), 1);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_same_identity_twice)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	/* While its first address is in use, a second one is new. */
	ck_assert_str_eq(alloc(pool, "alice", 1), "100.64.0.2/24");
	ck_assert_str_eq(alloc(pool, "alice", 1), "100.64.0.3/24");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_exhaustion)
{
	struct pool4 *pool = new_pool("100.64.0.0/29");
	char id[16];

	/* /29: 8 addresses, less network, server and broadcast. */
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "peer%d", i);
		ck_assert_str_ne(alloc(pool, id, 1), "");
	}
	struct prefix out;
	errno = 0;
	ck_assert_int_eq(pool4_alloc(pool, "late", 1, &out), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(pool4_in_use(pool), 5);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_reclaims_oldest_reservation)
{
	struct pool4 *pool = new_pool("100.64.0.0/29");
	char id[16];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "peer%d", i);
		alloc(pool, id, 1);
	}
	release(pool, "100.64.0.4/29", 30);
	release(pool, "100.64.0.3/29", 10);	/* the oldest */
	release(pool, "100.64.0.5/29", 20);
	ck_assert_str_eq(alloc(pool, "new1", 40), "100.64.0.3/29");
	ck_assert_str_eq(alloc(pool, "new2", 40), "100.64.0.5/29");
	ck_assert_str_eq(alloc(pool, "new3", 40), "100.64.0.4/29");
	ck_assert_str_eq(alloc(pool, "new4", 40), "");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_reclaimed_loses_old_owner)
{
	struct pool4 *pool = new_pool("100.64.0.0/30");

	ck_assert_str_eq(alloc(pool, "alice", 1), "100.64.0.2/30");
	release(pool, "100.64.0.2/30", 2);
	ck_assert_str_eq(alloc(pool, "bob", 3), "100.64.0.2/30");
	release(pool, "100.64.0.2/30", 4);
	/* bob now owns the reservation; alice just gets what is free. */
	ck_assert_str_eq(alloc(pool, "alice", 5), "100.64.0.2/30");
	ck_assert_str_eq(alloc(pool, "bob", 6), "");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_slash30_has_one_address)
{
	struct pool4 *pool = new_pool("198.18.0.0/30");

	ck_assert_str_eq(alloc(pool, "only", 1), "198.18.0.2/30");
	ck_assert_str_eq(alloc(pool, "second", 1), "");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_never_network_server_broadcast)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");
	struct prefix out;
	int n = 0;
	char id[16];

	for (;;) {
		snprintf(id, sizeof(id), "p%d", n);
		if (pool4_alloc(pool, id, 1, &out) == -1)
			break;
		ck_assert_int_ne(out.addr[3], 0);
		ck_assert_int_ne(out.addr[3], 1);
		ck_assert_int_ne(out.addr[3], 255);
		ck_assert_int_eq(out.plen, 24);
		n++;
	}
	ck_assert_int_eq(n, 253);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_full_slash16)
{
	struct pool4 *pool = new_pool("100.64.0.0/16");
	struct prefix out;
	char id[16];
	int n = 0;

	while (n < 70000) {
		snprintf(id, sizeof(id), "p%d", n);
		if (pool4_alloc(pool, id, 1, &out) == -1)
			break;
		n++;
	}
	ck_assert_int_eq(n, 65536 - 3);
	ck_assert_str_eq(fmt(&out), "100.64.255.254/16");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_output_zeroed)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");
	struct prefix out;

	memset(&out, 0xff, sizeof(out));
	ck_assert_int_eq(pool4_alloc(pool, "a", 1, &out), 0);
	ck_assert_int_eq(out.family, AF_INET);
	ck_assert_int_eq(out.pad[0] | out.pad[1], 0);
	for (int i = 4; i < 16; i++)
		ck_assert_int_eq(out.addr[i], 0);
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_long_identity_truncated)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");
	char id[IDENTITY_MAX * 2];

	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	ck_assert_str_eq(alloc(pool, id, 1), "100.64.0.2/24");
	release(pool, "100.64.0.2/24", 2);
	ck_assert_str_eq(alloc(pool, id, 3), "100.64.0.2/24");
	pool4_free(pool);
}
END_TEST

START_TEST(alloc_bad_args)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");
	struct prefix out;

	ck_assert_int_eq(pool4_alloc(NULL, "a", 1, &out), -1);
	ck_assert_int_eq(pool4_alloc(pool, NULL, 1, &out), -1);
	ck_assert_int_eq(pool4_alloc(pool, "a", 1, NULL), -1);
	ck_assert_uint_eq(pool4_in_use(pool), 0);
	ck_assert_uint_eq(pool4_in_use(NULL), 0);
	pool4_free(pool);
}
END_TEST

/* ---- pool4_release ------------------------------------------------------ */

START_TEST(release_twice_is_harmless)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	alloc(pool, "alice", 1);
	alloc(pool, "bob", 1);
	release(pool, "100.64.0.2/24", 2);
	release(pool, "100.64.0.2/24", 3);
	ck_assert_uint_eq(pool4_in_use(pool), 1);
	pool4_free(pool);
}
END_TEST

START_TEST(release_foreign_addresses_ignored)
{
	struct pool4 *pool = new_pool("100.64.0.0/24");

	alloc(pool, "alice", 1);
	release(pool, "100.64.1.2/24", 2);	/* another network */
	release(pool, "100.64.0.1/24", 2);	/* the server */
	release(pool, "100.64.0.0/24", 2);	/* the network */
	release(pool, "100.64.0.255/24", 2);	/* broadcast */
	release(pool, "100.64.0.77/24", 2);	/* never handed out */
	release(pool, "fd00::2/64", 2);
	pool4_release(pool, NULL, 2);
	pool4_release(NULL, NULL, 2);
	ck_assert_uint_eq(pool4_in_use(pool), 1);
	pool4_free(pool);
}
END_TEST

START_TEST(release_then_realloc_counts)
{
	struct pool4 *pool = new_pool("100.64.0.0/28");
	char id[16];

	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 13; i++) {
			snprintf(id, sizeof(id), "p%d", (round * 7 + i) % 40);
			ck_assert_str_ne(alloc(pool, id, round), "");
		}
		ck_assert_uint_eq(pool4_in_use(pool), 13);
		for (int i = 2; i < 15; i++) {
			char a[32];
			snprintf(a, sizeof(a), "100.64.0.%d/28", i);
			release(pool, a, round);
		}
		ck_assert_uint_eq(pool4_in_use(pool), 0);
	}
	pool4_free(pool);
}
END_TEST

/* ---- pool_server_addr --------------------------------------------------- */

START_TEST(server_addr_ipv4)
{
	struct prefix p = pfx("100.64.0.0/24"), out;

	pool_server_addr(&p, &out);
	ck_assert_str_eq(fmt(&out), "100.64.0.1/24");
	p = pfx("198.18.4.0/22");
	pool_server_addr(&p, &out);
	ck_assert_str_eq(fmt(&out), "198.18.4.1/22");
}
END_TEST

START_TEST(server_addr_ipv6)
{
	struct prefix p = pfx("fd00:1::/64"), out;

	pool_server_addr(&p, &out);
	ck_assert_str_eq(fmt(&out), "fd00:1::1/64");
}
END_TEST

START_TEST(server_addr_masks_host_bits)
{
	struct prefix p = pfx("100.64.0.77/24"), out;

	pool_server_addr(&p, &out);
	ck_assert_str_eq(fmt(&out), "100.64.0.1/24");
}
END_TEST

/* ---- pool6_derive ------------------------------------------------------- */

static void
fill_hash(uint8_t hash[32], uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		hash[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

START_TEST(derive_stable)
{
	struct prefix p = pfx("fd00:1::/64"), a, b;
	uint8_t hash[32];

	fill_hash(hash, 1);
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_int_eq(pool6_derive(&p, hash, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.plen, 64);
	ck_assert(prefix_contains(&p, AF_INET6, a.addr));
}
END_TEST

START_TEST(derive_differs_by_hash)
{
	struct prefix p = pfx("fd00:1::/64"), a, b;
	uint8_t h1[32], h2[32];

	fill_hash(h1, 1);
	memcpy(h2, h1, sizeof(h2));
	h2[7] ^= 1;	/* the last of the 64 host bits used */
	ck_assert_int_eq(pool6_derive(&p, h1, &a), 0);
	ck_assert_int_eq(pool6_derive(&p, h2, &b), 0);
	ck_assert_mem_ne(a.addr, b.addr, 16);
}
END_TEST

START_TEST(derive_uses_leading_hash_bits)
{
	struct prefix p = pfx("fd00:1::/64"), a;
	uint8_t hash[32];

	for (int i = 0; i < 32; i++)
		hash[i] = (uint8_t)(0x10 + i);
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:1::1011:1213:1415:1617/64");
	/* Bits past the host part do not matter. */
	hash[8] ^= 0xff;
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:1::1011:1213:1415:1617/64");
}
END_TEST

START_TEST(derive_unaligned_plen)
{
	struct prefix p = pfx("fd00:1000::/20"), a;
	uint8_t hash[32];

	/* The first hash bit lands on address bit 20. */
	memset(hash, 0, sizeof(hash));
	hash[0] = 0x80;
	hash[13] = 0x40;	/* hash bit 105: address bit 125 */
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert(prefix_contains(&p, AF_INET6, a.addr));
	ck_assert_str_eq(fmt(&a), "fd00:1800::4/20");
	memset(hash, 0xff, sizeof(hash));
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a),
	    "fd00:1fff:ffff:ffff:ffff:ffff:ffff:ffff/20");
}
END_TEST

START_TEST(derive_skips_zero_host)
{
	struct prefix p = pfx("fd00:1::/64"), a;
	uint8_t hash[32];

	memset(hash, 0, sizeof(hash));
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:1::2/64");
}
END_TEST

START_TEST(derive_skips_server)
{
	struct prefix p = pfx("fd00:1::/64"), a;
	uint8_t hash[32];

	memset(hash, 0, sizeof(hash));
	hash[7] = 1;	/* host part ::1 */
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:1::2/64");
}
END_TEST

START_TEST(derive_slash120)
{
	struct prefix p = pfx("fd00::/120"), a;
	uint8_t hash[32];

	memset(hash, 0, sizeof(hash));
	hash[0] = 0xab;
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00::ab/120");
	hash[0] = 0x00;
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00::2/120");
	hash[0] = 0x01;
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00::2/120");
}
END_TEST

START_TEST(derive_never_zero_or_one)
{
	struct prefix p = pfx("fd00::/120"), a;
	uint8_t hash[32];

	memset(hash, 0x5a, sizeof(hash));
	for (int v = 0; v < 256; v++) {
		hash[0] = (uint8_t)v;
		ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
		ck_assert_int_gt(a.addr[15], 1);
		ck_assert(prefix_contains(&p, AF_INET6, a.addr));
	}
}
END_TEST

START_TEST(derive_ignores_prefix_host_bits)
{
	struct prefix p = pfx("fd00:1::99/64"), a, b;
	struct prefix q = pfx("fd00:1::/64");
	uint8_t hash[32];

	fill_hash(hash, 3);
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert_int_eq(pool6_derive(&q, hash, &b), 0);
	ck_assert_mem_eq(a.addr, b.addr, 16);
}
END_TEST

START_TEST(derive_rejects_bad_prefix)
{
	struct prefix p, a;
	uint8_t hash[32] = { 0 };

	p = pfx("fd00::/121");
	ck_assert_int_eq(pool6_derive(&p, hash, &a), -1);
	p = pfx("fd00::/7");
	ck_assert_int_eq(pool6_derive(&p, hash, &a), -1);
	p = pfx("100.64.0.0/24");
	ck_assert_int_eq(pool6_derive(&p, hash, &a), -1);
	ck_assert_int_eq(pool6_derive(NULL, hash, &a), -1);
	p = pfx("fd00::/64");
	ck_assert_int_eq(pool6_derive(&p, NULL, &a), -1);
	ck_assert_int_eq(pool6_derive(&p, hash, NULL), -1);
}
END_TEST

START_TEST(derive_accepts_8_and_120)
{
	struct prefix p, a;
	uint8_t hash[32];

	fill_hash(hash, 9);
	p = pfx("fd00::/8");
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert(prefix_contains(&p, AF_INET6, a.addr));
	p = pfx("fd00::/120");
	ck_assert_int_eq(pool6_derive(&p, hash, &a), 0);
	ck_assert(prefix_contains(&p, AF_INET6, a.addr));
}
END_TEST

static Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc;

	tc = tcase_create("pool4_new");
	tcase_add_test(tc, new_accepts_16_to_30);
	tcase_add_test(tc, new_rejects_too_large);
	tcase_add_test(tc, new_rejects_too_small);
	tcase_add_test(tc, new_rejects_ipv6_and_null);
	tcase_add_test(tc, new_ignores_host_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool4_alloc");
	tcase_add_test(tc, alloc_lowest_first);
	tcase_add_test(tc, alloc_sticky_after_release);
	tcase_add_test(tc, alloc_sticky_many_cycles);
	tcase_add_test(tc, alloc_same_identity_twice);
	tcase_add_test(tc, alloc_exhaustion);
	tcase_add_test(tc, alloc_reclaims_oldest_reservation);
	tcase_add_test(tc, alloc_reclaimed_loses_old_owner);
	tcase_add_test(tc, alloc_slash30_has_one_address);
	tcase_add_test(tc, alloc_never_network_server_broadcast);
	tcase_add_test(tc, alloc_full_slash16);
	tcase_add_test(tc, alloc_output_zeroed);
	tcase_add_test(tc, alloc_long_identity_truncated);
	tcase_add_test(tc, alloc_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool4_release");
	tcase_add_test(tc, release_twice_is_harmless);
	tcase_add_test(tc, release_foreign_addresses_ignored);
	tcase_add_test(tc, release_then_realloc_counts);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool_server_addr");
	tcase_add_test(tc, server_addr_ipv4);
	tcase_add_test(tc, server_addr_ipv6);
	tcase_add_test(tc, server_addr_masks_host_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool6_derive");
	tcase_add_test(tc, derive_stable);
	tcase_add_test(tc, derive_differs_by_hash);
	tcase_add_test(tc, derive_uses_leading_hash_bits);
	tcase_add_test(tc, derive_unaligned_plen);
	tcase_add_test(tc, derive_skips_zero_host);
	tcase_add_test(tc, derive_skips_server);
	tcase_add_test(tc, derive_slash120);
	tcase_add_test(tc, derive_never_zero_or_one);
	tcase_add_test(tc, derive_ignores_prefix_host_bits);
	tcase_add_test(tc, derive_rejects_bad_prefix);
	tcase_add_test(tc, derive_accepts_8_and_120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed ? 1 : 0;
}

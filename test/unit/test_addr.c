/* Unit tests for common/addr.c: parsing, formatting and prefix algebra. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static char err[256];

static int
parse(const char *s, struct prefix *p)
{
	err[0] = '\0';
	return prefix_parse(s, p, 0, err, sizeof(err));
}

static int
rejects(const char *s)
{
	struct prefix p;

	memset(&p, 0xa5, sizeof(p));
	err[0] = '\0';
	if (prefix_parse(s, &p, 1, err, sizeof(err)) != -1)
		return 0;
	/* A failed parse leaves the output alone and explains itself. */
	for (size_t i = 0; i < sizeof(p); i++)
		if (((unsigned char *)&p)[i] != 0xa5)
			return 0;
	return err[0] != '\0';
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	ck_assert_msg(prefix_parse(s, &p, 1, err, sizeof(err)) == 0,
	    "%s: %s", s, err);
	return p;
}

static const char *
fmt(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];

	return prefix_fmt(p, buf, sizeof(buf));
}

/* ---- prefix_parse: good input ------------------------------------------ */

START_TEST(parse_ipv4_prefix)
{
	struct prefix p;

	ck_assert_int_eq(parse("100.64.0.0/10", &p), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_int_eq(p.plen, 10);
	ck_assert_int_eq(p.addr[0], 100);
	ck_assert_int_eq(p.addr[1], 64);
	ck_assert_str_eq(fmt(&p), "100.64.0.0/10");
}
END_TEST

START_TEST(parse_ipv6_prefix)
{
	struct prefix p;

	ck_assert_int_eq(parse("2001:db8::/32", &p), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_int_eq(p.plen, 32);
	ck_assert_str_eq(fmt(&p), "2001:db8::/32");
}
END_TEST

START_TEST(parse_bare_ipv4_is_host)
{
	struct prefix p;

	ck_assert_int_eq(parse("198.18.0.1", &p), 0);
	ck_assert_int_eq(p.plen, 32);
	ck_assert_str_eq(fmt(&p), "198.18.0.1/32");
}
END_TEST

START_TEST(parse_bare_ipv6_is_host)
{
	struct prefix p;

	ck_assert_int_eq(parse("fd00::1", &p), 0);
	ck_assert_int_eq(p.plen, 128);
	ck_assert_str_eq(fmt(&p), "fd00::1/128");
}
END_TEST

START_TEST(parse_plen_zero)
{
	struct prefix p;

	ck_assert_int_eq(parse("0.0.0.0/0", &p), 0);
	ck_assert_int_eq(p.plen, 0);
	ck_assert_int_eq(parse("::/0", &p), 0);
	ck_assert_int_eq(p.plen, 0);
}
END_TEST

START_TEST(parse_plen_max)
{
	struct prefix p;

	ck_assert_int_eq(parse("198.18.0.1/32", &p), 0);
	ck_assert_int_eq(parse("2001:db8::1/128", &p), 0);
}
END_TEST

START_TEST(parse_pad_is_zero)
{
	struct prefix p;

	memset(&p, 0xff, sizeof(p));
	ck_assert_int_eq(parse("100.64.0.0/24", &p), 0);
	ck_assert_int_eq(p.pad[0], 0);
	ck_assert_int_eq(p.pad[1], 0);
	for (int i = 4; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
}
END_TEST

START_TEST(parse_host_bits_allowed)
{
	struct prefix p;

	ck_assert_int_eq(prefix_parse("100.64.0.1/24", &p, 1, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(p.addr[3], 1);
	ck_assert_int_eq(p.plen, 24);
}
END_TEST

START_TEST(parse_v4_mapped)
{
	struct prefix p;

	ck_assert_int_eq(parse("::ffff:198.18.0.1", &p), 0);
	ck_assert_int_eq(p.family, AF_INET6);
}
END_TEST

/* ---- prefix_parse: bad input ------------------------------------------- */

START_TEST(reject_empty)
{
	ck_assert(rejects(""));
	ck_assert(rejects("/"));
	ck_assert(rejects("/24"));
}
END_TEST

START_TEST(reject_null)
{
	struct prefix p;

	ck_assert_int_eq(prefix_parse(NULL, &p, 0, err, sizeof(err)), -1);
	ck_assert_int_eq(prefix_parse("100.64.0.0/24", NULL, 0, err,
	    sizeof(err)), -1);
	/* No error buffer is fine too. */
	ck_assert_int_eq(prefix_parse("bogus", &p, 0, NULL, 0), -1);
}
END_TEST

START_TEST(reject_garbage)
{
	ck_assert(rejects("garbage"));
	ck_assert(rejects("100.64.0.x/24"));
	ck_assert(rejects("fd00::g/64"));
	ck_assert(rejects("\x01\x02\xff"));
	ck_assert_ptr_nonnull(strstr(err, "bad address"));
}
END_TEST

START_TEST(reject_truncated)
{
	ck_assert(rejects("100.64.0"));
	ck_assert(rejects("100.64.0./24"));
	ck_assert(rejects("100.64.0.0/"));
	ck_assert(rejects("fd00:/8"));
	ck_assert(rejects("2001:db8:"));
}
END_TEST

START_TEST(reject_trailing_junk)
{
	ck_assert(rejects("100.64.0.0/24x"));
	ck_assert(rejects("100.64.0.0/24 "));
	ck_assert(rejects("100.64.0.0 /24"));
	ck_assert(rejects("100.64.0.0/24/8"));
	ck_assert(rejects("198.18.0.1 "));
	ck_assert(rejects("fd00::/8\n"));
}
END_TEST

START_TEST(reject_leading_junk)
{
	ck_assert(rejects(" 100.64.0.0/24"));
	ck_assert(rejects("+100.64.0.0/24"));
	ck_assert(rejects("100.64.0.0/+24"));
	ck_assert(rejects("100.64.0.0/-1"));
	ck_assert(rejects("100.64.0.0/ 24"));
}
END_TEST

START_TEST(reject_plen_out_of_range)
{
	ck_assert(rejects("100.64.0.0/33"));
	ck_assert_str_eq(err,
	    "bad prefix length in '100.64.0.0/33' (0..32 for IPv4)");
	ck_assert(rejects("fd00::/129"));
	ck_assert(rejects("fd00::/999"));
	ck_assert(rejects("fd00::/1000"));
	ck_assert(rejects("100.64.0.0/4294967320"));
}
END_TEST

START_TEST(reject_plen_leading_zero)
{
	ck_assert(rejects("100.64.0.0/024"));
	ck_assert(rejects("100.64.0.0/00"));
	ck_assert(!rejects("0.0.0.0/0"));
}
END_TEST

START_TEST(reject_host_bits)
{
	struct prefix p;

	ck_assert_int_eq(parse("100.64.0.1/24", &p), -1);
	ck_assert_str_eq(err, "host bits set in '100.64.0.1/24' "
	    "(did you mean 100.64.0.0/24?)");
	ck_assert_int_eq(parse("fd00::1/64", &p), -1);
	ck_assert_ptr_nonnull(strstr(err, "fd00::/64"));
	ck_assert_int_eq(parse("198.19.0.0/15", &p), -1);
	ck_assert_ptr_nonnull(strstr(err, "198.18.0.0/15"));
}
END_TEST

START_TEST(reject_oversized)
{
	char big[4096];

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(rejects(big));
	/* The message quotes a bounded part of the input only. */
	ck_assert_uint_lt(strlen(err), 120);
	memcpy(big, "100.64.0.0/", 11);
	ck_assert(rejects(big));
}
END_TEST

START_TEST(reject_zone_and_brackets)
{
	ck_assert(rejects("fe80::1%eth0"));
	ck_assert(rejects("[fd00::1]"));
	ck_assert(rejects("fd00::1:"));
}
END_TEST

START_TEST(reject_ipv4_oddities)
{
	ck_assert(rejects("100.064.0.0/24"));	/* octal-looking */
	ck_assert(rejects("100.64.0.256"));
	ck_assert(rejects("1684013056"));	/* a bare integer */
	ck_assert(rejects("0x64.0.0.0/8"));
}
END_TEST

START_TEST(error_quotes_unprintable_safely)
{
	ck_assert(rejects("bad\x1b[31m"));
	for (const char *p = err; *p; p++)
		ck_assert_int_ge((unsigned char)*p, 0x20);
}
END_TEST

START_TEST(small_error_buffer)
{
	struct prefix p;
	char tiny[8];

	ck_assert_int_eq(prefix_parse("100.64.0.1/24", &p, 0, tiny,
	    sizeof(tiny)), -1);
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
}
END_TEST

/* ---- addr_parse --------------------------------------------------------- */

START_TEST(addr_parse_both_families)
{
	struct prefix p;

	ck_assert_int_eq(addr_parse("198.18.0.1", &p), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_int_eq(p.plen, 32);
	ck_assert_int_eq(addr_parse("2001:db8::53", &p), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_int_eq(p.plen, 128);
}
END_TEST

START_TEST(addr_parse_rejects_prefix_and_junk)
{
	struct prefix p;

	ck_assert_int_eq(addr_parse("100.64.0.0/24", &p), -1);
	ck_assert_int_eq(addr_parse("", &p), -1);
	ck_assert_int_eq(addr_parse("100.64.0.1 ", &p), -1);
	ck_assert_int_eq(addr_parse("host.example", &p), -1);
	ck_assert_int_eq(addr_parse(NULL, &p), -1);
}
END_TEST

/* ---- Formatting --------------------------------------------------------- */

START_TEST(fmt_round_trip)
{
	static const char *const cases[] = {
		"100.64.0.0/10", "198.18.0.0/15", "0.0.0.0/0",
		"198.18.255.255/32", "2001:db8::/32", "fd00::/8", "::/0",
		"fd00:1:2:3:4:5:6:7/128", "::1/128",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prefix p = pfx(cases[i]);
		ck_assert_str_eq(fmt(&p), cases[i]);
	}
}
END_TEST

START_TEST(fmt_canonical_ipv6)
{
	struct prefix p = pfx("FD00:0000:0000::0001/128");

	ck_assert_str_eq(fmt(&p), "fd00::1/128");
}
END_TEST

START_TEST(fmt_longest_fits)
{
	struct prefix p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	char buf[PREFIX_STRLEN];

	prefix_fmt(&p, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "/128"));
}
END_TEST

START_TEST(fmt_unknown_family_and_truncation)
{
	struct prefix p;
	char buf[8];

	memset(&p, 0, sizeof(p));
	ck_assert_str_eq(prefix_fmt(&p, buf, sizeof(buf)), "?");
	ck_assert_str_eq(addr_fmt(99, p.addr, buf, sizeof(buf)), "?");
	p = pfx("198.18.0.1/32");
	prefix_fmt(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "198.18.");
}
END_TEST

START_TEST(addr_fmt_plain)
{
	struct prefix p = pfx("2001:db8::53");
	char buf[64];

	ck_assert_str_eq(addr_fmt(AF_INET6, p.addr, buf, sizeof(buf)),
	    "2001:db8::53");
}
END_TEST

START_TEST(addr_len_values)
{
	ck_assert_uint_eq(addr_len(AF_INET), 4);
	ck_assert_uint_eq(addr_len(AF_INET6), 16);
	ck_assert_uint_eq(addr_len(0), 0);
	ck_assert_uint_eq(addr_len(AF_UNIX), 0);
}
END_TEST

/* ---- prefix_contains ---------------------------------------------------- */

static int
contains(const char *prefix, const char *addr)
{
	struct prefix p = pfx(prefix), a = pfx(addr);

	return prefix_contains(&p, a.family, a.addr);
}

START_TEST(contains_inside_and_edges)
{
	ck_assert(contains("100.64.0.0/24", "100.64.0.0"));
	ck_assert(contains("100.64.0.0/24", "100.64.0.255"));
	ck_assert(!contains("100.64.0.0/24", "100.64.1.0"));
	ck_assert(!contains("100.64.0.0/24", "100.63.255.255"));
}
END_TEST

START_TEST(contains_plen_zero)
{
	ck_assert(contains("0.0.0.0/0", "198.18.0.1"));
	ck_assert(contains("::/0", "fd00::1"));
}
END_TEST

START_TEST(contains_plen_full)
{
	ck_assert(contains("198.18.0.1/32", "198.18.0.1"));
	ck_assert(!contains("198.18.0.1/32", "198.18.0.2"));
	ck_assert(contains("fd00::1/128", "fd00::1"));
	ck_assert(!contains("fd00::1/128", "fd00::"));
}
END_TEST

START_TEST(contains_odd_plen)
{
	ck_assert(contains("198.18.0.0/15", "198.19.255.255"));
	ck_assert(!contains("198.18.0.0/15", "198.20.0.0"));
	ck_assert(contains("fd00::/7", "fdff::1"));
	ck_assert(contains("fd00::/7", "fc00::1"));
	ck_assert(!contains("fd00::/7", "fe00::1"));
}
END_TEST

START_TEST(contains_mixed_families)
{
	ck_assert(!contains("0.0.0.0/0", "fd00::1"));
	ck_assert(!contains("::/0", "198.18.0.1"));
	/* An IPv4-mapped IPv6 address is not an IPv4 address. */
	ck_assert(!contains("198.18.0.0/15", "::ffff:198.18.0.1"));
}
END_TEST

START_TEST(contains_bad_args)
{
	struct prefix p = pfx("100.64.0.0/24"), bad = p;

	ck_assert(!prefix_contains(NULL, AF_INET, p.addr));
	ck_assert(!prefix_contains(&p, AF_INET, NULL));
	ck_assert(!prefix_contains(&p, 0, p.addr));
	bad.plen = 33;
	ck_assert(!prefix_contains(&bad, AF_INET, p.addr));
}
END_TEST

/* ---- prefix_overlaps ---------------------------------------------------- */

static int
overlaps(const char *a, const char *b)
{
	struct prefix pa = pfx(a), pb = pfx(b);
	int ab = prefix_overlaps(&pa, &pb), ba = prefix_overlaps(&pb, &pa);

	ck_assert_int_eq(ab, ba);	/* symmetric */
	return ab;
}

START_TEST(overlaps_nested)
{
	ck_assert(overlaps("100.64.0.0/10", "100.64.5.0/24"));
	ck_assert(overlaps("100.64.0.0/24", "100.64.0.0/24"));
	ck_assert(overlaps("fd00::/8", "fd00:1::/64"));
}
END_TEST

START_TEST(overlaps_disjoint)
{
	ck_assert(!overlaps("100.64.0.0/24", "100.64.1.0/24"));
	ck_assert(!overlaps("198.18.0.0/16", "198.19.0.0/16"));
	ck_assert(!overlaps("fd00::/64", "fd00:0:0:1::/64"));
}
END_TEST

START_TEST(overlaps_plen_zero)
{
	ck_assert(overlaps("0.0.0.0/0", "100.64.0.0/24"));
	ck_assert(overlaps("::/0", "2001:db8::/32"));
	ck_assert(overlaps("0.0.0.0/0", "0.0.0.0/0"));
}
END_TEST

START_TEST(overlaps_hosts)
{
	ck_assert(overlaps("198.18.0.1/32", "198.18.0.1/32"));
	ck_assert(!overlaps("198.18.0.1/32", "198.18.0.2/32"));
	ck_assert(overlaps("198.18.0.1/32", "198.18.0.0/31"));
	ck_assert(overlaps("fd00::1/128", "fd00::/120"));
	ck_assert(!overlaps("fd00::1/128", "fd00::2/128"));
}
END_TEST

START_TEST(overlaps_mixed_families)
{
	ck_assert(!overlaps("0.0.0.0/0", "::/0"));
	ck_assert(!overlaps("100.64.0.0/10", "fd00::/8"));
}
END_TEST

START_TEST(overlaps_bad_args)
{
	struct prefix a = pfx("100.64.0.0/24"), z;

	memset(&z, 0, sizeof(z));
	ck_assert(!prefix_overlaps(&a, NULL));
	ck_assert(!prefix_overlaps(NULL, &a));
	ck_assert(!prefix_overlaps(&z, &z));
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_ipv4_prefix);
	tcase_add_test(tc, parse_ipv6_prefix);
	tcase_add_test(tc, parse_bare_ipv4_is_host);
	tcase_add_test(tc, parse_bare_ipv6_is_host);
	tcase_add_test(tc, parse_plen_zero);
	tcase_add_test(tc, parse_plen_max);
	tcase_add_test(tc, parse_pad_is_zero);
	tcase_add_test(tc, parse_host_bits_allowed);
	tcase_add_test(tc, parse_v4_mapped);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_test(tc, reject_empty);
	tcase_add_test(tc, reject_null);
	tcase_add_test(tc, reject_garbage);
	tcase_add_test(tc, reject_truncated);
	tcase_add_test(tc, reject_trailing_junk);
	tcase_add_test(tc, reject_leading_junk);
	tcase_add_test(tc, reject_plen_out_of_range);
	tcase_add_test(tc, reject_plen_leading_zero);
	tcase_add_test(tc, reject_host_bits);
	tcase_add_test(tc, reject_oversized);
	tcase_add_test(tc, reject_zone_and_brackets);
	tcase_add_test(tc, reject_ipv4_oddities);
	tcase_add_test(tc, error_quotes_unprintable_safely);
	tcase_add_test(tc, small_error_buffer);
	tcase_add_test(tc, addr_parse_both_families);
	tcase_add_test(tc, addr_parse_rejects_prefix_and_junk);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, fmt_round_trip);
	tcase_add_test(tc, fmt_canonical_ipv6);
	tcase_add_test(tc, fmt_longest_fits);
	tcase_add_test(tc, fmt_unknown_family_and_truncation);
	tcase_add_test(tc, addr_fmt_plain);
	tcase_add_test(tc, addr_len_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("contains");
	tcase_add_test(tc, contains_inside_and_edges);
	tcase_add_test(tc, contains_plen_zero);
	tcase_add_test(tc, contains_plen_full);
	tcase_add_test(tc, contains_odd_plen);
	tcase_add_test(tc, contains_mixed_families);
	tcase_add_test(tc, contains_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlaps");
	tcase_add_test(tc, overlaps_nested);
	tcase_add_test(tc, overlaps_disjoint);
	tcase_add_test(tc, overlaps_plen_zero);
	tcase_add_test(tc, overlaps_hosts);
	tcase_add_test(tc, overlaps_mixed_families);
	tcase_add_test(tc, overlaps_bad_args);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed ? 1 : 0;
}

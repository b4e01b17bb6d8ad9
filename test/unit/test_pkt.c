/* Unit tests for IP header parsing (common/pkt.c). */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

enum {
	V4_HDR = 20,
	V6_HDR = 40,
	PAYLOAD = 8,
	BIG = 65535 + 64,
};

static uint8_t pkt[BIG];
static struct pkt_info info;

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 packet 198.18.0.1 -> 100.64.0.1 with ihl words, total bytes. */
static void make_v4(unsigned ihl, size_t total)
{
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = (uint8_t)(0x40 | ihl);
	put16(pkt + 2, total);
	pkt[8] = 64;			/* TTL */
	pkt[9] = 17;			/* UDP */
	ck_assert_int_eq(inet_pton(AF_INET, "198.18.0.1", pkt + 12), 1);
	ck_assert_int_eq(inet_pton(AF_INET, "100.64.0.1", pkt + 16), 1);
}

/* An IPv6 packet 2001:db8::1 -> fd00::1 with payload bytes after it. */
static void make_v6(size_t payload)
{
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	put16(pkt + 4, payload);
	pkt[6] = 17;			/* next header: UDP */
	pkt[7] = 64;			/* hop limit */
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", pkt + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00::1", pkt + 24), 1);
}

static void parses(size_t len, int family, size_t total)
{
	ck_assert_int_eq(pkt_parse(pkt, len, &info), 0);
	ck_assert_int_eq(info.family, family);
	ck_assert_uint_eq(info.len, total);
}

static void refused(size_t len)
{
	ck_assert_int_eq(pkt_parse(pkt, len, &info), -1);
}

/* ---- IPv4 --------------------------------------------------------------- */

START_TEST(v4_valid)
{
	const uint8_t src[] = { 198, 18, 0, 1 }, dst[] = { 100, 64, 0, 1 };

	make_v4(5, V4_HDR + PAYLOAD);
	parses(V4_HDR + PAYLOAD, AF_INET, V4_HDR + PAYLOAD);
	ck_assert_ptr_eq(info.src, pkt + 12);
	ck_assert_ptr_eq(info.dst, pkt + 16);
	ck_assert_mem_eq(info.src, src, 4);
	ck_assert_mem_eq(info.dst, dst, 4);
}
END_TEST

START_TEST(v4_header_only)
{
	make_v4(5, V4_HDR);
	parses(V4_HDR, AF_INET, V4_HDR);
}
END_TEST

START_TEST(v4_with_options)
{
	make_v4(6, 24 + PAYLOAD);
	parses(24 + PAYLOAD, AF_INET, 24 + PAYLOAD);
}
END_TEST

START_TEST(v4_max_ihl)
{
	make_v4(15, 60);
	parses(60, AF_INET, 60);
}
END_TEST

/* The total length is the packet's; bytes after it are not counted. */
START_TEST(v4_trailing_bytes)
{
	make_v4(5, V4_HDR + PAYLOAD);
	parses(V4_HDR + PAYLOAD + 18, AF_INET, V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_max_total_length)
{
	make_v4(5, 65535);
	parses(65535, AF_INET, 65535);
}
END_TEST

START_TEST(v4_truncated_every_length)
{
	make_v4(5, V4_HDR + PAYLOAD);
	for (size_t len = 0; len < V4_HDR + PAYLOAD; len++)
		ck_assert_msg(pkt_parse(pkt, len, &info) == -1,
		    "IPv4 cut to %zu bytes accepted", len);
}
END_TEST

START_TEST(v4_with_options_truncated_every_length)
{
	make_v4(15, 60);
	for (size_t len = 0; len < 60; len++)
		ck_assert_int_eq(pkt_parse(pkt, len, &info), -1);
}
END_TEST

/* Looped over IHL 0..4. */
START_TEST(v4_ihl_below_5)
{
	make_v4((unsigned)_i, V4_HDR + PAYLOAD);
	refused(V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_ihl_past_end)
{
	make_v4(15, 40);
	refused(40);
}
END_TEST

START_TEST(v4_ihl_past_end_by_one)
{
	make_v4(6, 23);
	refused(23);
}
END_TEST

START_TEST(v4_total_below_header)
{
	make_v4(5, V4_HDR - 1);
	refused(V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_total_below_options)
{
	make_v4(6, 20);
	refused(V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_total_zero)
{
	make_v4(5, 0);
	refused(V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_total_beyond_buffer)
{
	make_v4(5, V4_HDR + PAYLOAD + 1);
	refused(V4_HDR + PAYLOAD);
}
END_TEST

START_TEST(v4_total_max_short_buffer)
{
	make_v4(5, 65535);
	refused(1500);
}
END_TEST

/* ---- IPv6 --------------------------------------------------------------- */

START_TEST(v6_valid)
{
	uint8_t src[16], dst[16];

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", src), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00::1", dst), 1);
	make_v6(PAYLOAD);
	parses(V6_HDR + PAYLOAD, AF_INET6, V6_HDR + PAYLOAD);
	ck_assert_ptr_eq(info.src, pkt + 8);
	ck_assert_ptr_eq(info.dst, pkt + 24);
	ck_assert_mem_eq(info.src, src, 16);
	ck_assert_mem_eq(info.dst, dst, 16);
}
END_TEST

START_TEST(v6_no_payload)
{
	make_v6(0);
	parses(V6_HDR, AF_INET6, V6_HDR);
}
END_TEST

START_TEST(v6_trailing_bytes)
{
	make_v6(PAYLOAD);
	parses(V6_HDR + PAYLOAD + 7, AF_INET6, V6_HDR + PAYLOAD);
}
END_TEST

START_TEST(v6_max_payload)
{
	make_v6(65535);
	parses(V6_HDR + 65535, AF_INET6, V6_HDR + 65535);
}
END_TEST

START_TEST(v6_truncated_every_length)
{
	make_v6(PAYLOAD);
	for (size_t len = 0; len < V6_HDR + PAYLOAD; len++)
		ck_assert_msg(pkt_parse(pkt, len, &info) == -1,
		    "IPv6 cut to %zu bytes accepted", len);
}
END_TEST

START_TEST(v6_header_short)
{
	make_v6(0);
	refused(V6_HDR - 1);
}
END_TEST

START_TEST(v6_payload_beyond_buffer)
{
	make_v6(PAYLOAD + 1);
	refused(V6_HDR + PAYLOAD);
}
END_TEST

START_TEST(v6_payload_max_short_buffer)
{
	make_v6(65535);
	refused(1500);
}
END_TEST

/* ---- Version and empty input -------------------------------------------- */

/* Looped over every version nibble; only 4 and 6 parse. */
START_TEST(version_nibble)
{
	make_v6(PAYLOAD);
	pkt[0] = (uint8_t)(_i << 4);
	if (_i == 6)
		parses(V6_HDR + PAYLOAD, AF_INET6, V6_HDR + PAYLOAD);
	else
		refused(V6_HDR + PAYLOAD);
}
END_TEST

START_TEST(version_5)
{
	make_v4(5, V4_HDR + PAYLOAD);
	pkt[0] = 0x55;
	refused(V4_HDR + PAYLOAD);
}
END_TEST

/* An IPv6-sized buffer labelled 4 is judged by IPv4's rules. */
START_TEST(v6_labelled_v4)
{
	make_v6(PAYLOAD);
	pkt[0] = 0x40;
	refused(V6_HDR + PAYLOAD);
}
END_TEST

START_TEST(empty)
{
	refused(0);
}
END_TEST

START_TEST(one_byte)
{
	make_v4(5, V4_HDR);
	refused(1);
	make_v6(0);
	refused(1);
}
END_TEST

START_TEST(failure_clears_info)
{
	make_v4(5, V4_HDR);
	ck_assert_int_eq(pkt_parse(pkt, V4_HDR, &info), 0);
	ck_assert_int_eq(pkt_parse(pkt, V4_HDR - 1, &info), -1);
	ck_assert_int_eq(info.family, 0);
	ck_assert_ptr_null(info.src);
	ck_assert_uint_eq(info.len, 0);
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc;

	tc = tcase_create("ipv4");
	tcase_add_test(tc, v4_valid);
	tcase_add_test(tc, v4_header_only);
	tcase_add_test(tc, v4_with_options);
	tcase_add_test(tc, v4_max_ihl);
	tcase_add_test(tc, v4_trailing_bytes);
	tcase_add_test(tc, v4_max_total_length);
	tcase_add_test(tc, v4_truncated_every_length);
	tcase_add_test(tc, v4_with_options_truncated_every_length);
	tcase_add_loop_test(tc, v4_ihl_below_5, 0, 5);
	tcase_add_test(tc, v4_ihl_past_end);
	tcase_add_test(tc, v4_ihl_past_end_by_one);
	tcase_add_test(tc, v4_total_below_header);
	tcase_add_test(tc, v4_total_below_options);
	tcase_add_test(tc, v4_total_zero);
	tcase_add_test(tc, v4_total_beyond_buffer);
	tcase_add_test(tc, v4_total_max_short_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv6");
	tcase_add_test(tc, v6_valid);
	tcase_add_test(tc, v6_no_payload);
	tcase_add_test(tc, v6_trailing_bytes);
	tcase_add_test(tc, v6_max_payload);
	tcase_add_test(tc, v6_truncated_every_length);
	tcase_add_test(tc, v6_header_short);
	tcase_add_test(tc, v6_payload_beyond_buffer);
	tcase_add_test(tc, v6_payload_max_short_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("other");
	tcase_add_loop_test(tc, version_nibble, 0, 16);
	tcase_add_test(tc, version_5);
	tcase_add_test(tc, v6_labelled_v4);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, one_byte);
	tcase_add_test(tc, failure_clears_info);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pkt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* Unit tests for queue message batches (common/qmsg.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "qmsg.h"

enum { BUFSZ = 8192 };

static uint8_t buf[BUFSZ];
static struct qmsg_iter it;
static const uint8_t *got;
static size_t gotlen;

/* A packet of len bytes whose content depends on seed. */
static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

/* ---- Raw messages, written by hand -------------------------------------- */

static size_t raw_len;

static void raw_hdr(uint16_t kind, uint16_t count, uint32_t len)
{
	struct qmsg_hdr h = { .kind = kind, .count = count, .len = len };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	raw_len = QMSG_HDR_LEN;
}

/* Append a length prefix and len bytes of packet (which may differ). */
static void raw_pkt(uint16_t prefix, size_t len)
{
	memcpy(buf + raw_len, &prefix, QMSG_PKT_LEN);
	fill(buf + raw_len + QMSG_PKT_LEN, len, prefix);
	raw_len += QMSG_PKT_LEN + len;
}

static void raw_bytes(size_t n)
{
	raw_len += n;
}

/* Set the header's len to match what was written. */
static void raw_fix_len(void)
{
	struct qmsg_hdr h;

	memcpy(&h, buf, sizeof(h));
	h.len = (uint32_t)(raw_len - QMSG_HDR_LEN);
	memcpy(buf, &h, sizeof(h));
}

static void open_ok(const uint8_t *msg, size_t len)
{
	ck_assert_int_eq(qmsg_open(msg, len, &it), QMSG_BATCH);
}

static void next_is(int want)
{
	ck_assert_int_eq(qmsg_next(&it, &got, &gotlen), want);
}

/* ---- Building and reading ------------------------------------------------ */

START_TEST(roundtrip_three)
{
	const size_t lens[] = { 1, 60, 1420 };
	uint8_t pkt[1420];
	struct qmsg_batch b;
	size_t n;

	qmsg_batch_init(&b, buf, sizeof(buf));
	for (unsigned i = 0; i < 3; i++) {
		fill(pkt, lens[i], i);
		ck_assert_int_eq(qmsg_batch_fits(&b, lens[i]), 1);
		qmsg_batch_add(&b, pkt, lens[i]);
	}
	n = qmsg_batch_finish(&b);
	ck_assert_uint_eq(n, QMSG_HDR_LEN + 3 * QMSG_PKT_LEN + 1 + 60 + 1420);

	open_ok(buf, n);
	for (unsigned i = 0; i < 3; i++) {
		next_is(1);
		fill(pkt, lens[i], i);
		ck_assert_uint_eq(gotlen, lens[i]);
		ck_assert_mem_eq(got, pkt, lens[i]);
	}
	next_is(0);
}
END_TEST

START_TEST(header_fields)
{
	const uint8_t pkt[5] = { 1, 2, 3, 4, 5 };
	struct qmsg_batch b;
	struct qmsg_hdr h;
	size_t n;

	qmsg_batch_init(&b, buf, sizeof(buf));
	qmsg_batch_add(&b, pkt, sizeof(pkt));
	qmsg_batch_add(&b, pkt, 3);
	n = qmsg_batch_finish(&b);
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.kind, QMSG_BATCH);
	ck_assert_uint_eq(h.count, 2);
	ck_assert_uint_eq(h.len, n - QMSG_HDR_LEN);
	ck_assert_uint_eq(b.count, 2);
	ck_assert_uint_eq(b.used, n);
}
END_TEST

START_TEST(empty_batch)
{
	struct qmsg_batch b;
	size_t n;

	qmsg_batch_init(&b, buf, sizeof(buf));
	n = qmsg_batch_finish(&b);
	ck_assert_uint_eq(n, QMSG_HDR_LEN);
	open_ok(buf, n);
	next_is(0);
	next_is(0);
}
END_TEST

START_TEST(exact_fit)
{
	uint8_t small[QMSG_HDR_LEN + QMSG_PKT_LEN + 100], pkt[100];
	struct qmsg_batch b;
	size_t n;

	fill(pkt, sizeof(pkt), 7);
	qmsg_batch_init(&b, small, sizeof(small));
	ck_assert_int_eq(qmsg_batch_fits(&b, 100), 1);
	qmsg_batch_add(&b, pkt, 100);
	ck_assert_int_eq(qmsg_batch_fits(&b, 1), 0);
	n = qmsg_batch_finish(&b);
	ck_assert_uint_eq(n, sizeof(small));
	open_ok(small, n);
	next_is(1);
	ck_assert_mem_eq(got, pkt, 100);
	next_is(0);
}
END_TEST

START_TEST(fits_one_byte_over)
{
	uint8_t small[QMSG_HDR_LEN + QMSG_PKT_LEN + 100];
	struct qmsg_batch b;

	qmsg_batch_init(&b, small, sizeof(small));
	ck_assert_int_eq(qmsg_batch_fits(&b, 101), 0);
}
END_TEST

START_TEST(fits_refuses_zero_length)
{
	struct qmsg_batch b;

	qmsg_batch_init(&b, buf, sizeof(buf));
	ck_assert_int_eq(qmsg_batch_fits(&b, 0), 0);
}
END_TEST

START_TEST(fits_refuses_over_u16)
{
	struct qmsg_batch b;
	uint8_t *big = malloc(70000);

	ck_assert_ptr_nonnull(big);
	qmsg_batch_init(&b, big, 70000);
	ck_assert_int_eq(qmsg_batch_fits(&b, 65535), 1);
	ck_assert_int_eq(qmsg_batch_fits(&b, 65536), 0);
	free(big);
}
END_TEST

START_TEST(fits_buffer_below_header)
{
	uint8_t small[QMSG_HDR_LEN - 1];
	struct qmsg_batch b;

	qmsg_batch_init(&b, small, sizeof(small));
	ck_assert_int_eq(qmsg_batch_fits(&b, 1), 0);
	ck_assert_uint_eq(qmsg_batch_finish(&b), 0);
}
END_TEST

/* Fill a batch until fits says no; every packet must come back. */
START_TEST(fill_until_full)
{
	uint8_t pkt[1420];
	struct qmsg_batch b;
	unsigned added = 0;
	size_t n;

	qmsg_batch_init(&b, buf, sizeof(buf));
	while (qmsg_batch_fits(&b, sizeof(pkt))) {
		fill(pkt, sizeof(pkt), added);
		qmsg_batch_add(&b, pkt, sizeof(pkt));
		added++;
	}
	ck_assert_uint_eq(added, (BUFSZ - QMSG_HDR_LEN) / (2 + 1420));
	n = qmsg_batch_finish(&b);
	ck_assert_uint_le(n, sizeof(buf));
	open_ok(buf, n);
	for (unsigned i = 0; i < added; i++) {
		next_is(1);
		fill(pkt, sizeof(pkt), i);
		ck_assert_mem_eq(got, pkt, sizeof(pkt));
	}
	next_is(0);
}
END_TEST

/* add without asking fits must not write past the buffer. */
START_TEST(add_refuses_overflow)
{
	uint8_t area[64], pkt[40];
	struct qmsg_batch b;

	memset(area, 0xcc, sizeof(area));
	fill(pkt, sizeof(pkt), 1);
	qmsg_batch_init(&b, area, 32);
	qmsg_batch_add(&b, pkt, sizeof(pkt));
	ck_assert_uint_eq(b.count, 0);
	ck_assert_uint_eq(b.used, QMSG_HDR_LEN);
	for (size_t i = QMSG_HDR_LEN; i < sizeof(area); i++)
		ck_assert_uint_eq(area[i], 0xcc);
}
END_TEST

START_TEST(unaligned_buffer)
{
	uint8_t pkt[3] = { 9, 8, 7 };
	struct qmsg_batch b;
	size_t n;

	qmsg_batch_init(&b, buf + 1, sizeof(buf) - 1);
	qmsg_batch_add(&b, pkt, sizeof(pkt));
	qmsg_batch_add(&b, pkt, 2);
	n = qmsg_batch_finish(&b);
	open_ok(buf + 1, n);
	next_is(1);
	ck_assert_uint_eq(gotlen, 3);
	next_is(1);
	ck_assert_uint_eq(gotlen, 2);
	next_is(0);
}
END_TEST

/* ---- Malformed messages ------------------------------------------------- */

START_TEST(short_header_every_length)
{
	raw_hdr(QMSG_BATCH, 0, 0);
	for (size_t len = 0; len < QMSG_HDR_LEN; len++)
		ck_assert_int_eq(qmsg_open(buf, len, &it), -1);
	open_ok(buf, QMSG_HDR_LEN);
}
END_TEST

START_TEST(header_len_too_big)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	ck_assert_int_eq(qmsg_open(buf, raw_len - 1, &it), -1);
}
END_TEST

START_TEST(header_len_too_small)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	ck_assert_int_eq(qmsg_open(buf, raw_len + 1, &it), -1);
}
END_TEST

START_TEST(header_len_huge)
{
	raw_hdr(QMSG_BATCH, 1, UINT32_MAX);
	raw_pkt(4, 4);
	ck_assert_int_eq(qmsg_open(buf, raw_len, &it), -1);
}
END_TEST

/* Looped over kinds 0 and 3..5 and 0xffff. */
START_TEST(unknown_kind)
{
	raw_hdr((uint16_t)_i, 1, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	ck_assert_int_eq(qmsg_open(buf, raw_len, &it), -1);
	next_is(-1);
}
END_TEST

/* ---- GSO messages --------------------------------------------------------- */

/* The frame is written in place behind the header and read back whole. */
START_TEST(gso_roundtrip)
{
	size_t n;

	memset(buf, 0, sizeof(buf));
	fill(buf + QMSG_HDR_LEN, 10 + 1400, 7);
	n = qmsg_gso_finish(buf, 10 + 1400);
	ck_assert_uint_eq(n, QMSG_HDR_LEN + 10 + 1400);
	ck_assert_int_eq(qmsg_open(buf, n, &it), QMSG_GSO);
	ck_assert_int_eq(qmsg_frame(&it, &got, &gotlen), 1);
	ck_assert_ptr_eq(got, buf + QMSG_HDR_LEN);
	ck_assert_uint_eq(gotlen, 10 + 1400);
	/* One frame only; a batch reader gets nothing from it. */
	ck_assert_int_eq(qmsg_frame(&it, &got, &gotlen), 0);
	ck_assert_int_eq(qmsg_open(buf, n, &it), QMSG_GSO);
	next_is(-1);
}
END_TEST

/* A GSO message carries exactly one frame and at least one byte. */
START_TEST(gso_count_not_one)
{
	raw_hdr(QMSG_GSO, (uint16_t)_i, 0);
	raw_bytes(10 + 1400);
	raw_fix_len();
	ck_assert_int_eq(qmsg_open(buf, raw_len, &it), -1);
	ck_assert_int_eq(qmsg_frame(&it, &got, &gotlen), -1);
}
END_TEST

START_TEST(gso_empty)
{
	raw_hdr(QMSG_GSO, 1, 0);
	ck_assert_int_eq(qmsg_open(buf, raw_len, &it), -1);
	ck_assert_int_eq(qmsg_frame(&it, &got, &gotlen), -1);
}
END_TEST

/* Cut anywhere, the header's len no longer matches: refused. */
START_TEST(gso_truncated_every_length)
{
	size_t n, cut;

	memset(buf, 0, sizeof(buf));
	n = qmsg_gso_finish(buf, 200);
	for (cut = 0; cut < n; cut++)
		ck_assert_int_eq(qmsg_open(buf, cut, &it), -1);
}
END_TEST

/* A batch is not a frame. */
START_TEST(batch_is_not_frame)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(60, 60);
	raw_fix_len();
	open_ok(buf, raw_len);
	ck_assert_int_eq(qmsg_frame(&it, &got, &gotlen), -1);
}
END_TEST

START_TEST(length_past_end)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(10, 9);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(-1);
}
END_TEST

START_TEST(length_past_end_second)
{
	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(4, 4);
	raw_pkt(100, 50);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	next_is(-1);
}
END_TEST

START_TEST(length_prefix_cut)
{
	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(4, 4);
	raw_bytes(1);			/* half a length prefix */
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	next_is(-1);
}
END_TEST

START_TEST(zero_length_packet)
{
	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(0, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(-1);
}
END_TEST

START_TEST(leftover_bytes)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_bytes(1);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	next_is(-1);
}
END_TEST

START_TEST(count_less_than_packets)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_pkt(5, 5);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	next_is(-1);
}
END_TEST

START_TEST(count_more_than_packets)
{
	raw_hdr(QMSG_BATCH, 3, 0);
	raw_pkt(4, 4);
	raw_pkt(5, 5);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	next_is(1);
	next_is(-1);
}
END_TEST

START_TEST(count_zero_with_bytes)
{
	raw_hdr(QMSG_BATCH, 0, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(-1);
}
END_TEST

/* Once a batch proved bad, the iterator keeps saying so. */
START_TEST(error_is_sticky)
{
	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(0, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(-1);
	next_is(-1);
}
END_TEST

START_TEST(failed_open_poisons_iter)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	ck_assert_int_eq(qmsg_open(buf, raw_len + 1, &it), -1);
	next_is(-1);
}
END_TEST

START_TEST(end_is_sticky)
{
	raw_hdr(QMSG_BATCH, 1, 0);
	raw_pkt(4, 4);
	raw_fix_len();
	open_ok(buf, raw_len);
	next_is(1);
	ck_assert_uint_eq(gotlen, 4);
	ck_assert_ptr_eq(got, buf + QMSG_HDR_LEN + QMSG_PKT_LEN);
	next_is(0);
	next_is(0);
}
END_TEST

/* Every cut of a valid batch is refused by qmsg_open. */
START_TEST(truncated_every_length)
{
	size_t full;

	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(4, 4);
	raw_pkt(5, 5);
	raw_fix_len();
	full = raw_len;
	for (size_t len = 0; len < full; len++)
		ck_assert_int_eq(qmsg_open(buf, len, &it), -1);
}
END_TEST

/*
 * Every cut with the header's len rewritten to match: the header passes,
 * so iteration must find that the packets do not add up.
 */
START_TEST(truncated_len_fixed_every_length)
{
	size_t full;
	int r;

	raw_hdr(QMSG_BATCH, 2, 0);
	raw_pkt(4, 4);
	raw_pkt(5, 5);
	raw_fix_len();
	full = raw_len;
	for (raw_len = QMSG_HDR_LEN; raw_len < full; raw_len++) {
		raw_fix_len();
		open_ok(buf, raw_len);
		while ((r = qmsg_next(&it, &got, &gotlen)) == 1)
			;
		ck_assert_msg(r == -1, "cut to %zu of %zu accepted", raw_len,
		    full);
	}
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *qmsg_suite(void)
{
	Suite *s = suite_create("qmsg");
	TCase *tc;

	tc = tcase_create("batch");
	tcase_add_test(tc, roundtrip_three);
	tcase_add_test(tc, header_fields);
	tcase_add_test(tc, empty_batch);
	tcase_add_test(tc, exact_fit);
	tcase_add_test(tc, fits_one_byte_over);
	tcase_add_test(tc, fits_refuses_zero_length);
	tcase_add_test(tc, fits_refuses_over_u16);
	tcase_add_test(tc, fits_buffer_below_header);
	tcase_add_test(tc, fill_until_full);
	tcase_add_test(tc, add_refuses_overflow);
	tcase_add_test(tc, unaligned_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, short_header_every_length);
	tcase_add_test(tc, header_len_too_big);
	tcase_add_test(tc, header_len_too_small);
	tcase_add_test(tc, header_len_huge);
	tcase_add_loop_test(tc, unknown_kind, 0, 1);
	tcase_add_loop_test(tc, unknown_kind, 3, 6);
	tcase_add_loop_test(tc, unknown_kind, 0xffff, 0x10000);
	tcase_add_test(tc, length_past_end);
	tcase_add_test(tc, length_past_end_second);
	tcase_add_test(tc, length_prefix_cut);
	tcase_add_test(tc, zero_length_packet);
	tcase_add_test(tc, leftover_bytes);
	tcase_add_test(tc, count_less_than_packets);
	tcase_add_test(tc, count_more_than_packets);
	tcase_add_test(tc, count_zero_with_bytes);
	tcase_add_test(tc, error_is_sticky);
	tcase_add_test(tc, failed_open_poisons_iter);
	tcase_add_test(tc, end_is_sticky);
	tcase_add_test(tc, truncated_every_length);
	tcase_add_test(tc, truncated_len_fixed_every_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("gso");
	tcase_add_test(tc, gso_roundtrip);
	tcase_add_loop_test(tc, gso_count_not_one, 0, 1);
	tcase_add_loop_test(tc, gso_count_not_one, 2, 4);
	tcase_add_loop_test(tc, gso_count_not_one, 0xffff, 0x10000);
	tcase_add_test(tc, gso_empty);
	tcase_add_test(tc, gso_truncated_every_length);
	tcase_add_test(tc, batch_is_not_frame);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(qmsg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

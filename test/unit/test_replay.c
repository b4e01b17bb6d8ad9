/*
 * Unit tests for common/replay.c: the window's exact edges, jumps of every
 * size, the message limit, and a long pseudo-random run against a plain
 * model of the rules.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

static struct replay fresh(void)
{
	struct replay r;

	replay_init(&r);
	return r;
}

/* Accept every counter in [from, to]; each must be new. */
static void accept_range(struct replay *r, uint64_t from, uint64_t to)
{
	for (uint64_t c = from; c <= to; c++)
		ck_assert_msg(replay_accept(r, c) == 1, "counter %llu",
		    (unsigned long long)c);
}

/* ---- Basics ------------------------------------------------------------- */

START_TEST(init_clears_everything)
{
	struct replay r;

	memset(&r, 0xff, sizeof(r));
	replay_init(&r);
	ck_assert_uint_eq(r.top, 0);
	for (size_t i = 0; i < REPLAY_BITS / 64; i++)
		ck_assert_uint_eq(r.bitmap[i], 0);
}
END_TEST

START_TEST(counter_zero_first)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_check(&r, 0), 1);
	ck_assert_int_eq(replay_accept(&r, 0), 1);
	ck_assert_uint_eq(r.top, 1);
	ck_assert_int_eq(replay_check(&r, 0), 0);
	ck_assert_int_eq(replay_accept(&r, 0), 0);
}
END_TEST

START_TEST(large_counter_first)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, 1000000), 1);
	ck_assert_uint_eq(r.top, 1000001);
	ck_assert_int_eq(replay_accept(&r, 1000000 - 1), 1);
	ck_assert_int_eq(replay_accept(&r, 0), 0);
}
END_TEST

START_TEST(in_order)
{
	struct replay r = fresh();

	accept_range(&r, 0, 3 * REPLAY_BITS);
	ck_assert_uint_eq(r.top, 3 * REPLAY_BITS + 1);
}
END_TEST

START_TEST(duplicate_right_after)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, 7), 1);
	ck_assert_int_eq(replay_accept(&r, 7), 0);
}
END_TEST

START_TEST(duplicate_later)
{
	struct replay r = fresh();

	accept_range(&r, 0, 100);
	for (uint64_t c = 0; c <= 100; c++)
		ck_assert_int_eq(replay_accept(&r, c), 0);
}
END_TEST

START_TEST(reordered_within_window)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, 500), 1);
	/* Everything before arrives late, newest first. */
	for (uint64_t c = 500; c-- > 0;)
		ck_assert_int_eq(replay_accept(&r, c), 1);
	ck_assert_uint_eq(r.top, 501);
	for (uint64_t c = 0; c <= 500; c++)
		ck_assert_int_eq(replay_check(&r, c), 0);
}
END_TEST

START_TEST(gap_stays_acceptable)
{
	struct replay r = fresh();

	accept_range(&r, 0, 9);
	ck_assert_int_eq(replay_accept(&r, 20), 1);
	for (uint64_t c = 10; c < 20; c++)
		ck_assert_int_eq(replay_check(&r, c), 1);
	ck_assert_int_eq(replay_accept(&r, 15), 1);
	ck_assert_int_eq(replay_accept(&r, 15), 0);
	ck_assert_int_eq(replay_check(&r, 14), 1);
	ck_assert_int_eq(replay_check(&r, 16), 1);
}
END_TEST

START_TEST(word_boundaries)
{
	struct replay r = fresh();
	/* Counters whose bits (counter + 1) sit at the edges of words. */
	static const uint64_t edges[] = { 62, 63, 64, 126, 127, 128, 2046,
		2047, 2048, 3998 };

	ck_assert_int_eq(replay_accept(&r, 4000), 1);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		ck_assert_int_eq(replay_accept(&r, edges[i]), 1);
		ck_assert_int_eq(replay_accept(&r, edges[i]), 0);
	}
	/* Their neighbours were not touched. */
	ck_assert_int_eq(replay_check(&r, 61), 1);
	ck_assert_int_eq(replay_check(&r, 65), 1);
	ck_assert_int_eq(replay_check(&r, 2049), 1);
	ck_assert_int_eq(replay_check(&r, 3999), 1);
}
END_TEST

/* ---- Window edges ------------------------------------------------------- */

START_TEST(oldest_in_window_accepted)
{
	struct replay r = fresh();
	uint64_t newest = 10000;

	ck_assert_int_eq(replay_accept(&r, newest), 1);
	ck_assert_int_eq(replay_check(&r, newest - REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_accept(&r, newest - REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_accept(&r, newest - REPLAY_WINDOW), 0);
}
END_TEST

START_TEST(just_outside_window_rejected)
{
	struct replay r = fresh();
	uint64_t newest = 10000;

	ck_assert_int_eq(replay_accept(&r, newest), 1);
	ck_assert_int_eq(replay_check(&r, newest - REPLAY_WINDOW - 1), 0);
	ck_assert_int_eq(replay_accept(&r, newest - REPLAY_WINDOW - 1), 0);
	ck_assert_int_eq(replay_accept(&r, 0), 0);
}
END_TEST

START_TEST(window_edge_from_counter_zero)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_accept(&r, 0), 1);

	r = fresh();
	ck_assert_int_eq(replay_accept(&r, REPLAY_WINDOW + 1), 1);
	ck_assert_int_eq(replay_accept(&r, 0), 0);
	ck_assert_int_eq(replay_accept(&r, 1), 1);
}
END_TEST

/* After any single step forward, the whole window is exact. */
START_TEST(window_edge_at_every_offset)
{
	for (uint64_t newest = 5000; newest < 5000 + 64; newest++) {
		struct replay r = fresh();

		ck_assert_int_eq(replay_accept(&r, newest - 1), 1);
		ck_assert_int_eq(replay_accept(&r, newest), 1);
		ck_assert_int_eq(replay_check(&r, newest - REPLAY_WINDOW), 1);
		ck_assert_int_eq(replay_check(&r,
		    newest - REPLAY_WINDOW - 1), 0);
	}
}
END_TEST

START_TEST(seen_then_slides_out)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, 100), 1);
	ck_assert_int_eq(replay_accept(&r, 100 + REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_accept(&r, 100), 0);	/* seen */
	ck_assert_int_eq(replay_accept(&r, 101 + REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_accept(&r, 100), 0);	/* too old */
	ck_assert_int_eq(replay_accept(&r, 101), 1);	/* oldest */
}
END_TEST

/* ---- Jumps -------------------------------------------------------------- */

/* Every counter of the window below newest is acceptable exactly once. */
static void check_window_open(struct replay *r, uint64_t newest)
{
	for (uint64_t c = newest - REPLAY_WINDOW; c < newest; c++)
		ck_assert_msg(replay_check(r, c) == 1, "counter %llu",
		    (unsigned long long)c);
	accept_range(r, newest - REPLAY_WINDOW, newest - 1);
	for (uint64_t c = newest - REPLAY_WINDOW; c <= newest; c++)
		ck_assert_int_eq(replay_check(r, c), 0);
}

START_TEST(jump_beyond_bitmap_clears_old_bits)
{
	struct replay r = fresh();
	uint64_t newest = (REPLAY_BITS - 1) + 3 * REPLAY_BITS + 17;

	/* Every bit of the ring set... */
	accept_range(&r, 0, REPLAY_BITS - 1);
	/* ...then far ahead: none of them may still count as seen. */
	ck_assert_int_eq(replay_accept(&r, newest), 1);
	check_window_open(&r, newest);
	ck_assert_int_eq(replay_accept(&r, REPLAY_BITS - 1), 0);
}
END_TEST

START_TEST(jump_by_exactly_the_bitmap)
{
	struct replay r = fresh();

	accept_range(&r, 0, REPLAY_BITS - 1);
	/* Same bit of the ring as counter REPLAY_BITS - 1. */
	ck_assert_int_eq(replay_accept(&r, 2 * REPLAY_BITS - 1), 1);
	check_window_open(&r, 2 * REPLAY_BITS - 1);
	ck_assert_int_eq(replay_accept(&r, 2 * REPLAY_BITS - 1), 0);
}
END_TEST

/* The smallest jump after which nothing seen is left in the window. */
START_TEST(jump_just_past_the_window)
{
	struct replay r = fresh();
	uint64_t newest = REPLAY_BITS - 1 + REPLAY_WINDOW + 1;

	accept_range(&r, 0, REPLAY_BITS - 1);
	ck_assert_int_eq(replay_accept(&r, newest), 1);
	check_window_open(&r, newest);
}
END_TEST

START_TEST(jump_smaller_than_window_keeps_history)
{
	struct replay r = fresh();

	accept_range(&r, 0, 999);
	ck_assert_int_eq(replay_accept(&r, 2999), 1);
	for (uint64_t c = 0; c <= 999; c++)
		ck_assert_int_eq(replay_check(&r, c), 0);
	for (uint64_t c = 1000; c < 2999; c++)
		ck_assert_int_eq(replay_check(&r, c), 1);
	accept_range(&r, 1000, 2998);
}
END_TEST

START_TEST(jump_from_nothing_far_ahead)
{
	struct replay r = fresh();
	uint64_t newest = (uint64_t)1 << 40;

	ck_assert_int_eq(replay_accept(&r, newest), 1);
	check_window_open(&r, newest);
}
END_TEST

/* ---- Message limit ------------------------------------------------------ */

START_TEST(last_allowed_counter_accepted)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_check(&r, REJECT_AFTER_MESSAGES - 1), 1);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES - 1), 1);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES - 1), 0);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES - 2), 1);
}
END_TEST

START_TEST(limit_rejected)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_check(&r, REJECT_AFTER_MESSAGES), 0);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES), 0);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES + 1), 0);
	ck_assert_int_eq(replay_accept(&r, UINT64_MAX), 0);
	ck_assert_int_eq(replay_accept(&r, UINT64_MAX - 1), 0);
	/* Nothing was recorded by the refusals. */
	ck_assert_uint_eq(r.top, 0);
}
END_TEST

START_TEST(limit_rejected_after_last)
{
	struct replay r = fresh();

	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES - 1), 1);
	ck_assert_int_eq(replay_accept(&r, REJECT_AFTER_MESSAGES), 0);
	ck_assert_int_eq(replay_accept(&r, UINT64_MAX), 0);
	ck_assert_uint_eq(r.top, REJECT_AFTER_MESSAGES);
}
END_TEST

START_TEST(window_below_limit)
{
	struct replay r = fresh();
	uint64_t newest = REJECT_AFTER_MESSAGES - 1;

	ck_assert_int_eq(replay_accept(&r, newest), 1);
	ck_assert_int_eq(replay_check(&r, newest - REPLAY_WINDOW), 1);
	ck_assert_int_eq(replay_check(&r, newest - REPLAY_WINDOW - 1), 0);
}
END_TEST

/* ---- replay_check changes nothing --------------------------------------- */

START_TEST(check_does_not_mutate)
{
	static const uint64_t probes[] = { 0, 1, 63, 64, 4000, 4999, 5000,
		5001, 5063, 9000, 100000, REJECT_AFTER_MESSAGES - 1,
		REJECT_AFTER_MESSAGES, UINT64_MAX };
	struct replay r = fresh(), before;

	accept_range(&r, 4990, 5000);
	ck_assert_int_eq(replay_accept(&r, 4000), 1);
	before = r;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		(void)replay_check(&r, probes[i]);
		ck_assert_mem_eq(&r, &before, sizeof(r));
	}
}
END_TEST

START_TEST(check_on_fresh_does_not_mutate)
{
	struct replay r = fresh(), before = fresh();

	ck_assert_int_eq(replay_check(&r, 12345), 1);
	ck_assert_int_eq(replay_check(&r, 12345), 1);
	ck_assert_mem_eq(&r, &before, sizeof(r));
}
END_TEST

/* ---- Against a model ---------------------------------------------------- */

/*
 * The rules, stated plainly: a counter is accepted when it is below the
 * limit, has not been accepted before, and is at most REPLAY_WINDOW below
 * the newest accepted counter. Counters tried lie in [base, base + SPAN).
 */
enum { SPAN = 3 * REPLAY_BITS, STEPS = 200000 };

struct model {
	int any;
	uint64_t newest;
	uint8_t seen[SPAN];
};

static int model_accept(struct model *m, uint64_t base, uint64_t c)
{
	if (c >= REJECT_AFTER_MESSAGES || m->seen[c - base])
		return 0;
	if (m->any && c + REPLAY_WINDOW < m->newest)
		return 0;
	m->seen[c - base] = 1;
	if (!m->any || c > m->newest)
		m->newest = c;
	m->any = 1;
	return 1;
}

/* xorshift64: deterministic and good enough to shuffle counters. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/*
 * Counters mostly just below or above the newest, sometimes far behind or
 * far ahead (within SPAN), so that every branch runs many times.
 */
static uint64_t pick_counter(uint64_t *state, const struct model *m,
    uint64_t base)
{
	uint64_t r = next_rand(state), center, back, c;

	center = m->any ? m->newest : base;
	switch (r % 8) {
	case 0:
		return base + (r >> 8) % SPAN;
	case 1:
		c = center + (r >> 8) % 200;
		return c < base + SPAN ? c : base + SPAN - 1;
	default:
		back = (r >> 8) % (REPLAY_WINDOW + 100);
		return back <= center - base ? center - back : base;
	}
}

static void run_model(uint64_t base, uint64_t seed)
{
	struct model *m = calloc(1, sizeof(*m));
	struct replay r = fresh();
	uint64_t state = seed;

	ck_assert_ptr_nonnull(m);
	for (int step = 0; step < STEPS; step++) {
		uint64_t c = pick_counter(&state, m, base);
		int checked = replay_check(&r, c);
		int got = replay_accept(&r, c);
		int want = model_accept(m, base, c);

		ck_assert_msg(got == want && checked == want,
		    "step %d counter %llu: check %d accept %d want %d", step,
		    (unsigned long long)c, checked, got, want);
	}
	free(m);
}

START_TEST(model_from_zero)
{
	run_model(0, 0x9e3779b97f4a7c15ULL);
}
END_TEST

START_TEST(model_unaligned_base)
{
	run_model(123457, 0xd1b54a32d192ed03ULL);
}
END_TEST

/* The top third of the counters tried here is at or past the limit. */
START_TEST(model_across_limit)
{
	run_model(REJECT_AFTER_MESSAGES - 2 * REPLAY_BITS,
	    0x2545f4914f6cdd1dULL);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc;

	tc = tcase_create("basics");
	tcase_add_test(tc, init_clears_everything);
	tcase_add_test(tc, counter_zero_first);
	tcase_add_test(tc, large_counter_first);
	tcase_add_test(tc, in_order);
	tcase_add_test(tc, duplicate_right_after);
	tcase_add_test(tc, duplicate_later);
	tcase_add_test(tc, reordered_within_window);
	tcase_add_test(tc, gap_stays_acceptable);
	tcase_add_test(tc, word_boundaries);
	suite_add_tcase(s, tc);

	tc = tcase_create("window edges");
	tcase_add_test(tc, oldest_in_window_accepted);
	tcase_add_test(tc, just_outside_window_rejected);
	tcase_add_test(tc, window_edge_from_counter_zero);
	tcase_add_test(tc, window_edge_at_every_offset);
	tcase_add_test(tc, seen_then_slides_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("jumps");
	tcase_add_test(tc, jump_beyond_bitmap_clears_old_bits);
	tcase_add_test(tc, jump_by_exactly_the_bitmap);
	tcase_add_test(tc, jump_just_past_the_window);
	tcase_add_test(tc, jump_smaller_than_window_keeps_history);
	tcase_add_test(tc, jump_from_nothing_far_ahead);
	suite_add_tcase(s, tc);

	tc = tcase_create("limit");
	tcase_add_test(tc, last_allowed_counter_accepted);
	tcase_add_test(tc, limit_rejected);
	tcase_add_test(tc, limit_rejected_after_last);
	tcase_add_test(tc, window_below_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("check is read-only");
	tcase_add_test(tc, check_does_not_mutate);
	tcase_add_test(tc, check_on_fresh_does_not_mutate);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_test(tc, model_from_zero);
	tcase_add_test(tc, model_unaligned_base);
	tcase_add_test(tc, model_across_limit);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(replay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/*
 * Unit tests for guard/peertab.c, the GUARD's address -> peer id table.
 *
 * Removal shifts later entries of a probe run backwards instead of leaving
 * tombstones, which is easy to get subtly wrong at the edges (runs that
 * wrap around the end of the array, entries whose home lies before the
 * hole). The randomized run against a plain array model, on a small table
 * where collisions are the rule, is what shows it correct: after every
 * operation every key of the universe must look up exactly as the model
 * says, and every probe run must be unbroken.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peertab.h"

static struct peertab t;

static void teardown(void)
{
	peertab_free(&t);
}

/* 100.64.(n >> 8).(n & 0xff) */
static void v4(uint32_t n, uint8_t out[4])
{
	out[0] = 100;
	out[1] = (uint8_t)(64 | ((n >> 16) & 0x3f));
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
}

/* fd00:6400::n */
static void v6(uint32_t n, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[2] = 0x64;
	out[12] = (uint8_t)(n >> 24);
	out[13] = (uint8_t)(n >> 16);
	out[14] = (uint8_t)(n >> 8);
	out[15] = (uint8_t)n;
}

static size_t capacity(const struct peertab *pt)
{
	return pt->mask + 1;
}

/*
 * Where addr lives when nothing is in its way: insert it alone into a
 * scratch table of the same capacity and see which slot it took. This
 * leaves the hash function to the module.
 */
static size_t home_of(size_t max, int family, const uint8_t *addr)
{
	struct peertab s;
	size_t home = SIZE_MAX;

	if (peertab_init(&s, max) == -1 ||
	    peertab_insert(&s, family, addr, 1) == -1)
		ck_abort_msg("cannot place a key in a scratch table");
	for (size_t i = 0; i <= s.mask; i++)
		if (s.slot[i].id != 0)
			home = i;
	peertab_free(&s);
	if (home == SIZE_MAX)
		ck_abort_msg("scratch table lost its key");
	return home;
}

/*
 * Every occupied slot must be reachable from its home: no empty slot
 * between them. That is what lookup relies on.
 */
static void check_runs(const struct peertab *pt)
{
	size_t used = 0;

	for (size_t i = 0; i <= pt->mask; i++) {
		const struct peertab_entry *e = &pt->slot[i];
		size_t home;

		if (e->id == 0)
			continue;
		used++;
		/* Its own lookup finds it. */
		if (peertab_lookup(pt, e->family, e->addr) != e->id)
			ck_abort_msg("entry in slot %zu not found", i);
		home = home_of(pt->max, e->family, e->addr);
		for (size_t j = home; j != i; j = (j + 1) & pt->mask)
			if (pt->slot[j].id == 0)
				ck_abort_msg("hole at %zu between home %zu "
				    "and slot %zu", j, home, i);
	}
	ck_assert_uint_eq(used, pt->count);
}

/* ---- Sizing ------------------------------------------------------------------ */

START_TEST(init_capacity_power_of_two_and_double)
{
	static const size_t maxes[] = { 0, 1, 7, 8, 9, 100, 1024, 4096 };

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		ck_assert_int_eq(peertab_init(&t, maxes[i]), 0);
		ck_assert_uint_eq(capacity(&t) & t.mask, 0);
		ck_assert_uint_ge(capacity(&t), 2 * maxes[i]);
		ck_assert_uint_eq(t.max, maxes[i]);
		ck_assert_uint_eq(t.count, 0);
		for (size_t j = 0; j <= t.mask; j++)
			ck_assert_uint_eq(t.slot[j].id, 0);
		peertab_free(&t);
	}
}
END_TEST

START_TEST(free_leaves_table_empty)
{
	ck_assert_int_eq(peertab_init(&t, 4), 0);
	peertab_free(&t);
	ck_assert_ptr_null(t.slot);
	ck_assert_uint_eq(t.count, 0);
}
END_TEST

/* ---- Basics --------------------------------------------------------------------- */

START_TEST(lookup_in_empty_table)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 0);
	v6(2, a);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), 0);
}
END_TEST

START_TEST(insert_lookup_remove_v4)
{
	uint8_t a[4];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 7), 0);
	ck_assert_uint_eq(t.count, 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 7);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 1);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 0);
}
END_TEST

START_TEST(insert_lookup_remove_v6)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v6(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 9), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), 9);
	ck_assert_int_eq(peertab_remove(&t, AF_INET6, a), 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), 0);
	ck_assert_uint_eq(t.count, 0);
}
END_TEST

/* One peer usually has both an IPv4 and an IPv6 address. */
START_TEST(same_peer_both_families)
{
	uint8_t a4[4], a6[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a4);
	v6(2, a6);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a4, 5), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a6, 5), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a4), 5);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a6), 5);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a4), 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a6), 5);
}
END_TEST

/* An IPv6 address starting with the bytes of an IPv4 one is another key. */
START_TEST(family_is_part_of_the_key)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	memset(a, 0, sizeof(a));
	v4(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 1), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), 0);
	ck_assert_int_eq(peertab_remove(&t, AF_INET6, a), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 2), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), 2);
}
END_TEST

/* Only the address's own bytes count; the rest of the buffer is noise. */
START_TEST(v4_ignores_bytes_past_four)
{
	uint8_t a[16], b[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	v4(2, a);
	v4(2, b);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 3), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, b), 3);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, b, 4), -1);
}
END_TEST

START_TEST(duplicate_insert_refused)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 7), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 7), -1);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 8), -1);
	/* The first mapping stands. */
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 7);
	ck_assert_uint_eq(t.count, 1);
	v6(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 7), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 9), -1);
	ck_assert_uint_eq(t.count, 2);
}
END_TEST

START_TEST(id_zero_refused)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 0), -1);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 0);
}
END_TEST

START_TEST(unknown_family_refused)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v6(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_UNSPEC, a, 1), -1);
	ck_assert_int_eq(peertab_insert(&t, AF_UNIX, a, 1), -1);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_UNSPEC, a), 0);
}
END_TEST

START_TEST(largest_id)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, UINT32_MAX), 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), UINT32_MAX);
}
END_TEST

START_TEST(remove_absent_is_zero)
{
	uint8_t a[16], b[16];

	ck_assert_int_eq(peertab_init(&t, 16), 0);
	v4(2, a);
	v4(3, b);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 1), 0);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, b), 0);
	ck_assert_uint_eq(t.count, 1);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 1);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 0);
	ck_assert_uint_eq(t.count, 0);
}
END_TEST

/* ---- Full table ----------------------------------------------------------------- */

START_TEST(full_table_refuses)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 10), 0);
	for (uint32_t i = 0; i < 10; i++) {
		v4(i + 1, a);
		ck_assert_int_eq(peertab_insert(&t, AF_INET, a, i + 1), 0);
	}
	ck_assert_uint_eq(t.count, 10);
	v4(100, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 100), -1);
	v6(100, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 100), -1);
	ck_assert_uint_eq(t.count, 10);
	/* One out, one in. */
	v4(5, a);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 1);
	v6(100, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, 100), 0);
	for (uint32_t i = 0; i < 10; i++) {
		v4(i + 1, a);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a),
		    i + 1 == 5 ? 0 : i + 1);
	}
}
END_TEST

START_TEST(zero_max_refuses_everything)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 0), 0);
	v4(1, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 1), -1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 0);
}
END_TEST

/* The largest server: GUARD_MAX_PEERS peers, each with two addresses. */
START_TEST(full_at_server_scale)
{
	enum { N = 8192 };
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, N), 0);
	for (uint32_t i = 0; i < N / 2; i++) {
		v4(i + 2, a);
		ck_assert_int_eq(peertab_insert(&t, AF_INET, a, i + 1), 0);
		v6(i + 2, a);
		ck_assert_int_eq(peertab_insert(&t, AF_INET6, a, i + 1), 0);
	}
	v4(N, a);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a, 1), -1);
	for (uint32_t i = 0; i < N / 2; i++) {
		v4(i + 2, a);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), i + 1);
		v6(i + 2, a);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a), i + 1);
	}
}
END_TEST

/* ---- Collisions and backward shift ---------------------------------------- */

/*
 * Find n IPv4 keys that share one home slot in a table of max entries,
 * preferring home (when not SIZE_MAX). Returns the home found.
 */
static size_t colliding_keys(size_t max, size_t want_home, uint8_t (*out)[4],
    size_t n)
{
	size_t found = 0, home = want_home;

	for (uint32_t i = 1; i < (1u << 20) && found < n; i++) {
		uint8_t a[4];
		size_t h;

		v4(i, a);
		h = home_of(max, AF_INET, a);
		if (home == SIZE_MAX)
			home = h;
		if (h == home)
			memcpy(out[found++], a, 4);
	}
	ck_assert_uint_eq(found, n);
	return home;
}

/* Removing the head of a run: the others move up and stay reachable. */
START_TEST(remove_head_of_collision_run)
{
	uint8_t k[4][4];

	colliding_keys(16, SIZE_MAX, k, 4);
	ck_assert_int_eq(peertab_init(&t, 16), 0);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(peertab_insert(&t, AF_INET, k[i], i + 1), 0);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, k[0]), 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[0]), 0);
	for (uint32_t i = 1; i < 4; i++)
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[i]), i + 1);
	check_runs(&t);
}
END_TEST

START_TEST(remove_middle_of_collision_run)
{
	uint8_t k[5][4];

	colliding_keys(16, SIZE_MAX, k, 5);
	ck_assert_int_eq(peertab_init(&t, 16), 0);
	for (uint32_t i = 0; i < 5; i++)
		ck_assert_int_eq(peertab_insert(&t, AF_INET, k[i], i + 1), 0);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, k[2]), 1);
	for (uint32_t i = 0; i < 5; i++)
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[i]),
		    i == 2 ? 0 : i + 1);
	check_runs(&t);
}
END_TEST

/* A run that starts in the last slot and wraps to the first ones. */
START_TEST(run_wrapping_around_the_end)
{
	uint8_t k[4][4];
	size_t last;

	ck_assert_int_eq(peertab_init(&t, 8), 0);
	last = t.mask;
	colliding_keys(8, last, k, 4);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(peertab_insert(&t, AF_INET, k[i], i + 1), 0);
	/* Slots last, 0, 1, 2 hold the run. */
	ck_assert_uint_ne(t.slot[last].id, 0);
	ck_assert_uint_ne(t.slot[0].id, 0);
	ck_assert_uint_ne(t.slot[2].id, 0);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, k[0]), 1);
	for (uint32_t i = 1; i < 4; i++)
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[i]), i + 1);
	check_runs(&t);
	ck_assert_int_eq(peertab_remove(&t, AF_INET, k[2]), 1);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[1]), 2);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, k[3]), 4);
	check_runs(&t);
}
END_TEST

/*
 * An entry whose home lies right at the hole's slot... and one whose home
 * lies after it: the first may move back into the hole, the second must
 * not (moving it would put it before its home).
 */
START_TEST(entry_homed_after_hole_stays)
{
	uint8_t a[1][4], b[2][4];
	size_t ha;

	ck_assert_int_eq(peertab_init(&t, 8), 0);
	/* Key a homes at slot 3; two keys b home at slot 4. */
	ha = colliding_keys(8, 3, a, 1);
	colliding_keys(8, ha + 1, b, 2);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, a[0], 1), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, b[0], 2), 0);
	ck_assert_int_eq(peertab_insert(&t, AF_INET, b[1], 3), 0);
	/* Slots 3, 4, 5: a, b0, b1. Removing a must leave 3 empty. */
	ck_assert_int_eq(peertab_remove(&t, AF_INET, a[0]), 1);
	ck_assert_uint_eq(t.slot[ha].id, 0);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, b[0]), 2);
	ck_assert_uint_eq(peertab_lookup(&t, AF_INET, b[1]), 3);
	check_runs(&t);
}
END_TEST

/* ---- Model check ------------------------------------------------------------------ */

enum { UNIVERSE = 192, MODEL_MAX = 48, STEPS = 6000 };

struct key {
	int family;
	uint8_t addr[16];
};

/* A deterministic generator, so a failure can be replayed exactly. */
static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * The universe: half of it keys crowded onto four home slots (so runs are
 * long, overlap and wrap around the end), the rest ordinary v4 and v6
 * addresses.
 */
static void make_universe(struct key *u, size_t max)
{
	uint8_t crowd[4][24][4];
	struct peertab s;
	size_t homes[4], n = 0;

	/* Two crowds just before the end, so their runs wrap to slot 0 and
	 * meet the crowd homed there; one more in the middle. */
	ck_assert_int_eq(peertab_init(&s, max), 0);
	homes[0] = s.mask;
	homes[1] = s.mask - 3;
	homes[2] = 1;
	homes[3] = s.mask / 2;
	peertab_free(&s);
	for (size_t h = 0; h < 4; h++) {
		colliding_keys(max, homes[h], crowd[h], 24);
		for (size_t i = 0; i < 24; i++) {
			u[n].family = AF_INET;
			memset(u[n].addr, 0, 16);
			memcpy(u[n].addr, crowd[h][i], 4);
			n++;
		}
	}
	for (uint32_t i = 0; n < UNIVERSE; i++) {
		if (i % 2) {
			u[n].family = AF_INET;
			memset(u[n].addr, 0, 16);
			v4(0x20000 + i, u[n].addr);
		} else {
			u[n].family = AF_INET6;
			v6(i, u[n].addr);
		}
		n++;
	}
	/* No key may appear twice, or the model would be wrong. */
	for (size_t i = 0; i < UNIVERSE; i++)
		for (size_t j = i + 1; j < UNIVERSE; j++)
			if (u[i].family == u[j].family &&
			    memcmp(u[i].addr, u[j].addr, 16) == 0)
				ck_abort_msg("keys %zu and %zu are equal", i,
				    j);
}

/* A key the model holds, found from a random start; SIZE_MAX if none. */
static size_t pick_live(const uint32_t *model)
{
	size_t start = rng() % UNIVERSE;

	for (size_t i = 0; i < UNIVERSE; i++)
		if (model[(start + i) % UNIVERSE] != 0)
			return (start + i) % UNIVERSE;
	return SIZE_MAX;
}

/*
 * Alternate phases that mostly insert (until the table is full) and mostly
 * remove (until it is nearly empty), so runs grow, break up and wrap at
 * every fill level. Removals usually pick a key that is present.
 */
static void model_run(uint64_t seed)
{
	static struct key u[UNIVERSE];
	uint32_t model[UNIVERSE];
	size_t live = 0;
	uint32_t next_id = 1;

	rng_state = seed;
	make_universe(u, MODEL_MAX);
	memset(model, 0, sizeof(model));
	ck_assert_int_eq(peertab_init(&t, MODEL_MAX), 0);

	for (int step = 0; step < STEPS; step++) {
		int filling = (step / 400) % 2 == 0;
		int insert = (int)(rng() % 4) < (filling ? 3 : 1);
		size_t k = rng() % UNIVERSE;
		int r;

		if (insert) {
			uint32_t id = next_id++;

			r = peertab_insert(&t, u[k].family, u[k].addr, id);
			if (model[k] != 0 || live >= MODEL_MAX)
				ck_assert_int_eq(r, -1);
			else {
				ck_assert_int_eq(r, 0);
				model[k] = id;
				live++;
			}
		} else {
			if (rng() % 5 != 0 && live > 0)
				k = pick_live(model);
			r = peertab_remove(&t, u[k].family, u[k].addr);
			ck_assert_int_eq(r, model[k] != 0);
			if (model[k] != 0) {
				model[k] = 0;
				live--;
			}
		}
		if (t.count != live)
			ck_abort_msg("seed %llu step %d: count %zu, model %zu",
			    (unsigned long long)seed, step, t.count, live);
		/* A plain test, not ck_assert: Check records a mark point per
		 * assertion, and this loop makes millions of them. */
		for (size_t i = 0; i < UNIVERSE; i++)
			if (peertab_lookup(&t, u[i].family, u[i].addr) !=
			    model[i])
				ck_abort_msg("seed %llu step %d key %zu: %u, "
				    "model %u", (unsigned long long)seed, step,
				    i, peertab_lookup(&t, u[i].family,
				    u[i].addr), model[i]);
	}
	check_runs(&t);
}

START_TEST(model_random_ops)
{
	model_run(0x9e3779b97f4a7c15ull + (uint64_t)_i);
}
END_TEST

/* The probe runs are whole after every single operation, not only at the
 * end: a smaller run with the structural check each step. */
START_TEST(model_runs_unbroken_each_step)
{
	static struct key u[UNIVERSE];
	uint32_t model[UNIVERSE];
	size_t live = 0;

	rng_state = 0x243f6a8885a308d3ull;
	make_universe(u, MODEL_MAX);
	memset(model, 0, sizeof(model));
	ck_assert_int_eq(peertab_init(&t, MODEL_MAX), 0);
	for (int step = 0; step < 600; step++) {
		/* Only the crowded keys: every operation touches long runs. */
		size_t k = rng() % 96;

		if (model[k] == 0 && live < MODEL_MAX) {
			ck_assert_int_eq(peertab_insert(&t, u[k].family,
			    u[k].addr, (uint32_t)k + 1), 0);
			model[k] = (uint32_t)k + 1;
			live++;
		} else if (model[k] != 0) {
			ck_assert_int_eq(peertab_remove(&t, u[k].family,
			    u[k].addr), 1);
			model[k] = 0;
			live--;
		}
		check_runs(&t);
	}
}
END_TEST

/* ---- Churn --------------------------------------------------------------------------- */

/* A server that saw 1000 peers come and go looks like a fresh one. */
START_TEST(thousand_cycles_leave_nothing)
{
	uint8_t a4[4], a6[16];

	ck_assert_int_eq(peertab_init(&t, 64), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		v4(i + 2, a4);
		v6(i + 2, a6);
		ck_assert_int_eq(peertab_insert(&t, AF_INET, a4, i + 1), 0);
		ck_assert_int_eq(peertab_insert(&t, AF_INET6, a6, i + 1), 0);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a4), i + 1);
		ck_assert_int_eq(peertab_remove(&t, AF_INET, a4), 1);
		ck_assert_int_eq(peertab_remove(&t, AF_INET6, a6), 1);
	}
	ck_assert_uint_eq(t.count, 0);
	for (size_t j = 0; j <= t.mask; j++)
		ck_assert_uint_eq(t.slot[j].id, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		v4(i + 2, a4);
		v6(i + 2, a6);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a4), 0);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET6, a6), 0);
	}
}
END_TEST

/* The same with many peers connected at once, leaving in another order. */
START_TEST(overlapping_cycles_leave_nothing)
{
	uint8_t a[16];

	ck_assert_int_eq(peertab_init(&t, 64), 0);
	for (uint32_t round = 0; round < 1000 / 50; round++) {
		for (uint32_t i = 0; i < 50; i++) {
			v4(round * 50 + i + 2, a);
			ck_assert_int_eq(peertab_insert(&t, AF_INET, a,
			    round * 50 + i + 1), 0);
		}
		check_runs(&t);
		/* Leave in a scrambled order. */
		for (uint32_t i = 0; i < 50; i++) {
			v4(round * 50 + (i * 17) % 50 + 2, a);
			ck_assert_int_eq(peertab_remove(&t, AF_INET, a), 1);
		}
	}
	ck_assert_uint_eq(t.count, 0);
	for (size_t j = 0; j <= t.mask; j++)
		ck_assert_uint_eq(t.slot[j].id, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		v4(i + 2, a);
		ck_assert_uint_eq(peertab_lookup(&t, AF_INET, a), 0);
	}
}
END_TEST

static Suite *peertab_suite(void)
{
	Suite *s = suite_create("peertab");
	TCase *tc;

	tc = tcase_create("sizing");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, init_capacity_power_of_two_and_double);
	tcase_add_test(tc, free_leaves_table_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("basics");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, lookup_in_empty_table);
	tcase_add_test(tc, insert_lookup_remove_v4);
	tcase_add_test(tc, insert_lookup_remove_v6);
	tcase_add_test(tc, same_peer_both_families);
	tcase_add_test(tc, family_is_part_of_the_key);
	tcase_add_test(tc, v4_ignores_bytes_past_four);
	tcase_add_test(tc, duplicate_insert_refused);
	tcase_add_test(tc, id_zero_refused);
	tcase_add_test(tc, unknown_family_refused);
	tcase_add_test(tc, largest_id);
	tcase_add_test(tc, remove_absent_is_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("full");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, full_table_refuses);
	tcase_add_test(tc, zero_max_refuses_everything);
	tcase_add_test(tc, full_at_server_scale);
	suite_add_tcase(s, tc);

	tc = tcase_create("backward shift");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, remove_head_of_collision_run);
	tcase_add_test(tc, remove_middle_of_collision_run);
	tcase_add_test(tc, run_wrapping_around_the_end);
	tcase_add_test(tc, entry_homed_after_hole_stays);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, model_random_ops, 0, 4);
	tcase_add_test(tc, model_runs_unbroken_each_step);
	suite_add_tcase(s, tc);

	tc = tcase_create("churn");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, thousand_cycles_leave_nothing);
	tcase_add_test(tc, overlapping_cycles_leave_nothing);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(peertab_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

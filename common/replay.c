/*
 * Guard replay window, after WireGuard's counter_validate.
 *
 * Counter c is tracked as bit c + 1 of a ring of REPLAY_BITS bits, so
 * that top (the highest accepted counter + 1) is the bit of the newest
 * packet and 0 can mean "nothing yet". When top moves ahead, the words it
 * passes over are cleared; they hold bits for counters so old that the
 * window already rejects them. One word of the ring is slack: the oldest
 * counter still inside the window (REPLAY_WINDOW below the newest) lies in
 * the word just ahead of top's, which the next advance clears first.
 */
#include <stddef.h>
#include <string.h>

#include "replay.h"

enum {
	REPLAY_WORDS = REPLAY_BITS / 64,
};

_Static_assert(REPLAY_BITS % 64 == 0, "whole words");
_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0,
    "the ring of words wraps with a mask");
_Static_assert(REPLAY_WINDOW == REPLAY_BITS - 64, "one word of slack");

/* Where in the ring the word-th word of the counter space lives. */
static size_t ring_slot(uint64_t word)
{
	return (size_t)(word & (REPLAY_WORDS - 1));
}

static uint64_t mask_of(uint64_t bit)
{
	return (uint64_t)1 << (bit % 64);
}

void replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

int replay_check(const struct replay *r, uint64_t counter)
{
	uint64_t bit;

	if (counter >= REJECT_AFTER_MESSAGES)
		return 0;
	bit = counter + 1;
	/* Older than the window: its bit may already be reused. */
	if (bit + REPLAY_WINDOW < r->top)
		return 0;
	/* Newer than anything so far. */
	if (bit > r->top)
		return 1;
	return (r->bitmap[ring_slot(bit / 64)] & mask_of(bit)) == 0;
}

/* Move top up to bit, clearing the words between (at most all of them). */
static void replay_advance(struct replay *r, uint64_t bit)
{
	uint64_t cur = r->top / 64;
	uint64_t skip = bit / 64 - cur;

	if (skip > REPLAY_WORDS)
		skip = REPLAY_WORDS;
	for (uint64_t i = 1; i <= skip; i++)
		r->bitmap[ring_slot(cur + i)] = 0;
	r->top = bit;
}

int replay_accept(struct replay *r, uint64_t counter)
{
	uint64_t bit;

	if (!replay_check(r, counter))
		return 0;
	bit = counter + 1;
	if (bit > r->top)
		replay_advance(r, bit);
	r->bitmap[ring_slot(bit / 64)] |= mask_of(bit);
	return 1;
}

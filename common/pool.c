/*
 * Guard address pools.
 *
 * IPv4: a map of one state byte per address, and a record (identity,
 * release time) per address that was ever used. Addresses are handed out
 * lowest first and a released address stays reserved for its identity, so
 * a peer that reconnects gets the address it had. Because a never-used
 * address is always the lowest one left, the never-used addresses are
 * exactly those at or after a cursor; records are allocated only up to
 * that cursor, so a large pool costs memory only for the addresses that
 * were ever used. Finding a reservation scans the state map (one byte per
 * address, 64 KB for a /16) and only while reservations exist; peers
 * connect seldom enough that this needs no index.
 *
 * IPv6: no state at all; the address is a function of the prefix and a
 * hash of the peer's public key.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

enum {
	POOL4_MIN_PLEN = 16,	/* at most 65536 addresses */
	POOL4_MAX_PLEN = 30,	/* at least one address for a peer */
	POOL6_MIN_PLEN = 8,
	POOL6_MAX_PLEN = 120,
	FIRST_PEER_INDEX = 2,	/* 0 is the network, 1 the server */
};

enum addr_state {
	ADDR_NEVER_USED = 0,
	ADDR_IN_USE,
	ADDR_RESERVED,		/* released; kept for its identity */
};

struct addr_rec {
	time_t released_at;
	char identity[IDENTITY_MAX];
};

struct pool4 {
	struct prefix net;
	uint32_t base;		/* network address, host byte order */
	uint32_t first;		/* lowest index handed out */
	uint32_t last;		/* highest index handed out */
	uint32_t cursor;	/* every index >= cursor was never used */
	uint8_t *state;		/* enum addr_state, from index first */
	struct addr_rec *rec;	/* rec[i] for first <= i < cursor */
	uint32_t nrec;		/* records allocated (from index first) */
	size_t in_use;
	size_t reserved;
};

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
v4_mask(unsigned int plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

struct pool4 *
pool4_new(const struct prefix *p)
{
	struct pool4 *pool;
	uint32_t size;

	if (p == NULL || p->family != AF_INET ||
	    p->plen < POOL4_MIN_PLEN || p->plen > POOL4_MAX_PLEN) {
		errno = EINVAL;
		return NULL;
	}
	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		return NULL;
	size = UINT32_C(1) << (32 - p->plen);
	pool->net = *p;
	pool->base = load_be32(p->addr) & v4_mask(p->plen);
	store_be32(pool->net.addr, pool->base);
	pool->first = FIRST_PEER_INDEX;
	pool->last = size - 2;		/* size - 1 is the broadcast */
	pool->cursor = pool->first;
	pool->state = calloc(pool->last - pool->first + 1, 1);
	if (pool->state == NULL) {
		free(pool);
		return NULL;
	}
	return pool;
}

void
pool4_free(struct pool4 *pool)
{
	if (pool == NULL)
		return;
	free(pool->state);
	free(pool->rec);
	free(pool);
}

static struct addr_rec *
rec_at(struct pool4 *pool, uint32_t index)
{
	return &pool->rec[index - pool->first];
}

static uint8_t *
state_at(struct pool4 *pool, uint32_t index)
{
	return &pool->state[index - pool->first];
}

/* Make room for records up to and including index; 0 or -1 (ENOMEM). */
static int
grow_records(struct pool4 *pool, uint32_t index)
{
	uint32_t need = index - pool->first + 1, n;
	struct addr_rec *rec;

	if (need <= pool->nrec)
		return 0;
	n = pool->nrec == 0 ? 16 : pool->nrec * 2;
	if (n > pool->last - pool->first + 1)
		n = pool->last - pool->first + 1;
	rec = realloc(pool->rec, (size_t)n * sizeof(*rec));
	if (rec == NULL)
		return -1;
	memset(rec + pool->nrec, 0, (size_t)(n - pool->nrec) * sizeof(*rec));
	pool->rec = rec;
	pool->nrec = n;
	return 0;
}

static int
same_identity(const struct addr_rec *r, const char *identity)
{
	return strncmp(r->identity, identity, IDENTITY_MAX - 1) == 0;
}

/* The address this identity had and gave back, or 0 if none. */
static uint32_t
find_reserved_for(struct pool4 *pool, const char *identity)
{
	if (pool->reserved == 0)
		return 0;
	for (uint32_t i = pool->first; i < pool->cursor; i++) {
		if (*state_at(pool, i) == ADDR_RESERVED &&
		    same_identity(rec_at(pool, i), identity))
			return i;
	}
	return 0;
}

/* The reserved address released longest ago (lowest on a tie), or 0. */
static uint32_t
find_oldest_reserved(struct pool4 *pool)
{
	uint32_t best = 0;

	if (pool->reserved == 0)
		return 0;
	for (uint32_t i = pool->first; i < pool->cursor; i++) {
		if (*state_at(pool, i) != ADDR_RESERVED)
			continue;
		if (best == 0 || rec_at(pool, i)->released_at <
		    rec_at(pool, best)->released_at)
			best = i;
	}
	return best;
}

/*
 * The lowest never-used address into *index (0 when every address has
 * been used before). -1 only when its record cannot be allocated.
 */
static int
take_never_used(struct pool4 *pool, uint32_t *index)
{
	*index = 0;
	if (pool->cursor > pool->last)
		return 0;
	if (grow_records(pool, pool->cursor) == -1)
		return -1;
	*index = pool->cursor++;
	return 0;
}

static void
hand_out(struct pool4 *pool, uint32_t index, const char *identity,
    struct prefix *out)
{
	struct addr_rec *r = rec_at(pool, index);
	uint8_t *state = state_at(pool, index);

	if (*state == ADDR_RESERVED)
		pool->reserved--;
	*state = ADDR_IN_USE;
	r->released_at = 0;
	memset(r->identity, 0, sizeof(r->identity));
	strncpy(r->identity, identity, sizeof(r->identity) - 1);
	pool->in_use++;

	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->plen = pool->net.plen;
	store_be32(out->addr, pool->base + index);
}

int
pool4_alloc(struct pool4 *pool, const char *identity, time_t now,
    struct prefix *out)
{
	uint32_t index;

	(void)now;	/* the allocation order depends on release times only */
	if (pool == NULL || identity == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	index = find_reserved_for(pool, identity);
	if (index == 0 && take_never_used(pool, &index) == -1)
		return -1;
	if (index == 0)
		index = find_oldest_reserved(pool);
	if (index == 0) {
		errno = ENOSPC;
		return -1;
	}
	hand_out(pool, index, identity, out);
	return 0;
}

void
pool4_release(struct pool4 *pool, const struct prefix *addr, time_t now)
{
	uint32_t index;

	if (pool == NULL || addr == NULL ||
	    !prefix_contains(&pool->net, addr->family, addr->addr))
		return;
	index = load_be32(addr->addr) - pool->base;
	if (index < pool->first || index >= pool->cursor)
		return;
	if (*state_at(pool, index) != ADDR_IN_USE)
		return;		/* released twice: nothing to do */
	*state_at(pool, index) = ADDR_RESERVED;
	rec_at(pool, index)->released_at = now;
	pool->in_use--;
	pool->reserved++;
}

size_t
pool4_in_use(const struct pool4 *pool)
{
	return pool != NULL ? pool->in_use : 0;
}

void
pool_server_addr(const struct prefix *pool, struct prefix *out)
{
	size_t alen = addr_len(pool->family);
	unsigned int plen = pool->plen;

	*out = *pool;
	memset(out->pad, 0, sizeof(out->pad));
	/* Network address first, then + 1 in the last byte. */
	for (size_t i = 0; i < alen; i++) {
		unsigned int bit = (unsigned int)i * 8;
		if (bit >= plen)
			out->addr[i] = 0;
		else if (plen - bit < 8)
			out->addr[i] &= (uint8_t)(0xff << (8 - (plen - bit)));
	}
	if (alen > 0 && plen < alen * 8)
		out->addr[alen - 1] |= 1;
}

/* Bit n (0 = most significant of byte 0) of a big-endian bit string. */
static int
get_bit(const uint8_t *bits, unsigned int n)
{
	return (bits[n / 8] >> (7 - n % 8)) & 1;
}

static void
set_bit(uint8_t *bits, unsigned int n, int v)
{
	uint8_t m = (uint8_t)(0x80 >> (n % 8));

	if (v)
		bits[n / 8] |= m;
	else
		bits[n / 8] &= (uint8_t)~m;
}

/* 1 when the host part (bits plen..127) of addr is the value v (0 or 1). */
static int
host_part_is(const uint8_t *addr, unsigned int plen, int v)
{
	for (unsigned int n = plen; n < 128; n++)
		if (get_bit(addr, n) != (n == 127 ? v : 0))
			return 0;
	return 1;
}

int
pool6_derive(const struct prefix *p, const uint8_t hash[32],
    struct prefix *out)
{
	struct prefix a;

	if (p == NULL || hash == NULL || out == NULL ||
	    p->family != AF_INET6 ||
	    p->plen < POOL6_MIN_PLEN || p->plen > POOL6_MAX_PLEN)
		return -1;
	a = *p;
	memset(a.pad, 0, sizeof(a.pad));
	for (unsigned int n = p->plen; n < 128; n++)
		set_bit(a.addr, n, get_bit(hash, n - p->plen));
	/*
	 * ::0 is the subnet-router anycast address and ::1 the server: step
	 * over both to ::2. With at least 8 host bits, ::2 is in the prefix.
	 */
	if (host_part_is(a.addr, p->plen, 0) ||
	    host_part_is(a.addr, p->plen, 1)) {
		a.addr[15] &= (uint8_t)~3;
		a.addr[15] |= 2;
	}
	*out = a;
	return 0;
}

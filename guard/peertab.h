/*
 * Guard peer table: tunnel address -> peer id, for the GUARD's per-packet
 * lookup. Open addressing with linear probing and backward-shift deletion,
 * so a server that has seen many peers come and go looks up as fast as a
 * fresh one.
 */
#ifndef GUARD_PEERTAB_H
#define GUARD_PEERTAB_H

#include <stddef.h>
#include <stdint.h>

struct peertab_entry {
	uint32_t id;		/* 0 = empty */
	uint8_t family;
	uint8_t addr[16];
};

struct peertab {
	struct peertab_entry *slot;
	size_t mask;		/* capacity - 1, a power of two */
	size_t count;
	size_t max;		/* entries allowed: half the capacity */
};

/* Room for max entries. 0 or -1. */
int peertab_init(struct peertab *t, size_t max);
void peertab_free(struct peertab *t);

/* Map addr to id (id != 0). -1 when addr is present already or full. */
int peertab_insert(struct peertab *t, int family, const uint8_t *addr,
    uint32_t id);

/* Remove addr if present. 1 removed, 0 not there. */
int peertab_remove(struct peertab *t, int family, const uint8_t *addr);

/* The id for addr, or 0. */
uint32_t peertab_lookup(const struct peertab *t, int family,
    const uint8_t *addr);

#endif

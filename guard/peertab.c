/*
 * Guard peer table. See peertab.h.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "peertab.h"

int
peertab_init(struct peertab *t, size_t max)
{
	size_t cap = 16;

	while (cap < 2 * max)
		cap <<= 1;
	memset(t, 0, sizeof(*t));
	if ((t->slot = calloc(cap, sizeof(*t->slot))) == NULL)
		return -1;
	t->mask = cap - 1;
	t->max = max;
	return 0;
}

void
peertab_free(struct peertab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* FNV-1a over the address: cheap, and spreads the low host bits. */
static size_t
addr_hash(int family, const uint8_t *addr)
{
	size_t i, len = addr_len(family);
	uint32_t h = 2166136261u;

	for (i = 0; i < len; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h;
}

static int
entry_is(const struct peertab_entry *e, int family, const uint8_t *addr)
{
	return e->id != 0 && e->family == family &&
	    memcmp(e->addr, addr, addr_len(family)) == 0;
}

uint32_t
peertab_lookup(const struct peertab *t, int family, const uint8_t *addr)
{
	size_t i = addr_hash(family, addr) & t->mask;

	while (t->slot[i].id != 0) {
		if (entry_is(&t->slot[i], family, addr))
			return t->slot[i].id;
		i = (i + 1) & t->mask;
	}
	return 0;
}

int
peertab_insert(struct peertab *t, int family, const uint8_t *addr,
    uint32_t id)
{
	size_t i, len = addr_len(family);

	if (id == 0 || len == 0 || t->count >= t->max ||
	    peertab_lookup(t, family, addr) != 0)
		return -1;
	i = addr_hash(family, addr) & t->mask;
	while (t->slot[i].id != 0)
		i = (i + 1) & t->mask;
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->slot[i].id = id;
	t->slot[i].family = (uint8_t)family;
	memcpy(t->slot[i].addr, addr, len);
	t->count++;
	return 0;
}

int
peertab_remove(struct peertab *t, int family, const uint8_t *addr)
{
	size_t i = addr_hash(family, addr) & t->mask, j, home;

	while (!entry_is(&t->slot[i], family, addr)) {
		if (t->slot[i].id == 0)
			return 0;
		i = (i + 1) & t->mask;
	}
	/* Shift later entries of the run back so no probe chain breaks. */
	j = i;
	for (;;) {
		memset(&t->slot[i], 0, sizeof(t->slot[i]));
		for (;;) {
			j = (j + 1) & t->mask;
			if (t->slot[j].id == 0) {
				t->count--;
				return 1;
			}
			home = addr_hash(t->slot[j].family, t->slot[j].addr) &
			    t->mask;
			/* Movable when home is not cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
}

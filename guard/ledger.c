/*
 * Guard routing helper's ledger. See ledger.h.
 */
#include <stddef.h>
#include <string.h>

#include "addr.h"
#include "ledger.h"

/*
 * The order of undo. A route goes before the address whose subnet it may
 * lie in, and the link goes down last because that flushes what is left.
 */
static const enum ledger_kind undo_order[] = {
	LEDGER_ROUTE, LEDGER_ADDR, LEDGER_LINK_UP,
};

/*
 * The significant part of a prefix only: padding and the unused bytes of
 * an IPv4 address are whatever the sender left there.
 */
static void
ledger_key(struct prefix *to, const struct prefix *from)
{
	memset(to, 0, sizeof(*to));
	if (from == NULL)
		return;
	to->family = from->family;
	to->plen = from->plen;
	memcpy(to->addr, from->addr, addr_len(from->family));
}

void
ledger_init(struct ledger *l)
{
	memset(l, 0, sizeof(*l));
}

int
ledger_find(const struct ledger *l, enum ledger_kind kind,
    const struct prefix *p)
{
	struct prefix want;
	int i;

	ledger_key(&want, p);
	for (i = 0; i < l->n; i++)
		if (l->entry[i].kind == kind &&
		    memcmp(&l->entry[i].prefix, &want, sizeof(want)) == 0)
			return 1;
	return 0;
}

int
ledger_full(const struct ledger *l)
{
	return l->n >= ROUTER_MAX_LEDGER;
}

int
ledger_add(struct ledger *l, enum ledger_kind kind, const struct prefix *p)
{
	if (ledger_full(l))
		return -1;
	l->entry[l->n].kind = kind;
	ledger_key(&l->entry[l->n].prefix, p);
	l->n++;
	return 0;
}

int
ledger_count(const struct ledger *l, enum ledger_kind kind)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->entry[i].kind == kind)
			n++;
	return n;
}

void
ledger_undo(struct ledger *l, ledger_undo_fn undo, void *arg)
{
	size_t k;
	int i;

	for (k = 0; k < sizeof(undo_order) / sizeof(undo_order[0]); k++)
		for (i = l->n - 1; i >= 0; i--)
			if (l->entry[i].kind == undo_order[k])
				undo(l->entry[i].kind, &l->entry[i].prefix,
				    arg);
	ledger_init(l);
}

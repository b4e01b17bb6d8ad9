/*
 * Guard routing helper's ledger: every change the helper made to the host,
 * in the order it made them, so that all of them can be undone when GUARD
 * goes away. Entries are never removed one by one; ledger_undo() empties
 * the whole ledger.
 */
#ifndef GUARD_LEDGER_H
#define GUARD_LEDGER_H

#include "addr.h"
#include "router.h"

enum ledger_kind {
	LEDGER_LINK_UP = 1,	/* the link was brought up */
	LEDGER_ADDR,		/* an address, with its subnet's length */
	LEDGER_ROUTE,		/* a route through the device */
};

struct ledger_entry {
	enum ledger_kind kind;
	struct prefix prefix;	/* zero for LEDGER_LINK_UP */
};

struct ledger {
	struct ledger_entry entry[ROUTER_MAX_LEDGER];
	int n;
};

void ledger_init(struct ledger *l);

/* 1 when an entry of this kind and prefix (NULL for a link) is there. */
int ledger_find(const struct ledger *l, enum ledger_kind kind,
    const struct prefix *p);

/* Record a change; -1 when the ledger is full. */
int ledger_add(struct ledger *l, enum ledger_kind kind,
    const struct prefix *p);

int ledger_full(const struct ledger *l);

/* How many entries of this kind. */
int ledger_count(const struct ledger *l, enum ledger_kind kind);

typedef void (*ledger_undo_fn)(enum ledger_kind kind, const struct prefix *p,
    void *arg);

/*
 * Call undo for every entry, newest first within each kind and the kinds
 * in the order that takes things apart cleanly: routes, then addresses,
 * then the link. The ledger is empty afterwards.
 */
void ledger_undo(struct ledger *l, ledger_undo_fn undo, void *arg);

#endif

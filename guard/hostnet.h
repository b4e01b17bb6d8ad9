/*
 * Guard: what the host has before guardd changes anything. guardd reads
 * the addresses and main-table routes of its network namespace at
 * start-up and refuses address pools that would collide with them: a
 * pool that shares addresses with a network the host is on, or that holds
 * a route already there, would take traffic from that network, or send
 * the tunnel's own packets elsewhere. guard.conf(5) lists the rules.
 */
#ifndef GUARD_HOSTNET_H
#define GUARD_HOSTNET_H

#include <net/if.h>
#include <stddef.h>

#include "addr.h"
#include "conf.h"

enum host_kind {
	HOST_ADDR = 1,		/* an address, with its subnet length */
	HOST_ROUTE = 2,		/* a route of the main table */
};

struct host_item {
	int kind;			/* enum host_kind */
	char ifname[IFNAMSIZ];		/* "" when there is none */
	struct prefix p;		/* the address, or the destination */
};

/*
 * 1 when item and the pool (named key in messages, "pool4" or "pool6")
 * cannot share a host, with why it is so in why; else 0. An address
 * conflicts when its subnet shares any address with the pool, a route
 * when its destination lies inside the pool (as long as the pool's prefix
 * or longer). A route that covers the pool is left alone: the pool's own,
 * longer route wins, and a default route covers every pool.
 */
int hostnet_conflict(const struct prefix *pool, const char *key,
    const struct host_item *item, char *why, size_t whylen);

/*
 * Read the addresses and main-table routes of this network namespace and
 * check guardd's pools (c->pool4, c->pool6) against each. 0; or -1 with
 * the reason in err, starting with the pool's "FILE:LINE: " when it came
 * from a config file.
 */
int hostnet_check_pools(const struct guard_conf *c, char *err,
    size_t errlen);

#endif

/*
 * Guard routing helper: the only process that changes addresses, routes
 * and link state. It accepts typed requests from GUARD for the tunnel
 * device only, checks each against its policy, applies it with
 * libnl-route-3, records it in a ledger, and undoes the ledger in reverse
 * when GUARD goes away (end of file on its socket), on SIGTERM, or when
 * its parent dies.
 */
#ifndef GUARD_ROUTER_H
#define GUARD_ROUTER_H

#include <sys/types.h>

#include <net/if.h>

#include "addr.h"
#include "imsg.h"

enum {
	ROUTER_MAX_ALLOWED = 8,
	ROUTER_MAX_LEDGER = 128,
	ROUTER_MAX_ADDRS = 4,		/* addresses on the device, in all */
};

struct router_env {
	int sock;			/* SEQPACKET socket to GUARD */
	char ifname[IFNAMSIZ];
	int ifindex;
	/*
	 * Addresses may be added only inside these prefixes (server: its
	 * pools). nallowed_addr 0 means any global or unique-local unicast
	 * address (client: whatever the server pushed, which GUARD checked).
	 */
	struct prefix allowed_addr[ROUTER_MAX_ALLOWED];
	int nallowed_addr;
	int allow_default_route;	/* 0: refuse /0 routes */
	/* The sandbox: chrooted, its own uid, CAP_NET_ADMIN alone. */
	const char *chroot_dir;
	uid_t uid;
	int no_privdrop;
};

/* One request from GUARD, decoded. */
struct router_req {
	uint32_t type;		/* IMSG_ROUTER_LINK, _ADDR, _ROUTE or _RESET */
	union {
		struct imsg_router_reset reset;
		struct imsg_router_link link;
		struct imsg_router_addr addr;
		struct imsg_router_route route;
	} u;
};

/*
 * Run the helper until GUARD goes away; returns the exit status. The
 * netlink socket is opened here unless the caller already did so with
 * net_open() before installing a sandbox. A malformed message is fatal:
 * the helper undoes its changes and exits 1.
 */
int router_main(struct router_env *env);

/*
 * Decode a message from GUARD into req: one of the request types with a
 * payload of exactly its size and no descriptor. -1 otherwise,
 * which the caller treats as a protocol violation.
 */
int router_decode(const struct imsg *m, struct router_req *req);

/*
 * The helper's policy, without side effects: may req be applied, given
 * that naddr addresses were added already? Returns 0, or a positive errno
 * (EINVAL for a malformed request, EPERM for one the policy forbids,
 * ENOSPC when the address limit is reached) with the reason in *why.
 */
int router_check(const struct router_env *env, const struct router_req *req,
    int naddr, const char **why);

#endif

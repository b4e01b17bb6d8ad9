/*
 * Guard address pools. IPv4: a bitmap over the pool prefix, sticky per
 * identity while the server runs. IPv6: derived from a hash of the peer's
 * public key, so it is stable across reconnects and restarts without any
 * lease file.
 */
#ifndef GUARD_POOL_H
#define GUARD_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "imsg.h"

struct pool4;

/*
 * A pool over p (family AF_INET, plen 16..30: at most 65536 addresses, at
 * least one for a peer). The network address, the first host address (the
 * server's) and the broadcast address are never handed out. Host bits set
 * in p are ignored. NULL with errno EINVAL for an unusable prefix.
 */
struct pool4 *pool4_new(const struct prefix *p);
void pool4_free(struct pool4 *pool);

/*
 * An address for identity: the one it had before if it is free, else the
 * lowest never-used one, else the one released longest ago by another
 * identity. Identities are compared on their first IDENTITY_MAX - 1 bytes.
 * 0 with out filled (plen = the pool's); -1 with errno ENOSPC when every
 * address is in use (ENOMEM, EINVAL otherwise).
 */
int pool4_alloc(struct pool4 *pool, const char *identity, time_t now,
    struct prefix *out);

/* Give back an address; it stays reserved for its identity until needed. */
void pool4_release(struct pool4 *pool, const struct prefix *addr, time_t now);

/* Addresses currently handed out. */
size_t pool4_in_use(const struct pool4 *pool);

/* The server's own address in the pool (first host), with the pool's plen. */
void pool_server_addr(const struct prefix *pool, struct prefix *out);

/*
 * The peer's IPv6 address in p (family AF_INET6, plen 8..120): the host
 * bits are the leading bits of hash; an all-zero host part (subnet-router
 * anycast) and the server's ::1 are stepped over. 0 or -1.
 */
int pool6_derive(const struct prefix *p, const uint8_t hash[32],
    struct prefix *out);

#endif

/*
 * Guard capabilities: the few calls GUARD and its children need to shed
 * what they do not use, without a library. A set is a bit mask of
 * CAP_* numbers (1ULL << CAP_NET_ADMIN, ...).
 */
#ifndef GUARD_CAPS_H
#define GUARD_CAPS_H

#include <stdint.h>

#define CAPBIT(c)	(1ULL << (c))

/* The effective set now, or 0 when it cannot be read (logged). */
uint64_t caps_effective(void);

/*
 * Keep only the capabilities in keep (and held now): effective and
 * permitted become keep, inheritable and ambient become empty. 0 or -1.
 */
int caps_limit(uint64_t keep);

/*
 * Drop every capability outside keep from the bounding set, so that no
 * program this process starts can hold one either. Needs CAP_SETPCAP.
 * 0 or -1 (logged).
 */
int caps_bound(uint64_t keep);

/* "cap_net_admin,cap_kill" or "none", for log lines and status. */
const char *caps_fmt(uint64_t set, char *buf, size_t len);

#endif

/*
 * Guard data path: sealing packets into datagrams and opening datagrams
 * back into packets, with the key slots of one peer. No I/O here, so every
 * rule can be unit-tested and fuzzed.
 *
 * Key slots follow WireGuard: "current" seals and opens; "next" opens only,
 * and is promoted to current by the first packet that authenticates under
 * it (the other side has switched); "previous" opens stragglers after a
 * switch until it is wiped.
 */
#ifndef GUARD_DATAPATH_H
#define GUARD_DATAPATH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "aead.h"
#include "imsg.h"
#include "replay.h"

struct keyslot {
	int valid;
	uint32_t epoch;
	uint64_t installed_at;		/* dp_keys.now when installed */
	uint64_t retired_at;		/* when it became "previous" */
	uint64_t tx_bytes;		/* plaintext sealed under it */
	uint32_t local_session;		/* datagrams to us carry this */
	uint32_t remote_session;	/* datagrams from us carry this */
	struct aead *tx;
	struct aead *rx;
	uint64_t tx_counter;
	struct replay replay;
};

struct dp_keys {
	struct keyslot prev, cur, next;
	uint64_t now;			/* seconds, set by the caller's clock */
	/*
	 * Set by dp_open: 1 when the datagram just opened authenticated and
	 * carries the newest counter yet under the current key (or the next
	 * key it promoted), 0 otherwise. A late arrival (a reordered
	 * datagram, a copy of one that was lost on the way, a straggler under
	 * the previous key) is still delivered, but only the newest may move
	 * the peer's endpoint: so a copy that an eavesdropper sends from
	 * elsewhere cannot take the peer's traffic there.
	 */
	int rx_newest;
};

enum dp_verdict {
	DP_PACKET = 0,		/* an inner packet to deliver */
	DP_KEEPALIVE,		/* authenticated, nothing to deliver */
	DP_MALFORMED,		/* too short, bad type or flags, bad IP header */
	DP_NOKEY,		/* no key for this session and epoch */
	DP_REPLAY,		/* counter seen before or too old */
	DP_AUTH,		/* tag did not verify */
	DP_SOURCE,		/* inner source not one of the peer's */
	DP_VERDICT_MAX
};

/* Allowed inner source prefixes of one peer. */
struct dp_sources {
	size_t n;
	struct prefix p[IMSG_MAX_PREFIXES];
};

/*
 * Install keys from tcpctl into slot k->slot (current or next). Installing
 * a new current moves the old current to previous; installing a new next
 * while the last next was never promoted promotes that one first. 0, or -1 when the message is invalid (bad slot or
 * cipher, zero session) or the cipher cannot be set up.
 */
int dp_keys_install(struct dp_keys *keys, const struct imsg_key_install *k);

/* Wipe and free every slot. */
void dp_keys_clear(struct dp_keys *keys);

enum dp_expired {
	DP_EXPIRED_PREV = 1,		/* grace after the switch is over */
	DP_EXPIRED_CUR = 2,		/* past the hard age limit */
	DP_EXPIRED_NEXT = 4,
};

/*
 * Wipe what may no longer be used at keys->now: any key older than
 * reject_after seconds, and the previous key grace seconds after it was
 * retired. Returns the DP_EXPIRED_* bits of the slots wiped.
 */
int dp_keys_expire(struct dp_keys *keys, uint64_t reject_after,
    uint64_t grace);

/*
 * Seal one packet (or a keepalive with len 0) into out, which has room for
 * cap bytes: header, ciphertext, tag. Returns the datagram length, or -1
 * when there is no current key, the key is spent, or out is too small.
 */
ssize_t dp_seal(struct dp_keys *keys, int type, const uint8_t *pkt,
    size_t len, uint8_t *out, size_t cap);

/*
 * Open the datagram of len bytes in place. On DP_PACKET, *pkt and *pktlen
 * give the inner packet (inside dgram). The replay window moves and "next"
 * is promoted only for a datagram that authenticated; the source check
 * comes after authentication and drops a packet the peer may not send.
 */
enum dp_verdict dp_open(struct dp_keys *keys, const struct dp_sources *src,
    uint8_t *dgram, size_t len, const uint8_t **pkt, size_t *pktlen);

const char *dp_verdict_name(enum dp_verdict v);

#endif

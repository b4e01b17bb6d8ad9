/*
 * Guard data path. See datapath.h.
 */
#include <sys/socket.h>

#include <endian.h>
#include <string.h>

#include "datapath.h"
#include "kdf.h"
#include "pkt.h"

static void
keyslot_wipe(struct keyslot *s)
{
	aead_free(s->tx);
	aead_free(s->rx);
	wipe(s, sizeof(*s));
}

static void
keyslot_move(struct keyslot *dst, struct keyslot *src)
{
	keyslot_wipe(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

/* current -> previous (opening stragglers for a grace period). */
static void
keyslot_retire(struct dp_keys *keys)
{
	keyslot_move(&keys->prev, &keys->cur);
	keys->prev.retired_at = keys->now;
}

int
dp_keys_install(struct dp_keys *keys, const struct imsg_key_install *k)
{
	struct keyslot fresh;

	if (k->slot != KEY_SLOT_CURRENT && k->slot != KEY_SLOT_NEXT)
		return -1;
	if (k->local_session == 0 || k->remote_session == 0 || k->epoch == 0)
		return -1;
	memset(&fresh, 0, sizeof(fresh));
	fresh.tx = aead_new(k->cipher, k->tx_key, k->tx_iv, 1);
	fresh.rx = aead_new(k->cipher, k->rx_key, k->rx_iv, 0);
	if (fresh.tx == NULL || fresh.rx == NULL) {
		keyslot_wipe(&fresh);
		return -1;
	}
	fresh.valid = 1;
	fresh.epoch = k->epoch;
	fresh.installed_at = keys->now;
	fresh.local_session = k->local_session;
	fresh.remote_session = k->remote_session;
	replay_init(&fresh.replay);
	if (k->slot == KEY_SLOT_NEXT) {
		/*
		 * A newer epoch before the last one was promoted: the other
		 * side has sealed under that one since it proposed this one,
		 * so it becomes current now rather than being lost.
		 */
		if (keys->next.valid) {
			if (keys->cur.valid)
				keyslot_retire(keys);
			keyslot_move(&keys->cur, &keys->next);
		}
		keyslot_move(&keys->next, &fresh);
		return 0;
	}
	/*
	 * An unpromoted "next" older than the new current is what the other
	 * side seals with right now (we proposed this epoch before its first
	 * datagram under that one arrived): it becomes the previous key, so
	 * its stragglers still open and it can never be promoted over the
	 * new current. Otherwise the old current is the previous key.
	 */
	if (keys->next.valid && keys->next.epoch < k->epoch) {
		keyslot_move(&keys->prev, &keys->next);
		keys->prev.retired_at = keys->now;
		keyslot_wipe(&keys->cur);
	} else if (keys->cur.valid)
		keyslot_retire(keys);
	keyslot_move(&keys->cur, &fresh);
	return 0;
}

void
dp_keys_clear(struct dp_keys *keys)
{
	keyslot_wipe(&keys->prev);
	keyslot_wipe(&keys->cur);
	keyslot_wipe(&keys->next);
}

static int
too_old(const struct keyslot *s, uint64_t now, uint64_t reject_after)
{
	return s->valid && now > s->installed_at &&
	    now - s->installed_at > reject_after;
}

int
dp_keys_expire(struct dp_keys *keys, uint64_t reject_after, uint64_t grace)
{
	int gone = 0;

	if (keys->prev.valid && (too_old(&keys->prev, keys->now, reject_after)
	    || (keys->now > keys->prev.retired_at &&
	    keys->now - keys->prev.retired_at > grace))) {
		keyslot_wipe(&keys->prev);
		gone |= DP_EXPIRED_PREV;
	}
	if (too_old(&keys->cur, keys->now, reject_after)) {
		keyslot_wipe(&keys->cur);
		gone |= DP_EXPIRED_CUR;
	}
	if (too_old(&keys->next, keys->now, reject_after)) {
		keyslot_wipe(&keys->next);
		gone |= DP_EXPIRED_NEXT;
	}
	return gone;
}

static void
hdr_write(uint8_t *out, int type, const struct keyslot *s, uint64_t counter)
{
	struct data_hdr h;

	h.type = (uint8_t)type;
	h.flags = 0;
	h.epoch = htobe16((uint16_t)s->epoch);
	h.session = htobe32(s->remote_session);
	h.counter = htobe64(counter);
	memcpy(out, &h, sizeof(h));
}

ssize_t
dp_seal(struct dp_keys *keys, int type, const uint8_t *pkt, size_t len,
    uint8_t *out, size_t cap)
{
	struct keyslot *s = &keys->cur;
	uint64_t counter;

	if (!s->valid || s->tx_counter >= REJECT_AFTER_MESSAGES)
		return -1;
	if (cap < DATA_OVERHEAD || len > cap - DATA_OVERHEAD)
		return -1;
	counter = s->tx_counter++;
	s->tx_bytes += len;
	hdr_write(out, type, s, counter);
	if (aead_seal(s->tx, counter, out, DATA_HDR_LEN, pkt, len,
	    out + DATA_HDR_LEN) == -1)
		return -1;
	return (ssize_t)(len + DATA_OVERHEAD);
}

/* The slot whose session and epoch the datagram names, or NULL. */
static struct keyslot *
slot_for(struct dp_keys *keys, uint32_t session, uint16_t epoch)
{
	struct keyslot *slots[3] = { &keys->cur, &keys->next, &keys->prev };
	int i;

	for (i = 0; i < 3; i++)
		if (slots[i]->valid && slots[i]->local_session == session &&
		    (uint16_t)slots[i]->epoch == epoch)
			return slots[i];
	return NULL;
}

static int
source_allowed(const struct dp_sources *src, const struct pkt_info *pi)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (prefix_contains(&src->p[i], pi->family, pi->src))
			return 1;
	return 0;
}

enum dp_verdict
dp_open(struct dp_keys *keys, const struct dp_sources *src, uint8_t *dgram,
    size_t len, const uint8_t **pkt, size_t *pktlen)
{
	struct data_hdr h;
	struct keyslot *s;
	struct pkt_info pi;
	uint64_t counter;
	size_t ptlen;

	keys->rx_newest = 0;
	/* No peer sends more than a packet of the largest MTU, sealed. */
	if (len < DATA_OVERHEAD || len > DATA_MAX_DGRAM)
		return DP_MALFORMED;
	memcpy(&h, dgram, sizeof(h));
	if ((h.type != DATA_PACKET && h.type != DATA_KEEPALIVE) || h.flags != 0)
		return DP_MALFORMED;
	if ((s = slot_for(keys, be32toh(h.session), be16toh(h.epoch))) == NULL)
		return DP_NOKEY;
	counter = be64toh(h.counter);
	if (!replay_check(&s->replay, counter))
		return DP_REPLAY;
	ptlen = len - DATA_OVERHEAD;
	if (aead_open(s->rx, counter, dgram, DATA_HDR_LEN, dgram + DATA_HDR_LEN,
	    len - DATA_HDR_LEN, dgram + DATA_HDR_LEN) == -1)
		return DP_AUTH;
	if (!replay_accept(&s->replay, counter))
		return DP_REPLAY;
	keys->rx_newest = s != &keys->prev && s->replay.top == counter + 1;
	if (s == &keys->next) {
		/* The other side sends under the new epoch: switch to it. */
		if (keys->cur.valid)
			keyslot_retire(keys);
		keyslot_move(&keys->cur, &keys->next);
	}
	if (h.type == DATA_KEEPALIVE)
		return ptlen == 0 ? DP_KEEPALIVE : DP_MALFORMED;
	if (pkt_parse(dgram + DATA_HDR_LEN, ptlen, &pi) == -1)
		return DP_MALFORMED;
	if (!source_allowed(src, &pi))
		return DP_SOURCE;
	*pkt = dgram + DATA_HDR_LEN;
	*pktlen = pi.len;
	return DP_PACKET;
}

const char *
dp_verdict_name(enum dp_verdict v)
{
	static const char *const names[DP_VERDICT_MAX] = {
		[DP_PACKET] = "packet",
		[DP_KEEPALIVE] = "keepalive",
		[DP_MALFORMED] = "malformed",
		[DP_NOKEY] = "no key",
		[DP_REPLAY] = "replay",
		[DP_AUTH] = "auth failed",
		[DP_SOURCE] = "spoofed source",
	};

	if ((unsigned int)v >= DP_VERDICT_MAX)
		return "unknown";
	return names[v];
}

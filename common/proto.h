/*
 * Guard wire protocol: every constant and wire layout the two ends of a
 * tunnel must agree on. guard(7) describes the same in prose.
 *
 * All multi-byte fields on the wire are big-endian.
 */
#ifndef GUARD_PROTO_H
#define GUARD_PROTO_H

#include <stdint.h>

enum { GUARD_PROTO_VERSION = 1 };

/* ---- Defaults ---------------------------------------------------------- */

enum {
	GUARD_DEFAULT_PORT = 51820,	/* TCP control port */
	GUARD_DEFAULT_MTU = 1420,	/* 1500 - IPv6 40 - UDP 8 - data 32 */
	GUARD_MIN_MTU = 1280,		/* IPv6 minimum link MTU */
	GUARD_MAX_MTU = 9000,
	GUARD_MAX_PEERS = 4096,
	GUARD_DEFAULT_MAX_PEERS = 1024,
};

/* Where each Guard's control socket lives, named after its device. */
#define GUARD_CONTROL_DIR	"/run/guard"

/* ---- Data channel (UDP) ------------------------------------------------ */

/*
 * Every datagram:  data_hdr (16) | ciphertext | tag (16)
 * The header is the AEAD's associated data; the nonce is the epoch's
 * 12-byte IV with the counter (big-endian) xored into its last 8 bytes.
 * session is the receiver's session id, chosen by the receiver.
 */
enum data_type {
	DATA_PACKET = 1,	/* one IP packet */
	DATA_KEEPALIVE = 2,	/* empty plaintext, sealed like a packet */
};

struct data_hdr {
	uint8_t type;
	uint8_t flags;		/* zero; receivers drop non-zero */
	uint16_t epoch;		/* low 16 bits of the key epoch */
	uint32_t session;
	uint64_t counter;
} __attribute__((packed));

enum {
	DATA_HDR_LEN = 16,
	AEAD_KEY_LEN = 32,
	AEAD_IV_LEN = 12,
	AEAD_TAG_LEN = 16,
	DATA_OVERHEAD = DATA_HDR_LEN + AEAD_TAG_LEN,
	/* Largest datagram a peer may send: a GUARD_MAX_MTU packet sealed. */
	DATA_MAX_DGRAM = GUARD_MAX_MTU + DATA_OVERHEAD,
};

/* AEAD algorithms, as carried in CONFIG. */
enum cipher_id {
	CIPHER_AES256GCM = 1,
	CIPHER_CHACHA20POLY1305 = 2,
};

/*
 * Key limits, as WireGuard's: a key never seals more than
 * REJECT_AFTER_MESSAGES packets (far below the AEADs' 2^64 nonce space and
 * inside AES-GCM's safe usage bound for 1.4 KB packets).
 */
#define REJECT_AFTER_MESSAGES	((uint64_t)1 << 60)

/*
 * Soft limit: past this many packets under one key, ask for a new epoch
 * at once (rekey-bytes usually comes first).
 */
#define REKEY_AFTER_MESSAGES	((uint64_t)1 << 48)

enum {
	/* A key is never used once it is this much older than rekey-seconds. */
	REJECT_AFTER_EXTRA_SECONDS = 60,
	/* The previous epoch's keys open stragglers this long, then go. */
	PREVIOUS_KEY_GRACE_SECONDS = 10,
	/* A REKEY not answered in this time ends the session. */
	REKEY_TIMEOUT_SECONDS = 10,
};

/* Replay window: bitmap of REPLAY_BITS, of which one word is slack. */
enum {
	REPLAY_BITS = 4096,
	REPLAY_WINDOW = REPLAY_BITS - 64,
};

/* ---- Control channel (TLS 1.3 over TCP) -------------------------------- */

/*
 * Every control message:  version (1) | type (1) | length (2) | body
 * length counts the body only and is at most CTL_MAX_BODY. A message with
 * another version, an unknown type or a body of the wrong length for its
 * type ends the session.
 */
enum ctl_type {
	CTL_HELLO = 1,		/* client -> server, first message */
	CTL_CONFIG = 2,		/* server -> client, answers HELLO */
	CTL_REKEY = 3,		/* either side: next epoch, X25519 public key */
	CTL_REKEY_ACK = 4,	/* answer: same epoch, own public key */
	CTL_PING = 5,
	CTL_PONG = 6,
	CTL_BYE = 7,		/* reason; either side, then close */
};

enum {
	CTL_HDR_LEN = 4,
	CTL_MAX_BODY = 2048,
	CTL_MAX_ROUTES = 32,
	CTL_MAX_DNS = 4,
	X25519_LEN = 32,
};

enum ctl_bye_reason {
	BYE_SHUTDOWN = 1,	/* orderly stop */
	BYE_REPLACED = 2,	/* same identity connected again */
	BYE_POOL_EMPTY = 3,	/* no address left to assign */
	BYE_PROTOCOL = 4,	/* the other side broke the protocol */
	BYE_INTERNAL = 5,	/* a local failure; try again later */
	BYE_MAX = 5,
};

/* Label for SSL_export_keying_material; the context is the epoch (BE32). */
#define GUARD_EXPORTER_LABEL	"EXPORTER-guard-epoch"
/* HKDF info prefix; the epoch (BE32) follows. */
#define GUARD_KDF_INFO		"guard v1 epoch keys"

#endif

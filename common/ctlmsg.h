/*
 * Guard control messages: encoding and strict decoding of the typed
 * messages carried inside TLS (see proto.h for the framing).
 */
#ifndef GUARD_CTLMSG_H
#define GUARD_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

struct ctl_hello {
	uint32_t session;		/* client's receive session id */
};

/*
 * CONFIG body layout (big-endian):
 *   session u32 | udp_port u16 | mtu u16 | cipher u8 | v4_plen u8 |
 *   v6_plen u8 | flags u8 (bit0: has v4, bit1: has v6) | v4 addr[4] |
 *   v6 addr[16] | keepalive u16 | nroutes u8 | ndns u8 |
 *   nroutes x { family u8 (4|6) | plen u8 | addr[16] } |
 *   ndns x { family u8 (4|6) | pad u8 | addr[16] }
 */
struct ctl_config {
	uint32_t session;		/* server's receive session id */
	uint16_t udp_port;
	uint16_t mtu;
	uint8_t cipher;			/* enum cipher_id */
	struct prefix addr4;		/* family 0 when absent */
	struct prefix addr6;		/* family 0 when absent */
	uint16_t keepalive;		/* seconds, 0 = off */
	uint8_t nroutes;
	uint8_t ndns;
	struct prefix routes[CTL_MAX_ROUTES];
	struct prefix dns[CTL_MAX_DNS];	/* plen is 32 or 128 */
};

struct ctl_rekey {
	uint32_t epoch;
	uint8_t pub[X25519_LEN];
};

struct ctl_ping {
	uint64_t nonce;
};

struct ctl_bye {
	uint16_t reason;		/* enum ctl_bye_reason */
};

/* A decoded message of any type. */
struct ctl_msg {
	uint8_t type;			/* enum ctl_type */
	union {
		struct ctl_hello hello;
		struct ctl_config config;
		struct ctl_rekey rekey;	/* REKEY and REKEY_ACK */
		struct ctl_ping ping;	/* PING and PONG */
		struct ctl_bye bye;
	} u;
};

/*
 * Encode m (header included) into buf. Returns the number of bytes, or -1
 * when buf is too small or m holds values that cannot be encoded.
 */
int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t len);

/*
 * How many bytes the message at the start of buf needs in all, once at
 * least CTL_HDR_LEN bytes are there: 0 when more header bytes are needed,
 * -1 when the header is invalid (version, type, length over CTL_MAX_BODY).
 */
int ctl_frame_len(const uint8_t *buf, size_t len);

/*
 * Decode exactly one message of len bytes (header included). Every length,
 * count, family, prefix length and reserved field is checked. Returns 0, or
 * -1 with a reason in err.
 */
int ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *m,
    char *err, size_t errlen);

const char *ctl_type_name(int type);
const char *ctl_bye_reason_name(int reason);

#endif

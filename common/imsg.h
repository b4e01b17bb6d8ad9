/*
 * Guard internal messages: every message any two Guard processes exchange.
 *
 * Each pair of processes is joined by an AF_UNIX SOCK_SEQPACKET socketpair,
 * so one send is one message: a fixed header followed by exactly one struct
 * of the type's size (IMSG_LOG alone carries variable text). A descriptor
 * may ride along as SCM_RIGHTS. The receiver checks the exact length for the
 * type and that the sender may send it (the dispatch tables in each role);
 * a malformed message from a less privileged process is fatal for that
 * process, and GUARD then tears its peer down.
 */
#ifndef GUARD_IMSG_H
#define GUARD_IMSG_H

#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "proto.h"

enum imsg_type {
	IMSG_NONE = 0,
	IMSG_LOG,		/* any child -> GUARD: a log line */
	IMSG_WORKER_READY,	/* udpdata -> GUARD: + queue write fd */
	IMSG_WORKER_CONFIG,	/* GUARD -> udpdata: allowed inner sources */
	IMSG_WORKER_STATS,	/* udpdata -> GUARD: counters, every second */
	IMSG_PEER_HELLO,	/* tcpctl -> GUARD: authenticated identity */
	IMSG_PEER_CONFIG,	/* GUARD -> tcpctl: what to push (server) */
	IMSG_PEER_REFUSE,	/* GUARD -> tcpctl: say BYE with reason */
	IMSG_CLIENT_CONFIG,	/* tcpctl -> GUARD: what was pushed (client) */
	IMSG_CLIENT_UP,		/* GUARD -> tcpctl: addresses applied */
	IMSG_KEY_INSTALL,	/* tcpctl -> udpdata: epoch keys */
	IMSG_ENDPOINT,		/* tcpctl -> udpdata: where the peer's UDP is */
	IMSG_ROUTER_LINK,	/* GUARD -> router: MTU, up */
	IMSG_ROUTER_ADDR,	/* GUARD -> router: add an address */
	IMSG_ROUTER_ROUTE,	/* GUARD -> router: add a route */
	IMSG_ROUTER_RESULT,	/* router -> GUARD: outcome of one request */
	IMSG_ROUTER_INIT,	/* GUARD -> router: first message after exec */
	IMSG_UDPDATA_INIT,	/* GUARD -> udpdata: first message after exec */
	IMSG_TCPCTL_INIT,	/* GUARD -> tcpctl: first message after exec */
	IMSG_KEY_INSTALLED,	/* udpdata -> tcpctl: keys of an epoch in place */
	IMSG_REKEY_WANTED,	/* udpdata -> tcpctl: current key used up */
	IMSG_PEER_EPOCH,	/* tcpctl -> GUARD: a new epoch is in use */
	IMSG_PEER_REKEY,	/* GUARD -> tcpctl: start a new epoch now */
	IMSG_ROUTER_RESET,	/* GUARD -> router: take back every change */
	IMSG_MAX
};

struct imsg_hdr {
	uint32_t type;
	uint32_t len;		/* header included */
	uint32_t peerid;
	uint32_t flags;		/* zero */
};

enum {
	IMSG_HDR_LEN = sizeof(struct imsg_hdr),
	IMSG_MAX_LEN = 24576,	/* the INIT messages carry paths */
	IMSG_LOG_MAX = 480,	/* text bytes of one log line */
	IDENTITY_MAX = 64,	/* identity from the certificate, NUL included */
	IMSG_MAX_PREFIXES = CTL_MAX_ROUTES + 2,
};

struct imsg_log {
	int32_t priority;	/* syslog priority */
	char text[IMSG_LOG_MAX];	/* sent up to and including the NUL */
};

struct imsg_worker_ready {
	uint16_t udp_port;	/* local UDP port the worker bound */
	uint16_t pad;
	uint32_t queue_msgsize;	/* size of one queue message */
};

/* Inner source prefixes the worker accepts from its peer. */
struct imsg_worker_config {
	uint32_t nprefix;
	struct prefix prefix[IMSG_MAX_PREFIXES];
};

struct imsg_worker_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drop_auth, drop_replay, drop_source, drop_malformed,
	    drop_nokey;		/* received under no key we hold */
	uint64_t unsent_nokey;	/* queued before there was a key to seal */
	uint32_t epoch;		/* of the current key; 0 = none */
	uint32_t endpoint_len;	/* 0 = no endpoint known yet */
	struct sockaddr_storage endpoint;
	uint32_t offload;	/* enum worker_offload: what is in use */
	uint32_t pad;
	uint64_t tx_segments;	/* frames cut into packets */
	uint64_t tx_gso_sends;	/* datagram trains sent with UDP_SEGMENT */
	uint64_t rx_gro_trains;	/* receives that held more than one */
	uint64_t rx_frames;	/* TUN writes (joined packets count once) */
};

/* The data path a udpdata uses, found at start-up (WORKER_STATS). */
enum worker_offload {
	WORKER_UDP_GSO = 1,	/* sends trains of datagrams (UDP_SEGMENT) */
	WORKER_UDP_GRO = 2,	/* receives them (UDP_GRO) */
	WORKER_TUN_GRO = 4,	/* joins TCP segments for TUN writes */
};

struct imsg_peer_epoch {
	uint32_t epoch;
};

struct imsg_peer_hello {
	char identity[IDENTITY_MAX];	/* NUL-terminated, printable */
	uint8_t spki_hash[32];		/* SHA-256 of the peer's public key */
	uint32_t session;		/* the client's receive session id */
};

/* The server's answer: addresses and routes to push, UDP port to use. */
struct imsg_peer_config {
	struct prefix addr4;		/* family 0 when no IPv4 pool */
	struct prefix addr6;		/* family 0 when no IPv6 pool */
	uint16_t udp_port;
	uint16_t mtu;
	uint8_t cipher;
	uint8_t nroutes;
	uint8_t ndns;
	uint8_t pad;
	struct prefix routes[CTL_MAX_ROUTES];
	struct prefix dns[CTL_MAX_DNS];
};

struct imsg_peer_refuse {
	uint16_t reason;		/* enum ctl_bye_reason */
};

/* The client's side: what the server pushed, already decoded and checked. */
struct imsg_client_config {
	struct prefix addr4;
	struct prefix addr6;
	uint16_t mtu;
	uint8_t nroutes;
	uint8_t ndns;
	struct prefix routes[CTL_MAX_ROUTES];
	struct prefix dns[CTL_MAX_DNS];
};

enum key_slot {
	KEY_SLOT_CURRENT = 0,
	KEY_SLOT_NEXT = 1,	/* installed for receive before the switch */
};

struct imsg_key_install {
	uint32_t epoch;
	uint8_t slot;			/* enum key_slot */
	uint8_t cipher;			/* enum cipher_id */
	uint16_t pad;
	uint32_t local_session;		/* we receive with this id */
	uint32_t remote_session;	/* we send with this id */
	uint8_t tx_key[AEAD_KEY_LEN];
	uint8_t tx_iv[AEAD_IV_LEN];
	uint8_t rx_key[AEAD_KEY_LEN];
	uint8_t rx_iv[AEAD_IV_LEN];
};

struct imsg_key_installed {
	uint32_t epoch;
};

struct imsg_rekey_wanted {
	uint32_t epoch;			/* the epoch that is used up */
};

struct imsg_endpoint {
	struct sockaddr_storage addr;
	uint32_t addrlen;
};

struct imsg_router_link {
	uint32_t mtu;
	uint32_t up;
};

struct imsg_router_addr {
	struct prefix addr;		/* address with the subnet's length */
};

struct imsg_router_route {
	struct prefix dst;
};

/* Nothing to say but the request itself. */
struct imsg_router_reset {
	uint32_t zero;
};

struct imsg_router_result {
	uint32_t type;			/* the request answered */
	int32_t error;			/* 0 or a positive errno */
};

/*
 * Every child is started by fork and exec of the Guard binary with
 * "-P ROLE"; it finds its sockets at fixed descriptors and reads one INIT
 * message from GUARD before anything else.
 */
enum child_fd {
	CHILD_FD_GUARD = 3,	/* SEQPACKET socket to GUARD */
	CHILD_FD_SIBLING = 4,	/* tcpctl <-> udpdata of one peer */
	CHILD_FD_EXTRA = 5,	/* udpdata: TUN; tcpctl: the TCP connection */
};

enum { ROLE_PATH_MAX = PATH_MAX, ROLE_HOST_MAX = 256 };

struct imsg_router_init {
	char ifname[IFNAMSIZ];
	int32_t ifindex;
	uint32_t nallowed_addr;
	struct prefix allowed_addr[8];
	uint32_t allow_default_route;
	uint32_t uid;			/* run as this uid; keeps CAP_NET_ADMIN */
	uint32_t no_privdrop;		/* insecure-no-privdrop */
	char chroot_dir[ROLE_PATH_MAX];
};

struct imsg_udpdata_init {
	int32_t role;			/* enum conf_role */
	uint32_t uid;			/* run as this uid and gid */
	uint32_t queue_depth;
	uint32_t queue_msgsize;
	uint32_t keepalive_seconds;
	uint32_t dead_peer_seconds;
	uint32_t reject_after_seconds;	/* hard age limit of a key */
	uint64_t rekey_bytes;		/* ask for new keys after this much */
	uint32_t bind_len;		/* server: local UDP address, port 0 */
	struct sockaddr_storage bind_addr;
	uint32_t no_privdrop;		/* insecure-no-privdrop */
	uint32_t tun_vnet;		/* TUN frames carry a virtio_net_hdr */
	uint32_t udp_offload;		/* try UDP GSO and GRO (offload yes) */
	uint32_t socket_buffer;		/* bytes, each way */
	uint32_t batch;			/* datagrams per sendmmsg/recvmmsg */
	char chroot_dir[ROLE_PATH_MAX];
};

struct imsg_tcpctl_init {
	int32_t role;
	uint32_t uid;
	uint32_t rekey_seconds;
	uint32_t keepalive_seconds;
	uint32_t dead_peer_seconds;
	uint32_t no_privdrop;		/* insecure-no-privdrop */
	uint32_t handshake_seconds;	/* TLS and the first messages */
	char chroot_dir[ROLE_PATH_MAX];
	char ca[ROLE_PATH_MAX];
	char cert[ROLE_PATH_MAX];
	char key[ROLE_PATH_MAX];
	char crl[ROLE_PATH_MAX];	/* empty: none */
	char server_name[ROLE_HOST_MAX];	/* client: name to verify */
};

/* One received message. fd is -1 unless one came with it. */
struct imsg {
	struct imsg_hdr hdr;
	uint8_t data[IMSG_MAX_LEN - IMSG_HDR_LEN];
	int fd;
};

/*
 * Send one message; fd (or -1) rides along. Returns 0 or -1 (errno set).
 * Never blocks longer than the socket does.
 */
int imsg_send(int sock, uint32_t type, uint32_t peerid, const void *data,
    size_t len, int fd);

/*
 * Receive one message. Returns 1 with m filled, 0 on end of file, -1 on an
 * error or a malformed frame (short, oversized, length field not matching
 * what arrived, non-zero flags, more than one descriptor): errno is EBADMSG
 * for those. A descriptor that arrives with a malformed frame is closed.
 */
int imsg_recv(int sock, struct imsg *m);

/* Payload length of a received message. */
size_t imsg_datalen(const struct imsg *m);

/*
 * Copy the payload into out when it is exactly len bytes; -1 otherwise
 * (the caller treats that as a protocol violation by the sender).
 */
int imsg_get(const struct imsg *m, void *out, size_t len);

const char *imsg_type_name(uint32_t type);

/*
 * The enum worker_offload bits as words: "udp-gso udp-gro tun-gro", or
 * "none". buf holds at least 32 bytes.
 */
const char *worker_offload_str(uint32_t offload, char *buf, size_t len);

#endif

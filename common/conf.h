/*
 * Guard configuration: one table of keys shared by the config file and the
 * command line. Every key is also a long flag of the same name ("pool4
 * 100.64.0.0/24" in a file is "--pool4 100.64.0.0/24" on the command line).
 * Flags win over the file. guard.conf(5) lists them all.
 */
#ifndef GUARD_CONF_H
#define GUARD_CONF_H

#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

enum conf_role {
	ROLE_SERVER = 1,	/* guardd */
	ROLE_CLIENT = 2,	/* tunclient */
};

enum {
	CONF_MAX_LISTEN = 4,
	CONF_MAX_SERVERS = 4,		/* --peer entries, tried in order */
	CONF_HOST_MAX = 256,
	CONF_ERR_MAX = 512,
	CONF_MAX_LINE = 1024,
	CONF_MAX_FILE = 1 << 20,	/* a config file larger is refused */
	CONF_MAX_KEYS = 64,		/* room for keys in the key table */
};

/*
 * Ranges of the data path's keys. Here, not in conf.c with the other
 * ranges: the data path sizes its buffers and its system calls by them.
 */
enum {
	SOCKET_BUFFER_MIN = 64 << 10,	/* bytes, each way */
	SOCKET_BUFFER_MAX = 64 << 20,
	SOCKET_BUFFER_DEFAULT = 4 << 20,
	BATCH_MIN = 1,			/* packets per system call */
	BATCH_MAX = 64,
	BATCH_DEFAULT = 64,
};

struct guard_conf {
	int role;

	/* Both roles. */
	int foreground;			/* -f */
	int verbose;			/* -v, counts */
	int configtest;			/* -n */
	int no_privdrop;		/* insecure-no-privdrop */
	char config_file[PATH_MAX];	/* -c; empty = none */
	char dev[IFNAMSIZ];		/* "gd0" (server), "gc0" (client) */
	char ca[PATH_MAX];
	char cert[PATH_MAX];
	char key[PATH_MAX];
	char crl[PATH_MAX];		/* empty = no CRL */
	char chroot_dir[PATH_MAX];	/* default "/run/guard/empty" */
	char control_socket[PATH_MAX];	/* default "/run/guard/DEV.sock" */
	uint32_t worker_uid_first;	/* "worker-uids A-B" */
	uint32_t worker_uid_last;
	int queue_depth;		/* messages per peer queue, 2..64 */
	int offload;			/* 1: TUN offload, UDP GSO/GRO if any */
	int socket_buffer;		/* UDP SO_SNDBUF and SO_RCVBUF, bytes */
	int batch;			/* packets per system call, 1..64 */
	int rekey_seconds;		/* new epoch keys after this long */
	uint64_t rekey_bytes;		/* ... or after sealing this much */
	int keepalive_seconds;		/* keepalive when a direction idles */
	int dead_peer_seconds;		/* silence after which a peer is gone */
	int handshake_seconds;		/* TLS and the first messages */

	/* Server only. */
	char listen[CONF_MAX_LISTEN][CONF_HOST_MAX];	/* addresses */
	int nlisten;			/* 0 = all (:: dual stack) */
	uint16_t port;			/* TCP control port */
	struct prefix pool4;		/* family 0 = none */
	struct prefix pool6;
	int mtu;
	int cipher;			/* enum cipher_id */
	int max_peers;
	/* The control port's admission limits (guard/gate.h). */
	int max_pending;		/* connections not yet up, in all */
	int max_pending_per_source;	/* ... from one address or /64 */
	int connect_rate;		/* new connections per second per source */
	int connect_burst;
	struct prefix push_route[CTL_MAX_ROUTES];
	int npush_route;
	struct prefix push_dns[CTL_MAX_DNS];
	int npush_dns;

	/* Client only. */
	char peer_host[CONF_MAX_SERVERS][CONF_HOST_MAX];	/* --peer */
	uint16_t peer_port[CONF_MAX_SERVERS];
	int npeer_host;
	char server_name[CONF_HOST_MAX];	/* empty: each peer's host */

	/*
	 * Where values came from, so that a check across keys can name
	 * FILE:LINE: the file parsed last, and the line of it each key (by
	 * its place in the key table) and each entry of a list was set on.
	 * Line 0: a flag or the default.
	 */
	char origin_file[PATH_MAX];
	unsigned int key_line[CONF_MAX_KEYS];
	unsigned int listen_line[CONF_MAX_LISTEN];
	unsigned int push_route_line[CTL_MAX_ROUTES];
};

/* Defaults for role into c. */
void conf_defaults(struct guard_conf *c, int role);

/*
 * The whole start-up: defaults, then the file named by -c (if any), then
 * the flags again (flags win), then relative paths made absolute (from
 * the current directory), then conf_check(). Returns 0; 1 when the
 * user asked for --help/-h (usage was printed to stdout); -1 with a message
 * in err that names the flag or FILE:LINE and what is wrong.
 */
int conf_load(struct guard_conf *c, int role, int argc, char **argv,
    char *err, size_t errlen);

/*
 * Parse the config text of len bytes, named name in messages, into c.
 * Lines are "key value" or "key" (for switches), '#' starts a comment.
 * Returns 0, or -1 with "name:LINE: reason" in err.
 */
int conf_parse_text(struct guard_conf *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen);

/* Read and parse a file (at most CONF_MAX_FILE bytes). 0 or -1 as above. */
int conf_parse_file(struct guard_conf *c, const char *path, char *err,
    size_t errlen);

/*
 * Cross-field checks once everything is read: required keys present for
 * the role (server: ca, cert, key and at least one pool; client: peer, ca,
 * cert, key), pools outside the loopback, link-local, multicast and
 * unspecified ranges and not overlapping a pushed route, pushed routes
 * that clients can install (no default route, none into those ranges),
 * listen addresses outside the pools, MTU range, worker uid range large
 * enough for 2 x max-peers, and so on. 0 or -1 with a reason, which
 * starts with "FILE:LINE: " when a value at fault came from a file.
 */
int conf_check(const struct guard_conf *c, char *err, size_t errlen);

/*
 * "FILE:LINE: " when the value of key came from that line of a config
 * file, else "" (a flag or the default), in buf; returns buf. For
 * messages about a value that only a later check finds wrong.
 */
const char *conf_where(const struct guard_conf *c, const char *key,
    char *buf, size_t len);

/* Usage text for role to fp. */
void conf_usage(int role, void *fp);

#endif

/*
 * Guard admission gate for the control port: which new TCP connections
 * GUARD lets start a tcpctl and a udpdata, and which it closes at once.
 *
 * A connection costs two processes from accept until its peer is
 * configured (or gone), and nothing a peer sends is authenticated before
 * then. So the gate bounds, for connections in that state ("pending"):
 * how many there are in all (max-pending) and how many come from one
 * source (max-pending-per-source); and it bounds how often one source may
 * connect at all (connect-rate, a token bucket with connect-burst tokens).
 * A source is an IPv4 address or an IPv6 /64, the smallest block a host
 * on an IPv6 network usually gets.
 *
 * Memory is fixed at start: the pending list holds max-pending entries and
 * the table of sources GATE_SOURCES, GATE_WAYS-way set-associative; when a
 * set is full the source seen longest ago gives way (its bucket is full
 * again after connect-burst / connect-rate seconds anyway).
 *
 * Refusals are counted by limit, and logged without flooding: the first
 * refusal of a source at once, later ones summed up in one line per
 * source every GATE_LOG_MS, and at most GATE_LOG_LINES such lines per
 * GATE_LOG_MS overall (the rest in one line).
 *
 * Times are milliseconds of CLOCK_MONOTONIC, passed in, so that tests
 * can drive the clock.
 */
#ifndef GUARD_GATE_H
#define GUARD_GATE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

enum {
	GATE_SOURCES = 1024,		/* sources tracked at once */
	GATE_WAYS = 8,			/* entries per set */
	GATE_LOG_MS = 10000,		/* one summary per source per this */
	GATE_LOG_LINES = 20,		/* lines per GATE_LOG_MS, in all */
	GATE_KEY_STRLEN = 48,		/* "2001:db8:1:2::/64" and the like */
};

enum gate_reason {
	GATE_OK = 0,
	GATE_RATE,		/* connect-rate exceeded */
	GATE_SOURCE,		/* max-pending-per-source reached */
	GATE_PENDING,		/* max-pending reached */
	GATE_PEERS,		/* max-peers reached (decided by the caller) */
	GATE_NREASONS
};

struct gate_limits {
	int max_pending;
	int max_pending_per_source;
	int connect_rate;		/* new connections per second */
	int connect_burst;
	int max_peers;			/* only named in log lines */
};

/* A source: an IPv4 address as ::ffff:a.b.c.d, or an IPv6 /64. */
struct gate_key {
	uint8_t b[16];
};

struct gate_source {
	struct gate_key key;
	int used;
	int64_t tokens;			/* thousandths of a connection */
	int64_t seen_ms;		/* last connection (and bucket refill) */
	int64_t logged_ms;		/* last line about it; INT64_MIN never */
	uint32_t unlogged[GATE_NREASONS];	/* refusals not yet logged */
};

struct gate_pending {
	uint32_t id;			/* peer slot id */
	struct gate_key key;
};

typedef void (*gate_say_fn)(void *arg, const char *line);

struct gate {
	struct gate_limits lim;
	struct gate_source *src;	/* GATE_SOURCES */
	struct gate_pending *pend;	/* lim.max_pending */
	size_t npend;
	uint32_t seed;			/* of the hash that picks a set */
	uint64_t admitted;		/* connections held (gate_hold) */
	uint64_t refused[GATE_NREASONS];
	/* Logging. */
	gate_say_fn say;
	void *say_arg;
	int64_t window_ms;		/* start of the current line budget */
	int lines;			/* lines logged in this window */
	uint64_t lost;			/* refusals of evicted sources, unlogged */
	int64_t lost_logged_ms;
	int64_t due_ms;			/* next summary due; INT64_MAX none */
};

/*
 * Allocate for lim (each value at least 1). seed varies the hash so that
 * nobody can pick sources that share a set. say gets every log line.
 * 0, or -1 (out of memory).
 */
int gate_init(struct gate *g, const struct gate_limits *lim, uint32_t seed,
    gate_say_fn say, void *say_arg);
void gate_free(struct gate *g);

/* The source of a peer address. 0, or -1 for a family other than IP. */
int gate_key_of(const struct sockaddr *sa, socklen_t len, struct gate_key *k);

/* "198.18.0.4" or "2001:db8::/64". */
const char *gate_key_str(const struct gate_key *k, char *buf, size_t len);

/*
 * A new connection from k: GATE_OK, after which the caller starts the
 * peer and calls gate_hold, or the limit it is over (counted and logged;
 * the caller closes the connection).
 */
enum gate_reason gate_admit(struct gate *g, const struct gate_key *k,
    int64_t now_ms);

/* A connection refused for a reason decided elsewhere (GATE_PEERS). */
void gate_refuse(struct gate *g, const struct gate_key *k,
    enum gate_reason r, int64_t now_ms);

/*
 * Peer slot id from k is pending. 0, or -1 when max-pending are (the
 * caller did not ask gate_admit first).
 */
int gate_hold(struct gate *g, uint32_t id, const struct gate_key *k);

/* Peer slot id is no longer pending (it is up, or gone); idempotent. */
void gate_release(struct gate *g, uint32_t id);

/* Pending connections in all, and from k. */
size_t gate_pending(const struct gate *g);
size_t gate_pending_from(const struct gate *g, const struct gate_key *k);

/* The config key a reason stands for ("connect-rate", ...). */
const char *gate_reason_name(enum gate_reason r);

/*
 * Log the summaries that are due. Returns the ms until the next one, or
 * -1 when none is waiting.
 */
int gate_tick(struct gate *g, int64_t now_ms);

#endif

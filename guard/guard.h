/*
 * Guard GUARD process: the supervisor, shared by guardd (many peers) and
 * tunclient (one peer). It owns the TUN device and reads it, fans packets
 * out to the peers' queues, owns the address pool and the peer table,
 * starts every child, reaps it, and tears its peer down.
 */
#ifndef GUARD_GUARD_H
#define GUARD_GUARD_H

#include <mqueue.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "imsg.h"
#include "peertab.h"
#include "pool.h"
#include "qmsg.h"

enum peer_state {
	PEER_FREE = 0,
	PEER_STARTING,		/* children started, handshake under way */
	PEER_UP,		/* configured; traffic flows */
	PEER_DYING,		/* torn down; waiting to reap its children */
};

struct peer {
	uint32_t id;			/* slot index + 1 */
	uint32_t gen;			/* bumped each time the slot is freed */
	enum peer_state state;
	pid_t ctl_pid;			/* 0 once reaped */
	pid_t data_pid;
	int ctl_status;			/* tcpctl's wait status, once reaped */
	int killed;			/* GUARD sent its children SIGKILL */
	int ctl_sock;			/* GUARD <-> tcpctl */
	int data_sock;			/* GUARD <-> udpdata */
	mqd_t queue;			/* write end; -1 until WORKER_READY */
	size_t queue_msgsize;
	uint16_t udp_port;
	int have_hello;			/* server: PEER_HELLO arrived */
	int have_config;		/* client: CLIENT_CONFIG arrived */
	uint32_t seen;			/* once-only messages received (permit.h) */
	struct imsg_peer_hello hello;
	struct prefix addr4;		/* assigned (server) */
	struct prefix addr6;
	char remote[64];		/* "198.18.0.2 port 40000" */
	struct timespec dying_since;
	/* The batch being filled for the queue during one TUN burst. */
	uint8_t *batchbuf;
	struct qmsg_batch batch;
	struct peer *next_dirty;
	int on_dirty;			/* in guard_env's dirty list */
	uint64_t queued_packets;
	uint64_t drop_queue_full;
	/* For guardctl status. */
	time_t connected_since;		/* wall clock */
	uint32_t epoch;			/* from tcpctl */
	time_t epoch_since;
	struct imsg_worker_stats wstats;	/* from udpdata, each second */
};

struct guard_stats {
	uint64_t tun_packets;		/* reads from TUN */
	uint64_t tun_segments;		/* of those, segments to cut */
	uint64_t drop_no_route;
	uint64_t drop_malformed;
	uint64_t drop_no_queue;
	uint64_t drop_link_local;	/* IPv6 link-local or :: source */
};

struct guard_env;
struct gate;

/* What differs between the server and the client. */
struct guard_ops {
	/* The peer a packet from the TUN goes to, or NULL. */
	struct peer *(*route)(struct guard_env *env, int family,
	    const uint8_t *dst);
	/* A message from tcpctl other than LOG; -1 = protocol violation. */
	int (*ctl_msg)(struct guard_env *env, struct peer *p, struct imsg *m);
	/* The worker is ready (its queue fd arrived). */
	void (*worker_ready)(struct guard_env *env, struct peer *p);
	/* A peer has been torn down and its children reaped. */
	void (*peer_gone)(struct guard_env *env, struct peer *p);
	/* A listening socket is readable (server only). */
	void (*accept)(struct guard_env *env, int index);
	/* Timers: run what is due; the ms until the next, or -1 for none. */
	int (*tick)(struct guard_env *env);
};

struct guard_env {
	const struct guard_conf *conf;
	const struct guard_ops *ops;
	int tun_fd;
	int ifindex;
	int tun_features;		/* enum tun_features */
	int data_path_logged;		/* data_path was logged */
	uint32_t data_path;		/* enum worker_offload */
	int epfd;
	int sigfd;
	int router_sock;
	pid_t router_pid;
	size_t queue_msgsize;
	struct peer *peers;		/* max_peers slots */
	size_t npeers;
	size_t active;			/* slots not FREE */
	size_t next_slot;		/* where the search for a free one starts */
	struct peer *dirty;		/* peers with a batch to send */
	uint8_t *tunbuf;		/* QMSG_HDR_LEN free, then a read */
	int quit;			/* a signal asked us to stop */
	int control_fd;			/* guardctl's socket */
	time_t started;
	int exit_status;
	struct guard_stats st;
	/* Server. */
	int listen_fd[CONF_MAX_LISTEN];
	int nlisten;
	struct peertab tab;
	struct pool4 *pool4;
	struct gate *gate;		/* who may connect (gate.h) */
	/* Client. */
	struct prefix server_addr;	/* the server's underlay address */
	int server_index;		/* which --peer this session uses */
	int have_applied;		/* addresses and routes are in place */
	struct imsg_client_config applied;
	struct imsg_worker_config sources;	/* what udpdata may accept */
	long reconnect_at;		/* ms of CLOCK_MONOTONIC; 0 = none */
	long backoff_ms;
};

/*
 * epoll tags: kind in the top byte, the slot's generation in the next 24
 * bits (so an event for a peer that is gone never reaches the peer that
 * took its slot), index or peer id in the low half.
 */
enum guard_ev {
	EV_TUN = 1,
	EV_SIGNAL,
	EV_ROUTER,
	EV_LISTEN,
	EV_CTL,
	EV_DATA,
	EV_CONTROL,		/* the guardctl socket */
};

/*
 * Start-up common to both front ends, in order: a private IPC namespace
 * with queue limits raised to what the configuration needs, the chroot
 * directory, the TUN device, signals, epoll, the routing helper.
 * 0 or -1 (logged; everything done so far is undone by guard_cleanup).
 */
int guard_setup(struct guard_env *env, const struct guard_conf *conf,
    const struct guard_ops *ops, size_t npeers);

/* Ask the routing helper for one change and wait for its answer. */
int guard_router_request(struct guard_env *env, uint32_t type,
    const void *data, size_t len);

/* Add fd to the event loop with a tag. 0 or -1. */
int guard_watch(struct guard_env *env, int fd, enum guard_ev kind,
    uint32_t index, uint32_t gen);

/* A free peer slot, or NULL when max-peers are active. */
struct peer *guard_peer_alloc(struct guard_env *env);
struct peer *guard_peer_by_id(struct guard_env *env, uint32_t id);

/*
 * Start tcpctl and udpdata of peer p over the connected TCP socket conn
 * (consumed). udpdata binds its UDP socket to the local address of conn
 * with a port of its own choosing. 0, or -1 with the slot returned.
 */
int guard_peer_start(struct guard_env *env, struct peer *p, int conn,
    const char *server_name);

/*
 * Tear p down: drop its table entries and queue, close its sockets (its
 * children see end of file and leave), and send SIGKILL at once when
 * hostile is set (it broke the protocol) or after a grace period.
 * reason goes to the log.
 */
void guard_peer_teardown(struct guard_env *env, struct peer *p,
    const char *reason, int hostile);

/*
 * Detach from the terminal as a daemon, yet let the shell that started us
 * learn whether start-up worked: the original process waits for the
 * daemon's verdict on a pipe and exits with it (printing where to look
 * when it failed). Returns the pipe's write end in the daemon, or -1 in
 * the foreground case.
 */
int guard_daemonize(const char *progname);

/* Tell the waiting parent how start-up went (0 ok) and close the pipe. */
void guard_ready(int *ready_fd, int status);

/* Run the event loop until a signal or a fatal condition. */
void guard_loop(struct guard_env *env);

/*
 * Once set up: keep CAP_KILL alone, and only what the children need to
 * drop in the bounding set. 0 or -1 (logged).
 */
int guard_drop_privileges(const struct guard_env *env);

/* Have the routing helper take back all it did so far. 0 or -1. */
int guard_router_reset(struct guard_env *env);

/* Stop every child, wait for them, and release everything. */
void guard_cleanup(struct guard_env *env);

/* The uids of a peer slot's children. */
uint32_t guard_ctl_uid(const struct guard_conf *conf, const struct peer *p);
uint32_t guard_data_uid(const struct guard_conf *conf, const struct peer *p);

#endif

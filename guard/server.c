/*
 * Guard server front end: guardd.
 *
 * GUARD accepts control connections (accept only: it reads nothing a peer
 * sends), starts a tcpctl and a udpdata for each that the gate lets in
 * (gate.h), assigns the peer its addresses once tcpctl has authenticated
 * it, and routes packets from the TUN device to the peer that owns the
 * destination address.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "gate.h"
#include "guard.h"
#include "hostnet.h"
#include "log.h"
#include "server.h"
#include "tls.h"
#include "util.h"

/*
 * Room for a burst of connections while GUARD closes those over a limit:
 * a full backlog would drop honest clients' connections unseen. The
 * kernel caps it at net.core.somaxconn.
 */
enum { LISTEN_BACKLOG = 1024 };

/* ---- peers ------------------------------------------------------------- */

static struct peer *
server_route(struct guard_env *env, int family, const uint8_t *dst)
{
	struct peer *p;

	p = guard_peer_by_id(env, peertab_lookup(&env->tab, family, dst));
	return p != NULL && p->state == PEER_UP ? p : NULL;
}

static void
refuse(struct guard_env *env, struct peer *p, int reason, const char *why)
{
	struct imsg_peer_refuse r = { .reason = (uint16_t)reason };

	/* tcpctl reads this before the end of file and says BYE. */
	(void)imsg_send(p->ctl_sock, IMSG_PEER_REFUSE, p->id, &r, sizeof(r),
	    -1);
	guard_peer_teardown(env, p, why, 0);
}

static void
send_peer_config(struct guard_env *env, struct peer *p)
{
	const struct guard_conf *c = env->conf;
	struct imsg_peer_config pc;
	struct imsg_worker_config wc;
	char a4[PREFIX_STRLEN] = "-", a6[PREFIX_STRLEN] = "-";
	int i;

	memset(&pc, 0, sizeof(pc));
	pc.addr4 = p->addr4;
	pc.addr6 = p->addr6;
	pc.udp_port = p->udp_port;
	pc.mtu = (uint16_t)c->mtu;
	pc.cipher = (uint8_t)c->cipher;
	pc.nroutes = (uint8_t)c->npush_route;
	for (i = 0; i < c->npush_route; i++)
		pc.routes[i] = c->push_route[i];
	pc.ndns = (uint8_t)c->npush_dns;
	for (i = 0; i < c->npush_dns; i++)
		pc.dns[i] = c->push_dns[i];

	/* The worker accepts exactly the peer's own addresses as sources. */
	memset(&wc, 0, sizeof(wc));
	if (p->addr4.family) {
		wc.prefix[wc.nprefix] = p->addr4;
		wc.prefix[wc.nprefix++].plen = 32;
	}
	if (p->addr6.family) {
		wc.prefix[wc.nprefix] = p->addr6;
		wc.prefix[wc.nprefix++].plen = 128;
	}
	if (imsg_send(p->data_sock, IMSG_WORKER_CONFIG, p->id, &wc, sizeof(wc),
	    -1) == -1 || imsg_send(p->ctl_sock, IMSG_PEER_CONFIG, p->id, &pc,
	    sizeof(pc), -1) == -1) {
		guard_peer_teardown(env, p, "cannot reach its processes", 1);
		return;
	}
	p->state = PEER_UP;
	gate_release(env->gate, p->id);
	if (p->addr4.family)
		addr_fmt(AF_INET, p->addr4.addr, a4, sizeof(a4));
	if (p->addr6.family)
		addr_fmt(AF_INET6, p->addr6.addr, a6, sizeof(a6));
	log_info("%s: connected from %s as %s %s (udp port %u)",
	    p->hello.identity, p->remote, a4, a6, p->udp_port);
}

/* A new session of an identity replaces any older one. */
static void
replace_older(struct guard_env *env, struct peer *p)
{
	size_t i;

	for (i = 0; i < env->npeers; i++) {
		struct peer *q = &env->peers[i];

		if (q != p && q->have_hello &&
		    (q->state == PEER_STARTING || q->state == PEER_UP) &&
		    strcmp(q->hello.identity, p->hello.identity) == 0)
			refuse(env, q, BYE_REPLACED,
			    "replaced by a new session");
	}
}

static int
assign_addresses(struct guard_env *env, struct peer *p)
{
	const struct guard_conf *c = env->conf;
	char buf[PREFIX_STRLEN];

	if (env->pool4 != NULL) {
		if (pool4_alloc(env->pool4, p->hello.identity, time(NULL),
		    &p->addr4) == -1) {
			log_warnx("pool4 %s is exhausted; refusing %s",
			    prefix_fmt(&c->pool4, buf, sizeof(buf)),
			    p->hello.identity);
			refuse(env, p, BYE_POOL_EMPTY, "no address left");
			return -1;
		}
		if (peertab_insert(&env->tab, AF_INET, p->addr4.addr, p->id) ==
		    -1) {
			refuse(env, p, BYE_INTERNAL, "IPv4 address in use");
			return -1;
		}
	}
	if (c->pool6.family) {
		if (pool6_derive(&c->pool6, p->hello.spki_hash, &p->addr6) ==
		    -1 || peertab_insert(&env->tab, AF_INET6, p->addr6.addr,
		    p->id) == -1) {
			log_warnx("%s: IPv6 address %s collides with another "
			    "peer's", p->hello.identity, addr_fmt(AF_INET6,
			    p->addr6.addr, buf, sizeof(buf)));
			memset(&p->addr6, 0, sizeof(p->addr6));
			refuse(env, p, BYE_INTERNAL, "IPv6 address collision");
			return -1;
		}
	}
	return 0;
}

static int
handle_hello(struct guard_env *env, struct peer *p, const struct imsg *m)
{
	struct imsg_peer_hello h;

	if (p->have_hello || p->state != PEER_STARTING ||
	    imsg_get(m, &h, sizeof(h)) == -1 ||
	    memchr(h.identity, '\0', sizeof(h.identity)) == NULL ||
	    !tls_identity_valid(h.identity) || h.session == 0)
		return -1;
	p->hello = h;
	p->have_hello = 1;
	replace_older(env, p);
	if (assign_addresses(env, p) == -1)
		return 0;
	if (p->queue != (mqd_t)-1)
		send_peer_config(env, p);
	return 0;
}

static int
server_ctl_msg(struct guard_env *env, struct peer *p, struct imsg *m)
{
	if (m->hdr.type == IMSG_PEER_HELLO)
		return handle_hello(env, p, m);
	return -1;
}

static void
server_worker_ready(struct guard_env *env, struct peer *p)
{
	if (p->have_hello && p->state == PEER_STARTING)
		send_peer_config(env, p);
}

static void
server_peer_gone(struct guard_env *env, struct peer *p)
{
	if (env->gate != NULL)
		gate_release(env->gate, p->id);
	log_debug("peer slot %u free", p->id);
}

static int
server_tick(struct guard_env *env)
{
	return env->gate != NULL ? gate_tick(env->gate, monotonic_ms()) : -1;
}

/* ---- accepting --------------------------------------------------------- */

static void
sockaddr_str(const struct sockaddr_storage *ss, socklen_t len, char *buf,
    size_t buflen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *h = host;

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, buflen, "unknown");
		return;
	}
	/* A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d. */
	if (strncmp(h, "::ffff:", 7) == 0 && strchr(h + 7, ':') == NULL)
		h += 7;
	snprintf(buf, buflen, "%.46s port %.5s", h, serv);
}

/*
 * A connection we will not serve: closed with a reset, so that it leaves
 * no TIME_WAIT behind, and before it costs a process.
 */
static void
close_at_once(int conn)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(conn, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(conn);
}

/*
 * Every connection is accepted, so that the backlog never fills up and
 * keeps an honest client out; the gate decides which ones may start
 * their processes, and the others are closed at once.
 */
static void
server_accept(struct guard_env *env, int index)
{
	struct sockaddr_storage remote;
	struct gate_key key;
	socklen_t rlen;
	struct peer *p;
	char name[64];
	int64_t now;
	int conn;

	for (;;) {
		rlen = sizeof(remote);
		conn = accept4(env->listen_fd[index],
		    (struct sockaddr *)&remote, &rlen, SOCK_CLOEXEC);
		if (conn == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		now = monotonic_ms();
		if (gate_key_of((struct sockaddr *)&remote, rlen, &key) == -1) {
			log_warnx("refusing a connection from address family "
			    "%d", remote.ss_family);
			close_at_once(conn);
			continue;
		}
		if (gate_admit(env->gate, &key, now) != GATE_OK) {
			close_at_once(conn);
			continue;
		}
		if ((p = guard_peer_alloc(env)) == NULL) {
			gate_refuse(env->gate, &key, GATE_PEERS, now);
			close_at_once(conn);
			continue;
		}
		sockaddr_str(&remote, rlen, name, sizeof(name));
		snprintf(p->remote, sizeof(p->remote), "%s", name);
		log_debug("connection from %s (slot %u)", name, p->id);
		/* Held before the start, which may release the slot again. */
		(void)gate_hold(env->gate, p->id, &key);
		(void)guard_peer_start(env, p, conn, NULL);
	}
}

static int
listen_one(const char *addr, uint16_t port, int dual)
{
	struct addrinfo hints, *res;
	char portstr[8];
	int fd, on = 1, v6only = !dual, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((e = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		log_warnx("listen address %s: %s", addr, gai_strerror(e));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		log_warn("socket");
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("listen on %s port %u", addr, port);
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
listen_all(struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	int i;

	if (c->nlisten == 0) {
		/* One dual-stack socket for every address of the host. */
		if ((env->listen_fd[0] = listen_one("::", c->port, 1)) == -1)
			return -1;
		env->nlisten = 1;
	}
	for (i = 0; i < c->nlisten; i++) {
		if ((env->listen_fd[i] = listen_one(c->listen[i], c->port, 0)) ==
		    -1)
			return -1;
		env->nlisten = i + 1;
	}
	for (i = 0; i < env->nlisten; i++)
		if (guard_watch(env, env->listen_fd[i], EV_LISTEN, (uint32_t)i,
		    0) == -1)
			return -1;
	return 0;
}

/* ---- start-up ---------------------------------------------------------- */

/* The server's own tunnel addresses: the first host of each pool. */
static int
tunnel_setup(struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	struct imsg_router_link link = { .mtu = (uint32_t)c->mtu, .up = 1 };
	struct imsg_router_addr ra;

	if (guard_router_request(env, IMSG_ROUTER_LINK, &link,
	    sizeof(link)) == -1)
		return -1;
	if (c->pool4.family) {
		pool_server_addr(&c->pool4, &ra.addr);
		if (guard_router_request(env, IMSG_ROUTER_ADDR, &ra,
		    sizeof(ra)) == -1)
			return -1;
	}
	if (c->pool6.family) {
		pool_server_addr(&c->pool6, &ra.addr);
		if (guard_router_request(env, IMSG_ROUTER_ADDR, &ra,
		    sizeof(ra)) == -1)
			return -1;
	}
	return 0;
}

static const struct guard_ops server_ops = {
	.route = server_route,
	.ctl_msg = server_ctl_msg,
	.worker_ready = server_worker_ready,
	.peer_gone = server_peer_gone,
	.accept = server_accept,
	.tick = server_tick,
};

static void
log_start(const struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	char p4[PREFIX_STRLEN] = "none", p6[PREFIX_STRLEN] = "none";

	if (c->pool4.family)
		prefix_fmt(&c->pool4, p4, sizeof(p4));
	if (c->pool6.family)
		prefix_fmt(&c->pool6, p6, sizeof(p6));
	log_info("guardd %s on %s: port %u, pool4 %s, pool6 %s, mtu %d, "
	    "max-peers %d", GUARD_VERSION, c->dev, c->port, p4, p6, c->mtu,
	    c->max_peers);
	log_info("connections: max-pending %d, max-pending-per-source %d, "
	    "connect-rate %d/s, connect-burst %d, handshake-seconds %d",
	    c->max_pending, c->max_pending_per_source, c->connect_rate,
	    c->connect_burst, c->handshake_seconds);
}

static void
gate_log(void *arg, const char *line)
{
	(void)arg;
	log_warnx("%s", line);
}

/* The gate, with a hash seed nobody outside can guess. 0 or -1. */
static int
gate_setup(struct guard_env *env, struct gate *g)
{
	const struct guard_conf *c = env->conf;
	struct gate_limits lim;
	uint32_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint32_t)monotonic_ms() ^ (uint32_t)getpid();
	memset(&lim, 0, sizeof(lim));
	lim.max_pending = c->max_pending;
	lim.max_pending_per_source = c->max_pending_per_source;
	lim.connect_rate = c->connect_rate;
	lim.connect_burst = c->connect_burst;
	lim.max_peers = c->max_peers;
	if (gate_init(g, &lim, seed, gate_log, NULL) == -1) {
		log_warnx("cannot set up the connection limits (out of "
		    "memory?)");
		return -1;
	}
	env->gate = g;
	return 0;
}

int
guardd_main(int argc, char **argv)
{
	static struct guard_conf conf;
	static struct guard_env env;
	static struct gate gate;
	char err[CONF_ERR_MAX];
	int r, ready = -1;

	if ((r = conf_load(&conf, ROLE_SERVER, argc, argv, err,
	    sizeof(err))) != 0) {
		if (r == 1)
			return 0;
		fprintf(stderr, "guardd: %s\n", err);
		return 1;
	}
	/* Load the certificates once now, so that mistakes show at once. */
	if (tls_files_check(ROLE_SERVER, conf.ca, conf.cert, conf.key, conf.crl, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "guardd: %s\n", err);
		return 1;
	}
	if (conf.configtest) {
		printf("guardd: configuration OK\n");
		return 0;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "guardd: must be started as root\n");
		return 1;
	}
	/* Pools against the host's own networks, before anything changes. */
	if (hostnet_check_pools(&conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "guardd: %s\n", err);
		return 1;
	}
	log_init(conf.foreground, conf.verbose, "guardd");
	log_procinit("guard");
	if (!conf.foreground)
		ready = guard_daemonize("guardd");
	if (guard_setup(&env, &conf, &server_ops, (size_t)conf.max_peers) ==
	    -1 || peertab_init(&env.tab, 2 * (size_t)conf.max_peers) == -1 ||
	    gate_setup(&env, &gate) == -1)
		goto fail;
	if (conf.pool4.family && (env.pool4 = pool4_new(&conf.pool4)) == NULL)
		goto fail;
	if (tunnel_setup(&env) == -1 || listen_all(&env) == -1 ||
	    control_open(&env) == -1 || guard_drop_privileges(&env) == -1)
		goto fail;
	log_start(&env);
	guard_ready(&ready, 0);
	guard_loop(&env);
	guard_cleanup(&env);
	gate_free(&gate);
	log_info("stopped");
	return env.exit_status;
fail:
	log_warnx("start-up failed; undoing");
	guard_cleanup(&env);
	gate_free(&gate);
	guard_ready(&ready, 1);
	return 1;
}

/*
 * Guard client front end: tunclient.
 *
 * The same machinery as the server with a single peer: it resolves and
 * reaches the server before it changes anything on the host, then starts
 * the routing helper, one tcpctl and one udpdata, applies the addresses
 * and routes the server pushed, and sends everything the TUN device gives
 * it to the server. On exit the routing helper removes all it added.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "client.h"
#include "conf.h"
#include "control.h"
#include "guard.h"
#include "log.h"
#include "tcpctl.h"
#include "tls.h"
#include "util.h"

enum {
	CONNECT_TIMEOUT_MS = 10000,
	RECONNECT_TIMEOUT_MS = 5000,
	BACKOFF_FIRST_MS = 1000,
	BACKOFF_MAX_MS = 60000,
	EXIT_SESSION_ENDED = 2,
};

/* ---- reaching the server ----------------------------------------------- */

static int
connect_timeout(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			r = poll(&pfd, 1, timeout_ms);
		} while (r == -1 && errno == EINTR);
		if (r == 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		if (r == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1 || err != 0)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = err ? err : errno;
	return -1;
}

static void
remember_server(struct prefix *srv, const struct addrinfo *ai)
{
	memset(srv, 0, sizeof(*srv));
	srv->family = (uint8_t)ai->ai_family;
	if (ai->ai_family == AF_INET) {
		memcpy(srv->addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
		    4);
		srv->plen = 32;
	} else {
		memcpy(srv->addr,
		    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		srv->plen = 128;
	}
}

/* Resolve one server and connect to the first of its addresses that answers. */
static int
connect_one(const char *name, uint16_t portnum, struct prefix *srv,
    int timeout_ms)
{
	struct addrinfo hints, *res, *ai;
	char port[8], host[NI_MAXHOST];
	int fd = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", portnum);
	if ((e = getaddrinfo(name, port, &hints, &res)) != 0) {
		log_warnx("cannot resolve %s: %s", name, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host,
		    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "?");
		if ((fd = connect_timeout(ai, timeout_ms)) == -1)
			log_warnx("cannot connect to %s (%s) port %s: %s",
			    name, host, port, strerror(errno));
		else
			remember_server(srv, ai);
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * The servers in the order given, each resolved afresh: the first that
 * answers is used, and *index says which.
 */
static int
server_connect(const struct guard_conf *c, struct prefix *srv, int timeout_ms,
    int *index)
{
	int i, fd;

	for (i = 0; i < c->npeer_host; i++) {
		fd = connect_one(c->peer_host[i], c->peer_port[i], srv,
		    timeout_ms);
		if (fd != -1) {
			*index = i;
			return fd;
		}
	}
	return -1;
}

/* The server of this session, and the name its certificate must carry. */
static const char *
server_host(const struct guard_env *env)
{
	return env->conf->peer_host[env->server_index];
}

static const char *
server_cert_name(const struct guard_env *env)
{
	return env->conf->server_name[0] != '\0' ? env->conf->server_name :
	    server_host(env);
}

/* ---- peers ------------------------------------------------------------- */

static struct peer *
client_route(struct guard_env *env, int family, const uint8_t *dst)
{
	struct peer *p = &env->peers[0];

	(void)family;
	(void)dst;
	return p->state == PEER_UP ? p : NULL;
}

static int
valid_address(const struct prefix *a, int family)
{
	if (a->family == 0)
		return 1;
	if (a->family != family)
		return 0;
	return family == AF_INET ? a->plen >= 1 && a->plen <= 32 :
	    a->plen >= 1 && a->plen <= 128;
}

static int
config_valid(const struct imsg_client_config *cc)
{
	int i;

	if (!valid_address(&cc->addr4, AF_INET) ||
	    !valid_address(&cc->addr6, AF_INET6) ||
	    (cc->addr4.family == 0 && cc->addr6.family == 0) ||
	    cc->mtu < GUARD_MIN_MTU || cc->mtu > GUARD_MAX_MTU ||
	    cc->nroutes > CTL_MAX_ROUTES || cc->ndns > CTL_MAX_DNS)
		return 0;
	for (i = 0; i < cc->nroutes; i++)
		if (!valid_address(&cc->routes[i], cc->routes[i].family) ||
		    cc->routes[i].family == 0)
			return 0;
	return 1;
}

static int
add_address(struct guard_env *env, const struct prefix *a)
{
	struct imsg_router_addr ra;

	if (a->family == 0)
		return 0;
	ra.addr = *a;
	return guard_router_request(env, IMSG_ROUTER_ADDR, &ra, sizeof(ra));
}

/* The subnet an address lies in, as a source prefix for the worker. */
static struct prefix
subnet_of(const struct prefix *a)
{
	struct prefix p = *a;
	size_t i, len = a->family == AF_INET ? 4 : 16;

	for (i = 0; i < len; i++) {
		unsigned int bits = i * 8 >= p.plen ? 0 :
		    p.plen - i * 8 >= 8 ? 8 : p.plen - i * 8;

		p.addr[i] &= (uint8_t)(0xff00 >> bits);
	}
	return p;
}

/*
 * Routes: each pushed route is installed unless it would carry the
 * tunnel's own packets to the server into the tunnel.
 */
static void
add_routes(struct guard_env *env, const struct imsg_client_config *cc,
    struct imsg_worker_config *wc)
{
	const struct prefix *srv = &env->server_addr;
	struct imsg_router_route rr;
	char buf[PREFIX_STRLEN], sbuf[PREFIX_STRLEN];
	int i;

	for (i = 0; i < cc->nroutes; i++) {
		prefix_fmt(&cc->routes[i], buf, sizeof(buf));
		if (prefix_contains(&cc->routes[i], srv->family, srv->addr)) {
			log_warnx("not installing pushed route %s: it covers "
			    "the server's address %s", buf, addr_fmt(
			    srv->family, srv->addr, sbuf, sizeof(sbuf)));
			continue;
		}
		rr.dst = cc->routes[i];
		if (guard_router_request(env, IMSG_ROUTER_ROUTE, &rr,
		    sizeof(rr)) == -1) {
			log_warnx("pushed route %s not installed", buf);
			continue;
		}
		wc->prefix[wc->nprefix++] = cc->routes[i];
	}
}

/* Addresses, MTU and routes as the server pushed them, onto the host. */
static int
apply_to_host(struct guard_env *env, const struct imsg_client_config *cc,
    struct imsg_worker_config *wc)
{
	struct imsg_router_link link = { .mtu = cc->mtu, .up = 1 };

	if (guard_router_request(env, IMSG_ROUTER_LINK, &link,
	    sizeof(link)) == -1 || add_address(env, &cc->addr4) == -1 ||
	    add_address(env, &cc->addr6) == -1)
		return -1;
	memset(wc, 0, sizeof(*wc));
	if (cc->addr4.family)
		wc->prefix[wc->nprefix++] = subnet_of(&cc->addr4);
	if (cc->addr6.family)
		wc->prefix[wc->nprefix++] = subnet_of(&cc->addr6);
	add_routes(env, cc, wc);
	return 0;
}

static int
same_config(const struct imsg_client_config *a,
    const struct imsg_client_config *b)
{
	return memcmp(&a->addr4, &b->addr4, sizeof(a->addr4)) == 0 &&
	    memcmp(&a->addr6, &b->addr6, sizeof(a->addr6)) == 0 &&
	    a->mtu == b->mtu && a->nroutes == b->nroutes &&
	    memcmp(a->routes, b->routes, a->nroutes * sizeof(a->routes[0])) ==
	    0;
}

static int
apply_config(struct guard_env *env, struct peer *p,
    const struct imsg_client_config *cc)
{
	struct imsg_worker_config *wc = &env->sources;
	char a4[PREFIX_STRLEN] = "-", a6[PREFIX_STRLEN] = "-", d[PREFIX_STRLEN];
	int i;

	/*
	 * After a reconnect the host usually has all of it already. When
	 * the server hands out something else, the routing helper first
	 * takes back everything it did.
	 */
	if (!env->have_applied || !same_config(&env->applied, cc)) {
		if (env->have_applied && guard_router_reset(env) == -1)
			return -1;
		env->have_applied = 0;
		if (apply_to_host(env, cc, wc) == -1)
			return -1;
		env->applied = *cc;
		env->have_applied = 1;
	}
	for (i = 0; i < cc->ndns; i++)
		log_info("server offers DNS server %s (not applied to this "
		    "host's resolver)", addr_fmt(cc->dns[i].family,
		    cc->dns[i].addr, d, sizeof(d)));
	if (imsg_send(p->data_sock, IMSG_WORKER_CONFIG, p->id, wc,
	    sizeof(*wc), -1) == -1 ||
	    imsg_send(p->ctl_sock, IMSG_CLIENT_UP, p->id, NULL, 0, -1) == -1)
		return -1;
	env->backoff_ms = BACKOFF_FIRST_MS;
	if (cc->addr4.family)
		prefix_fmt(&cc->addr4, a4, sizeof(a4));
	if (cc->addr6.family)
		prefix_fmt(&cc->addr6, a6, sizeof(a6));
	log_info("connected to %s: %s %s, mtu %u, %u route(s)",
	    server_host(env), a4, a6, cc->mtu, wc->nprefix -
	    (cc->addr4.family != 0) - (cc->addr6.family != 0));
	return 0;
}

static int
client_ctl_msg(struct guard_env *env, struct peer *p, struct imsg *m)
{
	struct imsg_client_config cc;

	if (m->hdr.type != IMSG_CLIENT_CONFIG || p->have_config ||
	    imsg_get(m, &cc, sizeof(cc)) == -1 || !config_valid(&cc))
		return -1;
	p->have_config = 1;
	if (apply_config(env, p, &cc) == -1) {
		/* Logged where it failed; the next session may do better. */
		guard_peer_teardown(env, p, "cannot apply its configuration",
		    0);
		return 0;
	}
	p->state = PEER_UP;
	return 0;
}

static void
client_worker_ready(struct guard_env *env, struct peer *p)
{
	(void)env;
	(void)p;
}

/* The next wait: doubling up to a minute, with a quarter of jitter. */
static long
backoff_next(struct guard_env *env)
{
	long wait = env->backoff_ms, jitter = wait / 4;
	uint32_t r;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) == 1 && jitter > 0)
		wait += (long)(r % (uint32_t)(2 * jitter + 1)) - jitter;
	env->backoff_ms = env->backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS : env->backoff_ms * 2;
	return wait;
}

static void
reconnect_schedule(struct guard_env *env)
{
	long wait = backoff_next(env);

	env->reconnect_at = monotonic_ms() + wait;
	log_info("reconnecting in %.1f s", (double)wait / 1000);
}

/*
 * The session is over. The tunnel stays, and the client tries again,
 * unless the server refused us for good (certificate) or a newer
 * session of ours took over.
 */
static void
client_peer_gone(struct guard_env *env, struct peer *p)
{
	if (env->quit)
		return;
	if (WIFEXITED(p->ctl_status) &&
	    WEXITSTATUS(p->ctl_status) == TCPCTL_EXIT_REFUSED) {
		log_warnx("the server refused this client; not trying again");
		env->exit_status = EXIT_SESSION_ENDED;
		env->quit = 1;
		return;
	}
	reconnect_schedule(env);
}

static int
client_reconnect(struct guard_env *env)
{
	struct prefix srv;
	struct peer *p;
	int conn;

	env->reconnect_at = 0;
	if ((conn = server_connect(env->conf, &srv, RECONNECT_TIMEOUT_MS,
	    &env->server_index)) == -1) {
		reconnect_schedule(env);
		return -1;
	}
	env->server_addr = srv;
	if ((p = guard_peer_alloc(env)) == NULL) {
		close(conn);
		reconnect_schedule(env);
		return -1;
	}
	snprintf(p->remote, sizeof(p->remote), "server %.50s",
	    server_host(env));
	if (guard_peer_start(env, p, conn, server_cert_name(env)) == -1)
		return -1;
	return 0;
}

static int
client_tick(struct guard_env *env)
{
	long left;

	if (env->reconnect_at == 0)
		return -1;
	if ((left = env->reconnect_at - monotonic_ms()) > 0)
		return (int)left;
	(void)client_reconnect(env);
	if (env->reconnect_at == 0)
		return -1;
	return (int)(env->reconnect_at - monotonic_ms());
}

static const struct guard_ops client_ops = {
	.route = client_route,
	.ctl_msg = client_ctl_msg,
	.worker_ready = client_worker_ready,
	.peer_gone = client_peer_gone,
	.accept = NULL,
	.tick = client_tick,
};

int
tunclient_main(int argc, char **argv)
{
	static struct guard_conf conf;
	static struct guard_env env;
	char err[CONF_ERR_MAX];
	struct prefix srv;
	struct peer *p;
	int r, conn, ready = -1, index = 0;

	if ((r = conf_load(&conf, ROLE_CLIENT, argc, argv, err,
	    sizeof(err))) != 0) {
		if (r == 1)
			return 0;
		fprintf(stderr, "tunclient: %s\n", err);
		return 1;
	}
	/* Load the certificates once now, so that mistakes show at once. */
	if (tls_files_check(ROLE_CLIENT, conf.ca, conf.cert, conf.key, conf.crl, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "tunclient: %s\n", err);
		return 1;
	}
	if (conf.configtest) {
		printf("tunclient: configuration OK\n");
		return 0;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "tunclient: must be started as root\n");
		return 1;
	}
	/* Reach the server before anything on this host changes. */
	if ((conn = server_connect(&conf, &srv, CONNECT_TIMEOUT_MS,
	    &index)) == -1)
		return 1;
	log_init(conf.foreground, conf.verbose, "tunclient");
	log_procinit("guard");
	if (!conf.foreground)
		ready = guard_daemonize("tunclient");
	if (guard_setup(&env, &conf, &client_ops, 1) == -1) {
		close(conn);
		goto fail;
	}
	env.server_addr = srv;
	env.server_index = index;
	env.backoff_ms = BACKOFF_FIRST_MS;
	if (control_open(&env) == -1 || guard_drop_privileges(&env) == -1) {
		close(conn);
		goto fail;
	}
	p = guard_peer_alloc(&env);
	snprintf(p->remote, sizeof(p->remote), "server %.50s",
	    server_host(&env));
	if (guard_peer_start(&env, p, conn, server_cert_name(&env)) == -1)
		goto fail;
	guard_ready(&ready, 0);
	guard_loop(&env);
	guard_cleanup(&env);
	log_info("stopped");
	return env.exit_status;
fail:
	log_warnx("start-up failed; undoing");
	guard_cleanup(&env);
	guard_ready(&ready, 1);
	return 1;
}

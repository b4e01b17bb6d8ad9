/*
 * Guard routing helper. See router.h.
 *
 * The helper answers every request from GUARD with IMSG_ROUTER_RESULT and
 * keeps a ledger of what it changed. However it ends (GUARD closing its
 * socket, SIGTERM, GUARD dying, a malformed message) it first takes every
 * change back, so the host is left as it was found.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "imsg.h"
#include "ledger.h"
#include "log.h"
#include "netlink.h"
#include "proto.h"
#include "router.h"
#include "sandbox.h"

enum {
	ROUTER_WHAT_MAX = 96,	/* text of one request for log lines */
	ROUTER_MAX_FILES = 8,	/* GUARD's socket, netlink, signalfd */
};

struct router {
	struct router_env *env;
	struct ledger ledger;
	int sigfd;
};

/* What one undo took back, for the closing log line. */
struct router_tally {
	int ifindex;
	int routes;
	int addrs;
};

/* ---- Policy -------------------------------------------------------------- */

/*
 * Ranges that never belong on a tunnel device and are never routed into
 * one. An address is checked as a host; a route's destination when it
 * lies inside the range (a route to 128.0.0.0/1 is fine, one to
 * 224.0.0.0/4 is not).
 */
static const struct special_range {
	struct prefix range;
	const char *why;
} special_ranges[] = {
	{ { .family = AF_INET, .plen = 8 }, "unspecified (0.0.0.0/8)" },
	{ { .family = AF_INET, .plen = 8, .addr = { 127 } },
	    "in the loopback range" },
	{ { .family = AF_INET, .plen = 16, .addr = { 169, 254 } },
	    "in the link-local range" },
	{ { .family = AF_INET, .plen = 4, .addr = { 224 } },
	    "in the multicast range" },
	{ { .family = AF_INET, .plen = 32, .addr = { 255, 255, 255, 255 } },
	    "the broadcast address" },
	{ { .family = AF_INET6, .plen = 128 }, "unspecified (::)" },
	{ { .family = AF_INET6, .plen = 128, .addr = { [15] = 1 } },
	    "the loopback address" },
	{ { .family = AF_INET6, .plen = 10, .addr = { 0xfe, 0x80 } },
	    "in the link-local range" },
	{ { .family = AF_INET6, .plen = 8, .addr = { 0xff } },
	    "in the multicast range" },
};

static unsigned int
max_plen(int family)
{
	return (unsigned int)addr_len(family) * 8;
}

/* Why the prefix of this length lies in a special range, or NULL. */
static const char *
special_range(int family, const uint8_t *addr, unsigned int plen)
{
	const struct special_range *s;
	size_t i;

	for (i = 0; i < sizeof(special_ranges) / sizeof(special_ranges[0]);
	    i++) {
		s = &special_ranges[i];
		if (plen >= s->range.plen &&
		    prefix_contains(&s->range, family, addr))
			return s->why;
	}
	return NULL;
}

/* 1 when every bit of the address past the prefix length equals bit. */
static int
host_bits_all(const struct prefix *p, unsigned int bit)
{
	unsigned int i;

	for (i = p->plen; i < max_plen(p->family); i++)
		if (((p->addr[i / 8] >> (7 - i % 8)) & 1) != bit)
			return 0;
	return 1;
}

static int
check_shape(const struct prefix *p, unsigned int min_plen, const char **why)
{
	if (addr_len(p->family) == 0) {
		*why = "not an IPv4 or IPv6 prefix";
		return EINVAL;
	}
	if (p->plen < min_plen || p->plen > max_plen(p->family)) {
		*why = "prefix length out of range";
		return EINVAL;
	}
	return 0;
}

static int
check_link(const struct imsg_router_link *link, const char **why)
{
	if (link->mtu != 0 &&
	    (link->mtu < GUARD_MIN_MTU || link->mtu > GUARD_MAX_MTU)) {
		*why = "MTU outside 1280..9000";
		return EINVAL;
	}
	if (link->up > 1) {
		*why = "link state neither up nor down";
		return EINVAL;
	}
	return 0;
}

/*
 * Inside one of the allowed prefixes, subnet included: the kernel adds a
 * route for the address's subnet, and that must not reach past the pool.
 */
static int
addr_allowed(const struct router_env *env, const struct prefix *a)
{
	const struct prefix *pool;
	int i;

	for (i = 0; i < env->nallowed_addr; i++) {
		pool = &env->allowed_addr[i];
		if (a->plen >= pool->plen &&
		    prefix_contains(pool, a->family, a->addr))
			return 1;
	}
	return 0;
}

static int
check_addr(const struct router_env *env, const struct prefix *a, int naddr,
    const char **why)
{
	const char *special;
	int error;

	if ((error = check_shape(a, 1, why)) != 0)
		return error;
	special = special_range(a->family, a->addr, max_plen(a->family));
	if (special != NULL) {
		*why = special;
		return EPERM;
	}
	if (a->family == AF_INET && a->plen <= 30 && host_bits_all(a, 1)) {
		*why = "the subnet's broadcast address";
		return EPERM;
	}
	if (env->nallowed_addr > 0 && !addr_allowed(env, a)) {
		*why = "outside the address pools";
		return EPERM;
	}
	if (naddr >= ROUTER_MAX_ADDRS) {
		*why = "the device has as many addresses as allowed";
		return ENOSPC;
	}
	return 0;
}

static int
check_route(const struct router_env *env, const struct prefix *dst,
    const char **why)
{
	const char *special;
	int error;

	if ((error = check_shape(dst, 0, why)) != 0)
		return error;
	if (!host_bits_all(dst, 0)) {
		*why = "host bits set";
		return EINVAL;
	}
	if (dst->plen == 0 && !env->allow_default_route) {
		*why = "default route not allowed";
		return EPERM;
	}
	if ((special = special_range(dst->family, dst->addr, dst->plen)) !=
	    NULL) {
		*why = special;
		return EPERM;
	}
	return 0;
}

int
router_check(const struct router_env *env, const struct router_req *req,
    int naddr, const char **why)
{
	switch (req->type) {
	case IMSG_ROUTER_LINK:
		return check_link(&req->u.link, why);
	case IMSG_ROUTER_ADDR:
		return check_addr(env, &req->u.addr.addr, naddr, why);
	case IMSG_ROUTER_ROUTE:
		return check_route(env, &req->u.route.dst, why);
	default:
		*why = "not a request";
		return EINVAL;
	}
}

/*
 * What GUARD may send the helper once it runs: each type with the exact
 * size of its struct, never with a descriptor. ROUTER_INIT came before
 * the loop and may not come again.
 */
static const struct router_permit {
	uint32_t type;
	size_t len;
} router_permits[] = {
	{ IMSG_ROUTER_LINK, sizeof(struct imsg_router_link) },
	{ IMSG_ROUTER_ADDR, sizeof(struct imsg_router_addr) },
	{ IMSG_ROUTER_ROUTE, sizeof(struct imsg_router_route) },
	{ IMSG_ROUTER_RESET, sizeof(struct imsg_router_reset) },
};

int
router_decode(const struct imsg *m, struct router_req *req)
{
	size_t i;

	memset(req, 0, sizeof(*req));
	if (m->fd != -1)
		return -1;
	for (i = 0; i < sizeof(router_permits) / sizeof(router_permits[0]);
	    i++)
		if (router_permits[i].type == m->hdr.type)
			break;
	if (i == sizeof(router_permits) / sizeof(router_permits[0]))
		return -1;
	req->type = m->hdr.type;
	return imsg_get(m, &req->u, router_permits[i].len);
}

/* ---- Changes and their undo ------------------------------------------- */

static const char *
router_req_fmt(const struct router_req *req, char *buf, size_t len)
{
	char text[PREFIX_STRLEN];

	switch (req->type) {
	case IMSG_ROUTER_LINK:
		if (req->u.link.mtu != 0)
			snprintf(buf, len, "set link %s mtu %u",
			    req->u.link.up ? "up" : "down", req->u.link.mtu);
		else
			snprintf(buf, len, "set link %s",
			    req->u.link.up ? "up" : "down");
		break;
	case IMSG_ROUTER_ADDR:
		snprintf(buf, len, "add address %s",
		    prefix_fmt(&req->u.addr.addr, text, sizeof(text)));
		break;
	case IMSG_ROUTER_RESET:
		snprintf(buf, len, "take back every change");
		break;
	default:
		snprintf(buf, len, "add route %s",
		    prefix_fmt(&req->u.route.dst, text, sizeof(text)));
		break;
	}
	return buf;
}

static void router_undo(struct router *r);

/* Apply one decoded request; returns 0 or a positive errno for GUARD. */
static int
router_request(struct router *r, const struct router_req *req)
{
	const struct router_env *env = r->env;
	const struct prefix *p = NULL;
	enum ledger_kind kind = LEDGER_LINK_UP;
	char what[ROUTER_WHAT_MAX];
	const char *why;
	int error, record, rc;

	router_req_fmt(req, what, sizeof(what));
	if (req->type == IMSG_ROUTER_RESET) {
		if (req->u.reset.zero != 0)
			return EINVAL;
		router_undo(r);
		return 0;
	}
	if (req->type == IMSG_ROUTER_ADDR) {
		kind = LEDGER_ADDR;
		p = &req->u.addr.addr;
	} else if (req->type == IMSG_ROUTER_ROUTE) {
		kind = LEDGER_ROUTE;
		p = &req->u.route.dst;
	}

	/* Asking again for what is done already is not an error. */
	if (p != NULL && ledger_find(&r->ledger, kind, p)) {
		log_debug("%s dev %s: done already", what, env->ifname);
		return 0;
	}
	error = router_check(env, req, ledger_count(&r->ledger, LEDGER_ADDR),
	    &why);
	if (error != 0) {
		log_warnx("refused %s dev %s: %s", what, env->ifname, why);
		return error;
	}

	/* A link brought up many times is still brought down once. */
	record = p != NULL || (req->u.link.up &&
	    !ledger_find(&r->ledger, LEDGER_LINK_UP, NULL));
	if (record && ledger_full(&r->ledger)) {
		log_warnx("refused %s dev %s: the ledger of changes is full",
		    what, env->ifname);
		return ENOSPC;
	}

	if (kind == LEDGER_ADDR)
		rc = net_addr(1, env->ifindex, p);
	else if (kind == LEDGER_ROUTE)
		rc = net_route(1, env->ifindex, p);
	else
		rc = net_link_set(env->ifindex, (int)req->u.link.mtu,
		    (int)req->u.link.up);
	if (rc < 0)
		return -rc;		/* net_* logged it */
	if (record)
		ledger_add(&r->ledger, kind, p);
	log_debug("%s dev %s", what, env->ifname);
	return 0;
}

/*
 * Take one change back. Something already gone counts as removed: the
 * kernel took it with the device or with the address it depended on.
 */
static void
router_undo_one(enum ledger_kind kind, const struct prefix *p, void *arg)
{
	struct router_tally *t = arg;
	int rc;

	switch (kind) {
	case LEDGER_ROUTE:
		rc = net_route(0, t->ifindex, p);
		if (rc == 0 || net_gone(rc))
			t->routes++;
		break;
	case LEDGER_ADDR:
		rc = net_addr(0, t->ifindex, p);
		if (rc == 0 || net_gone(rc))
			t->addrs++;
		break;
	case LEDGER_LINK_UP:
		net_link_set(t->ifindex, 0, 0);
		break;
	}
}

static void
router_undo(struct router *r)
{
	struct router_tally t = { r->env->ifindex, 0, 0 };

	ledger_undo(&r->ledger, router_undo_one, &t);
	log_info("removed %d routes and %d addresses", t.routes, t.addrs);
}

/* Undo everything and return the exit status. */
static int
router_stop(struct router *r, int status)
{
	router_undo(r);
	if (r->sigfd != -1)
		close(r->sigfd);
	r->sigfd = -1;
	net_close();
	return status;
}

static void router_fatal(struct router *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* GUARD broke the protocol or the helper cannot go on: undo and die. */
static void
router_fatal(struct router *r, const char *fmt, ...)
{
	char msg[IMSG_LOG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	exit(router_stop(r, 1));
}

/* ---- Event loop ---------------------------------------------------------- */

/* Handle one message from GUARD; -1 when GUARD is gone. */
static int
router_dispatch_guard(struct router *r, struct imsg *m)
{
	struct router_req req;
	struct imsg_router_result res;
	int had_fd = m->fd != -1;

	if (router_decode(m, &req) == -1) {
		if (had_fd)
			close(m->fd);
		router_fatal(r, "unexpected %s message from GUARD "
		    "(%zu bytes%s)", imsg_type_name(m->hdr.type),
		    imsg_datalen(m), had_fd ? ", with a descriptor" : "");
	}
	memset(&res, 0, sizeof(res));
	res.type = req.type;
	res.error = router_request(r, &req);
	if (imsg_send(r->env->sock, IMSG_ROUTER_RESULT, m->hdr.peerid, &res,
	    sizeof(res), -1) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			return -1;
		router_fatal(r, "send result to GUARD: %s", strerror(errno));
	}
	return 0;
}

/*
 * Block the signals that end the helper and read them from a descriptor
 * instead, so that each is handled between two requests, never inside one.
 */
static int
router_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* 1 when a pending signal asks the helper to stop. */
static int
router_signal(struct router *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_debug("SIGHUP: nothing to reload");
			continue;
		}
		log_debug("stopping on %s", strsignal((int)si.ssi_signo));
		return 1;
	}
	return 0;
}

/* Everything the loop needs before the first request; 0 or -1 (logged). */
static int
router_setup(struct router_env *env)
{
	int ifindex;

	if (env->nallowed_addr < 0 ||
	    env->nallowed_addr > ROUTER_MAX_ALLOWED) {
		log_warnx("%d address pools, at most %d allowed",
		    env->nallowed_addr, ROUTER_MAX_ALLOWED);
		return -1;
	}
	if (net_open() < 0)
		return -1;
	if (env->ifindex <= 0) {
		if ((ifindex = net_ifindex(env->ifname)) < 0)
			return -1;
		env->ifindex = ifindex;
	}
	return 0;
}

/*
 * Everything from here on goes through the open rtnetlink socket, so the
 * helper needs no root and no file system: its own uid in the chroot,
 * CAP_NET_ADMIN alone, its allowlist.
 */
static int
router_sandbox(const struct router_env *env)
{
	struct sandbox sb;

	memset(&sb, 0, sizeof(sb));
	sb.role = SANDBOX_ROUTER;
	sb.chroot_dir = env->chroot_dir;
	sb.uid = env->uid;
	sb.no_privdrop = env->no_privdrop;
	sb.max_files = ROUTER_MAX_FILES;
	sb.deathsig = SIGTERM;
	return sandbox_enter(&sb);
}

int
router_main(struct router_env *env)
{
	struct router r;
	struct pollfd pfd[2];
	struct imsg m;

	log_procinit("router");
	memset(&r, 0, sizeof(r));
	r.env = env;
	ledger_init(&r.ledger);
	if ((r.sigfd = router_signals()) == -1)
		fatal("signalfd");

	/*
	 * A helper that outlived GUARD would hold its changes forever: ask
	 * for SIGTERM when the parent dies, then make sure it had not died
	 * before that request was in place.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		fatal("prctl PR_SET_PDEATHSIG");
	if (getppid() == 1) {
		log_warnx("GUARD is gone already");
		return router_stop(&r, 0);
	}
	if (router_setup(env) == -1 || router_sandbox(env) == -1)
		return router_stop(&r, 1);

	for (;;) {
		pfd[0].fd = env->sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = r.sigfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			router_fatal(&r, "poll: %s", strerror(errno));
		}
		if ((pfd[1].revents & POLLIN) && router_signal(&r))
			return router_stop(&r, 0);
		if (pfd[0].revents & POLLNVAL)
			router_fatal(&r, "socket to GUARD is not open");
		if (pfd[0].revents == 0)
			continue;

		switch (imsg_recv(env->sock, &m)) {
		case 0:
			log_debug("GUARD closed its socket");
			return router_stop(&r, 0);
		case -1:
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNRESET)
				return router_stop(&r, 0);
			router_fatal(&r, "receive from GUARD: %s",
			    strerror(errno));
		default:
			break;
		}
		if (router_dispatch_guard(&r, &m) == -1)
			return router_stop(&r, 0);
	}
}

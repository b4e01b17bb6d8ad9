/*
 * Guard GUARD process: what guardd and tunclient share. See guard.h.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "caps.h"
#include "control.h"
#include "guard.h"
#include "gso.h"
#include "imsg.h"
#include "log.h"
#include "pkt.h"
#include "permit.h"
#include "proc.h"
#include "sandbox.h"
#include "tun.h"

_Static_assert(QMSG_HDR_LEN + GSO_FRAME_MAX <= 65536 + 64,
    "a queue message must hold the largest frame a TUN read returns");

enum {
	/*
	 * One queue message: a batch, or one frame read from TUN with
	 * offload (GSO_FRAME_MAX, a 64 KB segment and its headers).
	 */
	QUEUE_MSGSIZE = 65536 + 64,
	TUN_READ_MAX = QUEUE_MSGSIZE - QMSG_HDR_LEN,
	ROUTER_TIMEOUT_MS = 5000,
	CHILD_GRACE_MS = 2000,		/* from teardown to SIGKILL */
	EPOLL_BATCH = 64,
};

/* ---- small helpers ----------------------------------------------------- */

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L +
	    (now.tv_nsec - t->tv_nsec) / 1000000L;
}

static uint64_t
ev_tag(enum guard_ev kind, uint32_t index, uint32_t gen)
{
	return ((uint64_t)kind << 56) | ((uint64_t)(gen & 0xffffff) << 32) |
	    index;
}

int
guard_watch(struct guard_env *env, int fd, enum guard_ev kind, uint32_t index,
    uint32_t gen)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = ev_tag(kind, index, gen);
	if (epoll_ctl(env->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		return -1;
	}
	return 0;
}

uint32_t
guard_ctl_uid(const struct guard_conf *conf, const struct peer *p)
{
	return conf->worker_uid_first + 1 + 2 * (p->id - 1);
}

uint32_t
guard_data_uid(const struct guard_conf *conf, const struct peer *p)
{
	return conf->worker_uid_first + 2 + 2 * (p->id - 1);
}

static const char *
peer_name(const struct peer *p)
{
	if (p->have_hello)
		return p->hello.identity;
	return p->remote[0] ? p->remote : "peer";
}

/* GUARD's own ends never block: a child cannot stall the supervisor. */
static int
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("fcntl O_NONBLOCK");
		return -1;
	}
	return 0;
}

/* ---- set up ------------------------------------------------------------ */

static int
write_sysctl(const char *path, long value)
{
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "w")) == NULL) {
		log_warn("open %s", path);
		return -1;
	}
	if (fprintf(f, "%ld\n", value) < 0)
		rc = -1;
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == -1)
		log_warn("write %ld to %s", value, path);
	return rc;
}

/*
 * Queues live in an IPC namespace of our own: invisible to the host, and
 * with limits we may raise. Each worker creates its queue as its own uid,
 * so RLIMIT_MSGQUEUE (which we cannot raise) applies per queue.
 */
static int
queues_setup(struct guard_env *env, size_t npeers)
{
	const struct guard_conf *c = env->conf;
	struct rlimit rl;
	unsigned long need;

	env->queue_msgsize = QUEUE_MSGSIZE;
	need = (unsigned long)c->queue_depth * (QUEUE_MSGSIZE + 64);
	/*
	 * Without the privilege drop every queue belongs to one uid: its
	 * budget must hold them all. Children inherit the raised limit.
	 */
	if (c->no_privdrop) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)need * npeers;
		if (setrlimit(RLIMIT_MSGQUEUE, &rl) == -1 &&
		    getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY)
			log_warnx("insecure-no-privdrop: all queues share one "
			    "uid's RLIMIT_MSGQUEUE, which holds %lu of %zu; "
			    "lower queue-depth or raise the limit",
			    (unsigned long)(rl.rlim_cur / need), npeers);
	}
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && need > rl.rlim_cur) {
		log_warnx("queue-depth %d needs %lu bytes per queue, more than "
		    "RLIMIT_MSGQUEUE allows (%lu bytes per uid); lower "
		    "queue-depth or raise the limit", c->queue_depth, need,
		    (unsigned long)rl.rlim_cur);
		return -1;
	}
	if (unshare(CLONE_NEWIPC) == -1) {
		log_warn("unshare(CLONE_NEWIPC)");
		return -1;
	}
	if (write_sysctl("/proc/sys/fs/mqueue/msg_max", c->queue_depth) == -1 ||
	    write_sysctl("/proc/sys/fs/mqueue/msgsize_max", QUEUE_MSGSIZE) ==
	    -1 ||
	    write_sysctl("/proc/sys/fs/mqueue/queues_max", (long)npeers + 8) ==
	    -1)
		return -1;
	return 0;
}

static int
signals_setup(struct guard_env *env)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((env->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		log_warn("signalfd");
		return -1;
	}
	return 0;
}

static int
router_start(struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	struct imsg_router_init init;
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return -1;
	}
	env->router_pid = proc_spawn("router", 0, sp[1], -1, -1);
	close(sp[1]);
	if (env->router_pid == -1) {
		env->router_pid = 0;
		close(sp[0]);
		return -1;
	}
	env->router_sock = sp[0];
	memset(&init, 0, sizeof(init));
	snprintf(init.ifname, sizeof(init.ifname), "%s", c->dev);
	init.ifindex = env->ifindex;
	/* The first worker uid is the router's; peers use the ones after. */
	init.uid = c->worker_uid_first;
	init.no_privdrop = (uint32_t)c->no_privdrop;
	snprintf(init.chroot_dir, sizeof(init.chroot_dir), "%s", c->chroot_dir);
	if (c->role == ROLE_SERVER) {
		if (c->pool4.family)
			init.allowed_addr[init.nallowed_addr++] = c->pool4;
		if (c->pool6.family)
			init.allowed_addr[init.nallowed_addr++] = c->pool6;
	}
	if (imsg_send(env->router_sock, IMSG_ROUTER_INIT, 0, &init,
	    sizeof(init), -1) == -1) {
		log_warn("send ROUTER_INIT");
		return -1;
	}
	return 0;
}

/* ---- privileges ---------------------------------------------------------- */

/*
 * What GUARD's children start with before they drop (the bounding set):
 * a uid change and a chroot for every sandbox, a low UDP port for
 * udpdata, CAP_NET_ADMIN for udpdata's socket buffers and for the router,
 * which alone keeps it, CAP_KILL for GUARD itself.
 */
#define GUARD_CAPS_BOUND	(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | \
	CAPBIT(CAP_SYS_CHROOT) | CAPBIT(CAP_NET_BIND_SERVICE) | \
	CAPBIT(CAP_NET_ADMIN) | CAPBIT(CAP_KILL))
/* What GUARD itself uses once running: signals to workers' uids. */
#define GUARD_CAPS_KEEP		CAPBIT(CAP_KILL)
/*
 * What dropping privileges takes: a uid change and a chroot in each child,
 * and CAP_SETPCAP for GUARD to cut its own bounding set.
 */
#define GUARD_CAPS_DROP		(CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) | \
	CAPBIT(CAP_SYS_CHROOT) | CAPBIT(CAP_SETPCAP))

/*
 * Refuse to start children that could not drop privileges, unless
 * insecure-no-privdrop says to run them as GUARD's uid. 0 or -1 (logged).
 */
static int
privileges_check(const struct guard_conf *c)
{
	uint64_t missing = GUARD_CAPS_DROP & ~caps_effective();
	char names[128];

	if (missing == 0)
		return 0;
	caps_fmt(missing, names, sizeof(names));
	if (!c->no_privdrop) {
		log_warnx("cannot drop privileges for the workers: %s missing; "
		    "run as root with these capabilities, or set "
		    "insecure-no-privdrop to run the workers unchrooted as "
		    "uid %u", names, (unsigned int)getuid());
		return -1;
	}
	log_warnx("insecure-no-privdrop: %s missing, so the workers run as "
	    "uid %u without a chroot (seccomp and no_new_privs still apply)",
	    names, (unsigned int)getuid());
	return 0;
}

int
guard_drop_privileges(const struct guard_env *env)
{
	char keep[64];

	if (caps_bound(GUARD_CAPS_BOUND) == -1 && !env->conf->no_privdrop)
		return -1;
	if (caps_limit(GUARD_CAPS_KEEP) == -1)
		return -1;
	log_info("sandbox: router and workers chrooted to %s as uids %u-%u%s, "
	    "each under its seccomp allowlist; the router keeps "
	    "cap_net_admin, GUARD %s", env->conf->chroot_dir,
	    env->conf->worker_uid_first, env->conf->worker_uid_last,
	    env->conf->no_privdrop ? " (or unchanged: insecure-no-privdrop)" :
	    "", caps_fmt(caps_effective(), keep, sizeof(keep)));
	return 0;
}

int
guard_setup(struct guard_env *env, const struct guard_conf *conf,
    const struct guard_ops *ops, size_t npeers)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	env->conf = conf;
	env->ops = ops;
	env->tun_fd = env->epfd = env->sigfd = env->router_sock = -1;
	env->control_fd = -1;
	env->started = time(NULL);
	for (i = 0; i < CONF_MAX_LISTEN; i++)
		env->listen_fd[i] = -1;

	if (privileges_check(conf) == -1 || proc_init() == -1 ||
	    queues_setup(env, npeers) == -1 ||
	    sandbox_prepare_dir(conf->chroot_dir) == -1)
		return -1;
	if ((env->peers = calloc(npeers, sizeof(*env->peers))) == NULL ||
	    (env->tunbuf = malloc(QMSG_HDR_LEN + TUN_READ_MAX)) == NULL) {
		log_warn("peer table");
		return -1;
	}
	env->npeers = npeers;
	for (i = 0; i < npeers; i++) {
		env->peers[i].id = (uint32_t)i + 1;
		env->peers[i].ctl_sock = env->peers[i].data_sock = -1;
		env->peers[i].queue = (mqd_t)-1;
	}
	if ((env->tun_fd = tun_open(conf->dev, conf->offload, &env->ifindex,
	    &env->tun_features)) == -1 || signals_setup(env) == -1)
		return -1;
	log_info("%s: segmentation offload %s", conf->dev,
	    conf->offload ? tun_features_name(env->tun_features) :
	    "off (offload no)");
	if ((env->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	if (guard_watch(env, env->tun_fd, EV_TUN, 0, 0) == -1 ||
	    guard_watch(env, env->sigfd, EV_SIGNAL, 0, 0) == -1 ||
	    router_start(env) == -1)
		return -1;
	return 0;
}

/* ---- daemon ------------------------------------------------------------ */

int
guard_daemonize(const char *progname)
{
	int p[2], null;
	char status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "%s: pipe: %s\n", progname, strerror(errno));
		exit(1);
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "%s: fork: %s\n", progname, strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = 1;
		if (status != 0)
			fprintf(stderr, "%s: start-up failed; see the system "
			    "log\n", progname);
		exit(status);
	}
	close(p[0]);
	if (setsid() == -1 || chdir("/") == -1)
		exit(1);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return p[1];
}

void
guard_ready(int *ready_fd, int status)
{
	char c = (char)status;

	if (*ready_fd == -1)
		return;
	(void)write(*ready_fd, &c, 1);
	close(*ready_fd);
	*ready_fd = -1;
}

/* ---- child messages ---------------------------------------------------- */

/* Relay a child's log line; -1 when it is malformed. */
static int
relay_log(const struct imsg *m)
{
	struct imsg_log l;
	size_t len = imsg_datalen(m), i;

	if (len <= offsetof(struct imsg_log, text) || len > sizeof(l))
		return -1;
	memset(&l, 0, sizeof(l));
	memcpy(&l, m->data, len);
	len -= offsetof(struct imsg_log, text);
	if (l.text[len - 1] != '\0' || l.priority < LOG_EMERG ||
	    l.priority > LOG_DEBUG)
		return -1;
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)l.text[i] < 0x20 || l.text[i] == 0x7f)
			l.text[i] = '?';
	if (l.priority == LOG_DEBUG && log_getverbose() < 1)
		return 0;
	log_emit(l.priority, l.text);
	return 0;
}

static void
sock_close(int *sock)
{
	if (*sock != -1)
		close(*sock);
	*sock = -1;
}

/*
 * A child of a peer being torn down may still say something: relay its
 * log lines until it closes its end, then close ours.
 */
static void
drain_dying(int *sock)
{
	struct imsg m;
	int r;

	while (*sock != -1) {
		if ((r = imsg_recv(*sock, &m)) == -1 && errno == EAGAIN)
			return;
		if (r == 1 && m.fd != -1)
			close(m.fd);
		if (r == 1 && m.hdr.type == IMSG_LOG && m.fd == -1 &&
		    relay_log(&m) == 0)
			continue;
		/*
		 * Reports sent before the child learnt of its end are moot;
		 * closing on them would lose the log lines queued behind.
		 */
		if (r == 1 && (m.hdr.type == IMSG_WORKER_STATS ||
		    m.hdr.type == IMSG_PEER_EPOCH))
			continue;
		sock_close(sock);
	}
}

int
guard_router_request(struct guard_env *env, uint32_t type, const void *data,
    size_t len)
{
	struct pollfd pfd = { .fd = env->router_sock, .events = POLLIN };
	struct imsg_router_result res;
	struct imsg m;
	int r;

	if (imsg_send(env->router_sock, type, 0, data, len, -1) == -1) {
		log_warn("send %s to router", imsg_type_name(type));
		return -1;
	}
	for (;;) {
		do {
			r = poll(&pfd, 1, ROUTER_TIMEOUT_MS);
		} while (r == -1 && errno == EINTR);
		if (r <= 0) {
			log_warnx("router did not answer %s",
			    imsg_type_name(type));
			return -1;
		}
		if ((r = imsg_recv(env->router_sock, &m)) != 1) {
			log_warnx("router went away");
			return -1;
		}
		if (m.hdr.type == IMSG_LOG && relay_log(&m) == 0)
			continue;
		if (m.hdr.type != IMSG_ROUTER_RESULT ||
		    imsg_get(&m, &res, sizeof(res)) == -1 || res.type != type) {
			log_warnx("unexpected %s from router",
			    imsg_type_name(m.hdr.type));
			return -1;
		}
		if (res.error != 0) {
			log_warnx("router refused %s: %s",
			    imsg_type_name(type), strerror(res.error));
			return -1;
		}
		return 0;
	}
}

static void
router_dispatch(struct guard_env *env)
{
	struct imsg m;
	int r;

	r = imsg_recv(env->router_sock, &m);
	if (r == -1 && errno == EAGAIN)
		return;
	if (r == 1 && m.hdr.type == IMSG_LOG && relay_log(&m) == 0)
		return;
	if (r == 1)
		log_warnx("unexpected %s from router",
		    imsg_type_name(m.hdr.type));
	else
		log_warnx("router went away");
	epoll_ctl(env->epfd, EPOLL_CTL_DEL, env->router_sock, NULL);
	env->quit = 1;
	env->exit_status = 1;
}

/*
 * The permission table's verdict on one message from a peer's child, and
 * that it is this peer's (the header's peer id). 1 when allowed; else it
 * is logged, and the caller tears the peer down.
 */
static int
permitted(const struct guard_env *env, struct peer *p, enum permit_from from,
    const struct imsg *m)
{
	struct permit_query q;
	const char *why = "for another peer";

	memset(&q, 0, sizeof(q));
	q.role = env->conf->role;
	q.from = from;
	q.state = (int)p->state;
	q.type = m->hdr.type;
	q.has_fd = m->fd != -1;
	q.seen = p->seen;
	if (m->hdr.peerid == p->id && permit_check(&q, &why) == 0) {
		p->seen |= permit_seen_bit(m->hdr.type);
		return 1;
	}
	log_warnx("%s: %s sent %s %s", peer_name(p),
	    from == FROM_TCPCTL ? "tcpctl" : "udpdata",
	    imsg_type_name(m->hdr.type), why);
	return 0;
}

/*
 * Which data path the workers use: found by each at its start, logged
 * here once, and again only when a worker finds another.
 */
static void
data_path_log(struct guard_env *env, uint32_t offload)
{
	char buf[40];

	if (env->data_path_logged && env->data_path == offload)
		return;
	env->data_path_logged = 1;
	env->data_path = offload;
	log_info("data path: %s (%s, %s; TUN %s)",
	    worker_offload_str(offload, buf, sizeof(buf)),
	    offload & WORKER_UDP_GSO ? "datagrams sent in trains" :
	    "sendmmsg", offload & WORKER_UDP_GRO ? "received in trains" :
	    "recvmmsg", offload & WORKER_TUN_GRO ?
	    "segments cut and joined" : "one packet per read and write");
}

static void
data_dispatch(struct guard_env *env, struct peer *p)
{
	struct imsg m;
	struct imsg_worker_ready ready;
	int r;

	if (p->state == PEER_DYING) {
		drain_dying(&p->data_sock);
		return;
	}
	if ((r = imsg_recv(p->data_sock, &m)) == -1 && errno == EAGAIN)
		return;
	if (r == 0) {
		guard_peer_teardown(env, p, "udpdata closed its socket", 0);
		return;
	}
	if (r == -1) {
		guard_peer_teardown(env, p, "malformed message from udpdata",
		    1);
		return;
	}
	if (!permitted(env, p, FROM_UDPDATA, &m)) {
		if (m.fd != -1)
			close(m.fd);
		guard_peer_teardown(env, p, "protocol violation by udpdata", 1);
		return;
	}
	switch (m.hdr.type) {
	case IMSG_LOG:
		if (m.fd == -1 && relay_log(&m) == 0)
			return;
		break;
	case IMSG_WORKER_READY:
		if (p->state != PEER_STARTING || p->queue != (mqd_t)-1 ||
		    m.fd == -1 || imsg_get(&m, &ready, sizeof(ready)) == -1 ||
		    ready.queue_msgsize != env->queue_msgsize ||
		    ready.udp_port == 0)
			break;
		p->queue = (mqd_t)m.fd;
		p->queue_msgsize = ready.queue_msgsize;
		p->udp_port = ready.udp_port;
		env->ops->worker_ready(env, p);
		return;
	case IMSG_WORKER_STATS:
		if (m.fd == -1 && imsg_get(&m, &p->wstats,
		    sizeof(p->wstats)) == 0 && p->wstats.endpoint_len <=
		    sizeof(p->wstats.endpoint)) {
			data_path_log(env, p->wstats.offload);
			return;
		}
		memset(&p->wstats, 0, sizeof(p->wstats));
		break;
	default:
		break;
	}
	if (m.fd != -1)
		close(m.fd);
	log_warnx("%s: udpdata sent a bad %s", peer_name(p),
	    imsg_type_name(m.hdr.type));
	guard_peer_teardown(env, p, "protocol violation by udpdata", 1);
}

/* tcpctl reports each new epoch; they only ever go up. */
static int
note_epoch(struct peer *p, const struct imsg *m)
{
	struct imsg_peer_epoch e;

	if (p->state == PEER_FREE || imsg_get(m, &e, sizeof(e)) == -1 ||
	    e.epoch <= p->epoch)
		return -1;
	p->epoch = e.epoch;
	p->epoch_since = time(NULL);
	return 0;
}

static void
ctl_dispatch(struct guard_env *env, struct peer *p)
{
	struct imsg m;
	int r;

	if (p->state == PEER_DYING) {
		drain_dying(&p->ctl_sock);
		return;
	}
	if ((r = imsg_recv(p->ctl_sock, &m)) == -1 && errno == EAGAIN)
		return;
	if (r == 0) {
		guard_peer_teardown(env, p, "session ended", 0);
		return;
	}
	if (r == -1) {
		guard_peer_teardown(env, p, "malformed message from tcpctl", 1);
		return;
	}
	if (!permitted(env, p, FROM_TCPCTL, &m)) {
		if (m.fd != -1)
			close(m.fd);
		guard_peer_teardown(env, p, "protocol violation by tcpctl", 1);
		return;
	}
	if (m.hdr.type == IMSG_LOG && relay_log(&m) == 0)
		return;
	if (m.hdr.type == IMSG_PEER_EPOCH && note_epoch(p, &m) == 0)
		return;
	if (m.hdr.type != IMSG_LOG && m.hdr.type != IMSG_PEER_EPOCH &&
	    env->ops->ctl_msg(env, p, &m) == 0)
		return;
	log_warnx("%s: tcpctl sent a bad %s", peer_name(p),
	    imsg_type_name(m.hdr.type));
	guard_peer_teardown(env, p, "protocol violation by tcpctl", 1);
}

/* ---- peers ------------------------------------------------------------- */

struct peer *
guard_peer_by_id(struct guard_env *env, uint32_t id)
{
	if (id == 0 || id > env->npeers)
		return NULL;
	return &env->peers[id - 1];
}

/*
 * Slots are handed out round the table, starting after the last one
 * given, so a slot just freed is as a rule the last to be used again:
 * whatever its last holder's processes left in the kernel has had time
 * to go.
 */
struct peer *
guard_peer_alloc(struct guard_env *env)
{
	size_t i, k;

	for (k = 0; k < env->npeers; k++) {
		i = (env->next_slot + k) % env->npeers;
		if (env->peers[i].state == PEER_FREE) {
			env->next_slot = (i + 1) % env->npeers;
			return &env->peers[i];
		}
	}
	return NULL;
}

static void
peer_release(struct guard_env *env, struct peer *p)
{
	uint32_t id = p->id, gen = p->gen + 1;

	drain_dying(&p->ctl_sock);
	drain_dying(&p->data_sock);

	env->ops->peer_gone(env, p);
	free(p->batchbuf);
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->gen = gen;
	p->ctl_sock = p->data_sock = -1;
	p->queue = (mqd_t)-1;
	env->active--;
}

static int
send_inits(struct guard_env *env, struct peer *p,
    const struct sockaddr_storage *bind_addr, socklen_t bind_len,
    const char *server_name)
{
	const struct guard_conf *c = env->conf;
	static struct imsg_udpdata_init ui;
	static struct imsg_tcpctl_init ti;

	memset(&ui, 0, sizeof(ui));
	ui.role = c->role;
	ui.uid = guard_data_uid(c, p);
	ui.queue_depth = (uint32_t)c->queue_depth;
	ui.queue_msgsize = (uint32_t)env->queue_msgsize;
	ui.keepalive_seconds = (uint32_t)c->keepalive_seconds;
	ui.dead_peer_seconds = (uint32_t)c->dead_peer_seconds;
	ui.reject_after_seconds = (uint32_t)c->rekey_seconds +
	    REJECT_AFTER_EXTRA_SECONDS;
	ui.rekey_bytes = c->rekey_bytes;
	if (bind_len > 0) {
		memcpy(&ui.bind_addr, bind_addr, bind_len);
		ui.bind_len = bind_len;
	}
	ui.no_privdrop = (uint32_t)c->no_privdrop;
	ui.tun_vnet = (env->tun_features & TUN_VNET) != 0;
	ui.udp_offload = (uint32_t)c->offload;
	ui.socket_buffer = (uint32_t)c->socket_buffer;
	ui.batch = (uint32_t)c->batch;
	snprintf(ui.chroot_dir, sizeof(ui.chroot_dir), "%s", c->chroot_dir);

	memset(&ti, 0, sizeof(ti));
	ti.role = c->role;
	ti.uid = guard_ctl_uid(c, p);
	ti.rekey_seconds = (uint32_t)c->rekey_seconds;
	ti.keepalive_seconds = (uint32_t)c->keepalive_seconds;
	ti.dead_peer_seconds = (uint32_t)c->dead_peer_seconds;
	ti.no_privdrop = (uint32_t)c->no_privdrop;
	ti.handshake_seconds = (uint32_t)c->handshake_seconds;
	snprintf(ti.chroot_dir, sizeof(ti.chroot_dir), "%s", c->chroot_dir);
	snprintf(ti.ca, sizeof(ti.ca), "%s", c->ca);
	snprintf(ti.cert, sizeof(ti.cert), "%s", c->cert);
	snprintf(ti.key, sizeof(ti.key), "%s", c->key);
	snprintf(ti.crl, sizeof(ti.crl), "%s", c->crl);
	snprintf(ti.server_name, sizeof(ti.server_name), "%s",
	    server_name ? server_name : "");

	if (imsg_send(p->data_sock, IMSG_UDPDATA_INIT, p->id, &ui, sizeof(ui),
	    -1) == -1 || imsg_send(p->ctl_sock, IMSG_TCPCTL_INIT, p->id, &ti,
	    sizeof(ti), -1) == -1) {
		log_warn("send start-up messages");
		return -1;
	}
	return 0;
}

/*
 * Where the UDP worker binds, with a port of its own: on the server the
 * address the client reached us on, so that answers come from it; on the
 * client any address of that family, so that the worker keeps working
 * when the host's address changes (the server follows it).
 */
static socklen_t
local_bind_addr(int conn, int role, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);
	int family;

	if (getsockname(conn, (struct sockaddr *)ss, &len) == -1) {
		log_warn("getsockname");
		return 0;
	}
	if (role == ROLE_CLIENT) {
		family = ss->ss_family;
		memset(ss, 0, sizeof(*ss));
		ss->ss_family = (sa_family_t)family;
	}
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	return len;
}

int
guard_peer_start(struct guard_env *env, struct peer *p, int conn,
    const char *server_name)
{
	int g2c[2] = { -1, -1 }, g2d[2] = { -1, -1 }, c2d[2] = { -1, -1 };
	struct sockaddr_storage bind_addr;
	socklen_t bind_len;
	int ok = 0;

	p->state = PEER_STARTING;
	p->seen = 0;
	p->connected_since = time(NULL);
	env->active++;
	if ((p->batchbuf = malloc(env->queue_msgsize)) == NULL) {
		log_warn("batch buffer");
		goto done;
	}
	qmsg_batch_init(&p->batch, p->batchbuf, env->queue_msgsize);
	if ((bind_len = local_bind_addr(conn, env->conf->role, &bind_addr)) ==
	    0)
		goto done;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, g2c) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, g2d) == -1 ||
	    set_nonblock(g2c[0]) == -1 || set_nonblock(g2d[0]) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c2d) == -1) {
		log_warn("socketpair");
		goto done;
	}
	p->data_pid = proc_spawn("udpdata", p->id, g2d[1], c2d[1], env->tun_fd);
	if (p->data_pid == -1) {
		p->data_pid = 0;
		goto done;
	}
	p->ctl_pid = proc_spawn("tcpctl", p->id, g2c[1], c2d[0], conn);
	if (p->ctl_pid == -1) {
		p->ctl_pid = 0;
		goto done;
	}
	p->ctl_sock = g2c[0], g2c[0] = -1;
	p->data_sock = g2d[0], g2d[0] = -1;
	if (send_inits(env, p, &bind_addr, bind_len, server_name) == -1 ||
	    guard_watch(env, p->ctl_sock, EV_CTL, p->id, p->gen) == -1 ||
	    guard_watch(env, p->data_sock, EV_DATA, p->id, p->gen) == -1)
		goto done;
	ok = 1;
done:
	close(conn);
	if (g2c[0] != -1)
		close(g2c[0]);
	if (g2d[0] != -1)
		close(g2d[0]);
	if (g2c[1] != -1)
		close(g2c[1]);
	if (g2d[1] != -1)
		close(g2d[1]);
	if (c2d[0] != -1)
		close(c2d[0]);
	if (c2d[1] != -1)
		close(c2d[1]);
	if (ok)
		return 0;
	guard_peer_teardown(env, p, "could not start its processes", 1);
	if (p->ctl_pid == 0 && p->data_pid == 0)
		peer_release(env, p);
	return -1;
}

/* SIGKILL whatever of the peer still runs, and remember we did. */
static void
peer_kill(struct peer *p)
{
	p->killed = 1;
	if (p->ctl_pid > 0)
		kill(p->ctl_pid, SIGKILL);
	if (p->data_pid > 0)
		kill(p->data_pid, SIGKILL);
}

static void
table_remove(struct guard_env *env, struct peer *p, const struct prefix *a)
{
	if (a->family == 0)
		return;
	if (peertab_lookup(&env->tab, a->family, a->addr) == p->id)
		peertab_remove(&env->tab, a->family, a->addr);
}

void
guard_peer_teardown(struct guard_env *env, struct peer *p, const char *reason,
    int hostile)
{
	if (p->state == PEER_FREE || p->state == PEER_DYING)
		return;
	if (hostile)
		log_warnx("%s: tearing down: %s", peer_name(p), reason);
	else
		log_info("%s: gone: %s", peer_name(p), reason);
	log_debug("%s: queued %llu packets, %llu dropped on a full queue",
	    peer_name(p), (unsigned long long)p->queued_packets,
	    (unsigned long long)p->drop_queue_full);
	if (env->tab.slot != NULL) {
		table_remove(env, p, &p->addr4);
		table_remove(env, p, &p->addr6);
	}
	if (env->pool4 != NULL && p->addr4.family)
		pool4_release(env->pool4, &p->addr4, time(NULL));
	memset(&p->addr4, 0, sizeof(p->addr4));
	memset(&p->addr6, 0, sizeof(p->addr6));
	if (p->queue != (mqd_t)-1)
		mq_close(p->queue);
	p->queue = (mqd_t)-1;
	p->state = PEER_DYING;
	clock_gettime(CLOCK_MONOTONIC, &p->dying_since);
	if (hostile) {
		sock_close(&p->ctl_sock);
		sock_close(&p->data_sock);
		peer_kill(p);
		return;
	}
	/*
	 * End of file on their sockets tells both children to leave; we keep
	 * reading until they close, so that their last words are logged.
	 */
	if (p->ctl_sock != -1)
		shutdown(p->ctl_sock, SHUT_WR);
	if (p->data_sock != -1)
		shutdown(p->data_sock, SHUT_WR);
}

/* Children that ignored their end of file get SIGKILL after a grace. */
static int
kill_stragglers(struct guard_env *env)
{
	size_t i;
	int dying = 0;

	for (i = 0; i < env->npeers; i++) {
		struct peer *p = &env->peers[i];

		if (p->state != PEER_DYING)
			continue;
		dying = 1;
		if (ms_since(&p->dying_since) < CHILD_GRACE_MS)
			continue;
		peer_kill(p);
	}
	return dying;
}

/* ---- reaping ----------------------------------------------------------- */

static struct peer *
peer_by_pid(struct guard_env *env, pid_t pid)
{
	size_t i;

	for (i = 0; i < env->npeers; i++)
		if (env->peers[i].state != PEER_FREE &&
		    (env->peers[i].ctl_pid == pid ||
		    env->peers[i].data_pid == pid))
			return &env->peers[i];
	return NULL;
}

static void
reap_one(struct guard_env *env, pid_t pid, int status)
{
	struct peer *p;
	char how[160], why[192];
	const char *role;
	int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (pid == env->router_pid) {
		log_warnx("router %s", proc_status_str(status, how,
		    sizeof(how)));
		env->router_pid = 0;
		env->quit = 1;
		env->exit_status = 1;
		return;
	}
	if ((p = peer_by_pid(env, pid)) == NULL)
		return;
	role = pid == p->ctl_pid ? "tcpctl" : "udpdata";
	if (pid == p->ctl_pid) {
		p->ctl_pid = 0;
		p->ctl_status = status;
	} else
		p->data_pid = 0;
	proc_status_str(status, how, sizeof(how));
	/* A crash or a kill from outside is news; our own SIGKILL is not. */
	if (!clean && !p->killed)
		log_warnx("%s: %s[%u] %s", peer_name(p), role, p->id, how);
	else
		log_debug("%s: %s[%u] %s", peer_name(p), role, p->id, how);
	snprintf(why, sizeof(why), "its %s %s", role, how);
	guard_peer_teardown(env, p, why, 0);
	if (p->ctl_pid == 0 && p->data_pid == 0)
		peer_release(env, p);
}

static void
reap_children(struct guard_env *env)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		reap_one(env, pid, status);
}

static void
signal_dispatch(struct guard_env *env)
{
	struct signalfd_siginfo si;

	while (read(env->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(env);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("received %s; shutting down",
			    strsignal((int)si.ssi_signo));
			env->quit = 1;
			break;
		case SIGHUP:
			log_info("SIGHUP: configuration reload is not "
			    "supported; restart to apply changes");
			break;
		default:
			break;
		}
	}
}

/* ---- the packet path --------------------------------------------------- */

static void
queue_flush(struct guard_env *env, struct peer *p)
{
	size_t len;

	(void)env;
	if (p->batch.count == 0)
		return;
	len = qmsg_batch_finish(&p->batch);
	if (mq_send(p->queue, (const char *)p->batchbuf, len, 0) == 0)
		p->queued_packets += p->batch.count;
	else
		/* Full queue: drop and count, like a NIC ring. */
		p->drop_queue_full += p->batch.count;
	qmsg_batch_init(&p->batch, p->batchbuf, p->queue_msgsize);
}

/*
 * A segment to cut goes to its peer as a message of its own, read where
 * it lies (tunbuf has the room for the header in front): after the
 * peer's batch, so that the peer's packets keep their order.
 */
static void
queue_segment(struct guard_env *env, struct peer *p, size_t framelen)
{
	size_t len;

	queue_flush(env, p);
	len = qmsg_gso_finish(env->tunbuf, framelen);
	if (mq_send(p->queue, (const char *)env->tunbuf, len, 0) == 0)
		p->queued_packets++;
	else
		p->drop_queue_full++;
	env->st.tun_segments++;
}

/*
 * Traffic of the device's own link: an IPv6 packet from a link-local or
 * the unspecified address (router solicitations, MLD reports). It means
 * nothing beyond the link, and the other end would take it for a spoofed
 * source; it is dropped here, counted apart.
 */
static int
link_only(const struct pkt_info *pi)
{
	static const uint8_t unspecified[16];

	return pi->family == AF_INET6 && ((pi->src[0] == 0xfe &&
	    (pi->src[1] & 0xc0) == 0x80) ||
	    memcmp(pi->src, unspecified, sizeof(unspecified)) == 0);
}

/*
 * The peer one read goes to, or NULL (counted). With offload, the read is
 * a frame: a virtio-net header, then the packet; a plain packet's
 * checksum, if the kernel left it to us, is completed here.
 */
static struct peer *
tun_classify(struct guard_env *env, uint8_t *frame, size_t n,
    const uint8_t **pkt, size_t *len, int *segment)
{
	struct virtio_net_hdr vh;
	struct pkt_info pi;
	struct peer *p;
	size_t hdr = (env->tun_features & TUN_VNET) ? GSO_HDR_LEN : 0;
	int plain;

	*segment = 0;
	if (n <= hdr || pkt_parse(frame + hdr, n - hdr, &pi) == -1)
		goto malformed;
	*pkt = frame + hdr;
	*len = pi.len;
	if (hdr != 0) {
		memcpy(&vh, frame, GSO_HDR_LEN);
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			*segment = 1;
		else if (vh.flags != 0) {
			if ((plain = gso_plain(frame, n)) == -1)
				goto malformed;
			*len = (size_t)plain;
		}
	}
	if (link_only(&pi)) {
		env->st.drop_link_local++;
		return NULL;
	}
	if ((p = env->ops->route(env, pi.family, pi.dst)) == NULL) {
		env->st.drop_no_route++;
		return NULL;
	}
	if (p->queue == (mqd_t)-1) {
		env->st.drop_no_queue++;
		return NULL;
	}
	return p;
malformed:
	env->st.drop_malformed++;
	return NULL;
}

/*
 * Read a burst from the TUN device: append each packet to its peer's
 * batch, send each segment to cut as a message of its own, and send every
 * batch as one queue message at the end (or when it is full).
 */
static void
tun_burst(struct guard_env *env)
{
	uint8_t *frame = env->tunbuf + QMSG_HDR_LEN;
	const uint8_t *pkt;
	struct peer *p;
	size_t len;
	ssize_t n;
	int i, segment;

	for (i = 0; i < env->conf->batch; i++) {
		n = read(env->tun_fd, frame, TUN_READ_MAX);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("read %s", env->conf->dev);
			break;
		}
		env->st.tun_packets++;
		p = tun_classify(env, frame, (size_t)n, &pkt, &len, &segment);
		if (p == NULL)
			continue;
		if (segment) {
			queue_segment(env, p, (size_t)n);
			continue;
		}
		if (!qmsg_batch_fits(&p->batch, len))
			queue_flush(env, p);
		if (!p->on_dirty) {
			p->on_dirty = 1;
			p->next_dirty = env->dirty;
			env->dirty = p;
		}
		qmsg_batch_add(&p->batch, pkt, len);
	}
	while ((p = env->dirty) != NULL) {
		env->dirty = p->next_dirty;
		p->next_dirty = NULL;
		p->on_dirty = 0;
		queue_flush(env, p);
	}
}

/* ---- the loop ---------------------------------------------------------- */

static void
event_dispatch(struct guard_env *env, uint64_t tag)
{
	enum guard_ev kind = (enum guard_ev)(tag >> 56);
	uint32_t gen = (uint32_t)(tag >> 32) & 0xffffff;
	struct peer *p;

	switch (kind) {
	case EV_TUN:
		tun_burst(env);
		return;
	case EV_SIGNAL:
		signal_dispatch(env);
		return;
	case EV_ROUTER:
		router_dispatch(env);
		return;
	case EV_CONTROL:
		control_serve(env);
		return;
	default:
		break;
	}
	p = guard_peer_by_id(env, (uint32_t)tag);
	if (kind == EV_LISTEN) {
		if (env->ops->accept != NULL)
			env->ops->accept(env, (int)(uint32_t)tag);
		return;
	}
	if (p == NULL || (p->gen & 0xffffff) != gen)
		return;
	if (kind == EV_CTL && p->ctl_sock != -1)
		ctl_dispatch(env, p);
	else if (kind == EV_DATA && p->data_sock != -1)
		data_dispatch(env, p);
}

/* The smaller of two poll timeouts, where -1 means none. */
static int
timeout_min(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

void
guard_loop(struct guard_env *env)
{
	struct epoll_event ev[EPOLL_BATCH];
	int n, i, timeout = -1;

	if (guard_watch(env, env->router_sock, EV_ROUTER, 0, 0) == -1)
		return;
	while (!env->quit) {
		n = epoll_wait(env->epfd, ev, EPOLL_BATCH, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			env->exit_status = 1;
			return;
		}
		for (i = 0; i < n && !env->quit; i++)
			event_dispatch(env, ev[i].data.u64);
		timeout = kill_stragglers(env) ? 500 : -1;
		if (env->ops->tick != NULL && !env->quit)
			timeout = timeout_min(timeout, env->ops->tick(env));
	}
}

/* ---- shutdown ---------------------------------------------------------- */

/* Reap for up to ms milliseconds; returns when nothing is left. */
static void
reap_for(struct guard_env *env, long ms)
{
	struct pollfd pfd = { .fd = env->sigfd, .events = POLLIN };
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	reap_children(env);
	while (env->active > 0 && ms_since(&start) < ms) {
		(void)poll(&pfd, 1, 100);
		signal_dispatch(env);
		reap_children(env);
	}
}

/* Let the router undo its ledger, relaying its last log lines. */
static void
router_stop(struct guard_env *env)
{
	struct pollfd pfd = { .fd = env->router_sock, .events = POLLIN };
	struct imsg m;
	int status;

	if (env->router_sock != -1) {
		shutdown(env->router_sock, SHUT_WR);
		while (poll(&pfd, 1, ROUTER_TIMEOUT_MS) > 0 &&
		    imsg_recv(env->router_sock, &m) == 1)
			if (m.hdr.type == IMSG_LOG)
				(void)relay_log(&m);
		close(env->router_sock);
		env->router_sock = -1;
	}
	if (env->router_pid > 0) {
		if (waitpid(env->router_pid, &status, WNOHANG) == 0) {
			kill(env->router_pid, SIGTERM);
			waitpid(env->router_pid, &status, 0);
		}
		env->router_pid = 0;
	}
}

int
guard_router_reset(struct guard_env *env)
{
	struct imsg_router_reset reset = { 0 };

	return guard_router_request(env, IMSG_ROUTER_RESET, &reset,
	    sizeof(reset));
}

void
guard_cleanup(struct guard_env *env)
{
	size_t i;

	for (i = 0; i < env->npeers; i++)
		guard_peer_teardown(env, &env->peers[i], "shutting down", 0);
	if (env->sigfd != -1)
		reap_for(env, CHILD_GRACE_MS);
	for (i = 0; i < env->npeers; i++) {
		struct peer *p = &env->peers[i];

		if (p->ctl_pid > 0)
			kill(p->ctl_pid, SIGKILL);
		if (p->data_pid > 0)
			kill(p->data_pid, SIGKILL);
	}
	if (env->sigfd != -1)
		reap_for(env, CHILD_GRACE_MS);
	router_stop(env);
	control_close(env);
	log_info("read %llu packets from %s; dropped %llu without a route, "
	    "%llu malformed, %llu before their peer was ready, %llu "
	    "link-local",
	    (unsigned long long)env->st.tun_packets, env->conf->dev,
	    (unsigned long long)env->st.drop_no_route,
	    (unsigned long long)env->st.drop_malformed,
	    (unsigned long long)env->st.drop_no_queue,
	    (unsigned long long)env->st.drop_link_local);
	for (i = 0; i < CONF_MAX_LISTEN; i++)
		if (env->listen_fd[i] != -1)
			close(env->listen_fd[i]);
	if (env->tun_fd != -1)
		close(env->tun_fd);
	if (env->epfd != -1)
		close(env->epfd);
	if (env->sigfd != -1)
		close(env->sigfd);
	for (i = 0; i < env->npeers; i++)
		free(env->peers[i].batchbuf);
	free(env->peers);
	free(env->tunbuf);
	peertab_free(&env->tab);
	pool4_free(env->pool4);
	env->peers = NULL;
	env->tunbuf = NULL;
	env->pool4 = NULL;
}

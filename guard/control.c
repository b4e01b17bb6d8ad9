/*
 * Guard control socket. See control.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "control.h"
#include "gate.h"
#include "guard.h"
#include "imsg.h"
#include "log.h"
#include "tun.h"

/* ---- reply buffer ------------------------------------------------------ */

void
cbuf_printf(struct cbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *n;
	int r;

	if (b->failed)
		return;
	va_start(ap, fmt);
	r = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	need = b->len + (size_t)r + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < need)
			cap *= 2;
		if ((n = realloc(b->s, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)r;
}

/* ---- formatting -------------------------------------------------------- */

static const char *
state_name(enum peer_state s)
{
	switch (s) {
	case PEER_STARTING:
		return "starting";
	case PEER_UP:
		return "up";
	case PEER_DYING:
		return "closing";
	default:
		return "free";
	}
}

/* "198.18.0.2:40000", "[2001:db8::2]:40000", or "" when unknown. */
static void
endpoint_str(const struct imsg_worker_stats *w, char *buf, size_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *h = host;

	buf[0] = '\0';
	if (w->endpoint_len == 0 ||
	    getnameinfo((const struct sockaddr *)&w->endpoint,
	    w->endpoint_len, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	if (strncmp(h, "::ffff:", 7) == 0 && strchr(h + 7, ':') == NULL)
		h += 7;
	if (strchr(h, ':') != NULL)
		snprintf(buf, len, "[%.46s]:%.5s", h, serv);
	else
		snprintf(buf, len, "%.46s:%.5s", h, serv);
}

static void
peer_addrs(const struct peer *p, const struct guard_env *env, char *a4,
    char *a6, size_t len)
{
	const struct imsg_client_config *cc = &env->applied;

	a4[0] = a6[0] = '\0';
	/* A client shows what the server gave it. */
	if (env->conf->role == ROLE_CLIENT && env->have_applied) {
		if (cc->addr4.family)
			addr_fmt(AF_INET, cc->addr4.addr, a4, len);
		if (cc->addr6.family)
			addr_fmt(AF_INET6, cc->addr6.addr, a6, len);
		return;
	}
	if (p->addr4.family)
		addr_fmt(AF_INET, p->addr4.addr, a4, len);
	if (p->addr6.family)
		addr_fmt(AF_INET6, p->addr6.addr, a6, len);
}

static const char *
peer_label(const struct peer *p, const struct guard_env *env)
{
	if (p->have_hello)
		return p->hello.identity;
	if (env->conf->role == ROLE_CLIENT)
		return env->conf->peer_host[env->server_index];
	return p->remote;
}

static void
ago(char *buf, size_t len, time_t since, time_t now)
{
	long s = since ? (long)(now - since) : 0;

	if (s >= 3600)
		snprintf(buf, len, "%ldh %ldm %lds", s / 3600, s / 60 % 60,
		    s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm %lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
}

/* ---- sandboxes, as the kernel sees them -------------------------------- */

/* What /proc/PID/status says of a child's confinement. */
struct proc_view {
	int known;		/* the status file was read */
	unsigned long uid;	/* real uid */
	int seccomp;		/* 0 off, 1 strict, 2 filter */
	int no_new_privs;
	uint64_t caps;		/* effective */
};

static void
proc_view(pid_t pid, struct proc_view *v)
{
	char path[64], line[256];
	unsigned long long caps;
	FILE *f;

	memset(v, 0, sizeof(*v));
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Uid: %lu", &v->uid) == 1)
			v->known = 1;
		else if (sscanf(line, "Seccomp: %d", &v->seccomp) == 1 ||
		    sscanf(line, "NoNewPrivs: %d", &v->no_new_privs) == 1)
			continue;
		else if (sscanf(line, "CapEff: %llx", &caps) == 1)
			v->caps = caps;
	}
	fclose(f);
}

static const char *
seccomp_mode(int mode)
{
	return mode == 2 ? "filter" : mode == 1 ? "strict" : "off";
}

static void
sandbox_text(struct cbuf *b, const char *role, pid_t pid)
{
	struct proc_view v;
	char caps[128];

	proc_view(pid, &v);
	if (!v.known) {
		cbuf_printf(b, "%s not running", role);
		return;
	}
	cbuf_printf(b, "%s pid %d uid %lu, seccomp %s, no_new_privs %s, "
	    "capabilities %s", role, (int)pid, v.uid, seccomp_mode(v.seccomp),
	    v.no_new_privs ? "on" : "off", caps_fmt(v.caps, caps,
	    sizeof(caps)));
}

static void
sandbox_json(struct cbuf *b, const char *role, pid_t pid)
{
	struct proc_view v;
	char caps[128];

	proc_view(pid, &v);
	cbuf_printf(b, "{\"role\":\"%s\",\"pid\":%d", role, (int)pid);
	if (v.known)
		cbuf_printf(b, ",\"uid\":%lu,\"seccomp\":\"%s\","
		    "\"no_new_privs\":%s,\"capabilities\":\"%s\"", v.uid,
		    seccomp_mode(v.seccomp), v.no_new_privs ? "true" : "false",
		    caps_fmt(v.caps, caps, sizeof(caps)));
	cbuf_printf(b, "}");
}

static void
status_text_peer(struct cbuf *b, const struct guard_env *env,
    const struct peer *p, time_t now)
{
	const struct imsg_worker_stats *w = &p->wstats;
	char a4[PREFIX_STRLEN], a6[PREFIX_STRLEN], ep[80], t1[32], t2[32];
	char off[40];

	peer_addrs(p, env, a4, a6, sizeof(a4));
	endpoint_str(w, ep, sizeof(ep));
	ago(t1, sizeof(t1), p->connected_since, now);
	ago(t2, sizeof(t2), p->epoch_since, now);
	cbuf_printf(b, "\npeer: %s\n", peer_label(p, env));
	cbuf_printf(b, "  id: %u, %s\n", p->id, state_name(p->state));
	cbuf_printf(b, "  endpoint: %s\n", ep[0] ? ep : "(none yet)");
	cbuf_printf(b, "  tunnel addresses: %s%s%s\n", a4[0] ? a4 : "",
	    a4[0] && a6[0] ? ", " : "", a6[0] ? a6 : "");
	cbuf_printf(b, "  connected: %s ago\n", t1);
	if (p->epoch)
		cbuf_printf(b, "  epoch: %u, %s old (last handshake %s ago)\n",
		    p->epoch, t2, t2);
	cbuf_printf(b, "  transfer: %llu bytes received, %llu bytes sent "
	    "(%llu / %llu packets)\n", (unsigned long long)w->rx_bytes,
	    (unsigned long long)w->tx_bytes,
	    (unsigned long long)w->rx_packets,
	    (unsigned long long)w->tx_packets);
	cbuf_printf(b, "  data path: %s; %llu segments cut, %llu trains "
	    "sent, %llu trains received, %llu TUN writes\n",
	    worker_offload_str(w->offload, off, sizeof(off)),
	    (unsigned long long)w->tx_segments,
	    (unsigned long long)w->tx_gso_sends,
	    (unsigned long long)w->rx_gro_trains,
	    (unsigned long long)w->rx_frames);
	cbuf_printf(b, "  dropped: %llu queue full, %llu auth failed, %llu "
	    "replay, %llu spoofed source, %llu malformed, %llu no key\n",
	    (unsigned long long)p->drop_queue_full,
	    (unsigned long long)w->drop_auth,
	    (unsigned long long)w->drop_replay,
	    (unsigned long long)w->drop_source,
	    (unsigned long long)w->drop_malformed,
	    (unsigned long long)w->drop_nokey);
	cbuf_printf(b, "  ");
	sandbox_text(b, "tcpctl", p->ctl_pid);
	cbuf_printf(b, "\n  ");
	sandbox_text(b, "udpdata", p->data_pid);
	cbuf_printf(b, "\n");
}

/* The server's control port: what the gate let in and what it refused. */
static void
status_text_gate(struct cbuf *b, const struct gate *g)
{
	const struct gate_limits *lim = &g->lim;

	cbuf_printf(b, "  connections: %llu accepted, %zu in their handshake "
	    "(max-pending %d, %d per source)\n",
	    (unsigned long long)g->admitted, gate_pending(g),
	    lim->max_pending, lim->max_pending_per_source);
	cbuf_printf(b, "  refused: %llu over connect-rate %d/s (burst %d), "
	    "%llu at max-pending-per-source, %llu at max-pending, %llu at "
	    "max-peers\n", (unsigned long long)g->refused[GATE_RATE],
	    lim->connect_rate, lim->connect_burst,
	    (unsigned long long)g->refused[GATE_SOURCE],
	    (unsigned long long)g->refused[GATE_PENDING],
	    (unsigned long long)g->refused[GATE_PEERS]);
}

static void
status_text(struct cbuf *b, const struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	time_t now = time(NULL);
	char up[32];
	size_t i, npeers = 0;

	for (i = 0; i < env->npeers; i++)
		if (env->peers[i].state != PEER_FREE)
			npeers++;
	ago(up, sizeof(up), env->started, now);
	cbuf_printf(b, "device: %s\n", c->dev);
	cbuf_printf(b, "  role: %s, pid %d, up %s\n",
	    c->role == ROLE_SERVER ? "server" : "client", (int)getpid(), up);
	if (c->role == ROLE_SERVER)
		cbuf_printf(b, "  listening on port %u, %zu of %d peers\n",
		    c->port, npeers, c->max_peers);
	if (c->role == ROLE_SERVER && env->gate != NULL)
		status_text_gate(b, env->gate);
	cbuf_printf(b, "  sandbox: chroot %s, uids %u-%u%s\n", c->chroot_dir,
	    c->worker_uid_first, c->worker_uid_last, c->no_privdrop ?
	    " (insecure-no-privdrop)" : "");
	cbuf_printf(b, "  ");
	sandbox_text(b, "guard", getpid());
	cbuf_printf(b, "\n  ");
	sandbox_text(b, "router", env->router_pid);
	cbuf_printf(b, "\n");
	cbuf_printf(b, "  offload: TUN %s; %llu reads, %llu of them segments "
	    "to cut\n", tun_features_name(env->tun_features),
	    (unsigned long long)env->st.tun_packets,
	    (unsigned long long)env->st.tun_segments);
	cbuf_printf(b, "  dropped: %llu without a route, %llu malformed, %llu "
	    "before their peer was ready, %llu link-local\n",
	    (unsigned long long)env->st.drop_no_route,
	    (unsigned long long)env->st.drop_malformed,
	    (unsigned long long)env->st.drop_no_queue,
	    (unsigned long long)env->st.drop_link_local);
	if (c->role == ROLE_CLIENT && npeers == 0 && env->reconnect_at)
		cbuf_printf(b, "  reconnecting\n");
	for (i = 0; i < env->npeers; i++)
		if (env->peers[i].state != PEER_FREE)
			status_text_peer(b, env, &env->peers[i], now);
}

/* Names and identities are checked where they enter; quote anyway. */
static void
json_str(struct cbuf *b, const char *s)
{
	cbuf_printf(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			cbuf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			cbuf_printf(b, "\\u%04x", ch);
		else
			cbuf_printf(b, "%c", ch);
	}
	cbuf_printf(b, "\"");
}

static void
status_json_peer(struct cbuf *b, const struct guard_env *env,
    const struct peer *p)
{
	const struct imsg_worker_stats *w = &p->wstats;
	char a4[PREFIX_STRLEN], a6[PREFIX_STRLEN], ep[80];

	peer_addrs(p, env, a4, a6, sizeof(a4));
	endpoint_str(w, ep, sizeof(ep));
	cbuf_printf(b, "{\"id\":%u,\"identity\":", p->id);
	json_str(b, peer_label(p, env));
	cbuf_printf(b, ",\"state\":\"%s\",\"endpoint\":", state_name(p->state));
	json_str(b, ep);
	cbuf_printf(b, ",\"tunnel_ipv4\":");
	json_str(b, a4);
	cbuf_printf(b, ",\"tunnel_ipv6\":");
	json_str(b, a6);
	cbuf_printf(b, ",\"connected_since\":%lld,\"epoch\":%u,"
	    "\"epoch_since\":%lld,\"last_handshake\":%lld,"
	    "\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"rx_packets\":%llu,"
	    "\"tx_packets\":%llu,\"drops\":{\"queue_full\":%llu,"
	    "\"auth_failed\":%llu,\"replay\":%llu,\"spoofed_source\":%llu,"
	    "\"malformed\":%llu,\"no_key\":%llu},\"data_path\":{"
	    "\"udp_gso\":%s,\"udp_gro\":%s,\"tun_gro\":%s,"
	    "\"segments_cut\":%llu,\"trains_sent\":%llu,"
	    "\"trains_received\":%llu,\"tun_writes\":%llu},"
	    "\"processes\":[",
	    (long long)p->connected_since, p->epoch,
	    (long long)p->epoch_since, (long long)p->epoch_since,
	    (unsigned long long)w->rx_bytes, (unsigned long long)w->tx_bytes,
	    (unsigned long long)w->rx_packets,
	    (unsigned long long)w->tx_packets,
	    (unsigned long long)p->drop_queue_full,
	    (unsigned long long)w->drop_auth,
	    (unsigned long long)w->drop_replay,
	    (unsigned long long)w->drop_source,
	    (unsigned long long)w->drop_malformed,
	    (unsigned long long)w->drop_nokey,
	    w->offload & WORKER_UDP_GSO ? "true" : "false",
	    w->offload & WORKER_UDP_GRO ? "true" : "false",
	    w->offload & WORKER_TUN_GRO ? "true" : "false",
	    (unsigned long long)w->tx_segments,
	    (unsigned long long)w->tx_gso_sends,
	    (unsigned long long)w->rx_gro_trains,
	    (unsigned long long)w->rx_frames);
	sandbox_json(b, "tcpctl", p->ctl_pid);
	cbuf_printf(b, ",");
	sandbox_json(b, "udpdata", p->data_pid);
	cbuf_printf(b, "]}");
}

static void
status_json_gate(struct cbuf *b, const struct gate *g)
{
	const struct gate_limits *lim = &g->lim;

	cbuf_printf(b, "\"connections\":{\"accepted\":%llu,\"pending\":%zu,"
	    "\"max_pending\":%d,\"max_pending_per_source\":%d,"
	    "\"connect_rate\":%d,\"connect_burst\":%d,\"refused\":{"
	    "\"connect_rate\":%llu,\"max_pending_per_source\":%llu,"
	    "\"max_pending\":%llu,\"max_peers\":%llu}},",
	    (unsigned long long)g->admitted, gate_pending(g), lim->max_pending,
	    lim->max_pending_per_source, lim->connect_rate,
	    lim->connect_burst, (unsigned long long)g->refused[GATE_RATE],
	    (unsigned long long)g->refused[GATE_SOURCE],
	    (unsigned long long)g->refused[GATE_PENDING],
	    (unsigned long long)g->refused[GATE_PEERS]);
}

static void
status_json(struct cbuf *b, const struct guard_env *env)
{
	const struct guard_conf *c = env->conf;
	size_t i;
	int first = 1;

	cbuf_printf(b, "{\"device\":");
	json_str(b, c->dev);
	cbuf_printf(b, ",\"role\":\"%s\",\"pid\":%d,\"started\":%lld,"
	    "\"port\":%u,\"max_peers\":%d,\"sandbox\":{\"chroot\":",
	    c->role == ROLE_SERVER ? "server" : "client", (int)getpid(),
	    (long long)env->started,
	    c->role == ROLE_SERVER ? c->port :
	    c->peer_port[env->server_index], c->max_peers);
	json_str(b, c->chroot_dir);
	cbuf_printf(b, ",\"uids\":[%u,%u],\"insecure_no_privdrop\":%s,"
	    "\"guard\":", c->worker_uid_first, c->worker_uid_last,
	    c->no_privdrop ? "true" : "false");
	sandbox_json(b, "guard", getpid());
	cbuf_printf(b, ",\"router\":");
	sandbox_json(b, "router", env->router_pid);
	cbuf_printf(b, "},\"offload\":{\"tun\":\"%s\",\"tun_reads\":%llu,"
	    "\"tun_segments\":%llu},", tun_features_name(env->tun_features),
	    (unsigned long long)env->st.tun_packets,
	    (unsigned long long)env->st.tun_segments);
	cbuf_printf(b, "\"drops\":{\"no_route\":%llu,\"malformed\":%llu,"
	    "\"not_ready\":%llu,\"link_local\":%llu},",
	    (unsigned long long)env->st.drop_no_route,
	    (unsigned long long)env->st.drop_malformed,
	    (unsigned long long)env->st.drop_no_queue,
	    (unsigned long long)env->st.drop_link_local);
	if (c->role == ROLE_SERVER && env->gate != NULL)
		status_json_gate(b, env->gate);
	cbuf_printf(b, "\"peers\":[");
	for (i = 0; i < env->npeers; i++) {
		if (env->peers[i].state == PEER_FREE)
			continue;
		if (!first)
			cbuf_printf(b, ",");
		first = 0;
		status_json_peer(b, env, &env->peers[i]);
	}
	cbuf_printf(b, "]}\n");
}

/* ---- requests ---------------------------------------------------------- */

/* A peer by identity or by id, among those not being torn down. */
static struct peer *
find_peer(struct guard_env *env, const char *name)
{
	size_t i;
	char *end;
	unsigned long id = strtoul(name, &end, 10);

	for (i = 0; i < env->npeers; i++) {
		struct peer *p = &env->peers[i];

		if (p->state != PEER_STARTING && p->state != PEER_UP)
			continue;
		if ((p->have_hello && strcmp(p->hello.identity, name) == 0) ||
		    (*name != '\0' && *end == '\0' && id == p->id))
			return p;
	}
	/* A client has one peer, whatever it is called. */
	if (env->conf->role == ROLE_CLIENT && env->npeers > 0 &&
	    (env->peers[0].state == PEER_UP) &&
	    strcmp(name, env->conf->peer_host[env->server_index]) == 0)
		return &env->peers[0];
	return NULL;
}

static void
do_rekey(struct guard_env *env, const char *name, struct cbuf *b)
{
	struct peer *p = find_peer(env, name);

	if (p == NULL || p->ctl_sock == -1 ||
	    imsg_send(p->ctl_sock, IMSG_PEER_REKEY, p->id, NULL, 0, -1) == -1) {
		cbuf_printf(b, "error: no peer %s\n", name);
		return;
	}
	log_info("%s: new keys asked for by guardctl", name);
	cbuf_printf(b, "rekeying %s (epoch %u now)\n", name, p->epoch);
}

static void
do_kick(struct guard_env *env, const char *name, struct cbuf *b)
{
	struct imsg_peer_refuse r = { .reason = BYE_SHUTDOWN };
	struct peer *p = find_peer(env, name);

	if (p == NULL) {
		cbuf_printf(b, "error: no peer %s\n", name);
		return;
	}
	(void)imsg_send(p->ctl_sock, IMSG_PEER_REFUSE, p->id, &r, sizeof(r),
	    -1);
	guard_peer_teardown(env, p, "disconnected by guardctl", 0);
	cbuf_printf(b, "disconnected %s\n", name);
}

void
control_answer(struct guard_env *env, const char *request, struct cbuf *b)
{
	char line[CONTROL_REQUEST_MAX], *cmd, *arg, *extra, *save = NULL;

	snprintf(line, sizeof(line), "%s", request);
	line[strcspn(line, "\r\n")] = '\0';
	cmd = strtok_r(line, " \t", &save);
	arg = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (cmd == NULL || extra != NULL) {
		cbuf_printf(b, "error: bad request\n");
		return;
	}
	if (strcmp(cmd, "status") == 0 && arg == NULL)
		status_text(b, env);
	else if (strcmp(cmd, "status") == 0 && strcmp(arg, "json") == 0)
		status_json(b, env);
	else if (strcmp(cmd, "rekey") == 0 && arg != NULL)
		do_rekey(env, arg, b);
	else if (strcmp(cmd, "kick") == 0 && arg != NULL)
		do_kick(env, arg, b);
	else
		cbuf_printf(b, "error: unknown request '%.32s'\n", cmd);
}

/* ---- the socket -------------------------------------------------------- */

static int
wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&pfd, 1, CONTROL_TIMEOUT_MS);
	} while (r == -1 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int
read_request(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len) {
		if (wait_fd(fd, POLLIN) == -1)
			return -1;
		if ((n = read(fd, buf + got, len - 1 - got)) <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n') != NULL)
			return 0;
	}
	return -1;
}

static void
write_reply(int fd, const struct cbuf *b)
{
	size_t done = 0;
	ssize_t n;

	while (done < b->len) {
		if (wait_fd(fd, POLLOUT) == -1)
			return;
		n = write(fd, b->s + done, b->len - done);
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

static int
peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    cred.uid == 0;
}

void
control_serve(struct guard_env *env)
{
	struct cbuf b = { NULL, 0, 0, 0 };
	char req[CONTROL_REQUEST_MAX];
	int fd;

	while ((fd = accept4(env->control_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if (!peer_is_root(fd))
			cbuf_printf(&b, "error: only root may ask\n");
		else if (read_request(fd, req, sizeof(req)) == -1)
			cbuf_printf(&b, "error: no request line\n");
		else
			control_answer(env, req, &b);
		if (b.failed)
			cbuf_printf(&b, "error: out of memory\n");
		write_reply(fd, &b);
		close(fd);
		b.len = 0;
		b.failed = 0;
	}
	free(b.s);
}

/* Make the socket's directory: root's alone. */
static int
control_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	return 0;
}

/* Another Guard answering on this path? Then it is not ours to take. */
static int
socket_in_use(const struct sockaddr_un *sun)
{
	int fd, busy;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	busy = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return busy;
}

int
control_open(struct guard_env *env)
{
	const char *path = env->conf->control_socket;
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path %s is too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (control_dir(path) == -1)
		return -1;
	if (socket_in_use(&sun)) {
		log_warnx("control socket %s is in use by another Guard; "
		    "choose another --control-socket or --dev", path);
		return -1;
	}
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 8) == -1) {
		log_warn("listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	env->control_fd = fd;
	return guard_watch(env, fd, EV_CONTROL, 0, 0);
}

void
control_close(struct guard_env *env)
{
	if (env->control_fd == -1)
		return;
	close(env->control_fd);
	env->control_fd = -1;
	(void)unlink(env->conf->control_socket);
}

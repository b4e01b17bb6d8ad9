/*
 * guard-testclient: a Guard client without a TUN device, for tests that
 * connect and disconnect many times against one guardd, and for the
 * scale benchmark, which holds many sessions open at once.
 *
 * Each session: TCP connect, TLS 1.3 handshake (client role, mutual
 * certificates), HELLO with a random session id, CONFIG, REKEY for epoch 1
 * with a fresh X25519 key, REKEY_ACK, and the epoch keys derived as
 * tcpctl derives them. With --keepalive it sends one sealed keepalive to
 * the UDP port CONFIG named and waits for the server's authenticated
 * answer. With --hold it then keeps the session open (answering PINGs) so
 * that a test can act on the server meanwhile. The session ends with BYE
 * (clean: the server must close in answer), with a TCP reset (abort),
 * with a plain close and no BYE or close_notify (drop: a client whose
 * process died), or alternately clean and abort (mixed).
 *
 * With --ping ADDR, once its keys are in place (and the keepalive
 * answered, with --keepalive), each session sends an ICMP echo request
 * from its tunnel IPv4 address to ADDR through the data channel (again
 * each second) and waits for the authenticated echo reply from ADDR: a
 * packet through the server's TUN device and back through its queue.
 *
 * With --together (which needs --hold and implies --keepalive), a
 * worker keeps all of its sessions open at once: it sets them up one
 * after another, serving those already up meanwhile (PINGs answered, a
 * sealed keepalive every few seconds, datagrams from the server taken
 * in), holds them for --hold SECONDS after its last came up, pings
 * through each again (with --ping), and then ends them all the --mode
 * way. A session the server ends meanwhile counts as failed.
 *
 * With --bad, the session instead ends with a frame the server must
 * refuse, sent once the session is up: a PING whose header claims 65535
 * bytes, more than a control message may hold (oversize); the first 7 of
 * the 12 bytes of a PING, and then TLS close_notify and the end of the
 * connection (truncate); or a message of type 200, which does not exist
 * (unknown). The server must answer oversize and unknown with BYE
 * "protocol error"; after truncate there is nobody left to answer, and
 * only the server's log can tell. Each prints "testclient: session N:
 * sent MODE frame; server ..." to stdout.
 *
 *   guard-testclient --peer ADDR[:PORT] --ca CA --cert CRT --key KEY
 *       [--cert CRT --key KEY ...] [--server-name NAME] [--count N]
 *       [--parallel P] [--mode clean|abort|drop|mixed] [--keepalive]
 *       [--hold SECONDS [--expect-close | --together]] [--ping ADDR]
 *       [--bad oversize|truncate|unknown] [-v]
 *
 * Session i (from 0) uses certificate pair i mod (number of pairs). With
 * --parallel P, P worker processes run at once, worker w taking sessions
 * w, w + P, w + 2P, ...: give P certificate pairs (one identity per
 * worker), or sessions of one identity end each other ("replaced").
 *
 * Nothing is applied to the host. Errors go to stderr, one line each,
 * naming the session and what failed; -v prints one line per session
 * that came up to stdout ("... up: ADDR4 ADDR6 udp port N"), -vv adds
 * debug lines. The last line on stdout is always
 * "testclient: N sessions, S ok, F failed"; the exit status is 0 when
 * F is 0, 1 otherwise, and 2 for a usage error.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "channel.h"
#include "conf.h"
#include "ctlmsg.h"
#include "datapath.h"
#include "imsg.h"
#include "kdf.h"
#include "log.h"
#include "proto.h"
#include "tls.h"

enum {
	MAX_PAIRS = 4096,		/* certificate/key pairs */
	MAX_PARALLEL = 256,
	CONNECT_TIMEOUT_MS = 5000,
	HANDSHAKE_TIMEOUT_MS = 10000,	/* as tcpctl's set-up deadlines */
	MESSAGE_TIMEOUT_MS = 10000,
	SEND_TIMEOUT_MS = 5000,
	KEEPALIVE_WAIT_MS = 2000,	/* for the server's answer */
	KEEPALIVE_RESEND_MS = 1000,	/* as tunclient knocks */
	BYE_ANSWER_MS = 2000,		/* the server closes after our BYE */
	PING_WAIT_MS = 3000,		/* for the echo reply */
	PING_RESEND_MS = 1000,
	PING_LEN = 20 + 8 + 16,		/* IPv4, ICMP header, payload */
	HELD_KEEPALIVE_MS = 5000,	/* a held session's keepalives */
	FIRST_EPOCH = 1,
};

enum end_mode { END_CLEAN, END_ABORT, END_DROP, END_MIXED };

enum bad_frame { BAD_NONE, BAD_OVERSIZE, BAD_TRUNCATE, BAD_UNKNOWN };

struct opts {
	const char *peer;
	char host[256];
	uint16_t port;
	struct sockaddr_storage addr;	/* the server, resolved once */
	socklen_t addrlen;
	const char *ca;
	const char *cert[MAX_PAIRS];
	const char *key[MAX_PAIRS];
	int ncert, nkey;
	const char *server_name;
	long count;
	long parallel;
	enum end_mode mode;
	int keepalive;
	long hold_seconds;		/* 0: none */
	int expect_close;		/* the server must end a held session */
	int together;			/* a worker's sessions held at once */
	struct prefix ping;		/* family 0: no --ping */
	enum bad_frame bad;		/* BAD_NONE: a well-behaved session */
	int verbose;
};

/* One session's state; session_release frees whatever it still holds. */
struct session {
	long idx;			/* from 1, for messages */
	const struct opts *o;
	SSL_CTX *ctx;
	struct channel ch;
	int have_channel;		/* ch owns the TCP socket */
	int tcp;			/* before channel_init */
	int udp;
	uint32_t local_session;		/* the server puts this in datagrams */
	struct ctl_config cfg;
	struct dp_keys keys;
	uint16_t ping_seq;
	long next_keepalive;		/* ms; --together */
	long t[6];			/* ms: start, TCP, TLS, CONFIG, keys, end */
};

/* What one worker reports to the parent (one write, well under PIPE_BUF). */
struct tally {
	long worker;
	long ok;
	long failed;
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: guard-testclient --peer ADDR[:PORT] --ca CA --cert CRT "
	    "--key KEY\n"
	    "           [--cert CRT --key KEY ...] [--server-name NAME] "
	    "[--count N]\n"
	    "           [--parallel P] [--mode clean|abort|drop|mixed] "
	    "[--keepalive]\n"
	    "           [--hold SECONDS [--expect-close | --together]] "
	    "[--ping ADDR]\n"
	    "           [--bad oversize|truncate|unknown] [-v]\n");
	exit(2);
}

/* ---- options ----------------------------------------------------------- */

static long
number_arg(const char *name, const char *v, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "guard-testclient: --%s %s: want %ld..%ld\n",
		    name, v, min, max);
		exit(2);
	}
	return n;
}

/* ADDR[:PORT], [IPv6]:PORT or a bare IPv6 address, as tunclient takes. */
static void
peer_arg(struct opts *o, const char *arg)
{
	const char *v = arg, *colon, *end, *portstr = NULL;
	size_t n;

	if (v[0] == '[') {
		if ((end = strchr(v, ']')) == NULL ||
		    (end[1] != '\0' && end[1] != ':'))
			goto bad;
		n = (size_t)(end - v - 1);
		if (end[1] == ':')
			portstr = end + 2;
		v++;
	} else if ((colon = strchr(v, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - v);
		portstr = colon + 1;
	} else
		n = strlen(v);
	if (n == 0 || n >= sizeof(o->host))
		goto bad;
	memcpy(o->host, v, n);
	o->host[n] = '\0';
	o->port = GUARD_DEFAULT_PORT;
	if (portstr != NULL)
		o->port = (uint16_t)number_arg("peer port", portstr, 1, 65535);
	return;
bad:
	fprintf(stderr, "guard-testclient: --peer %s: not ADDR[:PORT]\n", arg);
	exit(2);
}

static void
resolve(struct opts *o)
{
	struct addrinfo hints, *res;
	char portstr[8];
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", o->port);
	if ((e = getaddrinfo(o->host, portstr, &hints, &res)) != 0) {
		log_warnx("cannot resolve %s: %s", o->host, gai_strerror(e));
		exit(1);
	}
	memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
	o->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_PEER = 256, O_CA, O_CERT, O_KEY, O_NAME, O_COUNT, O_PAR,
	    O_MODE, O_KEEPALIVE, O_HOLD, O_EXPECT_CLOSE, O_TOGETHER, O_PING,
	    O_BAD };
	static const struct option longopts[] = {
		{ "peer", required_argument, NULL, O_PEER },
		{ "ca", required_argument, NULL, O_CA },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "server-name", required_argument, NULL, O_NAME },
		{ "count", required_argument, NULL, O_COUNT },
		{ "parallel", required_argument, NULL, O_PAR },
		{ "mode", required_argument, NULL, O_MODE },
		{ "keepalive", no_argument, NULL, O_KEEPALIVE },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "expect-close", no_argument, NULL, O_EXPECT_CLOSE },
		{ "together", no_argument, NULL, O_TOGETHER },
		{ "ping", required_argument, NULL, O_PING },
		{ "bad", required_argument, NULL, O_BAD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->parallel = 1;
	o->mode = END_CLEAN;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_PEER:
			o->peer = optarg;
			peer_arg(o, optarg);
			break;
		case O_CA:
			o->ca = optarg;
			break;
		case O_CERT:
			if (o->ncert == MAX_PAIRS)
				usage();
			o->cert[o->ncert++] = optarg;
			break;
		case O_KEY:
			if (o->nkey == MAX_PAIRS)
				usage();
			o->key[o->nkey++] = optarg;
			break;
		case O_NAME:
			o->server_name = optarg;
			break;
		case O_COUNT:
			o->count = number_arg("count", optarg, 1, 10000000);
			break;
		case O_PAR:
			o->parallel = number_arg("parallel", optarg, 1,
			    MAX_PARALLEL);
			break;
		case O_MODE:
			if (strcmp(optarg, "clean") == 0)
				o->mode = END_CLEAN;
			else if (strcmp(optarg, "abort") == 0)
				o->mode = END_ABORT;
			else if (strcmp(optarg, "drop") == 0)
				o->mode = END_DROP;
			else if (strcmp(optarg, "mixed") == 0)
				o->mode = END_MIXED;
			else
				usage();
			break;
		case O_KEEPALIVE:
			o->keepalive = 1;
			break;
		case O_HOLD:
			o->hold_seconds = number_arg("hold", optarg, 1, 86400);
			break;
		case O_EXPECT_CLOSE:
			o->expect_close = 1;
			break;
		case O_TOGETHER:
			o->together = 1;
			o->keepalive = 1;
			break;
		case O_PING:
			if (addr_parse(optarg, &o->ping) == -1 ||
			    o->ping.family != AF_INET) {
				fprintf(stderr, "guard-testclient: --ping %s: "
				    "not an IPv4 address\n", optarg);
				exit(2);
			}
			break;
		case O_BAD:
			if (strcmp(optarg, "oversize") == 0)
				o->bad = BAD_OVERSIZE;
			else if (strcmp(optarg, "truncate") == 0)
				o->bad = BAD_TRUNCATE;
			else if (strcmp(optarg, "unknown") == 0)
				o->bad = BAD_UNKNOWN;
			else
				usage();
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->peer == NULL || o->ca == NULL ||
	    o->ncert == 0 || o->ncert != o->nkey ||
	    (o->expect_close && o->hold_seconds == 0) ||
	    (o->together && (o->hold_seconds == 0 || o->expect_close)) ||
	    (o->bad != BAD_NONE && o->hold_seconds > 0))
		usage();
	if (o->parallel > o->count)
		o->parallel = o->count;
	if (o->server_name == NULL)
		o->server_name = o->host;
}

/* ---- one session ------------------------------------------------------- */

static int
fail(const struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Log why session s failed; always -1. */
static int
fail(const struct session *s, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("session %ld: %s", s->idx, line);
	return -1;
}

static int
tcp_connect(struct session *s)
{
	const struct opts *o = s->o;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int err = 0, r;

	s->tcp = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (s->tcp == -1)
		return fail(s, "socket: %s", strerror(errno));
	if (connect(s->tcp, (const struct sockaddr *)&o->addr, o->addrlen) ==
	    0)
		return 0;
	if (errno != EINPROGRESS)
		return fail(s, "connect to %s port %u: %s", o->host, o->port,
		    strerror(errno));
	pfd.fd = s->tcp;
	pfd.events = POLLOUT;
	do {
		r = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		return fail(s, "poll: %s", strerror(errno));
	if (r == 0)
		return fail(s, "connect to %s port %u: no answer within %d s",
		    o->host, o->port, CONNECT_TIMEOUT_MS / 1000);
	if (getsockopt(s->tcp, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return fail(s, "getsockopt SO_ERROR: %s", strerror(errno));
	if (err != 0)
		return fail(s, "connect to %s port %u: %s", o->host, o->port,
		    strerror(err));
	return 0;
}

static int
send_msg(struct session *s, const struct ctl_msg *m)
{
	if (channel_send(&s->ch, m, SEND_TIMEOUT_MS) == -1)
		return fail(s, "sending %s: %s", ctl_type_name(m->type),
		    s->ch.err);
	return 0;
}

/*
 * The next message other than PING and PONG (a PING is answered).
 * channel_recv's codes: 1 a message, 0 the server closed, -1 an error
 * (ch.err), -2 nothing within timeout_ms; -3 when a PONG could not be
 * sent (logged).
 */
static int
next_msg(struct session *s, struct ctl_msg *m, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms, left;
	struct ctl_msg pong;
	int r;

	for (;;) {
		left = deadline - now_ms();
		r = channel_recv(&s->ch, m, left > 0 ? (int)left : 0);
		if (r != 1)
			return r;
		if (m->type == CTL_PONG)
			continue;
		if (m->type != CTL_PING)
			return 1;
		memset(&pong, 0, sizeof(pong));
		pong.type = CTL_PONG;
		pong.u.ping.nonce = m->u.ping.nonce;
		if (send_msg(s, &pong) == -1)
			return -3;
	}
}

/* Receive the message due, of type want. 0 or -1 (logged). */
static int
expect_msg(struct session *s, struct ctl_msg *m, int want)
{
	int r = next_msg(s, m, MESSAGE_TIMEOUT_MS);

	if (r == 1 && m->type == want)
		return 0;
	if (r == 1 && m->type == CTL_BYE)
		return fail(s, "server sent BYE (%s) where %s was due",
		    ctl_bye_reason_name(m->u.bye.reason), ctl_type_name(want));
	if (r == 1)
		return fail(s, "server sent %s where %s was due",
		    ctl_type_name(m->type), ctl_type_name(want));
	if (r == 0)
		return fail(s, "server closed the connection before %s",
		    ctl_type_name(want));
	if (r == -2)
		return fail(s, "no %s within %d s", ctl_type_name(want),
		    MESSAGE_TIMEOUT_MS / 1000);
	if (r == -1)
		return fail(s, "receiving %s: %s", ctl_type_name(want),
		    s->ch.err);
	return -1;
}

static uint32_t
random_session(void)
{
	uint32_t v = 0;

	while (v == 0)
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return 0;
	return v;
}

/*
 * The epoch keys, as tcpctl derives them (guard(7), KEY SCHEDULE), in the
 * client's direction: seal with c2s, open with s2c. Installed as
 * "current", as tunclient's udpdata does. Every secret is wiped here.
 */
static int
keys_install(struct session *s, struct x25519_keypair *kp,
    const uint8_t server_pub[X25519_LEN])
{
	uint8_t shared[X25519_LEN], exporter[32], context[4];
	uint32_t be = htobe32(FIRST_EPOCH);
	struct epoch_keys ek;
	struct imsg_key_install k;
	char detail[256];
	int r;

	memcpy(context, &be, sizeof(context));
	r = x25519_shared(kp->priv, server_pub, shared);
	wipe(kp, sizeof(*kp));
	if (r == -1)
		return fail(s, "the server's X25519 key in REKEY_ACK is "
		    "unusable");
	if (SSL_export_keying_material(s->ch.ssl, exporter, sizeof(exporter),
	    GUARD_EXPORTER_LABEL, strlen(GUARD_EXPORTER_LABEL), context,
	    sizeof(context), 1) != 1) {
		wipe(shared, sizeof(shared));
		return fail(s, "TLS exporter: %s",
		    tls_errors(detail, sizeof(detail)));
	}
	r = epoch_derive(shared, exporter, FIRST_EPOCH, &ek);
	wipe(shared, sizeof(shared));
	wipe(exporter, sizeof(exporter));
	if (r == -1)
		return fail(s, "epoch key derivation failed");

	memset(&k, 0, sizeof(k));
	k.epoch = FIRST_EPOCH;
	k.slot = KEY_SLOT_CURRENT;
	k.cipher = s->cfg.cipher;
	k.local_session = s->local_session;
	k.remote_session = s->cfg.session;
	memcpy(k.tx_key, ek.c2s_key, AEAD_KEY_LEN);
	memcpy(k.tx_iv, ek.c2s_iv, AEAD_IV_LEN);
	memcpy(k.rx_key, ek.s2c_key, AEAD_KEY_LEN);
	memcpy(k.rx_iv, ek.s2c_iv, AEAD_IV_LEN);
	wipe(&ek, sizeof(ek));
	s->keys.now = (uint64_t)(now_ms() / 1000);
	r = dp_keys_install(&s->keys, &k);
	wipe(&k, sizeof(k));
	if (r == -1)
		return fail(s, "cannot install the epoch keys (cipher %u, "
		    "server session %u)", s->cfg.cipher, s->cfg.session);
	return 0;
}

/* HELLO, CONFIG, REKEY, REKEY_ACK, keys. 0 or -1 (logged). */
static int
setup(struct session *s)
{
	struct x25519_keypair kp;
	struct ctl_msg m;
	int r;

	s->t[2] = now_ms();
	if ((s->local_session = random_session()) == 0)
		return fail(s, "no randomness for a session id");
	memset(&m, 0, sizeof(m));
	m.type = CTL_HELLO;
	m.u.hello.session = s->local_session;
	if (send_msg(s, &m) == -1 || expect_msg(s, &m, CTL_CONFIG) == -1)
		return -1;
	s->t[3] = now_ms();
	s->cfg = m.u.config;
	if (s->cfg.udp_port == 0 || s->cfg.session == 0)
		return fail(s, "CONFIG without a UDP port or session id");
	if (s->cfg.addr4.family == 0 && s->cfg.addr6.family == 0)
		return fail(s, "CONFIG without an address");

	if (x25519_keygen(&kp) == -1)
		return fail(s, "X25519 key generation failed");
	memset(&m, 0, sizeof(m));
	m.type = CTL_REKEY;
	m.u.rekey.epoch = FIRST_EPOCH;
	memcpy(m.u.rekey.pub, kp.pub, X25519_LEN);
	if (send_msg(s, &m) == -1 || expect_msg(s, &m, CTL_REKEY_ACK) == -1) {
		wipe(&kp, sizeof(kp));
		return -1;
	}
	if (m.u.rekey.epoch != FIRST_EPOCH) {
		wipe(&kp, sizeof(kp));
		return fail(s, "REKEY_ACK for epoch %u, not %u",
		    m.u.rekey.epoch, FIRST_EPOCH);
	}
	r = keys_install(s, &kp, m.u.rekey.pub);
	wipe(&m, sizeof(m));
	s->t[4] = now_ms();
	return r;
}

/* The UDP socket, connected to the port CONFIG named. 0 or -1 (logged). */
static int
udp_open(struct session *s)
{
	struct sockaddr_storage ss = s->o->addr;

	if (s->udp != -1)
		return 0;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(s->cfg.udp_port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons(s->cfg.udp_port);
	s->udp = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (s->udp == -1)
		return fail(s, "UDP socket: %s", strerror(errno));
	if (connect(s->udp, (struct sockaddr *)&ss, s->o->addrlen) == -1)
		return fail(s, "UDP connect to port %u: %s", s->cfg.udp_port,
		    strerror(errno));
	return 0;
}

/* Seal and send one keepalive. 0 or -1 (logged). */
static int
send_keepalive(struct session *s)
{
	uint8_t buf[DATA_OVERHEAD];
	ssize_t n;

	n = dp_seal(&s->keys, DATA_KEEPALIVE, NULL, 0, buf, sizeof(buf));
	if (n != DATA_OVERHEAD)
		return fail(s, "sealing a keepalive failed");
	if (send(s->udp, buf, (size_t)n, 0) != n)
		return fail(s, "sending a keepalive to UDP port %u: %s",
		    s->cfg.udp_port, strerror(errno));
	return 0;
}

/*
 * One sealed keepalive to the server's UDP port (again each second), and
 * the server's authenticated answer within KEEPALIVE_WAIT_MS.
 */
static int
keepalive(struct session *s)
{
	static const struct dp_sources nosources;
	uint8_t buf[DATA_MAX_DGRAM];
	const uint8_t *pkt;
	size_t pktlen;
	long deadline = now_ms() + KEEPALIVE_WAIT_MS, next_send = now_ms(), wait;
	struct pollfd pfd;
	enum dp_verdict v;
	ssize_t n;
	int sent = 0, dropped = 0, r;

	if (udp_open(s) == -1)
		return -1;
	pfd.fd = s->udp;
	pfd.events = POLLIN;
	for (;;) {
		if (now_ms() >= next_send) {
			if (send_keepalive(s) == -1)
				return -1;
			sent++;
			next_send += KEEPALIVE_RESEND_MS;
		}
		if (now_ms() >= deadline)
			return fail(s, "no authenticated keepalive from UDP "
			    "port %u within %d ms (%d sent, %d dropped)",
			    s->cfg.udp_port, KEEPALIVE_WAIT_MS, sent, dropped);
		wait = (next_send < deadline ? next_send : deadline) - now_ms();
		r = poll(&pfd, 1, wait > 0 ? (int)wait : 0);
		if (r == -1 && errno != EINTR)
			return fail(s, "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		while ((n = recv(s->udp, buf, sizeof(buf), 0)) >= 0) {
			v = dp_open(&s->keys, &nosources, buf, (size_t)n, &pkt,
			    &pktlen);
			if (v == DP_KEEPALIVE)
				return 0;
			dropped++;
			log_warnx("session %ld: dropped a %zd-byte datagram "
			    "from the server: %s", s->idx, n,
			    dp_verdict_name(v));
		}
		if (errno == ECONNREFUSED)
			return fail(s, "UDP port %u refused the keepalive "
			    "(nothing listens there)", s->cfg.udp_port);
		if (errno != EAGAIN && errno != EINTR)
			return fail(s, "UDP receive: %s", strerror(errno));
	}
}

/* The Internet checksum of len bytes. */
static uint16_t
inet_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * An ICMP echo request (IPv4) from the session's tunnel address to
 * --ping, with identifier and sequence number id and seq, into pkt.
 */
static void
echo_request(const struct session *s, uint16_t id, uint16_t seq,
    uint8_t pkt[PING_LEN])
{
	uint16_t c;

	memset(pkt, 0, PING_LEN);
	pkt[0] = 0x45;			/* version 4, 20-byte header */
	pkt[2] = PING_LEN >> 8;
	pkt[3] = PING_LEN & 0xff;
	pkt[8] = 64;			/* TTL */
	pkt[9] = 1;			/* ICMP */
	memcpy(pkt + 12, s->cfg.addr4.addr, 4);
	memcpy(pkt + 16, s->o->ping.addr, 4);
	c = inet_cksum(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	pkt[20] = 8;			/* echo request, code 0 */
	pkt[24] = (uint8_t)(id >> 8);
	pkt[25] = (uint8_t)id;
	pkt[26] = (uint8_t)(seq >> 8);
	pkt[27] = (uint8_t)seq;
	memcpy(pkt + 28, "guard-testclient", 16);
	c = inet_cksum(pkt + 20, PING_LEN - 20);
	pkt[22] = (uint8_t)(c >> 8);
	pkt[23] = (uint8_t)c;
}

/* Is pkt the echo reply to id and seq, from --ping to us? */
static int
is_echo_reply(const struct session *s, const uint8_t *pkt, size_t len,
    uint16_t id, uint16_t seq)
{
	size_t hl;

	if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != 1 ||
	    memcmp(pkt + 12, s->o->ping.addr, 4) != 0 ||
	    memcmp(pkt + 16, s->cfg.addr4.addr, 4) != 0)
		return 0;
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	return len >= hl + 8 && pkt[hl] == 0 && pkt[hl + 1] == 0 &&
	    (pkt[hl + 4] << 8 | pkt[hl + 5]) == id &&
	    (pkt[hl + 6] << 8 | pkt[hl + 7]) == seq;
}

/*
 * An echo request through the tunnel to --ping (again each second) and
 * its authenticated echo reply within PING_WAIT_MS: through the server's
 * udpdata, its TUN device, GUARD and the peer's queue, and back.
 */
static int
ping(struct session *s)
{
	uint8_t pkt[PING_LEN], buf[DATA_MAX_DGRAM];
	struct dp_sources src;
	const uint8_t *in;
	size_t inlen;
	uint16_t id = (uint16_t)s->local_session, seq = ++s->ping_seq;
	long deadline = now_ms() + PING_WAIT_MS, next_send = now_ms(), wait;
	char a[PREFIX_STRLEN];
	struct pollfd pfd;
	enum dp_verdict v;
	ssize_t n;
	int sent = 0, r;

	if (s->cfg.addr4.family != AF_INET)
		return fail(s, "no IPv4 tunnel address to ping from");
	if (udp_open(s) == -1)
		return -1;
	memset(&src, 0, sizeof(src));
	src.n = 1;
	src.p[0] = s->o->ping;
	echo_request(s, id, seq, pkt);
	pfd.fd = s->udp;
	pfd.events = POLLIN;
	for (;;) {
		if (now_ms() >= next_send) {
			n = dp_seal(&s->keys, DATA_PACKET, pkt, sizeof(pkt),
			    buf, sizeof(buf));
			if (n <= 0)
				return fail(s, "sealing an echo request failed");
			if (send(s->udp, buf, (size_t)n, 0) != n)
				return fail(s, "sending an echo request: %s",
				    strerror(errno));
			sent++;
			next_send += PING_RESEND_MS;
		}
		if (now_ms() >= deadline)
			return fail(s, "no echo reply from %s through the "
			    "tunnel within %d ms (%d sent)",
			    prefix_fmt(&s->o->ping, a, sizeof(a)),
			    PING_WAIT_MS, sent);
		wait = (next_send < deadline ? next_send : deadline) - now_ms();
		r = poll(&pfd, 1, wait > 0 ? (int)wait : 0);
		if (r == -1 && errno != EINTR)
			return fail(s, "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		while ((n = recv(s->udp, buf, sizeof(buf), 0)) >= 0) {
			v = dp_open(&s->keys, &src, buf, (size_t)n, &in,
			    &inlen);
			if (v == DP_PACKET && is_echo_reply(s, in, inlen, id,
			    seq))
				return 0;
			if (v != DP_PACKET && v != DP_KEEPALIVE)
				log_warnx("session %ld: dropped a %zd-byte "
				    "datagram from the server: %s", s->idx, n,
				    dp_verdict_name(v));
		}
		if (errno != EAGAIN && errno != EINTR)
			return fail(s, "UDP receive: %s", strerror(errno));
	}
}

/*
 * Keep the session open for hold_seconds, answering PINGs. 1 when the
 * server ended it meanwhile (why in *how), 0 when the time passed, -1 on
 * an error (logged).
 */
static int
hold(struct session *s, char *how, size_t howlen)
{
	long deadline = now_ms() + s->o->hold_seconds * 1000L, left;
	struct ctl_msg m;
	int r;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		r = next_msg(s, &m, (int)left);
		if (r == -2)
			continue;
		if (r == 0) {
			snprintf(how, howlen, "closed the connection");
			return 1;
		}
		if (r == 1 && m.type == CTL_BYE) {
			snprintf(how, howlen, "sent BYE (%s)",
			    ctl_bye_reason_name(m.u.bye.reason));
			return 1;
		}
		if (r == 1)
			return fail(s, "server sent unexpected %s",
			    ctl_type_name(m.type));
		/*
		 * OpenSSL 3 reports a connection closed without close_notify
		 * (the server's tcpctl killed) as an error, not as an end of
		 * file.
		 */
		if (r == -1 && strstr(s->ch.err, "unexpected eof") != NULL) {
			snprintf(how, howlen, "closed the connection without "
			    "close_notify");
			return 1;
		}
		if (r == -1)
			return fail(s, "while holding: %s", s->ch.err);
		return -1;
	}
}

/* BYE, and the server must close its side in answer. */
static int
end_clean(struct session *s)
{
	struct ctl_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = CTL_BYE;
	m.u.bye.reason = BYE_SHUTDOWN;
	if (send_msg(s, &m) == -1)
		return -1;
	r = next_msg(s, &m, BYE_ANSWER_MS);
	if (r == 1)
		return fail(s, "server sent %s after our BYE",
		    ctl_type_name(m.type));
	if (r == -2)
		return fail(s, "server did not close within %d ms of our BYE",
		    BYE_ANSWER_MS);
	if (r == -1)
		return fail(s, "after our BYE: %s", s->ch.err);
	if (r != 0)
		return -1;
	channel_close(&s->ch, 0);
	s->have_channel = 0;
	return 0;
}

/*
 * Abort: a TCP reset (SO_LINGER 0). Drop: a plain close, as when a
 * client's process dies. Neither sends BYE or close_notify.
 */
static int
end_abort(struct session *s, int reset)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int r = 0;

	if (reset && setsockopt(s->ch.fd, SOL_SOCKET, SO_LINGER, &l,
	    sizeof(l)) == -1)
		r = fail(s, "setsockopt SO_LINGER: %s", strerror(errno));
	SSL_free(s->ch.ssl);
	s->ch.ssl = NULL;
	if (close(s->ch.fd) == -1 && r == 0)
		r = fail(s, "close: %s", strerror(errno));
	s->ch.fd = -1;
	s->have_channel = 0;
	return r;
}

/* Bytes that need not be a message: SSL_write with a deadline. */
static int
send_raw(struct session *s, const uint8_t *buf, size_t len)
{
	long deadline = now_ms() + SEND_TIMEOUT_MS;
	struct pollfd pfd = { .fd = s->ch.fd };
	char detail[256];
	int r, e;

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_write(s->ch.ssl, buf, (int)len)) == (int)len)
			return 0;
		e = SSL_get_error(s->ch.ssl, r);
		if ((e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) ||
		    now_ms() >= deadline)
			return fail(s, "sending %zu raw bytes: %s", len,
			    tls_errors(detail, sizeof(detail)));
		pfd.events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		(void)poll(&pfd, 1, 100);
	}
}

/*
 * The frame --bad names, on a session that is up, and what the server
 * made of it. 0 when it ended the session as it must, -1 otherwise.
 */
static int
bad_frame(struct session *s)
{
	static const char *const names[] = { "", "oversize", "truncate",
	    "unknown" };
	uint8_t buf[CTL_HDR_LEN + 4096];
	struct ctl_msg m;
	size_t len = CTL_HDR_LEN;
	int r;

	memset(buf, 0, sizeof(buf));
	buf[0] = GUARD_PROTO_VERSION;
	buf[1] = CTL_PING;
	switch (s->o->bad) {
	case BAD_OVERSIZE:
		/* A header for 65535 bytes, and more than CTL_MAX_BODY. */
		buf[2] = buf[3] = 0xff;
		len = sizeof(buf);
		break;
	case BAD_TRUNCATE:
		/* 3 of the 8 bytes of a PING's nonce. */
		buf[3] = 8;
		len = CTL_HDR_LEN + 3;
		break;
	case BAD_UNKNOWN:
		buf[1] = 200;
		break;
	default:
		return fail(s, "no bad frame to send");
	}
	if (send_raw(s, buf, len) == -1)
		return -1;
	if (s->o->bad == BAD_TRUNCATE) {
		channel_close(&s->ch, 0);
		s->have_channel = 0;
		printf("testclient: session %ld: sent %s frame; closed\n",
		    s->idx, names[s->o->bad]);
		return 0;
	}
	r = next_msg(s, &m, MESSAGE_TIMEOUT_MS);
	if (r == 1 && m.type == CTL_BYE && m.u.bye.reason == BYE_PROTOCOL) {
		printf("testclient: session %ld: sent %s frame; server said "
		    "BYE (%s)\n", s->idx, names[s->o->bad],
		    ctl_bye_reason_name(m.u.bye.reason));
		return 0;
	}
	if (r == 1)
		return fail(s, "server answered the %s frame with %s",
		    names[s->o->bad], ctl_type_name(m.type));
	if (r == -2)
		return fail(s, "server did not answer the %s frame within %d "
		    "s", names[s->o->bad], MESSAGE_TIMEOUT_MS / 1000);
	return fail(s, "server closed without BYE after the %s frame%s%s",
	    names[s->o->bad], r == -1 ? ": " : "", r == -1 ? s->ch.err : "");
}

static void
report_up(const struct session *s)
{
	char a4[PREFIX_STRLEN] = "-", a6[PREFIX_STRLEN] = "-";

	if (s->o->verbose < 1)
		return;
	if (s->cfg.addr4.family)
		prefix_fmt(&s->cfg.addr4, a4, sizeof(a4));
	if (s->cfg.addr6.family)
		prefix_fmt(&s->cfg.addr6, a6, sizeof(a6));
	printf("testclient: session %ld up: %s %s udp port %u%s%s\n", s->idx,
	    a4, a6, s->cfg.udp_port, s->o->keepalive ? " keepalive ok" : "",
	    s->o->ping.family ? " ping ok" : "");
	fflush(stdout);
}

/* Release whatever the session still holds. */
static void
session_release(struct session *s)
{
	if (s->have_channel)
		channel_close(&s->ch, 0);
	else if (s->tcp != -1)
		close(s->tcp);
	s->have_channel = 0;
	s->tcp = -1;
	if (s->udp != -1)
		close(s->udp);
	s->udp = -1;
	dp_keys_clear(&s->keys);
}

/* Connect, TLS, CONFIG, keys, and the keepalive and ping asked for. */
static int
session_up(struct session *s)
{
	s->t[0] = now_ms();
	if (tcp_connect(s) == -1)
		return -1;
	s->t[1] = now_ms();
	if (channel_init(&s->ch, s->ctx, s->tcp, ROLE_CLIENT,
	    s->o->server_name) == -1) {
		/* The socket is still ours (s->tcp); the SSL may exist. */
		SSL_free(s->ch.ssl);
		s->ch.ssl = NULL;
		s->ch.fd = -1;
		return fail(s, "TLS set-up: %s", s->ch.err);
	}
	s->have_channel = 1;		/* the channel owns the socket now */
	s->tcp = -1;
	if (channel_handshake(&s->ch, ROLE_CLIENT, HANDSHAKE_TIMEOUT_MS) != 0)
		return fail(s, "%s", s->ch.err);
	if (setup(s) == -1)
		return -1;
	if (s->o->keepalive && keepalive(s) == -1)
		return -1;
	if (s->o->ping.family && ping(s) == -1)
		return -1;
	report_up(s);
	return 0;
}

/* The end --mode asks for. */
static int
session_end(struct session *s, enum end_mode end)
{
	if (end == END_CLEAN)
		return end_clean(s);
	return end_abort(s, end == END_ABORT);
}

static int
session_body(struct session *s, enum end_mode end)
{
	char how[64];
	int r;

	if (session_up(s) == -1)
		return -1;
	if (s->o->bad != BAD_NONE)
		return bad_frame(s);
	if (s->o->hold_seconds > 0) {
		if ((r = hold(s, how, sizeof(how))) == -1)
			return -1;
		if (s->o->expect_close) {
			if (r == 0)
				return fail(s, "server did not end the "
				    "session within %ld s", s->o->hold_seconds);
			log_debug("session %ld: server %s", s->idx, how);
			channel_close(&s->ch, 0);
			s->have_channel = 0;
			return 0;
		}
		if (r == 1)
			return fail(s, "server %s while the session was held",
			    how);
	}
	return session_end(s, end);
}

static void
session_init(struct session *s, const struct opts *o, SSL_CTX *ctx, long i)
{
	memset(s, 0, sizeof(*s));
	s->idx = i + 1;
	s->o = o;
	s->ctx = ctx;
	s->tcp = s->udp = -1;
	s->ch.fd = -1;
}

/* How session i ends. */
static enum end_mode
end_of(const struct opts *o, long i)
{
	if (o->mode == END_MIXED)
		return i % 2 == 0 ? END_CLEAN : END_ABORT;
	return o->mode;
}

/* Release what s holds; r is how it went. Returns r. */
static int
session_done(struct session *s, int r)
{
	session_release(s);
	wipe(&s->cfg, sizeof(s->cfg));
	s->t[5] = now_ms();
	if (r == 0)
		log_debug("session %ld: ok in %ld ms: TCP %ld, TLS %ld, CONFIG "
		    "%ld, keys %ld, the rest %ld", s->idx, s->t[5] - s->t[0],
		    s->t[1] - s->t[0], s->t[2] - s->t[1], s->t[3] - s->t[2],
		    s->t[4] - s->t[3], s->t[5] - s->t[4]);
	return r;
}

static int
session_run(const struct opts *o, SSL_CTX *ctx, long i)
{
	struct session s;

	session_init(&s, o, ctx, i);
	return session_done(&s, session_body(&s, end_of(o, i)));
}

/* ---- sessions held together (--together) ------------------------------- */

/*
 * Serve a held session without waiting: answer the server's PINGs, take
 * in its datagrams, send a keepalive when one is due. 0, or -1 when the
 * session is over (logged).
 */
static int
serve(struct session *s)
{
	static const struct dp_sources nosources;
	uint8_t buf[DATA_MAX_DGRAM];
	const uint8_t *pkt;
	size_t pktlen;
	struct ctl_msg m;
	ssize_t n;
	int r;

	r = next_msg(s, &m, 0);
	if (r == 1 && m.type == CTL_BYE)
		return fail(s, "server sent BYE (%s) while the session was "
		    "held", ctl_bye_reason_name(m.u.bye.reason));
	if (r == 1)
		return fail(s, "server sent unexpected %s",
		    ctl_type_name(m.type));
	if (r == 0)
		return fail(s, "server closed the connection while the "
		    "session was held");
	if (r == -1)
		return fail(s, "while holding: %s", s->ch.err);
	if (r != -2)
		return -1;
	while ((n = recv(s->udp, buf, sizeof(buf), 0)) >= 0)
		(void)dp_open(&s->keys, &nosources, buf, (size_t)n, &pkt,
		    &pktlen);
	if (errno != EAGAIN && errno != EINTR)
		return fail(s, "UDP receive: %s", strerror(errno));
	if (now_ms() >= s->next_keepalive) {
		if (send_keepalive(s) == -1)
			return -1;
		s->next_keepalive = now_ms() + HELD_KEEPALIVE_MS;
	}
	return 0;
}

/* Serve every session still held; one that is over is released. */
static void
serve_all(struct session **held, long n, struct tally *t)
{
	long k;

	for (k = 0; k < n; k++)
		if (held[k] != NULL && serve(held[k]) == -1) {
			session_done(held[k], -1);
			free(held[k]);
			held[k] = NULL;
			t->failed++;
		}
}

/*
 * Sessions first, first + step, ... below count, all open at once: set
 * up one after another, held for hold_seconds after the last came up,
 * pinged through again, then ended.
 */
static void
run_together(const struct opts *o, SSL_CTX **ctx, long first, long step,
    struct tally *t)
{
	struct session **held;
	struct pollfd *pfd;
	long i, k, n = 0, cap, deadline, wait, due;
	int r;

	cap = (o->count - first + step - 1) / step;
	held = calloc((size_t)cap, sizeof(*held));
	pfd = calloc((size_t)cap * 2, sizeof(*pfd));
	if (held == NULL || pfd == NULL) {
		log_warnx("no memory for %ld sessions", cap);
		t->failed += cap;
		free(held);
		free(pfd);
		return;
	}
	for (i = first; i < o->count; i += step) {
		if ((held[n] = malloc(sizeof(**held))) == NULL) {
			log_warnx("session %ld: no memory", i + 1);
			t->failed++;
			continue;
		}
		session_init(held[n], o, ctx[i % o->ncert], i);
		if (session_up(held[n]) == -1) {
			session_done(held[n], -1);
			free(held[n]);
			held[n] = NULL;
			t->failed++;
			continue;
		}
		held[n]->next_keepalive = now_ms() + HELD_KEEPALIVE_MS;
		serve_all(held, ++n, t);
	}
	deadline = now_ms() + o->hold_seconds * 1000L;
	while ((wait = deadline - now_ms()) > 0) {
		for (k = 0; k < n; k++) {
			pfd[2 * k].fd = held[k] ? held[k]->ch.fd : -1;
			pfd[2 * k + 1].fd = held[k] ? held[k]->udp : -1;
			pfd[2 * k].events = pfd[2 * k + 1].events = POLLIN;
			due = held[k] ? held[k]->next_keepalive - now_ms() : wait;
			if (due < wait)
				wait = due > 0 ? due : 0;
		}
		if (poll(pfd, (nfds_t)(2 * n), (int)wait) == -1 &&
		    errno != EINTR)
			log_warn("poll");
		serve_all(held, n, t);
	}
	for (k = 0; k < n; k++) {
		if (held[k] == NULL)
			continue;
		r = o->ping.family ? ping(held[k]) : 0;
		if (r == 0)
			r = session_end(held[k], end_of(o, held[k]->idx - 1));
		if (session_done(held[k], r) == 0)
			t->ok++;
		else
			t->failed++;
		free(held[k]);
	}
	free(held);
	free(pfd);
}

/* ---- running many ------------------------------------------------------ */

/* Sessions first, first + step, ... below count. */
static void
run_range(const struct opts *o, SSL_CTX **ctx, long first, long step,
    struct tally *t)
{
	long i;

	if (o->together) {
		run_together(o, ctx, first, step, t);
		return;
	}
	for (i = first; i < o->count; i += step) {
		if (session_run(o, ctx[i % o->ncert], i) == 0)
			t->ok++;
		else
			t->failed++;
	}
}

static long
sessions_of(const struct opts *o, long w)
{
	return (o->count - w + o->parallel - 1) / o->parallel;
}

/* P workers; each reports its tally over a pipe. */
static void
run_parallel(const struct opts *o, SSL_CTX **ctx, struct tally *total)
{
	static pid_t pids[MAX_PARALLEL];
	static int reported[MAX_PARALLEL];
	struct tally t;
	char how[64];
	int p[2], status;
	long w, started = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("pipe");
		total->failed = o->count;
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (w = 0; w < o->parallel; w++) {
		if ((pid = fork()) == -1) {
			log_warn("fork of worker %ld", w);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			memset(&t, 0, sizeof(t));
			t.worker = w;
			run_range(o, ctx, w, o->parallel, &t);
			fflush(stdout);
			if (write(p[1], &t, sizeof(t)) != (ssize_t)sizeof(t))
				_exit(3);
			_exit(0);
		}
		pids[w] = pid;
		started++;
	}
	close(p[1]);
	while ((n = read(p[0], &t, sizeof(t))) == (ssize_t)sizeof(t)) {
		if (t.worker < 0 || t.worker >= started ||
		    reported[t.worker]) {
			log_warnx("bad report from a worker");
			continue;
		}
		reported[t.worker] = 1;
		total->ok += t.ok;
		total->failed += t.failed;
	}
	if (n != 0)
		log_warnx("reading worker reports: %s", n == -1 ?
		    strerror(errno) : "short read");
	close(p[0]);
	for (w = 0; w < started; w++) {
		while (waitpid(pids[w], &status, 0) == -1 && errno == EINTR)
			;
		if (reported[w])
			continue;
		if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "was killed by signal %d",
			    WTERMSIG(status));
		else
			snprintf(how, sizeof(how), "exited with status %d",
			    WEXITSTATUS(status));
		log_warnx("worker %ld %s without a report; its %ld sessions "
		    "count as failed", w, how, sessions_of(o, w));
		total->failed += sessions_of(o, w);
	}
	/* Workers that never started: their sessions never ran. */
	for (w = started; w < o->parallel; w++)
		total->failed += sessions_of(o, w);
}

int
main(int argc, char **argv)
{
	static SSL_CTX *ctx[MAX_PAIRS];
	struct opts o;
	struct tally total;
	struct rlimit rl;
	char err[512];
	int i;

	parse_args(&o, argc, argv);
	/* --together holds two descriptors per session. */
	if (o.together && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	log_init(1, o.verbose > 1, "testclient");
	log_procinit("testclient");
	signal(SIGPIPE, SIG_IGN);
	resolve(&o);
	/* Load every certificate once; each session gets an SSL of its own. */
	for (i = 0; i < o.ncert; i++) {
		ctx[i] = tls_ctx_new(ROLE_CLIENT, o.ca, o.cert[i], o.key[i], "",
		    err, sizeof(err));
		if (ctx[i] == NULL) {
			log_warnx("%s", err);
			printf("testclient: %ld sessions, 0 ok, %ld failed\n",
			    o.count, o.count);
			return 1;
		}
	}
	memset(&total, 0, sizeof(total));
	if (o.parallel == 1)
		run_range(&o, ctx, 0, 1, &total);
	else
		run_parallel(&o, ctx, &total);
	for (i = 0; i < o.ncert; i++)
		SSL_CTX_free(ctx[i]);
	printf("testclient: %ld sessions, %ld ok, %ld failed\n", o.count,
	    total.ok, total.failed);
	return total.failed == 0 && total.ok == o.count ? 0 : 1;
}

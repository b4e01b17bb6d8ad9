/*
 * guard-flood: abuse of a Guard server's control port, for tests that
 * check that guardd keeps serving its peers meanwhile. It speaks no more
 * of the protocol than each attack needs and needs no certificate.
 *
 *   guard-flood --peer ADDR[:PORT] [--from ADDR]... MODE [options]
 *
 *   garbage [--count N] [--bytes B]
 *       N connections one after another (default 1), each sending B
 *       random bytes (default 512) and then closing its sending side.
 *       A connection the server reads and closes is "served"; one it
 *       resets without reading is "reset" (refused at accept).
 *       Prints "garbage: N connections in T ms: S served, R reset, F
 *       failed".
 *   slowloris [--seconds S]
 *       One connection that sends the first half of a real TLS 1.3
 *       ClientHello, then one more byte each second, until the server
 *       closes it or S seconds pass (default 30). Prints "slowloris:
 *       server closed (or reset) the connection after X.Y s (B bytes
 *       sent)" and exits 0, or
 *       "slowloris: still open after S s" and exits 1.
 *   hold --count N [--seconds S]
 *       N connections at once that send nothing (half-open as far as the
 *       server's handshake goes), held for S seconds (default 10) from
 *       the first connect. Prints "hold: N connected, F failed" once every
 *       connect has finished, and at the end "hold: N connected, R closed
 *       at once, C closed later (first at X.X s, last at Y.Y s), O still
 *       open", where "at once" means within 1 s of connecting.
 *
 * --from binds each connection to a source address, taking the ones
 * given in turn. The exit status is 0 when the attack ran (whatever the
 * server did), 1 when it could not (or slowloris was not cut off), 2 for
 * a usage error.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

enum {
	MAX_FROM = 16,
	MAX_HOLD = 4000,
	CONNECT_TIMEOUT_MS = 5000,
	ANSWER_TIMEOUT_MS = 5000,	/* garbage: the server's close */
	AT_ONCE_MS = 1000,
	HELLO_MAX = 4096,
};

enum mode { M_GARBAGE, M_SLOWLORIS, M_HOLD };

struct opts {
	char host[256];
	const char *port;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct sockaddr_storage from[MAX_FROM];
	socklen_t fromlen[MAX_FROM];
	int nfrom;
	enum mode mode;
	long count;
	long bytes;
	long seconds;
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: guard-flood --peer ADDR[:PORT] [--from ADDR]... "
	    "MODE [options]\n"
	    "  garbage [--count N] [--bytes B]\n"
	    "  slowloris [--seconds S]\n"
	    "  hold --count N [--seconds S]\n");
	exit(2);
}

static long
number_arg(const char *name, const char *v, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "guard-flood: --%s %s: want %ld..%ld\n", name,
		    v, min, max);
		exit(2);
	}
	return n;
}

/* A numeric address (and port) into ss; -1 when it is none. */
static int
numeric_addr(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* ADDR[:PORT], [IPv6]:PORT or a bare IPv6 address. */
static void
peer_arg(struct opts *o, const char *arg)
{
	static char port[8] = "51820";
	const char *v = arg, *colon, *end;
	size_t n;

	if (v[0] == '[') {
		if ((end = strchr(v, ']')) == NULL)
			goto bad;
		n = (size_t)(end - v - 1);
		v++;
		if (end[1] == ':')
			snprintf(port, sizeof(port), "%s", end + 2);
		else if (end[1] != '\0')
			goto bad;
	} else if ((colon = strchr(v, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - v);
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else
		n = strlen(v);
	if (n == 0 || n >= sizeof(o->host))
		goto bad;
	memcpy(o->host, v, n);
	o->host[n] = '\0';
	number_arg("peer port", port, 1, 65535);
	o->port = port;
	if (numeric_addr(o->host, o->port, &o->peer, &o->peerlen) == 0)
		return;
bad:
	fprintf(stderr, "guard-flood: --peer %s: not ADDR[:PORT]\n", arg);
	exit(2);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_PEER = 256, O_FROM, O_COUNT, O_BYTES, O_SECONDS };
	static const struct option longopts[] = {
		{ "peer", required_argument, NULL, O_PEER },
		{ "from", required_argument, NULL, O_FROM },
		{ "count", required_argument, NULL, O_COUNT },
		{ "bytes", required_argument, NULL, O_BYTES },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = -1;
	o->bytes = 512;
	o->seconds = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_PEER:
			peer_arg(o, optarg);
			break;
		case O_FROM:
			if (o->nfrom == MAX_FROM || numeric_addr(optarg, "0",
			    &o->from[o->nfrom], &o->fromlen[o->nfrom]) == -1)
				usage();
			o->nfrom++;
			break;
		case O_COUNT:
			o->count = number_arg("count", optarg, 1, MAX_HOLD);
			break;
		case O_BYTES:
			o->bytes = number_arg("bytes", optarg, 1, 1 << 20);
			break;
		case O_SECONDS:
			o->seconds = number_arg("seconds", optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || o->port == NULL)
		usage();
	mode = argv[optind];
	if (strcmp(mode, "garbage") == 0)
		o->mode = M_GARBAGE;
	else if (strcmp(mode, "slowloris") == 0)
		o->mode = M_SLOWLORIS;
	else if (strcmp(mode, "hold") == 0)
		o->mode = M_HOLD;
	else
		usage();
	if (o->mode == M_HOLD && o->count == -1)
		usage();
	if (o->count == -1)
		o->count = 1;
	if (o->seconds == -1)
		o->seconds = o->mode == M_HOLD ? 10 : 30;
	for (c = 0; c < o->nfrom; c++)
		if (o->from[c].ss_family != o->peer.ss_family) {
			fprintf(stderr, "guard-flood: --from and --peer must "
			    "be of one address family\n");
			exit(2);
		}
}

/* ---- connections ------------------------------------------------------- */

/* A non-blocking connect from source i (of those given), under way. */
static int
connect_start(const struct opts *o, long i)
{
	int fd, one = 1;

	fd = socket(o->peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		fprintf(stderr, "guard-flood: socket: %s\n", strerror(errno));
		return -1;
	}
	if (o->nfrom > 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (bind(fd, (const struct sockaddr *)&o->from[i % o->nfrom],
		    o->fromlen[i % o->nfrom]) == -1) {
			fprintf(stderr, "guard-flood: bind: %s\n",
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (const struct sockaddr *)&o->peer, o->peerlen) ==
	    -1 && errno != EINPROGRESS) {
		fprintf(stderr, "guard-flood: connect: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* 0 once the connect finished, -1 when it failed (errno set). */
static int
connect_result(int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * A connection that was made and then reset before we looked: the
 * server accepted it and closed it at once, which is an answer too.
 */
static int
was_reset(void)
{
	return errno == ECONNRESET || errno == EPIPE;
}

/*
 * A blocking-style connect with a deadline. The socket, -1 when it
 * failed, or -2 when the server reset it at once.
 */
static int
connect_wait(const struct opts *o, long i)
{
	struct pollfd pfd;
	int fd, r;

	if ((fd = connect_start(o, i)) == -1)
		return -1;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do {
		r = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
	} while (r == -1 && errno == EINTR);
	if (r == 1 && connect_result(fd) == 0)
		return fd;
	close(fd);
	if (r == 1 && was_reset())
		return -2;
	fprintf(stderr, "guard-flood: connect to %s: %s\n", o->host,
	    r == 1 ? strerror(errno) : "no answer");
	return -1;
}

/*
 * Read until the server closes: 1 after an orderly close (it read what
 * we sent and ended), 0 after a reset, -1 when it stays open past
 * timeout_ms.
 */
static int
wait_close(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long deadline = now_ms() + timeout_ms, left;
	char buf[4096];
	ssize_t n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return -1;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 1;
		if (n == -1 && (errno == ECONNRESET || errno == EPIPE))
			return 0;
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return 0;
	}
}

/* ---- garbage ----------------------------------------------------------- */

/* 1 served, 0 reset, -1 failed. */
static int
garbage_one(const struct opts *o, long i)
{
	unsigned char *buf;
	ssize_t n;
	int fd, r;

	if ((fd = connect_wait(o, i)) < 0)
		return fd == -2 ? 0 : -1;
	if ((buf = malloc((size_t)o->bytes)) == NULL ||
	    RAND_bytes(buf, (int)o->bytes) != 1) {
		free(buf);
		close(fd);
		return -1;
	}
	/* Not a TLS record: the first byte is no content type. */
	buf[0] = 0xff;
	n = send(fd, buf, (size_t)o->bytes, MSG_NOSIGNAL);
	free(buf);
	if (n == -1 && was_reset()) {
		close(fd);
		return 0;
	}
	/* Our side is done: the server need not wait for more. */
	(void)shutdown(fd, SHUT_WR);
	r = wait_close(fd, ANSWER_TIMEOUT_MS);
	close(fd);
	if (r == -1)
		fprintf(stderr, "guard-flood: garbage %ld: the server did not "
		    "close within %d s\n", i + 1, ANSWER_TIMEOUT_MS / 1000);
	return r;
}

static int
run_garbage(const struct opts *o)
{
	long i, served = 0, reset = 0, failed = 0, t0 = now_ms();
	int r;

	for (i = 0; i < o->count; i++) {
		r = garbage_one(o, i);
		if (r == 1)
			served++;
		else if (r == 0)
			reset++;
		else
			failed++;
	}
	printf("garbage: %ld connections in %ld ms: %ld served, %ld reset, "
	    "%ld failed\n", o->count, now_ms() - t0, served, reset, failed);
	return failed == 0 ? 0 : 1;
}

/* ---- slowloris ----------------------------------------------------------- */

/* The bytes of a real TLS 1.3 ClientHello, as a client would send them. */
static int
client_hello(unsigned char *out, size_t max, size_t *len)
{
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	char *data;
	long n;
	int ok = -1;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	ssl = SSL_new(ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	if (ssl == NULL || rb == NULL || wb == NULL) {
		BIO_free(rb);
		BIO_free(wb);
		goto done;
	}
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	(void)SSL_do_handshake(ssl);
	n = BIO_get_mem_data(wb, &data);
	if (n > 0 && (size_t)n <= max) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
		ok = 0;
	}
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return ok;
}

static int
run_slowloris(const struct opts *o)
{
	unsigned char hello[HELLO_MAX];
	size_t len, sent;
	long t0, deadline, next;
	int fd, r;

	if (client_hello(hello, sizeof(hello), &len) == -1 || len < 16) {
		fprintf(stderr, "guard-flood: cannot make a ClientHello\n");
		return 1;
	}
	if ((fd = connect_wait(o, 0)) < 0) {
		if (fd == -2)
			printf("slowloris: server reset the connection at "
			    "once\n");
		return 1;
	}
	t0 = now_ms();
	deadline = t0 + o->seconds * 1000L;
	sent = len / 2;
	if (send(fd, hello, sent, MSG_NOSIGNAL) != (ssize_t)sent) {
		fprintf(stderr, "guard-flood: send: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	/* One byte a second: never quite a ClientHello, never quite idle. */
	for (next = t0 + 1000; now_ms() < deadline; next += 1000) {
		r = wait_close(fd, (int)((next < deadline ? next : deadline) -
		    now_ms()));
		if (r != -1) {
			printf("slowloris: server %s the connection after "
			    "%.1f s (%zu bytes sent)\n", r ? "closed" : "reset",
			    (double)(now_ms() - t0) / 1000.0, sent);
			close(fd);
			return 0;
		}
		if (sent < len - 1 &&
		    send(fd, hello + sent, 1, MSG_NOSIGNAL) == 1)
			sent++;
	}
	close(fd);
	printf("slowloris: still open after %ld s (%zu bytes sent)\n",
	    o->seconds, sent);
	return 1;
}

/* ---- hold -------------------------------------------------------------- */

struct held {
	int fd;
	int state;			/* 0 connecting, 1 open, 2 closed */
	long opened;			/* ms */
	long closed;
};

static void
raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)need &&
	    rl.rlim_max >= (rlim_t)need) {
		rl.rlim_cur = (rlim_t)need;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Look at every connection once; returns how many are still connecting. */
static long
hold_poll(struct held *h, struct pollfd *pfd, long n, int timeout_ms,
    long *failed)
{
	long i, connecting = 0;
	char buf[512];
	ssize_t r;

	for (i = 0; i < n; i++) {
		pfd[i].fd = h[i].state == 2 ? -1 : h[i].fd;
		pfd[i].events = h[i].state == 0 ? POLLOUT : POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)n, timeout_ms) == -1 && errno != EINTR)
		return -1;
	for (i = 0; i < n; i++) {
		if (h[i].state == 0 && pfd[i].revents) {
			h[i].opened = now_ms();
			if (connect_result(h[i].fd) == -1) {
				h[i].state = 2;
				h[i].closed = was_reset() ? h[i].opened : -1;
				if (h[i].closed == -1)
					(*failed)++;
				continue;
			}
			h[i].state = 1;
		} else if (h[i].state == 1 && pfd[i].revents) {
			r = recv(h[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0 || (r == -1 && errno == EAGAIN))
				continue;
			h[i].state = 2;
			h[i].closed = now_ms();
		}
		if (h[i].state == 0)
			connecting++;
	}
	return connecting;
}

static void
hold_report(const struct held *h, long n, long failed, long t0)
{
	long i, at_once = 0, later = 0, open = 0, first = -1, last = -1, dt;

	for (i = 0; i < n; i++) {
		if (h[i].state == 1)
			open++;
		if (h[i].state != 2 || h[i].closed == -1)
			continue;
		if (h[i].closed - h[i].opened < AT_ONCE_MS) {
			at_once++;
			continue;
		}
		later++;
		dt = h[i].closed - t0;
		if (first == -1 || dt < first)
			first = dt;
		if (dt > last)
			last = dt;
	}
	printf("hold: %ld connected, %ld closed at once, %ld closed later "
	    "(first at %.1f s, last at %.1f s), %ld still open\n",
	    n - failed, at_once, later, first < 0 ? 0.0 : first / 1000.0,
	    last < 0 ? 0.0 : last / 1000.0, open);
}

static int
run_hold(const struct opts *o)
{
	struct held *h;
	struct pollfd *pfd;
	long i, t0 = now_ms(), end = t0 + o->seconds * 1000L, failed = 0;
	long connecting = o->count, left;
	int reported = 0;

	raise_nofile(o->count + 16);
	h = calloc((size_t)o->count, sizeof(*h));
	pfd = calloc((size_t)o->count, sizeof(*pfd));
	if (h == NULL || pfd == NULL) {
		fprintf(stderr, "guard-flood: out of memory\n");
		return 1;
	}
	for (i = 0; i < o->count; i++) {
		if ((h[i].fd = connect_start(o, i)) == -1) {
			failed++;
			h[i].state = 2;
			h[i].closed = -1;
		}
	}
	while ((left = end - now_ms()) > 0) {
		connecting = hold_poll(h, pfd, o->count, left > 100 ? 100 :
		    (int)left, &failed);
		if (connecting == -1)
			break;
		if (!reported && (connecting == 0 ||
		    now_ms() - t0 > CONNECT_TIMEOUT_MS)) {
			printf("hold: %ld connected, %ld failed\n",
			    o->count - failed - connecting, failed + connecting);
			fflush(stdout);
			reported = 1;
		}
	}
	hold_report(h, o->count, failed + (connecting > 0 ? connecting : 0),
	    t0);
	for (i = 0; i < o->count; i++)
		if (h[i].fd != -1)
			close(h[i].fd);
	free(h);
	free(pfd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;

	parse_args(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (o.mode) {
	case M_GARBAGE:
		return run_garbage(&o);
	case M_SLOWLORIS:
		return run_slowloris(&o);
	case M_HOLD:
		return run_hold(&o);
	}
	return 2;
}

/*
 * guard-attack: hostile datagrams for a Guard data port, for tests.
 *
 *   guard-attack capture IFACE PORT COUNT FILE [SECONDS]
 *       Capture COUNT outgoing UDP datagrams to PORT on IFACE (an
 *       AF_PACKET socket, so it runs in the sender's namespace) and save
 *       their payloads to FILE. Only datagrams that carry a packet are
 *       kept (longer than a sealed keepalive), so that every mutation
 *       below has a body to work on. Gives up after SECONDS (10).
 *   guard-attack send FILE HOST PORT [--mutate MUTATION] [--src-port P]
 *       Send each saved payload, changed by MUTATION, from an ordinary UDP
 *       socket (bound to source port P if given):
 *         exact          unchanged
 *         flip-type      a bit of the type byte
 *         flip-flags     a bit of the flags byte
 *         flip-epoch     the low bit of the epoch
 *         flip-session   the low bit of the session id
 *         flip-counter   bit 40 of the counter: far ahead of any window,
 *                        so only the tag can refuse it
 *         flip-body      a bit of the first ciphertext byte
 *         flip-tag       a bit of the last tag byte
 *         session:N      the session id set to N (not the one it had)
 *         truncate:K     only the first K bytes (K below the length)
 *         pad:K          zeros appended up to K bytes (K above the length)
 *   guard-attack random HOST PORT COUNT
 *       COUNT datagrams of random bytes: first the edge lengths 0, 1,
 *       header - 1, header, header + tag - 1, header + tag, 1500 and 65507,
 *       then random lengths up to 1500.
 *   guard-attack spoof-inner SRC DST COUNT
 *       COUNT ICMP echo requests from IPv4 address SRC to DST through a raw
 *       socket (IP_HDRINCL): run where DST routes into a tunnel, with SRC
 *       another peer's address, and they arrive sealed with this peer's
 *       keys but from a source it may not use.
 *
 * Datagrams are paced a millisecond apart so that a receiver's socket
 * buffer never drops any: tests count each one. FILE is "GUARDCAP1\n"
 * followed by records of a 2-byte big-endian length and that many bytes;
 * it is checked record by record when read back. The last line on stdout
 * says what was done; errors go to stderr. Exit status 0, 1 on failure,
 * 2 for a usage error.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

enum {
	MAX_UDP = 65507,		/* largest IPv4 UDP payload */
	MAX_RECORDS = 1024,
	MAX_COUNT = 100000,
	CAPTURE_SECONDS = 10,
	PACE_NS = 1000000,		/* between two datagrams sent */
	ICMP_DATA = 56,			/* as ping's default */
};

static const char MAGIC[] = "GUARDCAP1\n";
#define MAGIC_LEN	(sizeof(MAGIC) - 1)

struct record {
	size_t len;
	uint8_t *data;
};

struct capfile {
	size_t n;
	struct record r[MAX_RECORDS];
};

enum mutation {
	M_EXACT, M_FLIP_TYPE, M_FLIP_FLAGS, M_FLIP_EPOCH, M_FLIP_SESSION,
	M_FLIP_COUNTER, M_FLIP_BODY, M_FLIP_TAG, M_SESSION, M_TRUNCATE, M_PAD,
};

struct mutate {
	enum mutation kind;
	unsigned long arg;		/* session:N, truncate:K, pad:K */
	const char *name;		/* as given, for messages */
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: guard-attack capture IFACE PORT COUNT FILE [SECONDS]\n"
	    "       guard-attack send FILE HOST PORT [--mutate MUTATION] "
	    "[--src-port P]\n"
	    "       guard-attack random HOST PORT COUNT\n"
	    "       guard-attack spoof-inner SRC DST COUNT\n");
	exit(2);
}

/* A decimal number from min to max, or usage. */
static unsigned long
number(const char *s, unsigned long min, unsigned long max, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	return v;
bad:
	fprintf(stderr, "guard-attack: %s: want a number from %lu to %lu, "
	    "not '%s'\n", what, min, max, s);
	usage();
	return 0;
}

static void
pace(void)
{
	struct timespec ts = { 0, PACE_NS };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint16_t
be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- capture files ----------------------------------------------------- */

static int
capfile_write(const struct capfile *cf, const char *path)
{
	FILE *f;
	size_t i;
	int bad;

	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "guard-attack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	bad = fwrite(MAGIC, 1, MAGIC_LEN, f) != MAGIC_LEN;
	for (i = 0; i < cf->n && !bad; i++) {
		uint8_t len[2] = { (uint8_t)(cf->r[i].len >> 8),
		    (uint8_t)cf->r[i].len };

		bad = fwrite(len, 1, 2, f) != 2 ||
		    fwrite(cf->r[i].data, 1, cf->r[i].len, f) != cf->r[i].len;
	}
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "guard-attack: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

static int
record_add(struct capfile *cf, const uint8_t *p, size_t len)
{
	if (cf->n == MAX_RECORDS || len > MAX_UDP)
		return -1;
	if ((cf->r[cf->n].data = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(cf->r[cf->n].data, p, len);
	cf->r[cf->n].len = len;
	cf->n++;
	return 0;
}

static void
capfile_free(struct capfile *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		free(cf->r[i].data);
	cf->n = 0;
}

/* Read and check FILE; a bad one is an error, never a crash. */
static int
capfile_read(struct capfile *cf, const char *path)
{
	static uint8_t buf[MAX_UDP];
	char magic[MAGIC_LEN];
	uint8_t len[2];
	size_t got, want;
	FILE *f;
	const char *why = NULL;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "guard-attack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(magic, 1, MAGIC_LEN, f) != MAGIC_LEN ||
	    memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		why = "not a capture file";
	while (why == NULL && (got = fread(len, 1, 2, f)) != 0) {
		want = be16_at(len);
		if (got != 2 || want > MAX_UDP)
			why = "a bad record length";
		else if (fread(buf, 1, want, f) != want)
			why = "a truncated record";
		else if (record_add(cf, buf, want) == -1)
			why = "too many records";
	}
	if (why == NULL && ferror(f))
		why = "a read error";
	if (why == NULL && cf->n == 0)
		why = "no records";
	fclose(f);
	if (why != NULL) {
		fprintf(stderr, "guard-attack: %s: %s (%zu good records "
		    "before)\n", path, why, cf->n);
		capfile_free(cf);
		return -1;
	}
	return 0;
}

/* ---- capture ----------------------------------------------------------- */

/*
 * The UDP payload of an IPv4 or IPv6 packet (no extension headers, not a
 * fragment) when its destination port is port: 1 with *p and *len set.
 */
static int
udp_payload(const uint8_t *b, size_t n, uint16_t ethertype, uint16_t port,
    const uint8_t **p, size_t *len)
{
	size_t ihl, tot, ulen;

	if (ethertype == ETH_P_IP) {
		if (n < 20 || b[0] >> 4 != 4)
			return 0;
		ihl = (size_t)(b[0] & 15) * 4;
		tot = be16_at(b + 2);
		if (ihl < 20 || tot > n || tot < ihl + 8 || b[9] != IPPROTO_UDP
		    || (be16_at(b + 6) & 0x3fff) != 0)
			return 0;
	} else if (ethertype == ETH_P_IPV6) {
		if (n < 40 || b[0] >> 4 != 6 || b[6] != IPPROTO_UDP)
			return 0;
		ihl = 40;
		tot = 40 + (size_t)be16_at(b + 4);
		if (tot > n || tot < ihl + 8)
			return 0;
	} else
		return 0;
	ulen = be16_at(b + ihl + 4);
	if (be16_at(b + ihl + 2) != port || ulen < 8 || ihl + ulen > tot)
		return 0;
	*p = b + ihl + 8;
	*len = ulen - 8;
	return 1;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Outgoing datagrams to port on ifindex, until count or the deadline. */
static int
capture_loop(int fd, int ifindex, uint16_t port, size_t count, long deadline,
    struct capfile *cf)
{
	static uint8_t buf[65536];
	struct sockaddr_ll sll;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t sl;
	const uint8_t *p;
	size_t len;
	ssize_t n;
	long left;

	while (cf->n < count && (left = deadline - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			perror("guard-attack: poll");
			return -1;
		}
		sl = sizeof(sll);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&sll, &sl);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("guard-attack: recvfrom");
			return -1;
		}
		/* Before bind took effect every interface was heard. */
		if (sll.sll_ifindex != ifindex ||
		    sll.sll_pkttype != PACKET_OUTGOING)
			continue;
		if (!udp_payload(buf, (size_t)n, ntohs(sll.sll_protocol), port,
		    &p, &len) || len <= DATA_OVERHEAD)
			continue;
		if (record_add(cf, p, len) == -1) {
			fprintf(stderr, "guard-attack: out of memory\n");
			return -1;
		}
	}
	return 0;
}

static int
cmd_capture(int argc, char **argv)
{
	struct capfile cf = { 0 };
	struct sockaddr_ll sll;
	const char *iface, *path;
	unsigned long port, count, seconds = CAPTURE_SECONDS;
	int fd, ifindex, rc = 1;

	if (argc != 5 && argc != 6)
		usage();
	iface = argv[1];
	port = number(argv[2], 1, 65535, "PORT");
	count = number(argv[3], 1, MAX_RECORDS, "COUNT");
	path = argv[4];
	if (argc == 6)
		seconds = number(argv[5], 1, 3600, "SECONDS");
	if ((ifindex = (int)if_nametoindex(iface)) == 0) {
		fprintf(stderr, "guard-attack: %s: %s\n", iface,
		    strerror(errno));
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd == -1) {
		perror("guard-attack: packet socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("guard-attack: bind packet socket");
		close(fd);
		return 1;
	}
	if (capture_loop(fd, ifindex, (uint16_t)port, count,
	    now_ms() + (long)seconds * 1000, &cf) == 0) {
		if (cf.n < count)
			fprintf(stderr, "guard-attack: only %zu of %lu "
			    "datagrams to port %lu in %lu s\n", cf.n, count,
			    port, seconds);
		else if (capfile_write(&cf, path) == 0) {
			printf("capture: %zu datagrams to port %lu saved to "
			    "%s\n", cf.n, port, path);
			rc = 0;
		}
	}
	close(fd);
	capfile_free(&cf);
	return rc;
}

/* ---- sending ----------------------------------------------------------- */

/* A UDP socket for HOST PORT, bound to src_port when not 0. */
static int
udp_socket(const char *host, unsigned long port, unsigned long src_port,
    struct sockaddr_storage *dst, socklen_t *dstlen)
{
	struct addrinfo hints, *ai;
	struct sockaddr_storage src;
	char serv[8];
	int fd, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%lu", port);
	if ((e = getaddrinfo(host, serv, &hints, &ai)) != 0) {
		fprintf(stderr, "guard-attack: %s: %s\n", host,
		    gai_strerror(e));
		return -1;
	}
	memcpy(dst, ai->ai_addr, ai->ai_addrlen);
	*dstlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if ((fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("guard-attack: UDP socket");
		return -1;
	}
	if (src_port == 0)
		return fd;
	memset(&src, 0, sizeof(src));
	src.ss_family = dst->ss_family;
	if (dst->ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = htons((uint16_t)src_port);
	else
		((struct sockaddr_in6 *)&src)->sin6_port =
		    htons((uint16_t)src_port);
	if (bind(fd, (struct sockaddr *)&src, *dstlen) == -1) {
		fprintf(stderr, "guard-attack: bind to port %lu: %s\n",
		    src_port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_one(int fd, const uint8_t *p, size_t len,
    const struct sockaddr_storage *dst, socklen_t dstlen)
{
	if (sendto(fd, p, len, 0, (const struct sockaddr *)dst, dstlen) !=
	    (ssize_t)len) {
		fprintf(stderr, "guard-attack: sending %zu bytes: %s\n", len,
		    strerror(errno));
		return -1;
	}
	pace();
	return 0;
}

/* NAME or NAME:N; the whole table of mutations is here. */
static void
mutation_parse(const char *s, struct mutate *m)
{
	static const struct {
		const char *name;
		enum mutation kind;
		int has_arg;
		unsigned long min, max;
	} tab[] = {
		{ "exact", M_EXACT, 0, 0, 0 },
		{ "flip-type", M_FLIP_TYPE, 0, 0, 0 },
		{ "flip-flags", M_FLIP_FLAGS, 0, 0, 0 },
		{ "flip-epoch", M_FLIP_EPOCH, 0, 0, 0 },
		{ "flip-session", M_FLIP_SESSION, 0, 0, 0 },
		{ "flip-counter", M_FLIP_COUNTER, 0, 0, 0 },
		{ "flip-body", M_FLIP_BODY, 0, 0, 0 },
		{ "flip-tag", M_FLIP_TAG, 0, 0, 0 },
		{ "session", M_SESSION, 1, 0, UINT32_MAX },
		{ "truncate", M_TRUNCATE, 1, 0, MAX_UDP },
		{ "pad", M_PAD, 1, 1, MAX_UDP },
	};
	const char *colon = strchr(s, ':');
	size_t i, len = colon ? (size_t)(colon - s) : strlen(s);

	m->name = s;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strlen(tab[i].name) != len ||
		    strncmp(tab[i].name, s, len) != 0)
			continue;
		if (tab[i].has_arg != (colon != NULL))
			break;
		m->kind = tab[i].kind;
		m->arg = colon ? number(colon + 1, tab[i].min, tab[i].max,
		    "MUTATION argument") : 0;
		return;
	}
	fprintf(stderr, "guard-attack: unknown mutation '%s'\n", s);
	usage();
}

/*
 * Apply m to the datagram in buf (room for MAX_UDP bytes, *len used).
 * -1 when it does not apply to this one (too short for the field, or the
 * change would leave it as it was): the caller skips it.
 */
static int
mutation_apply(const struct mutate *m, uint8_t *buf, size_t *len)
{
	uint8_t *sess = buf + offsetof(struct data_hdr, session);

	if (m->kind == M_TRUNCATE || m->kind == M_PAD) {
		if (m->kind == M_TRUNCATE ? m->arg >= *len : m->arg <= *len)
			return -1;
		if (m->kind == M_PAD)
			memset(buf + *len, 0, m->arg - *len);
		*len = m->arg;
		return 0;
	}
	if (m->kind == M_EXACT)
		return 0;
	/* Every other one changes a field of a whole sealed datagram. */
	if (*len <= DATA_OVERHEAD)
		return -1;
	switch (m->kind) {
	case M_FLIP_TYPE:
		buf[offsetof(struct data_hdr, type)] ^= 0x04;
		break;
	case M_FLIP_FLAGS:
		buf[offsetof(struct data_hdr, flags)] ^= 0x01;
		break;
	case M_FLIP_EPOCH:
		buf[offsetof(struct data_hdr, epoch) + 1] ^= 0x01;
		break;
	case M_FLIP_SESSION:
		sess[3] ^= 0x01;
		break;
	case M_FLIP_COUNTER:
		/* Byte 2 of the big-endian counter holds bits 40..47. */
		buf[offsetof(struct data_hdr, counter) + 2] ^= 0x01;
		break;
	case M_FLIP_BODY:
		buf[DATA_HDR_LEN] ^= 0x01;
		break;
	case M_FLIP_TAG:
		buf[*len - 1] ^= 0x01;
		break;
	case M_SESSION:
		if (((uint32_t)sess[0] << 24 | (uint32_t)sess[1] << 16 |
		    (uint32_t)sess[2] << 8 | sess[3]) == m->arg)
			return -1;
		sess[0] = (uint8_t)(m->arg >> 24);
		sess[1] = (uint8_t)(m->arg >> 16);
		sess[2] = (uint8_t)(m->arg >> 8);
		sess[3] = (uint8_t)m->arg;
		break;
	default:
		return -1;
	}
	return 0;
}

static int
cmd_send(int argc, char **argv)
{
	static uint8_t buf[MAX_UDP];
	static struct capfile cf;
	struct mutate m = { M_EXACT, 0, "exact" };
	struct sockaddr_storage dst;
	socklen_t dstlen;
	unsigned long port, src_port = 0;
	size_t i, len, sent = 0, skipped = 0;
	int fd, rc = 0, a;

	if (argc < 4)
		usage();
	port = number(argv[3], 1, 65535, "PORT");
	for (a = 4; a < argc; a += 2) {
		if (a + 1 == argc)
			usage();
		if (strcmp(argv[a], "--mutate") == 0)
			mutation_parse(argv[a + 1], &m);
		else if (strcmp(argv[a], "--src-port") == 0)
			src_port = number(argv[a + 1], 1, 65535, "--src-port");
		else
			usage();
	}
	if (capfile_read(&cf, argv[1]) == -1)
		return 1;
	if ((fd = udp_socket(argv[2], port, src_port, &dst, &dstlen)) == -1) {
		capfile_free(&cf);
		return 1;
	}
	for (i = 0; i < cf.n && rc == 0; i++) {
		len = cf.r[i].len;
		memcpy(buf, cf.r[i].data, len);
		if (mutation_apply(&m, buf, &len) == -1) {
			skipped++;
			continue;
		}
		if ((rc = send_one(fd, buf, len, &dst, dstlen)) == 0)
			sent++;
	}
	close(fd);
	capfile_free(&cf);
	if (rc == -1)
		return 1;
	printf("send: %zu datagrams (%s) to %s port %lu, %zu skipped\n", sent,
	    m.name, argv[2], port, skipped);
	return sent > 0 ? 0 : 1;
}

/* ---- random datagrams -------------------------------------------------- */

static int
random_fill(void *p, size_t len)
{
	uint8_t *b = p;
	ssize_t n;

	while (len > 0) {
		if ((n = getrandom(b, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			perror("guard-attack: getrandom");
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cmd_random(int argc, char **argv)
{
	static const size_t edges[] = { 0, 1, DATA_HDR_LEN - 1, DATA_HDR_LEN,
	    DATA_OVERHEAD - 1, DATA_OVERHEAD, 1500, MAX_UDP };
	static uint8_t buf[MAX_UDP];
	struct sockaddr_storage dst;
	socklen_t dstlen;
	unsigned long port, count, i;
	uint16_t r;
	size_t len = 0;
	int fd, rc = 0;

	if (argc != 4)
		usage();
	port = number(argv[2], 1, 65535, "PORT");
	count = number(argv[3], 1, MAX_COUNT, "COUNT");
	if ((fd = udp_socket(argv[1], port, 0, &dst, &dstlen)) == -1)
		return 1;
	for (i = 0; i < count && rc == 0; i++) {
		if (i < sizeof(edges) / sizeof(edges[0]))
			len = edges[i];
		else if ((rc = random_fill(&r, sizeof(r))) == 0)
			len = r % 1501;
		if (rc == 0 && (rc = random_fill(buf, len)) == 0)
			rc = send_one(fd, buf, len, &dst, dstlen);
	}
	close(fd);
	if (rc == -1)
		return 1;
	printf("random: %lu datagrams to %s port %lu\n", count, argv[1], port);
	return 0;
}

/* ---- spoofed inner source ---------------------------------------------- */

static uint16_t
inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16_at(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header and ICMP echo request number seq, src to dst, into pkt. */
static size_t
echo_build(uint8_t *pkt, struct in_addr src, struct in_addr dst, uint16_t seq)
{
	uint8_t *icmp = pkt + 20;
	size_t len = 20 + 8 + ICMP_DATA, i;

	memset(pkt, 0, len);
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)len);
	put16(pkt + 4, seq);
	put16(pkt + 6, 0x4000);			/* don't fragment */
	pkt[8] = 64;				/* TTL */
	pkt[9] = IPPROTO_ICMP;
	memcpy(pkt + 12, &src, 4);
	memcpy(pkt + 16, &dst, 4);
	put16(pkt + 10, inet_csum(pkt, 20));
	icmp[0] = 8;				/* echo request */
	put16(icmp + 4, (uint16_t)getpid());
	put16(icmp + 6, seq);
	for (i = 0; i < ICMP_DATA; i++)
		icmp[8 + i] = (uint8_t)i;
	put16(icmp + 2, inet_csum(icmp, 8 + ICMP_DATA));
	return len;
}

static int
cmd_spoof_inner(int argc, char **argv)
{
	uint8_t pkt[20 + 8 + ICMP_DATA];
	struct sockaddr_storage dst;
	struct sockaddr_in *sin = (struct sockaddr_in *)&dst;
	struct in_addr src;
	unsigned long count, i;
	size_t len;
	int fd, rc = 0;

	if (argc != 4)
		usage();
	if (inet_pton(AF_INET, argv[1], &src) != 1 ||
	    inet_pton(AF_INET, argv[2], &sin->sin_addr) != 1) {
		fprintf(stderr, "guard-attack: SRC and DST are IPv4 "
		    "addresses\n");
		usage();
	}
	count = number(argv[3], 1, MAX_COUNT, "COUNT");
	sin->sin_family = AF_INET;
	sin->sin_port = 0;
	/* IPPROTO_RAW implies IP_HDRINCL: our header, our source. */
	if ((fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) == -1) {
		perror("guard-attack: raw socket");
		return 1;
	}
	for (i = 0; i < count && rc == 0; i++) {
		len = echo_build(pkt, src, sin->sin_addr, (uint16_t)(i + 1));
		rc = send_one(fd, pkt, len, &dst, sizeof(*sin));
	}
	close(fd);
	if (rc == -1)
		return 1;
	printf("spoof-inner: %lu echo requests from %s to %s\n", count,
	    argv[1], argv[2]);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "capture") == 0)
		return cmd_capture(argc - 1, argv + 1);
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "random") == 0)
		return cmd_random(argc - 1, argv + 1);
	if (strcmp(argv[1], "spoof-inner") == 0)
		return cmd_spoof_inner(argc - 1, argv + 1);
	usage();
	return 2;
}

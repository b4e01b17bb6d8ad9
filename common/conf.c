/*
 * Guard configuration: one sorted table of keys serves the config file,
 * getopt_long and the usage text, so the three cannot drift apart.
 *
 * Order of precedence: built-in defaults, then the file named by -c, then
 * the command line. A repeatable key (listen, push-route, push-dns) given
 * on the command line replaces the file's list instead of adding to it, so
 * that a flag can always override what the file says; so does -v, which
 * counts from zero on the command line.
 *
 * Nothing here prints except conf_usage(); errors go into the caller's
 * buffer. Parsing keeps its state on the stack and is re-entrant, apart
 * from getopt's globals, which conf_load() resets before each pass.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "aead.h"
#include "conf.h"
#include "util.h"

#define DEFAULT_CHROOT		"/run/guard/empty"
#define DEFAULT_DEV_SERVER	"gd0"
#define DEFAULT_DEV_CLIENT	"gc0"

/* Beyond INT_MAX, so not enum constants. */
#define DEFAULT_UID_FIRST	UINT32_C(3000000000)
#define DEFAULT_UID_LAST	UINT32_C(3000999999)
/* A client's own range, so a client and a server on one host never mix. */
#define DEFAULT_CLIENT_UID_FIRST	UINT32_C(3001000000)
#define DEFAULT_CLIENT_UID_LAST		UINT32_C(3001000099)
/* (uid_t)-1 means "no change" to setresuid(): never a worker's uid. */
#define UID_LIMIT		UINT32_C(4294967295)

enum {
	QUEUE_DEPTH_MIN = 2,
	QUEUE_DEPTH_MAX = 64,
	QUEUE_DEPTH_DEFAULT = 8,
	REKEY_SECONDS_MIN = 1,
	REKEY_SECONDS_MAX = 86400,
	REKEY_SECONDS_DEFAULT = 120,
	KEEPALIVE_MIN = 1,
	KEEPALIVE_MAX = 3600,
	KEEPALIVE_DEFAULT = 10,
	DEAD_PEER_MIN = 3,
	DEAD_PEER_MAX = 86400,
	DEAD_PEER_DEFAULT = 60,
	HANDSHAKE_MIN = 1,
	HANDSHAKE_MAX = 300,
	HANDSHAKE_DEFAULT = 10,
	/*
	 * The control port: an unauthenticated connection costs two
	 * processes until its handshake is over, which takes a few ms from
	 * an honest client. One source may hold 8 of them at once and open
	 * 10 a second (20 at once after a quiet spell): room for many
	 * clients behind one NAT address, which otherwise retry; 64 in all
	 * leave the host its memory.
	 */
	MAX_PENDING_DEFAULT = 64,
	MAX_PENDING_PER_SOURCE_DEFAULT = 8,
	CONNECT_RATE_DEFAULT = 10,
	CONNECT_BURST_DEFAULT = 20,
	CONNECT_MAX = 100000,		/* connect-rate and connect-burst */
	POOL4_MIN_PLEN = 16,		/* as pool4_new() accepts */
	POOL4_MAX_PLEN = 30,
	POOL6_MIN_PLEN = 8,		/* as pool6_derive() accepts */
	POOL6_MAX_PLEN = 120,
	HOSTNAME_MAX = 253,
	LABEL_MAX = 63,
	QUOTE_MAX = 64,			/* bytes of bad input quoted back */
	SUGGEST_MAX_DIST = 2,		/* "did you mean": at most 2 typos */
	SUGGEST_MAX_LEN = 32,		/* longer words are not compared */
	WHY_MAX = 256,
	PLACE_MAX = PATH_MAX + 16,	/* "FILE:LINE: " */
	OPT_LONG_BASE = 256,		/* getopt values of long-only flags */
};

enum key_flags {
	KEY_REPEAT = 1 << 0,	/* may be given more than once */
	KEY_CMDLINE = 1 << 1,	/* command line only */
};

typedef int (*setter_fn)(struct guard_conf *c, const char *val, char *why,
    size_t whylen);

struct conf_key {
	const char *name;
	int has_arg;		/* no_argument (switch), required_argument */
	int roles;		/* ROLE_SERVER | ROLE_CLIENT */
	int flags;		/* enum key_flags */
	char shortopt;		/* 0: long flag only */
	const char *argname;	/* what the value is, for messages and usage */
	setter_fn set;
	void (*clear)(struct guard_conf *c);	/* forget earlier values */
	void (*show)(const struct guard_conf *c, char *buf, size_t len);
	const char *help;
};

/* ---- Small helpers ------------------------------------------------------ */

static const char *
role_program(int role)
{
	return role == ROLE_SERVER ? "guardd" : "tunclient";
}

/*
 * A decimal number without sign, spaces or other decoration, within
 * min..max. 0, or -1 with a reason.
 */
static int
parse_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	unsigned long long v;
	char *end;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0') {
		seterr(why, whylen, "'%s' is not a number",
		    str_quote(s, q, sizeof(q)));
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || n > 20 || v < min || v > max) {
		seterr(why, whylen, "%s is out of range %llu..%llu",
		    str_quote(s, q, sizeof(q)), min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * A byte count with an optional binary suffix, one of the letters in
 * suffixes (some of "KMG": x 2^10, 2^20, 2^30), within min..max; range
 * spells min..max the way the key's documentation does ("1M..1024G").
 * 0, or -1 with a reason.
 */
static int
parse_bytes(const char *v, const char *suffixes, unsigned long long min,
    unsigned long long max, const char *range, unsigned long long *out,
    char *why, size_t whylen)
{
	char num[32], q[QUOTE_MAX];
	size_t n = strlen(v);
	unsigned long long x, mult = 1;

	if (n > 0 && n < sizeof(num) && strchr(suffixes, v[n - 1]) != NULL) {
		mult = v[n - 1] == 'K' ? 1ULL << 10 : v[n - 1] == 'M' ?
		    1ULL << 20 : 1ULL << 30;
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
	} else
		snprintf(num, sizeof(num), "%s", v);
	if (parse_number(num, 0, max, &x, why, whylen) == -1)
		return -1;
	if (x > max / mult || x * mult < min) {
		seterr(why, whylen, "'%s' is out of range %s",
		    str_quote(v, q, sizeof(q)), range);
		return -1;
	}
	*out = x * mult;
	return 0;
}

static int
set_int(int *dst, const char *v, int min, int max, char *why, size_t whylen)
{
	unsigned long long n;

	if (parse_number(v, (unsigned long long)min, (unsigned long long)max,
	    &n, why, whylen) == -1)
		return -1;
	*dst = (int)n;
	return 0;
}

static int
set_path(char *dst, size_t size, const char *v, int absolute, char *why,
    size_t whylen)
{
	if (*v == '\0') {
		seterr(why, whylen, "the path is empty");
		return -1;
	}
	if (strlen(v) >= size) {
		seterr(why, whylen, "the path is longer than %zu bytes",
		    size - 1);
		return -1;
	}
	if (absolute && *v != '/') {
		seterr(why, whylen, "needs an absolute path (starting with /)");
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/*
 * A host name as the resolver takes it: letters, digits, '-' and '.',
 * labels of 1..63 bytes that neither start nor end with '-', at most one
 * trailing dot. Something made only of digits and dots must be an IPv4
 * address, so that "300.1.2.3" is caught here and not by the resolver.
 */
static int
valid_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;
	struct prefix p;

	if (n == 0 || n > HOSTNAME_MAX)
		return 0;
	if (strspn(s, "0123456789.") == n)
		return addr_parse(s, &p) == 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return 0;
		if (ch == '-' && label == 0)
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	return s[n - 1] != '-';
}

/* The cipher's name, or "?" for an unknown one (never NULL). */
static const char *
cipher_label(int id)
{
	const char *name = cipher_name(id);

	return name != NULL ? name : "?";
}

static int
cipher_known(int id)
{
	return cipher_name(id) != NULL;
}

/* ---- Setters: one per key ---------------------------------------------- */

static int
set_config(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->config_file, sizeof(c->config_file), v, 0, why,
	    whylen);
}

static int
set_foreground(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	c->foreground = 1;
	return 0;
}

static int
set_no_privdrop(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	c->no_privdrop = 1;
	return 0;
}

static int
set_verbose(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	if (c->verbose < 16)
		c->verbose++;
	return 0;
}

static void
clear_verbose(struct guard_conf *c)
{
	c->verbose = 0;
}

static int
set_check(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	c->configtest = 1;
	return 0;
}

static int
set_help(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	/* conf_load() answers -h before any setter runs. */
	(void)c, (void)v, (void)why, (void)whylen;
	return 0;
}

static int
set_dev(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t n = strlen(v);
	char q[QUOTE_MAX];

	if (n == 0 || n >= sizeof(c->dev) || strspn(v, ok) != n ||
	    strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		seterr(why, whylen, "'%s' is not a device name: use 1..%zu of "
		    "A-Z a-z 0-9 _ . -", str_quote(v, q, sizeof(q)),
		    sizeof(c->dev) - 1);
		return -1;
	}
	memcpy(c->dev, v, n + 1);
	return 0;
}

static int
set_ca(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->ca, sizeof(c->ca), v, 0, why, whylen);
}

static int
set_cert(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->cert, sizeof(c->cert), v, 0, why, whylen);
}

static int
set_key(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->key, sizeof(c->key), v, 0, why, whylen);
}

static int
set_crl(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->crl, sizeof(c->crl), v, 0, why, whylen);
}

static int
set_chroot(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_path(c->chroot_dir, sizeof(c->chroot_dir), v, 1, why,
	    whylen);
}

static int
set_control_socket(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_path(c->control_socket, sizeof(c->control_socket), v, 1,
	    why, whylen);
}

static int
set_worker_uids(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char first[24], q[QUOTE_MAX];
	const char *dash = strchr(v, '-');
	unsigned long long a, b;
	size_t n;

	if (dash == NULL || (n = (size_t)(dash - v)) >= sizeof(first)) {
		seterr(why, whylen, "'%s' is not a range FIRST-LAST "
		    "(e.g. %u-%u)", str_quote(v, q, sizeof(q)),
		    DEFAULT_UID_FIRST, DEFAULT_UID_LAST);
		return -1;
	}
	memcpy(first, v, n);
	first[n] = '\0';
	if (parse_number(first, 1, UID_LIMIT - 1, &a, why, whylen) == -1 ||
	    parse_number(dash + 1, 1, UID_LIMIT - 1, &b, why, whylen) == -1)
		return -1;
	if (a > b) {
		seterr(why, whylen, "the range %llu-%llu is empty: FIRST must "
		    "not be larger than LAST", a, b);
		return -1;
	}
	c->worker_uid_first = (uint32_t)a;
	c->worker_uid_last = (uint32_t)b;
	return 0;
}

static int
set_queue_depth(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_int(&c->queue_depth, v, QUEUE_DEPTH_MIN, QUEUE_DEPTH_MAX,
	    why, whylen);
}

static int
set_listen(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char q[QUOTE_MAX], text[PREFIX_STRLEN];
	struct prefix p;

	if (addr_parse(v, &p) == -1) {
		seterr(why, whylen, "'%s' is not an IPv4 or IPv6 address",
		    str_quote(v, q, sizeof(q)));
		return -1;
	}
	addr_fmt(p.family, p.addr, text, sizeof(text));
	for (int i = 0; i < c->nlisten; i++) {
		if (strcmp(c->listen[i], text) == 0) {
			seterr(why, whylen, "%s is listed twice", text);
			return -1;
		}
	}
	if (c->nlisten >= CONF_MAX_LISTEN) {
		seterr(why, whylen, "at most %d listen addresses",
		    CONF_MAX_LISTEN);
		return -1;
	}
	snprintf(c->listen[c->nlisten++], sizeof(c->listen[0]), "%s", text);
	return 0;
}

static void
clear_listen(struct guard_conf *c)
{
	memset(c->listen, 0, sizeof(c->listen));
	c->nlisten = 0;
}

static int
set_port(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	int port;

	if (set_int(&port, v, 1, 65535, why, whylen) == -1)
		return -1;
	c->port = (uint16_t)port;
	return 0;
}

static int
set_pool(struct prefix *dst, const char *v, int family, int minplen,
    int maxplen, char *why, size_t whylen)
{
	struct prefix p;
	char text[PREFIX_STRLEN];

	if (prefix_parse(v, &p, 0, why, whylen) == -1)
		return -1;
	if (p.family != family) {
		seterr(why, whylen, "%s is not an IPv%d prefix (pool4 takes "
		    "IPv4, pool6 IPv6)", prefix_fmt(&p, text, sizeof(text)),
		    family == AF_INET ? 4 : 6);
		return -1;
	}
	if (p.plen < minplen || p.plen > maxplen) {
		seterr(why, whylen, "%s: the prefix length must be /%d../%d",
		    prefix_fmt(&p, text, sizeof(text)), minplen, maxplen);
		return -1;
	}
	*dst = p;
	return 0;
}

static int
set_pool4(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_pool(&c->pool4, v, AF_INET, POOL4_MIN_PLEN, POOL4_MAX_PLEN,
	    why, whylen);
}

static int
set_pool6(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_pool(&c->pool6, v, AF_INET6, POOL6_MIN_PLEN,
	    POOL6_MAX_PLEN, why, whylen);
}

static int
set_rekey_seconds(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->rekey_seconds, v, REKEY_SECONDS_MIN,
	    REKEY_SECONDS_MAX, why, whylen);
}

static int
set_rekey_bytes(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	unsigned long long n;

	if (parse_bytes(v, "KMG", 1ULL << 20, 1ULL << 40, "1M..1024G", &n,
	    why, whylen) == -1)
		return -1;
	c->rekey_bytes = n;
	return 0;
}

static int
set_keepalive_seconds(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->keepalive_seconds, v, KEEPALIVE_MIN, KEEPALIVE_MAX,
	    why, whylen);
}

static int
set_dead_peer_seconds(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->dead_peer_seconds, v, DEAD_PEER_MIN, DEAD_PEER_MAX,
	    why, whylen);
}

static int
set_handshake_seconds(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->handshake_seconds, v, HANDSHAKE_MIN, HANDSHAKE_MAX,
	    why, whylen);
}

static int
set_mtu(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_int(&c->mtu, v, GUARD_MIN_MTU, GUARD_MAX_MTU, why, whylen);
}

static int
set_offload(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char q[QUOTE_MAX];

	if (strcmp(v, "yes") == 0)
		c->offload = 1;
	else if (strcmp(v, "no") == 0)
		c->offload = 0;
	else {
		seterr(why, whylen, "'%s' is neither yes nor no",
		    str_quote(v, q, sizeof(q)));
		return -1;
	}
	return 0;
}

static int
set_socket_buffer(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	unsigned long long n;

	/* No G: 1G is beyond the range already. */
	if (parse_bytes(v, "KM", SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX,
	    "64K..64M", &n, why, whylen) == -1)
		return -1;
	c->socket_buffer = (int)n;
	return 0;
}

static int
set_batch(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_int(&c->batch, v, BATCH_MIN, BATCH_MAX, why, whylen);
}

static int
set_cipher(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	int id = cipher_from_name(v);

	if (id == -1) {
		seterr(why, whylen, "unknown cipher '%s': use %s or %s",
		    str_quote(v, q, sizeof(q)), cipher_label(CIPHER_AES256GCM),
		    cipher_label(CIPHER_CHACHA20POLY1305));
		return -1;
	}
	c->cipher = id;
	return 0;
}

static int
set_max_peers(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_int(&c->max_peers, v, 1, GUARD_MAX_PEERS, why, whylen);
}

static int
set_max_pending(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	return set_int(&c->max_pending, v, 1, GUARD_MAX_PEERS, why, whylen);
}

static int
set_max_pending_per_source(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->max_pending_per_source, v, 1, GUARD_MAX_PEERS, why,
	    whylen);
}

static int
set_connect_rate(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->connect_rate, v, 1, CONNECT_MAX, why, whylen);
}

static int
set_connect_burst(struct guard_conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_int(&c->connect_burst, v, 1, CONNECT_MAX, why, whylen);
}

/* Add p to list (n entries, max entries) unless it is there already. */
static int
add_prefix(struct prefix *list, int *n, int max, const struct prefix *p,
    char *why, size_t whylen)
{
	char text[PREFIX_STRLEN];

	for (int i = 0; i < *n; i++) {
		if (list[i].family == p->family && list[i].plen == p->plen &&
		    memcmp(list[i].addr, p->addr, sizeof(p->addr)) == 0) {
			seterr(why, whylen, "%s is listed twice",
			    prefix_fmt(p, text, sizeof(text)));
			return -1;
		}
	}
	if (*n >= max) {
		seterr(why, whylen, "at most %d entries", max);
		return -1;
	}
	list[(*n)++] = *p;
	return 0;
}

static int
set_push_route(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	struct prefix p;

	if (prefix_parse(v, &p, 0, why, whylen) == -1)
		return -1;
	return add_prefix(c->push_route, &c->npush_route, CTL_MAX_ROUTES, &p,
	    why, whylen);
}

static void
clear_push_route(struct guard_conf *c)
{
	memset(c->push_route, 0, sizeof(c->push_route));
	c->npush_route = 0;
}

static int
set_push_dns(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	struct prefix p;

	if (addr_parse(v, &p) == -1) {
		seterr(why, whylen, "'%s' is not an IPv4 or IPv6 address",
		    str_quote(v, q, sizeof(q)));
		return -1;
	}
	return add_prefix(c->push_dns, &c->npush_dns, CTL_MAX_DNS, &p, why,
	    whylen);
}

static void
clear_push_dns(struct guard_conf *c)
{
	memset(c->push_dns, 0, sizeof(c->push_dns));
	c->npush_dns = 0;
}

/*
 * HOST[:PORT] with HOST a host name, an IPv4 address, "[IPv6]" or a bare
 * IPv6 address (which then cannot carry a port: more than one colon).
 */
static int
split_peer(const char *v, char *host, size_t hostlen, const char **port)
{
	const char *colon, *end;
	struct prefix p;
	size_t n;

	*port = NULL;
	if (v[0] == '[') {
		if ((end = strchr(v, ']')) == NULL)
			return -1;
		n = (size_t)(end - v - 1);
		if (end[1] == ':')
			*port = end + 2;
		else if (end[1] != '\0')
			return -1;
		if (n >= hostlen)
			return -1;
		memcpy(host, v + 1, n);
		host[n] = '\0';
		return addr_parse(host, &p) == 0 && p.family == AF_INET6 ?
		    0 : -1;
	}
	colon = strchr(v, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* A bare IPv6 address. */
		if (strlen(v) >= hostlen || addr_parse(v, &p) == -1)
			return -1;
		memcpy(host, v, strlen(v) + 1);
		return 0;
	}
	n = colon != NULL ? (size_t)(colon - v) : strlen(v);
	if (colon != NULL)
		*port = colon + 1;
	if (n >= hostlen)
		return -1;
	memcpy(host, v, n);
	host[n] = '\0';
	return valid_hostname(host) ? 0 : -1;
}

static int
set_peer(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char host[CONF_HOST_MAX], q[QUOTE_MAX];
	const char *portstr;
	int port = GUARD_DEFAULT_PORT;

	if (split_peer(v, host, sizeof(host), &portstr) == -1) {
		seterr(why, whylen, "'%s' is not HOST[:PORT] (a host name, "
		    "an IPv4 address, or [IPv6]:PORT)", str_quote(v, q, sizeof(q)));
		return -1;
	}
	if (portstr != NULL && set_int(&port, portstr, 1, 65535, why,
	    whylen) == -1)
		return -1;
	if (c->npeer_host >= CONF_MAX_SERVERS) {
		seterr(why, whylen, "at most %d servers", CONF_MAX_SERVERS);
		return -1;
	}
	for (int i = 0; i < c->npeer_host; i++)
		if (strcmp(c->peer_host[i], host) == 0 &&
		    c->peer_port[i] == port) {
			seterr(why, whylen, "'%s' given twice",
			    str_quote(v, q, sizeof(q)));
			return -1;
		}
	memcpy(c->peer_host[c->npeer_host], host, strlen(host) + 1);
	c->peer_port[c->npeer_host++] = (uint16_t)port;
	return 0;
}

static void
clear_peer(struct guard_conf *c)
{
	memset(c->peer_host, 0, sizeof(c->peer_host));
	memset(c->peer_port, 0, sizeof(c->peer_port));
	c->npeer_host = 0;
}

static int
set_server_name(struct guard_conf *c, const char *v, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	struct prefix p;

	if (!valid_hostname(v) && addr_parse(v, &p) == -1) {
		seterr(why, whylen, "'%s' is not a host name or address",
		    str_quote(v, q, sizeof(q)));
		return -1;
	}
	if (strlen(v) >= sizeof(c->server_name)) {
		seterr(why, whylen, "longer than %zu bytes",
		    sizeof(c->server_name) - 1);
		return -1;
	}
	memcpy(c->server_name, v, strlen(v) + 1);
	return 0;
}

/* ---- Defaults as text, for the usage listing ---------------------------- */

static void
show_dev(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->dev);
}

static void
show_chroot(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->chroot_dir);
}

static void
show_worker_uids(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%u-%u", (unsigned int)c->worker_uid_first,
	    (unsigned int)c->worker_uid_last);
}

static void
show_rekey_seconds(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->rekey_seconds);
}

static void
show_rekey_bytes(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%lluM", (unsigned long long)(c->rekey_bytes >> 20));
}

static void
show_keepalive_seconds(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->keepalive_seconds);
}

static void
show_dead_peer_seconds(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->dead_peer_seconds);
}

static void
show_handshake_seconds(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->handshake_seconds);
}

static void
show_max_pending(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->max_pending);
}

static void
show_max_pending_per_source(const struct guard_conf *c, char *buf,
    size_t len)
{
	snprintf(buf, len, "%d", c->max_pending_per_source);
}

static void
show_connect_rate(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->connect_rate);
}

static void
show_connect_burst(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->connect_burst);
}

static void
show_queue_depth(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->queue_depth);
}

static void
show_offload(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->offload ? "yes" : "no");
}

/* In the largest unit that divides it, as it would be written. */
static void
show_socket_buffer(const struct guard_conf *c, char *buf, size_t len)
{
	if (c->socket_buffer % (1 << 20) == 0)
		snprintf(buf, len, "%dM", c->socket_buffer >> 20);
	else if (c->socket_buffer % (1 << 10) == 0)
		snprintf(buf, len, "%dK", c->socket_buffer >> 10);
	else
		snprintf(buf, len, "%d", c->socket_buffer);
}

static void
show_batch(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->batch);
}

static void
show_listen(const struct guard_conf *c, char *buf, size_t len)
{
	(void)c;
	snprintf(buf, len, "all, IPv4 and IPv6");
}

static void
show_port(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%u", (unsigned int)c->port);
}

static void
show_mtu(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->mtu);
}

static void
show_cipher(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", cipher_label(c->cipher));
}

static void
show_max_peers(const struct guard_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", c->max_peers);
}

static void
show_peer(const struct guard_conf *c, char *buf, size_t len)
{
	(void)c;
	snprintf(buf, len, "port %u", (unsigned int)GUARD_DEFAULT_PORT);
}

static void
show_server_name(const struct guard_conf *c, char *buf, size_t len)
{
	(void)c;
	snprintf(buf, len, "the peer's host");
}

/* ---- The table ---------------------------------------------------------- */

#define BOTH	(ROLE_SERVER | ROLE_CLIENT)
#define SERVER	ROLE_SERVER
#define CLIENT	ROLE_CLIENT
#define ARG	required_argument
#define SWITCH	no_argument

/* Sorted by name: looked up with bsearch(). */
static const struct conf_key keys[] = {
	{ "batch", ARG, BOTH, 0, 0, "N", set_batch, NULL, show_batch,
	    "TUN reads per wake-up, datagrams per send and receive call "
	    "(1..64)" },
	{ "ca", ARG, BOTH, 0, 0, "PATH", set_ca, NULL, NULL,
	    "CA certificate that signs both ends (PEM)" },
	{ "cert", ARG, BOTH, 0, 0, "PATH", set_cert, NULL, NULL,
	    "this end's certificate (PEM)" },
	{ "check", SWITCH, BOTH, KEY_CMDLINE, 'n', NULL, set_check, NULL,
	    NULL, "check the configuration and exit" },
	{ "chroot", ARG, BOTH, 0, 0, "DIR", set_chroot, NULL, show_chroot,
	    "empty directory the workers are confined to" },
	{ "cipher", ARG, SERVER, 0, 0, "NAME", set_cipher, NULL, show_cipher,
	    "data cipher: aes-256-gcm or chacha20-poly1305" },
	{ "config", ARG, BOTH, KEY_CMDLINE, 'c', "FILE", set_config, NULL,
	    NULL, "read settings from FILE; flags win over it" },
	{ "connect-burst", ARG, SERVER, 0, 0, "N", set_connect_burst, NULL,
	    show_connect_burst,
	    "new connections one source may open at once (1..100000)" },
	{ "connect-rate", ARG, SERVER, 0, 0, "N", set_connect_rate, NULL,
	    show_connect_rate,
	    "new connections per second from one source (1..100000)" },
	{ "control-socket", ARG, BOTH, 0, 0, "PATH", set_control_socket,
	    NULL, NULL, "socket guardctl talks to (default "
	    GUARD_CONTROL_DIR "/DEV.sock)" },
	{ "crl", ARG, BOTH, 0, 0, "PATH", set_crl, NULL, NULL,
	    "revocation list (PEM); none by default" },
	{ "dead-peer-seconds", ARG, BOTH, 0, 0, "N", set_dead_peer_seconds,
	    NULL, show_dead_peer_seconds,
	    "a peer silent this long is gone (3..86400)" },
	{ "dev", ARG, BOTH, 0, 0, "NAME", set_dev, NULL, show_dev,
	    "TUN device name" },
	{ "foreground", SWITCH, BOTH, 0, 'f', NULL, set_foreground, NULL,
	    NULL, "stay in the foreground and log to stderr" },
	{ "handshake-seconds", ARG, BOTH, 0, 0, "N", set_handshake_seconds,
	    NULL, show_handshake_seconds,
	    "time for TLS and the first message (1..300)" },
	{ "help", SWITCH, BOTH, KEY_CMDLINE, 'h', NULL, set_help, NULL, NULL,
	    "print this help and exit" },
	{ "insecure-no-privdrop", SWITCH, BOTH, 0, 0, NULL, set_no_privdrop,
	    NULL, NULL, "when GUARD cannot drop privileges, run the workers "
	    "unchrooted as its own uid instead of refusing" },
	{ "keepalive-seconds", ARG, BOTH, 0, 0, "N", set_keepalive_seconds,
	    NULL, show_keepalive_seconds,
	    "keepalive after this much idle time (1..3600)" },
	{ "key", ARG, BOTH, 0, 0, "PATH", set_key, NULL, NULL,
	    "this end's private key (PEM)" },
	{ "listen", ARG, SERVER, KEY_REPEAT, 0, "ADDR", set_listen,
	    clear_listen, show_listen,
	    "address to accept peers on; up to 4" },
	{ "max-peers", ARG, SERVER, 0, 0, "N", set_max_peers, NULL,
	    show_max_peers, "most peers connected at once (1..4096)" },
	{ "max-pending", ARG, SERVER, 0, 0, "N", set_max_pending, NULL,
	    show_max_pending, "connections not yet up, at once (1..4096)" },
	{ "max-pending-per-source", ARG, SERVER, 0, 0, "N",
	    set_max_pending_per_source, NULL, show_max_pending_per_source,
	    "of those, from one IPv4 address or IPv6 /64 (1..4096)" },
	{ "mtu", ARG, SERVER, 0, 0, "N", set_mtu, NULL, show_mtu,
	    "tunnel MTU, pushed to clients (1280..9000)" },
	{ "offload", ARG, BOTH, 0, 0, "yes|no", set_offload, NULL,
	    show_offload, "TUN segmentation offload and UDP GSO/GRO where "
	    "the kernel has them" },
	{ "peer", ARG, CLIENT, KEY_REPEAT, 0, "HOST[:PORT]", set_peer,
	    clear_peer, show_peer,
	    "server to connect to; IPv6 as [ADDR]:PORT; up to 4, tried in order" },
	{ "pool4", ARG, SERVER, 0, 0, "PREFIX", set_pool4, NULL, NULL,
	    "IPv4 tunnel addresses for peers (/16../30)" },
	{ "pool6", ARG, SERVER, 0, 0, "PREFIX", set_pool6, NULL, NULL,
	    "IPv6 tunnel addresses for peers (/8../120)" },
	{ "port", ARG, SERVER, 0, 0, "N", set_port, NULL, show_port,
	    "TCP control port to listen on" },
	{ "push-dns", ARG, SERVER, KEY_REPEAT, 0, "ADDR", set_push_dns,
	    clear_push_dns, NULL, "DNS server for clients; up to 4" },
	{ "push-route", ARG, SERVER, KEY_REPEAT, 0, "PREFIX", set_push_route,
	    clear_push_route, NULL,
	    "route for clients into the tunnel; up to 32" },
	{ "queue-depth", ARG, BOTH, 0, 0, "N", set_queue_depth, NULL,
	    show_queue_depth, "messages per peer queue (2..64)" },
	{ "rekey-bytes", ARG, BOTH, 0, 0, "N[KMG]", set_rekey_bytes, NULL,
	    show_rekey_bytes, "new keys after sealing this much (1M..1024G)" },
	{ "rekey-seconds", ARG, BOTH, 0, 0, "N", set_rekey_seconds, NULL,
	    show_rekey_seconds, "new keys after this long (1..86400)" },
	{ "server-name", ARG, CLIENT, 0, 0, "NAME", set_server_name, NULL,
	    show_server_name, "name the server's certificate must carry" },
	{ "socket-buffer", ARG, BOTH, 0, 0, "N[KM]", set_socket_buffer, NULL,
	    show_socket_buffer, "UDP socket buffer each way (64K..64M)" },
	{ "verbose", SWITCH, BOTH, KEY_REPEAT, 'v', NULL, set_verbose,
	    clear_verbose, NULL, "log debug messages too" },
	{ "worker-uids", ARG, BOTH, 0, 0, "FIRST-LAST", set_worker_uids, NULL,
	    show_worker_uids, "uids for the router and the workers: 1 + 2 per peer" },
};

#undef BOTH
#undef SERVER
#undef CLIENT
#undef ARG
#undef SWITCH

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

_Static_assert(NKEYS <= CONF_MAX_KEYS,
    "struct guard_conf's key_line[] needs room for every key");

static int
key_cmp(const void *name, const void *entry)
{
	return strcmp(name, ((const struct conf_key *)entry)->name);
}

static const struct conf_key *
find_key(const char *name)
{
	return bsearch(name, keys, NKEYS, sizeof(keys[0]), key_cmp);
}

static const struct conf_key *
find_short(int ch)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].shortopt != 0 && keys[i].shortopt == ch)
			return &keys[i];
	return NULL;
}

/* ---- Applying one key, from a file or a flag --------------------------- */

struct parse_ctx {
	struct guard_conf *c;
	const char *file;	/* NULL: the command line */
	unsigned int line;
	/* Per key: 0, or the line it was first given on (1 for a flag). */
	unsigned int seen[NKEYS];
	int argc;			/* the command line's */
	char *err;
	size_t errlen;
};

/*
 * An error at the current place: "FILE:LINE: KEY: reason" in a file,
 * "--KEY: reason" on the command line. k may be NULL.
 */
static int
fail(struct parse_ctx *ctx, const struct conf_key *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parse_ctx *ctx, const struct conf_key *k, const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ctx->file != NULL && k != NULL)
		seterr(ctx->err, ctx->errlen, "%s:%u: %s: %s", ctx->file,
		    ctx->line, k->name, why);
	else if (ctx->file != NULL)
		seterr(ctx->err, ctx->errlen, "%s:%u: %s", ctx->file,
		    ctx->line, why);
	else if (k != NULL)
		seterr(ctx->err, ctx->errlen, "--%s: %s", k->name, why);
	else
		seterr(ctx->err, ctx->errlen, "%s", why);
	return -1;
}

static int
fail_role(struct parse_ctx *ctx, const struct conf_key *k)
{
	const char *owner = role_program(k->roles);

	if (ctx->file != NULL)
		seterr(ctx->err, ctx->errlen, "%s:%u: %s is a %s option, "
		    "not for %s", ctx->file, ctx->line, k->name, owner,
		    role_program(ctx->c->role));
	else
		seterr(ctx->err, ctx->errlen, "--%s: %s is a %s option, not "
		    "for %s", k->name, k->name, owner,
		    role_program(ctx->c->role));
	return -1;
}

/*
 * Remember the line a value was set on (0 for a flag), so that conf_check
 * can point at it; list keys per entry, which the setter just appended.
 */
static void
note_line(struct parse_ctx *ctx, const struct conf_key *k)
{
	struct guard_conf *c = ctx->c;
	unsigned int line = ctx->file != NULL ? ctx->line : 0;

	c->key_line[k - keys] = line;
	if (k->set == set_listen && c->nlisten > 0)
		c->listen_line[c->nlisten - 1] = line;
	else if (k->set == set_push_route && c->npush_route > 0)
		c->push_route_line[c->npush_route - 1] = line;
}

static int
apply_key(struct parse_ctx *ctx, const struct conf_key *k, const char *val)
{
	size_t idx = (size_t)(k - keys);
	char why[WHY_MAX];

	if (!(k->roles & ctx->c->role))
		return fail_role(ctx, k);
	if (ctx->file != NULL && (k->flags & KEY_CMDLINE))
		return fail(ctx, k, "can only be given on the command line "
		    "(--%s)", k->name);
	if (k->has_arg == no_argument && val != NULL)
		return fail(ctx, k, "takes no value");
	if (k->has_arg != no_argument && val == NULL)
		return fail(ctx, k, "needs a value: %s %s", k->name,
		    k->argname);
	if (ctx->seen[idx] != 0 && !(k->flags & KEY_REPEAT)) {
		if (ctx->file != NULL)
			return fail(ctx, k, "given twice (first on line %u)",
			    ctx->seen[idx]);
		return fail(ctx, k, "given twice");
	}
	/* The command line replaces a list the file gave. */
	if (ctx->file == NULL && ctx->seen[idx] == 0 && k->clear != NULL)
		k->clear(ctx->c);
	if (ctx->seen[idx] == 0)
		ctx->seen[idx] = ctx->file != NULL ? ctx->line : 1;
	why[0] = '\0';
	if (k->set(ctx->c, val, why, sizeof(why)) == -1)
		return fail(ctx, k, "%s", why);
	note_line(ctx, k);
	return 0;
}

/* ---- The config file ---------------------------------------------------- */

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Split a line (NUL-terminated, writable) into at most three words: the
 * key, a value and whatever follows (which is an error). Words are
 * separated by blanks, a value may be double-quoted, '#' outside quotes
 * ends the line. 0 with *nwords set, or -1 with a reason.
 */
static int
split_words(char *s, char *words[3], int *nwords, const char **why)
{
	char *p = s;

	*nwords = 0;
	for (;;) {
		char *start;

		while (is_blank(*p))
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		if (*p == '"') {
			start = ++p;
			if ((p = strchr(p, '"')) == NULL) {
				*why = "unterminated quote";
				return -1;
			}
			*p++ = '\0';
			if (*p != '\0' && *p != '#' && !is_blank(*p)) {
				*why = "text right after a closing quote";
				return -1;
			}
		} else {
			start = p;
			p += strcspn(p, " \t#\"");
			if (*p == '"') {
				*why = "a quote inside a word; quote the "
				    "whole value";
				return -1;
			}
		}
		if (*nwords < 3)
			words[(*nwords)++] = start;
		if (*p == '#') {
			*p = '\0';
			return 0;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* Edit distance (insertions, deletions, changes) of two short words. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[SUGGEST_MAX_LEN + 1];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag +
			    (a[i - 1] == b[j - 1] ? 0 : 1);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * The file key of this role closest to an unknown word, when it is near
 * enough to be a typing mistake ("pool" -> "pool4"), else NULL.
 */
static const char *
suggest_key(int role, const char *word)
{
	const char *best = NULL;
	size_t best_dist = SUGGEST_MAX_DIST + 1, len = strlen(word);

	for (size_t i = 0; i < NKEYS; i++) {
		size_t d;

		if (!(keys[i].roles & role) || (keys[i].flags & KEY_CMDLINE))
			continue;
		d = edit_distance(word, keys[i].name);
		if (d < best_dist && d < len) {
			best = keys[i].name;
			best_dist = d;
		}
	}
	return best;
}

static int
fail_unknown(struct parse_ctx *ctx, const char *word)
{
	const char *near = suggest_key(ctx->c->role, word);
	char q[QUOTE_MAX];

	if (near != NULL)
		return fail(ctx, NULL, "unknown key '%s' (did you mean '%s'?)",
		    str_quote(word, q, sizeof(q)), near);
	return fail(ctx, NULL, "unknown key '%s'; %s --help lists the keys",
	    str_quote(word, q, sizeof(q)), role_program(ctx->c->role));
}

/* One line of len bytes, without its newline. */
static int
parse_line(struct parse_ctx *ctx, const char *line, size_t len)
{
	char buf[CONF_MAX_LINE + 1];
	char *words[3];
	const char *why = NULL;
	const struct conf_key *k;
	int n;

	if (len > 0 && line[len - 1] == '\r')
		len--;		/* CRLF line ends */
	if (len > CONF_MAX_LINE)
		return fail(ctx, NULL, "line longer than %d bytes",
		    CONF_MAX_LINE);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch == '\0')
			return fail(ctx, NULL, "NUL byte in line");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(ctx, NULL, "control character 0x%02x in "
			    "line", ch);
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (split_words(buf, words, &n, &why) == -1)
		return fail(ctx, NULL, "%s", why);
	if (n == 0)
		return 0;
	if ((k = find_key(words[0])) == NULL)
		return fail_unknown(ctx, words[0]);
	if (n > 2)
		return fail(ctx, k, k->has_arg == no_argument ?
		    "takes no value" :
		    "takes one value; quote a value that contains spaces");
	return apply_key(ctx, k, n == 2 ? words[1] : NULL);
}

int
conf_parse_text(struct guard_conf *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct parse_ctx ctx;
	size_t pos = 0;

	if (c == NULL || (text == NULL && len > 0)) {
		seterr(err, errlen, "no configuration to parse");
		return -1;
	}
	if (name == NULL)
		name = "(config)";
	if (c->role != ROLE_SERVER && c->role != ROLE_CLIENT) {
		seterr(err, errlen, "%s: no role set (conf_defaults first)",
		    name);
		return -1;
	}
	if (len > CONF_MAX_FILE) {
		seterr(err, errlen, "%s: larger than %d bytes; is it the "
		    "right file?", name, CONF_MAX_FILE);
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	ctx.file = name;
	ctx.err = err;
	ctx.errlen = errlen;
	snprintf(c->origin_file, sizeof(c->origin_file), "%s", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		ctx.line++;
		if (parse_line(&ctx, text + pos, n) == -1)
			return -1;
		pos += n + (nl != NULL);
	}
	return 0;
}

/* Read all of fd, at most max bytes; more is an error (EFBIG). */
static char *
read_bounded(int fd, size_t max, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nbuf;
	ssize_t r;

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			int saved = errno;
			free(buf);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	*lenp = len;
	return buf;
}

int
conf_parse_file(struct guard_conf *c, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text;
	size_t len = 0;
	int fd, rc;

	if (path == NULL || *path == '\0') {
		seterr(err, errlen, "no config file name");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		seterr(err, errlen, "%s: is a directory, not a config file",
		    path);
		return -1;
	}
	text = read_bounded(fd, CONF_MAX_FILE, &len);
	if (text == NULL) {
		int saved = errno;
		close(fd);
		if (saved == EFBIG)
			seterr(err, errlen, "%s: larger than %d bytes; is it "
			    "the right file?", path, CONF_MAX_FILE);
		else
			seterr(err, errlen, "%s: cannot read: %s", path,
			    strerror(saved));
		return -1;
	}
	close(fd);
	rc = conf_parse_text(c, path, text, len, err, errlen);
	free(text);
	return rc;
}

/* ---- Defaults and cross-checks ----------------------------------------- */

/*
 * Relative paths are taken from the directory Guard was started in; its
 * processes read the files later, from elsewhere, so make them absolute.
 */
static int
make_absolute(char *path, size_t len, const char *key, char *err,
    size_t errlen)
{
	char cwd[PATH_MAX], joined[PATH_MAX + 1];

	if (path[0] == '\0' || path[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(joined, sizeof(joined), "%s/%s", cwd, path) >=
	    len) {
		seterr(err, errlen, "%s: cannot make '%s' an absolute path",
		    key, path);
		return -1;
	}
	memcpy(path, joined, strlen(joined) + 1);
	return 0;
}

static int
absolute_paths(struct guard_conf *c, char *err, size_t errlen)
{
	if (make_absolute(c->ca, sizeof(c->ca), "ca", err, errlen) == -1 ||
	    make_absolute(c->cert, sizeof(c->cert), "cert", err, errlen) ==
	    -1 || make_absolute(c->key, sizeof(c->key), "key", err, errlen) ==
	    -1 || make_absolute(c->crl, sizeof(c->crl), "crl", err, errlen) ==
	    -1)
		return -1;
	return 0;
}

void
conf_defaults(struct guard_conf *c, int role)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	snprintf(c->dev, sizeof(c->dev), "%s",
	    role == ROLE_SERVER ? DEFAULT_DEV_SERVER : DEFAULT_DEV_CLIENT);
	snprintf(c->chroot_dir, sizeof(c->chroot_dir), "%s", DEFAULT_CHROOT);
	c->worker_uid_first = role == ROLE_SERVER ? DEFAULT_UID_FIRST :
	    DEFAULT_CLIENT_UID_FIRST;
	c->worker_uid_last = role == ROLE_SERVER ? DEFAULT_UID_LAST :
	    DEFAULT_CLIENT_UID_LAST;
	c->queue_depth = QUEUE_DEPTH_DEFAULT;
	c->offload = 1;
	c->socket_buffer = SOCKET_BUFFER_DEFAULT;
	c->batch = BATCH_DEFAULT;
	c->rekey_seconds = REKEY_SECONDS_DEFAULT;
	c->rekey_bytes = 1ULL << 30;
	c->keepalive_seconds = KEEPALIVE_DEFAULT;
	c->dead_peer_seconds = DEAD_PEER_DEFAULT;
	c->handshake_seconds = HANDSHAKE_DEFAULT;
	c->max_pending = MAX_PENDING_DEFAULT;
	c->max_pending_per_source = MAX_PENDING_PER_SOURCE_DEFAULT;
	c->connect_rate = CONNECT_RATE_DEFAULT;
	c->connect_burst = CONNECT_BURST_DEFAULT;
	c->port = GUARD_DEFAULT_PORT;
	c->mtu = GUARD_DEFAULT_MTU;
	c->cipher = CIPHER_AES256GCM;
	/* A client has one peer: its server. */
	c->max_peers = role == ROLE_SERVER ? GUARD_DEFAULT_MAX_PEERS : 1;
}

/* The line of the config file key was set on; 0 for a flag or default. */
static unsigned int
line_of(const struct guard_conf *c, const char *key)
{
	const struct conf_key *k = find_key(key);

	return k != NULL ? c->key_line[k - keys] : 0;
}

/* "FILE:LINE: " for a line of the config file, "" for line 0. */
static const char *
place(const struct guard_conf *c, unsigned int line, char *buf, size_t len)
{
	if (line == 0 || c == NULL || c->origin_file[0] == '\0')
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s:%u: ", c->origin_file, line);
	return buf;
}

/*
 * The place of whichever of two keys came later in the file: the one
 * that completed a conflict between them.
 */
static const char *
at_later(const struct guard_conf *c, const char *a, const char *b, char *buf,
    size_t len)
{
	unsigned int la = line_of(c, a), lb = line_of(c, b);

	return place(c, la > lb ? la : lb, buf, len);
}

const char *
conf_where(const struct guard_conf *c, const char *key, char *buf,
    size_t len)
{
	if (buf == NULL || len == 0)
		return buf;
	return place(c, c != NULL && key != NULL ? line_of(c, key) : 0, buf,
	    len);
}

static int
check_required(const struct guard_conf *c, char *err, size_t errlen)
{
	static const struct {
		const char *key, *what;
		size_t off;
	} paths[] = {
		{ "ca", "the CA certificate",
		    offsetof(struct guard_conf, ca) },
		{ "cert", "this end's certificate",
		    offsetof(struct guard_conf, cert) },
		{ "key", "this end's private key",
		    offsetof(struct guard_conf, key) },
	};

	if (c->role == ROLE_CLIENT && c->npeer_host == 0) {
		seterr(err, errlen, "peer is missing: name the server with "
		    "'peer HOST[:PORT]' or --peer HOST[:PORT]");
		return -1;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *v = (const char *)c + paths[i].off;
		if (*v == '\0') {
			seterr(err, errlen, "%s is missing: give %s with "
			    "'%s PATH' or --%s PATH", paths[i].key,
			    paths[i].what, paths[i].key, paths[i].key);
			return -1;
		}
	}
	if (c->chroot_dir[0] != '/') {
		seterr(err, errlen, "chroot must be an absolute path "
		    "(default %s)", DEFAULT_CHROOT);
		return -1;
	}
	if (c->role == ROLE_SERVER && c->pool4.family == 0 &&
	    c->pool6.family == 0) {
		seterr(err, errlen, "no address pool: set pool4 PREFIX "
		    "and/or pool6 PREFIX (e.g. pool4 100.64.0.0/24)");
		return -1;
	}
	return 0;
}

/* The control port's limits; each applies on its own. */
static int
check_gate(const struct guard_conf *c, char *err, size_t errlen)
{
	if (c->max_pending < 1 || c->max_pending > GUARD_MAX_PEERS ||
	    c->max_pending_per_source < 1 ||
	    c->max_pending_per_source > GUARD_MAX_PEERS) {
		seterr(err, errlen, "max-pending %d or max-pending-per-source "
		    "%d is out of range 1..%d", c->max_pending,
		    c->max_pending_per_source, GUARD_MAX_PEERS);
		return -1;
	}
	if (c->connect_rate < 1 || c->connect_rate > CONNECT_MAX ||
	    c->connect_burst < 1 || c->connect_burst > CONNECT_MAX) {
		seterr(err, errlen, "connect-rate %d or connect-burst %d is out "
		    "of range 1..%d", c->connect_rate, c->connect_burst,
		    CONNECT_MAX);
		return -1;
	}
	return 0;
}

static int
check_ranges(const struct guard_conf *c, char *err, size_t errlen)
{
	unsigned long long uids, need;
	char at[PLACE_MAX];

	if (c->nlisten < 0 || c->nlisten > CONF_MAX_LISTEN ||
	    c->npush_route < 0 || c->npush_route > CTL_MAX_ROUTES ||
	    c->npush_dns < 0 || c->npush_dns > CTL_MAX_DNS) {
		seterr(err, errlen, "too many listen, push-route or push-dns "
		    "entries (at most %d, %d and %d)", CONF_MAX_LISTEN,
		    CTL_MAX_ROUTES, CTL_MAX_DNS);
		return -1;
	}
	if (strlen(c->control_socket) >= sizeof(((struct sockaddr_un *)0)->
	    sun_path)) {
		seterr(err, errlen, "control-socket %s is longer than a unix "
		    "socket path may be (%zu bytes)", c->control_socket,
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -1;
	}
	if (c->rekey_seconds < REKEY_SECONDS_MIN ||
	    c->rekey_seconds > REKEY_SECONDS_MAX ||
	    c->keepalive_seconds < KEEPALIVE_MIN ||
	    c->keepalive_seconds > KEEPALIVE_MAX ||
	    c->dead_peer_seconds < DEAD_PEER_MIN ||
	    c->dead_peer_seconds > DEAD_PEER_MAX ||
	    c->rekey_bytes < (1ULL << 20) || c->rekey_bytes > (1ULL << 40)) {
		seterr(err, errlen, "a timer is out of range: rekey-seconds "
		    "%d..%d, keepalive-seconds %d..%d, dead-peer-seconds "
		    "%d..%d, rekey-bytes 1M..1024G", REKEY_SECONDS_MIN,
		    REKEY_SECONDS_MAX, KEEPALIVE_MIN, KEEPALIVE_MAX,
		    DEAD_PEER_MIN, DEAD_PEER_MAX);
		return -1;
	}
	if (c->handshake_seconds < HANDSHAKE_MIN ||
	    c->handshake_seconds > HANDSHAKE_MAX) {
		seterr(err, errlen, "handshake-seconds %d is out of range "
		    "%d..%d", c->handshake_seconds, HANDSHAKE_MIN,
		    HANDSHAKE_MAX);
		return -1;
	}
	if (c->dead_peer_seconds < 3 * c->keepalive_seconds) {
		seterr(err, errlen, "%sdead-peer-seconds %d is less than 3 x "
		    "keepalive-seconds %d: a peer would be declared dead after "
		    "two lost keepalives; raise dead-peer-seconds",
		    at_later(c, "dead-peer-seconds", "keepalive-seconds", at,
		    sizeof(at)), c->dead_peer_seconds, c->keepalive_seconds);
		return -1;
	}
	if (c->queue_depth < QUEUE_DEPTH_MIN ||
	    c->queue_depth > QUEUE_DEPTH_MAX) {
		seterr(err, errlen, "queue-depth %d is out of range %d..%d",
		    c->queue_depth, QUEUE_DEPTH_MIN, QUEUE_DEPTH_MAX);
		return -1;
	}
	if (c->offload != 0 && c->offload != 1) {
		seterr(err, errlen, "offload %d is neither yes (1) nor no (0)",
		    c->offload);
		return -1;
	}
	if (c->socket_buffer < SOCKET_BUFFER_MIN ||
	    c->socket_buffer > SOCKET_BUFFER_MAX) {
		seterr(err, errlen, "socket-buffer %d is out of range %d..%d "
		    "(64K..64M)", c->socket_buffer, SOCKET_BUFFER_MIN,
		    SOCKET_BUFFER_MAX);
		return -1;
	}
	if (c->batch < BATCH_MIN || c->batch > BATCH_MAX) {
		seterr(err, errlen, "batch %d is out of range %d..%d",
		    c->batch, BATCH_MIN, BATCH_MAX);
		return -1;
	}
	if (c->max_peers < 1 || c->max_peers > GUARD_MAX_PEERS) {
		seterr(err, errlen, "max-peers %d is out of range 1..%d",
		    c->max_peers, GUARD_MAX_PEERS);
		return -1;
	}
	if (c->role == ROLE_SERVER && check_gate(c, err, errlen) == -1)
		return -1;
	if (c->worker_uid_first == 0 ||
	    c->worker_uid_first > c->worker_uid_last ||
	    c->worker_uid_last >= UID_LIMIT) {
		seterr(err, errlen, "worker-uids %u-%u is not a usable range: "
		    "give FIRST-LAST with 0 < FIRST <= LAST < %u",
		    (unsigned int)c->worker_uid_first,
		    (unsigned int)c->worker_uid_last, UID_LIMIT);
		return -1;
	}
	uids = (unsigned long long)c->worker_uid_last - c->worker_uid_first + 1;
	need = 2ull * (unsigned long long)c->max_peers + 1;
	if (uids < need) {
		seterr(err, errlen, "%sworker-uids %u-%u holds %llu uids but "
		    "max-peers %d needs %llu (the router's, then 2 per peer): "
		    "widen worker-uids or lower max-peers", at_later(c,
		    "worker-uids", "max-peers", at, sizeof(at)),
		    (unsigned int)c->worker_uid_first,
		    (unsigned int)c->worker_uid_last, uids, c->max_peers,
		    need);
		return -1;
	}
	if (c->role == ROLE_SERVER && (c->mtu < GUARD_MIN_MTU ||
	    c->mtu > GUARD_MAX_MTU)) {
		seterr(err, errlen, "mtu %d is out of range %d..%d", c->mtu,
		    GUARD_MIN_MTU, GUARD_MAX_MTU);
		return -1;
	}
	if (c->role == ROLE_SERVER && c->port == 0) {
		seterr(err, errlen, "port 0 is not usable: give 1..65535");
		return -1;
	}
	if (c->role == ROLE_SERVER && !cipher_known(c->cipher)) {
		seterr(err, errlen, "cipher %d is unknown: use aes-256-gcm or "
		    "chacha20-poly1305", c->cipher);
		return -1;
	}
	return 0;
}

/*
 * Ranges no pool may touch and no pushed route may lie in: the routing
 * helper refuses addresses and routes there (guard/router.c has the same
 * list), so start-up, or every client's configuration, would fail later.
 */
static const struct special_range {
	struct prefix range;
	const char *name;
} special_ranges[] = {
	{ { .family = AF_INET, .plen = 8 }, "the unspecified range 0.0.0.0/8" },
	{ { .family = AF_INET, .plen = 8, .addr = { 127 } },
	    "the loopback range 127.0.0.0/8" },
	{ { .family = AF_INET, .plen = 16, .addr = { 169, 254 } },
	    "the link-local range 169.254.0.0/16" },
	{ { .family = AF_INET, .plen = 4, .addr = { 224 } },
	    "the multicast range 224.0.0.0/4" },
	{ { .family = AF_INET, .plen = 32, .addr = { 255, 255, 255, 255 } },
	    "the broadcast address 255.255.255.255" },
	{ { .family = AF_INET6, .plen = 128 }, "the unspecified address ::/128" },
	{ { .family = AF_INET6, .plen = 128, .addr = { [15] = 1 } },
	    "the loopback address ::1/128" },
	{ { .family = AF_INET6, .plen = 10, .addr = { 0xfe, 0x80 } },
	    "the link-local range fe80::/10" },
	{ { .family = AF_INET6, .plen = 8, .addr = { 0xff } },
	    "the multicast range ff00::/8" },
};

/*
 * The special range p overlaps (inside = 0: any shared address; a pool
 * may not have one) or lies inside (inside = 1: a route to 0.0.0.0/1 is
 * fine, one to 224.0.0.0/8 is not), or NULL.
 */
static const char *
special_range(const struct prefix *p, int inside)
{
	for (size_t i = 0; i < sizeof(special_ranges) /
	    sizeof(special_ranges[0]); i++) {
		const struct prefix *r = &special_ranges[i].range;

		if (r->family != p->family)
			continue;
		if (inside ? p->plen >= r->plen &&
		    prefix_contains(r, p->family, p->addr) :
		    prefix_overlaps(r, p))
			return special_ranges[i].name;
	}
	return NULL;
}

static int
check_pools(const struct guard_conf *c, char *err, size_t errlen)
{
	const struct {
		const char *key;
		const struct prefix *p;
		int family, minplen, maxplen;
		const char *example;
	} pools[] = {
		{ "pool4", &c->pool4, AF_INET, POOL4_MIN_PLEN, POOL4_MAX_PLEN,
		    "100.64.0.0/10 or a private range" },
		{ "pool6", &c->pool6, AF_INET6, POOL6_MIN_PLEN,
		    POOL6_MAX_PLEN, "fd00::/8" },
	};
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN], at[PLACE_MAX];
	const char *special;

	if (c->role != ROLE_SERVER)
		return 0;
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		const struct prefix *p = pools[i].p;
		unsigned int line = line_of(c, pools[i].key);

		if (p->family == 0)
			continue;
		if (p->family != pools[i].family ||
		    p->plen < pools[i].minplen || p->plen > pools[i].maxplen) {
			seterr(err, errlen, "%s%s %s: needs an IPv%d prefix of "
			    "/%d../%d", place(c, line, at, sizeof(at)),
			    pools[i].key, prefix_fmt(p, a, sizeof(a)),
			    pools[i].family == AF_INET ? 4 : 6,
			    pools[i].minplen, pools[i].maxplen);
			return -1;
		}
		if ((special = special_range(p, 0)) != NULL) {
			seterr(err, errlen, "%s%s %s overlaps %s: tunnel "
			    "addresses cannot come from there; take the pool "
			    "from %s", place(c, line, at, sizeof(at)),
			    pools[i].key, prefix_fmt(p, a, sizeof(a)), special,
			    pools[i].example);
			return -1;
		}
		for (int r = 0; r < c->npush_route; r++) {
			unsigned int rline = c->push_route_line[r];

			if (!prefix_overlaps(p, &c->push_route[r]))
				continue;
			seterr(err, errlen, "%spush-route %s overlaps %s %s: "
			    "the tunnel's own addresses need no pushed route; "
			    "remove that push-route or move %s",
			    place(c, rline != 0 ? rline : line, at, sizeof(at)),
			    prefix_fmt(&c->push_route[r], a, sizeof(a)),
			    pools[i].key, prefix_fmt(p, b, sizeof(b)),
			    pools[i].key);
			return -1;
		}
	}
	return 0;
}

/*
 * Routes a client would refuse: a default route makes it refuse the whole
 * configuration, a route into a special range is not installed.
 */
static int
check_push_routes(const struct guard_conf *c, char *err, size_t errlen)
{
	char a[PREFIX_STRLEN], at[PLACE_MAX];
	const char *special;

	if (c->role != ROLE_SERVER)
		return 0;
	for (int r = 0; r < c->npush_route; r++) {
		const struct prefix *p = &c->push_route[r];

		place(c, c->push_route_line[r], at, sizeof(at));
		if (p->plen == 0) {
			seterr(err, errlen, "%spush-route %s is a default "
			    "route: clients refuse a configuration with one "
			    "(sending all traffic through the tunnel is not "
			    "supported); remove it", at,
			    prefix_fmt(p, a, sizeof(a)));
			return -1;
		}
		if ((special = special_range(p, 1)) != NULL) {
			seterr(err, errlen, "%spush-route %s lies in %s, "
			    "which clients never route into the tunnel; "
			    "remove it", at, prefix_fmt(p, a, sizeof(a)),
			    special);
			return -1;
		}
	}
	return 0;
}

/* A listen address inside a pool is reachable only through the tunnel. */
static int
check_listen(const struct guard_conf *c, char *err, size_t errlen)
{
	const struct {
		const char *key;
		const struct prefix *p;
	} pools[] = { { "pool4", &c->pool4 }, { "pool6", &c->pool6 } };
	char a[PREFIX_STRLEN], at[PLACE_MAX];
	struct prefix l;

	if (c->role != ROLE_SERVER)
		return 0;
	for (int i = 0; i < c->nlisten; i++) {
		if (addr_parse(c->listen[i], &l) == -1)
			continue;	/* set_listen took only addresses */
		for (size_t j = 0; j < sizeof(pools) / sizeof(pools[0]); j++) {
			if (pools[j].p->family == 0 ||
			    !prefix_contains(pools[j].p, l.family, l.addr))
				continue;
			seterr(err, errlen, "%slisten %s lies inside %s %s: "
			    "clients could reach it only through the tunnel; "
			    "listen on an address of the network under it",
			    place(c, c->listen_line[i], at, sizeof(at)),
			    c->listen[i], pools[j].key,
			    prefix_fmt(pools[j].p, a, sizeof(a)));
			return -1;
		}
	}
	return 0;
}

int
conf_check(const struct guard_conf *c, char *err, size_t errlen)
{
	if (c == NULL || (c->role != ROLE_SERVER && c->role != ROLE_CLIENT)) {
		seterr(err, errlen, "no role set");
		return -1;
	}
	if (check_required(c, err, errlen) == -1 ||
	    check_ranges(c, err, errlen) == -1 ||
	    check_push_routes(c, err, errlen) == -1 ||
	    check_pools(c, err, errlen) == -1 ||
	    check_listen(c, err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- The command line --------------------------------------------------- */

struct cmdline {
	struct option longopts[NKEYS + 1];
	char shortopts[2 + 2 * NKEYS + 1];
};

/*
 * Every key is a long flag for both roles, so that a flag of the other
 * role gets "pool4 is a guardd option" rather than "unknown option".
 * "+" stops at the first positional argument (which is an error) instead
 * of permuting argv; ":" reports a missing value as ':'.
 */
static void
build_cmdline(struct cmdline *cl)
{
	char *s = cl->shortopts;

	memset(cl, 0, sizeof(*cl));
	*s++ = '+';
	*s++ = ':';
	for (size_t i = 0; i < NKEYS; i++) {
		cl->longopts[i].name = keys[i].name;
		cl->longopts[i].has_arg = keys[i].has_arg;
		cl->longopts[i].val = OPT_LONG_BASE + (int)i;
		if (keys[i].shortopt != 0) {
			*s++ = keys[i].shortopt;
			if (keys[i].has_arg != no_argument)
				*s++ = ':';
		}
	}
	*s = '\0';
}

/* The key getopt_long returned ch (or optopt) for, or NULL. */
static const struct conf_key *
key_of_opt(int ch)
{
	if (ch >= OPT_LONG_BASE && ch < OPT_LONG_BASE + (int)NKEYS)
		return &keys[ch - OPT_LONG_BASE];
	if (ch > 0 && ch < OPT_LONG_BASE)
		return find_short(ch);
	return NULL;
}

static void
reset_getopt(void)
{
	/* 0, not 1: GNU getopt then forgets all state from the last scan. */
	optind = 0;
	opterr = 0;
	optopt = 0;
}

/*
 * How many keys start with the name in "--name": getopt_long takes any
 * unambiguous abbreviation, so more than one means it was ambiguous.
 */
static size_t
count_prefixed(const char *flag)
{
	size_t n = 0, len;

	if (strncmp(flag, "--", 2) != 0)
		return 0;
	flag += 2;
	len = strlen(flag);
	for (size_t i = 0; i < NKEYS; i++)
		if (len > 0 && strncmp(keys[i].name, flag, len) == 0)
			n++;
	return n;
}

/* What went wrong when getopt_long returned '?' or ':'. */
static int
flag_error(struct parse_ctx *ctx, int ch, char **argv)
{
	const struct conf_key *k = key_of_opt(optopt);
	char q[QUOTE_MAX], what[QUOTE_MAX];

	if (ch == ':' && k != NULL)
		return fail(ctx, k, "needs a value: --%s %s", k->name,
		    k->argname);
	if (k != NULL)
		return fail(ctx, k, "takes no value");
	if (optopt > 0 && optopt < OPT_LONG_BASE)
		return fail(ctx, NULL, "unknown option '-%c'; see --help",
		    optopt > 0x20 && optopt < 0x7f ? optopt : '?');
	/* An unknown or ambiguous long option: show it without its value. */
	if (optind < 1 || optind > ctx->argc)
		return fail(ctx, NULL, "unknown option; see --help");
	str_quote(argv[optind - 1], what, sizeof(what));
	what[strcspn(what, "=")] = '\0';
	if (count_prefixed(what) > 1)
		return fail(ctx, NULL, "ambiguous option '%s': spell it out; "
		    "see --help", str_quote(what, q, sizeof(q)));
	return fail(ctx, NULL, "unknown option '%s'; see --help",
	    str_quote(what, q, sizeof(q)));
}

/*
 * Pass 1: only -c and -h matter; everything else is checked in pass 2,
 * after the file. *help is set for -h.
 */
static int
scan_config_flag(struct guard_conf *c, struct cmdline *cl, int argc,
    char **argv, int *help, char *err, size_t errlen)
{
	const struct conf_key *k;
	char why[WHY_MAX];
	int ch, seen = 0;

	*help = 0;
	reset_getopt();
	while ((ch = getopt_long(argc, argv, cl->shortopts, cl->longopts,
	    NULL)) != -1) {
		if ((k = key_of_opt(ch)) == NULL)
			continue;
		if (strcmp(k->name, "help") == 0)
			*help = 1;
		if (strcmp(k->name, "config") != 0)
			continue;
		if (seen++) {
			seterr(err, errlen, "--config: given twice");
			return -1;
		}
		if (set_config(c, optarg, why, sizeof(why)) == -1) {
			seterr(err, errlen, "--config: %s", why);
			return -1;
		}
	}
	return 0;
}

/* Pass 2: every flag but -c, which pass 1 took. */
static int
apply_flags(struct parse_ctx *ctx, struct cmdline *cl, int argc, char **argv)
{
	const struct conf_key *k;
	char q[QUOTE_MAX];
	int ch;

	reset_getopt();
	while ((ch = getopt_long(argc, argv, cl->shortopts, cl->longopts,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':')
			return flag_error(ctx, ch, argv);
		if ((k = key_of_opt(ch)) == NULL)
			return fail(ctx, NULL, "unknown option; see --help");
		if (strcmp(k->name, "config") == 0)
			continue;
		if (apply_key(ctx, k, k->has_arg == no_argument ? NULL :
		    optarg) == -1)
			return -1;
	}
	if (optind < argc)
		return fail(ctx, NULL, "unexpected argument '%s': every value "
		    "follows its flag (see --help)",
		    str_quote(argv[optind], q, sizeof(q)));
	return 0;
}

int
conf_load(struct guard_conf *c, int role, int argc, char **argv,
    char *err, size_t errlen)
{
	struct cmdline cl;
	struct parse_ctx ctx;
	int help;

	if (role != ROLE_SERVER && role != ROLE_CLIENT) {
		seterr(err, errlen, "unknown role %d", role);
		return -1;
	}
	conf_defaults(c, role);
	if (argc < 1 || argv == NULL)
		return conf_check(c, err, errlen);
	build_cmdline(&cl);
	if (scan_config_flag(c, &cl, argc, argv, &help, err, errlen) == -1)
		return -1;
	if (help) {
		conf_usage(role, stdout);
		return 1;
	}
	if (c->config_file[0] != '\0' &&
	    conf_parse_file(c, c->config_file, err, errlen) == -1)
		return -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	ctx.argc = argc;
	ctx.err = err;
	ctx.errlen = errlen;
	if (apply_flags(&ctx, &cl, argc, argv) == -1)
		return -1;

	if (absolute_paths(c, err, errlen) == -1)
		return -1;
	if (c->control_socket[0] == '\0')
		snprintf(c->control_socket, sizeof(c->control_socket),
		    "%s/%s.sock", GUARD_CONTROL_DIR, c->dev);
	return conf_check(c, err, errlen);
}

/* ---- Usage -------------------------------------------------------------- */

enum { USAGE_FLAG_WIDTH = 28, USAGE_WIDTH = 79 };

/* One flag; its default goes on a line of its own when it would not fit. */
static void
print_usage_line(FILE *out, const char *flag, const char *help,
    const char *dflt)
{
	int n = fprintf(out, "  %-*s %s", USAGE_FLAG_WIDTH, flag, help);

	if (dflt[0] == '\0')
		fputc('\n', out);
	else if (n + (int)strlen(dflt) + 11 <= USAGE_WIDTH)
		fprintf(out, " (default %s)\n", dflt);
	else
		fprintf(out, "\n  %-*s (default %s)\n", USAGE_FLAG_WIDTH, "",
		    dflt);
}

void
conf_usage(int role, void *fp)
{
	FILE *out = fp;
	struct guard_conf *d;
	char flag[64], dflt[128];

	if (out == NULL)
		return;
	if ((d = malloc(sizeof(*d))) == NULL)
		return;
	conf_defaults(d, role);
	fprintf(out, "usage: %s [-fhnv] [-c FILE] [--KEY VALUE ...]\n\n",
	    role_program(role));
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &keys[i];
		if (!(k->roles & role))
			continue;
		snprintf(flag, sizeof(flag), "%c%c%s--%s%s%s",
		    k->shortopt ? '-' : ' ', k->shortopt ? k->shortopt : ' ',
		    k->shortopt ? ", " : "  ", k->name,
		    k->argname ? " " : "", k->argname ? k->argname : "");
		dflt[0] = '\0';
		if (k->show != NULL)
			k->show(d, dflt, sizeof(dflt));
		print_usage_line(out, flag, k->help, dflt);
	}
	fprintf(out, "\nEvery long flag but config, check and help is also a "
	    "config file key:\n\"queue-depth 16\" in the file is "
	    "\"--queue-depth 16\" here. Flags win over\nthe file.%s See "
	    "guard.conf(5).\n", role == ROLE_SERVER ? " A list flag (listen, "
	    "push-route, push-dns) replaces the\nfile's list." :
	    " Given as flags, the peer list replaces the file's.");
	free(d);
}

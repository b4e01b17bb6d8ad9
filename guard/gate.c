/*
 * Guard admission gate for the control port. See gate.h.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

enum {
	TOKEN = 1000,			/* one connection, in thousandths */
	NSETS = GATE_SOURCES / GATE_WAYS,
	LINE_MAX = 256,
};

#define NEVER	INT64_MIN
#define NONE	INT64_MAX

/* ---- sources ----------------------------------------------------------- */

int
gate_key_of(const struct sockaddr *sa, socklen_t len, struct gate_key *k)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		k->b[10] = k->b[11] = 0xff;
		memcpy(k->b + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(*sin6))
		return -1;
	sin6 = (const struct sockaddr_in6 *)sa;
	/* A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d. */
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		memcpy(k->b, sin6->sin6_addr.s6_addr, 16);
	else
		memcpy(k->b, sin6->sin6_addr.s6_addr, 8);
	return 0;
}

static int
key_is_v4(const struct gate_key *k)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(k->b, prefix, sizeof(prefix)) == 0;
}

const char *
gate_key_str(const struct gate_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (key_is_v4(k)) {
		if (inet_ntop(AF_INET, k->b + 12, buf, (socklen_t)len) == NULL)
			snprintf(buf, len, "?");
		return buf;
	}
	if (inet_ntop(AF_INET6, k->b, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/64", a);
	return buf;
}

static int
key_eq(const struct gate_key *a, const struct gate_key *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static void
due_at(struct gate *g, int64_t t)
{
	if (t < g->due_ms)
		g->due_ms = t;
}

/* FNV-1a, seeded, with a final mix so that every bit moves the set. */
static size_t
set_of(const struct gate *g, const struct gate_key *k)
{
	uint32_t h = 2166136261u ^ g->seed;
	size_t i;

	for (i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h % NSETS;
}

static uint64_t
unlogged_sum(const struct gate_source *s)
{
	uint64_t n = 0;
	int r;

	for (r = 0; r < GATE_NREASONS; r++)
		n += s->unlogged[r];
	return n;
}

/*
 * The entry of k, made if need be. A full set gives up the source seen
 * longest ago: its bucket has most likely filled up again, so forgetting
 * it changes nothing; what it had not logged yet goes into the "lost"
 * tally, logged as one line.
 */
static struct gate_source *
source_get(struct gate *g, const struct gate_key *k, int64_t now)
{
	struct gate_source *set = &g->src[set_of(g, k) * GATE_WAYS];
	struct gate_source *victim = NULL;
	int i;

	for (i = 0; i < GATE_WAYS; i++)
		if (set[i].used && key_eq(&set[i].key, k))
			return &set[i];
	for (i = 0; i < GATE_WAYS; i++) {
		if (!set[i].used) {
			victim = &set[i];
			break;
		}
		if (victim == NULL || set[i].seen_ms < victim->seen_ms)
			victim = &set[i];
	}
	if (victim->used && unlogged_sum(victim) > 0) {
		g->lost += unlogged_sum(victim);
		due_at(g, now);
	}
	memset(victim, 0, sizeof(*victim));
	victim->key = *k;
	victim->used = 1;
	victim->tokens = (int64_t)g->lim.connect_burst * TOKEN;
	victim->seen_ms = now;
	victim->logged_ms = NEVER;
	return victim;
}

/* Refill the bucket for the time since it was last seen, then take one. */
static int
take_token(const struct gate_limits *lim, struct gate_source *s, int64_t now)
{
	int64_t cap = (int64_t)lim->connect_burst * TOKEN;
	int64_t elapsed = now - s->seen_ms;

	if (elapsed > 0) {
		/* connect_rate per second is connect_rate thousandths per ms. */
		if (elapsed > cap)
			elapsed = cap;
		s->tokens += elapsed * lim->connect_rate;
		if (s->tokens > cap)
			s->tokens = cap;
		s->seen_ms = now;
	}
	if (s->tokens < TOKEN)
		return -1;
	s->tokens -= TOKEN;
	return 0;
}

/* ---- logging ----------------------------------------------------------- */

static void
say(struct gate *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct gate *g, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (g->say != NULL)
		g->say(g->say_arg, line);
}

/* May a line about one source go out now? Counts it if so. */
static int
budget_take(struct gate *g, int64_t now)
{
	if (g->window_ms == NEVER || now - g->window_ms >= GATE_LOG_MS) {
		g->window_ms = now;
		g->lines = 0;
	}
	if (g->lines >= GATE_LOG_LINES)
		return 0;
	g->lines++;
	return 1;
}

/* "over connect-rate 10/s (burst 20)", "max-pending 64 reached", ... */
static void
limit_str(const struct gate_limits *lim, enum gate_reason r, char *buf,
    size_t len)
{
	switch (r) {
	case GATE_RATE:
		snprintf(buf, len, "over connect-rate %d/s (burst %d)",
		    lim->connect_rate, lim->connect_burst);
		break;
	case GATE_SOURCE:
		snprintf(buf, len, "max-pending-per-source %d reached",
		    lim->max_pending_per_source);
		break;
	case GATE_PENDING:
		snprintf(buf, len, "max-pending %d reached", lim->max_pending);
		break;
	case GATE_PEERS:
		snprintf(buf, len, "max-peers %d reached", lim->max_peers);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/*
 * One line about s: a single refusal names the limit with its value,
 * several are summed up by limit. The first line about a source says
 * that more will be summed up.
 */
static void
report(struct gate *g, struct gate_source *s, int64_t now)
{
	char src[GATE_KEY_STRLEN], what[96] = "", parts[LINE_MAX] = "";
	char later[64] = "";
	uint64_t n = unlogged_sum(s);
	size_t used = 0;
	int r;

	gate_key_str(&s->key, src, sizeof(src));
	if (s->logged_ms == NEVER)
		snprintf(later, sizeof(later), "; further refusals of it are "
		    "summed up every %d s", GATE_LOG_MS / 1000);
	for (r = GATE_RATE; r < GATE_NREASONS; r++) {
		if (s->unlogged[r] == 0)
			continue;
		if (n == 1)
			limit_str(&g->lim, (enum gate_reason)r, what,
			    sizeof(what));
		else if (used < sizeof(parts))
			used += (size_t)snprintf(parts + used,
			    sizeof(parts) - used, "%s%s: %u", used ? ", " : "",
			    gate_reason_name((enum gate_reason)r),
			    s->unlogged[r]);
	}
	if (n == 1)
		say(g, "refused a connection from %s: %s%s", src, what, later);
	else
		say(g, "refused %llu connections from %s (%s)%s",
		    (unsigned long long)n, src, parts, later);
	memset(s->unlogged, 0, sizeof(s->unlogged));
	s->logged_ms = now;
}

static void
count_refusal(struct gate *g, struct gate_source *s, enum gate_reason r,
    int64_t now)
{
	g->refused[r]++;
	s->unlogged[r]++;
	if (s->logged_ms != NEVER && now - s->logged_ms < GATE_LOG_MS) {
		due_at(g, s->logged_ms + GATE_LOG_MS);
		return;
	}
	if (budget_take(g, now))
		report(g, s, now);
	else
		due_at(g, g->window_ms + GATE_LOG_MS);
}

int
gate_tick(struct gate *g, int64_t now)
{
	struct gate_source *s;
	size_t i;

	if (g->due_ms == NONE)
		return -1;
	if (now < g->due_ms)
		return (int)(g->due_ms - now);
	g->due_ms = NONE;
	for (i = 0; i < GATE_SOURCES; i++) {
		s = &g->src[i];
		if (!s->used || unlogged_sum(s) == 0)
			continue;
		if (s->logged_ms != NEVER && now - s->logged_ms < GATE_LOG_MS)
			due_at(g, s->logged_ms + GATE_LOG_MS);
		else if (budget_take(g, now))
			report(g, s, now);
		else
			due_at(g, g->window_ms + GATE_LOG_MS);
	}
	if (g->lost > 0) {
		if (g->lost_logged_ms == NEVER ||
		    now - g->lost_logged_ms >= GATE_LOG_MS) {
			say(g, "refused %llu more connections from sources not "
			    "named (at most %d lines of this per %d s; "
			    "guardctl status counts them all)",
			    (unsigned long long)g->lost, GATE_LOG_LINES,
			    GATE_LOG_MS / 1000);
			g->lost = 0;
			g->lost_logged_ms = now;
		} else
			due_at(g, g->lost_logged_ms + GATE_LOG_MS);
	}
	return g->due_ms == NONE ? -1 : (int)(g->due_ms - now);
}

/* ---- the gate ---------------------------------------------------------- */

int
gate_init(struct gate *g, const struct gate_limits *lim, uint32_t seed,
    gate_say_fn sayfn, void *say_arg)
{
	memset(g, 0, sizeof(*g));
	if (lim->max_pending < 1 || lim->max_pending_per_source < 1 ||
	    lim->connect_rate < 1 || lim->connect_burst < 1)
		return -1;
	g->lim = *lim;
	g->seed = seed;
	g->say = sayfn;
	g->say_arg = say_arg;
	g->window_ms = NEVER;
	g->lost_logged_ms = NEVER;
	g->due_ms = NONE;
	g->src = calloc(GATE_SOURCES, sizeof(*g->src));
	g->pend = calloc((size_t)lim->max_pending, sizeof(*g->pend));
	if (g->src == NULL || g->pend == NULL) {
		gate_free(g);
		return -1;
	}
	return 0;
}

void
gate_free(struct gate *g)
{
	free(g->src);
	free(g->pend);
	g->src = NULL;
	g->pend = NULL;
	g->npend = 0;
}

size_t
gate_pending(const struct gate *g)
{
	return g->npend;
}

size_t
gate_pending_from(const struct gate *g, const struct gate_key *k)
{
	size_t i, n = 0;

	for (i = 0; i < g->npend; i++)
		if (key_eq(&g->pend[i].key, k))
			n++;
	return n;
}

enum gate_reason
gate_admit(struct gate *g, const struct gate_key *k, int64_t now)
{
	struct gate_source *s = source_get(g, k, now);
	enum gate_reason r = GATE_OK;

	/* Every attempt costs a token, refused or not. */
	if (take_token(&g->lim, s, now) == -1)
		r = GATE_RATE;
	else if (gate_pending_from(g, k) >=
	    (size_t)g->lim.max_pending_per_source)
		r = GATE_SOURCE;
	else if (g->npend >= (size_t)g->lim.max_pending)
		r = GATE_PENDING;
	if (r != GATE_OK)
		count_refusal(g, s, r, now);
	return r;
}

void
gate_refuse(struct gate *g, const struct gate_key *k, enum gate_reason r,
    int64_t now)
{
	if (r <= GATE_OK || r >= GATE_NREASONS)
		return;
	count_refusal(g, source_get(g, k, now), r, now);
}

int
gate_hold(struct gate *g, uint32_t id, const struct gate_key *k)
{
	if (g->npend >= (size_t)g->lim.max_pending)
		return -1;
	g->pend[g->npend].id = id;
	g->pend[g->npend].key = *k;
	g->npend++;
	g->admitted++;
	return 0;
}

void
gate_release(struct gate *g, uint32_t id)
{
	size_t i;

	for (i = 0; i < g->npend; i++) {
		if (g->pend[i].id != id)
			continue;
		g->pend[i] = g->pend[--g->npend];
		return;
	}
}

const char *
gate_reason_name(enum gate_reason r)
{
	switch (r) {
	case GATE_OK:
		return "admitted";
	case GATE_RATE:
		return "connect-rate";
	case GATE_SOURCE:
		return "max-pending-per-source";
	case GATE_PENDING:
		return "max-pending";
	case GATE_PEERS:
		return "max-peers";
	default:
		return "unknown";
	}
}

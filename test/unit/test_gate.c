/*
 * Unit tests for guard/gate.c: sources, the token bucket, the pending
 * limits, the fixed table, and logging that does not flood. The clock is
 * the tests' own.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

static struct gate G;
static const struct gate_limits DEFAULTS = {
	.max_pending = 64,
	.max_pending_per_source = 8,
	.connect_rate = 10,
	.connect_burst = 20,
	.max_peers = 1024,
};

/* What the gate logged. */
static char lines[64][256];
static int nlines;

static void
catch_line(void *arg, const char *line)
{
	(void)arg;
	if (nlines < (int)(sizeof(lines) / sizeof(lines[0])))
		snprintf(lines[nlines], sizeof(lines[0]), "%s", line);
	nlines++;
}

static void
setup_with(const struct gate_limits *lim)
{
	nlines = 0;
	memset(lines, 0, sizeof(lines));
	ck_assert_int_eq(gate_init(&G, lim, 12345, catch_line, NULL), 0);
}

static void
setup(void)
{
	setup_with(&DEFAULTS);
}

static void
teardown(void)
{
	gate_free(&G);
}

static struct gate_key
v4(const char *a)
{
	struct sockaddr_in sin;
	struct gate_key k;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	ck_assert_int_eq(gate_key_of((struct sockaddr *)&sin, sizeof(sin), &k),
	    0);
	return k;
}

static struct gate_key
v6(const char *a)
{
	struct sockaddr_in6 sin6;
	struct gate_key k;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	ck_assert_int_eq(gate_key_of((struct sockaddr *)&sin6, sizeof(sin6),
	    &k), 0);
	return k;
}

/* Source number i of many: 198.18.x.y. */
static struct gate_key
nth(unsigned i)
{
	char a[32];

	snprintf(a, sizeof(a), "198.18.%u.%u", (i >> 8) & 0xff, i & 0xff);
	return v4(a);
}

static const char *
str(const struct gate_key *k)
{
	static char buf[GATE_KEY_STRLEN];

	return gate_key_str(k, buf, sizeof(buf));
}

/* Admit and hold as slot id, then release at once: a quick handshake. */
static enum gate_reason
connect_once(const struct gate_key *k, uint32_t id, int64_t now)
{
	enum gate_reason r = gate_admit(&G, k, now);

	if (r == GATE_OK) {
		ck_assert_int_eq(gate_hold(&G, id, k), 0);
		gate_release(&G, id);
	}
	return r;
}

/* ---- sources ----------------------------------------------------------- */

START_TEST(key_ipv4)
{
	struct gate_key a = v4("198.18.0.4"), b = v4("198.18.0.5");

	ck_assert_str_eq(str(&a), "198.18.0.4");
	ck_assert_mem_ne(a.b, b.b, sizeof(a.b));
}
END_TEST

/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d. */
START_TEST(key_v4_mapped_is_ipv4)
{
	struct gate_key a = v4("198.18.0.4"), b = v6("::ffff:198.18.0.4");

	ck_assert_mem_eq(a.b, b.b, sizeof(a.b));
	ck_assert_str_eq(str(&b), "198.18.0.4");
}
END_TEST

START_TEST(key_ipv6_is_its_64)
{
	struct gate_key a = v6("2001:db8:1:2::4"), b = v6("2001:db8:1:2:ff::9");
	struct gate_key c = v6("2001:db8:1:3::4");

	ck_assert_mem_eq(a.b, b.b, sizeof(a.b));
	ck_assert_mem_ne(a.b, c.b, sizeof(a.b));
	ck_assert_str_eq(str(&a), "2001:db8:1:2::/64");
}
END_TEST

/* No /64 can look like an IPv4 source, nor the other way round. */
START_TEST(key_ipv6_never_ipv4)
{
	struct gate_key a = v6("::"), b = v4("0.0.0.0");

	ck_assert_mem_ne(a.b, b.b, sizeof(a.b));
	ck_assert_str_eq(str(&a), "::/64");
}
END_TEST

START_TEST(key_bad_family_or_length)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct gate_key k;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	ck_assert_int_eq(gate_key_of((struct sockaddr *)&ss, sizeof(ss), &k),
	    -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(gate_key_of((struct sockaddr *)&sin, sizeof(sin) - 1,
	    &k), -1);
	ss.ss_family = AF_INET6;
	ck_assert_int_eq(gate_key_of((struct sockaddr *)&ss,
	    sizeof(struct sockaddr_in6) - 1, &k), -1);
}
END_TEST

/* ---- limits ------------------------------------------------------------ */

START_TEST(init_refuses_zero_limits)
{
	struct gate_limits lim = DEFAULTS;
	struct gate g;

	lim.connect_rate = 0;
	ck_assert_int_eq(gate_init(&g, &lim, 1, NULL, NULL), -1);
	lim = DEFAULTS;
	lim.max_pending = 0;
	ck_assert_int_eq(gate_init(&g, &lim, 1, NULL, NULL), -1);
	lim = DEFAULTS;
	lim.max_pending_per_source = 0;
	ck_assert_int_eq(gate_init(&g, &lim, 1, NULL, NULL), -1);
	lim = DEFAULTS;
	lim.connect_burst = 0;
	ck_assert_int_eq(gate_init(&g, &lim, 1, NULL, NULL), -1);
}
END_TEST

START_TEST(burst_then_rate)
{
	struct gate_key k = v4("198.18.0.6");
	int i;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(connect_once(&k, 1, 0), GATE_OK);
	ck_assert_int_eq(connect_once(&k, 1, 0), GATE_RATE);
	ck_assert_int_eq(connect_once(&k, 1, 99), GATE_RATE);
	/* 10 a second: one more each 100 ms. */
	ck_assert_int_eq(connect_once(&k, 1, 100), GATE_OK);
	ck_assert_int_eq(connect_once(&k, 1, 150), GATE_RATE);
	ck_assert_int_eq(connect_once(&k, 1, 200), GATE_OK);
	ck_assert_uint_eq(G.refused[GATE_RATE], 3);
	ck_assert_uint_eq(G.admitted, 22);
}
END_TEST

START_TEST(bucket_refills_to_burst_only)
{
	struct gate_key k = v4("198.18.0.6");
	int i, ok = 0;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(connect_once(&k, 1, 0), GATE_OK);
	/* An hour later: a full bucket, not 36000 connections' worth. */
	for (i = 0; i < 30; i++)
		ok += connect_once(&k, 1, 3600000) == GATE_OK;
	ck_assert_int_eq(ok, 20);
}
END_TEST

/* Every attempt costs a token, also one refused for another limit. */
START_TEST(refused_attempts_cost_tokens)
{
	struct gate_key k = v4("198.18.0.6");
	int i;

	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&G, (uint32_t)i + 1, &k), 0);
	}
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_SOURCE);
	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_RATE);
	ck_assert_uint_eq(G.refused[GATE_SOURCE], 12);
	ck_assert_uint_eq(G.refused[GATE_RATE], 1);
}
END_TEST

START_TEST(sources_have_their_own_buckets)
{
	struct gate_key a = v4("198.18.0.6"), b = v4("198.18.0.7");
	int i;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(connect_once(&a, 1, 0), GATE_OK);
	ck_assert_int_eq(connect_once(&a, 1, 0), GATE_RATE);
	ck_assert_int_eq(connect_once(&b, 2, 0), GATE_OK);
}
END_TEST

START_TEST(pending_per_source)
{
	struct gate_key a = v4("198.18.0.6"), b = v4("198.18.0.7");
	uint32_t id;

	for (id = 1; id <= 8; id++) {
		ck_assert_int_eq(gate_admit(&G, &a, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&G, id, &a), 0);
	}
	ck_assert_uint_eq(gate_pending_from(&G, &a), 8);
	ck_assert_int_eq(gate_admit(&G, &a, 0), GATE_SOURCE);
	/* Another source is not held back. */
	ck_assert_int_eq(gate_admit(&G, &b, 0), GATE_OK);
	ck_assert_int_eq(gate_hold(&G, 9, &b), 0);
	/* One of a's is up: a may start another. */
	gate_release(&G, 3);
	ck_assert_uint_eq(gate_pending_from(&G, &a), 7);
	ck_assert_int_eq(gate_admit(&G, &a, 0), GATE_OK);
	ck_assert_uint_eq(gate_pending(&G), 8);
}
END_TEST

START_TEST(pending_per_64)
{
	struct gate_key k;
	char a[64];
	uint32_t id;

	for (id = 1; id <= 8; id++) {
		snprintf(a, sizeof(a), "2001:db8:1:2::%x", id);
		k = v6(a);
		ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&G, id, &k), 0);
	}
	k = v6("2001:db8:1:2:abcd::1");
	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_SOURCE);
	k = v6("2001:db8:1:3::1");
	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
}
END_TEST

START_TEST(pending_in_all)
{
	struct gate_limits lim = DEFAULTS;
	struct gate_key k;
	uint32_t id;

	teardown();
	lim.max_pending = 4;
	setup_with(&lim);
	for (id = 1; id <= 4; id++) {
		k = nth(id);
		ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&G, id, &k), 0);
	}
	k = nth(5);
	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_PENDING);
	/* A hold without an admit cannot go past the limit either. */
	ck_assert_int_eq(gate_hold(&G, 5, &k), -1);
	gate_release(&G, 2);
	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
	ck_assert_uint_eq(G.refused[GATE_PENDING], 1);
}
END_TEST

START_TEST(release_is_idempotent)
{
	struct gate_key k = v4("198.18.0.6");

	ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
	ck_assert_int_eq(gate_hold(&G, 7, &k), 0);
	gate_release(&G, 7);
	gate_release(&G, 7);
	gate_release(&G, 99);
	ck_assert_uint_eq(gate_pending(&G), 0);
}
END_TEST

START_TEST(refuse_from_outside)
{
	struct gate_key k = v4("198.18.0.6");

	gate_refuse(&G, &k, GATE_PEERS, 0);
	gate_refuse(&G, &k, GATE_OK, 0);
	gate_refuse(&G, &k, GATE_NREASONS, 0);
	ck_assert_uint_eq(G.refused[GATE_PEERS], 1);
	ck_assert_uint_eq(G.refused[GATE_OK], 0);
	ck_assert_int_eq(nlines, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "max-peers 1024 reached"));
}
END_TEST

/* The largest settings and a clock far ahead overflow nothing. */
START_TEST(large_values)
{
	struct gate_limits lim = DEFAULTS;
	struct gate_key k = v4("198.18.0.6");
	int i;

	teardown();
	lim.connect_rate = 100000;
	lim.connect_burst = 100000;
	setup_with(&lim);
	ck_assert_int_eq(connect_once(&k, 1, 0), GATE_OK);
	ck_assert_int_eq(connect_once(&k, 1, INT64_MAX / 2), GATE_OK);
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(connect_once(&k, 1, INT64_MAX / 2 + 1),
		    GATE_OK);
	ck_assert_int_eq(connect_once(&k, 1, INT64_MAX / 2 + 1), GATE_RATE);
}
END_TEST

/* More sources than the table holds: it forgets, and still works. */
START_TEST(table_is_fixed)
{
	struct gate_key k;
	unsigned i;
	size_t used = 0;

	for (i = 0; i < 5 * GATE_SOURCES; i++) {
		k = nth(i);
		ck_assert_int_eq(connect_once(&k, 1, i), GATE_OK);
	}
	for (i = 0; i < GATE_SOURCES; i++)
		used += G.src[i].used != 0;
	ck_assert_uint_eq(used, GATE_SOURCES);
	/* The most recent sources are still known: their buckets ran low. */
	k = nth(5 * GATE_SOURCES - 1);
	for (i = 0; i < 19; i++)
		ck_assert_int_eq(connect_once(&k, 1, 5 * GATE_SOURCES),
		    GATE_OK);
	ck_assert_int_eq(connect_once(&k, 1, 5 * GATE_SOURCES), GATE_RATE);
}
END_TEST

/* ---- logging ----------------------------------------------------------- */

START_TEST(first_refusal_logged_at_once)
{
	struct gate_key k = v4("198.18.0.6");
	int i;

	for (i = 0; i < 20; i++)
		connect_once(&k, 1, 0);
	ck_assert_int_eq(nlines, 0);
	ck_assert_int_eq(connect_once(&k, 1, 0), GATE_RATE);
	ck_assert_int_eq(nlines, 1);
	ck_assert_str_eq(lines[0], "refused a connection from 198.18.0.6: "
	    "over connect-rate 10/s (burst 20); further refusals of it are "
	    "summed up every 10 s");
}
END_TEST

START_TEST(later_refusals_summed_up)
{
	struct gate_key k = v4("198.18.0.6");
	uint32_t id;
	int i;

	for (id = 1; id <= 8; id++) {
		ck_assert_int_eq(gate_admit(&G, &k, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&G, id, &k), 0);
	}
	for (i = 0; i < 500; i++)
		gate_admit(&G, &k, i);
	ck_assert_int_eq(nlines, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "max-pending-per-source 8 "
	    "reached"));
	/* Not due yet: the tick says when. */
	ck_assert_int_eq(gate_tick(&G, 5000), 5000);
	ck_assert_int_eq(nlines, 1);
	ck_assert_int_eq(gate_tick(&G, 10000), -1);
	ck_assert_int_eq(nlines, 2);
	ck_assert_ptr_nonnull(strstr(lines[1], "refused 499 connections from "
	    "198.18.0.6 ("));
	ck_assert_ptr_nonnull(strstr(lines[1], "connect-rate: "));
	ck_assert_ptr_nonnull(strstr(lines[1], "max-pending-per-source: "));
	ck_assert_uint_eq(G.refused[GATE_RATE] + G.refused[GATE_SOURCE], 500);
	/* Nothing new: nothing more to say. */
	ck_assert_int_eq(gate_tick(&G, 30000), -1);
	ck_assert_int_eq(nlines, 2);
}
END_TEST

/* A source quiet for a while gets a line at once again. */
START_TEST(quiet_source_logged_again)
{
	struct gate_key k = v4("198.18.0.6");
	int i;

	for (i = 0; i < 21; i++)
		connect_once(&k, 1, 0);
	ck_assert_int_eq(nlines, 1);
	for (i = 0; i < 21; i++)
		connect_once(&k, 1, 60000);
	ck_assert_int_eq(nlines, 2);
	ck_assert_str_eq(lines[1], "refused a connection from 198.18.0.6: "
	    "over connect-rate 10/s (burst 20)");
}
END_TEST

START_TEST(lines_limited_in_all)
{
	struct gate_key k;
	unsigned i;
	int r;

	/* 30 sources over max-peers at once: 20 lines now, 10 later. */
	for (i = 0; i < 30; i++) {
		k = nth(i);
		gate_refuse(&G, &k, GATE_PEERS, 0);
	}
	ck_assert_int_eq(nlines, GATE_LOG_LINES);
	ck_assert_int_eq(gate_tick(&G, 1), GATE_LOG_MS - 1);
	r = gate_tick(&G, GATE_LOG_MS);
	ck_assert_int_eq(nlines, 30);
	ck_assert_int_eq(r, -1);
	ck_assert_uint_eq(G.refused[GATE_PEERS], 30);
}
END_TEST

/* Sources forgotten before their refusals were logged: one line for all. */
START_TEST(forgotten_sources_summed_up)
{
	struct gate_key k;
	unsigned i;

	for (i = 0; i < 3 * GATE_SOURCES; i++) {
		k = nth(i);
		gate_refuse(&G, &k, GATE_PEERS, 0);
	}
	ck_assert_int_eq(nlines, GATE_LOG_LINES);
	ck_assert_uint_gt(G.lost, 0);
	/* Each later window: 20 sources by name, and the rest in one line. */
	gate_tick(&G, GATE_LOG_MS);
	ck_assert_int_eq(nlines, 2 * GATE_LOG_LINES + 1);
	ck_assert_ptr_nonnull(strstr(lines[2 * GATE_LOG_LINES],
	    "more connections from sources not named"));
	ck_assert_uint_eq(G.lost, 0);
}
END_TEST

START_TEST(reason_names)
{
	ck_assert_str_eq(gate_reason_name(GATE_RATE), "connect-rate");
	ck_assert_str_eq(gate_reason_name(GATE_SOURCE),
	    "max-pending-per-source");
	ck_assert_str_eq(gate_reason_name(GATE_PENDING), "max-pending");
	ck_assert_str_eq(gate_reason_name(GATE_PEERS), "max-peers");
	ck_assert_str_eq(gate_reason_name(GATE_NREASONS), "unknown");
}
END_TEST

static Suite *
gate_suite(void)
{
	Suite *s = suite_create("gate");
	TCase *tc;

	tc = tcase_create("sources");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, key_ipv4);
	tcase_add_test(tc, key_v4_mapped_is_ipv4);
	tcase_add_test(tc, key_ipv6_is_its_64);
	tcase_add_test(tc, key_ipv6_never_ipv4);
	tcase_add_test(tc, key_bad_family_or_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_refuses_zero_limits);
	tcase_add_test(tc, burst_then_rate);
	tcase_add_test(tc, bucket_refills_to_burst_only);
	tcase_add_test(tc, refused_attempts_cost_tokens);
	tcase_add_test(tc, sources_have_their_own_buckets);
	tcase_add_test(tc, pending_per_source);
	tcase_add_test(tc, pending_per_64);
	tcase_add_test(tc, pending_in_all);
	tcase_add_test(tc, release_is_idempotent);
	tcase_add_test(tc, refuse_from_outside);
	tcase_add_test(tc, large_values);
	tcase_add_test(tc, table_is_fixed);
	suite_add_tcase(s, tc);

	tc = tcase_create("logging");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, first_refusal_logged_at_once);
	tcase_add_test(tc, later_refusals_summed_up);
	tcase_add_test(tc, quiet_source_logged_again);
	tcase_add_test(tc, lines_limited_in_all);
	tcase_add_test(tc, forgotten_sources_summed_up);
	tcase_add_test(tc, reason_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

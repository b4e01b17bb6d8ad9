/*
 * Unit tests for guard/permit.c: which message each child may send GUARD,
 * in which state, with or without a descriptor, and how often.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "guard.h"
#include "imsg.h"
#include "permit.h"

static const char *why;

static int
check(int role, enum permit_from from, int state, uint32_t type, int has_fd,
    uint32_t seen)
{
	struct permit_query q = { role, from, state, type, has_fd, seen };

	why = NULL;
	return permit_check(&q, &why);
}

/* Everything the real children send, where and when they send it. */
START_TEST(allows_the_protocol)
{
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_STARTING,
	    IMSG_PEER_HELLO, 0, 0), 0);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_TCPCTL, PEER_STARTING,
	    IMSG_CLIENT_CONFIG, 0, 0), 0);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_STARTING,
	    IMSG_WORKER_READY, 1, 0), 0);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_UDPDATA, PEER_UP,
	    IMSG_WORKER_STATS, 0, 0), 0);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP,
	    IMSG_PEER_EPOCH, 0, 0), 0);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP, IMSG_LOG,
	    0, 0), 0);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_UDPDATA, PEER_STARTING,
	    IMSG_LOG, 0, 0), 0);
}
END_TEST

/* A type from the wrong child: udpdata cannot claim an identity. */
START_TEST(refuses_the_wrong_sender)
{
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_STARTING,
	    IMSG_PEER_HELLO, 0, 0), -1);
	ck_assert_str_eq(why, "a type this process may never send");
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_STARTING,
	    IMSG_WORKER_READY, 1, 0), -1);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_UDPDATA, PEER_STARTING,
	    IMSG_CLIENT_CONFIG, 0, 0), -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP,
	    IMSG_WORKER_STATS, 0, 0), -1);
}
END_TEST

/* A server's tcpctl may not push a client configuration, and back. */
START_TEST(refuses_the_wrong_role)
{
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_STARTING,
	    IMSG_CLIENT_CONFIG, 0, 0), -1);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_TCPCTL, PEER_STARTING,
	    IMSG_PEER_HELLO, 0, 0), -1);
}
END_TEST

/* GUARD-to-child types and unknown numbers never come from a child. */
START_TEST(refuses_types_children_never_send)
{
	static const uint32_t types[] = { IMSG_NONE, IMSG_WORKER_CONFIG,
	    IMSG_PEER_CONFIG, IMSG_PEER_REFUSE, IMSG_CLIENT_UP,
	    IMSG_KEY_INSTALL, IMSG_ENDPOINT, IMSG_ROUTER_LINK,
	    IMSG_ROUTER_ADDR, IMSG_ROUTER_ROUTE, IMSG_ROUTER_RESULT,
	    IMSG_ROUTER_INIT, IMSG_UDPDATA_INIT, IMSG_TCPCTL_INIT,
	    IMSG_KEY_INSTALLED, IMSG_REKEY_WANTED, IMSG_PEER_REKEY,
	    IMSG_ROUTER_RESET, IMSG_MAX, 0x7fffffff, 0xffffffff };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP,
		    types[i], 0, 0), -1);
		ck_assert_int_eq(check(ROLE_CLIENT, FROM_UDPDATA, PEER_UP,
		    types[i], 0, 0), -1);
	}
}
END_TEST

/* A hello after the peer is up, or from a free or dying slot. */
START_TEST(refuses_the_wrong_state)
{
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP,
	    IMSG_PEER_HELLO, 0, 0), -1);
	ck_assert_str_eq(why, "not in this state of the peer");
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_UP,
	    IMSG_WORKER_READY, 1, 0), -1);
	ck_assert_int_eq(check(ROLE_CLIENT, FROM_TCPCTL, PEER_UP,
	    IMSG_CLIENT_CONFIG, 0, 0), -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_FREE,
	    IMSG_LOG, 0, 0), -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_DYING,
	    IMSG_PEER_EPOCH, 0, 0), -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, -1, IMSG_LOG, 0, 0),
	    -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, 99, IMSG_LOG, 0, 0),
	    -1);
}
END_TEST

START_TEST(refuses_descriptors_where_none_belong)
{
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_STARTING,
	    IMSG_PEER_HELLO, 1, 0), -1);
	ck_assert_str_eq(why, "a descriptor where none belongs");
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_UP,
	    IMSG_LOG, 1, 0), -1);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_STARTING,
	    IMSG_WORKER_READY, 0, 0), -1);
	ck_assert_str_eq(why, "without its descriptor");
}
END_TEST

START_TEST(refuses_a_second_once_only_message)
{
	uint32_t seen = permit_seen_bit(IMSG_PEER_HELLO);

	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_STARTING,
	    IMSG_PEER_HELLO, 0, seen), -1);
	ck_assert_str_eq(why, "a second time");
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_STARTING,
	    IMSG_WORKER_READY, 1, permit_seen_bit(IMSG_WORKER_READY)), -1);
	/* Repeatable ones stay allowed. */
	ck_assert_int_eq(check(ROLE_SERVER, FROM_TCPCTL, PEER_UP,
	    IMSG_PEER_EPOCH, 0, permit_seen_bit(IMSG_PEER_EPOCH)), 0);
	ck_assert_int_eq(check(ROLE_SERVER, FROM_UDPDATA, PEER_UP,
	    IMSG_WORKER_STATS, 0, 0xffffffffu), 0);
}
END_TEST

static Suite *
permit_suite(void)
{
	Suite *s = suite_create("permit");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, allows_the_protocol);
	tcase_add_test(tc, refuses_the_wrong_sender);
	tcase_add_test(tc, refuses_the_wrong_role);
	tcase_add_test(tc, refuses_types_children_never_send);
	tcase_add_test(tc, refuses_the_wrong_state);
	tcase_add_test(tc, refuses_descriptors_where_none_belong);
	tcase_add_test(tc, refuses_a_second_once_only_message);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(permit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/*
 * Unit tests for guard/hostnet.c: which of the host's addresses and routes
 * keep an address pool from working (hostnet_conflict), and the kernel's
 * own tables read through netlink (hostnet_check_pools on the loopback
 * address every network namespace has).
 */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "hostnet.h"

static char why[512];

static struct prefix
pfx(const char *s)
{
	struct prefix p;
	char e[128];

	ck_assert_msg(prefix_parse(s, &p, 1, e, sizeof(e)) == 0, "%s: %s", s,
	    e);
	return p;
}

static struct host_item
item(int kind, const char *ifname, const char *p)
{
	struct host_item it;

	memset(&it, 0, sizeof(it));
	it.kind = kind;
	snprintf(it.ifname, sizeof(it.ifname), "%s", ifname);
	it.p = pfx(p);
	return it;
}

/* 1 when pool and the item conflict; why is kept for the caller. */
static int
conflict(const char *pool, int kind, const char *ifname, const char *p)
{
	struct prefix pp = pfx(pool);
	struct host_item it = item(kind, ifname, p);

	why[0] = '\0';
	return hostnet_conflict(&pp, pp.family == AF_INET ? "pool4" : "pool6",
	    &it, why, sizeof(why));
}

START_TEST(address_in_the_pool)
{
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ADDR, "eth1",
	    "100.64.0.7/32"), 1);
	ck_assert_str_eq(why, "pool4 100.64.0.0/24 overlaps 100.64.0.7/32, "
	    "the network of eth1 (address 100.64.0.7/32): tunnel addresses "
	    "must not come from a network the host is on; take a pool that "
	    "no interface here uses");
	ck_assert_int_eq(conflict("fd00:6400::/64", HOST_ADDR, "lo",
	    "fd00:6400::1/128"), 1);
	ck_assert_ptr_nonnull(strstr(why, "pool6 fd00:6400::/64 overlaps "
	    "fd00:6400::1/128, the network of lo"));
}
END_TEST

/* The underlay network around the pool: its hosts would look on-link. */
START_TEST(network_around_the_pool)
{
	ck_assert_int_eq(conflict("198.18.5.0/24", HOST_ADDR, "eth0",
	    "198.18.0.1/15"), 1);
	ck_assert_ptr_nonnull(strstr(why, "overlaps 198.18.0.0/15, the "
	    "network of eth0 (address 198.18.0.1/15)"));
	ck_assert_int_eq(conflict("2001:db8:0:1::/64", HOST_ADDR, "eth0",
	    "2001:db8::1/48"), 1);
	ck_assert_ptr_nonnull(strstr(why, "overlaps 2001:db8::/48"));
}
END_TEST

/* A network inside the pool: the pool would take part of it. */
START_TEST(network_inside_the_pool)
{
	ck_assert_int_eq(conflict("100.64.0.0/16", HOST_ADDR, "eth1",
	    "100.64.9.1/24"), 1);
	ck_assert_ptr_nonnull(strstr(why, "overlaps 100.64.9.0/24"));
}
END_TEST

START_TEST(addresses_elsewhere_ok)
{
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ADDR, "eth0",
	    "198.18.0.1/24"), 0);
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ADDR, "eth0",
	    "100.64.1.1/24"), 0);
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ADDR, "lo",
	    "127.0.0.1/8"), 0);
	ck_assert_int_eq(conflict("fd00:6400::/64", HOST_ADDR, "eth0",
	    "fe80::1/64"), 0);
	ck_assert_int_eq(conflict("fd00:6400::/64", HOST_ADDR, "eth0",
	    "fd00:6401::1/64"), 0);
	ck_assert_str_eq(why, "");
}
END_TEST

/* Another family never conflicts, whatever its bytes. */
START_TEST(other_family_ok)
{
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ADDR, "eth0",
	    "6440::1/16"), 0);
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "eth0",
	    "::/0"), 0);
}
END_TEST

START_TEST(route_inside_the_pool)
{
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "eth1",
	    "100.64.0.128/25"), 1);
	ck_assert_str_eq(why, "pool4 100.64.0.0/24 holds the route to "
	    "100.64.0.128/25 dev eth1 already on the host (main table): "
	    "packets for those tunnel addresses would follow it; remove that "
	    "route or take another pool");
	/* The same prefix: the route already there would win. */
	ck_assert_int_eq(conflict("fd00:6400::/64", HOST_ROUTE, "eth1",
	    "fd00:6400::/64"), 1);
	/* A route without a device (blackhole, multipath). */
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "",
	    "100.64.0.9/32"), 1);
	ck_assert_ptr_nonnull(strstr(why, "route to 100.64.0.9/32 already"));
}
END_TEST

/* A covering route loses to the pool's longer one: the pool is carved out. */
START_TEST(route_covering_the_pool_ok)
{
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "eth0",
	    "0.0.0.0/0"), 0);
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "eth0",
	    "100.64.0.0/10"), 0);
	ck_assert_int_eq(conflict("fd00:6400::/64", HOST_ROUTE, "eth0",
	    "fd00::/8"), 0);
	ck_assert_int_eq(conflict("100.64.0.0/24", HOST_ROUTE, "eth0",
	    "100.64.1.0/24"), 0);
}
END_TEST

START_TEST(no_pool_no_conflict)
{
	struct prefix none;
	struct host_item it = item(HOST_ADDR, "eth0", "100.64.0.1/24");

	memset(&none, 0, sizeof(none));
	ck_assert_int_eq(hostnet_conflict(&none, "pool4", &it, why,
	    sizeof(why)), 0);
}
END_TEST

/* Every namespace has 127.0.0.1/8 on lo: a pool there must be seen. */
START_TEST(kernel_tables_are_read)
{
	struct guard_conf c;
	char err[CONF_ERR_MAX];

	conf_defaults(&c, ROLE_SERVER);
	c.pool4 = pfx("127.0.0.0/24");
	err[0] = '\0';
	ck_assert_int_eq(hostnet_check_pools(&c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "pool4 127.0.0.0/24 overlaps 127.0.0.0/8, "
	    "the network of lo") != NULL, "%s", err);
	/* No pool: nothing to read. */
	conf_defaults(&c, ROLE_SERVER);
	ck_assert_int_eq(hostnet_check_pools(&c, err, sizeof(err)), 0);
}
END_TEST

/* The error names the config file's line of the pool at fault. */
START_TEST(kernel_error_names_the_line)
{
	static const char text[] = "ca /c\ncert /e\nkey /k\n\npool4 127.0.0.0/24\n";
	struct guard_conf c;
	char err[CONF_ERR_MAX];

	conf_defaults(&c, ROLE_SERVER);
	ck_assert_int_eq(conf_parse_text(&c, "guardd.conf", text,
	    strlen(text), err, sizeof(err)), 0);
	ck_assert_int_eq(hostnet_check_pools(&c, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "guardd.conf:5: pool4 127.0.0.0/24 ",
	    strlen("guardd.conf:5: pool4 127.0.0.0/24 ")) == 0, "%s", err);
}
END_TEST

static Suite *
hostnet_suite(void)
{
	Suite *s = suite_create("hostnet");
	TCase *tc = tcase_create("conflict");

	tcase_add_test(tc, address_in_the_pool);
	tcase_add_test(tc, network_around_the_pool);
	tcase_add_test(tc, network_inside_the_pool);
	tcase_add_test(tc, addresses_elsewhere_ok);
	tcase_add_test(tc, other_family_ok);
	tcase_add_test(tc, route_inside_the_pool);
	tcase_add_test(tc, route_covering_the_pool_ok);
	tcase_add_test(tc, no_pool_no_conflict);
	suite_add_tcase(s, tc);

	tc = tcase_create("kernel");
	tcase_add_test(tc, kernel_tables_are_read);
	tcase_add_test(tc, kernel_error_names_the_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hostnet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/*
 * Unit tests for the routing helper: its policy (guard/router.c), its
 * ledger (guard/ledger.c) and, as root, the netlink backend
 * (guard/netlink.c) and the whole helper in a private network namespace.
 */
#include <errno.h>
#include <check.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "addr.h"
#include "imsg.h"
#include "log.h"
#include "../../guard/ledger.h"
#include "../../guard/netlink.h"
#include "../../guard/router.h"

static const char test_if[] = "gt0";

/* A prefix from its text; host bits are kept, so bad routes can be made. */
static struct prefix
P(const char *text)
{
	struct prefix p;
	char err[128];

	memset(&p, 0, sizeof(p));
	ck_assert_msg(prefix_parse(text, &p, 1, err, sizeof(err)) == 0,
	    "%s: %s", text, err);
	return p;
}

/* ---- Policy -------------------------------------------------------------- */

static struct router_env env;
static const char *why;

static void
policy_setup(void)
{
	memset(&env, 0, sizeof(env));
	env.sock = -1;
	snprintf(env.ifname, sizeof(env.ifname), "%s", test_if);
	why = NULL;
}

static int
check_link(uint32_t mtu, uint32_t up)
{
	struct router_req req = { .type = IMSG_ROUTER_LINK };

	req.u.link.mtu = mtu;
	req.u.link.up = up;
	return router_check(&env, &req, 0, &why);
}

static int
check_addr_n(const char *text, int naddr)
{
	struct router_req req = { .type = IMSG_ROUTER_ADDR };

	req.u.addr.addr = P(text);
	return router_check(&env, &req, naddr, &why);
}

static int
check_addr(const char *text)
{
	return check_addr_n(text, 0);
}

static int
check_route(const char *text)
{
	struct router_req req = { .type = IMSG_ROUTER_ROUTE };

	req.u.route.dst = P(text);
	return router_check(&env, &req, 0, &why);
}

static int
check_raw_prefix(uint32_t type, uint8_t family, uint8_t plen)
{
	struct router_req req = { .type = type };
	struct prefix *p = type == IMSG_ROUTER_ADDR ? &req.u.addr.addr :
	    &req.u.route.dst;

	p->family = family;
	p->plen = plen;
	p->addr[0] = 100;
	p->addr[1] = 64;
	p->addr[3] = 1;
	return router_check(&env, &req, 0, &why);
}

START_TEST(link_accepts_valid)
{
	ck_assert_int_eq(check_link(0, 1), 0);
	ck_assert_int_eq(check_link(0, 0), 0);
	ck_assert_int_eq(check_link(1280, 1), 0);
	ck_assert_int_eq(check_link(1420, 1), 0);
	ck_assert_int_eq(check_link(9000, 0), 0);
}
END_TEST

START_TEST(link_refuses_mtu_out_of_range)
{
	ck_assert_int_eq(check_link(1279, 1), EINVAL);
	ck_assert_str_eq(why, "MTU outside 1280..9000");
	ck_assert_int_eq(check_link(9001, 1), EINVAL);
	ck_assert_int_eq(check_link(1, 1), EINVAL);
	ck_assert_int_eq(check_link(UINT32_MAX, 1), EINVAL);
}
END_TEST

START_TEST(link_refuses_bad_state)
{
	ck_assert_int_eq(check_link(1420, 2), EINVAL);
	ck_assert_int_eq(check_link(0, UINT32_MAX), EINVAL);
	ck_assert_str_eq(why, "link state neither up nor down");
}
END_TEST

START_TEST(addr_accepts_unicast)
{
	ck_assert_int_eq(check_addr("100.64.0.1/24"), 0);
	ck_assert_int_eq(check_addr("100.64.0.1/10"), 0);
	ck_assert_int_eq(check_addr("198.18.0.1/32"), 0);
	ck_assert_int_eq(check_addr("100.64.0.255/31"), 0);
	ck_assert_int_eq(check_addr("fd00::1/64"), 0);
	ck_assert_int_eq(check_addr("2001:db8::1/128"), 0);
}
END_TEST

START_TEST(addr_refuses_bad_family)
{
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, 0, 24), EINVAL);
	ck_assert_str_eq(why, "not an IPv4 or IPv6 prefix");
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, AF_UNIX, 24),
	    EINVAL);
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, 255, 24), EINVAL);
}
END_TEST

START_TEST(addr_refuses_bad_length)
{
	ck_assert_int_eq(check_addr("100.64.0.1/0"), EINVAL);
	ck_assert_str_eq(why, "prefix length out of range");
	ck_assert_int_eq(check_addr("fd00::1/0"), EINVAL);
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, AF_INET, 33),
	    EINVAL);
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, AF_INET6, 129),
	    EINVAL);
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ADDR, AF_INET, 255),
	    EINVAL);
}
END_TEST

START_TEST(addr_refuses_unspecified)
{
	ck_assert_int_eq(check_addr("0.0.0.0/24"), EPERM);
	ck_assert_int_eq(check_addr("0.1.2.3/8"), EPERM);
	ck_assert_int_eq(check_addr("::/64"), EPERM);
	ck_assert_str_eq(why, "unspecified (::)");
}
END_TEST

START_TEST(addr_refuses_multicast)
{
	ck_assert_int_eq(check_addr("224.0.0.1/24"), EPERM);
	ck_assert_str_eq(why, "in the multicast range");
	ck_assert_int_eq(check_addr("239.255.255.250/32"), EPERM);
	ck_assert_int_eq(check_addr("ff02::1/64"), EPERM);
	ck_assert_int_eq(check_addr("ff0e::1/128"), EPERM);
}
END_TEST

START_TEST(addr_refuses_loopback)
{
	ck_assert_int_eq(check_addr("127.0.0.1/8"), EPERM);
	ck_assert_str_eq(why, "in the loopback range");
	/* A short subnet length must not hide the address's class. */
	ck_assert_int_eq(check_addr("127.0.0.1/1"), EPERM);
	ck_assert_int_eq(check_addr("::1/128"), EPERM);
	ck_assert_str_eq(why, "the loopback address");
}
END_TEST

START_TEST(addr_refuses_link_local)
{
	ck_assert_int_eq(check_addr("169.254.1.1/16"), EPERM);
	ck_assert_str_eq(why, "in the link-local range");
	ck_assert_int_eq(check_addr("fe80::1/64"), EPERM);
	ck_assert_int_eq(check_addr("febf::1/64"), EPERM);
	ck_assert_int_eq(check_addr("fec0::1/64"), 0);
}
END_TEST

START_TEST(addr_refuses_broadcast)
{
	ck_assert_int_eq(check_addr("255.255.255.255/32"), EPERM);
	ck_assert_str_eq(why, "the broadcast address");
	ck_assert_int_eq(check_addr("100.64.0.255/24"), EPERM);
	ck_assert_str_eq(why, "the subnet's broadcast address");
	ck_assert_int_eq(check_addr("100.127.255.255/10"), EPERM);
	ck_assert_int_eq(check_addr("100.64.0.3/30"), EPERM);
	ck_assert_int_eq(check_addr("100.64.0.2/30"), 0);
}
END_TEST

START_TEST(addr_limit)
{
	ck_assert_int_eq(check_addr_n("100.64.0.1/24", ROUTER_MAX_ADDRS - 1),
	    0);
	ck_assert_int_eq(check_addr_n("100.64.0.1/24", ROUTER_MAX_ADDRS),
	    ENOSPC);
	ck_assert_str_eq(why, "the device has as many addresses as allowed");
	ck_assert_int_eq(check_addr_n("fd00::1/64", ROUTER_MAX_ADDRS + 3),
	    ENOSPC);
}
END_TEST

START_TEST(addr_inside_allowed)
{
	env.allowed_addr[0] = P("100.64.0.0/16");
	env.allowed_addr[1] = P("fd00:1::/48");
	env.nallowed_addr = 2;

	ck_assert_int_eq(check_addr("100.64.0.1/16"), 0);
	ck_assert_int_eq(check_addr("100.64.9.1/24"), 0);
	ck_assert_int_eq(check_addr("100.64.255.254/32"), 0);
	ck_assert_int_eq(check_addr("fd00:1::1/64"), 0);
	ck_assert_int_eq(check_addr("fd00:1:0:ffff::1/128"), 0);
}
END_TEST

START_TEST(addr_outside_allowed)
{
	env.allowed_addr[0] = P("100.64.0.0/16");
	env.allowed_addr[1] = P("fd00:1::/48");
	env.nallowed_addr = 2;

	ck_assert_int_eq(check_addr("100.65.0.1/24"), EPERM);
	ck_assert_str_eq(why, "outside the address pools");
	ck_assert_int_eq(check_addr("198.18.0.1/24"), EPERM);
	ck_assert_int_eq(check_addr("fd00:2::1/64"), EPERM);
	ck_assert_int_eq(check_addr("2001:db8::1/64"), EPERM);
	/* Inside, but its subnet (and the route for it) reaches past it. */
	ck_assert_int_eq(check_addr("100.64.0.1/10"), EPERM);
	ck_assert_int_eq(check_addr("fd00:1::1/32"), EPERM);
}
END_TEST

START_TEST(addr_allowed_only_the_first_n)
{
	env.allowed_addr[0] = P("100.64.0.0/16");
	env.allowed_addr[1] = P("198.18.0.0/15");
	env.nallowed_addr = 1;

	ck_assert_int_eq(check_addr("198.18.0.1/24"), EPERM);
	ck_assert_int_eq(check_addr("100.64.1.1/24"), 0);
}
END_TEST

START_TEST(route_accepts_valid)
{
	ck_assert_int_eq(check_route("198.18.5.0/24"), 0);
	ck_assert_int_eq(check_route("100.64.0.0/10"), 0);
	ck_assert_int_eq(check_route("198.18.5.1/32"), 0);
	ck_assert_int_eq(check_route("0.0.0.0/1"), 0);
	ck_assert_int_eq(check_route("128.0.0.0/1"), 0);
	ck_assert_int_eq(check_route("2001:db8:5::/48"), 0);
	ck_assert_int_eq(check_route("fd00::/8"), 0);
	ck_assert_int_eq(check_route("::/1"), 0);
}
END_TEST

START_TEST(route_refuses_bad_family_or_length)
{
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ROUTE, 0, 0), EINVAL);
	ck_assert_str_eq(why, "not an IPv4 or IPv6 prefix");
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ROUTE, AF_INET, 33),
	    EINVAL);
	ck_assert_str_eq(why, "prefix length out of range");
	ck_assert_int_eq(check_raw_prefix(IMSG_ROUTER_ROUTE, AF_INET6, 129),
	    EINVAL);
}
END_TEST

START_TEST(route_refuses_host_bits)
{
	ck_assert_int_eq(check_route("198.18.5.1/24"), EINVAL);
	ck_assert_str_eq(why, "host bits set");
	ck_assert_int_eq(check_route("100.64.0.0/9"), EINVAL);
	ck_assert_int_eq(check_route("2001:db8:5::1/48"), EINVAL);
	ck_assert_int_eq(check_route("fd00::1/127"), EINVAL);
}
END_TEST

START_TEST(route_refuses_default)
{
	ck_assert_int_eq(check_route("0.0.0.0/0"), EPERM);
	ck_assert_str_eq(why, "default route not allowed");
	ck_assert_int_eq(check_route("::/0"), EPERM);
}
END_TEST

START_TEST(route_default_when_allowed)
{
	env.allow_default_route = 1;
	ck_assert_int_eq(check_route("0.0.0.0/0"), 0);
	ck_assert_int_eq(check_route("::/0"), 0);
	/* It allows /0, not host bits in it. */
	ck_assert_int_eq(check_route("198.18.0.0/0"), EINVAL);
}
END_TEST

START_TEST(route_refuses_special_destinations)
{
	ck_assert_int_eq(check_route("224.0.0.0/4"), EPERM);
	ck_assert_str_eq(why, "in the multicast range");
	ck_assert_int_eq(check_route("239.1.0.0/16"), EPERM);
	ck_assert_int_eq(check_route("ff00::/8"), EPERM);
	ck_assert_int_eq(check_route("ff02::/16"), EPERM);
	ck_assert_int_eq(check_route("127.0.0.0/8"), EPERM);
	ck_assert_str_eq(why, "in the loopback range");
	ck_assert_int_eq(check_route("127.0.0.1/32"), EPERM);
	ck_assert_int_eq(check_route("::1/128"), EPERM);
	ck_assert_int_eq(check_route("169.254.0.0/16"), EPERM);
	ck_assert_str_eq(why, "in the link-local range");
	ck_assert_int_eq(check_route("fe80::/64"), EPERM);
	ck_assert_int_eq(check_route("fe80::/10"), EPERM);
	/* Wider prefixes that merely include such a range are fine. */
	ck_assert_int_eq(check_route("224.0.0.0/3"), 0);
	ck_assert_int_eq(check_route("fe00::/7"), 0);
}
END_TEST

START_TEST(check_refuses_other_types)
{
	struct router_req req;

	memset(&req, 0, sizeof(req));
	req.type = IMSG_ROUTER_RESULT;
	ck_assert_int_eq(router_check(&env, &req, 0, &why), EINVAL);
	ck_assert_str_eq(why, "not a request");
	req.type = IMSG_LOG;
	ck_assert_int_eq(router_check(&env, &req, 0, &why), EINVAL);
	req.type = 0xffffffffu;
	ck_assert_int_eq(router_check(&env, &req, 0, &why), EINVAL);
}
END_TEST

/* ---- Decoding ------------------------------------------------------------ */

static struct imsg msg;

static void
make_msg(uint32_t type, const void *data, size_t len)
{
	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = type;
	msg.hdr.len = (uint32_t)(IMSG_HDR_LEN + len);
	msg.fd = -1;
	memcpy(msg.data, data, len);
}

START_TEST(decode_each_request)
{
	struct imsg_router_link link = { 1420, 1 };
	struct imsg_router_addr addr = { P("100.64.0.1/24") };
	struct imsg_router_route route = { P("198.18.5.0/24") };
	struct router_req req;

	make_msg(IMSG_ROUTER_LINK, &link, sizeof(link));
	ck_assert_int_eq(router_decode(&msg, &req), 0);
	ck_assert_uint_eq(req.type, IMSG_ROUTER_LINK);
	ck_assert_uint_eq(req.u.link.mtu, 1420);
	ck_assert_uint_eq(req.u.link.up, 1);

	make_msg(IMSG_ROUTER_ADDR, &addr, sizeof(addr));
	ck_assert_int_eq(router_decode(&msg, &req), 0);
	ck_assert_uint_eq(req.type, IMSG_ROUTER_ADDR);
	ck_assert_mem_eq(&req.u.addr, &addr, sizeof(addr));

	make_msg(IMSG_ROUTER_ROUTE, &route, sizeof(route));
	ck_assert_int_eq(router_decode(&msg, &req), 0);
	ck_assert_uint_eq(req.type, IMSG_ROUTER_ROUTE);
	ck_assert_mem_eq(&req.u.route, &route, sizeof(route));
}
END_TEST

START_TEST(decode_refuses_wrong_length)
{
	uint8_t buf[sizeof(struct imsg_router_addr) + 1];
	struct router_req req;

	memset(buf, 0, sizeof(buf));
	make_msg(IMSG_ROUTER_LINK, buf, sizeof(struct imsg_router_link) - 1);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_ROUTER_LINK, buf, sizeof(struct imsg_router_link) + 1);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_ROUTER_ADDR, buf, 0);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_ROUTER_ADDR, buf, sizeof(struct imsg_router_addr) + 1);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_ROUTER_ROUTE, buf, sizeof(struct imsg_router_route) - 1);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	/* A link request's size is not a route request's. */
	make_msg(IMSG_ROUTER_ROUTE, buf, sizeof(struct imsg_router_link));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
}
END_TEST

START_TEST(decode_refuses_other_types)
{
	struct imsg_router_result res = { IMSG_ROUTER_ADDR, 0 };
	uint8_t buf[64];
	struct router_req req;

	make_msg(IMSG_ROUTER_RESULT, &res, sizeof(res));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	memset(buf, 0, sizeof(buf));
	make_msg(IMSG_NONE, buf, 0);
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_LOG, buf, sizeof(buf));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_ROUTER_INIT, buf, sizeof(buf));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(IMSG_MAX, buf, sizeof(struct imsg_router_link));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
	make_msg(0xffffffffu, buf, sizeof(struct imsg_router_link));
	ck_assert_int_eq(router_decode(&msg, &req), -1);
}
END_TEST

START_TEST(decode_refuses_descriptor)
{
	struct imsg_router_link link = { 1420, 1 };
	struct router_req req;

	make_msg(IMSG_ROUTER_LINK, &link, sizeof(link));
	msg.fd = 0;
	ck_assert_int_eq(router_decode(&msg, &req), -1);
}
END_TEST

/* ---- Ledger -------------------------------------------------------------- */

static struct ledger ledger;

static void
ledger_setup(void)
{
	ledger_init(&ledger);
}

static int
add(enum ledger_kind kind, const char *text)
{
	struct prefix p;

	if (text == NULL)
		return ledger_add(&ledger, kind, NULL);
	p = P(text);
	return ledger_add(&ledger, kind, &p);
}

static int
find(enum ledger_kind kind, const char *text)
{
	struct prefix p = P(text);

	return ledger_find(&ledger, kind, &p);
}

START_TEST(ledger_add_and_find)
{
	struct prefix a = P("100.64.0.1/24"), r = P("198.18.5.0/24");

	ck_assert_int_eq(ledger_find(&ledger, LEDGER_ADDR, &a), 0);
	ck_assert_int_eq(ledger_add(&ledger, LEDGER_ADDR, &a), 0);
	ck_assert_int_eq(ledger_add(&ledger, LEDGER_ROUTE, &r), 0);
	ck_assert_int_eq(add(LEDGER_LINK_UP, NULL), 0);
	ck_assert_int_eq(ledger_find(&ledger, LEDGER_ADDR, &a), 1);
	ck_assert_int_eq(ledger_find(&ledger, LEDGER_ROUTE, &r), 1);
	ck_assert_int_eq(ledger_find(&ledger, LEDGER_LINK_UP, NULL), 1);
	/* The kind is part of what was done. */
	ck_assert_int_eq(ledger_find(&ledger, LEDGER_ROUTE, &a), 0);
	ck_assert_int_eq(ledger_count(&ledger, LEDGER_ADDR), 1);
	ck_assert_int_eq(ledger_count(&ledger, LEDGER_ROUTE), 1);
	ck_assert_int_eq(ledger_count(&ledger, LEDGER_LINK_UP), 1);
}
END_TEST

START_TEST(ledger_find_is_exact)
{
	ck_assert_int_eq(add(LEDGER_ADDR, "100.64.0.1/24"), 0);
	ck_assert_int_eq(find(LEDGER_ADDR, "100.64.0.1/24"), 1);
	ck_assert_int_eq(find(LEDGER_ADDR, "100.64.0.2/24"), 0);
	ck_assert_int_eq(find(LEDGER_ADDR, "100.64.0.1/25"), 0);
	ck_assert_int_eq(find(LEDGER_ADDR, "fd00::1/24"), 0);
}
END_TEST

START_TEST(ledger_duplicate_ignores_unused_bytes)
{
	struct prefix a = P("100.64.0.1/24"), b;

	ck_assert_int_eq(ledger_add(&ledger, LEDGER_ADDR, &a), 0);
	b = a;
	b.pad[0] = 0x55;
	memset(b.addr + 4, 0xaa, sizeof(b.addr) - 4);
	ck_assert_int_eq(ledger_find(&ledger, LEDGER_ADDR, &b), 1);
}
END_TEST

START_TEST(ledger_refuses_when_full)
{
	struct prefix r = P("198.18.0.0/32");
	int i;

	for (i = 0; i < ROUTER_MAX_LEDGER; i++) {
		ck_assert_int_eq(ledger_full(&ledger), 0);
		r.addr[2] = (uint8_t)(i >> 8);
		r.addr[3] = (uint8_t)i;
		ck_assert_int_eq(ledger_add(&ledger, LEDGER_ROUTE, &r), 0);
	}
	ck_assert_int_eq(ledger_full(&ledger), 1);
	ck_assert_int_eq(add(LEDGER_ROUTE, "198.18.9.0/24"), -1);
	ck_assert_int_eq(ledger_count(&ledger, LEDGER_ROUTE),
	    ROUTER_MAX_LEDGER);
}
END_TEST

struct recording {
	int n;
	enum ledger_kind kind[16];
	struct prefix prefix[16];
};

static void
record_undo(enum ledger_kind kind, const struct prefix *p, void *arg)
{
	struct recording *rec = arg;

	ck_assert_int_lt(rec->n, 16);
	rec->kind[rec->n] = kind;
	rec->prefix[rec->n] = *p;
	rec->n++;
}

static void
assert_undone(const struct recording *rec, int i, enum ledger_kind kind,
    const char *text)
{
	struct prefix want;

	ck_assert_int_eq(rec->kind[i], kind);
	if (text == NULL)
		return;
	want = P(text);
	ck_assert_int_eq(rec->prefix[i].family, want.family);
	ck_assert_int_eq(rec->prefix[i].plen, want.plen);
	ck_assert_mem_eq(rec->prefix[i].addr, want.addr, sizeof(want.addr));
}

START_TEST(ledger_undo_in_reverse)
{
	struct recording rec;

	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(add(LEDGER_LINK_UP, NULL), 0);
	ck_assert_int_eq(add(LEDGER_ADDR, "100.64.0.1/24"), 0);
	ck_assert_int_eq(add(LEDGER_ROUTE, "198.18.5.0/24"), 0);
	ck_assert_int_eq(add(LEDGER_ADDR, "fd00::1/64"), 0);
	ck_assert_int_eq(add(LEDGER_ROUTE, "2001:db8:5::/48"), 0);

	ledger_undo(&ledger, record_undo, &rec);
	ck_assert_int_eq(rec.n, 5);
	assert_undone(&rec, 0, LEDGER_ROUTE, "2001:db8:5::/48");
	assert_undone(&rec, 1, LEDGER_ROUTE, "198.18.5.0/24");
	assert_undone(&rec, 2, LEDGER_ADDR, "fd00::1/64");
	assert_undone(&rec, 3, LEDGER_ADDR, "100.64.0.1/24");
	assert_undone(&rec, 4, LEDGER_LINK_UP, NULL);
}
END_TEST

START_TEST(ledger_undo_routes_before_addresses)
{
	struct recording rec;

	/* Asked for in an odd order, still taken apart cleanly. */
	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(add(LEDGER_ROUTE, "198.18.5.0/24"), 0);
	ck_assert_int_eq(add(LEDGER_LINK_UP, NULL), 0);
	ck_assert_int_eq(add(LEDGER_ADDR, "100.64.0.1/24"), 0);

	ledger_undo(&ledger, record_undo, &rec);
	ck_assert_int_eq(rec.n, 3);
	assert_undone(&rec, 0, LEDGER_ROUTE, "198.18.5.0/24");
	assert_undone(&rec, 1, LEDGER_ADDR, "100.64.0.1/24");
	assert_undone(&rec, 2, LEDGER_LINK_UP, NULL);
}
END_TEST

START_TEST(ledger_empty_after_undo)
{
	struct recording rec;

	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(add(LEDGER_ADDR, "100.64.0.1/24"), 0);
	ledger_undo(&ledger, record_undo, &rec);
	ck_assert_int_eq(rec.n, 1);
	ck_assert_int_eq(ledger_count(&ledger, LEDGER_ADDR), 0);
	ck_assert_int_eq(find(LEDGER_ADDR, "100.64.0.1/24"), 0);
	ledger_undo(&ledger, record_undo, &rec);
	ck_assert_int_eq(rec.n, 1);
}
END_TEST

/* ---- Netlink, as root, in a private network namespace ------------------ */

static struct nl_sock *sk;	/* the test's own, to look and to set up */
static int test_ifindex;

/*
 * A private network namespace with one link in it. Root must get one: a
 * failure here fails the test rather than skipping it.
 */
static void
netns_setup(void)
{
	struct rtnl_link *link;
	int err;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0,
	    "unshare(CLONE_NEWNET) as root: %s", strerror(errno));
	ck_assert_ptr_nonnull(sk = nl_socket_alloc());
	ck_assert_int_eq(nl_connect(sk, NETLINK_ROUTE), 0);

	ck_assert_ptr_nonnull(link = rtnl_link_alloc());
	rtnl_link_set_name(link, test_if);
	ck_assert_int_eq(rtnl_link_set_type(link, "dummy"), 0);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	/* A kernel built without the dummy driver still has veth. */
	if (err == -NLE_OPNOTSUPP)
		err = rtnl_link_veth_add(sk, test_if, "gt0peer", getpid());
	ck_assert_msg(err == 0, "create link %s: %s", test_if,
	    nl_geterror(err));

	ck_assert_int_eq(net_open(), 0);
	test_ifindex = net_ifindex(test_if);
	ck_assert_int_gt(test_ifindex, 0);
}

static void
netns_teardown(void)
{
	net_close();
	nl_socket_free(sk);
	sk = NULL;
}

static void
link_state(int *mtu, int *up)
{
	struct rtnl_link *link;

	ck_assert_int_eq(rtnl_link_get_kernel(sk, test_ifindex, NULL, &link),
	    0);
	*mtu = (int)rtnl_link_get_mtu(link);
	*up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	rtnl_link_put(link);
}

static int
nl_addr_is(struct nl_addr *a, const struct prefix *p)
{
	return a != NULL && nl_addr_get_family(a) == p->family &&
	    nl_addr_get_len(a) == addr_len(p->family) &&
	    memcmp(nl_addr_get_binary_addr(a), p->addr,
	    addr_len(p->family)) == 0;
}

static int
has_addr(const char *text)
{
	struct prefix p = P(text);
	struct nl_cache *cache;
	struct nl_object *o;
	struct rtnl_addr *a;
	int found = 0;

	ck_assert_int_eq(rtnl_addr_alloc_cache(sk, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		a = (struct rtnl_addr *)o;
		if (rtnl_addr_get_ifindex(a) == test_ifindex &&
		    rtnl_addr_get_prefixlen(a) == p.plen &&
		    nl_addr_is(rtnl_addr_get_local(a), &p))
			found = 1;
	}
	nl_cache_free(cache);
	return found;
}

/* A route of Guard's to dst through the test link in the main table. */
static int
has_route(const char *text)
{
	struct prefix p = P(text);
	struct nl_cache *cache;
	struct nl_object *o;
	struct rtnl_route *r;
	struct rtnl_nexthop *nh;
	int found = 0;

	ck_assert_int_eq(rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		r = (struct rtnl_route *)o;
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_protocol(r) != RTPROT_GUARD ||
		    rtnl_route_get_nnexthops(r) != 1 ||
		    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != p.plen ||
		    !nl_addr_is(rtnl_route_get_dst(r), &p))
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) == test_ifindex)
			found = 1;
	}
	nl_cache_free(cache);
	return found;
}

START_TEST(net_link_mtu_and_state)
{
	int mtu, up;

	ck_assert_int_eq(net_link_set(test_ifindex, 1400, 1), 0);
	link_state(&mtu, &up);
	ck_assert_int_eq(mtu, 1400);
	ck_assert_int_eq(up, 1);
	/* MTU 0 leaves it as it is. */
	ck_assert_int_eq(net_link_set(test_ifindex, 0, 0), 0);
	link_state(&mtu, &up);
	ck_assert_int_eq(mtu, 1400);
	ck_assert_int_eq(up, 0);
}
END_TEST

START_TEST(net_addr_add_and_delete)
{
	struct prefix a4 = P("100.64.0.1/24"), a6 = P("fd00::1/64");

	ck_assert_int_eq(net_link_set(test_ifindex, 0, 1), 0);
	ck_assert_int_eq(net_addr(1, test_ifindex, &a4), 0);
	ck_assert_int_eq(net_addr(1, test_ifindex, &a6), 0);
	ck_assert(has_addr("100.64.0.1/24"));
	ck_assert(has_addr("fd00::1/64"));
	ck_assert_int_eq(net_addr(1, test_ifindex, &a4), -EEXIST);
	ck_assert_int_eq(net_addr(1, test_ifindex, &a6), -EEXIST);

	ck_assert_int_eq(net_addr(0, test_ifindex, &a4), 0);
	ck_assert_int_eq(net_addr(0, test_ifindex, &a6), 0);
	ck_assert(!has_addr("100.64.0.1/24"));
	ck_assert(!has_addr("fd00::1/64"));
	ck_assert(net_gone(net_addr(0, test_ifindex, &a4)));
	ck_assert(net_gone(net_addr(0, test_ifindex, &a6)));
}
END_TEST

START_TEST(net_route_add_and_delete)
{
	struct prefix r4 = P("198.18.5.0/24"), r6 = P("2001:db8:5::/48");

	ck_assert_int_eq(net_link_set(test_ifindex, 0, 1), 0);
	ck_assert_int_eq(net_route(1, test_ifindex, &r4), 0);
	ck_assert_int_eq(net_route(1, test_ifindex, &r6), 0);
	ck_assert(has_route("198.18.5.0/24"));
	ck_assert(has_route("2001:db8:5::/48"));
	ck_assert_int_eq(net_route(1, test_ifindex, &r4), -EEXIST);
	ck_assert_int_eq(net_route(1, test_ifindex, &r6), -EEXIST);

	ck_assert_int_eq(net_route(0, test_ifindex, &r4), 0);
	ck_assert_int_eq(net_route(0, test_ifindex, &r6), 0);
	ck_assert(!has_route("198.18.5.0/24"));
	ck_assert(!has_route("2001:db8:5::/48"));
	ck_assert(net_gone(net_route(0, test_ifindex, &r4)));
	ck_assert(net_gone(net_route(0, test_ifindex, &r6)));
}
END_TEST

START_TEST(net_errors_are_the_kernels)
{
	struct prefix a = P("100.64.0.1/24");

	ck_assert_int_eq(net_ifindex("gt-missing"), -ENODEV);
	ck_assert(net_gone(net_link_set(9999, 0, 0)));
	ck_assert(net_gone(net_addr(1, 9999, &a)));
	ck_assert(!net_gone(-EEXIST));
	ck_assert(!net_gone(-EPERM));
}
END_TEST

/* ---- The whole helper, as root ------------------------------------------- */

static int guard_sock = -1;	/* the test plays GUARD on this end */
static pid_t helper = -1;

static void
run_helper(int sock)
{
	struct router_env renv;

	memset(&renv, 0, sizeof(renv));
	renv.sock = sock;
	snprintf(renv.ifname, sizeof(renv.ifname), "%s", test_if);
	/* The test's namespace is the sandbox: no chroot, no uid change. */
	renv.no_privdrop = 1;
	_exit(router_main(&renv));
}

static pid_t
start_helper(void)
{
	int sv[2];
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(sv[0]);
		net_close();		/* the helper opens its own */
		run_helper(sv[1]);
	}
	close(sv[1]);
	guard_sock = sv[0];
	return pid;
}

static void
helper_setup(void)
{
	netns_setup();
	helper = start_helper();
}

static void
helper_teardown(void)
{
	if (helper > 0)
		kill(helper, SIGKILL);
	if (guard_sock != -1)
		close(guard_sock);
	guard_sock = -1;
	netns_teardown();
}

/* Send one request and return the helper's answer (0 or an errno). */
static int
request(uint32_t type, const void *data, size_t len)
{
	struct imsg_router_result res;
	struct imsg m;

	ck_assert_int_eq(imsg_send(guard_sock, type, 7, data, len, -1), 0);
	ck_assert_int_eq(imsg_recv(guard_sock, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_ROUTER_RESULT);
	ck_assert_uint_eq(m.hdr.peerid, 7);
	ck_assert_int_eq(imsg_get(&m, &res, sizeof(res)), 0);
	ck_assert_uint_eq(res.type, type);
	return res.error;
}

static int
request_link(uint32_t mtu, uint32_t up)
{
	struct imsg_router_link link = { mtu, up };

	return request(IMSG_ROUTER_LINK, &link, sizeof(link));
}

static int
request_addr(const char *text)
{
	struct imsg_router_addr addr = { P(text) };

	return request(IMSG_ROUTER_ADDR, &addr, sizeof(addr));
}

static int
request_route(const char *text)
{
	struct imsg_router_route route = { P(text) };

	return request(IMSG_ROUTER_ROUTE, &route, sizeof(route));
}

static int
wait_helper(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (pid == helper)
		helper = -1;
	ck_assert_msg(WIFEXITED(status), "helper killed by signal %d",
	    WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* What every helper test sets up through the helper. */
static void
apply_sample(void)
{
	ck_assert_int_eq(request_link(1400, 1), 0);
	ck_assert_int_eq(request_addr("100.64.0.1/24"), 0);
	ck_assert_int_eq(request_addr("fd00::1/64"), 0);
	ck_assert_int_eq(request_route("198.18.5.0/24"), 0);
	ck_assert_int_eq(request_route("2001:db8:5::/48"), 0);
	ck_assert(has_addr("100.64.0.1/24"));
	ck_assert(has_addr("fd00::1/64"));
	ck_assert(has_route("198.18.5.0/24"));
	ck_assert(has_route("2001:db8:5::/48"));
}

static void
assert_host_clean(void)
{
	int mtu, up;

	ck_assert(!has_addr("100.64.0.1/24"));
	ck_assert(!has_addr("fd00::1/64"));
	ck_assert(!has_route("198.18.5.0/24"));
	ck_assert(!has_route("2001:db8:5::/48"));
	link_state(&mtu, &up);
	ck_assert_int_eq(up, 0);
}

START_TEST(helper_undoes_on_eof)
{
	apply_sample();
	close(guard_sock);
	guard_sock = -1;
	ck_assert_int_eq(wait_helper(helper), 0);
	assert_host_clean();
}
END_TEST

START_TEST(helper_answers_duplicates_and_refusals)
{
	apply_sample();
	ck_assert_int_eq(request_addr("100.64.0.1/24"), 0);
	ck_assert_int_eq(request_route("198.18.5.0/24"), 0);
	ck_assert_int_eq(request_link(1400, 1), 0);
	ck_assert_int_eq(request_route("0.0.0.0/0"), EPERM);
	ck_assert_int_eq(request_route("224.0.0.0/4"), EPERM);
	ck_assert_int_eq(request_route("198.18.5.1/24"), EINVAL);
	ck_assert_int_eq(request_addr("127.0.0.1/8"), EPERM);
	ck_assert_int_eq(request_link(100, 1), EINVAL);
	ck_assert_int_eq(request_addr("100.64.1.1/24"), 0);
	ck_assert_int_eq(request_addr("fd00:1::1/64"), 0);
	ck_assert_int_eq(request_addr("100.64.2.1/24"), ENOSPC);
	close(guard_sock);
	guard_sock = -1;
	ck_assert_int_eq(wait_helper(helper), 0);
	assert_host_clean();
	ck_assert(!has_addr("100.64.1.1/24"));
	ck_assert(!has_addr("fd00:1::1/64"));
}
END_TEST

START_TEST(helper_keeps_what_it_did_not_add)
{
	struct prefix r = P("198.18.7.0/24");

	/* Someone else's route: the helper refuses to take it over. */
	ck_assert_int_eq(net_link_set(test_ifindex, 0, 1), 0);
	ck_assert_int_eq(net_route(1, test_ifindex, &r), 0);
	ck_assert_int_eq(request_route("198.18.7.0/24"), EEXIST);
	close(guard_sock);
	guard_sock = -1;
	ck_assert_int_eq(wait_helper(helper), 0);
	ck_assert(has_route("198.18.7.0/24"));
}
END_TEST

START_TEST(helper_undoes_on_sigterm)
{
	apply_sample();
	ck_assert_int_eq(kill(helper, SIGTERM), 0);
	ck_assert_int_eq(wait_helper(helper), 0);
	assert_host_clean();
}
END_TEST

START_TEST(helper_undoes_and_dies_on_unexpected_message)
{
	struct imsg_router_result res = { IMSG_ROUTER_ADDR, 0 };

	apply_sample();
	ck_assert_int_eq(imsg_send(guard_sock, IMSG_ROUTER_RESULT, 0, &res,
	    sizeof(res), -1), 0);
	ck_assert_int_eq(wait_helper(helper), 1);
	assert_host_clean();
}
END_TEST

/* The client's reset: everything taken back, and the helper goes on. */
START_TEST(helper_resets_and_goes_on)
{
	struct imsg_router_reset reset = { 0 }, bad = { 1 };

	apply_sample();
	ck_assert_int_eq(request(IMSG_ROUTER_RESET, &reset, sizeof(reset)), 0);
	assert_host_clean();
	/* A reset with anything but zero in it is refused, nothing undone. */
	apply_sample();
	ck_assert_int_eq(request(IMSG_ROUTER_RESET, &bad, sizeof(bad)),
	    EINVAL);
	ck_assert(has_addr("100.64.0.1/24"));
	/* What is added after a reset is undone at the end as before. */
	close(guard_sock);
	guard_sock = -1;
	ck_assert_int_eq(wait_helper(helper), 0);
	assert_host_clean();
}
END_TEST

START_TEST(helper_dies_on_oversized_reset)
{
	uint8_t big[sizeof(struct imsg_router_reset) + 1] = { 0 };

	apply_sample();
	ck_assert_int_eq(imsg_send(guard_sock, IMSG_ROUTER_RESET, 0, big,
	    sizeof(big), -1), 0);
	ck_assert_int_eq(wait_helper(helper), 1);
	assert_host_clean();
}
END_TEST

START_TEST(helper_undoes_and_dies_on_short_message)
{
	struct imsg_router_link link = { 1400, 1 };

	apply_sample();
	ck_assert_int_eq(imsg_send(guard_sock, IMSG_ROUTER_LINK, 0, &link,
	    sizeof(link) - 1, -1), 0);
	ck_assert_int_eq(wait_helper(helper), 1);
	assert_host_clean();
}
END_TEST

START_TEST(helper_undoes_and_dies_on_bad_frame)
{
	uint8_t junk[3] = { 1, 2, 3 };

	apply_sample();
	ck_assert_int_eq(send(guard_sock, junk, sizeof(junk), 0), 3);
	ck_assert_int_eq(wait_helper(helper), 1);
	assert_host_clean();
}
END_TEST

/*
 * GUARD dies without closing anything (the test keeps the socket open):
 * the helper hears of it through PR_SET_PDEATHSIG. The test becomes a
 * subreaper so that it can reap the orphaned helper.
 */
START_TEST(helper_undoes_when_parent_dies)
{
	struct imsg_router_addr addr = { P("100.64.0.1/24") };
	struct imsg_router_result res;
	struct imsg m;
	int sv[2], pidpipe[2];
	pid_t parent, pid;

	/* Replace the helper the fixture started with a grandchild. */
	close(guard_sock);
	ck_assert_int_eq(wait_helper(helper), 0);
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(pidpipe), 0);
	guard_sock = sv[0];
	ck_assert_int_ne(parent = fork(), -1);
	if (parent == 0) {
		close(sv[0]);
		net_close();
		if ((pid = fork()) == 0)
			run_helper(sv[1]);
		if (write(pidpipe[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		pause();		/* until the test kills it */
		_exit(0);
	}
	close(sv[1]);
	ck_assert_int_eq(read(pidpipe[0], &pid, sizeof(pid)),
	    (ssize_t)sizeof(pid));
	close(pidpipe[0]);
	close(pidpipe[1]);

	ck_assert_int_eq(imsg_send(guard_sock, IMSG_ROUTER_ADDR, 0, &addr,
	    sizeof(addr), -1), 0);
	ck_assert_int_eq(imsg_recv(guard_sock, &m), 1);
	ck_assert_int_eq(imsg_get(&m, &res, sizeof(res)), 0);
	ck_assert_int_eq(res.error, 0);
	ck_assert(has_addr("100.64.0.1/24"));

	ck_assert_int_eq(kill(parent, SIGKILL), 0);
	ck_assert_int_eq(waitpid(parent, NULL, 0), parent);
	ck_assert_int_eq(wait_helper(pid), 0);
	ck_assert(!has_addr("100.64.0.1/24"));
}
END_TEST

static Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc;

	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, policy_setup, NULL);
	tcase_add_test(tc, link_accepts_valid);
	tcase_add_test(tc, link_refuses_mtu_out_of_range);
	tcase_add_test(tc, link_refuses_bad_state);
	tcase_add_test(tc, addr_accepts_unicast);
	tcase_add_test(tc, addr_refuses_bad_family);
	tcase_add_test(tc, addr_refuses_bad_length);
	tcase_add_test(tc, addr_refuses_unspecified);
	tcase_add_test(tc, addr_refuses_multicast);
	tcase_add_test(tc, addr_refuses_loopback);
	tcase_add_test(tc, addr_refuses_link_local);
	tcase_add_test(tc, addr_refuses_broadcast);
	tcase_add_test(tc, addr_limit);
	tcase_add_test(tc, addr_inside_allowed);
	tcase_add_test(tc, addr_outside_allowed);
	tcase_add_test(tc, addr_allowed_only_the_first_n);
	tcase_add_test(tc, route_accepts_valid);
	tcase_add_test(tc, route_refuses_bad_family_or_length);
	tcase_add_test(tc, route_refuses_host_bits);
	tcase_add_test(tc, route_refuses_default);
	tcase_add_test(tc, route_default_when_allowed);
	tcase_add_test(tc, route_refuses_special_destinations);
	tcase_add_test(tc, check_refuses_other_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, decode_each_request);
	tcase_add_test(tc, decode_refuses_wrong_length);
	tcase_add_test(tc, decode_refuses_other_types);
	tcase_add_test(tc, decode_refuses_descriptor);
	suite_add_tcase(s, tc);

	tc = tcase_create("ledger");
	tcase_add_checked_fixture(tc, ledger_setup, NULL);
	tcase_add_test(tc, ledger_add_and_find);
	tcase_add_test(tc, ledger_find_is_exact);
	tcase_add_test(tc, ledger_duplicate_ignores_unused_bytes);
	tcase_add_test(tc, ledger_refuses_when_full);
	tcase_add_test(tc, ledger_undo_in_reverse);
	tcase_add_test(tc, ledger_undo_routes_before_addresses);
	tcase_add_test(tc, ledger_empty_after_undo);
	suite_add_tcase(s, tc);

	if (geteuid() != 0) {
		fprintf(stderr, "test_router: netlink and helper cases need "
		    "root (euid %u): skipped\n", (unsigned int)geteuid());
		return s;
	}

	tc = tcase_create("netlink");
	tcase_add_checked_fixture(tc, netns_setup, netns_teardown);
	tcase_add_test(tc, net_link_mtu_and_state);
	tcase_add_test(tc, net_addr_add_and_delete);
	tcase_add_test(tc, net_route_add_and_delete);
	tcase_add_test(tc, net_errors_are_the_kernels);
	suite_add_tcase(s, tc);

	tc = tcase_create("helper");
	/* It enters its sandbox: not under valgrind (run-valgrind.sh). */
	tcase_set_tags(tc, "sandboxed");
	tcase_add_checked_fixture(tc, helper_setup, helper_teardown);
	tcase_add_test(tc, helper_undoes_on_eof);
	tcase_add_test(tc, helper_answers_duplicates_and_refusals);
	tcase_add_test(tc, helper_keeps_what_it_did_not_add);
	tcase_add_test(tc, helper_undoes_on_sigterm);
	tcase_add_test(tc, helper_undoes_and_dies_on_unexpected_message);
	tcase_add_test(tc, helper_resets_and_goes_on);
	tcase_add_test(tc, helper_dies_on_oversized_reset);
	tcase_add_test(tc, helper_undoes_and_dies_on_short_message);
	tcase_add_test(tc, helper_undoes_and_dies_on_bad_frame);
	tcase_add_test(tc, helper_undoes_when_parent_dies);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(router_suite());
	int failed;

	log_init(1, 0, "test_router");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

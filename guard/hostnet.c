/*
 * Guard: the host's addresses and routes against guardd's pools. See
 * hostnet.h.
 *
 * A plain NETLINK_ROUTE dump, one message at a time: a router with a full
 * routing table holds a million routes, and none of them needs keeping.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "hostnet.h"
#include "util.h"

enum {
	HOSTNET_BUF = 64 * 1024,	/* more than one dump message */
	HOSTNET_WHY_MAX = 384,
};

/* The network an address lies in: its bits past the length cleared. */
static struct prefix
subnet_of(const struct prefix *a)
{
	struct prefix p = *a;

	for (unsigned int i = 0; i < sizeof(p.addr); i++) {
		unsigned int bits = i * 8 >= p.plen ? 0 :
		    p.plen - i * 8 >= 8 ? 8 : p.plen - i * 8;

		p.addr[i] &= (uint8_t)(0xff00 >> bits);
	}
	return p;
}

int
hostnet_conflict(const struct prefix *pool, const char *key,
    const struct host_item *item, char *why, size_t whylen)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN], net[PREFIX_STRLEN];
	struct prefix subnet;

	if (pool->family == 0 || item->p.family != pool->family)
		return 0;
	prefix_fmt(pool, a, sizeof(a));
	prefix_fmt(&item->p, b, sizeof(b));
	if (item->kind == HOST_ADDR) {
		if (!prefix_overlaps(pool, &item->p))
			return 0;
		subnet = subnet_of(&item->p);
		seterr(why, whylen, "%s %s overlaps %s, the network of %s "
		    "(address %s): tunnel addresses must not come from a "
		    "network the host is on; take a pool that no interface "
		    "here uses", key, a, prefix_fmt(&subnet, net, sizeof(net)),
		    item->ifname[0] != '\0' ? item->ifname : "an interface", b);
		return 1;
	}
	if (item->kind != HOST_ROUTE || item->p.plen < pool->plen ||
	    !prefix_contains(pool, item->p.family, item->p.addr))
		return 0;
	seterr(why, whylen, "%s %s holds the route to %s%s%s already on the "
	    "host (main table): packets for those tunnel addresses would "
	    "follow it; remove that route or take another pool", key, a, b,
	    item->ifname[0] != '\0' ? " dev " : "", item->ifname);
	return 1;
}

/* ---- Reading the kernel's tables ----------------------------------------- */

struct scan {
	const struct guard_conf *conf;
	char *err;
	size_t errlen;
};

/* Check one item against both pools; 1 and the error on a conflict. */
static int
scan_item(struct scan *s, const struct host_item *item)
{
	const struct {
		const char *key;
		const struct prefix *p;
	} pools[] = {
		{ "pool4", &s->conf->pool4 }, { "pool6", &s->conf->pool6 },
	};
	char why[HOSTNET_WHY_MAX], at[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		if (!hostnet_conflict(pools[i].p, pools[i].key, item, why,
		    sizeof(why)))
			continue;
		seterr(s->err, s->errlen, "%s%s", conf_where(s->conf,
		    pools[i].key, at, sizeof(at)), why);
		return 1;
	}
	return 0;
}

/* Fill p from an attribute holding an address of family; -1 if malformed. */
static int
attr_addr(const struct rtattr *rta, int family, unsigned int plen,
    struct prefix *p)
{
	size_t len = addr_len(family);

	if (len == 0 || RTA_PAYLOAD(rta) != len || plen > len * 8)
		return -1;
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->plen = (uint8_t)plen;
	memcpy(p->addr, RTA_DATA(rta), len);
	return 0;
}

static void
set_ifname(struct host_item *item, unsigned int ifindex)
{
	item->ifname[0] = '\0';
	if (ifindex != 0 && if_indextoname(ifindex, item->ifname) == NULL)
		snprintf(item->ifname, sizeof(item->ifname), "if%u", ifindex);
}

/* RTM_NEWADDR: the local address (IFA_LOCAL, else IFA_ADDRESS). */
static int
scan_addr(struct scan *s, const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *local = NULL, *address = NULL, *rta;
	struct host_item item;
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));

	if (len < 0)
		return -1;
	if (addr_len(ifa->ifa_family) == 0)
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL)
			local = rta;
		else if (rta->rta_type == IFA_ADDRESS)
			address = rta;
	}
	if (local == NULL)
		local = address;
	if (local == NULL)
		return 0;
	memset(&item, 0, sizeof(item));
	item.kind = HOST_ADDR;
	if (attr_addr(local, ifa->ifa_family, ifa->ifa_prefixlen,
	    &item.p) == -1)
		return -1;
	set_ifname(&item, ifa->ifa_index);
	return scan_item(s, &item);
}

/* RTM_NEWROUTE: main-table routes only; other tables serve policies. */
static int
scan_route(struct scan *s, const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta, *dst = NULL;
	struct host_item item;
	unsigned int table, oif = 0;
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rtm));

	if (len < 0)
		return -1;
	if (addr_len(rtm->rtm_family) == 0)
		return 0;
	table = rtm->rtm_table;
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_DST)
			dst = rta;
		else if (rta->rta_type == RTA_TABLE &&
		    RTA_PAYLOAD(rta) == sizeof(uint32_t))
			memcpy(&table, RTA_DATA(rta), sizeof(table));
		else if (rta->rta_type == RTA_OIF &&
		    RTA_PAYLOAD(rta) == sizeof(uint32_t))
			memcpy(&oif, RTA_DATA(rta), sizeof(oif));
	}
	if (table != RT_TABLE_MAIN)
		return 0;
	memset(&item, 0, sizeof(item));
	item.kind = HOST_ROUTE;
	if (dst != NULL) {
		if (attr_addr(dst, rtm->rtm_family, rtm->rtm_dst_len,
		    &item.p) == -1)
			return -1;
	} else {
		/* The default route carries no destination. */
		item.p.family = rtm->rtm_family;
		item.p.plen = rtm->rtm_dst_len;
	}
	set_ifname(&item, oif);
	return scan_item(s, &item);
}

static int
dump_request(int fd, uint16_t type, uint32_t seq)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
		} u;
	} req;
	size_t body = type == RTM_GETADDR ? sizeof(struct ifaddrmsg) :
	    sizeof(struct rtmsg);

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	return send(fd, &req, req.nh.nlmsg_len, 0) == -1 ? -1 : 0;
}

/*
 * One dump, each message checked as it comes: 0 when done without a
 * conflict, 1 on one (err set), -1 with errno on failure.
 */
static int
dump(struct scan *s, int fd, uint16_t type, uint32_t seq, char *buf)
{
	if (dump_request(fd, type, seq) == -1)
		return -1;
	for (;;) {
		const struct nlmsghdr *nh;
		/* MSG_TRUNC: the length of the datagram, even if cut. */
		ssize_t n = recv(fd, buf, HOSTNET_BUF, MSG_TRUNC);
		int rc;

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || n > HOSTNET_BUF) {
			errno = n == 0 ? EPIPE : n > 0 ? EMSGSIZE : errno;
			return -1;
		}
		for (size_t off = 0; off + sizeof(*nh) <= (size_t)n;
		    off += NLMSG_ALIGN(nh->nlmsg_len)) {
			nh = (const struct nlmsghdr *)(buf + off);
			if (nh->nlmsg_len < sizeof(*nh) ||
			    nh->nlmsg_len > (size_t)n - off) {
				errno = EPROTO;
				return -1;
			}
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				errno = nh->nlmsg_len >= NLMSG_LENGTH(
				    sizeof(*e)) && e->error < 0 ? -e->error :
				    EPROTO;
				return -1;
			}
			if (nh->nlmsg_type == RTM_NEWADDR)
				rc = scan_addr(s, nh);
			else if (nh->nlmsg_type == RTM_NEWROUTE)
				rc = scan_route(s, nh);
			else
				rc = 0;
			if (rc == -1) {
				errno = EPROTO;
				return -1;
			}
			if (rc == 1)
				return 1;
		}
	}
}

int
hostnet_check_pools(const struct guard_conf *c, char *err, size_t errlen)
{
	struct scan s = { .conf = c, .err = err, .errlen = errlen };
	static const struct {
		uint16_t type;
		const char *what;
	} dumps[] = {
		{ RTM_GETADDR, "addresses" }, { RTM_GETROUTE, "routes" },
	};
	char *buf;
	int fd, rc = 0;

	if (c->pool4.family == 0 && c->pool6.family == 0)
		return 0;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1) {
		seterr(err, errlen, "cannot read the host's addresses and "
		    "routes: netlink socket: %s", strerror(errno));
		return -1;
	}
	if ((buf = malloc(HOSTNET_BUF)) == NULL) {
		close(fd);
		seterr(err, errlen, "cannot read the host's addresses and "
		    "routes: %s", strerror(ENOMEM));
		return -1;
	}
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]) && rc == 0;
	    i++) {
		rc = dump(&s, fd, dumps[i].type, (uint32_t)i + 1, buf);
		if (rc == -1)
			seterr(err, errlen, "cannot read the host's %s: %s",
			    dumps[i].what, strerror(errno));
	}
	free(buf);
	close(fd);
	return rc == 0 ? 0 : -1;
}

/*
 * Guard routing helper: the libnl-route-3 backend. See netlink.h.
 *
 * libnl turns the kernel's errno into its own, coarser codes (ENETDOWN and
 * many others all become "unspecific failure"), so an error callback on
 * the socket keeps the kernel's errno of the last refused request; that is
 * what callers get and what the logs say.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "addr.h"
#include "log.h"
#include "netlink.h"

/* Text of what a call tried to do, for its one log line. */
enum { NET_WHAT_MAX = 96 };

static struct nl_sock *net_sock;

/* errno of the kernel's last refusal; zero between calls. */
static int net_kernel_errno;

static int
net_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	(void)nla;
	(void)arg;
	net_kernel_errno = -err->error;
	return NL_STOP;
}

/*
 * The result of one libnl call as 0 or a negative errno: the kernel's as
 * the error callback saw it, else libnl's code turned back into the errno
 * it stands for (some calls, such as rtnl_link_get_kernel(), install an
 * error callback of their own).
 */
static int
net_result(int nlerr)
{
	int kernel_errno = net_kernel_errno;

	net_kernel_errno = 0;
	if (nlerr >= 0)
		return 0;
	if (kernel_errno > 0)
		return -kernel_errno;
	switch (-nlerr) {
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

int
net_open(void)
{
	int nlerr;

	if (net_sock != NULL)
		return 0;
	if ((net_sock = nl_socket_alloc()) == NULL) {
		log_warnx("netlink: cannot allocate a socket");
		return -ENOMEM;
	}
	if ((nlerr = nl_connect(net_sock, NETLINK_ROUTE)) < 0) {
		log_warnx("netlink: connect: %s", nl_geterror(nlerr));
		nl_socket_free(net_sock);
		net_sock = NULL;
		return -EIO;
	}
	nl_socket_modify_err_cb(net_sock, NL_CB_CUSTOM, net_error_cb, NULL);
	net_kernel_errno = 0;
	return 0;
}

void
net_close(void)
{
	if (net_sock == NULL)
		return;
	nl_socket_free(net_sock);	/* closes the descriptor too */
	net_sock = NULL;
}

int
net_gone(int rc)
{
	switch (-rc) {
	case ENODEV:
	case ENOENT:
	case ESRCH:
	case EADDRNOTAVAIL:
		return 1;
	default:
		return 0;
	}
}

/* The link's name for a log line, or "#index" once it is gone. */
static const char *
net_ifname(int ifindex, char *buf, size_t len)
{
	struct rtnl_link *link = NULL;
	const char *name = NULL;

	if (rtnl_link_get_kernel(net_sock, ifindex, NULL, &link) == 0)
		name = rtnl_link_get_name(link);
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "#%d", ifindex);
	rtnl_link_put(link);
	net_kernel_errno = 0;
	return buf;
}

/*
 * Log a failed call once. Removing what is already gone is how an undo
 * ends when the tunnel device went away first, so that is only debug.
 */
static void
net_failed(int rc, int removing, int ifindex, const char *what)
{
	char ifname[IFNAMSIZ + 8];

	net_ifname(ifindex, ifname, sizeof(ifname));
	if (removing && net_gone(rc))
		log_debug("%s dev %s: %s", what, ifname, strerror(-rc));
	else
		log_warnx("%s dev %s: %s", what, ifname, strerror(-rc));
}

static int
net_not_open(void)
{
	log_warnx("netlink: socket not open");
	return -EBADF;
}

/* An nl_addr holding the prefix, with its length; NULL when out of memory. */
static struct nl_addr *
net_nl_addr(const struct prefix *p)
{
	struct nl_addr *a;

	a = nl_addr_build(p->family, p->addr, addr_len(p->family));
	if (a != NULL)
		nl_addr_set_prefixlen(a, p->plen);
	return a;
}

int
net_ifindex(const char *ifname)
{
	struct rtnl_link *link = NULL;
	int rc;

	if (net_sock == NULL)
		return net_not_open();
	rc = net_result(rtnl_link_get_kernel(net_sock, 0, ifname, &link));
	if (rc < 0) {
		log_warnx("look up link %s: %s", ifname, strerror(-rc));
		return rc;
	}
	rc = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return rc;
}

int
net_link_set(int ifindex, int mtu, int up)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	char what[NET_WHAT_MAX];
	int rc;

	if (net_sock == NULL)
		return net_not_open();
	if (mtu > 0)
		snprintf(what, sizeof(what), "set link %s mtu %d",
		    up ? "up" : "down", mtu);
	else
		snprintf(what, sizeof(what), "set link %s", up ? "up" : "down");

	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (orig == NULL || change == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (mtu > 0)
		rtnl_link_set_mtu(change, (unsigned int)mtu);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	rc = net_result(rtnl_link_change(net_sock, orig, change, 0));
out:
	if (rc < 0)
		net_failed(rc, !up, ifindex, what);
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return rc;
}

int
net_addr(int add, int ifindex, const struct prefix *p)
{
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	char what[NET_WHAT_MAX], text[PREFIX_STRLEN];
	int rc;

	if (net_sock == NULL)
		return net_not_open();
	snprintf(what, sizeof(what), "%s address %s", add ? "add" : "delete",
	    prefix_fmt(p, text, sizeof(text)));
	if (addr_len(p->family) == 0) {
		rc = -EAFNOSUPPORT;
		goto out;
	}

	a = rtnl_addr_alloc();
	local = net_nl_addr(p);
	if (a == NULL || local == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, p->family);
	if ((rc = net_result(rtnl_addr_set_local(a, local))) < 0)
		goto out;
	rtnl_addr_set_prefixlen(a, p->plen);
	if (p->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	if (add)
		rc = net_result(rtnl_addr_add(net_sock, a, NLM_F_EXCL));
	else
		rc = net_result(rtnl_addr_delete(net_sock, a, 0));
out:
	if (rc < 0)
		net_failed(rc, !add, ifindex, what);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc;
}

int
net_route(int add, int ifindex, const struct prefix *dst)
{
	struct rtnl_route *r = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *to = NULL;
	char what[NET_WHAT_MAX], text[PREFIX_STRLEN];
	int rc;

	if (net_sock == NULL)
		return net_not_open();
	snprintf(what, sizeof(what), "%s route %s", add ? "add" : "delete",
	    prefix_fmt(dst, text, sizeof(text)));
	if (addr_len(dst->family) == 0) {
		rc = -EAFNOSUPPORT;
		goto out;
	}

	r = rtnl_route_alloc();
	to = net_nl_addr(dst);
	nh = rtnl_route_nh_alloc();
	if (r == NULL || to == NULL || nh == NULL) {
		if (nh != NULL)
			rtnl_route_nh_free(nh);
		rc = -ENOMEM;
		goto out;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);		/* the route owns nh now */
	rtnl_route_set_family(r, dst->family);
	if ((rc = net_result(rtnl_route_set_dst(r, to))) < 0)
		goto out;
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_protocol(r, RTPROT_GUARD);
	rtnl_route_set_type(r, RTN_UNICAST);
	if (add)
		rc = net_result(rtnl_route_add(net_sock, r, NLM_F_EXCL));
	else
		rc = net_result(rtnl_route_delete(net_sock, r, 0));
out:
	if (rc < 0)
		net_failed(rc, !add, ifindex, what);
	nl_addr_put(to);
	rtnl_route_put(r);
	return rc;
}

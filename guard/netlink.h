/*
 * Guard routing helper: link, address and route changes on one device,
 * in the shape of OpenVPN's networking.h so that another backend could
 * stand behind the same calls. This one is libnl-route-3.
 *
 * The process holds one NETLINK_ROUTE socket, opened by net_open() before
 * any sandbox is installed and closed by net_close(). Every call returns 0
 * (net_ifindex: the index) or a negative errno, the kernel's own where the
 * kernel refused, and logs a failure once, naming the object.
 */
#ifndef GUARD_NETLINK_H
#define GUARD_NETLINK_H

#include "addr.h"

/*
 * Routing protocol number on every route Guard adds (rtm_protocol; the
 * kernel's own are below 5, routing daemons' are listed in
 * /etc/iproute2/rt_protos, and 71 is unassigned there). It marks Guard's
 * routes for operators, and deletes match it, so Guard never removes a
 * route it did not add. After a crash that left routes behind:
 *	ip route flush proto 71; ip -6 route flush proto 71
 */
enum { RTPROT_GUARD = 0x47 };

/* Open the netlink socket; 0 when it is (or already was) open. */
int net_open(void);
void net_close(void);

/* The index of the named link, or a negative errno. */
int net_ifindex(const char *ifname);

/* Set the MTU (0: leave it as it is) and bring the link up or down. */
int net_link_set(int ifindex, int mtu, int up);

/*
 * Add (add = 1) or delete an address with its subnet's length, so the
 * kernel adds the subnet's route with it. IPv6 addresses skip duplicate
 * address detection (IFA_F_NODAD), so they are usable at once. Adding an
 * address the link already has fails with -EEXIST.
 */
int net_addr(int add, int ifindex, const struct prefix *addr);

/*
 * Add or delete a route to dst through the device: main table, scope
 * link, protocol RTPROT_GUARD. Adding a route that exists fails with
 * -EEXIST rather than taking it over.
 */
int net_route(int add, int ifindex, const struct prefix *dst);

/*
 * 1 when a call's negative result says the object, or its device, no
 * longer exists: the expected outcome of a removal after the tunnel
 * device has gone away.
 */
int net_gone(int rc);

#endif

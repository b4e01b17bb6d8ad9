/*
 * Guard TUN device. See tun.h.
 *
 * With segmentation offload the kernel hands GUARD whole TCP segments of
 * up to 64 KB, each with a virtio-net header saying how to cut it, instead
 * of one read per MTU-sized packet: the read per packet, not the cipher,
 * is what bounds a tunnel in user space. udpdata cuts them (gso.h).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"

/* UDP segmentation offload; kernel headers before Linux 6.2 lack it. */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

/*
 * Ask for TCP and UDP segments, then TCP only: an older kernel refuses
 * flags it does not know as a whole. The checksum flag comes with either:
 * a segment always needs its checksums completed.
 */
static int
offload_set(int fd)
{
	const unsigned int tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
	    TUN_F_TSO_ECN;

	if (ioctl(fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0)
		return TUN_VNET | TUN_TSO | TUN_USO;
	if (ioctl(fd, TUNSETOFFLOAD, tcp) == 0)
		return TUN_VNET | TUN_TSO;
	log_warn("TUNSETOFFLOAD: packets come one by one");
	return TUN_VNET;
}

int
tun_open(const char *name, int offload, int *ifindex, int *features)
{
	struct ifreq ifr;
	int fd;

	*features = 0;
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("open /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		if (errno == EBUSY)
			log_warnx("device %s is in use (another Guard on this "
			    "host? choose another --dev)", name);
		else
			log_warn("create TUN device %s", name);
		close(fd);
		return -1;
	}
	if (offload)
		*features = offload_set(fd);
	if ((*ifindex = (int)if_nametoindex(ifr.ifr_name)) == 0) {
		log_warn("if_nametoindex %s", ifr.ifr_name);
		close(fd);
		return -1;
	}
	return fd;
}

const char *
tun_features_name(int features)
{
	if (features & TUN_USO)
		return "tso uso";
	if (features & TUN_TSO)
		return "tso";
	if (features & TUN_VNET)
		return "vnet";
	return "off";
}

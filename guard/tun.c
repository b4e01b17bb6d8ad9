/*
 * Guard TUN device. See tun.h.
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

int
tun_open(const char *name, int *ifindex)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("open /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
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
	if ((*ifindex = (int)if_nametoindex(ifr.ifr_name)) == 0) {
		log_warn("if_nametoindex %s", ifr.ifr_name);
		close(fd);
		return -1;
	}
	return fd;
}

/* Guard TUN device. */
#ifndef GUARD_TUN_H
#define GUARD_TUN_H

/*
 * Open (create) the TUN device name: IFF_TUN | IFF_NO_PI, non-blocking,
 * close-on-exec. Sets *ifindex. Returns the descriptor, or -1 after
 * logging why (a device of that name already in use is named as such).
 * The device lives as long as a descriptor to it is open.
 */
int tun_open(const char *name, int *ifindex);

#endif

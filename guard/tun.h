/* Guard TUN device. */
#ifndef GUARD_TUN_H
#define GUARD_TUN_H

/* What the device was opened with (tun_open's *features). */
enum tun_features {
	TUN_VNET = 1,	/* every read and write starts with a virtio_net_hdr */
	TUN_TSO = 2,	/* a read may be a TCP segment of up to 64 KB */
	TUN_USO = 4,	/* ... or a UDP one (Linux 6.2 and later) */
};

/*
 * Open (create) the TUN device name: IFF_TUN | IFF_NO_PI, non-blocking,
 * close-on-exec. With offload, also IFF_VNET_HDR and as much segmentation
 * offload as the kernel grants (TCP, then UDP where it has it); what was
 * granted goes to *features (0 without offload). Sets *ifindex. Returns
 * the descriptor, or -1 after logging why (a device of that name already
 * in use is named as such). The device lives as long as a descriptor to
 * it is open.
 */
int tun_open(const char *name, int offload, int *ifindex, int *features);

/* "tso uso", "tso", "vnet" or "off", for logs and status. */
const char *tun_features_name(int features);

#endif

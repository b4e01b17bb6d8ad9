/*
 * Guard capabilities. See caps.h.
 *
 * capget/capset are used directly: the two 32-bit words of version 3
 * cover every capability Linux has.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"

static const char *const cap_names[] = {
	[CAP_CHOWN] = "cap_chown",
	[CAP_DAC_OVERRIDE] = "cap_dac_override",
	[CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
	[CAP_FOWNER] = "cap_fowner",
	[CAP_FSETID] = "cap_fsetid",
	[CAP_KILL] = "cap_kill",
	[CAP_SETGID] = "cap_setgid",
	[CAP_SETUID] = "cap_setuid",
	[CAP_SETPCAP] = "cap_setpcap",
	[CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
	[CAP_NET_ADMIN] = "cap_net_admin",
	[CAP_NET_RAW] = "cap_net_raw",
	[CAP_IPC_OWNER] = "cap_ipc_owner",
	[CAP_SYS_CHROOT] = "cap_sys_chroot",
	[CAP_SYS_PTRACE] = "cap_sys_ptrace",
	[CAP_SYS_ADMIN] = "cap_sys_admin",
	[CAP_SYS_RESOURCE] = "cap_sys_resource",
};

static int
caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	memset(d, 0, 2 * sizeof(*d));
	return (int)syscall(SYS_capget, &h, d);
}

uint64_t
caps_effective(void)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d) == -1) {
		log_warn("capget");
		return 0;
	}
	return (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
}

int
caps_limit(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	uint64_t have;

	if (caps_get(d) == -1) {
		log_warn("capget");
		return -1;
	}
	have = ((uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32) &
	    keep;
	d[0].effective = d[0].permitted = (uint32_t)have;
	d[1].effective = d[1].permitted = (uint32_t)(have >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d) == -1) {
		log_warn("capset");
		return -1;
	}
	/* Ambient capabilities would survive an exec; there must be none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		log_warn("prctl PR_CAP_AMBIENT_CLEAR_ALL");
		return -1;
	}
	return 0;
}

int
caps_bound(uint64_t keep)
{
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (keep & CAPBIT(cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;		/* past the last one this kernel has */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			log_warn("prctl PR_CAPBSET_DROP %d", cap);
			return -1;
		}
	}
	return 0;
}

const char *
caps_fmt(uint64_t set, char *buf, size_t len)
{
	size_t used = 0;
	int cap, n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (cap = 0; cap < 64 && used < len; cap++) {
		if (!(set & CAPBIT(cap)))
			continue;
		if ((size_t)cap < sizeof(cap_names) / sizeof(cap_names[0]) &&
		    cap_names[cap] != NULL)
			n = snprintf(buf + used, len - used, "%s%s",
			    used ? "," : "", cap_names[cap]);
		else
			n = snprintf(buf + used, len - used, "%scap_%d",
			    used ? "," : "", cap);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
	return buf;
}

/*
 * Guard privilege drop: the one prologue every sandboxed child runs after
 * it has opened everything it needs and before its event loop.
 */
#ifndef GUARD_SANDBOX_H
#define GUARD_SANDBOX_H

#include <sys/types.h>

#include "filter.h"

struct sandbox {
	enum sandbox_role role;	/* which seccomp allowlist; the router keeps
				   CAP_NET_ADMIN, every other role nothing */
	const char *chroot_dir;	/* an empty directory owned by root */
	uid_t uid;		/* run as uid:uid (gid = uid) */
	int no_privdrop;	/* insecure-no-privdrop: keep the uid, no
				   chroot; everything else still applies */
	int max_files;		/* RLIMIT_NOFILE afterwards */
	int deathsig;		/* signal on GUARD's death (0: none) */
	/* Runs as the new uid, before the filter; NULL for none. */
	int (*before_filter)(void *arg);
	void *arg;
};

/*
 * In this order: chroot and chdir("/"); setgroups(0), setresgid,
 * setresuid (each checked, and checked that root cannot be regained);
 * the capability sets cut to what the role keeps; no core files, no new
 * files, no more processes, fewer descriptors; PR_SET_DUMPABLE 0;
 * PR_SET_NO_NEW_PRIVS; the parent-death signal armed again (a uid change
 * clears it); before_filter; the role's seccomp allowlist.
 * Returns 0 or -1 after logging what failed; the caller must then exit.
 */
int sandbox_enter(const struct sandbox *sb);

/*
 * Make sure dir exists as an empty directory that only root can write:
 * created 0755 when missing. 0 or -1 (logged).
 */
int sandbox_prepare_dir(const char *dir);

#endif

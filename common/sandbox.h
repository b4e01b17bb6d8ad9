/*
 * Guard privilege drop: the one prologue every sandboxed child runs after
 * it has opened everything it needs and before its event loop.
 */
#ifndef GUARD_SANDBOX_H
#define GUARD_SANDBOX_H

#include <sys/types.h>

struct sandbox {
	const char *chroot_dir;	/* an empty directory owned by root */
	uid_t uid;		/* run as uid:uid (gid = uid) */
	int max_files;		/* RLIMIT_NOFILE afterwards */
};

/*
 * chroot and chdir("/"), setgroups(0), setresgid, setresuid (each checked,
 * and checked again that root cannot be regained), no core files, no new
 * files, no more processes, PR_SET_DUMPABLE 0, PR_SET_NO_NEW_PRIVS.
 * Returns 0 or -1 after logging what failed; the caller must then exit.
 */
int sandbox_enter(const struct sandbox *sb);

/*
 * Make sure dir exists as an empty directory that only root can write:
 * created 0755 when missing. 0 or -1 (logged).
 */
int sandbox_prepare_dir(const char *dir);

#endif

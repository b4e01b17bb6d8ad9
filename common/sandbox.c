/*
 * Guard privilege drop. See sandbox.h.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <linux/capability.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef GUARD_SANITIZE
#include <sanitizer/lsan_interface.h>
#endif

#include "caps.h"
#include "log.h"
#include "sandbox.h"

static int
set_limit(int resource, rlim_t value, const char *name)
{
	struct rlimit rl = { value, value };

	if (setrlimit(resource, &rl) == -1) {
		log_warn("setrlimit %s", name);
		return -1;
	}
	return 0;
}

/*
 * No file may grow. Sanitizer builds (tests only) excepted: their reports
 * go to GUARD's stderr, which a test may have sent to a file.
 */
#ifdef GUARD_SANITIZE
#define SANDBOX_FSIZE	RLIM_INFINITY
#else
#define SANDBOX_FSIZE	0
#endif

/* What each role keeps: only the router changes the network. */
static uint64_t
role_caps(enum sandbox_role role)
{
	return role == SANDBOX_ROUTER ? CAPBIT(CAP_NET_ADMIN) : 0;
}

static int
drop_ids(uid_t uid, uint64_t keep)
{
	gid_t gid = (gid_t)uid;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0) {
		log_warnx("refusing to run a sandboxed process as root");
		return -1;
	}
	if (setgroups(0, NULL) == -1) {
		log_warn("setgroups");
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("setresgid %u", (unsigned int)gid);
		return -1;
	}
	/* Without this the uid change would clear what the role keeps. */
	if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_KEEPCAPS");
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		log_warn("setresuid %u", (unsigned int)uid);
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		log_warnx("uid/gid change did not take");
		return -1;
	}
	if (caps_limit(keep) == -1 ||
	    (keep != 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1))
		return -1;
	/* The drop must be final: getting root back has to fail. */
	if (setresuid(0, 0, 0) != -1) {
		log_warnx("could regain root after dropping it");
		return -1;
	}
	return 0;
}

static int
set_limits(const struct sandbox *sb)
{
	return set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE") == -1 ||
	    set_limit(RLIMIT_FSIZE, SANDBOX_FSIZE, "RLIMIT_FSIZE") == -1 ||
	    set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC") == -1 ||
	    set_limit(RLIMIT_NOFILE, (rlim_t)sb->max_files,
	    "RLIMIT_NOFILE") == -1 ? -1 : 0;
}

/*
 * A uid change clears the parent-death signal: arm it again, then make
 * sure the parent did not die before it was armed.
 */
static int
rearm_deathsig(int sig, pid_t parent)
{
	if (sig == 0)
		return 0;
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_PDEATHSIG");
		return -1;
	}
	if (getppid() != parent) {
		log_warnx("GUARD is gone");
		return -1;
	}
	return 0;
}

int
sandbox_enter(const struct sandbox *sb)
{
	uint64_t keep = role_caps(sb->role);
	pid_t parent = getppid();

#ifdef GUARD_SANITIZE
	/*
	 * LeakSanitizer's check at exit stops the world with ptrace and reads
	 * /proc, which neither the chroot nor the allowlist has: check now,
	 * which also turns the exit check off.
	 */
	__lsan_do_leak_check();
#endif
	if (!sb->no_privdrop) {
		if (chroot(sb->chroot_dir) == -1) {
			log_warn("chroot %s", sb->chroot_dir);
			return -1;
		}
		if (chdir("/") == -1) {
			log_warn("chdir /");
			return -1;
		}
		if (drop_ids(sb->uid, keep) == -1)
			return -1;
	} else if (caps_limit(keep) == -1)
		return -1;
	if (set_limits(sb) == -1)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_DUMPABLE");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (rearm_deathsig(sb->deathsig, parent) == -1)
		return -1;
	if (sb->before_filter != NULL && sb->before_filter(sb->arg) == -1)
		return -1;
	return filter_install(sb->role);
}

static int
dir_is_empty(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int empty = 1;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

int
sandbox_prepare_dir(const char *dir)
{
	struct stat st;
	char parent[1024];
	char *slash;

	if (strlen(dir) >= sizeof(parent) || dir[0] != '/') {
		log_warnx("chroot directory %s: not an absolute path of at "
		    "most %zu bytes", dir, sizeof(parent) - 1);
		return -1;
	}
	if (lstat(dir, &st) == -1 && errno == ENOENT) {
		snprintf(parent, sizeof(parent), "%s", dir);
		if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
			*slash = '\0';
			if (mkdir(parent, 0755) == -1 && errno != EEXIST) {
				log_warn("mkdir %s", parent);
				return -1;
			}
		}
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			log_warn("mkdir %s", dir);
			return -1;
		}
	}
	/* lstat: a symbolic link could be pointed elsewhere later. */
	if (lstat(dir, &st) == -1) {
		log_warn("chroot directory %s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("chroot directory %s must be a directory owned by "
		    "root and writable by root alone", dir);
		return -1;
	}
	if (!dir_is_empty(dir)) {
		log_warnx("chroot directory %s must be empty", dir);
		return -1;
	}
	return 0;
}

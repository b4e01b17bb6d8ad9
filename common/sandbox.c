/*
 * Guard privilege drop. See sandbox.h.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static int
drop_ids(uid_t uid)
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
	/* The drop must be final: getting root back has to fail. */
	if (setresuid(0, 0, 0) != -1) {
		log_warnx("could regain root after dropping it");
		return -1;
	}
	return 0;
}

int
sandbox_enter(const struct sandbox *sb)
{
	if (sb->uid == 0) {
		log_warnx("refusing to run a sandboxed process as root");
		return -1;
	}
	if (chroot(sb->chroot_dir) == -1) {
		log_warn("chroot %s", sb->chroot_dir);
		return -1;
	}
	if (chdir("/") == -1) {
		log_warn("chdir /");
		return -1;
	}
	if (drop_ids(sb->uid) == -1)
		return -1;
	if (set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE") == -1 ||
	    set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE") == -1 ||
	    set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC") == -1 ||
	    set_limit(RLIMIT_NOFILE, (rlim_t)sb->max_files,
	    "RLIMIT_NOFILE") == -1)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_DUMPABLE");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	return 0;
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

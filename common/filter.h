/*
 * Guard seccomp allowlists, one per sandboxed role (filter.c has the
 * tables, each entry with its reason).
 */
#ifndef GUARD_FILTER_H
#define GUARD_FILTER_H

enum sandbox_role {
	SANDBOX_ROUTER = 1,
	SANDBOX_TCPCTL,
	SANDBOX_UDPDATA,
};

/*
 * Load the role's allowlist: from here on any other system call kills the
 * process (or, in a GUARD_SECCOMP_TRAP build, is logged by name and ends
 * it). Needs no_new_privs or CAP_SYS_ADMIN. 0 or -1 (logged).
 */
int filter_install(enum sandbox_role role);

const char *filter_role_name(enum sandbox_role role);

#endif

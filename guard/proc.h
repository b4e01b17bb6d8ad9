/*
 * Guard process start-up. GUARD starts every child by fork and exec of its
 * own binary with "-P ROLE -I PEERID -v VERBOSE", so that each role begins
 * in a fresh address space (no key, certificate or peer table of GUARD's
 * is inherited) with fresh ASLR. The child finds its sockets at the fixed
 * descriptors of enum child_fd and reads one INIT message before anything
 * else.
 */
#ifndef GUARD_PROC_H
#define GUARD_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Remember our own binary; call once at start-up, before any chroot. */
int proc_init(void);

/*
 * Start role with guard_fd, sibling_fd and extra_fd (each may be -1) at
 * CHILD_FD_GUARD, CHILD_FD_SIBLING and CHILD_FD_EXTRA. The child dies with
 * GUARD (PR_SET_PDEATHSIG). Returns the pid or -1 (logged).
 */
pid_t proc_spawn(const char *role, uint32_t peerid, int guard_fd,
    int sibling_fd, int extra_fd);

/* 1 when argv asks for a child role ("-P ROLE"). */
int proc_is_child(int argc, char **argv);

/* The child's main: run the role named in argv; returns the exit status. */
int proc_child_main(int argc, char **argv);

/* "exited with status 1", "killed by signal 9 (Killed)", ... */
const char *proc_status_str(int status, char *buf, size_t len);

#endif

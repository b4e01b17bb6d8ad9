/*
 * Guard seccomp allowlists: what each sandboxed role may still ask of the
 * kernel once it runs its event loop. See filter.h.
 *
 * Everything a role needs from the file system, the network set-up or
 * root is done before its filter is loaded (sandbox_enter runs the filter
 * last), so what remains is the loop itself: moving bytes between
 * descriptors it already holds, memory, time, and leaving. Any other call
 * kills the process (SECCOMP_RET_KILL_PROCESS); GUARD sees it die by
 * SIGSYS and tears its peer down. A build with GUARD_SECCOMP_TRAP set
 * traps instead and logs the call by name before dying, to find what a
 * change to a role newly needs.
 *
 * An entry may check arguments: a descriptor number (the fixed slots of
 * imsg.h) or flags. Several entries for one call are alternatives.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "imsg.h"
#include "log.h"

struct allow {
	int nr;			/* SCMP_SYS(name); negative when absent here */
	const char *name;
	unsigned int argc;	/* 0 or 1 condition */
	struct scmp_arg_cmp arg;
	const char *why;
};

#define ALLOW(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { 0, 0, 0, 0 }, why }
/* Only when argument n equals v. */
#define ALLOW_ARG_EQ(sys, n, v, why) \
	{ SCMP_SYS(sys), #sys, 1, { n, SCMP_CMP_EQ, v, 0 }, why }
/* Only when argument n has none of the bits in mask. */
#define ALLOW_ARG_CLEAR(sys, n, mask, why) \
	{ SCMP_SYS(sys), #sys, 1, { n, SCMP_CMP_MASKED_EQ, mask, 0 }, why }

/* ---- every role ---------------------------------------------------------- */

static const struct allow allow_common[] = {
	ALLOW(exit_group, "leave"),
	ALLOW(exit, "leave"),
	ALLOW(rt_sigreturn, "return from a signal handler"),
	ALLOW(restart_syscall, "the kernel resumes a poll a signal cut short"),
	ALLOW(brk, "malloc"),
	ALLOW_ARG_CLEAR(mmap, 2, PROT_EXEC,
	    "malloc of large blocks; never executable memory"),
	ALLOW(munmap, "free of large blocks"),
	ALLOW(mremap, "realloc of large blocks"),
	ALLOW(madvise, "free returns pages to the kernel"),
	ALLOW(futex, "glibc and OpenSSL one-time initialisation and locks"),
	ALLOW(close, "drop a descriptor"),
	ALLOW(poll, "the event loop"),
	ALLOW(ppoll, "the event loop (poll on architectures without it)"),
	ALLOW(clock_gettime, "timers, when the vDSO cannot answer"),
	ALLOW(gettimeofday, "timestamps, when the vDSO cannot answer"),
	ALLOW(getpid, "OpenSSL's fork check"),
	ALLOW_ARG_EQ(sendmsg, 0, CHILD_FD_GUARD,
	    "messages and log lines to GUARD"),
	ALLOW_ARG_EQ(write, 0, STDERR_FILENO,
	    "log lines when there is no GUARD to send them to (tests); "
	    "in a running child stderr is /dev/null"),
	ALLOW_ARG_EQ(recvmsg, 0, CHILD_FD_GUARD, "messages from GUARD"),
};

/* ---- udpdata --------------------------------------------------------------
 *
 * udpdata holds the TUN descriptor (fd 5) only to write what it opened:
 * it may not read from it (nor from anything else), so a taken-over
 * worker cannot see the packets of other peers.
 */
static const struct allow allow_udpdata[] = {
	ALLOW(mq_timedreceive, "batches GUARD queued for this peer"),
	ALLOW(sendmmsg, "sealed datagrams to the peer"),
	ALLOW(recvmmsg, "datagrams from the peer"),
	ALLOW_ARG_EQ(write, 0, CHILD_FD_EXTRA,
	    "opened packets to the TUN device (write only)"),
	ALLOW_ARG_EQ(sendmsg, 0, CHILD_FD_SIBLING,
	    "key confirmations to tcpctl"),
	ALLOW_ARG_EQ(recvmsg, 0, CHILD_FD_SIBLING, "keys from tcpctl"),
};

/* ---- tcpctl ---------------------------------------------------------------
 *
 * tcpctl speaks TLS on the connection (fd 5) and hands keys to udpdata.
 */
static const struct allow allow_tcpctl[] = {
	ALLOW_ARG_EQ(read, 0, CHILD_FD_EXTRA, "TLS records from the peer"),
	ALLOW_ARG_EQ(write, 0, CHILD_FD_EXTRA, "TLS records to the peer"),
	ALLOW_ARG_EQ(shutdown, 0, CHILD_FD_EXTRA,
	    "end the TCP stream after close_notify"),
	ALLOW_ARG_EQ(getpeername, 0, CHILD_FD_EXTRA,
	    "the peer's address for log lines"),
	ALLOW(getrandom, "fresh X25519 keys and OpenSSL's reseeding"),
	ALLOW_ARG_EQ(sendmsg, 0, CHILD_FD_SIBLING, "keys to udpdata"),
	ALLOW_ARG_EQ(recvmsg, 0, CHILD_FD_SIBLING,
	    "key confirmations from udpdata"),
};

/* ---- router ---------------------------------------------------------------
 *
 * The router keeps CAP_NET_ADMIN and its one rtnetlink socket; it may
 * talk on that socket (whose number is not fixed) and read its signalfd.
 */
static const struct allow allow_router[] = {
	ALLOW(sendmsg, "rtnetlink requests"),
	ALLOW(recvmsg, "rtnetlink answers"),
	ALLOW(read, "SIGTERM and SIGHUP from its signalfd"),
};

/*
 * Sanitizer builds (make SANITIZE=1) only: what the AddressSanitizer and
 * UBSan runtimes call when they report a finding, so that a report reaches
 * the log instead of a SIGSYS hiding it.
 */
#ifdef GUARD_SANITIZE
static const struct allow allow_sanitizer[] = {
	ALLOW(write, "sanitizer reports on stderr"),
	ALLOW(mprotect, "sanitizer allocator"),
	ALLOW(sched_yield, "sanitizer spin locks"),
	ALLOW(gettid, "sanitizer reports"),
	ALLOW(tgkill, "sanitizer abort"),
	ALLOW(rt_sigaction, "sanitizer abort"),
	ALLOW(rt_sigprocmask, "sanitizer abort"),
	ALLOW(sigaltstack, "sanitizer stack overflow checks"),
	ALLOW(prctl, "sanitizer reports"),
	ALLOW(readlink, "sanitizer reports: the program's path"),
	ALLOW(openat, "sanitizer reports: /proc/self/maps (absent in the "
	    "chroot)"),
	ALLOW(fstat, "sanitizer reports"),
	ALLOW(newfstatat, "sanitizer reports"),
	ALLOW(getrlimit, "sanitizer reports"),
	ALLOW(prlimit64, "sanitizer reports"),
	ALLOW(nanosleep, "sanitizer reports"),
	ALLOW(clock_nanosleep, "sanitizer reports"),
};
#endif

struct role_table {
	const struct allow *allow;
	size_t n;
};

static struct role_table
role_table(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_UDPDATA:
		return (struct role_table){ allow_udpdata,
		    sizeof(allow_udpdata) / sizeof(allow_udpdata[0]) };
	case SANDBOX_TCPCTL:
		return (struct role_table){ allow_tcpctl,
		    sizeof(allow_tcpctl) / sizeof(allow_tcpctl[0]) };
	case SANDBOX_ROUTER:
		return (struct role_table){ allow_router,
		    sizeof(allow_router) / sizeof(allow_router[0]) };
	}
	return (struct role_table){ NULL, 0 };
}

static int
add_rules(scmp_filter_ctx ctx, const struct allow *a, size_t n, int *count)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (a[i].nr < 0)
			continue;	/* no such call on this architecture */
		if (a[i].argc == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a[i].nr, 0);
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a[i].nr, 1,
			    a[i].arg);
		if (r < 0) {
			errno = -r;
			log_warn("seccomp rule for %s", a[i].name);
			return -1;
		}
		(*count)++;
	}
	return 0;
}

#ifdef GUARD_SECCOMP_TRAP
/*
 * Names resolved before the filter is loaded: the handler below may only
 * look them up. Kept for the life of the process.
 */
enum { TRAP_NAMES = 512 };
static char *trap_names[TRAP_NAMES];

static void
trap_handler(int sig, siginfo_t *si, void *uc)
{
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < TRAP_NAMES && trap_names[nr] ?
	    trap_names[nr] : "?";

	(void)sig;
	(void)uc;
	log_warnx("seccomp: system call %s (%d) is not on this role's "
	    "allowlist", name, nr);
	syscall(SYS_exit_group, 128 + SIGSYS);
}

static int
trap_prepare(void)
{
	struct sigaction sa;
	int nr;

	for (nr = 0; nr < TRAP_NAMES; nr++)
		trap_names[nr] = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, nr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		log_warn("sigaction SIGSYS");
		return -1;
	}
	return 0;
}
#define FILTER_DEFAULT	SCMP_ACT_TRAP
#else
#define FILTER_DEFAULT	SCMP_ACT_KILL_PROCESS
#endif

int
filter_install(enum sandbox_role role)
{
	struct role_table t = role_table(role);
	scmp_filter_ctx ctx;
	int r, count = 0;

	if (t.allow == NULL) {
		log_warnx("no seccomp allowlist for role %d", (int)role);
		return -1;
	}
#ifdef GUARD_SECCOMP_TRAP
	if (trap_prepare() == -1)
		return -1;
#endif
	if ((ctx = seccomp_init(FILTER_DEFAULT)) == NULL) {
		log_warnx("seccomp_init failed");
		return -1;
	}
	/* A call made through another architecture's entry is no less bad. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    FILTER_DEFAULT)) < 0 ||
	    add_rules(ctx, allow_common, sizeof(allow_common) /
	    sizeof(allow_common[0]), &count) == -1 ||
	    add_rules(ctx, t.allow, t.n, &count) == -1)
		goto fail;
#ifdef GUARD_SANITIZE
	if (add_rules(ctx, allow_sanitizer, sizeof(allow_sanitizer) /
	    sizeof(allow_sanitizer[0]), &count) == -1)
		goto fail;
#endif
	if ((r = seccomp_load(ctx)) < 0) {
		errno = -r;
		log_warn("seccomp_load");
		goto fail;
	}
	seccomp_release(ctx);
	log_debug("seccomp allowlist of %d rules loaded; anything else %s",
	    count, FILTER_DEFAULT == SCMP_ACT_TRAP ? "is logged and ends "
	    "the process" : "kills the process");
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

const char *
filter_role_name(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_UDPDATA:
		return "udpdata";
	case SANDBOX_TCPCTL:
		return "tcpctl";
	case SANDBOX_ROUTER:
		return "router";
	}
	return "?";
}

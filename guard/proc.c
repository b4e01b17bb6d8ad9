/*
 * Guard process start-up. See proc.h.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "router.h"
#include "tcpctl.h"
#include "udpdata.h"

enum { PROC_FD_EXE = 6, PROC_FD_HIGH = 64 };

/*
 * Sanitizer builds (make SANITIZE=1, tests only) leave the children
 * GUARD's stderr, so that a sanitizer report reaches the test's log.
 */
#ifdef GUARD_SANITIZE
#define SANITIZER_STDERR	1
#else
#define SANITIZER_STDERR	0
#endif

static int proc_exe_fd = -1;
static int proc_null_fd = -1;

int
proc_init(void)
{
	if (proc_exe_fd != -1)
		return 0;
	proc_exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (proc_exe_fd == -1) {
		log_warn("open /proc/self/exe");
		return -1;
	}
	proc_null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (proc_null_fd == -1) {
		log_warn("open /dev/null");
		return -1;
	}
	return 0;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_exec(pid_t parent, const char *role, uint32_t peerid, const int fds[3])
{
	char idbuf[16], vbuf[16];
	char *argv[] = { "guard", "-P", (char *)role, "-I", idbuf, "-v", vbuf,
	    NULL };
	sigset_t none;
	int tmp[3], exe, i;

	/*
	 * Children log through GUARD. Their standard descriptors go nowhere:
	 * a sandboxed process may write no file (RLIMIT_FSIZE 0), and GUARD's
	 * stderr may be one.
	 */
	for (i = 0; i < 3; i++)
		if (!(SANITIZER_STDERR && i == STDERR_FILENO) &&
		    dup2(proc_null_fd, i) == -1)
			_exit(127);
	/* Lift every descriptor above the fixed slots, then place them. */
	for (i = 0; i < 3; i++)
		tmp[i] = fds[i] < 0 ? -1 :
		    fcntl(fds[i], F_DUPFD_CLOEXEC, PROC_FD_HIGH);
	exe = fcntl(proc_exe_fd, F_DUPFD_CLOEXEC, PROC_FD_HIGH);
	for (i = 0; i < 3; i++)
		if (tmp[i] >= 0 && dup2(tmp[i], CHILD_FD_GUARD + i) == -1)
			_exit(127);
	if (exe < 0 || dup3(exe, PROC_FD_EXE, O_CLOEXEC) == -1)
		_exit(127);
	for (i = 0; i < 3; i++)
		if (tmp[i] < 0)
			close(CHILD_FD_GUARD + i);
	close_range(PROC_FD_EXE + 1, ~0U, 0);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(127);

	snprintf(idbuf, sizeof(idbuf), "%u", peerid);
	snprintf(vbuf, sizeof(vbuf), "%d", log_getverbose());
	fexecve(PROC_FD_EXE, argv, (char *[]){ NULL });
	_exit(127);
}

pid_t
proc_spawn(const char *role, uint32_t peerid, int guard_fd, int sibling_fd,
    int extra_fd)
{
	const int fds[3] = { guard_fd, sibling_fd, extra_fd };
	pid_t parent = getpid(), pid;

	if (proc_exe_fd == -1 && proc_init() == -1)
		return -1;
	/*
	 * vfork: GUARD waits until the child has exec'd. A forked child would
	 * hold copies of every descriptor GUARD has (other peers' queues
	 * among them) until it closes them, and a queue kept alive that way
	 * still counts against its worker uid's byte budget when the slot is
	 * used again. child_exec only moves descriptors and execs.
	 */
	if ((pid = vfork()) == -1) {
		log_warn("vfork %s", role);
		return -1;
	}
	if (pid == 0)
		child_exec(parent, role, peerid, fds);
	return pid;
}

int
proc_is_child(int argc, char **argv)
{
	return argc >= 3 && strcmp(argv[1], "-P") == 0;
}

/* Read the INIT message of the expected type and exact size, or die. */
static void
read_init(uint32_t type, void *out, size_t len)
{
	struct imsg m;
	int r;

	if ((r = imsg_recv(CHILD_FD_GUARD, &m)) != 1)
		fatalx("no start-up message from GUARD");
	if (m.fd != -1 || m.hdr.type != type || imsg_get(&m, out, len) == -1)
		fatalx("bad start-up message %s from GUARD",
		    imsg_type_name(m.hdr.type));
}

static int
run_router(void)
{
	static struct imsg_router_init init;
	struct router_env env;
	uint32_t i;

	read_init(IMSG_ROUTER_INIT, &init, sizeof(init));
	memset(&env, 0, sizeof(env));
	env.sock = CHILD_FD_GUARD;
	memcpy(env.ifname, init.ifname, sizeof(env.ifname));
	env.ifname[sizeof(env.ifname) - 1] = '\0';
	env.ifindex = init.ifindex;
	if (init.nallowed_addr > ROUTER_MAX_ALLOWED)
		fatalx("bad ROUTER_INIT");
	env.nallowed_addr = (int)init.nallowed_addr;
	for (i = 0; i < init.nallowed_addr; i++)
		env.allowed_addr[i] = init.allowed_addr[i];
	env.allow_default_route = init.allow_default_route != 0;
	init.chroot_dir[sizeof(init.chroot_dir) - 1] = '\0';
	env.chroot_dir = init.chroot_dir;
	env.uid = init.uid;
	env.no_privdrop = init.no_privdrop != 0;
	return router_main(&env);
}

static int
run_udpdata(uint32_t peerid)
{
	static struct imsg_udpdata_init init;

	read_init(IMSG_UDPDATA_INIT, &init, sizeof(init));
	init.chroot_dir[sizeof(init.chroot_dir) - 1] = '\0';
	return udpdata_main(peerid, &init);
}

static int
run_tcpctl(uint32_t peerid)
{
	static struct imsg_tcpctl_init init;

	read_init(IMSG_TCPCTL_INIT, &init, sizeof(init));
	init.chroot_dir[sizeof(init.chroot_dir) - 1] = '\0';
	init.ca[sizeof(init.ca) - 1] = '\0';
	init.cert[sizeof(init.cert) - 1] = '\0';
	init.key[sizeof(init.key) - 1] = '\0';
	init.crl[sizeof(init.crl) - 1] = '\0';
	init.server_name[sizeof(init.server_name) - 1] = '\0';
	return tcpctl_main(peerid, &init);
}

int
proc_child_main(int argc, char **argv)
{
	const char *role = NULL;
	char name[32];
	unsigned long peerid = 0;
	int verbose = 0, i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-P") == 0)
			role = argv[i + 1];
		else if (strcmp(argv[i], "-I") == 0)
			peerid = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-v") == 0)
			verbose = atoi(argv[i + 1]);
	}
	if (role == NULL || peerid > UINT32_MAX) {
		fprintf(stderr, "guard: bad child arguments\n");
		return 1;
	}
	log_init(1, verbose, role);
	if (strcmp(role, "router") == 0)
		snprintf(name, sizeof(name), "router");
	else
		snprintf(name, sizeof(name), "%s[%lu]", role, peerid);
	log_procinit(name);
	log_to_parent(CHILD_FD_GUARD, (unsigned int)peerid);
	prctl(PR_SET_NAME, role, 0, 0, 0);
	/* A peer that vanishes must be an error to handle, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(role, "router") == 0)
		return run_router();
	if (strcmp(role, "udpdata") == 0)
		return run_udpdata((uint32_t)peerid);
	if (strcmp(role, "tcpctl") == 0)
		return run_tcpctl((uint32_t)peerid);
	fatalx("unknown role %s", role);
}

const char *
proc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(buf, len, "killed by signal %d (%s): it made a "
		    "system call outside its seccomp allowlist",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped (status 0x%x)", status);
	return buf;
}

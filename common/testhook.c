/*
 * Guard test hooks. See testhook.h.
 */
#include "testhook.h"

#ifdef GUARD_TEST_HOOKS
#include <signal.h>
#include <string.h>

#include "log.h"

static volatile sig_atomic_t testhook_pending;

static void
testhook_signal(int sig)
{
	(void)sig;
	testhook_pending = 1;
}

int
testhook_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = testhook_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1) {
		log_warn("sigaction SIGUSR1");
		return -1;
	}
	return 0;
}

int
testhook_fired(void)
{
	if (!testhook_pending)
		return 0;
	testhook_pending = 0;
	return 1;
}
#endif

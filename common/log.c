/*
 * Guard logging. See log.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "imsg.h"
#include "log.h"

struct log_state {
	int debug;		/* 1: stderr, 0: syslog */
	int verbose;
	int parent_sock;	/* >= 0: send lines to GUARD */
	unsigned int peerid;
	char role[32];
};

static struct log_state log_st = { 1, 0, -1, 0, "guard" };

void
log_init(int debug, int verbose, const char *progname)
{
	log_st.debug = debug;
	log_st.verbose = verbose;
	log_st.parent_sock = -1;
	if (!debug)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_procinit(const char *role)
{
	snprintf(log_st.role, sizeof(log_st.role), "%s", role);
}

void
log_to_parent(int sock, unsigned int peerid)
{
	log_st.parent_sock = sock;
	log_st.peerid = peerid;
}

int
log_getverbose(void)
{
	return log_st.verbose;
}

void
log_setverbose(int verbose)
{
	log_st.verbose = verbose;
}

void
log_emit(int priority, const char *line)
{
	if (log_st.debug) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else
		syslog(priority, "%s", line);
}

static void
log_send_parent(int priority, const char *line)
{
	struct imsg_log msg;
	size_t len;

	memset(&msg, 0, sizeof(msg));
	msg.priority = priority;
	len = strlen(line);
	if (len >= sizeof(msg.text))
		len = sizeof(msg.text) - 1;
	memcpy(msg.text, line, len);
	/* A lost log line is better than a child blocked on its parent. */
	if (imsg_send(log_st.parent_sock, IMSG_LOG, log_st.peerid, &msg,
	    offsetof(struct imsg_log, text) + len + 1, -1) == -1)
		log_emit(priority, line);
}

static void __attribute__((format(printf, 2, 0)))
vlog(int priority, const char *fmt, va_list ap, int with_errno)
{
	char line[IMSG_LOG_MAX];
	int saved_errno = errno, n;
	size_t used;

	if (priority == LOG_DEBUG && log_st.verbose < 1)
		return;
	n = snprintf(line, sizeof(line), "%s: ", log_st.role);
	used = n < 0 ? 0 : (size_t)n;
	if (used < sizeof(line)) {
		n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
		used += n < 0 ? 0 : (size_t)n;
	}
	if (with_errno && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, ": %s",
		    strerror(saved_errno));
	if (log_st.parent_sock >= 0)
		log_send_parent(priority, line);
	else
		log_emit(priority, line);
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/*
 * Guard logging, in the shape of OpenBSD's log.c. The GUARD process logs to
 * stderr in the foreground and to syslog as a daemon; its children send
 * each line to GUARD as IMSG_LOG (log_to_parent), so a sandboxed process
 * needs no socket of its own. errno is preserved by every call.
 */
#ifndef GUARD_LOG_H
#define GUARD_LOG_H

#include <stdarg.h>

/* debug: 1 = stderr, 0 = syslog. verbose: 0 info, 1+ debug. */
void log_init(int debug, int verbose, const char *progname);

/* The role prefix for each line ("guard", "router", "tcpctl[3]", ...). */
void log_procinit(const char *role);

/* From now on send lines over this SEQPACKET socket to GUARD; -1 stops. */
void log_to_parent(int sock, unsigned int peerid);

/* GUARD: write a line a child sent (already prefixed by its role). */
void log_emit(int priority, const char *line);

int log_getverbose(void);
void log_setverbose(int verbose);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log and exit(1): for a process that must die. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif

/* Guard: small helpers shared by the parsers. */
#ifndef GUARD_UTIL_H
#define GUARD_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* printf into an error buffer; err may be NULL or errlen 0. */
void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Untrusted text made safe to quote in a message: at most len - 1 bytes
 * (the last three shown as "..." when cut), anything unprintable as '?'.
 * Returns buf.
 */
const char *str_quote(const char *s, char *buf, size_t len);

/* Milliseconds of CLOCK_MONOTONIC: for deadlines and rates, never dates. */
int64_t monotonic_ms(void);

#endif

/*
 * Guard: small helpers shared by the parsers. See util.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
str_quote(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (s[i] != '\0' && i >= 3)
		buf[i - 3] = buf[i - 2] = buf[i - 1] = '.';
	buf[i] = '\0';
	return buf;
}

int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

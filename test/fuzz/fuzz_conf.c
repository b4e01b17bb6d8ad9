/*
 * libFuzzer harness for the config file parser: the same bytes as a
 * guardd file and as a tunclient file, then the cross-field checks.
 * Whatever the input, parsing must end in 0 or -1 with a message, never in
 * a crash, a hang or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_as(int role, const uint8_t *data, size_t size)
{
	struct guard_conf *c = malloc(sizeof(*c));
	char err[CONF_ERR_MAX];

	if (c == NULL)
		return;
	conf_defaults(c, role);
	err[0] = '\0';
	if (conf_parse_text(c, "fuzz.conf", (const char *)data, size, err,
	    sizeof(err)) == 0) {
		(void)conf_check(c, err, sizeof(err));
	} else if (strncmp(err, "fuzz.conf", 9) != 0) {
		abort();	/* every parse error names the file */
	}
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_as(ROLE_SERVER, data, size);
	parse_as(ROLE_CLIENT, data, size);
	return 0;
}

/*
 * libFuzzer harness for guard/control.c: any bytes as a guardctl request
 * line, answered against a small GUARD state (one peer, alice). The
 * answer must always be a whole text ending in a newline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "control.h"
#include "guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guard_conf conf;
	static struct guard_env env;
	static struct peer peer;
	struct cbuf b = { NULL, 0, 0, 0 };
	char line[2 * CONTROL_REQUEST_MAX];

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	conf_defaults(&conf, ROLE_SERVER);
	memset(&env, 0, sizeof(env));
	memset(&peer, 0, sizeof(peer));
	env.conf = &conf;
	env.peers = &peer;
	env.npeers = 1;
	env.control_fd = -1;
	peer.id = 1;
	peer.state = PEER_UP;
	peer.have_hello = 1;
	snprintf(peer.hello.identity, sizeof(peer.hello.identity), "alice");
	peer.ctl_sock = peer.data_sock = -1;
	peer.queue = (mqd_t)-1;

	control_answer(&env, line, &b);
	if (b.s == NULL || b.len == 0 || b.s[b.len - 1] != '\n' ||
	    strlen(b.s) != b.len)
		abort();
	free(b.s);
	return 0;
}

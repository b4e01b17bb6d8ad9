/*
 * Guard guardctl: the command line for the control socket of a running
 * guardd or tunclient (control.h has the request format).
 *
 *   guardctl [-s SOCKET] status [DEV] [--json]
 *   guardctl [-s SOCKET] rekey [DEV] PEER
 *   guardctl [-s SOCKET] kick [DEV] PEER
 *
 * Without DEV, status asks every Guard whose socket is in the control
 * directory, and rekey and kick need there to be exactly one.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "guardctl.h"
#include "proto.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: guardctl [-s SOCKET] status [DEV] [--json]\n"
	    "       guardctl [-s SOCKET] rekey [DEV] PEER\n"
	    "       guardctl [-s SOCKET] kick [DEV] PEER\n"
	    "\n"
	    "DEV is a tunnel device (its socket is %s/DEV.sock);\n"
	    "PEER is a peer's identity or id. See guardctl(8).\n",
	    GUARD_CONTROL_DIR);
}

/* Send one request line and copy the answer to stdout. 0, or -1. */
static int
ask(const char *path, const char *request, int *error_reply)
{
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t n;
	int fd, first = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "guardctl: %s: path too long\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "guardctl: %s: %s (is Guard running?)\n", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request) ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "guardctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && n >= 7 && strncmp(buf, "error: ", 7) == 0)
			*error_reply = 1;
		first = 0;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return 0;
}

static void
socket_path(const char *dev, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", GUARD_CONTROL_DIR, dev);
}

/* Every control socket in the directory. */
static int
all_sockets(glob_t *g)
{
	char pattern[128];

	snprintf(pattern, sizeof(pattern), "%s/*.sock", GUARD_CONTROL_DIR);
	return glob(pattern, 0, NULL, g) == 0 ? 0 : -1;
}

static int
status_all(int json)
{
	glob_t g;
	size_t i;
	int rc = 0, err = 0;

	if (all_sockets(&g) == -1) {
		if (json)
			printf("[]\n");
		else
			fprintf(stderr, "guardctl: no Guard is running\n");
		return json ? 0 : 1;
	}
	if (json)
		printf("[");
	for (i = 0; i < g.gl_pathc; i++) {
		if (json && i > 0)
			printf(",");
		else if (!json && i > 0)
			printf("\n");
		fflush(stdout);
		if (ask(g.gl_pathv[i], json ? "status json" : "status",
		    &err) == -1)
			rc = 1;
	}
	if (json)
		printf("]\n");
	globfree(&g);
	return rc || err;
}

/* The one socket when no DEV was given, or -1 when that is ambiguous. */
static int
only_socket(char *buf, size_t len)
{
	glob_t g;
	int rc = -1;

	if (all_sockets(&g) == -1) {
		fprintf(stderr, "guardctl: no Guard is running\n");
		return -1;
	}
	if (g.gl_pathc == 1) {
		snprintf(buf, len, "%s", g.gl_pathv[0]);
		rc = 0;
	} else
		fprintf(stderr, "guardctl: %zu Guards are running; name the "
		    "device\n", g.gl_pathc);
	globfree(&g);
	return rc;
}

int
guardctl_main(int argc, char **argv)
{
	char path[256] = "", req[CONTROL_REQUEST_MAX];
	const char *sock = NULL, *cmd, *dev = NULL, *peer = NULL;
	int i = 1, json = 0, err = 0, nargs;
	char *args[3];

	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 ||
	    strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc;
	}
	cmd = argv[i++];
	for (nargs = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && strcmp(cmd, "status") == 0)
			json = 1;
		else if (nargs < 3)
			args[nargs++] = argv[i];
		else
			nargs++;
	}
	if (strcmp(cmd, "status") == 0) {
		if (nargs > 1) {
			usage(stderr);
			return 1;
		}
		if (nargs == 0 && sock == NULL)
			return status_all(json);
		dev = nargs ? args[0] : NULL;
	} else if (strcmp(cmd, "rekey") == 0 || strcmp(cmd, "kick") == 0) {
		if (nargs < 1 || nargs > 2) {
			usage(stderr);
			return 1;
		}
		dev = nargs == 2 ? args[0] : NULL;
		peer = args[nargs - 1];
	} else {
		fprintf(stderr, "guardctl: unknown command %s\n", cmd);
		usage(stderr);
		return 1;
	}
	if (sock != NULL)
		snprintf(path, sizeof(path), "%s", sock);
	else if (dev != NULL)
		socket_path(dev, path, sizeof(path));
	else if (only_socket(path, sizeof(path)) == -1)
		return 1;
	if (peer != NULL && strlen(peer) > 64) {
		fprintf(stderr, "guardctl: peer name too long\n");
		return 1;
	}
	if (strcmp(cmd, "status") == 0)
		snprintf(req, sizeof(req), "%s", json ? "status json" :
		    "status");
	else
		snprintf(req, sizeof(req), "%s %s", cmd, peer);
	if (ask(path, req, &err) == -1)
		return 1;
	return err;
}

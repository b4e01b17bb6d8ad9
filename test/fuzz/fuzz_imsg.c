/*
 * libFuzzer harness for receiving internal messages (common/imsg.c).
 *
 * The input is one raw frame, sent as is over a SEQPACKET socketpair (made
 * once) the way a compromised child could send it, with zero, one or two
 * descriptors attached. The last input byte chooses those, and whether
 * the frame is stretched with zeros by almost IMSG_MAX_LEN: inputs are
 * kept far smaller than that, and frames around and beyond the limit must
 * be tried all the same. imsg_recv must
 * accept exactly the well-formed frames and hand them over unchanged, call
 * everything else EBADMSG, and never leave a descriptor open that it did
 * not return. imsg_get must then copy exactly when the payload has the
 * size of the struct asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sender end, receiver end, and a descriptor to pass along. */
static int sv[2] = { -1, -1 };
static int passfd = -1;
/* The lowest free descriptor number when nothing has leaked. */
static int lowest_free = -1;

static void setup_once(void)
{
	int fd;

	if (sv[0] != -1)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	/* Never block: a frame that was sent is there to be read. */
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) == -1)
		abort();
	if ((passfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	/* Received descriptors take the lowest free numbers; if one leaks,
	 * the next probe gets a different number. */
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	lowest_free = fd;
	close(fd);
}

static void no_leak(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd != lowest_free)
		abort();
	close(fd);
}

/* Send the frame with nfds copies of passfd. 0, or -1 if it did not go. */
static int send_frame(const uint8_t *data, size_t size, int nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 2)];
	} cbuf;
	struct iovec iov = { (void *)(uintptr_t)data, size };
	struct msghdr msg;
	struct cmsghdr *cmsg;
	int fds[2] = { passfd, passfd };

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)nfds);
	}
	/* Larger than the socket takes: not a frame anyone can send. */
	if (sendmsg(sv[0], &msg, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)size)
		return -1;
	return 0;
}

/* imsg_get with a struct of len bytes: copies exactly on a size match. */
static void get_as(const struct imsg *m, size_t len)
{
	static uint8_t out[IMSG_MAX_LEN];
	int r = imsg_get(m, out, len);

	if (r != (imsg_datalen(m) == len ? 0 : -1))
		abort();
	if (r == 0 && memcmp(out, m->data, len) != 0)
		abort();
}

enum { STRETCH = IMSG_MAX_LEN - 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imsg m;
	static uint8_t big[STRETCH + 65536];
	struct imsg_hdr h;
	unsigned int sel = size > 0 ? data[size - 1] : 0;
	int nfds = (int)(sel % 3), r, good;

	setup_once();
	if ((sel / 3) % 4 == 3 && size <= sizeof(big) - STRETCH) {
		memcpy(big, data, size);
		memset(big + size, 0, STRETCH);
		data = big;
		size += STRETCH;
	}
	if (send_frame(data, size, nfds) == -1)
		return 0;

	memset(&h, 0, sizeof(h));
	memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
	good = size >= IMSG_HDR_LEN && size <= IMSG_MAX_LEN &&
	    h.len == size && h.flags == 0 && nfds <= 1;

	errno = 0;
	r = imsg_recv(sv[1], &m);
	if (size == 0 && nfds == 0) {
		/* An empty frame reads as end of file on SEQPACKET. */
		if (r == 1)
			abort();
		return 0;
	}
	if (!good) {
		if (r != -1 || errno != EBADMSG || m.fd != -1)
			abort();
		no_leak();
		return 0;
	}
	if (r != 1 || memcmp(&m.hdr, &h, sizeof(h)) != 0 ||
	    imsg_datalen(&m) != size - IMSG_HDR_LEN ||
	    memcmp(m.data, data + IMSG_HDR_LEN, size - IMSG_HDR_LEN) != 0)
		abort();
	if ((nfds == 1) != (m.fd != -1))
		abort();
	if (m.fd != -1)
		close(m.fd);
	no_leak();

	get_as(&m, 0);
	get_as(&m, sizeof(struct imsg_router_result));
	get_as(&m, sizeof(struct imsg_key_install));
	get_as(&m, sizeof(struct imsg_peer_config));
	get_as(&m, sizeof(struct imsg_worker_config));
	get_as(&m, sizeof(struct imsg_tcpctl_init));
	get_as(&m, size - IMSG_HDR_LEN);
	return 0;
}

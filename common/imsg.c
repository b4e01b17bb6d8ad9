/*
 * Guard internal messages over SEQPACKET socketpairs. See imsg.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "imsg.h"

int
imsg_send(int sock, uint32_t type, uint32_t peerid, const void *data,
    size_t len, int fd)
{
	struct imsg_hdr hdr;
	struct iovec iov[2];
	struct msghdr msg;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr *cmsg;
	ssize_t n;

	if (len > IMSG_MAX_LEN - IMSG_HDR_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)(IMSG_HDR_LEN + len);
	hdr.peerid = peerid;

	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	msg.msg_iov = iov;
	msg.msg_iovlen = len ? 2 : 1;
	if (fd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != hdr.len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Take at most one descriptor out of the control data; close extras. */
static int
imsg_take_fds(struct msghdr *msg, int *fd)
{
	struct cmsghdr *cmsg;
	int bad = 0, i, n, fds[16];

	*fd = -1;
	if (msg->msg_flags & MSG_CTRUNC)
		bad = 1;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		n = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > 16)
			n = 16;
		memcpy(fds, CMSG_DATA(cmsg), (size_t)n * sizeof(int));
		for (i = 0; i < n; i++) {
			if (*fd == -1)
				*fd = fds[i];
			else {
				close(fds[i]);
				bad = 1;
			}
		}
	}
	if (bad && *fd != -1) {
		close(*fd);
		*fd = -1;
	}
	return bad ? -1 : 0;
}

/*
 * recvmsg returns 0 both at end of file and for an empty datagram, which
 * Guard never sends: only a hang-up counts as the end.
 */
static int
peer_closed(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP)) != 0;
}

int
imsg_recv(int sock, struct imsg *m)
{
	struct iovec iov[2];
	struct msghdr msg;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cmsgbuf;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = &m->hdr;
	iov[0].iov_len = sizeof(m->hdr);
	iov[1].iov_base = m->data;
	iov[1].iov_len = sizeof(m->data);
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	m->fd = -1;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (imsg_take_fds(&msg, &m->fd) == -1)
		goto bad;
	if (n == 0 && msg.msg_controllen == 0 && peer_closed(sock))
		return 0;
	if ((msg.msg_flags & MSG_TRUNC) || (size_t)n < IMSG_HDR_LEN ||
	    m->hdr.len != (size_t)n || m->hdr.flags != 0)
		goto bad;
	return 1;
bad:
	if (m->fd != -1) {
		close(m->fd);
		m->fd = -1;
	}
	errno = EBADMSG;
	return -1;
}

size_t
imsg_datalen(const struct imsg *m)
{
	return m->hdr.len - IMSG_HDR_LEN;
}

int
imsg_get(const struct imsg *m, void *out, size_t len)
{
	if (imsg_datalen(m) != len)
		return -1;
	memcpy(out, m->data, len);
	return 0;
}

const char *
imsg_type_name(uint32_t type)
{
	static const char *const names[IMSG_MAX] = {
		[IMSG_NONE] = "NONE",
		[IMSG_LOG] = "LOG",
		[IMSG_WORKER_READY] = "WORKER_READY",
		[IMSG_WORKER_CONFIG] = "WORKER_CONFIG",
		[IMSG_WORKER_STATS] = "WORKER_STATS",
		[IMSG_PEER_HELLO] = "PEER_HELLO",
		[IMSG_PEER_CONFIG] = "PEER_CONFIG",
		[IMSG_PEER_REFUSE] = "PEER_REFUSE",
		[IMSG_CLIENT_CONFIG] = "CLIENT_CONFIG",
		[IMSG_CLIENT_UP] = "CLIENT_UP",
		[IMSG_KEY_INSTALL] = "KEY_INSTALL",
		[IMSG_ENDPOINT] = "ENDPOINT",
		[IMSG_ROUTER_LINK] = "ROUTER_LINK",
		[IMSG_ROUTER_ADDR] = "ROUTER_ADDR",
		[IMSG_ROUTER_ROUTE] = "ROUTER_ROUTE",
		[IMSG_ROUTER_RESULT] = "ROUTER_RESULT",
		[IMSG_ROUTER_INIT] = "ROUTER_INIT",
		[IMSG_UDPDATA_INIT] = "UDPDATA_INIT",
		[IMSG_TCPCTL_INIT] = "TCPCTL_INIT",
		[IMSG_KEY_INSTALLED] = "KEY_INSTALLED",
		[IMSG_REKEY_WANTED] = "REKEY_WANTED",
		[IMSG_PEER_EPOCH] = "PEER_EPOCH",
		[IMSG_PEER_REKEY] = "PEER_REKEY",
		[IMSG_ROUTER_RESET] = "ROUTER_RESET",
	};

	if (type >= IMSG_MAX || names[type] == NULL)
		return "UNKNOWN";
	return names[type];
}

const char *
worker_offload_str(uint32_t offload, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", offload & WORKER_UDP_GSO ? " udp-gso" :
	    "", offload & WORKER_UDP_GRO ? " udp-gro" : "",
	    offload & WORKER_TUN_GRO ? " tun-gro" : "");
	return buf[0] == ' ' ? buf + 1 : "none";
}

/*
 * Unit tests for common/imsg.c: the messages every pair of Guard processes
 * exchange over SEQPACKET socketpairs. A malformed frame from a less
 * privileged process must come out as an error (EBADMSG), never overflow
 * the receiver, and never leave a descriptor behind in the receiver.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imsg.h"

/* Both ends of the socketpair under test; made fresh for every case. */
static int sv[2] = { -1, -1 };

static void pair_open(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void pair_close(void)
{
	for (int i = 0; i < 2; i++) {
		if (sv[i] != -1)
			close(sv[i]);
		sv[i] = -1;
	}
}

/* Open descriptors of this process, as the kernel lists them. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	/* The directory stream itself was one of them. */
	return n - 1;
}

/* Is fd an open descriptor? */
static int fd_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) != -1;
}

/*
 * Send one frame exactly as given, bypassing imsg_send, with nfds
 * descriptors as SCM_RIGHTS (nfds may be 0).
 */
static void send_raw(int sock, const void *buf, size_t len, const int *fds,
    int nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr msg;
	struct cmsghdr *cmsg;

	ck_assert_int_le(nfds, 8);
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
	ck_assert_int_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

/* A frame of len bytes whose header says type, hdrlen and flags. */
static uint8_t *frame(size_t len, uint32_t type, uint32_t hdrlen,
    uint32_t flags)
{
	struct imsg_hdr h = { type, hdrlen, 0, flags };
	uint8_t *p = calloc(1, len > sizeof(h) ? len : sizeof(h));

	ck_assert_ptr_nonnull(p);
	memcpy(p, &h, sizeof(h));
	for (size_t i = sizeof(h); i < len; i++)
		p[i] = (uint8_t)i;
	return p;
}

/* Send a raw frame and expect imsg_recv to call it malformed. */
static void expect_badmsg(const void *buf, size_t len, const int *fds,
    int nfds)
{
	static struct imsg m;

	send_raw(sv[0], buf, len, fds, nfds);
	errno = 0;
	ck_assert_int_eq(imsg_recv(sv[1], &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(m.fd, -1);
}

/* After a bad frame the channel is still in step: a good one follows. */
static void expect_next_good(void)
{
	static struct imsg m;
	uint32_t v = 0x5eed;
	uint32_t got;

	ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_LINK, 9, &v, sizeof(v),
	    -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_ROUTER_LINK);
	ck_assert_int_eq(imsg_get(&m, &got, sizeof(got)), 0);
	ck_assert_uint_eq(got, v);
}

/* ---- Round trips ---------------------------------------------------------- */

START_TEST(roundtrip_header_only)
{
	static struct imsg m;

	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 42, NULL, 0, -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_CLIENT_UP);
	ck_assert_uint_eq(m.hdr.peerid, 42);
	ck_assert_uint_eq(m.hdr.len, IMSG_HDR_LEN);
	ck_assert_uint_eq(m.hdr.flags, 0);
	ck_assert_uint_eq(imsg_datalen(&m), 0);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

START_TEST(roundtrip_struct_payload)
{
	static struct imsg m;
	struct imsg_router_result in = { IMSG_ROUTER_ADDR, 17 }, out;

	ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_RESULT, 7, &in,
	    sizeof(in), -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_ROUTER_RESULT);
	ck_assert_uint_eq(m.hdr.peerid, 7);
	ck_assert_uint_eq(m.hdr.len, IMSG_HDR_LEN + sizeof(in));
	ck_assert_uint_eq(imsg_datalen(&m), sizeof(in));
	ck_assert_int_eq(imsg_get(&m, &out, sizeof(out)), 0);
	ck_assert_uint_eq(out.type, IMSG_ROUTER_ADDR);
	ck_assert_int_eq(out.error, 17);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

/* The INIT messages are the largest; the largest payload must fit. */
START_TEST(roundtrip_largest_payload)
{
	static struct imsg m;
	static uint8_t in[IMSG_MAX_LEN - IMSG_HDR_LEN];
	static uint8_t out[sizeof(in)];

	ck_assert_uint_ge(IMSG_MAX_LEN - IMSG_HDR_LEN,
	    sizeof(struct imsg_tcpctl_init));
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(imsg_send(sv[0], IMSG_TCPCTL_INIT, 1, in, sizeof(in),
	    -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.hdr.len, IMSG_MAX_LEN);
	ck_assert_int_eq(imsg_get(&m, out, sizeof(out)), 0);
	ck_assert_mem_eq(in, out, sizeof(in));
}
END_TEST

/* One send is one message: three in a row come out as three. */
START_TEST(messages_keep_their_boundaries)
{
	static struct imsg m;
	uint32_t v;

	for (uint32_t i = 1; i <= 3; i++)
		ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_LINK, i, &i,
		    sizeof(i), -1), 0);
	for (uint32_t i = 1; i <= 3; i++) {
		ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
		ck_assert_uint_eq(m.hdr.peerid, i);
		ck_assert_int_eq(imsg_get(&m, &v, sizeof(v)), 0);
		ck_assert_uint_eq(v, i);
	}
}
END_TEST

/* What goes on the wire: the header as documented, flags zero. */
START_TEST(send_writes_documented_header)
{
	uint8_t buf[64];
	struct imsg_hdr h;
	uint16_t v = 3;

	ck_assert_int_eq(imsg_send(sv[0], IMSG_PEER_REFUSE, 0xabcdef, &v,
	    sizeof(v), -1), 0);
	ck_assert_int_eq(recv(sv[1], buf, sizeof(buf), 0),
	    IMSG_HDR_LEN + sizeof(v));
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.type, IMSG_PEER_REFUSE);
	ck_assert_uint_eq(h.len, IMSG_HDR_LEN + sizeof(v));
	ck_assert_uint_eq(h.peerid, 0xabcdef);
	ck_assert_uint_eq(h.flags, 0);
}
END_TEST

START_TEST(send_too_large_is_emsgsize)
{
	static uint8_t big[IMSG_MAX_LEN];

	errno = 0;
	ck_assert_int_eq(imsg_send(sv[0], IMSG_LOG, 0, big,
	    IMSG_MAX_LEN - IMSG_HDR_LEN + 1, -1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = 0;
	ck_assert_int_eq(imsg_send(sv[0], IMSG_LOG, 0, big, SIZE_MAX, -1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* Nothing was sent: the channel is still usable and empty. */
	expect_next_good();
}
END_TEST

/* A dead peer is an error, not a SIGPIPE that kills the sender. */
START_TEST(send_to_closed_peer_is_epipe)
{
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, -1), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(eof_returns_zero)
{
	static struct imsg m;

	close(sv[0]);
	sv[0] = -1;
	ck_assert_int_eq(imsg_recv(sv[1], &m), 0);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

/* A non-blocking socket with nothing queued is EAGAIN, not malformed. */
START_TEST(nothing_queued_is_eagain)
{
	static struct imsg m;

	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	errno = 0;
	ck_assert_int_eq(imsg_recv(sv[1], &m), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

/* ---- Descriptors ------------------------------------------------------------ */

/* The worker hands GUARD its queue this way: the fd must work over there. */
START_TEST(fd_rides_along_and_works)
{
	static struct imsg m;
	struct imsg_worker_ready wr = { 51820, 0, 2048 }, got;
	int p[2];
	char c = 0;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(imsg_send(sv[0], IMSG_WORKER_READY, 3, &wr,
	    sizeof(wr), p[0]), 0);
	/* Only the receiver's copy of the read end is left. */
	close(p[0]);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(imsg_get(&m, &got, sizeof(got)), 0);
	ck_assert_uint_eq(got.udp_port, 51820);
	ck_assert_int_eq(write(p[1], "g", 1), 1);
	ck_assert_int_eq(read(m.fd, &c, 1), 1);
	ck_assert_int_eq(c, 'g');
	close(p[1]);
	close(m.fd);
}
END_TEST

START_TEST(fd_with_header_only)
{
	static struct imsg m;
	int p[2];
	char c = 0;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, p[1]),
	    0);
	close(p[1]);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(write(m.fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(m.fd);
	close(p[0]);
}
END_TEST

/*
 * Children are started by fork and exec: a descriptor received from a
 * sibling must not leak into a process exec'd later.
 */
START_TEST(received_fd_is_cloexec)
{
	static struct imsg m;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, p[0]),
	    0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_ne(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	close(m.fd);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(no_fd_leaves_minus_one)
{
	static struct imsg m;

	/* Whatever a previous use left in m, no descriptor means -1. */
	m.fd = 0;
	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

/* ---- imsg_get: the exact length or nothing ------------------------------- */

START_TEST(get_exact_length)
{
	static struct imsg m;
	struct imsg_router_link in = { 1420, 1 }, out;

	ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_LINK, 0, &in, sizeof(in),
	    -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(imsg_get(&m, &out, sizeof(out)), 0);
	ck_assert_uint_eq(out.mtu, 1420);
	ck_assert_uint_eq(out.up, 1);
}
END_TEST

START_TEST(get_shorter_refused)
{
	static struct imsg m;
	struct imsg_router_link in = { 1420, 1 };
	uint8_t out[sizeof(in)];

	ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_LINK, 0, &in, sizeof(in),
	    -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(imsg_get(&m, out, sizeof(in) - 1), -1);
	/* A refused get copies nothing. */
	for (size_t i = 0; i < sizeof(out); i++)
		ck_assert_uint_eq(out[i], 0xa5);
}
END_TEST

START_TEST(get_longer_refused)
{
	static struct imsg m;
	struct imsg_router_link in = { 1420, 1 };
	uint8_t out[sizeof(in) + 1];

	ck_assert_int_eq(imsg_send(sv[0], IMSG_ROUTER_LINK, 0, &in, sizeof(in),
	    -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_eq(imsg_get(&m, out, sizeof(out)), -1);
}
END_TEST

START_TEST(get_zero_from_header_only)
{
	static struct imsg m;
	uint8_t out[4];

	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, -1), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_eq(imsg_get(&m, out, 0), 0);
	ck_assert_int_eq(imsg_get(&m, out, 1), -1);
}
END_TEST

/* ---- Malformed frames ------------------------------------------------------ */

START_TEST(raw_valid_frame_accepted)
{
	static struct imsg m;
	uint8_t *f = frame(IMSG_HDR_LEN + 8, IMSG_ROUTER_LINK,
	    IMSG_HDR_LEN + 8, 0);

	/* The helpers themselves build frames imsg_recv accepts. */
	send_raw(sv[0], f, IMSG_HDR_LEN + 8, NULL, 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(imsg_datalen(&m), 8);
	free(f);
}
END_TEST

/* Every length from 1 to one short of a header. */
START_TEST(shorter_than_header)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN, 0);

	for (size_t len = 1; len < IMSG_HDR_LEN; len++)
		expect_badmsg(f, len, NULL, 0);
	expect_next_good();
	free(f);
}
END_TEST

START_TEST(len_field_larger_than_arrived)
{
	uint8_t *f = frame(IMSG_HDR_LEN + 4, IMSG_ROUTER_LINK,
	    IMSG_HDR_LEN + 8, 0);

	expect_badmsg(f, IMSG_HDR_LEN + 4, NULL, 0);
	expect_next_good();
	free(f);
}
END_TEST

START_TEST(len_field_smaller_than_arrived)
{
	uint8_t *f = frame(IMSG_HDR_LEN + 8, IMSG_ROUTER_LINK,
	    IMSG_HDR_LEN + 4, 0);

	expect_badmsg(f, IMSG_HDR_LEN + 8, NULL, 0);
	expect_next_good();
	free(f);
}
END_TEST

/* A len below the header size must not underflow imsg_datalen. */
START_TEST(len_field_below_header)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, 0, 0);

	expect_badmsg(f, IMSG_HDR_LEN, NULL, 0);
	free(f);
	f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN - 1, 0);
	expect_badmsg(f, IMSG_HDR_LEN, NULL, 0);
	free(f);
}
END_TEST

START_TEST(len_field_huge)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, UINT32_MAX, 0);

	expect_badmsg(f, IMSG_HDR_LEN, NULL, 0);
	free(f);
}
END_TEST

START_TEST(nonzero_flags)
{
	static const uint32_t flags[] = { 1, 0x80, 0x10000, 0x80000000u,
	    UINT32_MAX };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN,
		    flags[i]);

		expect_badmsg(f, IMSG_HDR_LEN, NULL, 0);
		free(f);
	}
	expect_next_good();
}
END_TEST

/* An unknown type is well-formed here; the dispatch tables refuse it. */
START_TEST(unknown_type_is_delivered)
{
	static struct imsg m;
	uint8_t *f = frame(IMSG_HDR_LEN, 0xdead, IMSG_HDR_LEN, 0);

	send_raw(sv[0], f, IMSG_HDR_LEN, NULL, 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.hdr.type, 0xdead);
	free(f);
}
END_TEST

/* The receiving buffer around struct imsg, to see any overrun. */
struct guarded_imsg {
	struct imsg m;
	uint8_t canary[256];
};

/*
 * One byte over IMSG_MAX_LEN, with a len field that matches what was sent:
 * only the size itself is wrong. The receiver must say so and write
 * nothing past its buffer.
 */
START_TEST(oversized_by_one)
{
	static struct guarded_imsg g;
	uint8_t *f = frame(IMSG_MAX_LEN + 1, IMSG_LOG, IMSG_MAX_LEN + 1, 0);

	memset(g.canary, 0x5a, sizeof(g.canary));
	send_raw(sv[0], f, IMSG_MAX_LEN + 1, NULL, 0);
	errno = 0;
	ck_assert_int_eq(imsg_recv(sv[1], &g.m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	for (size_t i = 0; i < sizeof(g.canary); i++)
		ck_assert_uint_eq(g.canary[i], 0x5a);
	ck_assert_int_eq(g.m.fd, -1);
	/* The rest of the frame was discarded, not read as the next one. */
	expect_next_good();
	free(f);
}
END_TEST

START_TEST(oversized_64k)
{
	static struct guarded_imsg g;
	size_t len = 65536;
	uint8_t *f = frame(len, IMSG_LOG, (uint32_t)len, 0);

	memset(g.canary, 0x5a, sizeof(g.canary));
	send_raw(sv[0], f, len, NULL, 0);
	errno = 0;
	ck_assert_int_eq(imsg_recv(sv[1], &g.m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	for (size_t i = 0; i < sizeof(g.canary); i++)
		ck_assert_uint_eq(g.canary[i], 0x5a);
	expect_next_good();
	free(f);
}
END_TEST

/* A len field claiming exactly IMSG_MAX_LEN while more arrived. */
START_TEST(oversized_with_max_len_field)
{
	uint8_t *f = frame(IMSG_MAX_LEN + 16, IMSG_LOG, IMSG_MAX_LEN, 0);

	expect_badmsg(f, IMSG_MAX_LEN + 16, NULL, 0);
	expect_next_good();
	free(f);
}
END_TEST

/*
 * A zero-length frame reads like end of file from recvmsg; while the
 * sender is still connected it is a malformed frame, not the end.
 */
START_TEST(empty_frame_is_not_a_message)
{
	static struct imsg m;

	send_raw(sv[0], "", 0, NULL, 0);
	errno = 0;
	ck_assert_int_eq(imsg_recv(sv[1], &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

/* ---- Descriptors on malformed frames ------------------------------------- */

/* The receiver closes both of two descriptors and accepts neither. */
START_TEST(two_fds_refused_and_closed)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_WORKER_READY, IMSG_HDR_LEN, 0);
	int p[2], before;

	ck_assert_int_eq(pipe(p), 0);
	before = count_fds();
	expect_badmsg(f, IMSG_HDR_LEN, p, 2);
	ck_assert_int_eq(count_fds(), before);
	/* Only our own two ends were left open. */
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(count_fds(), before - 2);
	free(f);
}
END_TEST

/* More descriptors than the receiver's control buffer holds. */
START_TEST(many_fds_refused_and_closed)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_WORKER_READY, IMSG_HDR_LEN, 0);
	int fds[8], before;

	for (int i = 0; i < 8; i++)
		ck_assert_int_ge(fds[i] = open("/dev/null", O_RDONLY), 0);
	before = count_fds();
	expect_badmsg(f, IMSG_HDR_LEN, fds, 8);
	ck_assert_int_eq(count_fds(), before);
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	expect_next_good();
	free(f);
}
END_TEST

/* Helper for the cases below: one fd on a frame that is bad otherwise. */
static void bad_frame_closes_fd(const uint8_t *f, size_t len)
{
	int fd, before;

	ck_assert_int_ge(fd = open("/dev/null", O_RDONLY), 0);
	before = count_fds();
	expect_badmsg(f, len, &fd, 1);
	ck_assert_int_eq(count_fds(), before);
	close(fd);
}

START_TEST(short_frame_closes_fd)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN, 0);

	bad_frame_closes_fd(f, 4);
	free(f);
}
END_TEST

START_TEST(empty_frame_closes_fd)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN, 0);

	bad_frame_closes_fd(f, 0);
	free(f);
}
END_TEST

START_TEST(len_mismatch_closes_fd)
{
	uint8_t *f = frame(IMSG_HDR_LEN + 4, IMSG_CLIENT_UP, IMSG_HDR_LEN, 0);

	bad_frame_closes_fd(f, IMSG_HDR_LEN + 4);
	free(f);
}
END_TEST

START_TEST(flags_closes_fd)
{
	uint8_t *f = frame(IMSG_HDR_LEN, IMSG_CLIENT_UP, IMSG_HDR_LEN, 1);

	bad_frame_closes_fd(f, IMSG_HDR_LEN);
	free(f);
}
END_TEST

START_TEST(oversized_closes_fd)
{
	uint8_t *f = frame(IMSG_MAX_LEN + 1, IMSG_LOG, IMSG_MAX_LEN + 1, 0);

	bad_frame_closes_fd(f, IMSG_MAX_LEN + 1);
	free(f);
}
END_TEST

/* A good frame with one fd adds exactly that one descriptor. */
START_TEST(good_frame_adds_one_fd)
{
	static struct imsg m;
	int fd, before;

	ck_assert_int_ge(fd = open("/dev/null", O_RDONLY), 0);
	before = count_fds();
	ck_assert_int_eq(imsg_send(sv[0], IMSG_CLIENT_UP, 0, NULL, 0, fd), 0);
	ck_assert_int_eq(imsg_recv(sv[1], &m), 1);
	ck_assert_int_eq(count_fds(), before + 1);
	ck_assert(fd_open(m.fd));
	ck_assert_int_ne(m.fd, fd);
	close(m.fd);
	close(fd);
}
END_TEST

/* ---- Names ------------------------------------------------------------------ */

START_TEST(type_names)
{
	static const struct {
		uint32_t type;
		const char *name;
	} want[] = {
		{ IMSG_NONE, "NONE" },
		{ IMSG_LOG, "LOG" },
		{ IMSG_WORKER_READY, "WORKER_READY" },
		{ IMSG_WORKER_CONFIG, "WORKER_CONFIG" },
		{ IMSG_WORKER_STATS, "WORKER_STATS" },
		{ IMSG_PEER_HELLO, "PEER_HELLO" },
		{ IMSG_PEER_CONFIG, "PEER_CONFIG" },
		{ IMSG_PEER_REFUSE, "PEER_REFUSE" },
		{ IMSG_CLIENT_CONFIG, "CLIENT_CONFIG" },
		{ IMSG_CLIENT_UP, "CLIENT_UP" },
		{ IMSG_KEY_INSTALL, "KEY_INSTALL" },
		{ IMSG_ENDPOINT, "ENDPOINT" },
		{ IMSG_ROUTER_LINK, "ROUTER_LINK" },
		{ IMSG_ROUTER_ADDR, "ROUTER_ADDR" },
		{ IMSG_ROUTER_ROUTE, "ROUTER_ROUTE" },
		{ IMSG_ROUTER_RESULT, "ROUTER_RESULT" },
		{ IMSG_ROUTER_INIT, "ROUTER_INIT" },
		{ IMSG_UDPDATA_INIT, "UDPDATA_INIT" },
		{ IMSG_TCPCTL_INIT, "TCPCTL_INIT" },
		{ IMSG_KEY_INSTALLED, "KEY_INSTALLED" },
		{ IMSG_REKEY_WANTED, "REKEY_WANTED" },
		{ IMSG_PEER_EPOCH, "PEER_EPOCH" },
		{ IMSG_PEER_REKEY, "PEER_REKEY" },
		{ IMSG_ROUTER_RESET, "ROUTER_RESET" },
	};
	size_t n = sizeof(want) / sizeof(want[0]);

	/* The table above must cover every type there is. */
	ck_assert_uint_eq(n, IMSG_MAX);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(imsg_type_name(want[i].type), want[i].name);
}
END_TEST

START_TEST(type_names_distinct)
{
	for (uint32_t a = 0; a < IMSG_MAX; a++)
		for (uint32_t b = a + 1; b < IMSG_MAX; b++)
			ck_assert_str_ne(imsg_type_name(a), imsg_type_name(b));
}
END_TEST

START_TEST(type_name_unknown)
{
	ck_assert_str_eq(imsg_type_name(IMSG_MAX), "UNKNOWN");
	ck_assert_str_eq(imsg_type_name(IMSG_MAX + 1), "UNKNOWN");
	ck_assert_str_eq(imsg_type_name(0x7fffffff), "UNKNOWN");
	ck_assert_str_eq(imsg_type_name(UINT32_MAX), "UNKNOWN");
}
END_TEST

/* ---- Layout ---------------------------------------------------------------- */

/* Every message struct fits into one frame. */
START_TEST(every_struct_fits)
{
	static const size_t sizes[] = {
		sizeof(struct imsg_log), sizeof(struct imsg_worker_ready),
		sizeof(struct imsg_worker_config),
		sizeof(struct imsg_worker_stats),
		sizeof(struct imsg_peer_hello), sizeof(struct imsg_peer_config),
		sizeof(struct imsg_peer_refuse),
		sizeof(struct imsg_client_config),
		sizeof(struct imsg_key_install), sizeof(struct imsg_endpoint),
		sizeof(struct imsg_router_link), sizeof(struct imsg_router_addr),
		sizeof(struct imsg_router_route),
		sizeof(struct imsg_router_result),
		sizeof(struct imsg_router_init),
		sizeof(struct imsg_udpdata_init),
		sizeof(struct imsg_tcpctl_init),
	};

	ck_assert_uint_eq(IMSG_HDR_LEN, 16);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ck_assert_uint_le(IMSG_HDR_LEN + sizes[i], IMSG_MAX_LEN);
}
END_TEST

static Suite *imsg_suite(void)
{
	Suite *s = suite_create("imsg");
	TCase *tc;

	tc = tcase_create("round trip");
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_add_test(tc, roundtrip_header_only);
	tcase_add_test(tc, roundtrip_struct_payload);
	tcase_add_test(tc, roundtrip_largest_payload);
	tcase_add_test(tc, messages_keep_their_boundaries);
	tcase_add_test(tc, send_writes_documented_header);
	tcase_add_test(tc, send_too_large_is_emsgsize);
	tcase_add_test(tc, send_to_closed_peer_is_epipe);
	tcase_add_test(tc, eof_returns_zero);
	tcase_add_test(tc, nothing_queued_is_eagain);
	suite_add_tcase(s, tc);

	tc = tcase_create("descriptors");
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_add_test(tc, fd_rides_along_and_works);
	tcase_add_test(tc, fd_with_header_only);
	tcase_add_test(tc, received_fd_is_cloexec);
	tcase_add_test(tc, no_fd_leaves_minus_one);
	tcase_add_test(tc, good_frame_adds_one_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("get");
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_add_test(tc, get_exact_length);
	tcase_add_test(tc, get_shorter_refused);
	tcase_add_test(tc, get_longer_refused);
	tcase_add_test(tc, get_zero_from_header_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_add_test(tc, raw_valid_frame_accepted);
	tcase_add_test(tc, shorter_than_header);
	tcase_add_test(tc, len_field_larger_than_arrived);
	tcase_add_test(tc, len_field_smaller_than_arrived);
	tcase_add_test(tc, len_field_below_header);
	tcase_add_test(tc, len_field_huge);
	tcase_add_test(tc, nonzero_flags);
	tcase_add_test(tc, unknown_type_is_delivered);
	tcase_add_test(tc, oversized_by_one);
	tcase_add_test(tc, oversized_64k);
	tcase_add_test(tc, oversized_with_max_len_field);
	tcase_add_test(tc, empty_frame_is_not_a_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("descriptors on malformed frames");
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_add_test(tc, two_fds_refused_and_closed);
	tcase_add_test(tc, many_fds_refused_and_closed);
	tcase_add_test(tc, short_frame_closes_fd);
	tcase_add_test(tc, empty_frame_closes_fd);
	tcase_add_test(tc, len_mismatch_closes_fd);
	tcase_add_test(tc, flags_closes_fd);
	tcase_add_test(tc, oversized_closes_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("names and layout");
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, type_names_distinct);
	tcase_add_test(tc, type_name_unknown);
	tcase_add_test(tc, every_struct_fits);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imsg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/*
 * Guard udpdata: the data worker of one peer.
 *
 * It binds its UDP socket, drops privileges (its own uid, so that the
 * queue it then creates is charged to a byte budget of its own), creates
 * its POSIX message queue, hands GUARD the write end and unlinks the name.
 * From then on it seals what GUARD queues and sends it with sendmmsg, and
 * opens what arrives with recvmmsg and writes it to the TUN device.
 *
 * With offload (found at start-up, each part on its own): a TCP segment
 * of up to 64 KB that GUARD read whole from TUN is cut into packets here,
 * each sealed where it lies, and the datagrams go out as trains of one
 * size (UDP_SEGMENT), so that one sendmmsg carries a whole segment; trains
 * come back whole too (UDP_GRO), and the packets of one TCP flow are
 * joined again for one TUN write (gso.h).
 * Keys come from its tcpctl sibling; it exits when either GUARD or tcpctl
 * goes away.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aead.h"
#include "conf.h"
#include "datapath.h"
#include "gso.h"
#include "imsg.h"
#include "kdf.h"
#include "log.h"
#include "qmsg.h"
#include "sandbox.h"
#include "testhook.h"
#include "udpdata.h"

enum {
	/*
	 * Send slots: the most datagrams per sendmmsg, and room for any
	 * segment: at the least MTU (1280) a 64 KB one is 56 packets.
	 */
	UDP_BATCH = 64,
	RX_SLOTS_GRO = 16,		/* 64 KB receive buffers with GRO */
	RX_TRAIN_MAX = 65535,		/* the most one GRO receive holds */
	/* A train: at most 64 datagrams (the kernel's UDP_MAX_SEGMENTS on
	 * 6.1) and 64 KB less the IPv6 and UDP headers. */
	TRAIN_SEGS_MAX = 64,
	TRAIN_BYTES_MAX = 65535 - 40 - 8,
	QUEUE_DRAIN_MAX = 16,		/* queue messages per loop turn */
	RX_DRAIN_MAX = 16,		/* recvmmsg calls per loop turn */
	TICK_MS = 1000,			/* timers: knock, keepalive, expiry */
	UDPDATA_MAX_FILES = 32,
};

struct udpdata_env {
	uint32_t peerid;
	int role;
	int guard_sock;
	int ctl_sock;
	int tun_fd;
	int tun_vnet;			/* TUN writes start with a header */
	int udp_fd;
	int batch;			/* packets per sendmmsg/recvmmsg */
	int offload;			/* enum worker_offload in use */
	mqd_t mq;
	size_t msgsize;
	uint8_t *qbuf;			/* one queue message */
	struct dp_keys keys;
	struct dp_sources sources;
	struct sockaddr_storage peer;	/* where to send; from ENDPOINT or */
	socklen_t peerlen;		/* the last authenticated datagram */
	int confirmed;			/* a datagram authenticated */
	/* Timers, in seconds of CLOCK_MONOTONIC. */
	uint64_t keepalive_seconds;
	uint64_t dead_peer_seconds;
	uint64_t reject_after_seconds;
	uint64_t rekey_bytes;
	uint64_t last_tick;
	uint64_t last_tx;		/* anything sent */
	uint64_t last_rx;		/* anything that authenticated */
	int have_keys;			/* keys were installed once */
	uint32_t rekey_asked;		/* epoch we asked tcpctl to replace */
	struct imsg_worker_stats st;
	/*
	 * Batches for sendmmsg: one slot per datagram; tx[] sends them one
	 * by one, train[] as trains of one size.
	 */
	struct mmsghdr tx[UDP_BATCH];
	struct iovec txiov[UDP_BATCH];
	uint8_t (*txbuf)[DATA_MAX_DGRAM];
	struct mmsghdr train[UDP_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} traincmsg[UDP_BATCH];
	/* recvmmsg: rx_slots buffers of rx_slot_size bytes. */
	int rx_slots;
	size_t rx_slot_size;
	struct mmsghdr rx[UDP_BATCH];
	struct iovec rxiov[UDP_BATCH];
	struct sockaddr_storage rxaddr[UDP_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} rxcmsg[UDP_BATCH];
	uint8_t *rxbuf;
	struct gro *gro;		/* with tun_vnet */
};

static uint64_t
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---- set up ------------------------------------------------------------ */

/*
 * UDP GSO and GRO, each where the kernel has it: a kernel that knows
 * UDP_SEGMENT takes a gso_size of 0 (none yet); one that knows UDP_GRO
 * takes it on. Set now, before the allowlist, which has no setsockopt.
 */
static void
udp_offload(struct udpdata_env *env, int fd)
{
	int zero = 0, one = 1;

	if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero)) == 0)
		env->offload |= WORKER_UDP_GSO;
	else
		log_debug("no UDP GSO: %s", strerror(errno));
	if (setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0)
		env->offload |= WORKER_UDP_GRO;
	else
		log_debug("no UDP GRO: %s", strerror(errno));
}

static int
udp_open(struct udpdata_env *env, const struct imsg_udpdata_init *init)
{
	int fd, family, buf = (int)init->socket_buffer, off = 0;

	family = init->bind_len ? init->bind_addr.ss_family : AF_INET6;
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("udp socket");
		return -1;
	}
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
	/* Root still: the FORCE variants pass net.core.[rw]mem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) ==
	    -1 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		log_debug("socket buffers stay at the system default");
	if (init->udp_offload)
		udp_offload(env, fd);
	if (init->bind_len &&
	    bind(fd, (const struct sockaddr *)&init->bind_addr,
	    init->bind_len) == -1) {
		log_warn("udp bind");
		close(fd);
		return -1;
	}
	env->udp_fd = fd;
	return 0;
}

static uint16_t
udp_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/*
 * Create the queue as our own uid, give GUARD a write descriptor, and
 * unlink the name at once: from here on only the two descriptors keep it.
 */
static int
queue_create(struct udpdata_env *env, const struct imsg_udpdata_init *init)
{
	struct mq_attr attr;
	struct imsg_worker_ready ready;
	char name[64];
	mqd_t wr;
	int rc = -1;

	snprintf(name, sizeof(name), "/guard.%d.%u", (int)getppid(),
	    env->peerid);
	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = init->queue_depth;
	attr.mq_msgsize = init->queue_msgsize;
	env->mq = mq_open(name, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK |
	    O_CLOEXEC, 0600, &attr);
	if (env->mq == (mqd_t)-1) {
		if (errno == EMFILE)
			log_warnx("cannot create queue: %u x %u bytes exceed "
			    "what RLIMIT_MSGQUEUE leaves uid %u (another queue "
			    "of this uid still open? else lower queue-depth)",
			    init->queue_depth, init->queue_msgsize,
			    init->uid);
		else if (errno == ENOSPC)
			log_warnx("cannot create queue: fs.mqueue.queues_max "
			    "reached; lower max-peers");
		else
			log_warn("mq_open %s", name);
		return -1;
	}
	wr = mq_open(name, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (wr == (mqd_t)-1)
		log_warn("mq_open %s for GUARD", name);
	if (mq_unlink(name) == -1)
		log_warn("mq_unlink %s", name);
	if (wr == (mqd_t)-1)
		return -1;
	memset(&ready, 0, sizeof(ready));
	ready.udp_port = udp_local_port(env->udp_fd);
	ready.queue_msgsize = init->queue_msgsize;
	if (imsg_send(env->guard_sock, IMSG_WORKER_READY, env->peerid, &ready,
	    sizeof(ready), (int)wr) == -1)
		log_warn("send WORKER_READY");
	else
		rc = 0;
	close((int)wr);
	return rc;
}

struct queue_args {
	struct udpdata_env *env;
	const struct imsg_udpdata_init *init;
};

static int
queue_create_hook(void *arg)
{
	const struct queue_args *qa = arg;

	return queue_create(qa->env, qa->init);
}

/* A test build's stand-in for a taken-over worker (testhook.h). */
static void
test_hooks_run(void)
{
	int fd;

	if (!testhook_fired())
		return;
	log_info("test hook: opening a TCP socket");
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1)
		close(fd);
}

static void gro_emit(void *arg, const uint8_t *frame, size_t len);

/*
 * Buffers, before the sandbox: pages are only touched as traffic comes.
 * With GRO each receive buffer holds a whole train (64 KB), so there are
 * fewer of them.
 */
static int
batches_alloc(struct udpdata_env *env)
{
	int i;

	if (env->offload & WORKER_UDP_GRO) {
		env->rx_slots = RX_SLOTS_GRO < env->batch ? RX_SLOTS_GRO :
		    env->batch;
		env->rx_slot_size = RX_TRAIN_MAX;
	} else {
		env->rx_slots = env->batch;
		env->rx_slot_size = DATA_MAX_DGRAM;
	}
	env->txbuf = calloc(UDP_BATCH, sizeof(*env->txbuf));
	env->rxbuf = calloc((size_t)env->rx_slots, env->rx_slot_size);
	env->qbuf = malloc(env->msgsize);
	if (env->tun_vnet && (env->gro = malloc(sizeof(*env->gro))) != NULL)
		(void)gro_init(env->gro, gro_emit, env);
	if (env->txbuf == NULL || env->rxbuf == NULL || env->qbuf == NULL ||
	    (env->tun_vnet && env->gro == NULL)) {
		log_warn("batch buffers");
		return -1;
	}
	if (env->tun_vnet)
		env->offload |= WORKER_TUN_GRO;
	for (i = 0; i < UDP_BATCH; i++) {
		env->txiov[i].iov_base = env->txbuf[i];
		env->tx[i].msg_hdr.msg_iov = &env->txiov[i];
		env->tx[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < env->rx_slots; i++) {
		env->rxiov[i].iov_base = env->rxbuf + (size_t)i *
		    env->rx_slot_size;
		env->rxiov[i].iov_len = env->rx_slot_size;
		env->rx[i].msg_hdr.msg_iov = &env->rxiov[i];
		env->rx[i].msg_hdr.msg_iovlen = 1;
		env->rx[i].msg_hdr.msg_name = &env->rxaddr[i];
	}
	return 0;
}

static void check_volume(struct udpdata_env *env);

/* ---- sending ----------------------------------------------------------- */

/* Send slots [from, to) one datagram each; what the socket refuses is lost. */
static void
send_each(struct udpdata_env *env, int from, int to)
{
	int r;

	while (from < to) {
		r = sendmmsg(env->udp_fd, env->tx + from,
		    (unsigned int)(to - from), 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_debug("sendmmsg: %s", strerror(errno));
			env->st.drop_malformed += (uint64_t)(to - from);
			return;
		}
		from += r;
	}
}

/*
 * Group slots [i, n) into a train from i: datagrams of one size, the last
 * possibly shorter, within the kernel's limits. Returns its length in
 * slots and sets the train's message.
 */
static int
train_build(struct udpdata_env *env, int i, int n, struct msghdr *mh,
    void *cbuf)
{
	size_t size = env->txiov[i].iov_len, total = size;
	struct cmsghdr *cm;
	uint16_t gso;
	int k = 1;

	while (i + k < n && k < TRAIN_SEGS_MAX &&
	    total + env->txiov[i + k].iov_len <= TRAIN_BYTES_MAX &&
	    env->txiov[i + k].iov_len <= size) {
		total += env->txiov[i + k].iov_len;
		/* A shorter datagram can only end a train. */
		if (env->txiov[i + k++].iov_len < size)
			break;
	}
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &env->peer;
	mh->msg_namelen = env->peerlen;
	mh->msg_iov = &env->txiov[i];
	mh->msg_iovlen = (size_t)k;
	if (k > 1) {
		mh->msg_control = cbuf;
		mh->msg_controllen = CMSG_SPACE(sizeof(gso));
		cm = CMSG_FIRSTHDR(mh);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(gso));
		gso = (uint16_t)size;
		memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
		env->st.tx_gso_sends++;
	}
	return k;
}

/*
 * Send slots [0, n) as trains, as many as one sendmmsg takes. A train
 * the kernel refuses goes again datagram by datagram; EIO means the
 * device cannot take trains at all, and they stop for good.
 */
static void
send_trains(struct udpdata_env *env, int n)
{
	int first[UDP_BATCH], ntrains = 0, i, k, done = 0, r;

	for (i = 0; i < n; i += k) {
		first[ntrains] = i;
		k = train_build(env, i, n, &env->train[ntrains].msg_hdr,
		    env->traincmsg[ntrains].buf);
		ntrains++;
	}
	while (done < ntrains) {
		r = sendmmsg(env->udp_fd, env->train + done,
		    (unsigned int)(ntrains - done), 0);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (errno == EIO) {
			log_warnx("the network device takes no UDP GSO; "
			    "sending datagram by datagram");
			env->offload &= ~WORKER_UDP_GSO;
		}
		log_debug("sendmmsg of a train: %s", strerror(errno));
		send_each(env, first[done], done + 1 < ntrains ?
		    first[done + 1] : n);
		done++;
	}
}

/* Send the first n prepared datagrams. */
static void
tx_flush(struct udpdata_env *env, int n)
{
	int i;

	env->last_tx = env->keys.now;
	if ((env->offload & WORKER_UDP_GSO) && n > 1) {
		send_trains(env, n);
		return;
	}
	for (i = 0; i < n; i++) {
		env->tx[i].msg_hdr.msg_name = &env->peer;
		env->tx[i].msg_hdr.msg_namelen = env->peerlen;
	}
	send_each(env, 0, n);
}

/* Seal one packet (or a keepalive) into batch slot i. 0 or -1 (counted). */
static int
tx_prepare(struct udpdata_env *env, int i, int type, const uint8_t *pkt,
    size_t len)
{
	ssize_t n;

	n = dp_seal(&env->keys, type, pkt, len, env->txbuf[i], DATA_MAX_DGRAM);
	if (n == -1) {
		env->st.unsent_nokey++;
		return -1;
	}
	env->txiov[i].iov_len = (size_t)n;
	if (type == DATA_PACKET) {
		env->st.tx_packets++;
		env->st.tx_bytes += len;
	}
	return 0;
}

static void
send_keepalive(struct udpdata_env *env)
{
	if (env->peerlen == 0 || !env->keys.cur.valid)
		return;
	if (tx_prepare(env, 0, DATA_KEEPALIVE, NULL, 0) == 0)
		tx_flush(env, 1);
}

/*
 * Cut a frame from TUN (a queue message of its own) into packets, each
 * written straight into a send slot after its header room and sealed
 * there. Returns the slots in use; what cannot go is counted.
 */
static int
tx_segment(struct udpdata_env *env, const uint8_t *frame, size_t len)
{
	struct gso_pkt out[UDP_BATCH];
	int segs, i, n;

	segs = gso_segs(frame, len, GUARD_MAX_MTU);
	if (segs < 1 || segs > UDP_BATCH) {
		log_debug("a frame from TUN that cannot be cut");
		env->st.drop_malformed++;
		return 0;
	}
	if (env->peerlen == 0 || !env->keys.cur.valid) {
		env->st.unsent_nokey += (uint64_t)segs;
		return 0;
	}
	for (i = 0; i < segs; i++) {
		out[i].buf = env->txbuf[i] + DATA_HDR_LEN;
		out[i].cap = DATA_MAX_DGRAM - DATA_OVERHEAD;
	}
	if (gso_split(frame, len, GUARD_MAX_MTU, out, (size_t)segs) != segs) {
		env->st.drop_malformed++;
		return 0;
	}
	env->st.tx_segments++;
	for (i = 0, n = 0; i < segs; i++)
		if (tx_prepare(env, n, DATA_PACKET, out[i].buf,
		    out[i].len) == 0)
			n++;
	return n;
}

/* Seal every packet of one queue message and send them in batches. */
static void
tx_queue_message(struct udpdata_env *env, size_t len)
{
	struct qmsg_iter it;
	const uint8_t *pkt;
	size_t plen;
	int n = 0, r;

	switch (qmsg_open(env->qbuf, len, &it)) {
	case QMSG_GSO:
		if (qmsg_frame(&it, &pkt, &plen) != 1)
			fatalx("malformed queue message from GUARD");
		if ((n = tx_segment(env, pkt, plen)) > 0)
			tx_flush(env, n);
		return;
	case QMSG_BATCH:
		break;
	default:
		fatalx("malformed queue message from GUARD");
	}
	while ((r = qmsg_next(&it, &pkt, &plen)) == 1) {
		if (env->peerlen == 0) {
			env->st.unsent_nokey++;
			continue;
		}
		if (tx_prepare(env, n, DATA_PACKET, pkt, plen) == -1)
			continue;
		if (++n == env->batch) {
			tx_flush(env, n);
			n = 0;
		}
	}
	if (r == -1)
		fatalx("malformed batch from GUARD");
	if (n > 0)
		tx_flush(env, n);
}

static void
queue_drain(struct udpdata_env *env)
{
	ssize_t n;
	int i;

	for (i = 0; i < QUEUE_DRAIN_MAX; i++) {
		n = mq_receive(env->mq, (char *)env->qbuf, env->msgsize, NULL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				fatal("mq_receive");
			break;
		}
		tx_queue_message(env, (size_t)n);
	}
	check_volume(env);
}

/* ---- receiving --------------------------------------------------------- */

static int
sockaddr_equal(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * An authenticated datagram came from addr: the peer is alive, and when
 * the datagram is its newest (or no endpoint is known yet) the peer is
 * there now. A late one never moves the endpoint: its sender may be
 * anyone who saw it on the way.
 */
static void
peer_seen(struct udpdata_env *env, const struct sockaddr_storage *addr,
    socklen_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	env->confirmed = 1;
	env->last_rx = env->keys.now;
	if (sockaddr_equal(&env->peer, env->peerlen, addr, len) ||
	    (env->peerlen != 0 && !env->keys.rx_newest))
		return;
	memcpy(&env->peer, addr, len);
	env->peerlen = len;
	if (getnameinfo((const struct sockaddr *)addr, len, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		log_info("peer endpoint %s port %s", host, serv);
}

/* One write to TUN: a packet, or a frame with its virtio-net header. */
static void
tun_write(struct udpdata_env *env, const uint8_t *buf, size_t len)
{
	if (write(env->tun_fd, buf, len) == -1) {
		log_debug("tun write: %s", strerror(errno));
		env->st.drop_malformed++;
		return;
	}
	env->st.rx_frames++;
}

/* A frame of joined packets (or one packet behind a zero header). */
static void
gro_emit(void *arg, const uint8_t *frame, size_t len)
{
	tun_write(arg, frame, len);
}

/* An opened packet to TUN: joined with its flow's, or written at once. */
static void
rx_deliver(struct udpdata_env *env, uint8_t *pkt, size_t len)
{
	env->st.rx_packets++;
	env->st.rx_bytes += len;
	if (env->gro != NULL) {
		/* The bytes before pkt are the datagram's header: ours. */
		(void)gro_add(env->gro, pkt, len);
		return;
	}
	tun_write(env, pkt, len);
}

/* One datagram of len bytes at dgram, from slot i's sender. */
static void
rx_one(struct udpdata_env *env, int i, uint8_t *dgram, size_t len)
{
	const uint8_t *pkt;
	size_t plen;
	enum dp_verdict v;

	v = dp_open(&env->keys, &env->sources, dgram, len, &pkt, &plen);
	switch (v) {
	case DP_PACKET:
		peer_seen(env, &env->rxaddr[i], env->rx[i].msg_hdr.msg_namelen);
		rx_deliver(env, dgram + (pkt - dgram), plen);
		return;
	case DP_KEEPALIVE:
		peer_seen(env, &env->rxaddr[i], env->rx[i].msg_hdr.msg_namelen);
		/*
		 * A client knocks until it hears from us; answer every knock
		 * (the client never answers ours), so a lost answer costs
		 * one more knock, not a silent tunnel.
		 */
		if (env->role == ROLE_SERVER)
			send_keepalive(env);
		return;
	case DP_AUTH:
		env->st.drop_auth++;
		break;
	case DP_REPLAY:
		env->st.drop_replay++;
		break;
	case DP_SOURCE:
		env->st.drop_source++;
		break;
	case DP_NOKEY:
		env->st.drop_nokey++;
		break;
	default:
		env->st.drop_malformed++;
		break;
	}
	log_debug("dropped datagram: %s", dp_verdict_name(v));
}

/* The size of each datagram of a train GRO put together; 0 for one. */
static size_t
rx_train_size(const struct msghdr *mh)
{
	struct cmsghdr *cm;
	int size;

	for (cm = CMSG_FIRSTHDR((struct msghdr *)mh); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)mh, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(size))) {
			memcpy(&size, CMSG_DATA(cm), sizeof(size));
			return size > 0 ? (size_t)size : 0;
		}
	return 0;
}

/* What slot i received: one datagram, or a train to take apart. */
static void
rx_slot(struct udpdata_env *env, int i)
{
	struct msghdr *mh = &env->rx[i].msg_hdr;
	uint8_t *p = env->rxiov[i].iov_base;
	size_t left = env->rx[i].msg_len, size, n;

	/*
	 * Longer than the buffer: what arrived is a cut piece, to be
	 * counted as the malformed datagram it is rather than as whatever
	 * its first bytes would make it.
	 */
	if (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		env->st.drop_malformed++;
		log_debug("dropped datagram: longer than any a peer sends");
		return;
	}
	if ((size = rx_train_size(mh)) == 0 || size > left)
		size = left;
	if (left > size)
		env->st.rx_gro_trains++;
	/* An empty datagram is one too: malformed, and counted. */
	do {
		n = left < size ? left : size;
		rx_one(env, i, p, n);
		p += n;
		left -= n;
	} while (left > 0);
}

static void
udp_drain(struct udpdata_env *env)
{
	int n, i, round;

	for (round = 0; round < RX_DRAIN_MAX; round++) {
		for (i = 0; i < env->rx_slots; i++) {
			env->rx[i].msg_hdr.msg_namelen =
			    sizeof(env->rxaddr[i]);
			env->rx[i].msg_hdr.msg_control = env->rxcmsg[i].buf;
			env->rx[i].msg_hdr.msg_controllen =
			    sizeof(env->rxcmsg[i].buf);
			env->rx[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(env->udp_fd, env->rx, (unsigned int)env->rx_slots,
		    MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_debug("recvmmsg: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++)
			rx_slot(env, i);
		/* Whatever was joined goes to TUN before we wait again. */
		if (env->gro != NULL)
			gro_flush(env->gro);
		if (n < env->rx_slots)
			break;
	}
}

/* ---- messages from tcpctl and GUARD ------------------------------------ */

static void
ctl_dispatch(struct udpdata_env *env)
{
	struct imsg m;
	struct imsg_key_install k;
	struct imsg_key_installed installed;
	struct imsg_endpoint ep;
	int r, installed_slot;

	if ((r = imsg_recv(env->ctl_sock, &m)) == 0) {
		log_debug("tcpctl closed; exiting");
		env->ctl_sock = -1;
		return;
	}
	if (r == -1)
		fatal("malformed message from tcpctl");
	if (m.fd != -1)
		fatalx("unexpected descriptor from tcpctl");
	switch (m.hdr.type) {
	case IMSG_KEY_INSTALL:
		env->keys.now = now_seconds();
		if (imsg_get(&m, &k, sizeof(k)) == -1 ||
		    dp_keys_install(&env->keys, &k) == -1)
			fatalx("bad KEY_INSTALL from tcpctl");
		installed.epoch = k.epoch;
		installed_slot = k.slot;
		log_debug("installed keys for epoch %u (%s)", k.epoch,
		    k.slot == KEY_SLOT_CURRENT ? "current" : "next");
		wipe(&k, sizeof(k));
		wipe(m.data, sizeof(m.data));
		if (!env->have_keys) {
			/* The peer's silence counts from here. */
			env->have_keys = 1;
			env->last_rx = env->keys.now;
		}
		if (imsg_send(env->ctl_sock, IMSG_KEY_INSTALLED, env->peerid,
		    &installed, sizeof(installed), -1) == -1)
			fatal("send KEY_INSTALLED");
		/*
		 * New current keys: tell the other side at once, so that it
		 * switches too before our previous keys run out of grace.
		 */
		if (installed_slot == KEY_SLOT_CURRENT)
			send_keepalive(env);
		break;
	case IMSG_ENDPOINT:
		if (imsg_get(&m, &ep, sizeof(ep)) == -1 ||
		    ep.addrlen > sizeof(ep.addr) ||
		    (ep.addr.ss_family != AF_INET &&
		    ep.addr.ss_family != AF_INET6))
			fatalx("bad ENDPOINT from tcpctl");
		memcpy(&env->peer, &ep.addr, ep.addrlen);
		env->peerlen = ep.addrlen;
		break;
	default:
		fatalx("unexpected %s from tcpctl", imsg_type_name(m.hdr.type));
	}
}

static void
guard_dispatch(struct udpdata_env *env)
{
	struct imsg m;
	struct imsg_worker_config wc;
	uint32_t i;
	int r;

	if ((r = imsg_recv(env->guard_sock, &m)) == 0) {
		env->guard_sock = -1;
		return;
	}
	if (r == -1 || m.fd != -1)
		fatalx("malformed message from GUARD");
	switch (m.hdr.type) {
	case IMSG_WORKER_CONFIG:
		if (imsg_get(&m, &wc, sizeof(wc)) == -1 ||
		    wc.nprefix > IMSG_MAX_PREFIXES)
			fatalx("bad WORKER_CONFIG from GUARD");
		for (i = 0; i < wc.nprefix; i++)
			if (wc.prefix[i].family != AF_INET &&
			    wc.prefix[i].family != AF_INET6)
				fatalx("bad prefix in WORKER_CONFIG");
		env->sources.n = wc.nprefix;
		memcpy(env->sources.p, wc.prefix,
		    wc.nprefix * sizeof(wc.prefix[0]));
		break;
	default:
		fatalx("unexpected %s from GUARD", imsg_type_name(m.hdr.type));
	}
}

/* ---- the loop ---------------------------------------------------------- */

static void stats_send(struct udpdata_env *env);

/* Ask tcpctl for a new epoch once the current key has done its share. */
static void
check_volume(struct udpdata_env *env)
{
	struct imsg_rekey_wanted w;
	const struct keyslot *cur = &env->keys.cur;

	if (!cur->valid || env->rekey_asked == cur->epoch ||
	    (cur->tx_bytes < env->rekey_bytes &&
	    cur->tx_counter < REKEY_AFTER_MESSAGES))
		return;
	w.epoch = cur->epoch;
	env->rekey_asked = cur->epoch;
	log_debug("epoch %u sealed %llu bytes; asking for new keys", w.epoch,
	    (unsigned long long)cur->tx_bytes);
	if (imsg_send(env->ctl_sock, IMSG_REKEY_WANTED, env->peerid, &w,
	    sizeof(w), -1) == -1)
		fatal("send REKEY_WANTED");
}

/*
 * Once a second: wipe keys past their time, knock (client, until the
 * server answers), keep an idle path alive, and give up on a peer that
 * has been silent too long. Returns 0 when the peer is gone.
 */
static int
tick(struct udpdata_env *env)
{
	uint64_t now = now_seconds();
	int gone;

	if (now == env->last_tick)
		return 1;
	env->last_tick = now;
	env->keys.now = now;
	/*
	 * The previous keys live until the other side has surely switched:
	 * at least the grace period, and long enough for a lost announcing
	 * keepalive to be followed by the next regular one.
	 */
	gone = dp_keys_expire(&env->keys, env->reject_after_seconds,
	    2 * env->keepalive_seconds > PREVIOUS_KEY_GRACE_SECONDS ?
	    2 * env->keepalive_seconds : PREVIOUS_KEY_GRACE_SECONDS);
	if (gone & DP_EXPIRED_CUR)
		log_warnx("keys reached their age limit before new ones "
		    "came; nothing is sent until they do");
	check_volume(env);
	stats_send(env);
	if (!env->have_keys)
		return 1;
	if (now - env->last_rx >= env->dead_peer_seconds) {
		log_warnx("no authenticated datagram from the peer for %llu "
		    "s; it is gone", (unsigned long long)(now - env->last_rx));
		return 0;
	}
	if ((env->role == ROLE_CLIENT && !env->confirmed) ||
	    now - env->last_tx >= env->keepalive_seconds)
		send_keepalive(env);
	return 1;
}

static void
udpdata_loop(struct udpdata_env *env)
{
	struct pollfd pfd[4];

	while (env->guard_sock != -1 && env->ctl_sock != -1 && tick(env)) {
		pfd[0] = (struct pollfd){ .fd = (int)env->mq, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = env->udp_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = env->ctl_sock, .events = POLLIN };
		pfd[3] = (struct pollfd){ .fd = env->guard_sock,
		    .events = POLLIN };
		if (poll(pfd, 4, TICK_MS) == -1) {
			if (errno == EINTR) {
				test_hooks_run();
				continue;
			}
			fatal("poll");
		}
		/* Keys first: a datagram may already use the new ones. */
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			ctl_dispatch(env);
		if (env->ctl_sock == -1)
			break;
		if (pfd[1].revents & POLLIN)
			udp_drain(env);
		if (pfd[0].revents & POLLIN)
			queue_drain(env);
		if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR))
			guard_dispatch(env);
	}
}

/* GUARD shows these in guardctl status. */
static void
stats_send(struct udpdata_env *env)
{
	env->st.epoch = env->keys.cur.valid ? env->keys.cur.epoch : 0;
	env->st.offload = (uint32_t)env->offload;
	env->st.endpoint_len = (uint32_t)env->peerlen;
	memcpy(&env->st.endpoint, &env->peer, sizeof(env->st.endpoint));
	if (env->guard_sock != -1)
		(void)imsg_send(env->guard_sock, IMSG_WORKER_STATS,
		    env->peerid, &env->st, sizeof(env->st), -1);
}

static void
udpdata_shutdown(struct udpdata_env *env)
{
	log_info("exiting: rx %llu packets, tx %llu packets (%llu unsent "
	    "before keys), dropped: %llu auth, %llu replay, %llu source, "
	    "%llu no key, %llu other",
	    (unsigned long long)env->st.rx_packets,
	    (unsigned long long)env->st.tx_packets,
	    (unsigned long long)env->st.unsent_nokey,
	    (unsigned long long)env->st.drop_auth,
	    (unsigned long long)env->st.drop_replay,
	    (unsigned long long)env->st.drop_source,
	    (unsigned long long)env->st.drop_nokey,
	    (unsigned long long)env->st.drop_malformed);
	stats_send(env);
	dp_keys_clear(&env->keys);
	if (env->mq != (mqd_t)-1)
		mq_close(env->mq);
	close(env->udp_fd);
	free(env->txbuf);
	free(env->rxbuf);
	free(env->qbuf);
	free(env->gro);
}

int
udpdata_main(uint32_t peerid, const struct imsg_udpdata_init *init)
{
	static struct udpdata_env env;
	struct queue_args qa;
	struct sandbox sb;

	memset(&env, 0, sizeof(env));
	env.peerid = peerid;
	env.role = init->role;
	env.guard_sock = CHILD_FD_GUARD;
	env.ctl_sock = CHILD_FD_SIBLING;
	env.tun_fd = CHILD_FD_EXTRA;
	env.tun_vnet = init->tun_vnet != 0;
	env.batch = (int)init->batch;
	env.mq = (mqd_t)-1;
	env.msgsize = init->queue_msgsize;
	env.keepalive_seconds = init->keepalive_seconds;
	env.dead_peer_seconds = init->dead_peer_seconds;
	env.reject_after_seconds = init->reject_after_seconds;
	env.rekey_bytes = init->rekey_bytes;
	if (env.keepalive_seconds == 0 || env.dead_peer_seconds == 0 ||
	    env.reject_after_seconds == 0 || env.rekey_bytes == 0)
		fatalx("bad timers in UDPDATA_INIT");
	if (env.batch < 1 || env.batch > UDP_BATCH ||
	    init->socket_buffer == 0 || init->socket_buffer > INT_MAX)
		fatalx("bad batch or socket buffer in UDPDATA_INIT");

	/* Set up: everything that needs root or a path. */
	if (udp_open(&env, init) == -1 || batches_alloc(&env) == -1)
		return 1;
	if (aead_preload() == -1)
		fatalx("cannot set up the ciphers");

	/*
	 * Drop privileges. The queue is created in between, as our own uid
	 * (charged to our budget) and before the allowlist, which has no
	 * mq_open.
	 */
	memset(&sb, 0, sizeof(sb));
	sb.role = SANDBOX_UDPDATA;
	sb.chroot_dir = init->chroot_dir;
	sb.uid = init->uid;
	sb.no_privdrop = init->no_privdrop != 0;
	sb.max_files = UDPDATA_MAX_FILES;
	sb.deathsig = SIGKILL;
	sb.before_filter = queue_create_hook;
	sb.arg = &qa;
	qa.env = &env;
	qa.init = init;
	if (testhook_install() == -1 || sandbox_enter(&sb) == -1)
		return 1;

	udpdata_loop(&env);
	udpdata_shutdown(&env);
	return 0;
}

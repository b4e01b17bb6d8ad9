/*
 * Guard tcpctl: the control process of one peer.
 *
 * It loads the certificates while it still may read files, drops
 * privileges, then runs the TLS 1.3 handshake with mutual certificate
 * authentication. The server side reports the peer's identity to GUARD
 * and pushes the configuration GUARD answers with; the client side hands
 * what it was pushed to GUARD. Both then agree on the epoch keys (X25519
 * inside TLS, HKDF salted with a TLS exporter value), give them to their
 * udpdata sibling, and wipe their own copies.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "channel.h"
#include "conf.h"
#include "ctlmsg.h"
#include "imsg.h"
#include "kdf.h"
#include "log.h"
#include "sandbox.h"
#include "testhook.h"
#include "tcpctl.h"
#include "tls.h"
#include "util.h"

enum {
	REPLY_TIMEOUT_MS = 10000,	/* an answer from GUARD */
	SEND_TIMEOUT_MS = 5000,
	TCPCTL_MAX_FILES = 16,
};

struct tcpctl_env {
	uint32_t peerid;
	int role;
	int guard_sock;
	int data_sock;			/* to the udpdata sibling */
	struct channel ch;
	uint32_t local_session;		/* we receive data with this id */
	uint32_t remote_session;
	uint8_t cipher;
	char peer_name[IDENTITY_MAX];	/* for log lines */
	/* Epochs: the one in use and the one we proposed, if any. */
	uint32_t epoch;
	uint64_t epoch_since;		/* when the current epoch began */
	uint32_t pending_epoch;		/* 0: no REKEY of ours outstanding */
	uint64_t pending_since;
	struct x25519_keypair pending_kp;
	/* Timers, in seconds of CLOCK_MONOTONIC. */
	uint64_t rekey_seconds;
	uint64_t keepalive_seconds;
	uint64_t dead_peer_seconds;
	uint64_t last_rx;		/* any control message from the peer */
	uint64_t last_tx;
	/*
	 * Set-up, from our start to HELLO (server) or CONFIG (client), has
	 * one deadline: however slowly a peer trickles its bytes in, it
	 * holds this process no longer than handshake-seconds.
	 */
	uint32_t handshake_seconds;
	long setup_deadline;		/* ms of CLOCK_MONOTONIC */
	int exit_status;		/* enum tcpctl_exit */
	/*
	 * Client: what the server pushed, held until epoch 1's keys are in
	 * udpdata, so that the tunnel has its address only once it can
	 * carry traffic.
	 */
	struct imsg_client_config pushed;
	int pushed_held;
};

static uint64_t
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* What is left of the set-up time; 0 only reads what has arrived. */
static int
setup_left_ms(const struct tcpctl_env *env)
{
	long left = env->setup_deadline - monotonic_ms();

	return left > 0 ? (int)left : 0;
}

/* ---- helpers ----------------------------------------------------------- */

static uint32_t
random_session(void)
{
	uint32_t s = 0;

	while (s == 0)
		if (RAND_bytes((unsigned char *)&s, sizeof(s)) != 1)
			fatalx("no randomness for a session id");
	return s;
}

/* Receive the set-up message due, of type type, or die trying. */
static void
expect(struct tcpctl_env *env, struct ctl_msg *m, int type)
{
	int r = channel_recv(&env->ch, m, setup_left_ms(env));

	if (r == 1 && m->type == type)
		return;
	if (r == 1 && m->type == CTL_BYE) {
		log_warnx("%s said goodbye: %s", env->peer_name,
		    ctl_bye_reason_name(m->u.bye.reason));
		exit(m->u.bye.reason == BYE_REPLACED ? TCPCTL_EXIT_REFUSED :
		    TCPCTL_EXIT_DONE);
	}
	if (r == 1) {
		channel_close(&env->ch, BYE_PROTOCOL);
		fatalx("%s sent %s where %s was due", env->peer_name,
		    ctl_type_name(m->type), ctl_type_name(type));
	}
	if (r == 0)
		fatalx("%s closed the connection before %s", env->peer_name,
		    ctl_type_name(type));
	if (r == -2)
		fatalx("%s sent no %s within %u s of connecting "
		    "(handshake-seconds)", env->peer_name, ctl_type_name(type),
		    env->handshake_seconds);
	log_warnx("%s: %s", env->peer_name, env->ch.err);
	if (channel_refused(&env->ch))
		exit(TCPCTL_EXIT_REFUSED);
	channel_close(&env->ch, BYE_PROTOCOL);
	exit(TCPCTL_EXIT_ERROR);
}

static void
send_or_die(struct tcpctl_env *env, const struct ctl_msg *m)
{
	if (channel_send(&env->ch, m, SEND_TIMEOUT_MS) == -1) {
		log_warnx("%s: %s", env->peer_name, env->ch.err);
		exit(channel_refused(&env->ch) ? TCPCTL_EXIT_REFUSED :
		    TCPCTL_EXIT_ERROR);
	}
	env->last_tx = now_seconds();
}

/* The peer broke the protocol: say so, tell it, and end. */
static void __attribute__((noreturn))
protocol_error(struct tcpctl_env *env, const char *what)
{
	log_warnx("%s: %s", env->peer_name, what);
	channel_close(&env->ch, BYE_PROTOCOL);
	exit(1);
}

/* Wait for one message from GUARD, with a deadline. */
static void
guard_wait(struct tcpctl_env *env, struct imsg *m)
{
	struct pollfd pfd = { .fd = env->guard_sock, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, REPLY_TIMEOUT_MS);
	} while (r == -1 && errno == EINTR);
	if (r <= 0)
		fatalx("no answer from GUARD");
	if ((r = imsg_recv(env->guard_sock, m)) == 0)
		fatalx("GUARD went away");
	if (r == -1 || m->fd != -1)
		fatalx("malformed message from GUARD");
}

/* "198.18.0.2 port 40000" for log lines until the identity is known. */
static void
peer_address(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *h = host;

	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "peer");
		return;
	}
	/* A dual-stack socket shows IPv4 as ::ffff:a.b.c.d; GUARD does not. */
	if (strncmp(h, "::ffff:", 7) == 0 && strchr(h + 7, ':') == NULL)
		h += 7;
	snprintf(buf, len, "%.46s port %.5s", h, serv);
}

/*
 * udpdata confirms each installation before the other side may use the
 * keys: only then may the REKEY_ACK go out, so no datagram under a new
 * epoch can ever arrive at a worker that cannot open it yet.
 */
static void
installed_wait(struct tcpctl_env *env, uint32_t epoch)
{
	struct pollfd pfd = { .fd = env->data_sock, .events = POLLIN };
	struct imsg_key_installed ok;
	struct imsg m;
	int r;

	for (;;) {
		do {
			r = poll(&pfd, 1, REPLY_TIMEOUT_MS);
		} while (r == -1 && errno == EINTR);
		if (r <= 0)
			fatalx("udpdata did not confirm the keys of epoch %u",
			    epoch);
		if ((r = imsg_recv(env->data_sock, &m)) != 1 || m.fd != -1)
			fatalx("udpdata went away");
		/* A request for new keys is moot while we are making them. */
		if (m.hdr.type == IMSG_REKEY_WANTED &&
		    imsg_datalen(&m) == sizeof(struct imsg_rekey_wanted))
			continue;
		if (m.hdr.type != IMSG_KEY_INSTALLED ||
		    imsg_get(&m, &ok, sizeof(ok)) == -1 || ok.epoch != epoch)
			fatalx("bad %s from udpdata", imsg_type_name(m.hdr.type));
		return;
	}
}

/* ---- keys -------------------------------------------------------------- */

/*
 * Derive the epoch's keys from our private key and their public key, and
 * give them to udpdata for the slot given. Every secret is wiped here.
 */
static void
keys_install(struct tcpctl_env *env, uint32_t epoch,
    struct x25519_keypair *kp, const uint8_t peer_pub[X25519_LEN], int slot)
{
	uint8_t shared[X25519_LEN], exporter[32], context[4];
	struct epoch_keys ek;
	struct imsg_key_install k;
	struct imsg_peer_epoch shown;
	const uint8_t *tx_key, *tx_iv, *rx_key, *rx_iv;
	uint32_t be = htobe32(epoch);

	memcpy(context, &be, sizeof(context));
	if (x25519_shared(kp->priv, peer_pub, shared) == -1) {
		channel_close(&env->ch, BYE_PROTOCOL);
		fatalx("%s sent an unusable X25519 key", env->peer_name);
	}
	wipe(kp, sizeof(*kp));
	if (SSL_export_keying_material(env->ch.ssl, exporter, sizeof(exporter),
	    GUARD_EXPORTER_LABEL, strlen(GUARD_EXPORTER_LABEL), context,
	    sizeof(context), 1) != 1 ||
	    epoch_derive(shared, exporter, epoch, &ek) == -1)
		fatalx("key derivation failed");
	wipe(shared, sizeof(shared));
	wipe(exporter, sizeof(exporter));

	if (env->role == ROLE_SERVER) {
		tx_key = ek.s2c_key, tx_iv = ek.s2c_iv;
		rx_key = ek.c2s_key, rx_iv = ek.c2s_iv;
	} else {
		tx_key = ek.c2s_key, tx_iv = ek.c2s_iv;
		rx_key = ek.s2c_key, rx_iv = ek.s2c_iv;
	}
	memset(&k, 0, sizeof(k));
	k.epoch = epoch;
	k.slot = (uint8_t)slot;
	k.cipher = env->cipher;
	k.local_session = env->local_session;
	k.remote_session = env->remote_session;
	memcpy(k.tx_key, tx_key, AEAD_KEY_LEN);
	memcpy(k.tx_iv, tx_iv, AEAD_IV_LEN);
	memcpy(k.rx_key, rx_key, AEAD_KEY_LEN);
	memcpy(k.rx_iv, rx_iv, AEAD_IV_LEN);
	wipe(&ek, sizeof(ek));
	if (imsg_send(env->data_sock, IMSG_KEY_INSTALL, env->peerid, &k,
	    sizeof(k), -1) == -1)
		fatal("send keys to udpdata");
	wipe(&k, sizeof(k));
	installed_wait(env, epoch);
	env->epoch = epoch;
	env->epoch_since = now_seconds();
	log_info("%s: epoch %u", env->peer_name, epoch);
	shown.epoch = epoch;
	if (imsg_send(env->guard_sock, IMSG_PEER_EPOCH, env->peerid, &shown,
	    sizeof(shown), -1) == -1)
		fatal("send PEER_EPOCH");
}

/*
 * Rotation, in WireGuard's shape over the control channel. The initiator
 * sends REKEY with the next epoch and a fresh X25519 key; the responder
 * installs the new keys as "next" (opening only), and answers REKEY_ACK
 * with its own key once udpdata has them; the initiator then installs
 * them as "current" and seals under them at once. The responder's worker
 * switches on the first datagram that opens under the new epoch, and both
 * keep the old keys for stragglers for a grace period. Fresh ephemeral
 * keys each time: one epoch's keys tell nothing of another's.
 *
 * Epoch 1 is the same exchange with the client as initiator. When both
 * sides propose the same epoch at once, the client's proposal wins.
 */
static void
rekey_start(struct tcpctl_env *env)
{
	struct ctl_msg m;

	if (env->pending_epoch != 0)
		return;
	if (x25519_keygen(&env->pending_kp) == -1)
		fatalx("X25519 key generation failed");
	env->pending_epoch = env->epoch + 1;
	env->pending_since = now_seconds();
	memset(&m, 0, sizeof(m));
	m.type = CTL_REKEY;
	m.u.rekey.epoch = env->pending_epoch;
	memcpy(m.u.rekey.pub, env->pending_kp.pub, X25519_LEN);
	log_debug("%s: proposing epoch %u", env->peer_name,
	    env->pending_epoch);
	send_or_die(env, &m);
}

static void
rekey_abandon(struct tcpctl_env *env)
{
	wipe(&env->pending_kp, sizeof(env->pending_kp));
	env->pending_epoch = 0;
}

/* The peer proposes its next epoch: answer it. */
static void
rekey_answer(struct tcpctl_env *env, const struct ctl_rekey *r)
{
	struct ctl_msg ack;
	struct x25519_keypair kp;

	if (r->epoch != env->epoch + 1)
		protocol_error(env, "REKEY for an epoch out of order");
	if (env->pending_epoch != 0) {
		/* Both proposed at once: the client's proposal stands. */
		if (env->role == ROLE_CLIENT)
			return;
		rekey_abandon(env);
	}
	if (x25519_keygen(&kp) == -1)
		fatalx("X25519 key generation failed");
	memset(&ack, 0, sizeof(ack));
	ack.type = CTL_REKEY_ACK;
	ack.u.rekey.epoch = r->epoch;
	memcpy(ack.u.rekey.pub, kp.pub, X25519_LEN);
	keys_install(env, r->epoch, &kp, r->pub, KEY_SLOT_NEXT);
	send_or_die(env, &ack);
}

/* Client: epoch 1 is in place; GUARD may now configure the tunnel. */
static void
pushed_config_release(struct tcpctl_env *env)
{
	if (imsg_send(env->guard_sock, IMSG_CLIENT_CONFIG, env->peerid,
	    &env->pushed, sizeof(env->pushed), -1) == -1)
		fatal("send CLIENT_CONFIG");
	env->pushed_held = 0;
}

/* Our proposal was answered: switch to the new keys. */
static void
rekey_finish(struct tcpctl_env *env, const struct ctl_rekey *r)
{
	if (env->pending_epoch == 0 || r->epoch != env->pending_epoch)
		protocol_error(env, "REKEY_ACK for an epoch not proposed");
	env->pending_epoch = 0;
	keys_install(env, r->epoch, &env->pending_kp, r->pub,
	    KEY_SLOT_CURRENT);
	if (env->pushed_held)
		pushed_config_release(env);
}

/* ---- server side ------------------------------------------------------- */

static void
config_to_wire(const struct imsg_peer_config *pc, uint32_t session,
    struct ctl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = CTL_CONFIG;
	m->u.config.session = session;
	m->u.config.udp_port = pc->udp_port;
	m->u.config.mtu = pc->mtu;
	m->u.config.cipher = pc->cipher;
	m->u.config.addr4 = pc->addr4;
	m->u.config.addr6 = pc->addr6;
	m->u.config.nroutes = pc->nroutes;
	m->u.config.ndns = pc->ndns;
	memcpy(m->u.config.routes, pc->routes, sizeof(pc->routes));
	memcpy(m->u.config.dns, pc->dns, sizeof(pc->dns));
}

static void
server_setup(struct tcpctl_env *env)
{
	struct imsg_peer_hello hello;
	struct imsg_peer_config pc;
	struct imsg_peer_refuse refuse;
	struct imsg m;
	struct ctl_msg cm;
	char err[256];

	memset(&hello, 0, sizeof(hello));
	if (tls_peer_identity(env->ch.ssl, hello.identity, hello.spki_hash,
	    err, sizeof(err)) == -1) {
		channel_close(&env->ch, BYE_PROTOCOL);
		fatalx("refused peer: %s", err);
	}
	snprintf(env->peer_name, sizeof(env->peer_name), "%s", hello.identity);
	expect(env, &cm, CTL_HELLO);
	env->remote_session = cm.u.hello.session;
	hello.session = env->remote_session;
	if (imsg_send(env->guard_sock, IMSG_PEER_HELLO, env->peerid, &hello,
	    sizeof(hello), -1) == -1)
		fatal("send PEER_HELLO");

	guard_wait(env, &m);
	if (m.hdr.type == IMSG_PEER_REFUSE &&
	    imsg_get(&m, &refuse, sizeof(refuse)) == 0) {
		channel_close(&env->ch, refuse.reason);
		log_info("refused %s: %s", env->peer_name,
		    ctl_bye_reason_name(refuse.reason));
		exit(0);
	}
	if (m.hdr.type != IMSG_PEER_CONFIG ||
	    imsg_get(&m, &pc, sizeof(pc)) == -1)
		fatalx("bad %s from GUARD", imsg_type_name(m.hdr.type));
	env->cipher = pc.cipher;
	config_to_wire(&pc, env->local_session, &cm);
	cm.u.config.keepalive = (uint16_t)env->keepalive_seconds;
	send_or_die(env, &cm);
}

/* ---- client side ------------------------------------------------------- */

static void
config_from_wire(const struct ctl_config *c, struct imsg_client_config *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->addr4 = c->addr4;
	cc->addr6 = c->addr6;
	cc->mtu = c->mtu;
	cc->nroutes = c->nroutes;
	cc->ndns = c->ndns;
	memcpy(cc->routes, c->routes, sizeof(cc->routes));
	memcpy(cc->dns, c->dns, sizeof(cc->dns));
}

/* The server's UDP endpoint: its control address with the pushed port. */
static void
endpoint_send(struct tcpctl_env *env, uint16_t port)
{
	struct imsg_endpoint ep;
	socklen_t len = sizeof(ep.addr);

	memset(&ep, 0, sizeof(ep));
	if (getpeername(env->ch.fd, (struct sockaddr *)&ep.addr, &len) == -1)
		fatal("getpeername");
	if (ep.addr.ss_family == AF_INET)
		((struct sockaddr_in *)&ep.addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ep.addr)->sin6_port = htons(port);
	ep.addrlen = len;
	if (imsg_send(env->data_sock, IMSG_ENDPOINT, env->peerid, &ep,
	    sizeof(ep), -1) == -1)
		fatal("send ENDPOINT");
}

static void
client_setup(struct tcpctl_env *env)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CTL_HELLO;
	m.u.hello.session = env->local_session;
	send_or_die(env, &m);
	expect(env, &m, CTL_CONFIG);
	env->remote_session = m.u.config.session;
	env->cipher = m.u.config.cipher;
	config_from_wire(&m.u.config, &env->pushed);
	env->pushed_held = 1;
	endpoint_send(env, m.u.config.udp_port);
	rekey_start(env);
}

/* ---- the loop ---------------------------------------------------------- */

static void
answer_ping(struct tcpctl_env *env, uint64_t nonce)
{
	struct ctl_msg pong;

	memset(&pong, 0, sizeof(pong));
	pong.type = CTL_PONG;
	pong.u.ping.nonce = nonce;
	send_or_die(env, &pong);
}

/* 1 to go on, 0 when the session is over. */
static int
channel_dispatch(struct tcpctl_env *env)
{
	struct ctl_msg m;
	int r;

	while ((r = channel_recv(&env->ch, &m, 0)) == 1) {
		env->last_rx = now_seconds();
		switch (m.type) {
		case CTL_PING:
			answer_ping(env, m.u.ping.nonce);
			break;
		case CTL_PONG:
			break;
		case CTL_REKEY:
			rekey_answer(env, &m.u.rekey);
			break;
		case CTL_REKEY_ACK:
			rekey_finish(env, &m.u.rekey);
			break;
		case CTL_BYE:
			log_info("%s said goodbye: %s", env->peer_name,
			    ctl_bye_reason_name(m.u.bye.reason));
			if (m.u.bye.reason == BYE_REPLACED)
				env->exit_status = TCPCTL_EXIT_REFUSED;
			channel_close(&env->ch, 0);
			return 0;
		default:
			log_warnx("%s sent unexpected %s", env->peer_name,
			    ctl_type_name(m.type));
			channel_close(&env->ch, BYE_PROTOCOL);
			return 0;
		}
	}
	if (r == 0) {
		log_info("%s closed the connection", env->peer_name);
		channel_close(&env->ch, 0);
		return 0;
	}
	if (r == -1) {
		log_warnx("%s: %s", env->peer_name, env->ch.err);
		channel_close(&env->ch, BYE_PROTOCOL);
		return 0;
	}
	return 1;
}

/* 1 to go on, 0 when udpdata is gone. */
static int
data_dispatch(struct tcpctl_env *env)
{
	struct imsg m;
	struct imsg_rekey_wanted w;
	int r;

	if ((r = imsg_recv(env->data_sock, &m)) == 0) {
		log_warnx("udpdata for %s went away", env->peer_name);
		channel_close(&env->ch, BYE_INTERNAL);
		return 0;
	}
	if (r == -1 || m.fd != -1 || m.hdr.type != IMSG_REKEY_WANTED ||
	    imsg_get(&m, &w, sizeof(w)) == -1)
		fatalx("malformed message from udpdata");
	if (w.epoch == env->epoch)
		rekey_start(env);
	return 1;
}

/*
 * Timers: propose new keys when the epoch is old (the server waits a
 * little longer than the client, so that normally one side starts),
 * end a session whose proposal got no answer, ping an idle channel, give up
 * on a peer that has said nothing for too long. Returns the poll timeout
 * in ms, or -1 when the peer is gone.
 */
static int
timers(struct tcpctl_env *env)
{
	uint64_t now = now_seconds(), due;
	struct ctl_msg ping;

	if (now - env->last_rx >= env->dead_peer_seconds) {
		log_warnx("%s: no word for %llu s; it is gone", env->peer_name,
		    (unsigned long long)(now - env->last_rx));
		channel_close(&env->ch, 0);
		return -1;
	}
	/*
	 * The channel is reliable: a proposal unanswered this long means
	 * the peer is stuck. End the session rather than guess which keys
	 * it holds; the client connects again with fresh ones.
	 */
	if (env->pending_epoch != 0 &&
	    now - env->pending_since >= REKEY_TIMEOUT_SECONDS) {
		log_warnx("%s: no answer to epoch %u in %d s; ending the "
		    "session", env->peer_name, env->pending_epoch,
		    REKEY_TIMEOUT_SECONDS);
		rekey_abandon(env);
		channel_close(&env->ch, BYE_PROTOCOL);
		return -1;
	}
	due = env->epoch_since + env->rekey_seconds +
	    (env->role == ROLE_SERVER ? 1 + env->rekey_seconds / 8 : 0);
	if (env->epoch != 0 && env->pending_epoch == 0 && now >= due)
		rekey_start(env);
	if (now - env->last_tx >= env->keepalive_seconds) {
		memset(&ping, 0, sizeof(ping));
		ping.type = CTL_PING;
		ping.u.ping.nonce = now;
		send_or_die(env, &ping);
	}
	return 1000;
}

/* 1 to go on, 0 when GUARD ends the session. */
static int
guard_dispatch(struct tcpctl_env *env)
{
	struct imsg m;
	struct imsg_peer_refuse refuse;
	int r;

	if ((r = imsg_recv(env->guard_sock, &m)) == 0) {
		channel_close(&env->ch, BYE_SHUTDOWN);
		return 0;
	}
	if (r == -1 || m.fd != -1)
		fatalx("malformed message from GUARD");
	switch (m.hdr.type) {
	case IMSG_PEER_REFUSE:
		if (imsg_get(&m, &refuse, sizeof(refuse)) == -1 ||
		    refuse.reason == 0 || refuse.reason > BYE_MAX)
			fatalx("bad PEER_REFUSE from GUARD");
		log_info("disconnecting %s: %s", env->peer_name,
		    ctl_bye_reason_name(refuse.reason));
		channel_close(&env->ch, refuse.reason);
		return 0;
	case IMSG_CLIENT_UP:
		if (env->role != ROLE_CLIENT || imsg_datalen(&m) != 0)
			fatalx("bad CLIENT_UP from GUARD");
		return 1;
	case IMSG_PEER_REKEY:
		if (imsg_datalen(&m) != 0)
			fatalx("bad PEER_REKEY from GUARD");
		if (env->epoch != 0) {
			log_info("%s: new keys asked for by hand",
			    env->peer_name);
			rekey_start(env);
		}
		return 1;
	default:
		fatalx("unexpected %s from GUARD", imsg_type_name(m.hdr.type));
	}
}

/*
 * A test build's stand-in for a taken-over tcpctl (testhook.h): claim an
 * identity again, which GUARD's permission table allows once.
 */
static void
test_hooks_run(struct tcpctl_env *env)
{
	struct imsg_peer_hello hello;

	if (!testhook_fired())
		return;
	log_info("test hook: sending PEER_HELLO again");
	memset(&hello, 0, sizeof(hello));
	snprintf(hello.identity, sizeof(hello.identity), "someone-else");
	hello.session = 1;
	(void)imsg_send(env->guard_sock, IMSG_PEER_HELLO, env->peerid, &hello,
	    sizeof(hello), -1);
}

static void
tcpctl_loop(struct tcpctl_env *env)
{
	struct pollfd pfd[3];
	int timeout;

	while ((timeout = timers(env)) != -1) {
		pfd[0] = (struct pollfd){ .fd = env->ch.fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = env->guard_sock,
		    .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = env->data_sock,
		    .events = POLLIN };
		/* TLS may hold a decrypted record that poll cannot see. */
		if (SSL_pending(env->ch.ssl) > 0) {
			if (!channel_dispatch(env))
				return;
			continue;
		}
		if (poll(pfd, 3, timeout) == -1) {
			if (errno == EINTR) {
				test_hooks_run(env);
				continue;
			}
			fatal("poll");
		}
		if (pfd[0].revents && !channel_dispatch(env))
			return;
		if (pfd[1].revents && !guard_dispatch(env))
			return;
		if (pfd[2].revents && !data_dispatch(env))
			return;
	}
}

int
tcpctl_main(uint32_t peerid, const struct imsg_tcpctl_init *init)
{
	struct tcpctl_env env;
	struct sandbox sb;
	SSL_CTX *ctx;
	char err[512];
	int r;

	memset(&env, 0, sizeof(env));
	env.peerid = peerid;
	env.role = init->role;
	env.guard_sock = CHILD_FD_GUARD;
	env.data_sock = CHILD_FD_SIBLING;
	env.rekey_seconds = init->rekey_seconds;
	env.keepalive_seconds = init->keepalive_seconds;
	env.dead_peer_seconds = init->dead_peer_seconds;
	env.handshake_seconds = init->handshake_seconds;
	if (env.rekey_seconds == 0 || env.keepalive_seconds == 0 ||
	    env.dead_peer_seconds == 0 || env.handshake_seconds == 0)
		fatalx("bad timers in TCPCTL_INIT");
	env.setup_deadline = monotonic_ms() + 1000L * env.handshake_seconds;
	peer_address(CHILD_FD_EXTRA, env.peer_name, sizeof(env.peer_name));

	/* Set up: read the certificates and key while paths still work. */
	ctx = tls_ctx_new(init->role, init->ca, init->cert, init->key,
	    init->crl, err, sizeof(err));
	if (ctx == NULL)
		fatalx("%s", err);
	if (channel_init(&env.ch, ctx, CHILD_FD_EXTRA, init->role,
	    init->server_name) == -1)
		fatalx("TLS setup: %s", env.ch.err);
	env.local_session = random_session();

	/* Drop privileges. */
	memset(&sb, 0, sizeof(sb));
	sb.role = SANDBOX_TCPCTL;
	sb.chroot_dir = init->chroot_dir;
	sb.uid = init->uid;
	sb.no_privdrop = init->no_privdrop != 0;
	sb.max_files = TCPCTL_MAX_FILES;
	sb.deathsig = SIGKILL;
	if (testhook_install() == -1 || sandbox_enter(&sb) == -1)
		exit(1);

	if ((r = channel_handshake(&env.ch, init->role,
	    setup_left_ms(&env))) == -2) {
		/* Nothing to say to a peer this slow: close at once. */
		log_warnx("%s: TLS handshake not done within %u s "
		    "(handshake-seconds); closing", env.peer_name,
		    env.handshake_seconds);
		channel_drop(&env.ch);
		SSL_CTX_free(ctx);
		return TCPCTL_EXIT_ERROR;
	}
	if (r == -1) {
		log_warnx("%s: %s", env.peer_name, env.ch.err);
		r = channel_refused(&env.ch) ? TCPCTL_EXIT_REFUSED :
		    TCPCTL_EXIT_ERROR;
		channel_close(&env.ch, 0);
		SSL_CTX_free(ctx);
		return r;
	}
	env.last_rx = env.last_tx = now_seconds();
	if (init->role == ROLE_SERVER)
		server_setup(&env);
	else
		client_setup(&env);

	tcpctl_loop(&env);
	SSL_CTX_free(ctx);
	return env.exit_status;
}

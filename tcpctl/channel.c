/*
 * Guard control channel. See channel.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "channel.h"
#include "conf.h"
#include "tls.h"
#include "util.h"

enum {
	CHANNEL_LINGER_MS = 1000,
	CHANNEL_SUBJECT_MAX = 128,	/* a failed certificate's subject */
};

/* Remember an alert the peer sent: it says why it closed on us. */
static void
note_alert(const SSL *ssl, int where, int ret)
{
	struct channel *ch = SSL_get_app_data(ssl);

	if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ) && ch != NULL &&
	    (ret & 0xff) != SSL_AD_CLOSE_NOTIFY)
		snprintf(ch->peer_alert, sizeof(ch->peer_alert), "%s",
		    SSL_alert_desc_string_long(ret));
}

/*
 * The verify result says why the peer's certificate failed, not which
 * certificate it was: keep the subject of the first one that failed, for
 * the log line (a server's operator learns whose certificate expired).
 */
static int failed_subject_idx = -1;

static void
free_failed_subject(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	OPENSSL_free(ptr);
}

static int
note_failed_cert(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 *x = X509_STORE_CTX_get_current_cert(xs);
	char *subject;

	if (ok || ssl == NULL || x == NULL ||
	    SSL_get_ex_data(ssl, failed_subject_idx) != NULL)
		return ok;
	if ((subject = OPENSSL_malloc(CHANNEL_SUBJECT_MAX)) == NULL)
		return ok;
	X509_NAME_oneline(X509_get_subject_name(x), subject,
	    CHANNEL_SUBJECT_MAX);
	if (SSL_set_ex_data(ssl, failed_subject_idx, subject) != 1)
		OPENSSL_free(subject);
	return ok;
}

int
channel_init(struct channel *ch, SSL_CTX *ctx, int fd, int role,
    const char *server_name)
{
	struct in6_addr ip;
	int flags, one = 1;

	memset(ch, 0, sizeof(*ch));
	ch->fd = fd;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		snprintf(ch->err, sizeof(ch->err), "fcntl: %s",
		    strerror(errno));
		return -1;
	}
	/* Small messages that wait for an answer: no Nagle delay. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((ch->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ch->ssl, fd) != 1) {
		tls_errors(ch->err, sizeof(ch->err));
		return -1;
	}
	SSL_set_app_data(ch->ssl, ch);
	SSL_set_info_callback(ch->ssl, note_alert);
	if (failed_subject_idx == -1 && (failed_subject_idx =
	    SSL_get_ex_new_index(0, NULL, NULL, NULL, free_failed_subject)) ==
	    -1) {
		tls_errors(ch->err, sizeof(ch->err));
		return -1;
	}
	SSL_set_verify(ch->ssl, SSL_get_verify_mode(ch->ssl), note_failed_cert);
	if (role != ROLE_CLIENT)
		return 0;
	/* The client checks the server's name (or address) in its cert. */
	if (inet_pton(AF_INET, server_name, &ip) == 1 ||
	    inet_pton(AF_INET6, server_name, &ip) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ch->ssl),
		    server_name) != 1)
			goto fail;
	} else if (SSL_set_tlsext_host_name(ch->ssl, server_name) != 1 ||
	    SSL_set1_host(ch->ssl, server_name) != 1)
		goto fail;
	return 0;
fail:
	tls_errors(ch->err, sizeof(ch->err));
	return -1;
}

/* Wait until the socket is ready as TLS wants; -1 after the deadline. */
static int
wait_io(struct channel *ch, int sslerr, long deadline)
{
	struct pollfd pfd;
	long left = deadline - monotonic_ms();
	int r;

	if (left <= 0)
		return -1;
	pfd.fd = ch->fd;
	pfd.events = sslerr == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	do {
		r = poll(&pfd, 1, (int)left);
	} while (r == -1 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* Describe why a TLS call failed, with the certificate check if any. */
static void
describe_failure(struct channel *ch, const char *what, int sslerr)
{
	char detail[192];
	long vr = SSL_get_verify_result(ch->ssl);
	const char *subject = SSL_get_ex_data(ch->ssl, failed_subject_idx);

	if (ch->peer_alert[0] != '\0')
		snprintf(ch->err, sizeof(ch->err), "%s: refused by peer: %s",
		    what, ch->peer_alert);
	else if (sslerr == SSL_ERROR_ZERO_RETURN ||
	    (sslerr == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
		snprintf(ch->err, sizeof(ch->err), "%s: connection closed "
		    "by peer", what);
	else if (vr != X509_V_OK)
		snprintf(ch->err, sizeof(ch->err), "%s: certificate "
		    "verify failed: %s%s%s%s", what,
		    X509_verify_cert_error_string(vr),
		    subject != NULL ? " (subject " : "",
		    subject != NULL ? subject : "",
		    subject != NULL ? ")" : "");
	else
		snprintf(ch->err, sizeof(ch->err), "%s: %s", what,
		    tls_errors(detail, sizeof(detail)));
	ERR_clear_error();
}

int
channel_handshake(struct channel *ch, int role, int timeout_ms)
{
	long deadline = monotonic_ms() + timeout_ms;
	int r, e;

	for (;;) {
		ERR_clear_error();
		r = role == ROLE_SERVER ? SSL_accept(ch->ssl) :
		    SSL_connect(ch->ssl);
		if (r == 1)
			return 0;
		e = SSL_get_error(ch->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			describe_failure(ch, "TLS handshake failed", e);
			return -1;
		}
		if (wait_io(ch, e, deadline) == -1) {
			snprintf(ch->err, sizeof(ch->err), "TLS handshake "
			    "not done within %d ms", timeout_ms);
			return -2;
		}
	}
}

int
channel_send(struct channel *ch, const struct ctl_msg *m, int timeout_ms)
{
	uint8_t buf[CTL_HDR_LEN + CTL_MAX_BODY];
	long deadline = monotonic_ms() + timeout_ms;
	int len, r, e;

	if ((len = ctl_encode(m, buf, sizeof(buf))) == -1) {
		snprintf(ch->err, sizeof(ch->err), "cannot encode %s",
		    ctl_type_name(m->type));
		return -1;
	}
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_write(ch->ssl, buf, len)) == len)
			break;
		e = SSL_get_error(ch->ssl, r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_io(ch, e, deadline) == -1) {
			describe_failure(ch, "send", e);
			OPENSSL_cleanse(buf, sizeof(buf));
			return -1;
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* A complete message in rbuf? 1 and decoded, 0 not yet, -1 malformed. */
static int
take_message(struct channel *ch, struct ctl_msg *m)
{
	int need;

	if (ch->rlen < CTL_HDR_LEN)
		return 0;
	if ((need = ctl_frame_len(ch->rbuf, ch->rlen)) == -1) {
		/* Decoding the header alone says what is wrong with it. */
		(void)ctl_decode(ch->rbuf, CTL_HDR_LEN, m, ch->err,
		    sizeof(ch->err));
		return -1;
	}
	if (need == 0 || ch->rlen < (size_t)need)
		return 0;
	if (ctl_decode(ch->rbuf, (size_t)need, m, ch->err,
	    sizeof(ch->err)) == -1)
		return -1;
	memmove(ch->rbuf, ch->rbuf + need, ch->rlen - (size_t)need);
	ch->rlen -= (size_t)need;
	return 1;
}

/*
 * The peer closed the connection: 0 between messages, -1 when part of
 * one had arrived (a message cut short is an error, not a goodbye).
 */
static int
closed_within(struct channel *ch)
{
	int need;

	if (ch->rlen == 0)
		return 0;
	if (ch->rlen < CTL_HDR_LEN)
		snprintf(ch->err, sizeof(ch->err), "connection closed within "
		    "a message header (%zu of %d bytes)", ch->rlen,
		    CTL_HDR_LEN);
	else if ((need = ctl_frame_len(ch->rbuf, ch->rlen)) > 0)
		snprintf(ch->err, sizeof(ch->err), "connection closed within "
		    "a %s message (%zu of %d bytes)",
		    ctl_type_name(ch->rbuf[1]), ch->rlen, need);
	else
		snprintf(ch->err, sizeof(ch->err), "connection closed within "
		    "a message (%zu bytes)", ch->rlen);
	return -1;
}

int
channel_recv(struct channel *ch, struct ctl_msg *m, int timeout_ms)
{
	long deadline = monotonic_ms() + timeout_ms;
	int r, e;

	for (;;) {
		if ((r = take_message(ch, m)) != 0)
			return r;
		ERR_clear_error();
		r = SSL_read(ch->ssl, ch->rbuf + ch->rlen,
		    (int)(sizeof(ch->rbuf) - ch->rlen));
		if (r > 0) {
			ch->rlen += (size_t)r;
			continue;
		}
		e = SSL_get_error(ch->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN ||
		    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
			ERR_clear_error();
			return closed_within(ch);
		}
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			describe_failure(ch, "receive", e);
			return -1;
		}
		if (timeout_ms == 0 || wait_io(ch, e, deadline) == -1)
			return -2;
	}
}

/*
 * Close the way TCP wants it after an alert or a BYE: our side first,
 * then read what the peer still sends until it closes too (briefly).
 * Closing with unread data would send a reset, and a reset can destroy
 * the alert that tells the peer why it was refused.
 */
static void
linger_close(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long deadline = monotonic_ms() + CHANNEL_LINGER_MS;
	char discard[512];

	if (shutdown(fd, SHUT_WR) == 0)
		while (deadline - monotonic_ms() > 0 &&
		    poll(&pfd, 1, (int)(deadline - monotonic_ms())) > 0 &&
		    read(fd, discard, sizeof(discard)) > 0)
			;
	close(fd);
}

int
channel_refused(const struct channel *ch)
{
	return ch->peer_alert[0] != '\0' || (ch->ssl != NULL &&
	    SSL_get_verify_result(ch->ssl) != X509_V_OK);
}

void
channel_close(struct channel *ch, int bye_reason)
{
	struct ctl_msg bye;

	if (ch->ssl != NULL) {
		if (bye_reason > 0) {
			memset(&bye, 0, sizeof(bye));
			bye.type = CTL_BYE;
			bye.u.bye.reason = (uint16_t)bye_reason;
			(void)channel_send(ch, &bye, 1000);
		}
		(void)SSL_shutdown(ch->ssl);
		SSL_free(ch->ssl);
		ch->ssl = NULL;
	}
	if (ch->fd != -1)
		linger_close(ch->fd);
	ch->fd = -1;
	OPENSSL_cleanse(ch->rbuf, sizeof(ch->rbuf));
}

void
channel_drop(struct channel *ch)
{
	SSL_free(ch->ssl);
	ch->ssl = NULL;
	if (ch->fd != -1)
		close(ch->fd);
	ch->fd = -1;
	OPENSSL_cleanse(ch->rbuf, sizeof(ch->rbuf));
}

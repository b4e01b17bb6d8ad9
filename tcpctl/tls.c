/*
 * Guard TLS. See tls.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "tls.h"

const char *
tls_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t used = 0;
	char one[256];

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, one, sizeof(one));
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? "; " : "", one);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "no detail from the TLS library");
	return buf;
}

static int
load_crl(SSL_CTX *ctx, const char *crl, char *err, size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP *lu;
	char detail[512];

	if ((lu = X509_STORE_add_lookup(store, X509_LOOKUP_file())) == NULL ||
	    X509_load_crl_file(lu, crl, X509_FILETYPE_PEM) <= 0) {
		snprintf(err, errlen, "cannot load CRL %s: %s", crl,
		    tls_errors(detail, sizeof(detail)));
		return -1;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
	    X509_V_FLAG_CRL_CHECK_ALL);
	return 0;
}

SSL_CTX *
tls_ctx_new(int role, const char *ca, const char *cert, const char *key,
    const char *crl, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char detail[512];
	const char *what;

	ctx = SSL_CTX_new(role == ROLE_SERVER ? TLS_server_method() :
	    TLS_client_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "SSL_CTX_new: %s",
		    tls_errors(detail, sizeof(detail)));
		return NULL;
	}
	/* TLS 1.3 only; no session tickets or resumption to manage. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	/* A peer that vanishes without close_notify has simply closed. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* The peer's certificate must be made for the peer's role. */
	SSL_CTX_set_purpose(ctx, role == ROLE_SERVER ?
	    X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);

	what = ca;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		goto fail;
	what = cert;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		goto fail;
	what = key;
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
		goto fail;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "key %s does not match certificate %s",
		    key, cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (crl[0] != '\0' && load_crl(ctx, crl, err, errlen) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
fail:
	snprintf(err, errlen, "cannot load %s: %s", what,
	    tls_errors(detail, sizeof(detail)));
	SSL_CTX_free(ctx);
	return NULL;
}

static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

/*
 * A private key must be its owner's alone, as ssh insists for its keys:
 * anyone else who can read it can impersonate this end, anyone who can
 * write it can swap it. The owner must be root or whoever runs Guard.
 */
static int
key_private(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "key %s: mode %04o lets group or others "
		    "at the private key; make it its owner's alone: chmod 600 "
		    "%s", path, (unsigned int)(st->st_mode & 07777), path);
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "key %s: owned by uid %u, neither root "
		    "nor the user running Guard (uid %u): chown it", path,
		    (unsigned int)st->st_uid, (unsigned int)geteuid());
		return -1;
	}
	return 0;
}

/*
 * Open a file the TLS library will read, so that a mistake is named
 * plainly ("ca /etc/guard/ca.crt: cannot open: Permission denied") rather
 * than through a stack of library errors. what is the config key; a
 * private key must also be its owner's alone.
 */
static int
file_check(const char *what, const char *path, int private_key, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO in the path must not hang start-up. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%s %s: cannot open: %s", what, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s %s: cannot stat: %s", what, path,
		    strerror(errno));
		rc = -1;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s, not a PEM file", what, path,
		    file_kind(st.st_mode));
		rc = -1;
	} else if (private_key)
		rc = key_private(path, &st, err, errlen);
	close(fd);
	return rc;
}

int
tls_files_check(int role, const char *ca, const char *cert, const char *key,
    const char *crl, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (file_check("ca", ca, 0, err, errlen) == -1 ||
	    file_check("cert", cert, 0, err, errlen) == -1 ||
	    file_check("key", key, 1, err, errlen) == -1 ||
	    (crl[0] != '\0' && file_check("crl", crl, 0, err, errlen) == -1))
		return -1;
	if ((ctx = tls_ctx_new(role, ca, cert, key, crl, err, errlen)) == NULL)
		return -1;
	SSL_CTX_free(ctx);
	return 0;
}

int
tls_identity_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= IDENTITY_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

static int
spki_sha256(X509 *x, uint8_t out[32])
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_PUBKEY(X509_get0_pubkey(x), &der)) <= 0)
		return -1;
	SHA256(der, (size_t)len, out);
	OPENSSL_free(der);
	return 0;
}

int
tls_peer_identity(SSL *ssl, char identity[IDENTITY_MAX],
    uint8_t spki_hash[32], char *err, size_t errlen)
{
	X509 *peer;
	char cn[256];
	int len;

	if ((peer = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(err, errlen, "peer sent no certificate");
		return -1;
	}
	len = X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
	    NID_commonName, cn, sizeof(cn));
	if (len <= 0 || (size_t)len != strlen(cn) || !tls_identity_valid(cn)) {
		snprintf(err, errlen, "certificate has no usable common name "
		    "(1 to %d characters of A-Z a-z 0-9 . _ - @)",
		    IDENTITY_MAX - 1);
		return -1;
	}
	if (spki_sha256(peer, spki_hash) == -1) {
		snprintf(err, errlen, "cannot hash the peer's public key");
		return -1;
	}
	memcpy(identity, cn, (size_t)len + 1);
	return 0;
}

/*
 * Guard TLS: contexts for TLS 1.3 with mutual certificate authentication,
 * and the identity of an authenticated peer.
 */
#ifndef GUARD_TLS_H
#define GUARD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "imsg.h"

/*
 * A context for role (ROLE_SERVER or ROLE_CLIENT): TLS 1.3 only, our
 * certificate and key, peers verified against ca (and crl, when not
 * empty), the peer's certificate required and its extended key usage
 * checked (a server accepts only client certificates and the other way
 * round). NULL with the reason in err.
 */
SSL_CTX *tls_ctx_new(int role, const char *ca, const char *cert,
    const char *key, const char *crl, char *err, size_t errlen);

/*
 * Load the files as tls_ctx_new would, and let them go again: start-up
 * checks them this way so that a mistake shows before anything changes.
 * First each must open as a regular file (the error names the key, the
 * path and the errno text), and the private key must be its owner's
 * alone: no permission bits for group or others, owned by root or the
 * effective uid. 0 or -1 with the reason in err.
 */
int tls_files_check(int role, const char *ca, const char *cert,
    const char *key, const char *crl, char *err, size_t errlen);

/*
 * The peer's identity: its certificate's common name, which must be 1 to
 * IDENTITY_MAX - 1 characters from [A-Za-z0-9._@-], and the SHA-256 of
 * its public key (DER SubjectPublicKeyInfo). 0 or -1 with err.
 */
int tls_peer_identity(SSL *ssl, char identity[IDENTITY_MAX],
    uint8_t spki_hash[32], char *err, size_t errlen);

/* Check a name taken from a certificate. 1 when acceptable. */
int tls_identity_valid(const char *name);

/* The OpenSSL error queue as one line (and cleared). */
const char *tls_errors(char *buf, size_t len);

#endif

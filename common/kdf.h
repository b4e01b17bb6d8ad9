/*
 * Guard key schedule: X25519 per epoch, HKDF-SHA256 salted with a TLS
 * exporter value, one key and IV per direction.
 *
 *   shared   = X25519(our private, their public)
 *   exporter = TLS-Exporter(GUARD_EXPORTER_LABEL, BE32(epoch), 32)
 *   okm      = HKDF-SHA256(salt = exporter, ikm = shared,
 *                          info = GUARD_KDF_INFO || BE32(epoch), L = 88)
 *   c2s_key = okm[0..32)  c2s_iv = okm[32..44)
 *   s2c_key = okm[44..76) s2c_iv = okm[76..88)
 */
#ifndef GUARD_KDF_H
#define GUARD_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct x25519_keypair {
	uint8_t priv[X25519_LEN];
	uint8_t pub[X25519_LEN];
};

struct epoch_keys {
	uint8_t c2s_key[AEAD_KEY_LEN];
	uint8_t c2s_iv[AEAD_IV_LEN];
	uint8_t s2c_key[AEAD_KEY_LEN];
	uint8_t s2c_iv[AEAD_IV_LEN];
};

/* A fresh key pair from the system's CSPRNG. 0 or -1. */
int x25519_keygen(struct x25519_keypair *kp);

/* The public key for a given private key. 0 or -1. */
int x25519_public(const uint8_t priv[X25519_LEN], uint8_t pub[X25519_LEN]);

/*
 * The shared secret. -1 on failure, including an all-zero result (a
 * low-order public key from the other side).
 */
int x25519_shared(const uint8_t priv[X25519_LEN],
    const uint8_t peer_pub[X25519_LEN], uint8_t out[X25519_LEN]);

/* RFC 5869 HKDF with SHA-256. 0 or -1. */
int hkdf_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t outlen);

/* The epoch keys as described above. 0 or -1; out is wiped on failure. */
int epoch_derive(const uint8_t shared[X25519_LEN], const uint8_t exporter[32],
    uint32_t epoch, struct epoch_keys *out);

/* Wipe memory in a way the compiler keeps. */
void wipe(void *p, size_t len);

#endif

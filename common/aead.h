/*
 * Guard AEAD: seal and open data-channel packets with one pre-keyed
 * cipher context per direction (AES-256-GCM or ChaCha20-Poly1305).
 */
#ifndef GUARD_AEAD_H
#define GUARD_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct aead;

/*
 * A context for one direction: encrypt 1 seals, 0 opens. The key and IV
 * are copied in; the caller wipes its own copies. NULL on failure (unknown
 * cipher, library error).
 */
struct aead *aead_new(int cipher, const uint8_t key[AEAD_KEY_LEN],
    const uint8_t iv[AEAD_IV_LEN], int encrypt);

/* Wipe the key material and free. NULL is fine. */
void aead_free(struct aead *a);

/*
 * Load OpenSSL's configuration and providers and set up both ciphers once,
 * while files can still be opened: a sandboxed process may not. 0 or -1.
 */
int aead_preload(void);

/*
 * Seal len bytes of pt into out (len + AEAD_TAG_LEN bytes: ciphertext then
 * tag) under nonce = IV ^ counter, authenticating aad. pt and out may be
 * the same buffer. Returns 0 or -1.
 */
int aead_seal(struct aead *a, uint64_t counter, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t len, uint8_t *out);

/*
 * Open len bytes of ct (ciphertext then tag, len >= AEAD_TAG_LEN) into out
 * (len - AEAD_TAG_LEN bytes). Returns 0, or -1 when the tag does not verify
 * (out then holds nothing the caller may use).
 */
int aead_open(struct aead *a, uint64_t counter, const uint8_t *aad,
    size_t aadlen, const uint8_t *ct, size_t len, uint8_t *out);

/* "aes-256-gcm" / "chacha20-poly1305" <-> enum cipher_id; -1 if unknown. */
int cipher_from_name(const char *name);
const char *cipher_name(int cipher);

/* Fill the 12-byte nonce: iv with counter (BE64) xored into bytes 4..11. */
void aead_nonce(const uint8_t iv[AEAD_IV_LEN], uint64_t counter,
    uint8_t nonce[AEAD_IV_LEN]);

#endif

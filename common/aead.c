/*
 * Guard AEAD: one OpenSSL cipher context per direction, keyed once.
 *
 * Sealing and opening a packet only sets a fresh nonce on the already
 * keyed context, so the per-packet path does no allocation and no key
 * schedule.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "aead.h"

struct aead {
	EVP_CIPHER_CTX *ctx;
	int encrypt;
	uint8_t iv[AEAD_IV_LEN];
};

static const struct {
	int id;
	const char *name;
} cipher_names[] = {
	{ CIPHER_AES256GCM, "aes-256-gcm" },
	{ CIPHER_CHACHA20POLY1305, "chacha20-poly1305" },
};

static const EVP_CIPHER *cipher_evp(int cipher)
{
	switch (cipher) {
	case CIPHER_AES256GCM:
		return EVP_aes_256_gcm();
	case CIPHER_CHACHA20POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

int cipher_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(cipher_names) / sizeof(cipher_names[0]);
	    i++)
		if (strcmp(name, cipher_names[i].name) == 0)
			return cipher_names[i].id;
	return -1;
}

const char *cipher_name(int cipher)
{
	for (size_t i = 0; i < sizeof(cipher_names) / sizeof(cipher_names[0]);
	    i++)
		if (cipher_names[i].id == cipher)
			return cipher_names[i].name;
	return NULL;
}

void aead_nonce(const uint8_t iv[AEAD_IV_LEN], uint64_t counter,
    uint8_t nonce[AEAD_IV_LEN])
{
	memcpy(nonce, iv, AEAD_IV_LEN);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(counter >> (56 - 8 * i));
}

struct aead *aead_new(int cipher, const uint8_t key[AEAD_KEY_LEN],
    const uint8_t iv[AEAD_IV_LEN], int encrypt)
{
	const EVP_CIPHER *evp = cipher_evp(cipher);
	struct aead *a;

	if (evp == NULL)
		return NULL;
	/* Both ciphers take a 32-byte key and a 12-byte nonce by default. */
	if (EVP_CIPHER_get_key_length(evp) != AEAD_KEY_LEN ||
	    EVP_CIPHER_get_iv_length(evp) != AEAD_IV_LEN)
		return NULL;
	a = OPENSSL_zalloc(sizeof(*a));
	if (a == NULL)
		return NULL;
	a->encrypt = encrypt ? 1 : 0;
	memcpy(a->iv, iv, AEAD_IV_LEN);
	a->ctx = EVP_CIPHER_CTX_new();
	if (a->ctx == NULL ||
	    EVP_CipherInit_ex(a->ctx, evp, NULL, key, NULL, a->encrypt) != 1) {
		aead_free(a);
		return NULL;
	}
	return a;
}

int aead_preload(void)
{
	static const uint8_t zero[AEAD_KEY_LEN];
	static const int ciphers[] = { CIPHER_AES256GCM,
	    CIPHER_CHACHA20POLY1305 };
	struct aead *a;
	size_t i;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		if ((a = aead_new(ciphers[i], zero, zero, 1)) == NULL)
			return -1;
		aead_free(a);
	}
	return 0;
}

void aead_free(struct aead *a)
{
	if (a == NULL)
		return;
	/* Freeing the context also cleanses the expanded key it holds. */
	EVP_CIPHER_CTX_free(a->ctx);
	OPENSSL_clear_free(a, sizeof(*a));
}

/*
 * Start one packet: set its nonce on the keyed context (which also resets
 * the AAD and tag state) and feed the associated data.
 */
static int aead_begin(struct aead *a, uint64_t counter, const uint8_t *aad,
    size_t aadlen)
{
	uint8_t nonce[AEAD_IV_LEN];
	int outl;

	if (aadlen > INT_MAX)
		return -1;
	aead_nonce(a->iv, counter, nonce);
	if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce,
	    a->encrypt) != 1)
		return -1;
	/* An empty AAD needs no update; aad may then be NULL. */
	if (aadlen > 0 &&
	    EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aadlen) != 1)
		return -1;
	return 0;
}

/* Run len bytes through the cipher; both stream modes emit len bytes. */
static int aead_body(struct aead *a, const uint8_t *in, size_t len,
    uint8_t *out)
{
	int outl;

	/* Keepalives have no body; in and out may then be NULL. */
	if (len == 0)
		return 0;
	if (EVP_CipherUpdate(a->ctx, out, &outl, in, (int)len) != 1 ||
	    (size_t)outl != len)
		return -1;
	return 0;
}

/*
 * Close the packet. Both ciphers are stream modes whose final call writes
 * nothing; it gets a scratch buffer so out may be NULL for an empty body.
 */
static int aead_finish(struct aead *a)
{
	uint8_t scratch[EVP_MAX_BLOCK_LENGTH];
	int outl = 0;

	if (EVP_CipherFinal_ex(a->ctx, scratch, &outl) != 1 || outl != 0)
		return -1;
	return 0;
}

/*
 * Take the tag of the packet just sealed, or give the one a packet to open
 * must have. Through the provider's parameters directly: the older ctrl
 * call is translated into the same parameters on every packet, which
 * costs about as much as a packet's AAD and finish together.
 */
static int aead_tag(struct aead *a, uint8_t tag[AEAD_TAG_LEN])
{
	OSSL_PARAM p[2] = {
		OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
		    tag, AEAD_TAG_LEN),
		OSSL_PARAM_construct_end(),
	};

	if (a->encrypt)
		return EVP_CIPHER_CTX_get_params(a->ctx, p) == 1 ? 0 : -1;
	return EVP_CIPHER_CTX_set_params(a->ctx, p) == 1 ? 0 : -1;
}

int aead_seal(struct aead *a, uint64_t counter, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t len, uint8_t *out)
{
	if (a == NULL || !a->encrypt || len > INT_MAX - AEAD_TAG_LEN)
		return -1;
	if (aead_begin(a, counter, aad, aadlen) == -1 ||
	    aead_body(a, pt, len, out) == -1 ||
	    aead_finish(a) == -1 || aead_tag(a, out + len) == -1)
		return -1;
	return 0;
}

int aead_open(struct aead *a, uint64_t counter, const uint8_t *aad,
    size_t aadlen, const uint8_t *ct, size_t len, uint8_t *out)
{
	size_t ptlen;
	/* OpenSSL copies the expected tag; the parameter just lacks const. */
	uint8_t *tag;

	if (a == NULL || a->encrypt || len < AEAD_TAG_LEN || len > INT_MAX)
		return -1;
	ptlen = len - AEAD_TAG_LEN;
	tag = (uint8_t *)(uintptr_t)(ct + ptlen);
	if (aead_begin(a, counter, aad, aadlen) == -1 ||
	    aead_body(a, ct, ptlen, out) == -1 || aead_tag(a, tag) == -1 ||
	    aead_finish(a) == -1) {
		/* Never leave unauthenticated plaintext behind. */
		if (ptlen > 0)
			OPENSSL_cleanse(out, ptlen);
		return -1;
	}
	return 0;
}

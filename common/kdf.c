/*
 * Guard key schedule: X25519 and HKDF-SHA256 through OpenSSL 3, and the
 * per-epoch split into one key and IV per direction.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "kdf.h"

/* The HKDF output is exactly the four fields, in this order. */
enum {
	OKM_C2S_KEY = 0,
	OKM_C2S_IV = OKM_C2S_KEY + AEAD_KEY_LEN,
	OKM_S2C_KEY = OKM_C2S_IV + AEAD_IV_LEN,
	OKM_S2C_IV = OKM_S2C_KEY + AEAD_KEY_LEN,
	OKM_LEN = OKM_S2C_IV + AEAD_IV_LEN,
	INFO_PREFIX_LEN = sizeof(GUARD_KDF_INFO) - 1,
	INFO_LEN = INFO_PREFIX_LEN + 4,
};

_Static_assert(OKM_LEN == 88, "epoch key material is 88 bytes");

void wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

int x25519_keygen(struct x25519_keypair *kp)
{
	/* Any 32 bytes are a valid X25519 private key: X25519 clamps them. */
	if (RAND_priv_bytes(kp->priv, X25519_LEN) != 1 ||
	    x25519_public(kp->priv, kp->pub) == -1) {
		wipe(kp, sizeof(*kp));
		return -1;
	}
	return 0;
}

int x25519_public(const uint8_t priv[X25519_LEN], uint8_t pub[X25519_LEN])
{
	EVP_PKEY *key;
	size_t len = X25519_LEN;
	int rc = -1;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    X25519_LEN);
	if (key == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 &&
	    len == X25519_LEN)
		rc = 0;
	/* Freeing an X25519 key cleanses its private half. */
	EVP_PKEY_free(key);
	return rc;
}

/* out = X25519(ours, theirs); 0 or -1. */
static int x25519_derive(EVP_PKEY *ours, EVP_PKEY *theirs,
    uint8_t out[X25519_LEN])
{
	EVP_PKEY_CTX *ctx;
	size_t len = X25519_LEN;
	int rc = -1;

	ctx = EVP_PKEY_CTX_new(ours, NULL);
	if (ctx == NULL)
		return -1;
	if (EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
	    EVP_PKEY_derive(ctx, out, &len) == 1 && len == X25519_LEN)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int is_all_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zero[X25519_LEN];

	/* Constant time: the bytes are a secret whether or not they are 0. */
	return len <= sizeof(zero) && CRYPTO_memcmp(p, zero, len) == 0;
}

int x25519_shared(const uint8_t priv[X25519_LEN],
    const uint8_t peer_pub[X25519_LEN], uint8_t out[X25519_LEN])
{
	EVP_PKEY *ours, *theirs;
	int rc = -1;

	ours = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    X25519_LEN);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub,
	    X25519_LEN);
	if (ours != NULL && theirs != NULL)
		rc = x25519_derive(ours, theirs, out);
	EVP_PKEY_free(ours);
	EVP_PKEY_free(theirs);
	/*
	 * A low-order public key yields zero whatever our private key is,
	 * and so would let the other side fix the epoch keys: refuse it
	 * even where the library would let it through.
	 */
	if (rc == 0 && is_all_zero(out, X25519_LEN))
		rc = -1;
	if (rc == -1)
		wipe(out, X25519_LEN);
	return rc;
}

int hkdf_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = -1;

	/* OSSL_PARAM has no const variant; HKDF only reads these buffers. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikmlen);
	/* An absent salt is HashLen zeros (RFC 5869 2.2), as HKDF does. */
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, saltlen);
	if (infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, infolen);
	*p = OSSL_PARAM_construct_end();

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf != NULL)
		kctx = EVP_KDF_CTX_new(kdf);
	/* The context has its own reference to the algorithm. */
	EVP_KDF_free(kdf);
	if (kctx != NULL && EVP_KDF_derive(kctx, out, outlen, params) == 1)
		rc = 0;
	/* Freeing the context cleanses its copy of the key. */
	EVP_KDF_CTX_free(kctx);
	if (rc == -1)
		wipe(out, outlen);
	return rc;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int epoch_derive(const uint8_t shared[X25519_LEN], const uint8_t exporter[32],
    uint32_t epoch, struct epoch_keys *out)
{
	uint8_t info[INFO_LEN];
	uint8_t okm[OKM_LEN];

	/* The epoch in info ties each epoch's keys to its number. */
	memcpy(info, GUARD_KDF_INFO, INFO_PREFIX_LEN);
	put_be32(info + INFO_PREFIX_LEN, epoch);
	if (hkdf_sha256(exporter, 32, shared, X25519_LEN, info, sizeof(info),
	    okm, sizeof(okm)) == -1) {
		wipe(out, sizeof(*out));
		return -1;
	}
	memcpy(out->c2s_key, okm + OKM_C2S_KEY, AEAD_KEY_LEN);
	memcpy(out->c2s_iv, okm + OKM_C2S_IV, AEAD_IV_LEN);
	memcpy(out->s2c_key, okm + OKM_S2C_KEY, AEAD_KEY_LEN);
	memcpy(out->s2c_iv, okm + OKM_S2C_IV, AEAD_IV_LEN);
	wipe(okm, sizeof(okm));
	return 0;
}

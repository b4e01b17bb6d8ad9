/*
 * Unit tests for tls_files_check (tcpctl/tls.c): the start-up check of the
 * CA, certificate, key and CRL files. Each must open as a regular file,
 * with an error that names the key, the path and the errno text; the
 * private key must be its owner's alone, owned by root or the caller.
 * The files are a self-signed certificate and its key made here.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf.h"
#include "tls.h"

static char dir[64];
static char ca[128], cert[128], key[128], crl[128], missing[128];
static char err[CONF_ERR_MAX];

static void
write_pem(const char *path, EVP_PKEY *pk, X509 *x)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (pk != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, pk, NULL, NULL, 0,
		    NULL, NULL), 1);
	if (x != NULL)
		ck_assert_int_eq(PEM_write_X509(f, x), 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* A P-256 key and a self-signed certificate for it, used as CA too. */
static void
make_files(void)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	ck_assert_ptr_nonnull(pk);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	ck_assert_int_eq(X509_set_pubkey(x, pk), 1);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"server", -1, -1, 0);
	ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
	ck_assert_int_ne(X509_sign(x, pk, EVP_sha256()), 0);
	write_pem(cert, NULL, x);
	write_pem(ca, NULL, x);
	write_pem(key, pk, NULL);
	ck_assert_int_eq(chmod(key, 0600), 0);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/guard-test-tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(cert, sizeof(cert), "%s/server.crt", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(crl, sizeof(crl), "%s/crl.pem", dir);
	snprintf(missing, sizeof(missing), "%s/missing.pem", dir);
	make_files();
	err[0] = '\0';
}

static void
teardown(void)
{
	unlink(ca);
	unlink(cert);
	unlink(key);
	unlink(crl);
	rmdir(dir);
}

static int
check(const char *c, const char *crt, const char *k, const char *r)
{
	err[0] = '\0';
	return tls_files_check(ROLE_SERVER, c, crt, k, r, err, sizeof(err));
}

/* err must start with the formatted text. */
static void
expect_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
expect_err(const char *fmt, ...)
{
	char want[CONF_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "error '%s' does not start with '%s'", err, want);
}

START_TEST(good_files)
{
	ck_assert_msg(check(ca, cert, key, "") == 0, "%s", err);
	ck_assert_int_eq(chmod(key, 0400), 0);
	ck_assert_msg(check(ca, cert, key, "") == 0, "%s", err);
}
END_TEST

START_TEST(key_group_readable)
{
	ck_assert_int_eq(chmod(key, 0640), 0);
	ck_assert_int_eq(check(ca, cert, key, ""), -1);
	expect_err("key %s: mode 0640 lets group or others at the private "
	    "key; make it its owner's alone: chmod 600 %s", key, key);
}
END_TEST

START_TEST(key_world_readable)
{
	ck_assert_int_eq(chmod(key, 0644), 0);
	ck_assert_int_eq(check(ca, cert, key, ""), -1);
	expect_err("key %s: mode 0644", key);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
}
END_TEST

/* Write access alone is enough to swap the key. */
START_TEST(key_writable_by_others)
{
	static const mode_t modes[] = { 0620, 0602, 0610, 0601 };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_int_eq(chmod(key, modes[i]), 0);
		ck_assert_int_eq(check(ca, cert, key, ""), -1);
		expect_err("key %s: mode %04o", key, (unsigned int)modes[i]);
	}
}
END_TEST

/* Certificates are public: their modes are their owner's business. */
START_TEST(certificates_may_be_world_readable)
{
	ck_assert_int_eq(chmod(ca, 0644), 0);
	ck_assert_int_eq(chmod(cert, 0666), 0);
	ck_assert_msg(check(ca, cert, key, "") == 0, "%s", err);
}
END_TEST

START_TEST(key_owned_by_someone_else)
{
	if (geteuid() != 0)
		return;		/* only root can give the file away */
	ck_assert_int_eq(chown(key, 12345, 12345), 0);
	ck_assert_int_eq(check(ca, cert, key, ""), -1);
	expect_err("key %s: owned by uid 12345", key);
	ck_assert_int_eq(chown(key, 0, 0), 0);
	ck_assert_msg(check(ca, cert, key, "") == 0, "%s", err);
}
END_TEST

START_TEST(missing_files_name_key_path_and_errno)
{
	const char *e = strerror(ENOENT);

	ck_assert_int_eq(check(missing, cert, key, ""), -1);
	expect_err("ca %s: cannot open: %s", missing, e);
	ck_assert_int_eq(check(ca, missing, key, ""), -1);
	expect_err("cert %s: cannot open: %s", missing, e);
	ck_assert_int_eq(check(ca, cert, missing, ""), -1);
	expect_err("key %s: cannot open: %s", missing, e);
	ck_assert_int_eq(check(ca, cert, key, missing), -1);
	expect_err("crl %s: cannot open: %s", missing, e);
}
END_TEST

/* A path through a file, not a directory: ENOTDIR, named as such. */
START_TEST(path_through_a_file)
{
	char bad[160];

	snprintf(bad, sizeof(bad), "%s/x.pem", cert);
	ck_assert_int_eq(check(ca, cert, bad, ""), -1);
	expect_err("key %s: cannot open: %s", bad, strerror(ENOTDIR));
}
END_TEST

START_TEST(directory_refused)
{
	ck_assert_int_eq(check(dir, cert, key, ""), -1);
	expect_err("ca %s: a directory, not a PEM file", dir);
	ck_assert_int_eq(check(ca, cert, dir, ""), -1);
	expect_err("key %s: a directory, not a PEM file", dir);
	ck_assert_int_eq(check(ca, cert, key, dir), -1);
	expect_err("crl %s: a directory, not a PEM file", dir);
}
END_TEST

START_TEST(fifo_refused_without_hanging)
{
	char fifo[160];

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(check(ca, fifo, key, ""), -1);
	unlink(fifo);
	expect_err("cert %s: a FIFO, not a PEM file", fifo);
}
END_TEST

START_TEST(unreadable_file_names_errno)
{
	if (geteuid() == 0)
		return;		/* root reads any file: nothing to refuse */
	ck_assert_int_eq(chmod(ca, 0), 0);
	ck_assert_int_eq(check(ca, cert, key, ""), -1);
	expect_err("ca %s: cannot open: %s", ca, strerror(EACCES));
}
END_TEST

/* Files that open but do not parse still reach the TLS library's word. */
START_TEST(garbage_still_refused_by_tls)
{
	FILE *f = fopen(crl, "w");

	ck_assert_ptr_nonnull(f);
	fputs("not a CRL\n", f);
	fclose(f);
	ck_assert_int_eq(check(ca, cert, key, crl), -1);
	expect_err("cannot load CRL %s", crl);
	/* A certificate given as the key: private enough, but no key. */
	ck_assert_int_eq(chmod(cert, 0600), 0);
	ck_assert_int_eq(check(ca, cert, cert, ""), -1);
	ck_assert_msg(strstr(err, "cannot load") != NULL, "%s", err);
}
END_TEST

static Suite *
tls_files_suite(void)
{
	Suite *s = suite_create("tls files");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_files);
	tcase_add_test(tc, key_group_readable);
	tcase_add_test(tc, key_world_readable);
	tcase_add_test(tc, key_writable_by_others);
	tcase_add_test(tc, certificates_may_be_world_readable);
	tcase_add_test(tc, key_owned_by_someone_else);
	tcase_add_test(tc, missing_files_name_key_path_and_errno);
	tcase_add_test(tc, path_through_a_file);
	tcase_add_test(tc, directory_refused);
	tcase_add_test(tc, fifo_refused_without_hanging);
	tcase_add_test(tc, unreadable_file_names_errno);
	tcase_add_test(tc, garbage_still_refused_by_tls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_files_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

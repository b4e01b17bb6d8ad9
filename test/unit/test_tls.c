/*
 * Unit tests for tls_identity_valid (tcpctl/tls.c): the check on a peer's
 * certificate common name before it becomes the identity GUARD logs, keys
 * its ledger by and compares against. Accepted: 1 to IDENTITY_MAX - 1
 * characters of [A-Za-z0-9._@-]; nothing else, byte by byte.
 */
#include <check.h>
#include <string.h>

#include "tls.h"

static int allowed(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == '@';
}

/* ---- Accepted ------------------------------------------------------------------ */

START_TEST(plain_names)
{
	ck_assert_int_eq(tls_identity_valid("alice"), 1);
	ck_assert_int_eq(tls_identity_valid("Bob"), 1);
	ck_assert_int_eq(tls_identity_valid("client-01"), 1);
	ck_assert_int_eq(tls_identity_valid("laptop.example.org"), 1);
	ck_assert_int_eq(tls_identity_valid("carol@example.org"), 1);
	ck_assert_int_eq(tls_identity_valid("svc_backup"), 1);
	ck_assert_int_eq(tls_identity_valid("0123456789"), 1);
}
END_TEST

START_TEST(single_character)
{
	ck_assert_int_eq(tls_identity_valid("a"), 1);
	ck_assert_int_eq(tls_identity_valid("Z"), 1);
	ck_assert_int_eq(tls_identity_valid("7"), 1);
}
END_TEST

/* Punctuation alone is still a name; the CA decides what it issues. */
START_TEST(punctuation_only)
{
	ck_assert_int_eq(tls_identity_valid("."), 1);
	ck_assert_int_eq(tls_identity_valid("-"), 1);
	ck_assert_int_eq(tls_identity_valid("@"), 1);
	ck_assert_int_eq(tls_identity_valid("_"), 1);
	ck_assert_int_eq(tls_identity_valid(".._-@"), 1);
}
END_TEST

/* Every byte value as a one-character name: exactly the set is accepted. */
START_TEST(every_byte_alone)
{
	for (int c = 1; c < 256; c++) {
		char name[2] = { (char)c, '\0' };

		if (tls_identity_valid(name) != allowed(c))
			ck_abort_msg("byte 0x%02x: got %d", c,
			    tls_identity_valid(name));
	}
}
END_TEST

/* And inside a name that is otherwise fine, at the start, middle, end. */
START_TEST(every_byte_inside)
{
	for (int c = 1; c < 256; c++) {
		for (int at = 0; at < 3; at++) {
			char name[] = "abc";

			name[at] = (char)c;
			if (tls_identity_valid(name) != allowed(c))
				ck_abort_msg("byte 0x%02x at %d", c, at);
		}
	}
}
END_TEST

/* ---- Length ---------------------------------------------------------------------- */

START_TEST(empty_refused)
{
	ck_assert_int_eq(tls_identity_valid(""), 0);
}
END_TEST

/* IDENTITY_MAX includes the NUL: 63 characters fit, 64 do not. */
START_TEST(longest_accepted)
{
	char name[IDENTITY_MAX];

	memset(name, 'a', IDENTITY_MAX - 1);
	name[IDENTITY_MAX - 1] = '\0';
	ck_assert_uint_eq(strlen(name), 63);
	ck_assert_int_eq(tls_identity_valid(name), 1);
}
END_TEST

START_TEST(one_too_long_refused)
{
	char name[IDENTITY_MAX + 1];

	memset(name, 'a', IDENTITY_MAX);
	name[IDENTITY_MAX] = '\0';
	ck_assert_uint_eq(strlen(name), 64);
	ck_assert_int_eq(tls_identity_valid(name), 0);
}
END_TEST

START_TEST(very_long_refused)
{
	static char name[4097];

	memset(name, 'a', sizeof(name) - 1);
	ck_assert_int_eq(tls_identity_valid(name), 0);
}
END_TEST

/* ---- Refused characters ------------------------------------------------------ */

START_TEST(spaces_refused)
{
	ck_assert_int_eq(tls_identity_valid(" "), 0);
	ck_assert_int_eq(tls_identity_valid("alice bob"), 0);
	ck_assert_int_eq(tls_identity_valid(" alice"), 0);
	ck_assert_int_eq(tls_identity_valid("alice "), 0);
}
END_TEST

/* Identities end up in paths and log lines: no way to climb directories. */
START_TEST(slashes_refused)
{
	ck_assert_int_eq(tls_identity_valid("a/b"), 0);
	ck_assert_int_eq(tls_identity_valid("/"), 0);
	ck_assert_int_eq(tls_identity_valid("../etc"), 0);
	ck_assert_int_eq(tls_identity_valid("a\\b"), 0);
}
END_TEST

/* A newline or escape in a name would forge log lines or the terminal. */
START_TEST(control_characters_refused)
{
	ck_assert_int_eq(tls_identity_valid("alice\n"), 0);
	ck_assert_int_eq(tls_identity_valid("alice\nguard: peer bob up"), 0);
	ck_assert_int_eq(tls_identity_valid("a\rb"), 0);
	ck_assert_int_eq(tls_identity_valid("a\tb"), 0);
	ck_assert_int_eq(tls_identity_valid("\x1b[31mred"), 0);
	ck_assert_int_eq(tls_identity_valid("del\x7f"), 0);
	ck_assert_int_eq(tls_identity_valid("\x01"), 0);
}
END_TEST

START_TEST(shell_and_format_characters_refused)
{
	ck_assert_int_eq(tls_identity_valid("%s%n"), 0);
	ck_assert_int_eq(tls_identity_valid("a;b"), 0);
	ck_assert_int_eq(tls_identity_valid("$(id)"), 0);
	ck_assert_int_eq(tls_identity_valid("a*"), 0);
	ck_assert_int_eq(tls_identity_valid("a:b"), 0);
	ck_assert_int_eq(tls_identity_valid("a,b"), 0);
	ck_assert_int_eq(tls_identity_valid("a=b"), 0);
	ck_assert_int_eq(tls_identity_valid("a+b"), 0);
	ck_assert_int_eq(tls_identity_valid("\"a\""), 0);
}
END_TEST

/* UTF-8 and Latin-1 alike; a byte above 0x7f must not pass as a letter
 * even where char is signed. */
START_TEST(non_ascii_refused)
{
	ck_assert_int_eq(tls_identity_valid("caf\xc3\xa9"), 0);
	ck_assert_int_eq(tls_identity_valid("\xc3\xa9"), 0);
	ck_assert_int_eq(tls_identity_valid("caf\xe9"), 0);
	ck_assert_int_eq(tls_identity_valid("\xff"), 0);
	ck_assert_int_eq(tls_identity_valid("\x80"), 0);
	/* Cyrillic "а" looks like Latin "a". */
	ck_assert_int_eq(tls_identity_valid("\xd0\xb0lice"), 0);
}
END_TEST

/* ---- NUL --------------------------------------------------------------------------- */

/*
 * The function sees a C string and stops at the first NUL. An embedded
 * NUL in the certificate's name is caught by its caller, which compares
 * the name's length with strlen (tls_peer_identity).
 */
START_TEST(stops_at_first_nul)
{
	static const char name[] = "alice\0/../bad name";

	ck_assert_int_eq(tls_identity_valid(name), 1);
}
END_TEST

START_TEST(leading_nul_is_empty)
{
	static const char name[] = "\0alice";

	ck_assert_int_eq(tls_identity_valid(name), 0);
}
END_TEST

/* Bytes after the NUL do not count towards the length. */
START_TEST(nul_after_63_characters)
{
	char name[IDENTITY_MAX + 16];

	memset(name, 'b', sizeof(name));
	name[IDENTITY_MAX - 1] = '\0';
	ck_assert_int_eq(tls_identity_valid(name), 1);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls identity");
	TCase *tc;

	tc = tcase_create("accepted");
	tcase_add_test(tc, plain_names);
	tcase_add_test(tc, single_character);
	tcase_add_test(tc, punctuation_only);
	tcase_add_test(tc, every_byte_alone);
	tcase_add_test(tc, every_byte_inside);
	suite_add_tcase(s, tc);

	tc = tcase_create("length");
	tcase_add_test(tc, empty_refused);
	tcase_add_test(tc, longest_accepted);
	tcase_add_test(tc, one_too_long_refused);
	tcase_add_test(tc, very_long_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("characters");
	tcase_add_test(tc, spaces_refused);
	tcase_add_test(tc, slashes_refused);
	tcase_add_test(tc, control_characters_refused);
	tcase_add_test(tc, shell_and_format_characters_refused);
	tcase_add_test(tc, non_ascii_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("nul");
	tcase_add_test(tc, stops_at_first_nul);
	tcase_add_test(tc, leading_nul_is_empty);
	tcase_add_test(tc, nul_after_63_characters);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}

/* Unit tests for common/conf.c: config file, flags, defaults and checks. */
#include <sys/socket.h>

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aead.h"
#include "conf.h"

static struct guard_conf C;
static char err[CONF_ERR_MAX];

#define SERVER_BASE \
	"ca /etc/guard/ca.pem\n" \
	"cert /etc/guard/server.pem\n" \
	"key /etc/guard/server.key\n"

#define CLIENT_BASE \
	"ca /etc/guard/ca.pem\n" \
	"cert /etc/guard/client.pem\n" \
	"key /etc/guard/client.key\n"

static int
parse(int role, const char *text)
{
	conf_defaults(&C, role);
	err[0] = '\0';
	return conf_parse_text(&C, "guard.conf", text, strlen(text), err,
	    sizeof(err));
}

/* text must fail, with an error that starts with want. */
static void
expect_error(int role, const char *text, const char *want)
{
	ck_assert_msg(parse(role, text) == -1, "accepted: %s", text);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "error '%s' does not start with '%s'", err, want);
}

/* key value (one line) must fail for role, naming line 1 and the key. */
static void
expect_bad_value(int role, const char *key, const char *value)
{
	char text[CONF_MAX_LINE * 2], want[64];

	snprintf(text, sizeof(text), "%s %s\n", key, value);
	snprintf(want, sizeof(want), "guard.conf:1: %s: ", key);
	expect_error(role, text, want);
}

static void
expect_good_value(int role, const char *key, const char *value)
{
	char text[CONF_MAX_LINE * 2];

	snprintf(text, sizeof(text), "%s %s\n", key, value);
	ck_assert_msg(parse(role, text) == 0, "%s: %s", text, err);
}

static int
check_conf(void)
{
	err[0] = '\0';
	return conf_check(&C, err, sizeof(err));
}

/* conf_load with a NULL-terminated list of arguments after argv[0]. */
static int
load(int role, ...)
{
	char *argv[64];
	int argc = 0, rc, saved = -1, devnull;
	va_list ap;

	argv[argc++] = (char *)(role == ROLE_SERVER ? "guardd" : "tunclient");
	va_start(ap, role);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	/* -h prints usage to stdout; keep the test output clean. */
	fflush(stdout);
	if ((devnull = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(STDOUT_FILENO);
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	err[0] = '\0';
	rc = conf_load(&C, role, argc, argv, err, sizeof(err));
	fflush(stdout);
	if (saved != -1) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc;
}

/* A temporary config file with text; the caller unlinks path. */
static void
write_file(char *path, size_t len, const char *text)
{
	int fd;

	snprintf(path, len, "/tmp/guard-test-conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *
fmt(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];

	return prefix_fmt(p, buf, sizeof(buf));
}

/* ---- Defaults ----------------------------------------------------------- */

START_TEST(defaults_server)
{
	conf_defaults(&C, ROLE_SERVER);
	ck_assert_int_eq(C.role, ROLE_SERVER);
	ck_assert_str_eq(C.dev, "gd0");
	ck_assert_str_eq(C.chroot_dir, "/run/guard/empty");
	ck_assert_uint_eq(C.worker_uid_first, 3000000000u);
	ck_assert_uint_eq(C.worker_uid_last, 3000999999u);
	ck_assert_int_eq(C.queue_depth, 8);
	ck_assert_int_eq(C.port, GUARD_DEFAULT_PORT);
	ck_assert_int_eq(C.mtu, GUARD_DEFAULT_MTU);
	ck_assert_int_eq(C.cipher, CIPHER_AES256GCM);
	ck_assert_int_eq(C.max_peers, GUARD_DEFAULT_MAX_PEERS);
	ck_assert_int_eq(C.nlisten, 0);
	ck_assert_int_eq(C.pool4.family, 0);
	ck_assert_int_eq(C.pool6.family, 0);
	ck_assert_int_eq(C.npush_route, 0);
	ck_assert_int_eq(C.npush_dns, 0);
	ck_assert_int_eq(C.foreground, 0);
	ck_assert_int_eq(C.verbose, 0);
	ck_assert_int_eq(C.configtest, 0);
	ck_assert_str_eq(C.config_file, "");
	ck_assert_str_eq(C.crl, "");
	ck_assert_int_eq(C.rekey_seconds, 120);
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 30);
	ck_assert_int_eq(C.keepalive_seconds, 10);
	ck_assert_int_eq(C.dead_peer_seconds, 60);
	ck_assert_int_eq(C.handshake_seconds, 10);
	ck_assert_int_eq(C.max_pending, 64);
	ck_assert_int_eq(C.max_pending_per_source, 8);
	ck_assert_int_eq(C.connect_rate, 10);
	ck_assert_int_eq(C.connect_burst, 20);
	ck_assert_int_eq(C.offload, 1);
	ck_assert_int_eq(C.socket_buffer, 4194304);
	ck_assert_int_eq(C.socket_buffer, SOCKET_BUFFER_DEFAULT);
	ck_assert_int_eq(C.batch, 64);
	ck_assert_int_eq(C.batch, BATCH_DEFAULT);
}
END_TEST

START_TEST(defaults_client)
{
	conf_defaults(&C, ROLE_CLIENT);
	ck_assert_int_eq(C.role, ROLE_CLIENT);
	ck_assert_str_eq(C.dev, "gc0");
	/* No server until one is named; each then has its port. */
	ck_assert_int_eq(C.npeer_host, 0);
	ck_assert_str_eq(C.peer_host[0], "");
	ck_assert_str_eq(C.server_name, "");
	ck_assert_int_eq(C.queue_depth, 8);
	ck_assert_int_eq(C.rekey_seconds, 120);
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 30);
	ck_assert_int_eq(C.keepalive_seconds, 10);
	ck_assert_int_eq(C.dead_peer_seconds, 60);
	ck_assert_int_eq(C.handshake_seconds, 10);
	ck_assert_int_eq(C.offload, 1);
	ck_assert_int_eq(C.socket_buffer, 4194304);
	ck_assert_int_eq(C.batch, 64);
}
END_TEST

START_TEST(defaults_timers_pass_check)
{
	/* The defaults keep dead-peer-seconds >= 3 x keepalive-seconds. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
}
END_TEST

START_TEST(defaults_reset_everything)
{
	ck_assert_int_eq(parse(ROLE_SERVER, "port 4000\nlisten 198.18.0.1\n"),
	    0);
	conf_defaults(&C, ROLE_SERVER);
	ck_assert_int_eq(C.port, GUARD_DEFAULT_PORT);
	ck_assert_int_eq(C.nlisten, 0);
}
END_TEST

/* ---- File syntax -------------------------------------------------------- */

START_TEST(file_minimal_server)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\n"), 0);
	ck_assert_str_eq(C.ca, "/etc/guard/ca.pem");
	ck_assert_str_eq(C.cert, "/etc/guard/server.pem");
	ck_assert_str_eq(C.key, "/etc/guard/server.key");
	ck_assert_str_eq(fmt(&C.pool4), "100.64.0.0/24");
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(file_every_server_key)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "crl /etc/guard/crl.pem\n"
	    "chroot /var/empty\n"
	    "dev gd7\n"
	    "foreground\n"
	    "verbose\n"
	    "verbose\n"
	    "worker-uids 4000000-4009999\n"
	    "queue-depth 16\n"
	    "listen 198.18.0.1\n"
	    "listen 2001:db8::1\n"
	    "port 4443\n"
	    "pool4 100.64.8.0/22\n"
	    "pool6 fd00:8::/64\n"
	    "mtu 1400\n"
	    "cipher chacha20-poly1305\n"
	    "max-peers 100\n"
	    "push-route 198.18.0.0/15\n"
	    "push-route 2001:db8::/32\n"
	    "push-dns 198.18.0.53\n"
	    "push-dns 2001:db8::53\n"
	    "rekey-seconds 300\n"
	    "rekey-bytes 512M\n"
	    "keepalive-seconds 15\n"
	    "dead-peer-seconds 90\n"
	    "handshake-seconds 30\n"
	    "max-pending 200\n"
	    "max-pending-per-source 16\n"
	    "connect-rate 50\n"
	    "connect-burst 100\n"
	    "offload no\n"
	    "socket-buffer 8M\n"
	    "batch 32\n"), 0);
	ck_assert_str_eq(C.crl, "/etc/guard/crl.pem");
	ck_assert_str_eq(C.chroot_dir, "/var/empty");
	ck_assert_str_eq(C.dev, "gd7");
	ck_assert_int_eq(C.foreground, 1);
	ck_assert_int_eq(C.verbose, 2);
	ck_assert_uint_eq(C.worker_uid_first, 4000000);
	ck_assert_uint_eq(C.worker_uid_last, 4009999);
	ck_assert_int_eq(C.queue_depth, 16);
	ck_assert_int_eq(C.nlisten, 2);
	ck_assert_str_eq(C.listen[0], "198.18.0.1");
	ck_assert_str_eq(C.listen[1], "2001:db8::1");
	ck_assert_int_eq(C.port, 4443);
	ck_assert_str_eq(fmt(&C.pool4), "100.64.8.0/22");
	ck_assert_str_eq(fmt(&C.pool6), "fd00:8::/64");
	ck_assert_int_eq(C.mtu, 1400);
	ck_assert_int_eq(C.cipher, CIPHER_CHACHA20POLY1305);
	ck_assert_int_eq(C.max_peers, 100);
	ck_assert_int_eq(C.npush_route, 2);
	ck_assert_str_eq(fmt(&C.push_route[1]), "2001:db8::/32");
	ck_assert_int_eq(C.npush_dns, 2);
	ck_assert_str_eq(fmt(&C.push_dns[0]), "198.18.0.53/32");
	ck_assert_int_eq(C.rekey_seconds, 300);
	ck_assert_uint_eq(C.rekey_bytes, 512ULL << 20);
	ck_assert_int_eq(C.keepalive_seconds, 15);
	ck_assert_int_eq(C.dead_peer_seconds, 90);
	ck_assert_int_eq(C.handshake_seconds, 30);
	ck_assert_int_eq(C.max_pending, 200);
	ck_assert_int_eq(C.max_pending_per_source, 16);
	ck_assert_int_eq(C.connect_rate, 50);
	ck_assert_int_eq(C.connect_burst, 100);
	ck_assert_int_eq(C.offload, 0);
	ck_assert_int_eq(C.socket_buffer, 8 << 20);
	ck_assert_int_eq(C.batch, 32);
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(file_every_client_key)
{
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org:4443\n"
	    "server-name gw.example.org\n"
	    "dev gc1\n"
	    "crl /etc/guard/crl.pem\n"
	    "chroot /var/empty\n"
	    "worker-uids 5000-5002\n"
	    "queue-depth 2\n"
	    "foreground\n"
	    "verbose\n"
	    "rekey-seconds 60\n"
	    "rekey-bytes 2G\n"
	    "keepalive-seconds 5\n"
	    "dead-peer-seconds 15\n"
	    "handshake-seconds 20\n"
	    "offload no\n"
	    "socket-buffer 256K\n"
	    "batch 1\n"), 0);
	ck_assert_str_eq(C.peer_host[0], "vpn.example.org");
	ck_assert_int_eq(C.peer_port[0], 4443);
	ck_assert_str_eq(C.server_name, "gw.example.org");
	ck_assert_str_eq(C.dev, "gc1");
	ck_assert_int_eq(C.rekey_seconds, 60);
	ck_assert_uint_eq(C.rekey_bytes, 2ULL << 30);
	ck_assert_int_eq(C.keepalive_seconds, 5);
	ck_assert_int_eq(C.dead_peer_seconds, 15);
	ck_assert_int_eq(C.handshake_seconds, 20);
	ck_assert_int_eq(C.offload, 0);
	ck_assert_int_eq(C.socket_buffer, 256 << 10);
	ck_assert_int_eq(C.batch, 1);
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(file_comments_and_blanks)
{
	ck_assert_int_eq(parse(ROLE_SERVER,
	    "# Guard server\n"
	    "\n"
	    "   \t  \n"
	    "port 4000   # the control port\n"
	    "\tmtu\t1400\t\n"
	    "#port 5000\n"
	    "dev gd1#no space needed\n"), 0);
	ck_assert_int_eq(C.port, 4000);
	ck_assert_int_eq(C.mtu, 1400);
	ck_assert_str_eq(C.dev, "gd1");
}
END_TEST

START_TEST(file_crlf_and_no_final_newline)
{
	ck_assert_int_eq(parse(ROLE_SERVER, "port 4000\r\nmtu 1400"), 0);
	ck_assert_int_eq(C.port, 4000);
	ck_assert_int_eq(C.mtu, 1400);
}
END_TEST

START_TEST(file_empty)
{
	ck_assert_int_eq(parse(ROLE_SERVER, ""), 0);
	ck_assert_int_eq(parse(ROLE_SERVER, "\n\n# nothing\n"), 0);
	conf_defaults(&C, ROLE_SERVER);
	ck_assert_int_eq(conf_parse_text(&C, "x", NULL, 0, err, sizeof(err)),
	    0);
}
END_TEST

START_TEST(file_quoted_value)
{
	ck_assert_int_eq(parse(ROLE_SERVER,
	    "ca \"/etc/guard/my ca.pem\"\n"
	    "key \"/etc/guard/#hash.key\" # a comment\n"), 0);
	ck_assert_str_eq(C.ca, "/etc/guard/my ca.pem");
	ck_assert_str_eq(C.key, "/etc/guard/#hash.key");
}
END_TEST

START_TEST(file_quoted_empty_value)
{
	expect_error(ROLE_SERVER, "ca \"\"\n", "guard.conf:1: ca: ");
	ck_assert_ptr_nonnull(strstr(err, "empty"));
}
END_TEST

START_TEST(file_unterminated_quote)
{
	expect_error(ROLE_SERVER, "port 4000\nca \"/etc/ca.pem\n",
	    "guard.conf:2: unterminated quote");
}
END_TEST

START_TEST(file_text_after_quote)
{
	expect_error(ROLE_SERVER, "ca \"/etc/ca\".pem\n", "guard.conf:1: ");
	expect_error(ROLE_SERVER, "ca /etc/\"ca\"\n", "guard.conf:1: ");
}
END_TEST

START_TEST(file_unknown_key)
{
	expect_error(ROLE_SERVER, "port 4000\n\n# x\nbogus 1\n",
	    "guard.conf:4: unknown key 'bogus'");
}
END_TEST

START_TEST(file_unknown_key_suggests)
{
	expect_error(ROLE_SERVER, "pool 100.64.0.0/24\n",
	    "guard.conf:1: unknown key 'pool' (did you mean 'pool4'?)");
	expect_error(ROLE_SERVER, "mtux 1400\n",
	    "guard.conf:1: unknown key 'mtux' (did you mean 'mtu'?)");
	expect_error(ROLE_SERVER, "prot 4000\n",
	    "guard.conf:1: unknown key 'prot' (did you mean 'port'?)");
	expect_error(ROLE_SERVER, "dead-peer-second 60\n",
	    "guard.conf:1: unknown key 'dead-peer-second' (did you mean "
	    "'dead-peer-seconds'?)");
	expect_error(ROLE_CLIENT, "peers vpn.example.org\n",
	    "guard.conf:1: unknown key 'peers' (did you mean 'peer'?)");
	expect_error(ROLE_CLIENT, "socket-buffers 4M\n",
	    "guard.conf:1: unknown key 'socket-buffers' (did you mean "
	    "'socket-buffer'?)");
	expect_error(ROLE_SERVER, "ofload no\n",
	    "guard.conf:1: unknown key 'ofload' (did you mean 'offload'?)");
	expect_error(ROLE_SERVER, "batches 8\n",
	    "guard.conf:1: unknown key 'batches' (did you mean 'batch'?)");
	/* Only keys of this role, and only file keys. */
	expect_error(ROLE_CLIENT, "pool 100.64.0.0/24\n",
	    "guard.conf:1: unknown key 'pool'; tunclient --help lists");
	expect_error(ROLE_SERVER, "confi x\n",
	    "guard.conf:1: unknown key 'confi'; guardd --help lists");
	/* Nothing near: no guess. */
	expect_error(ROLE_SERVER, "xyzzy 1\n",
	    "guard.conf:1: unknown key 'xyzzy'; guardd --help lists the keys");
	expect_error(ROLE_SERVER, "ab 1\n", "guard.conf:1: unknown key 'ab';");
}
END_TEST

START_TEST(file_unknown_key_long_word)
{
	char text[CONF_MAX_LINE + 2];

	memset(text, 'k', 200);
	memcpy(text + 200, " 1\n", 4);
	ck_assert_int_eq(parse(ROLE_SERVER, text), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key 'kkk"));
	ck_assert_ptr_null(strstr(err, "did you mean"));
}
END_TEST

START_TEST(file_key_case_matters)
{
	expect_error(ROLE_SERVER, "Port 4000\n",
	    "guard.conf:1: unknown key 'Port'");
}
END_TEST

START_TEST(file_missing_value)
{
	expect_error(ROLE_SERVER, "mtu 1400\nport\n",
	    "guard.conf:2: port: needs a value");
	expect_error(ROLE_SERVER, "port # comment\n",
	    "guard.conf:1: port: needs a value");
}
END_TEST

START_TEST(file_value_on_switch)
{
	expect_error(ROLE_SERVER, "foreground yes\n",
	    "guard.conf:1: foreground: takes no value");
	expect_error(ROLE_SERVER, "\nverbose 2\n",
	    "guard.conf:2: verbose: takes no value");
}
END_TEST

START_TEST(file_two_values)
{
	expect_error(ROLE_SERVER, "ca /etc/my ca.pem\n",
	    "guard.conf:1: ca: takes one value");
	ck_assert_ptr_nonnull(strstr(err, "quote"));
}
END_TEST

START_TEST(file_duplicate_key)
{
	expect_error(ROLE_SERVER, "port 4000\nmtu 1400\n\nport 4001\n",
	    "guard.conf:4: port: given twice (first on line 1)");
}
END_TEST

START_TEST(file_duplicate_switch)
{
	expect_error(ROLE_SERVER, "foreground\nforeground\n",
	    "guard.conf:2: foreground: given twice (first on line 1)");
}
END_TEST

START_TEST(file_duplicates_only_within_one_file)
{
	ck_assert_int_eq(parse(ROLE_SERVER, "port 4000\n"), 0);
	ck_assert_int_eq(conf_parse_text(&C, "other.conf", "port 4001\n", 10,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(C.port, 4001);
}
END_TEST

START_TEST(file_too_many_listen)
{
	expect_error(ROLE_SERVER,
	    "listen 198.18.0.1\nlisten 198.18.0.2\nlisten 198.18.0.3\n"
	    "listen 198.18.0.4\nlisten 198.18.0.5\n",
	    "guard.conf:5: listen: at most 4");
}
END_TEST

START_TEST(file_too_many_push_route)
{
	char text[4096];
	size_t n = 0;

	for (int i = 0; i <= CTL_MAX_ROUTES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "push-route 198.18.%d.0/24\n", i);
	expect_error(ROLE_SERVER, text,
	    "guard.conf:33: push-route: at most 32");
}
END_TEST

START_TEST(file_too_many_push_dns)
{
	expect_error(ROLE_SERVER,
	    "push-dns 198.18.0.1\npush-dns 198.18.0.2\npush-dns 198.18.0.3\n"
	    "push-dns 2001:db8::4\npush-dns 2001:db8::5\n",
	    "guard.conf:5: push-dns: at most 4");
}
END_TEST

START_TEST(file_line_max_ok)
{
	char text[CONF_MAX_LINE + 2];

	memset(text, ' ', CONF_MAX_LINE);
	text[0] = '#';
	text[CONF_MAX_LINE] = '\n';
	text[CONF_MAX_LINE + 1] = '\0';
	ck_assert_int_eq(parse(ROLE_SERVER, text), 0);
}
END_TEST

START_TEST(file_line_too_long)
{
	char text[CONF_MAX_LINE + 32];

	strcpy(text, "port 1\n");
	memset(text + 7, '#', CONF_MAX_LINE + 1);
	strcpy(text + 7 + CONF_MAX_LINE + 1, "\n");
	expect_error(ROLE_SERVER, text,
	    "guard.conf:2: line longer than 1024 bytes");
}
END_TEST

START_TEST(file_nul_byte)
{
	static const char text[] = "port 4000\nmtu 1400\nca /etc\0/ca\n";

	conf_defaults(&C, ROLE_SERVER);
	ck_assert_int_eq(conf_parse_text(&C, "guard.conf", text,
	    sizeof(text) - 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "guard.conf:3: NUL byte in line");
}
END_TEST

START_TEST(file_control_char)
{
	expect_error(ROLE_SERVER, "port 4000\ndev gd\x1b" "0\n",
	    "guard.conf:2: control character 0x1b");
	expect_error(ROLE_SERVER, "port 4000\rmtu 1400\n",
	    "guard.conf:1: control character 0x0d");
}
END_TEST

START_TEST(file_too_large)
{
	size_t len = CONF_MAX_FILE + 1;
	char *text = malloc(len);

	ck_assert_ptr_nonnull(text);
	memset(text, '\n', len);
	conf_defaults(&C, ROLE_SERVER);
	ck_assert_int_eq(conf_parse_text(&C, "guard.conf", text, len, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "guard.conf: larger than"));
	/* Exactly the limit is fine. */
	ck_assert_int_eq(conf_parse_text(&C, "guard.conf", text, len - 1, err,
	    sizeof(err)), 0);
	free(text);
}
END_TEST

START_TEST(file_needs_role)
{
	memset(&C, 0, sizeof(C));
	ck_assert_int_eq(conf_parse_text(&C, "guard.conf", "port 1\n", 7, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(file_error_stops_at_first)
{
	expect_error(ROLE_SERVER, "port 0\nbogus\n", "guard.conf:1: port: ");
}
END_TEST

/* ---- Roles -------------------------------------------------------------- */

START_TEST(role_server_key_in_client)
{
	expect_error(ROLE_CLIENT, "ca /x\npool4 100.64.0.0/24\n",
	    "guard.conf:2: pool4 is a guardd option");
	expect_error(ROLE_CLIENT, "push-route 198.18.0.0/15\n",
	    "guard.conf:1: push-route is a guardd option");
	expect_error(ROLE_CLIENT, "listen 198.18.0.1\n",
	    "guard.conf:1: listen is a guardd option");
	expect_error(ROLE_CLIENT, "port 4000\n",
	    "guard.conf:1: port is a guardd option");
	expect_error(ROLE_CLIENT, "cipher aes-256-gcm\n",
	    "guard.conf:1: cipher is a guardd option");
}
END_TEST

START_TEST(role_client_key_in_server)
{
	expect_error(ROLE_SERVER, "\npeer vpn.example.org\n",
	    "guard.conf:2: peer is a tunclient option");
	expect_error(ROLE_SERVER, "server-name vpn.example.org\n",
	    "guard.conf:1: server-name is a tunclient option");
}
END_TEST

START_TEST(role_cmdline_only_keys)
{
	expect_error(ROLE_SERVER, "config /etc/guard/other.conf\n",
	    "guard.conf:1: config: can only be given on the command line");
	expect_error(ROLE_SERVER, "help\n",
	    "guard.conf:1: help: can only be given on the command line");
	expect_error(ROLE_CLIENT, "check\n",
	    "guard.conf:1: check: can only be given on the command line");
}
END_TEST

/* ---- Values, key by key ------------------------------------------------- */

START_TEST(value_port)
{
	expect_good_value(ROLE_SERVER, "port", "1");
	expect_good_value(ROLE_SERVER, "port", "65535");
	ck_assert_int_eq(C.port, 65535);
	expect_bad_value(ROLE_SERVER, "port", "0");
	expect_bad_value(ROLE_SERVER, "port", "65536");
	expect_bad_value(ROLE_SERVER, "port", "abc");
	expect_bad_value(ROLE_SERVER, "port", "80x");
	expect_bad_value(ROLE_SERVER, "port", "+80");
	expect_bad_value(ROLE_SERVER, "port", "-1");
	expect_bad_value(ROLE_SERVER, "port", "0x50");
	expect_bad_value(ROLE_SERVER, "port", "\" 80\"");
	expect_bad_value(ROLE_SERVER, "port", "99999999999999999999999999");
	expect_bad_value(ROLE_SERVER, "port", "\"\"");
}
END_TEST

START_TEST(value_mtu)
{
	expect_good_value(ROLE_SERVER, "mtu", "1280");
	expect_good_value(ROLE_SERVER, "mtu", "9000");
	expect_bad_value(ROLE_SERVER, "mtu", "1279");
	expect_bad_value(ROLE_SERVER, "mtu", "9001");
	expect_bad_value(ROLE_SERVER, "mtu", "576");
	expect_bad_value(ROLE_SERVER, "mtu", "1.5k");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
}
END_TEST

START_TEST(value_queue_depth)
{
	expect_good_value(ROLE_SERVER, "queue-depth", "2");
	expect_good_value(ROLE_CLIENT, "queue-depth", "64");
	expect_bad_value(ROLE_SERVER, "queue-depth", "1");
	expect_bad_value(ROLE_SERVER, "queue-depth", "65");
	ck_assert_ptr_nonnull(strstr(err, "2..64"));
}
END_TEST

START_TEST(value_max_peers)
{
	expect_good_value(ROLE_SERVER, "max-peers", "1");
	expect_good_value(ROLE_SERVER, "max-peers", "4096");
	expect_bad_value(ROLE_SERVER, "max-peers", "0");
	expect_bad_value(ROLE_SERVER, "max-peers", "4097");
}
END_TEST

START_TEST(value_handshake_seconds)
{
	expect_good_value(ROLE_SERVER, "handshake-seconds", "1");
	ck_assert_int_eq(C.handshake_seconds, 1);
	expect_good_value(ROLE_CLIENT, "handshake-seconds", "300");
	ck_assert_int_eq(C.handshake_seconds, 300);
	expect_bad_value(ROLE_SERVER, "handshake-seconds", "0");
	ck_assert_ptr_nonnull(strstr(err, "1..300"));
	expect_bad_value(ROLE_CLIENT, "handshake-seconds", "301");
	expect_bad_value(ROLE_SERVER, "handshake-seconds", "5s");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
}
END_TEST

START_TEST(value_max_pending)
{
	expect_good_value(ROLE_SERVER, "max-pending", "1");
	expect_good_value(ROLE_SERVER, "max-pending", "4096");
	ck_assert_int_eq(C.max_pending, 4096);
	expect_bad_value(ROLE_SERVER, "max-pending", "0");
	expect_bad_value(ROLE_SERVER, "max-pending", "4097");
	ck_assert_ptr_nonnull(strstr(err, "1..4096"));
	expect_good_value(ROLE_SERVER, "max-pending-per-source", "1");
	expect_good_value(ROLE_SERVER, "max-pending-per-source", "4096");
	ck_assert_int_eq(C.max_pending_per_source, 4096);
	expect_bad_value(ROLE_SERVER, "max-pending-per-source", "0");
	expect_bad_value(ROLE_SERVER, "max-pending-per-source", "-1");
	expect_bad_value(ROLE_SERVER, "max-pending-per-source", "4097");
	/* Server keys. */
	expect_error(ROLE_CLIENT, "max-pending 5\n", "guard.conf:1: "
	    "max-pending is a guardd option, not for tunclient");
	expect_error(ROLE_CLIENT, "max-pending-per-source 5\n",
	    "guard.conf:1: max-pending-per-source is a guardd option");
}
END_TEST

START_TEST(value_connect_rate)
{
	expect_good_value(ROLE_SERVER, "connect-rate", "1");
	expect_good_value(ROLE_SERVER, "connect-rate", "100000");
	ck_assert_int_eq(C.connect_rate, 100000);
	expect_bad_value(ROLE_SERVER, "connect-rate", "0");
	expect_bad_value(ROLE_SERVER, "connect-rate", "100001");
	ck_assert_ptr_nonnull(strstr(err, "1..100000"));
	expect_good_value(ROLE_SERVER, "connect-burst", "1");
	expect_good_value(ROLE_SERVER, "connect-burst", "100000");
	ck_assert_int_eq(C.connect_burst, 100000);
	expect_bad_value(ROLE_SERVER, "connect-burst", "0");
	expect_bad_value(ROLE_SERVER, "connect-burst", "1e3");
	expect_error(ROLE_CLIENT, "connect-rate 5\n", "guard.conf:1: "
	    "connect-rate is a guardd option, not for tunclient");
	expect_error(ROLE_CLIENT, "connect-burst 5\n", "guard.conf:1: "
	    "connect-burst is a guardd option, not for tunclient");
}
END_TEST

START_TEST(value_worker_uids)
{
	expect_good_value(ROLE_SERVER, "worker-uids", "1-4294967294");
	ck_assert_uint_eq(C.worker_uid_first, 1);
	ck_assert_uint_eq(C.worker_uid_last, 4294967294u);
	expect_good_value(ROLE_SERVER, "worker-uids", "7-7");
	expect_bad_value(ROLE_SERVER, "worker-uids", "0-10");
	expect_bad_value(ROLE_SERVER, "worker-uids", "10-5");
	ck_assert_ptr_nonnull(strstr(err, "FIRST"));
	expect_bad_value(ROLE_SERVER, "worker-uids", "1-4294967295");
	expect_bad_value(ROLE_SERVER, "worker-uids", "5000");
	expect_bad_value(ROLE_SERVER, "worker-uids", "5000-");
	expect_bad_value(ROLE_SERVER, "worker-uids", "-5000");
	expect_bad_value(ROLE_SERVER, "worker-uids", "1-2-3");
	expect_bad_value(ROLE_SERVER, "worker-uids", "a-b");
	expect_bad_value(ROLE_SERVER, "worker-uids",
	    "111111111111111111111111111111-2");
}
END_TEST

START_TEST(value_dev)
{
	expect_good_value(ROLE_SERVER, "dev", "g");
	expect_good_value(ROLE_SERVER, "dev", "guard_tun.0-a");
	expect_good_value(ROLE_SERVER, "dev", "abcdefghijklmno");
	expect_bad_value(ROLE_SERVER, "dev", "abcdefghijklmnop");
	expect_bad_value(ROLE_SERVER, "dev", "\"\"");
	expect_bad_value(ROLE_SERVER, "dev", "gd/0");
	expect_bad_value(ROLE_SERVER, "dev", "\"gd 0\"");
	expect_bad_value(ROLE_SERVER, "dev", ".");
	expect_bad_value(ROLE_SERVER, "dev", "..");
	expect_bad_value(ROLE_SERVER, "dev", "gd:0");
}
END_TEST

START_TEST(value_paths)
{
	char big[PATH_MAX + 16];

	expect_good_value(ROLE_SERVER, "ca", "relative/ca.pem");
	expect_good_value(ROLE_SERVER, "crl", "/etc/guard/crl.pem");
	expect_bad_value(ROLE_SERVER, "cert", "\"\"");
	expect_bad_value(ROLE_SERVER, "chroot", "run/guard");
	ck_assert_ptr_nonnull(strstr(err, "absolute"));
	/* Longer than PATH_MAX, but within a line: needs a longer line. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	conf_defaults(&C, ROLE_SERVER);
	char why[CONF_ERR_MAX];
	/* Through the command line, where no line limit applies. */
	char flag[] = "--key";
	char *argv[] = { (char *)"guardd", flag, big, NULL };
	ck_assert_int_eq(conf_load(&C, ROLE_SERVER, 3, argv, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "--key: the path is longer"));
}
END_TEST

START_TEST(value_pool4)
{
	expect_good_value(ROLE_SERVER, "pool4", "100.64.0.0/16");
	expect_good_value(ROLE_SERVER, "pool4", "100.64.0.0/30");
	expect_bad_value(ROLE_SERVER, "pool4", "100.64.0.0/15");
	ck_assert_ptr_nonnull(strstr(err, "/16../30"));
	expect_bad_value(ROLE_SERVER, "pool4", "100.64.0.0/31");
	expect_bad_value(ROLE_SERVER, "pool4", "100.64.0.1");
	expect_bad_value(ROLE_SERVER, "pool4", "fd00::/64");
	ck_assert_ptr_nonnull(strstr(err, "IPv4"));
	expect_bad_value(ROLE_SERVER, "pool4", "100.64.0.1/24");
	ck_assert_str_eq(err, "guard.conf:1: pool4: host bits set in "
	    "'100.64.0.1/24' (did you mean 100.64.0.0/24?)");
	expect_bad_value(ROLE_SERVER, "pool4", "100.64.0.0/33");
	ck_assert_str_eq(err, "guard.conf:1: pool4: bad prefix length in "
	    "'100.64.0.0/33' (0..32 for IPv4)");
	expect_bad_value(ROLE_SERVER, "pool4", "junk");
}
END_TEST

START_TEST(value_pool6)
{
	expect_good_value(ROLE_SERVER, "pool6", "fd00::/8");
	expect_good_value(ROLE_SERVER, "pool6", "fd00:1::/64");
	expect_good_value(ROLE_SERVER, "pool6", "fd00::/120");
	expect_bad_value(ROLE_SERVER, "pool6", "fc00::/7");
	expect_bad_value(ROLE_SERVER, "pool6", "fd00::/121");
	expect_bad_value(ROLE_SERVER, "pool6", "100.64.0.0/24");
	expect_bad_value(ROLE_SERVER, "pool6", "fd00::1/64");
}
END_TEST

START_TEST(value_cipher)
{
	expect_good_value(ROLE_SERVER, "cipher", "aes-256-gcm");
	ck_assert_int_eq(C.cipher, CIPHER_AES256GCM);
	expect_good_value(ROLE_SERVER, "cipher", "chacha20-poly1305");
	ck_assert_int_eq(C.cipher, CIPHER_CHACHA20POLY1305);
	expect_bad_value(ROLE_SERVER, "cipher", "AES-256-GCM");
	expect_bad_value(ROLE_SERVER, "cipher", "aes-128-gcm");
	ck_assert_ptr_nonnull(strstr(err, "chacha20-poly1305"));
}
END_TEST

START_TEST(value_cipher_names_match_aead)
{
	/* The config and the data channel use the same names. */
	ck_assert_int_eq(cipher_from_name("aes-256-gcm"), CIPHER_AES256GCM);
	ck_assert_int_eq(cipher_from_name("chacha20-poly1305"),
	    CIPHER_CHACHA20POLY1305);
}
END_TEST

START_TEST(value_listen)
{
	expect_good_value(ROLE_SERVER, "listen", "198.18.0.1");
	expect_good_value(ROLE_SERVER, "listen", "::");
	expect_good_value(ROLE_SERVER, "listen", "2001:DB8:0::1");
	ck_assert_str_eq(C.listen[0], "2001:db8::1");
	expect_bad_value(ROLE_SERVER, "listen", "198.18.0.0/15");
	expect_bad_value(ROLE_SERVER, "listen", "vpn.example.org");
	expect_bad_value(ROLE_SERVER, "listen", "[2001:db8::1]");
	expect_error(ROLE_SERVER, "listen 198.18.0.1\nlisten 198.18.0.1\n",
	    "guard.conf:2: listen: 198.18.0.1 is listed twice");
}
END_TEST

START_TEST(value_push_route)
{
	expect_good_value(ROLE_SERVER, "push-route", "0.0.0.0/0");
	expect_good_value(ROLE_SERVER, "push-route", "198.18.0.7");
	ck_assert_str_eq(fmt(&C.push_route[0]), "198.18.0.7/32");
	expect_bad_value(ROLE_SERVER, "push-route", "198.18.0.1/15");
	expect_bad_value(ROLE_SERVER, "push-route", "198.18.0.0/");
	expect_error(ROLE_SERVER,
	    "push-route 198.18.0.0/15\npush-route 198.18.0.0/15\n",
	    "guard.conf:2: push-route: 198.18.0.0/15 is listed twice");
}
END_TEST

START_TEST(value_push_dns)
{
	expect_good_value(ROLE_SERVER, "push-dns", "2001:db8::53");
	expect_bad_value(ROLE_SERVER, "push-dns", "2001:db8::/64");
	expect_bad_value(ROLE_SERVER, "push-dns", "dns.example.org");
}
END_TEST

START_TEST(value_peer_forms)
{
	expect_good_value(ROLE_CLIENT, "peer", "vpn.example.org");
	ck_assert_str_eq(C.peer_host[0], "vpn.example.org");
	ck_assert_int_eq(C.peer_port[0], GUARD_DEFAULT_PORT);
	expect_good_value(ROLE_CLIENT, "peer", "vpn.example.org:443");
	ck_assert_int_eq(C.peer_port[0], 443);
	expect_good_value(ROLE_CLIENT, "peer", "198.18.0.1:4000");
	ck_assert_str_eq(C.peer_host[0], "198.18.0.1");
	expect_good_value(ROLE_CLIENT, "peer", "[2001:db8::1]:4000");
	ck_assert_str_eq(C.peer_host[0], "2001:db8::1");
	ck_assert_int_eq(C.peer_port[0], 4000);
	expect_good_value(ROLE_CLIENT, "peer", "[2001:db8::1]");
	ck_assert_int_eq(C.peer_port[0], GUARD_DEFAULT_PORT);
	expect_good_value(ROLE_CLIENT, "peer", "2001:db8::1");
	ck_assert_str_eq(C.peer_host[0], "2001:db8::1");
	expect_good_value(ROLE_CLIENT, "peer", "gw-1.example.org.");
	expect_good_value(ROLE_CLIENT, "peer", "localhost");
}
END_TEST

START_TEST(value_peer_bad)
{
	expect_bad_value(ROLE_CLIENT, "peer", "vpn.example.org:");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn.example.org:0");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn.example.org:65536");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn.example.org:http");
	expect_bad_value(ROLE_CLIENT, "peer", ":4000");
	expect_bad_value(ROLE_CLIENT, "peer", "[2001:db8::1");
	expect_bad_value(ROLE_CLIENT, "peer", "[2001:db8::1]x");
	expect_bad_value(ROLE_CLIENT, "peer", "[198.18.0.1]:4000");
	expect_bad_value(ROLE_CLIENT, "peer", "[vpn.example.org]:4000");
	expect_bad_value(ROLE_CLIENT, "peer", "2001:db8::g");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn_example.org");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn..example.org");
	expect_bad_value(ROLE_CLIENT, "peer", ".example.org");
	expect_bad_value(ROLE_CLIENT, "peer", "-vpn.example.org");
	expect_bad_value(ROLE_CLIENT, "peer", "vpn-.example.org");
	expect_bad_value(ROLE_CLIENT, "peer", "300.1.2.3");
	expect_bad_value(ROLE_CLIENT, "peer", "user@vpn.example.org");
	expect_bad_value(ROLE_CLIENT, "peer", "[]:4000");
}
END_TEST

START_TEST(value_peer_oversized)
{
	char host[400], label[70];

	memset(label, 'a', 64);
	label[64] = '\0';
	expect_bad_value(ROLE_CLIENT, "peer", label);	/* label of 64 */
	label[63] = '\0';
	expect_good_value(ROLE_CLIENT, "peer", label);
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	for (size_t i = 50; i < sizeof(host) - 1; i += 50)
		host[i] = '.';
	expect_bad_value(ROLE_CLIENT, "peer", host);
}
END_TEST

START_TEST(value_server_name)
{
	expect_good_value(ROLE_CLIENT, "server-name", "gw.example.org");
	expect_good_value(ROLE_CLIENT, "server-name", "2001:db8::1");
	expect_bad_value(ROLE_CLIENT, "server-name", "\"gw example\"");
	expect_bad_value(ROLE_CLIENT, "server-name", "\"\"");
}
END_TEST

START_TEST(value_rekey_seconds)
{
	expect_good_value(ROLE_SERVER, "rekey-seconds", "1");
	ck_assert_int_eq(C.rekey_seconds, 1);
	expect_good_value(ROLE_CLIENT, "rekey-seconds", "86400");
	ck_assert_int_eq(C.rekey_seconds, 86400);
	expect_bad_value(ROLE_SERVER, "rekey-seconds", "0");
	ck_assert_str_eq(err, "guard.conf:1: rekey-seconds: 0 is out of "
	    "range 1..86400");
	expect_bad_value(ROLE_CLIENT, "rekey-seconds", "86401");
	ck_assert_ptr_nonnull(strstr(err, "1..86400"));
	expect_bad_value(ROLE_SERVER, "rekey-seconds", "2m");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "rekey-seconds", "-1");
}
END_TEST

START_TEST(value_keepalive_seconds)
{
	expect_good_value(ROLE_SERVER, "keepalive-seconds", "1");
	ck_assert_int_eq(C.keepalive_seconds, 1);
	expect_good_value(ROLE_CLIENT, "keepalive-seconds", "3600");
	ck_assert_int_eq(C.keepalive_seconds, 3600);
	expect_bad_value(ROLE_SERVER, "keepalive-seconds", "0");
	ck_assert_str_eq(err, "guard.conf:1: keepalive-seconds: 0 is out of "
	    "range 1..3600");
	expect_bad_value(ROLE_CLIENT, "keepalive-seconds", "3601");
	ck_assert_ptr_nonnull(strstr(err, "1..3600"));
	expect_bad_value(ROLE_SERVER, "keepalive-seconds", "10s");
}
END_TEST

START_TEST(value_dead_peer_seconds)
{
	expect_good_value(ROLE_SERVER, "dead-peer-seconds", "3");
	ck_assert_int_eq(C.dead_peer_seconds, 3);
	expect_good_value(ROLE_CLIENT, "dead-peer-seconds", "86400");
	ck_assert_int_eq(C.dead_peer_seconds, 86400);
	expect_bad_value(ROLE_SERVER, "dead-peer-seconds", "2");
	ck_assert_str_eq(err, "guard.conf:1: dead-peer-seconds: 2 is out of "
	    "range 3..86400");
	expect_bad_value(ROLE_CLIENT, "dead-peer-seconds", "86401");
	ck_assert_ptr_nonnull(strstr(err, "3..86400"));
	expect_bad_value(ROLE_SERVER, "dead-peer-seconds", "\"\"");
}
END_TEST

START_TEST(value_rekey_bytes_suffixes)
{
	/* Binary suffixes; a bare number is bytes. */
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1048576");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 20);
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1024K");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 20);
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1M");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 20);
	expect_good_value(ROLE_CLIENT, "rekey-bytes", "3G");
	ck_assert_uint_eq(C.rekey_bytes, 3ULL << 30);
	expect_good_value(ROLE_CLIENT, "rekey-bytes", "1500K");
	ck_assert_uint_eq(C.rekey_bytes, 1500ULL << 10);
	expect_good_value(ROLE_SERVER, "rekey-bytes", "2000000");
	ck_assert_uint_eq(C.rekey_bytes, 2000000);
}
END_TEST

START_TEST(value_rekey_bytes_edges)
{
	/* 1M..1024G, however it is written. */
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1024G");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 40);
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1048576M");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 40);
	expect_good_value(ROLE_SERVER, "rekey-bytes", "1099511627776");
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 40);
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1025G");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1048577M");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1099511627777");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1048575");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1023K");
	expect_bad_value(ROLE_CLIENT, "rekey-bytes", "1K");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "0");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "0G");
	/* Far beyond 1024G, and beyond 64 bits once multiplied. */
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "17179869184G");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "rekey-bytes",
	    "99999999999999999999999G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes",
	    "18446744073709551616");
}
END_TEST

START_TEST(value_rekey_bytes_bad_suffix)
{
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1T");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1g");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1GB");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1MiB");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1 G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "\"1 G\"");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "1.5G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "-1G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "+1G");
	expect_bad_value(ROLE_SERVER, "rekey-bytes", "\"\"");
}
END_TEST

START_TEST(value_offload)
{
	expect_good_value(ROLE_SERVER, "offload", "no");
	ck_assert_int_eq(C.offload, 0);
	expect_good_value(ROLE_SERVER, "offload", "yes");
	ck_assert_int_eq(C.offload, 1);
	expect_good_value(ROLE_CLIENT, "offload", "no");
	ck_assert_int_eq(C.offload, 0);
	expect_good_value(ROLE_CLIENT, "offload", "\"yes\"");
	ck_assert_int_eq(C.offload, 1);
	expect_bad_value(ROLE_SERVER, "offload", "maybe");
	ck_assert_str_eq(err, "guard.conf:1: offload: 'maybe' is neither yes "
	    "nor no");
	/* Exactly yes or no: no other spelling of a truth value. */
	expect_bad_value(ROLE_CLIENT, "offload", "Yes");
	ck_assert_ptr_nonnull(strstr(err, "is neither yes nor no"));
	expect_bad_value(ROLE_SERVER, "offload", "NO");
	expect_bad_value(ROLE_SERVER, "offload", "1");
	expect_bad_value(ROLE_SERVER, "offload", "0");
	expect_bad_value(ROLE_SERVER, "offload", "true");
	expect_bad_value(ROLE_SERVER, "offload", "on");
	expect_bad_value(ROLE_SERVER, "offload", "yess");
	expect_bad_value(ROLE_SERVER, "offload", "\"yes \"");
	expect_bad_value(ROLE_SERVER, "offload", "\"\"");
	ck_assert_str_eq(err, "guard.conf:1: offload: '' is neither yes nor "
	    "no");
	/* A key with a value, not a switch. */
	expect_error(ROLE_SERVER, "offload\n",
	    "guard.conf:1: offload: needs a value: offload yes|no");
	expect_error(ROLE_CLIENT, "offload no\noffload yes\n",
	    "guard.conf:2: offload: given twice (first on line 1)");
}
END_TEST

START_TEST(value_socket_buffer)
{
	/* A bare number is bytes; K and M are binary. */
	expect_good_value(ROLE_SERVER, "socket-buffer", "65536");
	ck_assert_int_eq(C.socket_buffer, 65536);
	expect_good_value(ROLE_SERVER, "socket-buffer", "64K");
	ck_assert_int_eq(C.socket_buffer, 65536);
	expect_good_value(ROLE_CLIENT, "socket-buffer", "64M");
	ck_assert_int_eq(C.socket_buffer, 67108864);
	expect_good_value(ROLE_CLIENT, "socket-buffer", "67108864");
	ck_assert_int_eq(C.socket_buffer, 67108864);
	expect_good_value(ROLE_SERVER, "socket-buffer", "65536K");
	ck_assert_int_eq(C.socket_buffer, 67108864);
	expect_good_value(ROLE_SERVER, "socket-buffer", "4M");
	ck_assert_int_eq(C.socket_buffer, 4 << 20);
	expect_good_value(ROLE_SERVER, "socket-buffer", "1536K");
	ck_assert_int_eq(C.socket_buffer, 1536 << 10);
	expect_good_value(ROLE_CLIENT, "socket-buffer", "100000");
	ck_assert_int_eq(C.socket_buffer, 100000);
	/* Just outside 64K..64M, however it is written. */
	expect_bad_value(ROLE_SERVER, "socket-buffer", "65535");
	ck_assert_str_eq(err, "guard.conf:1: socket-buffer: '65535' is out "
	    "of range 64K..64M");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "63K");
	ck_assert_ptr_nonnull(strstr(err, "out of range 64K..64M"));
	expect_bad_value(ROLE_CLIENT, "socket-buffer", "65M");
	ck_assert_ptr_nonnull(strstr(err, "out of range 64K..64M"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "65537K");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "67108865");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "0");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "0M");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "99999999999999999999");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	expect_bad_value(ROLE_SERVER, "socket-buffer",
	    "99999999999999999999M");
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	/* Not a byte count. */
	expect_bad_value(ROLE_SERVER, "socket-buffer", "abc");
	ck_assert_str_eq(err, "guard.conf:1: socket-buffer: 'abc' is not a "
	    "number");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "4X");
	ck_assert_ptr_nonnull(strstr(err, "'4X' is not a number"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "\"\"");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "-1");
	ck_assert_ptr_nonnull(strstr(err, "'-1' is not a number"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "1G");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "socket-buffer", "4m");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "4MB");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "1.5M");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "+4M");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "M");
	expect_bad_value(ROLE_SERVER, "socket-buffer", "\"4 M\"");
}
END_TEST

START_TEST(value_batch)
{
	expect_good_value(ROLE_SERVER, "batch", "1");
	ck_assert_int_eq(C.batch, 1);
	expect_good_value(ROLE_CLIENT, "batch", "64");
	ck_assert_int_eq(C.batch, 64);
	expect_good_value(ROLE_CLIENT, "batch", "16");
	ck_assert_int_eq(C.batch, 16);
	expect_bad_value(ROLE_SERVER, "batch", "0");
	ck_assert_str_eq(err, "guard.conf:1: batch: 0 is out of range 1..64");
	expect_bad_value(ROLE_CLIENT, "batch", "65");
	ck_assert_ptr_nonnull(strstr(err, "out of range 1..64"));
	expect_bad_value(ROLE_SERVER, "batch", "99999999999999999999");
	ck_assert_ptr_nonnull(strstr(err, "out of range 1..64"));
	expect_bad_value(ROLE_SERVER, "batch", "abc");
	ck_assert_str_eq(err, "guard.conf:1: batch: 'abc' is not a number");
	expect_bad_value(ROLE_SERVER, "batch", "4X");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "batch", "\"\"");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "batch", "-1");
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	expect_bad_value(ROLE_SERVER, "batch", "1K");
	expect_bad_value(ROLE_SERVER, "batch", "0x10");
}
END_TEST

/* ---- conf_check --------------------------------------------------------- */

START_TEST(check_server_requires_ca_cert_key)
{
	ck_assert_int_eq(parse(ROLE_SERVER, "cert /c\nkey /k\n"
	    "pool4 100.64.0.0/24\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "ca is missing"));
	ck_assert_ptr_nonnull(strstr(err, "--ca PATH"));
	ck_assert_int_eq(parse(ROLE_SERVER, "ca /c\nkey /k\n"
	    "pool4 100.64.0.0/24\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "cert is missing"));
	ck_assert_int_eq(parse(ROLE_SERVER, "ca /c\ncert /k\n"
	    "pool4 100.64.0.0/24\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "key is missing"));
}
END_TEST

START_TEST(check_server_requires_pool)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "pool4"));
	ck_assert_ptr_nonnull(strstr(err, "pool6"));
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE "pool6 fd00::/64\n"),
	    0);
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(check_client_requires_peer)
{
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "peer is missing"));
	ck_assert_int_eq(parse(ROLE_CLIENT, "peer vpn.example.org\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "ca is missing"));
}
END_TEST

START_TEST(check_pool_overlaps_route)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npush-route 198.18.0.0/15\n"
	    "push-route 100.64.0.0/10\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err,
	    "push-route 100.64.0.0/10 overlaps pool4 100.64.0.0/24"));
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool6 fd00:1::/64\npush-route fd00::/8\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "pool6"));
	/* The default route contains every pool. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npush-route 0.0.0.0/0\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
}
END_TEST

START_TEST(check_routes_of_other_family_ok)
{
	/* ::/1 would cover 100.64.0.0/24 were families not compared. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npush-route ::/1\n"
	    "push-route 100.64.1.0/24\n"), 0);
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(check_worker_uid_range)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nworker-uids 5000-5200\nmax-peers 100\n"),
	    0);
	ck_assert_int_eq(check_conf(), 0);
	/* One for the router, then two per peer. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nworker-uids 5000-5199\nmax-peers 100\n"),
	    0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "worker-uids"));
	ck_assert_ptr_nonnull(strstr(err, "max-peers"));
	ck_assert_ptr_nonnull(strstr(err, "200"));
	/* The default range is too small for nothing. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nmax-peers 4096\n"), 0);
	ck_assert_int_eq(check_conf(), 0);
}
END_TEST

START_TEST(check_client_needs_two_uids)
{
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\nworker-uids 5000-5000\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "worker-uids"));
}
END_TEST

START_TEST(check_dead_peer_vs_keepalive)
{
	/* Exactly 3 x keepalive-seconds is enough. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nkeepalive-seconds 20\n"
	    "dead-peer-seconds 60\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nkeepalive-seconds 20\n"
	    "dead-peer-seconds 59\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 59"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 20"));
	/* Each alone in range, together not: the default dead-peer. */
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\nkeepalive-seconds 21\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 60"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 21"));
	/* The default keepalive. */
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\ndead-peer-seconds 29\n"), 0);
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 29"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 10"));
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\ndead-peer-seconds 30\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
	/* The smallest pair there is. */
	ck_assert_int_eq(parse(ROLE_CLIENT, CLIENT_BASE
	    "peer vpn.example.org\nkeepalive-seconds 1\n"
	    "dead-peer-seconds 3\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
}
END_TEST

START_TEST(check_hand_built_values)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\n"), 0);
	C.mtu = 100;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "mtu"));
	C.mtu = GUARD_DEFAULT_MTU;
	C.queue_depth = 0;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "queue-depth"));
	C.queue_depth = 8;
	C.cipher = 99;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "cipher"));
	C.cipher = CIPHER_AES256GCM;
	C.pool4.plen = 8;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "pool4"));
	C.pool4.plen = 24;
	C.npush_route = CTL_MAX_ROUTES + 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "push-route"));
	C.npush_route = 0;
	C.handshake_seconds = 0;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "handshake-seconds"));
	C.handshake_seconds = 301;
	ck_assert_int_eq(check_conf(), -1);
	C.handshake_seconds = 10;
	C.max_pending = 0;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "max-pending"));
	C.max_pending = 64;
	C.max_pending_per_source = GUARD_MAX_PEERS + 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "max-pending-per-source"));
	C.max_pending_per_source = 8;
	C.connect_rate = 0;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "connect-rate"));
	C.connect_rate = 10;
	C.connect_burst = -5;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "connect-burst"));
	C.connect_burst = 20;
	C.offload = 2;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "offload 2"));
	C.offload = 0;
	ck_assert_msg(check_conf() == 0, "%s", err);
	C.socket_buffer = SOCKET_BUFFER_MIN - 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "socket-buffer 65535"));
	ck_assert_ptr_nonnull(strstr(err, "64K..64M"));
	C.socket_buffer = SOCKET_BUFFER_MAX + 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "socket-buffer"));
	C.socket_buffer = SOCKET_BUFFER_MAX;
	C.batch = BATCH_MIN - 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "batch 0 is out of range 1..64"));
	C.batch = BATCH_MAX + 1;
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "batch"));
	C.batch = BATCH_MIN;
	ck_assert_msg(check_conf() == 0, "%s", err);
	C.chroot_dir[0] = '\0';
	ck_assert_int_eq(check_conf(), -1);
	ck_assert_ptr_nonnull(strstr(err, "chroot"));
	ck_assert_int_eq(conf_check(NULL, err, sizeof(err)), -1);
}
END_TEST

/* check_conf() must fail with an error that starts with want. */
static void
expect_check_error(const char *want)
{
	ck_assert_msg(check_conf() == -1, "accepted; wanted '%s'", want);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "error '%s' does not start with '%s'", err, want);
}

/* SERVER_BASE takes lines 1-3, so the line under test is line 4. */
static void
expect_pool_refused(const char *key, const char *pool, const char *range)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), SERVER_BASE "%s %s\n", key, pool);
	ck_assert_msg(parse(ROLE_SERVER, text) == 0, "%s", err);
	snprintf(want, sizeof(want), "guard.conf:4: %s %s overlaps %s: ",
	    key, pool, range);
	expect_check_error(want);
}

START_TEST(check_pool_special_ranges)
{
	expect_pool_refused("pool4", "127.0.0.0/24",
	    "the loopback range 127.0.0.0/8");
	expect_pool_refused("pool4", "0.0.0.0/16",
	    "the unspecified range 0.0.0.0/8");
	expect_pool_refused("pool4", "169.254.0.0/16",
	    "the link-local range 169.254.0.0/16");
	expect_pool_refused("pool4", "224.0.0.0/24",
	    "the multicast range 224.0.0.0/4");
	expect_pool_refused("pool4", "239.255.255.0/24",
	    "the multicast range 224.0.0.0/4");
	expect_pool_refused("pool4", "255.255.0.0/16",
	    "the broadcast address 255.255.255.255");
	expect_pool_refused("pool6", "fe80::/64",
	    "the link-local range fe80::/10");
	/* A pool that holds a special range is refused too. */
	expect_pool_refused("pool6", "fe00::/8",
	    "the link-local range fe80::/10");
	expect_pool_refused("pool6", "ff02::/64",
	    "the multicast range ff00::/8");
	expect_pool_refused("pool6", "::/64",
	    "the unspecified address ::/128");
	ck_assert_ptr_nonnull(strstr(err, "take the pool from fd00::/8"));
}
END_TEST

START_TEST(check_pool_ordinary_ranges_ok)
{
	static const char *const good[] = {
		"pool4 100.64.0.0/24", "pool4 198.18.0.0/16",
		"pool4 1.0.0.0/16", "pool4 223.255.255.0/24",
		"pool4 126.255.255.0/24", "pool4 128.0.0.0/16",
		"pool6 fd00:6400::/64", "pool6 2001:db8::/64",
		"pool6 fec0::/10", "pool6 fe00::/9", "pool6 ::2:0/120",
	};
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), SERVER_BASE "%s\n", good[i]);
		ck_assert_msg(parse(ROLE_SERVER, text) == 0, "%s", err);
		ck_assert_msg(check_conf() == 0, "%s: %s", good[i], err);
	}
}
END_TEST

START_TEST(check_push_route_default_refused)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool6 fd00::/64\npush-route 0.0.0.0/0\n"), 0);
	expect_check_error("guard.conf:5: push-route 0.0.0.0/0 is a default "
	    "route: clients refuse a configuration with one");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npush-route 198.19.0.0/16\n"
	    "push-route ::/0\n"), 0);
	expect_check_error("guard.conf:6: push-route ::/0 is a default route");
	/* Said as such even though it also overlaps the pool. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npush-route 0.0.0.0/0\n"), 0);
	expect_check_error("guard.conf:5: push-route 0.0.0.0/0 is a default");
}
END_TEST

START_TEST(check_push_route_special_refused)
{
	static const struct {
		const char *route, *range;
	} bad[] = {
		{ "224.0.0.0/4", "the multicast range 224.0.0.0/4" },
		{ "239.1.0.0/16", "the multicast range 224.0.0.0/4" },
		{ "127.0.0.0/8", "the loopback range 127.0.0.0/8" },
		{ "169.254.0.0/16", "the link-local range 169.254.0.0/16" },
		{ "0.0.0.0/8", "the unspecified range 0.0.0.0/8" },
		{ "255.255.255.255/32", "the broadcast address 255.255.255.255" },
		{ "fe80::/64", "the link-local range fe80::/10" },
		{ "ff00::/8", "the multicast range ff00::/8" },
		{ "::1/128", "the loopback address ::1/128" },
	};
	char text[256], want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SERVER_BASE "pool6 fd00::/64\n"
		    "push-route %s\n", bad[i].route);
		ck_assert_msg(parse(ROLE_SERVER, text) == 0, "%s", err);
		snprintf(want, sizeof(want), "guard.conf:5: push-route %s "
		    "lies in %s, which clients never route", bad[i].route,
		    bad[i].range);
		expect_check_error(want);
	}
}
END_TEST

/* Routes that only contain a special range are the client's to narrow. */
START_TEST(check_push_route_wide_routes_ok)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool6 fd00::/64\npush-route 0.0.0.0/1\npush-route 128.0.0.0/1\n"
	    "push-route 2000::/3\npush-route 198.18.0.0/15\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
}
END_TEST

START_TEST(check_listen_inside_pool)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nlisten 198.18.0.1\nlisten 100.64.0.1\n"),
	    0);
	expect_check_error("guard.conf:6: listen 100.64.0.1 lies inside pool4 "
	    "100.64.0.0/24: clients could reach it only through the tunnel");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool6 fd00:6400::/64\nlisten fd00:6400::9\n"), 0);
	expect_check_error("guard.conf:5: listen fd00:6400::9 lies inside "
	    "pool6 fd00:6400::/64");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\npool6 fd00:6400::/64\nlisten 198.18.0.1\n"
	    "listen 2001:db8::1\nlisten 100.64.1.1\n"), 0);
	ck_assert_msg(check_conf() == 0, "%s", err);
}
END_TEST

/* A conflict between two keys names the line that completed it. */
START_TEST(check_errors_name_the_line)
{
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "push-route 100.64.0.0/16\n\n# the pool\npool4 100.64.0.0/24\n"),
	    0);
	expect_check_error("guard.conf:4: push-route 100.64.0.0/16 overlaps "
	    "pool4 100.64.0.0/24");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "pool4 100.64.0.0/24\nkeepalive-seconds 30\n"), 0);
	expect_check_error("guard.conf:5: dead-peer-seconds 60 is less than");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "dead-peer-seconds 30\npool4 100.64.0.0/24\nkeepalive-seconds 11\n"),
	    0);
	expect_check_error("guard.conf:6: dead-peer-seconds 30");
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE
	    "max-peers 100\npool4 100.64.0.0/24\nworker-uids 5000-5100\n"), 0);
	expect_check_error("guard.conf:6: worker-uids 5000-5100 holds 101");
	/* Nothing to point at: no place. */
	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE), 0);
	expect_check_error("no address pool");
}
END_TEST

START_TEST(where_names_file_and_line)
{
	char buf[PATH_MAX + 32];

	ck_assert_int_eq(parse(ROLE_SERVER, SERVER_BASE "\npool4 "
	    "100.64.0.0/24\n"), 0);
	ck_assert_str_eq(conf_where(&C, "pool4", buf, sizeof(buf)),
	    "guard.conf:5: ");
	ck_assert_str_eq(conf_where(&C, "ca", buf, sizeof(buf)),
	    "guard.conf:1: ");
	ck_assert_str_eq(conf_where(&C, "pool6", buf, sizeof(buf)), "");
	ck_assert_str_eq(conf_where(&C, "no-such-key", buf, sizeof(buf)), "");
	ck_assert_str_eq(conf_where(NULL, "pool4", buf, sizeof(buf)), "");
	ck_assert_ptr_null(conf_where(&C, "pool4", NULL, 0));
	/* Too small a buffer still ends in a NUL. */
	ck_assert_str_eq(conf_where(&C, "pool4", buf, 4), "gua");
}
END_TEST

/* ---- conf_load: files and flags ----------------------------------------- */

START_TEST(load_flags_only_server)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool4", "100.64.0.0/24", "-f", "-vv", NULL), 0);
	ck_assert_int_eq(C.foreground, 1);
	ck_assert_int_eq(C.verbose, 2);
	ck_assert_str_eq(fmt(&C.pool4), "100.64.0.0/24");
}
END_TEST

START_TEST(load_flags_only_client)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org:4000",
	    "--ca=/c", "--cert", "/e", "--key", "/k", NULL), 0);
	ck_assert_str_eq(C.peer_host[0], "vpn.example.org");
	ck_assert_int_eq(C.peer_port[0], 4000);
	/* No server-name: each server's certificate must carry its own. */
	ck_assert_str_eq(C.server_name, "");
}
END_TEST

/* Several servers, tried in the order given. */
START_TEST(load_several_peers)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org",
	    "--peer", "[2001:db8::1]:4000", "--peer", "198.18.0.1:443",
	    "--ca", "/c", "--cert", "/e", "--key", "/k", NULL), 0);
	ck_assert_int_eq(C.npeer_host, 3);
	ck_assert_str_eq(C.peer_host[0], "vpn.example.org");
	ck_assert_int_eq(C.peer_port[0], GUARD_DEFAULT_PORT);
	ck_assert_str_eq(C.peer_host[1], "2001:db8::1");
	ck_assert_int_eq(C.peer_port[1], 4000);
	ck_assert_str_eq(C.peer_host[2], "198.18.0.1");
	ck_assert_int_eq(C.peer_port[2], 443);
}
END_TEST

START_TEST(load_too_many_peers)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "a.example.org",
	    "--peer", "b.example.org", "--peer", "c.example.org", "--peer",
	    "d.example.org", "--peer", "e.example.org", "--ca", "/c", "--cert",
	    "/e", "--key", "/k", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most 4"));
}
END_TEST

START_TEST(load_same_peer_twice)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "198.18.0.1",
	    "--peer", "198.18.0.1:51820", "--ca", "/c", "--cert", "/e",
	    "--key", "/k", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "given twice"));
}
END_TEST

START_TEST(load_server_name_wins_over_peer)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--server-name", "gw.example.org",
	    "--peer", "198.18.0.1", "--ca", "/c", "--cert", "/e", "--key",
	    "/k", NULL), 0);
	ck_assert_str_eq(C.server_name, "gw.example.org");
}
END_TEST

START_TEST(load_file_then_flags_win)
{
	char path[64];

	write_file(path, sizeof(path), SERVER_BASE
	    "pool4 100.64.0.0/24\nport 4000\nmtu 1400\ndev gd3\n");
	int rc = load(ROLE_SERVER, "-c", path, "--port", "5000", NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.port, 5000);
	ck_assert_int_eq(C.mtu, 1400);
	ck_assert_str_eq(C.dev, "gd3");
	ck_assert_str_eq(C.config_file, path);
}
END_TEST

START_TEST(load_flags_before_config_still_win)
{
	char path[64];

	write_file(path, sizeof(path), SERVER_BASE
	    "pool4 100.64.0.0/24\nport 4000\n");
	int rc = load(ROLE_SERVER, "--port", "5000", "--config", path, NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.port, 5000);
}
END_TEST

START_TEST(load_flag_list_replaces_file_list)
{
	char path[64];

	write_file(path, sizeof(path), SERVER_BASE
	    "pool4 100.64.0.0/24\n"
	    "push-route 198.18.0.0/16\npush-route 198.19.0.0/16\n"
	    "push-dns 198.18.0.53\n"
	    "listen 198.18.0.1\n");
	int rc = load(ROLE_SERVER, "-c", path, "--push-route", "2001:db8::/32",
	    "--push-route", "198.18.7.0/24", NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.npush_route, 2);
	ck_assert_str_eq(fmt(&C.push_route[0]), "2001:db8::/32");
	ck_assert_str_eq(fmt(&C.push_route[1]), "198.18.7.0/24");
	/* Lists not given as flags stay as the file has them. */
	ck_assert_int_eq(C.npush_dns, 1);
	ck_assert_int_eq(C.nlisten, 1);
}
END_TEST

START_TEST(load_verbose_flags_replace_file)
{
	char path[64];

	write_file(path, sizeof(path), SERVER_BASE
	    "pool4 100.64.0.0/24\nverbose\nverbose\nverbose\n");
	int rc = load(ROLE_SERVER, "-c", path, "-v", NULL);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.verbose, 1);
	rc = load(ROLE_SERVER, "-c", path, NULL);
	unlink(path);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(C.verbose, 3);
}
END_TEST

START_TEST(load_file_error_has_file_and_line)
{
	char path[64], want[128];

	write_file(path, sizeof(path), SERVER_BASE "pool4 100.64.0.0/24\n"
	    "\n# comment\nmtu 100\n");
	int rc = load(ROLE_SERVER, "-c", path, NULL);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "%s:7: mtu: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
}
END_TEST

/* A flag replaces a file's value, and with it the file's line. */
START_TEST(load_flags_have_no_line)
{
	char path[64], want[128], buf[PATH_MAX + 32];

	write_file(path, sizeof(path), SERVER_BASE "pool4 100.64.0.0/24\n"
	    "listen 198.18.0.1\n");
	int rc = load(ROLE_SERVER, "-c", path, "--push-route",
	    "100.64.0.0/23", NULL);
	ck_assert_int_eq(rc, -1);
	/* The route has no line; the pool it overlaps has. */
	snprintf(want, sizeof(want), "%s:4: push-route 100.64.0.0/23 overlaps "
	    "pool4", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	rc = load(ROLE_SERVER, "-c", path, "--pool4", "100.64.0.0/24",
	    "--listen", "100.64.0.1", NULL);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strncmp(err, "listen 100.64.0.1 lies inside pool4",
	    strlen("listen 100.64.0.1 lies inside pool4")) == 0, "%s", err);
	rc = load(ROLE_SERVER, "-c", path, "--pool4", "100.64.1.0/24", NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_str_eq(conf_where(&C, "pool4", buf, sizeof(buf)), "");
	snprintf(want, sizeof(want), "%s:1: ", path);
	ck_assert_str_eq(conf_where(&C, "ca", buf, sizeof(buf)), want);
}
END_TEST

START_TEST(load_missing_file)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-c",
	    "/nonexistent/guard-test.conf", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/guard-test.conf: "
	    "cannot open"));
}
END_TEST

START_TEST(load_directory_as_file)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-c", "/tmp", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "directory"));
}
END_TEST

START_TEST(load_oversized_file)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/guard-test-conf.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(ftruncate(fd, CONF_MAX_FILE + 1), 0);
	close(fd);
	int rc = load(ROLE_SERVER, "-c", path, NULL);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
}
END_TEST

START_TEST(load_parse_file_directly)
{
	char path[64];

	write_file(path, sizeof(path), "port 4000\n");
	conf_defaults(&C, ROLE_SERVER);
	int rc = conf_parse_file(&C, path, err, sizeof(err));
	unlink(path);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(C.port, 4000);
	ck_assert_int_eq(conf_parse_file(&C, "", err, sizeof(err)), -1);
	ck_assert_int_eq(conf_parse_file(&C, NULL, err, sizeof(err)), -1);
}
END_TEST

START_TEST(load_config_twice)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-c", "/a", "-c", "/b", NULL), -1);
	ck_assert_str_eq(err, "--config: given twice");
}
END_TEST

START_TEST(load_config_empty)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--config=", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--config: "));
}
END_TEST

START_TEST(load_config_missing_value)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-c", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--config: needs a value"));
}
END_TEST

START_TEST(load_unknown_flag)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--bogus", NULL), -1);
	ck_assert_str_eq(err, "unknown option '--bogus'; see --help");
	ck_assert_int_eq(load(ROLE_SERVER, "--bogus=1", NULL), -1);
	ck_assert_str_eq(err, "unknown option '--bogus'; see --help");
	ck_assert_int_eq(load(ROLE_SERVER, "-x", NULL), -1);
	ck_assert_str_eq(err, "unknown option '-x'; see --help");
}
END_TEST

START_TEST(load_abbreviations)
{
	/* GNU getopt_long takes an unambiguous abbreviation... */
	ck_assert_int_eq(load(ROLE_SERVER, "--fore", "--ca", "/c", "--cert",
	    "/e", "--key", "/k", "--pool4", "100.64.0.0/24", NULL), 0);
	ck_assert_int_eq(C.foreground, 1);
	/* ...and says which ones are ambiguous. */
	ck_assert_int_eq(load(ROLE_SERVER, "--pool=100.64.0.0/24", NULL), -1);
	ck_assert_str_eq(err, "ambiguous option '--pool': spell it out; "
	    "see --help");
}
END_TEST

START_TEST(load_flag_missing_value)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--port", NULL), -1);
	ck_assert_str_eq(err, "--port: needs a value: --port N");
}
END_TEST

START_TEST(load_value_on_switch)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--foreground=yes", NULL), -1);
	ck_assert_str_eq(err, "--foreground: takes no value");
}
END_TEST

START_TEST(load_bad_flag_value)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--port", "0", NULL), -1);
	ck_assert_str_eq(err, "--port: 0 is out of range 1..65535");
	ck_assert_int_eq(load(ROLE_SERVER, "--pool4", "100.64.0.1/24", NULL),
	    -1);
	ck_assert_str_eq(err, "--pool4: host bits set in '100.64.0.1/24' "
	    "(did you mean 100.64.0.0/24?)");
}
END_TEST

START_TEST(load_duplicate_flag)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--port", "1", "--port", "2", NULL),
	    -1);
	ck_assert_str_eq(err, "--port: given twice");
}
END_TEST

START_TEST(load_wrong_role_flag)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--pool4", "100.64.0.0/24", NULL),
	    -1);
	ck_assert_str_eq(err,
	    "--pool4: pool4 is a guardd option, not for tunclient");
	ck_assert_int_eq(load(ROLE_SERVER, "--peer", "vpn.example.org", NULL),
	    -1);
	ck_assert_str_eq(err,
	    "--peer: peer is a tunclient option, not for guardd");
}
END_TEST

START_TEST(load_positional_argument)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-f", "stray", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'stray'"));
	ck_assert_int_eq(load(ROLE_SERVER, "stray", "-f", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'stray'"));
}
END_TEST

START_TEST(load_help)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-h", NULL), 1);
	ck_assert_int_eq(load(ROLE_CLIENT, "--help", NULL), 1);
	/* Help wins over a config file that would fail. */
	ck_assert_int_eq(load(ROLE_SERVER, "-c", "/nonexistent", "-h", NULL),
	    1);
}
END_TEST

START_TEST(load_check_switch)
{
	ck_assert_int_eq(load(ROLE_SERVER, "-n", "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool6", "fd00::/64", NULL), 0);
	ck_assert_int_eq(C.configtest, 1);
}
END_TEST

START_TEST(load_runs_conf_check)
{
	ck_assert_int_eq(load(ROLE_SERVER, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "ca is missing"));
	ck_assert_int_eq(load(ROLE_CLIENT, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "peer is missing"));
}
END_TEST

START_TEST(load_repeatedly)
{
	/* getopt is reset between calls: the same argv parses the same. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(load(ROLE_SERVER, "--port", "1", "--bogus",
		    NULL), -1);
		ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert",
		    "/e", "--key", "/k", "--pool4", "100.64.0.0/24",
		    "--port", "7", NULL), 0);
		ck_assert_int_eq(C.port, 7);
	}
}
END_TEST

START_TEST(load_timer_flags_server)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool4", "100.64.0.0/24", "--rekey-seconds", "30",
	    "--rekey-bytes", "64M", "--keepalive-seconds=2",
	    "--dead-peer-seconds", "6", NULL), 0);
	ck_assert_int_eq(C.rekey_seconds, 30);
	ck_assert_uint_eq(C.rekey_bytes, 64ULL << 20);
	ck_assert_int_eq(C.keepalive_seconds, 2);
	ck_assert_int_eq(C.dead_peer_seconds, 6);
}
END_TEST

START_TEST(load_gate_flags)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool4", "100.64.0.0/24", "--max-pending", "32",
	    "--max-pending-per-source=4", "--connect-rate", "5",
	    "--connect-burst", "7", "--handshake-seconds", "3", NULL), 0);
	ck_assert_int_eq(C.max_pending, 32);
	ck_assert_int_eq(C.max_pending_per_source, 4);
	ck_assert_int_eq(C.connect_rate, 5);
	ck_assert_int_eq(C.connect_burst, 7);
	ck_assert_int_eq(C.handshake_seconds, 3);
	/* The exact name wins over the longer one it begins. */
	ck_assert_int_eq(load(ROLE_SERVER, "--max-pending", "0", NULL), -1);
	ck_assert_str_eq(err, "--max-pending: 0 is out of range 1..4096");
	ck_assert_int_eq(load(ROLE_SERVER, "--max-pe", "3", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "ambiguous option '--max-pe'"));
	ck_assert_int_eq(load(ROLE_CLIENT, "--connect-rate", "5", NULL), -1);
	ck_assert_str_eq(err, "--connect-rate: connect-rate is a guardd "
	    "option, not for tunclient");
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org", "--ca",
	    "/c", "--cert", "/e", "--key", "/k", "--handshake-seconds", "60",
	    NULL), 0);
	ck_assert_int_eq(C.handshake_seconds, 60);
}
END_TEST

START_TEST(load_timer_flags_client)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org", "--ca",
	    "/c", "--cert", "/e", "--key", "/k", "--rekey-seconds=86400",
	    "--rekey-bytes=1024G", "--keepalive-seconds", "3600",
	    "--dead-peer-seconds", "86400", NULL), 0);
	ck_assert_int_eq(C.rekey_seconds, 86400);
	ck_assert_uint_eq(C.rekey_bytes, 1ULL << 40);
	ck_assert_int_eq(C.keepalive_seconds, 3600);
	ck_assert_int_eq(C.dead_peer_seconds, 86400);
}
END_TEST

START_TEST(load_timer_flags_bad)
{
	ck_assert_int_eq(load(ROLE_CLIENT, "--rekey-seconds", "0", NULL), -1);
	ck_assert_str_eq(err, "--rekey-seconds: 0 is out of range 1..86400");
	ck_assert_int_eq(load(ROLE_SERVER, "--keepalive-seconds", "3601",
	    NULL), -1);
	ck_assert_str_eq(err,
	    "--keepalive-seconds: 3601 is out of range 1..3600");
	ck_assert_int_eq(load(ROLE_SERVER, "--dead-peer-seconds", "2", NULL),
	    -1);
	ck_assert_str_eq(err, "--dead-peer-seconds: 2 is out of range "
	    "3..86400");
	ck_assert_int_eq(load(ROLE_CLIENT, "--rekey-bytes", "1K", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--rekey-bytes: "));
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ck_assert_int_eq(load(ROLE_CLIENT, "--rekey-bytes", "1T", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--rekey-bytes: "));
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	ck_assert_int_eq(load(ROLE_CLIENT, "--rekey-seconds", "5",
	    "--rekey-seconds", "6", NULL), -1);
	ck_assert_str_eq(err, "--rekey-seconds: given twice");
}
END_TEST

START_TEST(load_timer_flags_checked_together)
{
	/* Each flag in range, the pair refused by conf_check. */
	ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool4", "100.64.0.0/24", "--keepalive-seconds",
	    "30", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 60"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 30"));
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org", "--ca",
	    "/c", "--cert", "/e", "--key", "/k", "--dead-peer-seconds", "20",
	    NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 20"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 10"));
}
END_TEST

START_TEST(load_timer_file_then_flags_win)
{
	char path[64];

	write_file(path, sizeof(path), CLIENT_BASE "peer vpn.example.org\n"
	    "rekey-seconds 600\nrekey-bytes 4G\nkeepalive-seconds 25\n"
	    "dead-peer-seconds 75\n");
	int rc = load(ROLE_CLIENT, "-c", path, NULL);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.rekey_seconds, 600);
	ck_assert_uint_eq(C.rekey_bytes, 4ULL << 30);
	ck_assert_int_eq(C.keepalive_seconds, 25);
	ck_assert_int_eq(C.dead_peer_seconds, 75);
	rc = load(ROLE_CLIENT, "-c", path, "--rekey-bytes", "100M",
	    "--dead-peer-seconds", "200", NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(C.rekey_bytes, 100ULL << 20);
	ck_assert_int_eq(C.dead_peer_seconds, 200);
	ck_assert_int_eq(C.rekey_seconds, 600);
	ck_assert_int_eq(C.keepalive_seconds, 25);
}
END_TEST

START_TEST(load_timer_file_checked_together)
{
	char path[64];

	/* The file's keepalive and a flag's dead-peer are checked as one. */
	write_file(path, sizeof(path), SERVER_BASE "pool6 fd00::/64\n"
	    "keepalive-seconds 40\ndead-peer-seconds 120\n");
	int rc = load(ROLE_SERVER, "-c", path, NULL);
	ck_assert_msg(rc == 0, "%s", err);
	rc = load(ROLE_SERVER, "-c", path, "--dead-peer-seconds", "119",
	    NULL);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, "dead-peer-seconds 119"));
	ck_assert_ptr_nonnull(strstr(err, "keepalive-seconds 40"));
}
END_TEST

START_TEST(load_data_path_flags)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--ca", "/c", "--cert", "/e",
	    "--key", "/k", "--pool4", "100.64.0.0/24", "--offload", "no",
	    "--socket-buffer", "64K", "--batch", "1", NULL), 0);
	ck_assert_int_eq(C.offload, 0);
	ck_assert_int_eq(C.socket_buffer, 65536);
	ck_assert_int_eq(C.batch, 1);
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org", "--ca",
	    "/c", "--cert", "/e", "--key", "/k", "--offload=yes",
	    "--socket-buffer=64M", "--batch=64", NULL), 0);
	ck_assert_int_eq(C.offload, 1);
	ck_assert_int_eq(C.socket_buffer, 64 << 20);
	ck_assert_int_eq(C.batch, 64);
	ck_assert_int_eq(load(ROLE_CLIENT, "--peer", "vpn.example.org", "--ca",
	    "/c", "--cert", "/e", "--key", "/k", "--socket-buffer",
	    "67108864", NULL), 0);
	ck_assert_int_eq(C.socket_buffer, 67108864);
}
END_TEST

START_TEST(load_data_path_flags_bad)
{
	ck_assert_int_eq(load(ROLE_SERVER, "--offload", "maybe", NULL), -1);
	ck_assert_str_eq(err, "--offload: 'maybe' is neither yes nor no");
	ck_assert_int_eq(load(ROLE_CLIENT, "--offload", "", NULL), -1);
	ck_assert_str_eq(err, "--offload: '' is neither yes nor no");
	ck_assert_int_eq(load(ROLE_SERVER, "--offload", NULL), -1);
	ck_assert_str_eq(err, "--offload: needs a value: --offload yes|no");
	ck_assert_int_eq(load(ROLE_SERVER, "--socket-buffer", "63K", NULL),
	    -1);
	ck_assert_str_eq(err,
	    "--socket-buffer: '63K' is out of range 64K..64M");
	ck_assert_int_eq(load(ROLE_CLIENT, "--socket-buffer", "65M", NULL),
	    -1);
	ck_assert_str_eq(err,
	    "--socket-buffer: '65M' is out of range 64K..64M");
	ck_assert_int_eq(load(ROLE_SERVER, "--socket-buffer", "4X", NULL),
	    -1);
	ck_assert_str_eq(err, "--socket-buffer: '4X' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--socket-buffer", "", NULL), -1);
	ck_assert_str_eq(err, "--socket-buffer: '' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--socket-buffer", "-1", NULL), -1);
	ck_assert_str_eq(err, "--socket-buffer: '-1' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--socket-buffer",
	    "99999999999999999999", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--socket-buffer: "));
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "0", NULL), -1);
	ck_assert_str_eq(err, "--batch: 0 is out of range 1..64");
	ck_assert_int_eq(load(ROLE_CLIENT, "--batch", "65", NULL), -1);
	ck_assert_str_eq(err, "--batch: 65 is out of range 1..64");
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "abc", NULL), -1);
	ck_assert_str_eq(err, "--batch: 'abc' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "", NULL), -1);
	ck_assert_str_eq(err, "--batch: '' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "-1", NULL), -1);
	ck_assert_str_eq(err, "--batch: '-1' is not a number");
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "99999999999999999999",
	    NULL), -1);
	ck_assert_str_eq(err, "--batch: 99999999999999999999 is out of range "
	    "1..64");
	ck_assert_int_eq(load(ROLE_SERVER, "--batch", "8", "--batch", "9",
	    NULL), -1);
	ck_assert_str_eq(err, "--batch: given twice");
}
END_TEST

START_TEST(load_data_path_file_then_flags_win)
{
	char path[64];

	write_file(path, sizeof(path), CLIENT_BASE "peer vpn.example.org\n"
	    "offload no\nsocket-buffer 16M\nbatch 8\n");
	int rc = load(ROLE_CLIENT, "-c", path, NULL);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.offload, 0);
	ck_assert_int_eq(C.socket_buffer, 16 << 20);
	ck_assert_int_eq(C.batch, 8);
	rc = load(ROLE_CLIENT, "-c", path, "--offload", "yes",
	    "--socket-buffer", "128K", "--batch", "64", NULL);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.offload, 1);
	ck_assert_int_eq(C.socket_buffer, 128 << 10);
	ck_assert_int_eq(C.batch, 64);
	/* One flag overrides its key alone. */
	rc = load(ROLE_CLIENT, "--batch", "2", "-c", path, NULL);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.offload, 0);
	ck_assert_int_eq(C.socket_buffer, 16 << 20);
	ck_assert_int_eq(C.batch, 2);
	rc = load(ROLE_CLIENT, "-c", path, "--socket-buffer", "1M", NULL);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(C.socket_buffer, 1 << 20);
	ck_assert_int_eq(C.batch, 8);
	/* A bad value in the file fails there, whatever the flags say. */
	write_file(path, sizeof(path), SERVER_BASE "pool4 100.64.0.0/24\n"
	    "batch 128\n");
	rc = load(ROLE_SERVER, "-c", path, "--batch", "4", NULL);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, ":5: batch: 128 is out of range "
	    "1..64"));
	unlink(path);
}
END_TEST

START_TEST(load_bad_role)
{
	char *argv[] = { (char *)"x", NULL };

	ck_assert_int_eq(conf_load(&C, 3, 1, argv, err, sizeof(err)), -1);
}
END_TEST

/* ---- Usage -------------------------------------------------------------- */

static char *
usage_text(int role)
{
	static char buf[8192];
	FILE *fp = fmemopen(buf, sizeof(buf), "w");

	ck_assert_ptr_nonnull(fp);
	conf_usage(role, fp);
	fclose(fp);
	return buf;
}

START_TEST(usage_server)
{
	const char *u = usage_text(ROLE_SERVER);

	ck_assert_ptr_nonnull(strstr(u, "usage: guardd"));
	ck_assert_ptr_nonnull(strstr(u, "--pool4 PREFIX"));
	ck_assert_ptr_nonnull(strstr(u, "-c, --config FILE"));
	ck_assert_ptr_nonnull(strstr(u, "(default gd0)"));
	ck_assert_ptr_nonnull(strstr(u, "(default 51820)"));
	ck_assert_ptr_nonnull(strstr(u, "--max-pending N"));
	ck_assert_ptr_nonnull(strstr(u, "--max-pending-per-source N"));
	ck_assert_ptr_nonnull(strstr(u, "--connect-rate N"));
	ck_assert_ptr_nonnull(strstr(u, "--connect-burst N"));
	ck_assert_ptr_nonnull(strstr(u, "--handshake-seconds N"));
	ck_assert_ptr_nonnull(strstr(u, "--offload yes|no"));
	ck_assert_ptr_nonnull(strstr(u, "(default yes)"));
	ck_assert_ptr_nonnull(strstr(u, "--socket-buffer N[KM]"));
	ck_assert_ptr_nonnull(strstr(u, "(default 4M)"));
	ck_assert_ptr_nonnull(strstr(u, "--batch N"));
	ck_assert_ptr_nonnull(strstr(u, "(default 64)"));
	ck_assert_ptr_null(strstr(u, "--peer"));
	ck_assert_ptr_null(strstr(u, "--server-name"));
}
END_TEST

START_TEST(usage_client)
{
	const char *u = usage_text(ROLE_CLIENT);

	ck_assert_ptr_nonnull(strstr(u, "usage: tunclient"));
	ck_assert_ptr_nonnull(strstr(u, "--peer HOST[:PORT]"));
	ck_assert_ptr_nonnull(strstr(u, "(default gc0)"));
	ck_assert_ptr_null(strstr(u, "--pool4"));
	ck_assert_ptr_null(strstr(u, "--mtu"));
	ck_assert_ptr_nonnull(strstr(u, "--rekey-seconds N"));
	ck_assert_ptr_nonnull(strstr(u, "--rekey-bytes N[KMG]"));
	ck_assert_ptr_nonnull(strstr(u, "--keepalive-seconds N"));
	ck_assert_ptr_nonnull(strstr(u, "--dead-peer-seconds N"));
	ck_assert_ptr_nonnull(strstr(u, "--handshake-seconds N"));
	ck_assert_ptr_nonnull(strstr(u, "--offload yes|no"));
	ck_assert_ptr_nonnull(strstr(u, "--socket-buffer N[KM]"));
	ck_assert_ptr_nonnull(strstr(u, "(default 4M)"));
	ck_assert_ptr_nonnull(strstr(u, "--batch N"));
	ck_assert_ptr_null(strstr(u, "--max-pending"));
	ck_assert_ptr_null(strstr(u, "--connect-rate"));
}
END_TEST

START_TEST(usage_lists_every_key)
{
	/* Every key in the usage text is also found by the parser. */
	static const char *const server[] = {
		"ca", "cert", "chroot", "cipher", "crl", "dev", "foreground",
		"key", "listen", "max-peers", "mtu", "pool4", "pool6", "port",
		"push-dns", "push-route", "queue-depth", "verbose",
		"worker-uids", "rekey-seconds", "rekey-bytes",
		"keepalive-seconds", "dead-peer-seconds", "handshake-seconds",
		"max-pending", "max-pending-per-source", "connect-rate",
		"connect-burst", "offload", "socket-buffer", "batch",
	};
	const char *u = usage_text(ROLE_SERVER);

	for (size_t i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
		char flag[64], text[64];
		snprintf(flag, sizeof(flag), "--%s", server[i]);
		ck_assert_msg(strstr(u, flag) != NULL, "%s", flag);
		/* Not "unknown key": the sorted lookup finds it. */
		snprintf(text, sizeof(text), "%s\n", server[i]);
		parse(ROLE_SERVER, text);
		ck_assert_msg(strstr(err, "unknown") == NULL, "%s", err);
	}
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_test(tc, defaults_server);
	tcase_add_test(tc, defaults_client);
	tcase_add_test(tc, defaults_timers_pass_check);
	tcase_add_test(tc, defaults_reset_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_test(tc, file_minimal_server);
	tcase_add_test(tc, file_every_server_key);
	tcase_add_test(tc, file_every_client_key);
	tcase_add_test(tc, file_comments_and_blanks);
	tcase_add_test(tc, file_crlf_and_no_final_newline);
	tcase_add_test(tc, file_empty);
	tcase_add_test(tc, file_quoted_value);
	tcase_add_test(tc, file_quoted_empty_value);
	tcase_add_test(tc, file_unterminated_quote);
	tcase_add_test(tc, file_text_after_quote);
	tcase_add_test(tc, file_unknown_key);
	tcase_add_test(tc, file_key_case_matters);
	tcase_add_test(tc, file_unknown_key_suggests);
	tcase_add_test(tc, file_unknown_key_long_word);
	tcase_add_test(tc, file_missing_value);
	tcase_add_test(tc, file_value_on_switch);
	tcase_add_test(tc, file_two_values);
	tcase_add_test(tc, file_duplicate_key);
	tcase_add_test(tc, file_duplicate_switch);
	tcase_add_test(tc, file_duplicates_only_within_one_file);
	tcase_add_test(tc, file_too_many_listen);
	tcase_add_test(tc, file_too_many_push_route);
	tcase_add_test(tc, file_too_many_push_dns);
	tcase_add_test(tc, file_line_max_ok);
	tcase_add_test(tc, file_line_too_long);
	tcase_add_test(tc, file_nul_byte);
	tcase_add_test(tc, file_control_char);
	tcase_add_test(tc, file_too_large);
	tcase_add_test(tc, file_needs_role);
	tcase_add_test(tc, file_error_stops_at_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("roles");
	tcase_add_test(tc, role_server_key_in_client);
	tcase_add_test(tc, role_client_key_in_server);
	tcase_add_test(tc, role_cmdline_only_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, value_port);
	tcase_add_test(tc, value_mtu);
	tcase_add_test(tc, value_queue_depth);
	tcase_add_test(tc, value_max_peers);
	tcase_add_test(tc, value_worker_uids);
	tcase_add_test(tc, value_dev);
	tcase_add_test(tc, value_paths);
	tcase_add_test(tc, value_pool4);
	tcase_add_test(tc, value_pool6);
	tcase_add_test(tc, value_cipher);
	tcase_add_test(tc, value_cipher_names_match_aead);
	tcase_add_test(tc, value_listen);
	tcase_add_test(tc, value_push_route);
	tcase_add_test(tc, value_push_dns);
	tcase_add_test(tc, value_peer_forms);
	tcase_add_test(tc, value_peer_bad);
	tcase_add_test(tc, value_peer_oversized);
	tcase_add_test(tc, value_server_name);
	tcase_add_test(tc, value_rekey_seconds);
	tcase_add_test(tc, value_keepalive_seconds);
	tcase_add_test(tc, value_dead_peer_seconds);
	tcase_add_test(tc, value_handshake_seconds);
	tcase_add_test(tc, value_max_pending);
	tcase_add_test(tc, value_connect_rate);
	tcase_add_test(tc, value_rekey_bytes_suffixes);
	tcase_add_test(tc, value_rekey_bytes_edges);
	tcase_add_test(tc, value_rekey_bytes_bad_suffix);
	tcase_add_test(tc, value_offload);
	tcase_add_test(tc, value_socket_buffer);
	tcase_add_test(tc, value_batch);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_test(tc, check_server_requires_ca_cert_key);
	tcase_add_test(tc, check_server_requires_pool);
	tcase_add_test(tc, check_client_requires_peer);
	tcase_add_test(tc, check_pool_overlaps_route);
	tcase_add_test(tc, check_routes_of_other_family_ok);
	tcase_add_test(tc, check_worker_uid_range);
	tcase_add_test(tc, check_client_needs_two_uids);
	tcase_add_test(tc, check_dead_peer_vs_keepalive);
	tcase_add_test(tc, check_hand_built_values);
	tcase_add_test(tc, check_pool_special_ranges);
	tcase_add_test(tc, check_pool_ordinary_ranges_ok);
	tcase_add_test(tc, check_push_route_default_refused);
	tcase_add_test(tc, check_push_route_special_refused);
	tcase_add_test(tc, check_push_route_wide_routes_ok);
	tcase_add_test(tc, check_listen_inside_pool);
	tcase_add_test(tc, check_errors_name_the_line);
	tcase_add_test(tc, where_names_file_and_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, load_flags_only_server);
	tcase_add_test(tc, load_flags_only_client);
	tcase_add_test(tc, load_server_name_wins_over_peer);
	tcase_add_test(tc, load_several_peers);
	tcase_add_test(tc, load_too_many_peers);
	tcase_add_test(tc, load_same_peer_twice);
	tcase_add_test(tc, load_file_then_flags_win);
	tcase_add_test(tc, load_flags_before_config_still_win);
	tcase_add_test(tc, load_flag_list_replaces_file_list);
	tcase_add_test(tc, load_verbose_flags_replace_file);
	tcase_add_test(tc, load_file_error_has_file_and_line);
	tcase_add_test(tc, load_flags_have_no_line);
	tcase_add_test(tc, load_missing_file);
	tcase_add_test(tc, load_directory_as_file);
	tcase_add_test(tc, load_oversized_file);
	tcase_add_test(tc, load_parse_file_directly);
	tcase_add_test(tc, load_config_twice);
	tcase_add_test(tc, load_config_empty);
	tcase_add_test(tc, load_config_missing_value);
	tcase_add_test(tc, load_unknown_flag);
	tcase_add_test(tc, load_abbreviations);
	tcase_add_test(tc, load_flag_missing_value);
	tcase_add_test(tc, load_value_on_switch);
	tcase_add_test(tc, load_bad_flag_value);
	tcase_add_test(tc, load_duplicate_flag);
	tcase_add_test(tc, load_wrong_role_flag);
	tcase_add_test(tc, load_positional_argument);
	tcase_add_test(tc, load_help);
	tcase_add_test(tc, load_check_switch);
	tcase_add_test(tc, load_runs_conf_check);
	tcase_add_test(tc, load_repeatedly);
	tcase_add_test(tc, load_timer_flags_server);
	tcase_add_test(tc, load_timer_flags_client);
	tcase_add_test(tc, load_timer_flags_bad);
	tcase_add_test(tc, load_timer_flags_checked_together);
	tcase_add_test(tc, load_timer_file_then_flags_win);
	tcase_add_test(tc, load_timer_file_checked_together);
	tcase_add_test(tc, load_gate_flags);
	tcase_add_test(tc, load_data_path_flags);
	tcase_add_test(tc, load_data_path_flags_bad);
	tcase_add_test(tc, load_data_path_file_then_flags_win);
	tcase_add_test(tc, load_bad_role);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_test(tc, usage_server);
	tcase_add_test(tc, usage_client);
	tcase_add_test(tc, usage_lists_every_key);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed ? 1 : 0;
}

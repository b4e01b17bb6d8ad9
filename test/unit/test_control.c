/*
 * Unit tests for guard/control.c: the request lines guardctl sends and
 * the answers GUARD gives, on a small GUARD state built by hand (one
 * server with one peer, alice, whose tcpctl is one end of a socketpair).
 */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "gate.h"
#include "guard.h"
#include "imsg.h"
#include "tun.h"

static struct guard_conf conf;
static struct guard_env env;
static struct peer peers[2];
static struct cbuf b;
static int tcpctl_end = -1;	/* what alice's tcpctl would read */

static void
setup(void)
{
	int sp[2];

	conf_defaults(&conf, ROLE_SERVER);
	memset(&env, 0, sizeof(env));
	memset(peers, 0, sizeof(peers));
	memset(&b, 0, sizeof(b));
	env.conf = &conf;
	env.peers = peers;
	env.npeers = 2;
	env.control_fd = -1;
	env.started = 1;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	peers[0].id = 1;
	peers[0].state = PEER_UP;
	peers[0].have_hello = 1;
	snprintf(peers[0].hello.identity, sizeof(peers[0].hello.identity),
	    "alice");
	peers[0].addr4.family = AF_INET;
	peers[0].addr4.plen = 24;
	memcpy(peers[0].addr4.addr, (uint8_t[]){ 100, 64, 0, 2 }, 4);
	peers[0].epoch = 7;
	peers[0].ctl_sock = sp[0];
	peers[0].data_sock = -1;
	peers[0].queue = (mqd_t)-1;
	peers[0].wstats.rx_bytes = 1234;
	peers[1].id = 2;
	peers[1].ctl_sock = peers[1].data_sock = -1;
	peers[1].queue = (mqd_t)-1;
	tcpctl_end = sp[1];
}

static void
teardown(void)
{
	if (peers[0].ctl_sock != -1)
		close(peers[0].ctl_sock);
	close(tcpctl_end);
	free(b.s);
}

static const char *
answer(const char *request)
{
	b.len = 0;
	b.failed = 0;
	control_answer(&env, request, &b);
	ck_assert_ptr_nonnull(b.s);
	return b.s;
}

static int
is_error(const char *a)
{
	return strncmp(a, "error: ", 7) == 0;
}

/* ---- status ------------------------------------------------------------ */

START_TEST(status_text_names_peer)
{
	const char *a = answer("status\n");

	ck_assert_ptr_nonnull(strstr(a, "device: gd0"));
	ck_assert_ptr_nonnull(strstr(a, "peer: alice"));
	ck_assert_ptr_nonnull(strstr(a, "100.64.0.2"));
	ck_assert_ptr_nonnull(strstr(a, "epoch: 7"));
	ck_assert_ptr_nonnull(strstr(a, "1234 bytes received"));
}
END_TEST

START_TEST(status_json_is_one_object)
{
	const char *a = answer("status json");

	ck_assert_int_eq(a[0], '{');
	ck_assert_str_eq(a + strlen(a) - 2, "}\n");
	ck_assert_ptr_nonnull(strstr(a, "\"identity\":\"alice\""));
	ck_assert_ptr_nonnull(strstr(a, "\"tunnel_ipv4\":\"100.64.0.2\""));
	ck_assert_ptr_nonnull(strstr(a, "\"epoch\":7"));
	ck_assert_ptr_nonnull(strstr(a, "\"rx_bytes\":1234"));
	/* The free slot is not listed. */
	ck_assert_ptr_null(strstr(a, "\"id\":2"));
}
END_TEST

/* Which data path is in use, and what it carried. */
START_TEST(status_shows_offload)
{
	const char *a;

	env.tun_features = TUN_VNET | TUN_TSO;
	env.st.tun_packets = 50;
	env.st.tun_segments = 20;
	peers[0].wstats.offload = WORKER_UDP_GSO | WORKER_TUN_GRO;
	peers[0].wstats.tx_segments = 20;
	peers[0].wstats.tx_gso_sends = 40;
	peers[0].wstats.rx_frames = 9;
	a = answer("status");
	ck_assert_ptr_nonnull(strstr(a, "  offload: TUN tso; 50 reads, 20 of "
	    "them segments to cut\n"));
	ck_assert_ptr_nonnull(strstr(a, "  data path: udp-gso tun-gro; 20 "
	    "segments cut, 40 trains sent, 0 trains received, 9 TUN "
	    "writes\n"));
	a = answer("status json");
	ck_assert_ptr_nonnull(strstr(a, "\"offload\":{\"tun\":\"tso\","
	    "\"tun_reads\":50,\"tun_segments\":20}"));
	ck_assert_ptr_nonnull(strstr(a, "\"data_path\":{\"udp_gso\":true,"
	    "\"udp_gro\":false,\"tun_gro\":true,\"segments_cut\":20,"
	    "\"trains_sent\":40,\"trains_received\":0,\"tun_writes\":9}"));
	/* The device's own link-local traffic, counted apart. */
	env.st.drop_link_local = 3;
	ck_assert_ptr_nonnull(strstr(answer("status"), "before their peer was "
	    "ready, 3 link-local\n"));
	ck_assert_ptr_nonnull(strstr(answer("status json"),
	    "\"not_ready\":0,\"link_local\":3}"));
	/* Without offload. */
	env.tun_features = 0;
	peers[0].wstats.offload = 0;
	ck_assert_ptr_nonnull(strstr(answer("status"), "offload: TUN off;"));
	ck_assert_ptr_nonnull(strstr(answer("status"), "data path: none;"));
}
END_TEST

/* An identity is checked where it enters; the JSON quotes it anyway. */
START_TEST(status_json_quotes_strings)
{
	const char *a;

	snprintf(peers[0].hello.identity, sizeof(peers[0].hello.identity),
	    "a\"b\\c\x01");
	a = answer("status json");
	ck_assert_ptr_nonnull(strstr(a, "\"identity\":\"a\\\"b\\\\c\\u0001\""));
}
END_TEST

/* A gate with some history: 8 held, and refusals. */
static struct gate gate;

static void
gate_with_history(void)
{
	struct gate_limits lim = { .max_pending = 64,
	    .max_pending_per_source = 8, .connect_rate = 10,
	    .connect_burst = 20, .max_peers = 1024 };
	struct gate_key k;
	int i;

	ck_assert_int_eq(gate_init(&gate, &lim, 1, NULL, NULL), 0);
	memset(&k, 0, sizeof(k));
	k.b[10] = k.b[11] = 0xff;
	k.b[12] = 198, k.b[13] = 18, k.b[15] = 4;
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(gate_admit(&gate, &k, 0), GATE_OK);
		ck_assert_int_eq(gate_hold(&gate, (uint32_t)i + 10, &k), 0);
	}
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(gate_admit(&gate, &k, 0), GATE_SOURCE);
	ck_assert_int_eq(gate_admit(&gate, &k, 0), GATE_RATE);
	ck_assert_int_eq(gate_admit(&gate, &k, 0), GATE_RATE);
	for (i = 0; i < 3; i++)
		gate_refuse(&gate, &k, GATE_PEERS, 0);
	env.gate = &gate;
}

START_TEST(status_text_counts_refusals)
{
	const char *a;

	/* Without a gate (a client), no such lines. */
	ck_assert_ptr_null(strstr(answer("status"), "refused:"));
	gate_with_history();
	a = answer("status");
	ck_assert_ptr_nonnull(strstr(a, "  connections: 8 accepted, 8 in "
	    "their handshake (max-pending 64, 8 per source)\n"));
	ck_assert_ptr_nonnull(strstr(a, "  refused: 2 over connect-rate 10/s "
	    "(burst 20), 12 at max-pending-per-source, 0 at max-pending, 3 at "
	    "max-peers\n"));
	conf.role = ROLE_CLIENT;
	ck_assert_ptr_null(strstr(answer("status"), "refused:"));
	gate_free(&gate);
}
END_TEST

START_TEST(status_json_counts_refusals)
{
	const char *a;

	ck_assert_ptr_null(strstr(answer("status json"), "\"connections\""));
	gate_with_history();
	a = answer("status json");
	ck_assert_int_eq(a[0], '{');
	ck_assert_str_eq(a + strlen(a) - 2, "}\n");
	ck_assert_ptr_nonnull(strstr(a, "\"connections\":{\"accepted\":8,"
	    "\"pending\":8,\"max_pending\":64,\"max_pending_per_source\":8,"
	    "\"connect_rate\":10,\"connect_burst\":20,\"refused\":{"
	    "\"connect_rate\":2,\"max_pending_per_source\":12,"
	    "\"max_pending\":0,\"max_peers\":3}},\"peers\":["));
	conf.role = ROLE_CLIENT;
	ck_assert_ptr_null(strstr(answer("status json"), "\"connections\""));
	gate_free(&gate);
}
END_TEST

START_TEST(status_takes_crlf)
{
	ck_assert(!is_error(answer("status\r\n")));
}
END_TEST

/* ---- rekey and kick ---------------------------------------------------- */

START_TEST(rekey_by_identity_reaches_tcpctl)
{
	struct imsg m;

	ck_assert(!is_error(answer("rekey alice")));
	ck_assert_int_eq(imsg_recv(tcpctl_end, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PEER_REKEY);
	ck_assert_uint_eq(imsg_datalen(&m), 0);
}
END_TEST

START_TEST(rekey_by_id)
{
	struct imsg m;

	ck_assert(!is_error(answer("rekey 1")));
	ck_assert_int_eq(imsg_recv(tcpctl_end, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PEER_REKEY);
}
END_TEST

START_TEST(rekey_unknown_peer)
{
	ck_assert(is_error(answer("rekey bob")));
	ck_assert(is_error(answer("rekey 2")));	/* a free slot */
	ck_assert(is_error(answer("rekey 99")));
	ck_assert(is_error(answer("rekey 1x")));
}
END_TEST

START_TEST(kick_tears_down)
{
	struct imsg m;
	struct imsg_peer_refuse r;

	ck_assert(!is_error(answer("kick alice")));
	ck_assert_int_eq(peers[0].state, PEER_DYING);
	ck_assert_int_eq(imsg_recv(tcpctl_end, &m), 1);
	ck_assert_uint_eq(m.hdr.type, IMSG_PEER_REFUSE);
	ck_assert_int_eq(imsg_get(&m, &r, sizeof(r)), 0);
	ck_assert_uint_eq(r.reason, BYE_SHUTDOWN);
	/* Gone for guardctl's purposes: a second kick finds nobody. */
	ck_assert(is_error(answer("kick alice")));
}
END_TEST

/* ---- garbage ----------------------------------------------------------- */

START_TEST(garbage_is_an_error)
{
	ck_assert(is_error(answer("")));
	ck_assert(is_error(answer("\n")));
	ck_assert(is_error(answer("   ")));
	ck_assert(is_error(answer("stat")));
	ck_assert(is_error(answer("status yaml")));
	ck_assert(is_error(answer("status json extra")));
	ck_assert(is_error(answer("rekey")));
	ck_assert(is_error(answer("kick")));
	ck_assert(is_error(answer("rekey alice bob")));
	ck_assert(is_error(answer("\x01\x02\xff")));
}
END_TEST

/* An oversized line is cut to the request limit, never overrun. */
START_TEST(oversized_line_is_cut)
{
	char big[4 * CONTROL_REQUEST_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(is_error(answer(big)));
	ck_assert_uint_lt(strlen(b.s), 80);
	memcpy(big, "rekey ", 6);
	ck_assert(is_error(answer(big)));
}
END_TEST

/* A line cut short in the middle of a word asks for nothing else. */
START_TEST(truncated_requests)
{
	ck_assert(is_error(answer("rek")));
	ck_assert(is_error(answer("status j")));
	ck_assert(is_error(answer("rekey ali")));
}
END_TEST

START_TEST(cbuf_grows)
{
	size_t i;

	for (i = 0; i < 3000; i++)
		cbuf_printf(&b, "%05zu\n", i);
	ck_assert(!b.failed);
	ck_assert_uint_eq(b.len, 3000 * 6);
	ck_assert_str_eq(b.s + b.len - 6, "02999\n");
}
END_TEST

static Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, status_text_names_peer);
	tcase_add_test(tc, status_json_is_one_object);
	tcase_add_test(tc, status_json_quotes_strings);
	tcase_add_test(tc, status_shows_offload);
	tcase_add_test(tc, status_text_counts_refusals);
	tcase_add_test(tc, status_json_counts_refusals);
	tcase_add_test(tc, status_takes_crlf);
	tcase_add_test(tc, rekey_by_identity_reaches_tcpctl);
	tcase_add_test(tc, rekey_by_id);
	tcase_add_test(tc, rekey_unknown_peer);
	tcase_add_test(tc, kick_tears_down);
	tcase_add_test(tc, garbage_is_an_error);
	tcase_add_test(tc, oversized_line_is_cut);
	tcase_add_test(tc, truncated_requests);
	tcase_add_test(tc, cbuf_grows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

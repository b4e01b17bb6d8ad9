# Guard: a privilege-separated VPN for Linux.
#
#   make            build guardd and tunclient
#   make deps       install the Debian packages Guard needs (root)
#   make demo       a server and two clients in network namespaces
#   make check      every test: unit tests (plain and under ASan+UBSan),
#                   then the network-namespace integration tests (root)
#   make check-valgrind  the unit tests under valgrind's memcheck
#   make fuzz       run every libFuzzer harness for FUZZ_SECONDS each
#   make bench      throughput, latency, start-up time and CPU cost through
#                   the tunnel against the bare veth (root); ANCHORS=1 also
#                   against OpenVPN and wireguard-go (installed with
#                   apt-get when missing); SCALE=1000 instead one server
#                   with 1000 peers connected at once

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
BUILD ?= build
SANITIZE ?= 0
FUZZ_SECONDS ?= 20
FUZZ_CC ?= clang
ANCHORS ?= 0
SCALE ?=

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
PKGS := openssl libnl-route-3.0 libseccomp

CFLAGS ?= -O2 -g
CFLAGS += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -Wshadow -Wformat=2 -Wvla -fno-strict-aliasing \
	-MMD -MP -Icommon -Iguard -Itcpctl -Iudpdata -DGUARD_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags $(PKGS))
LDLIBS += $(shell pkg-config --libs $(PKGS)) -lrt

ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -DGUARD_SANITIZE
LDFLAGS += -fsanitize=address,undefined
endif

# Test builds: SIGUSR1 makes a udpdata try a forbidden system call.
ifeq ($(TEST_HOOKS),1)
CFLAGS += -DGUARD_TEST_HOOKS
endif

# Debug builds: a system call off the allowlist is logged by name.
ifeq ($(SECCOMP_TRAP),1)
CFLAGS += -DGUARD_SECCOMP_TRAP
endif

ifneq ($(V),1)
Q = @
quiet = @printf '  %-7s %s\n' $(1) $(2);
endif

LIB_SRC := $(wildcard common/*.c guard/*.c tcpctl/*.c udpdata/*.c)
LIB_SRC := $(filter-out guard/main-%.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libguard.a

PROGS := $(BUILD)/guardd $(BUILD)/tunclient $(BUILD)/guardctl
UNIT_SRC := $(wildcard test/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)
FUZZ_SRC := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:test/fuzz/%.c=build/fuzz/%)

# Debian packages that building, the demo and the tests need.
DEPS := build-essential clang pkg-config libssl-dev openssl libnl-3-dev \
	libnl-route-3-dev check libsubunit-dev libseccomp-dev iproute2 \
	iputils-ping netcat-openbsd iperf3 procps jq valgrind

.PHONY: all deps check check-unit check-asan check-valgrind check-netns \
	test-builds demo fuzz fuzz-build bench install clean

all: $(PROGS)
	$(Q)ln -sf $(BUILD)/guardd guardd
	$(Q)ln -sf $(BUILD)/tunclient tunclient
	$(Q)ln -sf $(BUILD)/guardctl guardctl

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $(DEPS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(call quiet,AR,$@)$(AR) rcs $@ $^

$(BUILD)/guardd: $(BUILD)/guard/main-guardd.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tunclient: $(BUILD)/guard/main-tunclient.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/guardctl: $(BUILD)/guard/main-guardctl.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A client that speaks the protocol without a TUN device, for tests.
TESTCLIENT := $(BUILD)/guard-testclient
$(TESTCLIENT): $(BUILD)/test/tools/guard-testclient.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Hostile datagrams for a data port: captures, replays, mutations, noise.
ATTACK := $(BUILD)/guard-attack
$(ATTACK): $(BUILD)/test/tools/guard-attack.o
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^
# Abuse of the control port (garbage, slowloris, half-open floods).
FLOOD := $(BUILD)/guard-flood
$(FLOOD): $(BUILD)/test/tools/guard-flood.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test/%: $(BUILD)/test/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs check) $(LDLIBS)

# Unit tests, one binary per module; each prints Check's summary line.
check-unit: $(UNIT_BIN)
	$(Q)bash test/run-unit.sh $(UNIT_LABEL) $(UNIT_BIN)

UNIT_LABEL ?= unit

# The same unit tests built with AddressSanitizer and UBSan.
check-asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 \
		UNIT_LABEL=unit-asan check-unit

# The builds the integration tests run besides this one: test hooks
# (sandbox.sh), test hooks that trap instead of kill, and ASan + UBSan.
test-builds:
	$(Q)$(MAKE) --no-print-directory BUILD=build/hooks TEST_HOOKS=1 \
		build/hooks/guardd
	$(Q)$(MAKE) --no-print-directory BUILD=build/trap TEST_HOOKS=1 \
		SECCOMP_TRAP=1 build/trap/guardd
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 \
		build/asan/guardd build/asan/tunclient build/asan/guardctl \
		$(UNIT_SRC:test/unit/%.c=build/asan/test/%)

# The same unit tests under valgrind's memcheck: a memory error or a
# definite or indirect leak fails them.
check-valgrind: $(UNIT_BIN)
	$(Q)bash test/run-valgrind.sh $(UNIT_BIN)

# Integration tests in network namespaces; needs root.
check-netns: all $(TESTCLIENT) $(ATTACK) $(FLOOD) test-builds
	$(Q)bash test/run-netns.sh

# Everything; the last line totals it.
check: all $(UNIT_BIN) $(TESTCLIENT) $(ATTACK) $(FLOOD) test-builds
	$(Q)bash test/check.sh $(UNIT_BIN)

demo: all
	$(Q)bash test/demo.sh

bench: all $(TESTCLIENT)
	$(Q)if [ -n "$(SCALE)" ]; then bash test/bench-scale.sh "$(SCALE)"; \
	else ANCHORS="$(ANCHORS)" bash test/bench.sh; fi

# libFuzzer harnesses: every source file built with clang and sanitizers.
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -Icommon -Iguard -Itcpctl -Iudpdata \
	-fsanitize=fuzzer-no-link,address,undefined -DGUARD_VERSION='"fuzz"' \
	$(shell pkg-config --cflags $(PKGS))
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/%: test/fuzz/%.c $(FUZZ_OBJ)
	$(call quiet,LD,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)bash test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/guardd $(DESTDIR)$(SBINDIR)/guardd
	install -m 0755 $(BUILD)/tunclient $(DESTDIR)$(SBINDIR)/tunclient
	install -m 0755 $(BUILD)/guardctl $(DESTDIR)$(SBINDIR)/guardctl
	install -m 0755 certs/guard-pki $(DESTDIR)$(BINDIR)/guard-pki
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build guardd tunclient guardctl

.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(UNIT_BIN:$(BUILD)/test/%=$(BUILD)/test/unit/%.d) \
	$(BUILD)/test/tools/guard-attack.d $(BUILD)/test/tools/guard-flood.d

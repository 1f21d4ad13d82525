# frontdesk — a plain Makefile. See README.md.
#   make            build ./frontdesk
#   make check      every test (unit, command line)
#   make SAN=1 check  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks; prints the figures the README records
#   make deps       install the Debian packages the project needs

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/frontdesk
UNITDIR  = $(PREFIX)/lib/systemd/system

VERSION := 0.1.0
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Debian packages, one per library; `make deps` installs the missing ones.
DEB_BUILD = build-essential pkg-config libsqlite3-dev libjansson-dev libcsv-dev libsodium-dev \
            libyaml-dev libncurses-dev libcurl4-openssl-dev libmicrohttpd-dev libpq-dev zlib1g-dev \
            libssl-dev
DEB_TEST  = libcmocka-dev sqlite3 tmux mandoc valgrind clang shellcheck bc postgresql curl openssl python3 \
            ncurses-term locales jq
DEB_PKGS  = $(DEB_BUILD) $(DEB_TEST)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wwrite-strings -Wformat=2 -Wvla -Wno-format-nonliteral
CSTD    = -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += $(CSTD) $(OPT) $(WARN) -Iinclude -MMD -MP -DFRONTDESK_VERSION='"$(VERSION)"' \
           -DFRONTDESK_SHAREDIR='"$(SHAREDIR)"'
LDFLAGS ?=
# Link only the libraries a binary calls: fewer to load at every start.
LDFLAGS += -Wl,--as-needed

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
OBJDIR  = build/san
else
OBJDIR  = build/rel
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

# The console and the server link different libraries; CFLAGS takes both.
# libcurl is not linked: src/sync/curl_dl.c loads it at the first sync, so
# the ~40 libraries it pulls in are not loaded by every command (4 ms
# instead of 40 ms to start). Its headers are still used.
CLIENT_PC = sqlite3 jansson libsodium yaml-0.1 ncursesw zlib
# The server also reads reference data (ingest) and flows; never SQLite (see
# server-no-sqlite below).
SERVER_PC = jansson libsodium libmicrohttpd libpq zlib yaml-0.1 libcrypto
LIBS      = $(shell $(PKG_CONFIG) --libs $(CLIENT_PC) 2>/dev/null) -lcsv -lm -ldl -lpthread
SERVER_LIBS = $(shell $(PKG_CONFIG) --libs $(SERVER_PC) 2>/dev/null) -lcsv -lpthread -lm
# ncursesw's flags bring -D_XOPEN_SOURCE=600; CSTD already sets 700 (wcwidth).
CFLAGS   += $(filter-out -D_XOPEN_SOURCE=% -D_DEFAULT_SOURCE,$(shell $(PKG_CONFIG) --cflags $(CLIENT_PC) libcurl $(SERVER_PC) 2>/dev/null))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Object lists, one per module. Unit tests link the lower layers only, so a
# call upward (say, core into store) fails to link.
obj = $(patsubst src/%.c,$(OBJDIR)/%.o,$(1))
CORE_OBJS   = $(call obj,$(sort $(wildcard src/core/*.c)))
STORE_OBJS  = $(call obj,$(sort $(wildcard src/store/*.c)))
INGEST_OBJS = $(call obj,$(sort $(wildcard src/ingest/*.c)))
FLOW_OBJS   = $(call obj,$(sort $(wildcard src/flow/*.c)))
REPORT_OBJS = $(call obj,$(sort $(wildcard src/report/*.c)))
SYNC_OBJS   = $(call obj,$(sort $(wildcard src/sync/*.c)))
TUI_OBJS    = $(call obj,$(sort $(wildcard src/tui/*.c)))
CLI_OBJS    = $(call obj,$(sort $(wildcard src/cli/*.c)))
SERVER_OBJS = $(call obj,$(sort $(wildcard src/server/*.c src/server/pg/*.c)))
LIB_OBJS    = $(CORE_OBJS) $(STORE_OBJS) $(INGEST_OBJS) $(FLOW_OBJS) $(REPORT_OBJS) $(SYNC_OBJS)
# What frontdeskd links: core, flow, report, the ingest files that only read
# (the others write the desk's store) and its own server/pg. No store object:
# a call that reaches the desk's store fails to link.
INGEST_READ_OBJS = $(filter-out %/customers.o %/retention.o %/refdata_load.o %/gazetteer.o,\
		   $(INGEST_OBJS))
SERVER_LINK_OBJS = $(SERVER_OBJS) $(INGEST_READ_OBJS) $(FLOW_OBJS) $(REPORT_OBJS) $(CORE_OBJS)
# After each server link: the binary needs no libsqlite3 and holds no
# sqlite3_ or store_ symbol, or it is removed and the build fails.
server_no_sqlite = { tests/server-no-sqlite $(1) || { rm -f $(1); exit 1; }; }

UNIT_SRCS  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  = $(patsubst tests/unit/%.c,$(OBJDIR)/tests/%,$(UNIT_SRCS))
BENCH_SRCS = $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BINS = $(patsubst tests/bench/%.c,$(OBJDIR)/tests/%,$(BENCH_SRCS))

.PHONY: all check unit cli-test flow-check tui-test sync-test lint lint-cppflags server-no-sqlite \
	bench fuzz \
	fuzz-regress deps \
	reliability-test fuzz-short valgrind soak \
	check-deps install \
	clean demo frontdesk frontdeskd frontdeskd-test frontdesk-bench
all: frontdesk frontdeskd

# Always refresh the copy, so ./frontdesk is the build just asked for
# (plain or SAN=1), never a stale one.
# (copied aside and renamed over, so a running ./frontdesk is never written)
frontdesk: $(OBJDIR)/frontdesk
	$(Q)cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
frontdeskd: $(OBJDIR)/frontdeskd
	$(Q)if [ -n "$(SERVER_OBJS)" ]; then cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }; fi

$(OBJDIR)/frontdesk: $(CLI_OBJS) $(TUI_OBJS) $(LIB_OBJS) | check-deps
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(OBJDIR)/frontdeskd: $(SERVER_LINK_OBJS) | check-deps
	$(Q)if [ -n "$(SERVER_OBJS)" ]; then echo "LINK $@"; \
		$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) && $(call server_no_sqlite,$@); fi

# Test builds: the same programs with their test seams live (see
# src/server/server_int.h and src/tui/tui_int.h). The files that call a seam
# are compiled again with FRONTDESK_TEST_HOOKS and linked with the seams'
# code from tests/hooks/; the shipped frontdesk and frontdeskd hold none of
# it. Copied to build/ (as ./frontdesk is) so scripts find the build just
# asked for.
HOOKED_SERVER = src/server/pg/push.c
HOOKED_TUI    = src/tui/tui.c
hooked = $(patsubst src/%.c,$(OBJDIR)/hooked/%.o,$(1))
$(OBJDIR)/hooked/%.o: src/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $< (test seams)"
	$(Q)$(CC) $(CFLAGS) -DFRONTDESK_TEST_HOOKS -c -o $@ $<
$(OBJDIR)/hooks/%.o: tests/hooks/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $<"
	$(Q)$(CC) $(CFLAGS) -DFRONTDESK_TEST_HOOKS -c -o $@ $<
$(OBJDIR)/tests/frontdeskd-test: $(filter-out $(call obj,$(HOOKED_SERVER)),$(SERVER_LINK_OBJS)) \
		$(call hooked,$(HOOKED_SERVER)) $(OBJDIR)/hooks/server_hooks.o | check-deps
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) && $(call server_no_sqlite,$@)
$(OBJDIR)/tests/frontdesk-bench: $(filter-out $(call obj,$(HOOKED_TUI)),$(CLI_OBJS) $(TUI_OBJS) \
		$(LIB_OBJS)) $(call hooked,$(HOOKED_TUI)) $(OBJDIR)/hooks/tui_hooks.o | check-deps
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
frontdeskd-test: $(OBJDIR)/tests/frontdeskd-test
	$(Q)cmp -s $< build/$@ || { cp $< build/$@.tmp && mv -f build/$@.tmp build/$@; }
frontdesk-bench: $(OBJDIR)/tests/frontdesk-bench
	$(Q)cmp -s $< build/$@ || { cp $< build/$@.tmp && mv -f build/$@.tmp build/$@; }

$(OBJDIR)/%.o: src/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Files that name the install folder are rebuilt when PREFIX changes: the
# stamp is rewritten only when its text differs.
SHAREDIR_USERS = $(call obj,$(shell grep -rl FRONTDESK_SHAREDIR src 2>/dev/null))
$(SHAREDIR_USERS): $(OBJDIR)/sharedir.stamp
$(OBJDIR)/sharedir.stamp: FORCE
	@mkdir -p $(OBJDIR)
	@echo '$(SHAREDIR)' | cmp -s - $@ || echo '$(SHAREDIR)' > $@
FORCE:

# Each unit test links only the modules at and below the one it tests.
$(OBJDIR)/tests/test_core: $(OBJDIR)/tests/test_core.o $(CORE_OBJS)
$(OBJDIR)/tests/test_store: $(OBJDIR)/tests/test_store.o $(CORE_OBJS) $(STORE_OBJS)
$(OBJDIR)/tests/test_store_flow: $(OBJDIR)/tests/test_store_flow.o $(CORE_OBJS) $(STORE_OBJS)
$(OBJDIR)/tests/test_privacy: $(OBJDIR)/tests/test_privacy.o $(CORE_OBJS) $(STORE_OBJS) $(INGEST_OBJS)
$(OBJDIR)/tests/test_ingest: $(OBJDIR)/tests/test_ingest.o $(CORE_OBJS) $(STORE_OBJS) $(INGEST_OBJS)
$(OBJDIR)/tests/test_flow: $(OBJDIR)/tests/test_flow.o $(CORE_OBJS) $(FLOW_OBJS)
$(OBJDIR)/tests/test_report: $(OBJDIR)/tests/test_report.o $(CORE_OBJS) $(REPORT_OBJS) $(STORE_OBJS)
$(OBJDIR)/tests/test_sync: $(OBJDIR)/tests/test_sync.o $(CORE_OBJS) $(STORE_OBJS) $(REPORT_OBJS) \
		$(SYNC_OBJS)
$(OBJDIR)/tests/test_tui: $(OBJDIR)/tests/test_tui.o $(TUI_OBJS) $(LIB_OBJS)
$(OBJDIR)/tests/test_server: $(OBJDIR)/tests/test_server.o \
		$(filter-out %/server/frontdeskd.o,$(SERVER_LINK_OBJS))
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(CMOCKA_LIBS) && $(call server_no_sqlite,$@)
$(OBJDIR)/tests/test_cli: $(OBJDIR)/tests/test_cli.o $(filter-out %/main.o,$(CLI_OBJS)) $(LIB_OBJS)
$(OBJDIR)/tests/test_%:
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)
$(OBJDIR)/tests/test_%.o: tests/unit/test_%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(OBJDIR)/tests/bench_%: $(OBJDIR)/tests/bench_%.o $(LIB_OBJS)
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(OBJDIR)/tests/bench_%.o: tests/bench/bench_%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

check: unit cli-test flow-check tui-test sync-test reliability-test fuzz-regress lint
	@echo "make check: all suites passed"

# The shipped flows must pass the checker, codes included (against a
# throwaway database loaded from data/).
flow-check: frontdesk
	$(Q)tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	FRONTDESK_DATA=$(CURDIR)/data ./frontdesk --db "$$tmp/fd.db" init >/dev/null && \
	./frontdesk --db "$$tmp/fd.db" flow check forms/ && echo "flow check: forms/ clean"

unit: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

cli-test: frontdesk
	$(Q)tests/cli/run

# Terminal tests: the real console in tmux at 80x24.
tui-test: frontdesk
	$(Q)tests/tui/run

# Sync tests: frontdeskd on a throwaway PostgreSQL, two or more consoles.
sync-test: frontdesk frontdeskd frontdeskd-test
	$(Q)tests/sync/run

lint: server-no-sqlite
	$(Q)LINT_CC='$(CC)' LINT_CPPFLAGS='$(LINT_CPPFLAGS)' tests/lint

# What tests/lint needs to preprocess a source file as the build does.
LINT_CPPFLAGS = $(filter -std=% -I% -D_%,$(CFLAGS))
lint-cppflags:
	@echo '$(LINT_CPPFLAGS)'

# frontdeskd links no SQLite: the link lines make would run for frontdeskd
# and test_server name no sqlite and no store object, and a built frontdeskd
# passes the same check as after its link.
server-no-sqlite:
	$(Q)OBJDIR=$(OBJDIR) tests/server-no-sqlite

# Reliability: kills, bad networks through tests/netfault, one
# database shared by several processes, load with PostgreSQL restarted.
# Short here; `make soak` runs the long versions.
build/netfault: tests/netfault/netfault.c
	@mkdir -p build
	@echo "CC $<"
	$(Q)$(CC) $(CSTD) $(WARN) -O2 -g -o $@ $< -lpthread
reliability-test: frontdesk frontdeskd build/netfault
	$(Q)tests/reliability/run

# The unit tests under valgrind (a plain build: valgrind and ASan do not mix).
valgrind:
	$(Q)$(MAKE) --no-print-directory SAN=0 $(patsubst $(OBJDIR)/%,build/rel/%,$(UNIT_BINS))
	$(Q)for t in $(patsubst $(OBJDIR)/%,build/rel/%,$(UNIT_BINS)); do echo "== valgrind $${t##*/}"; \
	  valgrind -q --leak-check=full --error-exitcode=1 $$t >build/valgrind-$${t##*/}.log 2>&1 || \
	  { cat build/valgrind-$${t##*/}.log; exit 1; }; done; echo "valgrind: unit tests clean"

# The long versions, bounded in time, printing the figures the README keeps:
# >= 1000 kill trials, the load test for minutes, each fuzz target for
# SOAK_FUZZ_SECONDS. Roughly 30 min + 7 x SOAK_FUZZ_SECONDS.
SOAK_FUZZ_SECONDS ?= 300
soak: frontdesk frontdeskd build/netfault $(FUZZ_BINS)
	$(Q)SOAK=1 tests/reliability/run
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(SOAK_FUZZ_SECONDS) >build/soak-fuzz.log 2>&1; \
	  st=$$?; grep -E '^fuzzing|stat::number_of_executed_units' build/soak-fuzz.log; \
	  [ $$st = 0 ] || { tail -40 build/soak-fuzz.log; exit 1; }; echo "soak: done"

# Fuzz targets (clang libFuzzer + ASan + UBSan) over the parsers of outside
# input. `make fuzz` fuzzes each for FUZZ_SECONDS on a scratch copy of its
# corpus; `make fuzz-regress` (part of check) replays every corpus input.
FUZZ_SRCS     = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
# src/server/request.c (the request checks) needs only jansson, zlib and
# libcrypto (a change's digest), so the targets link without libpq or
# libmicrohttpd.
FUZZ_LIB_OBJS = $(patsubst src/%.c,build/fuzz/obj/%.o,$(sort $(wildcard src/core/*.c \
		src/store/*.c src/ingest/*.c src/flow/*.c) src/server/request.c))
FUZZ_CFLAGS   = $(filter-out -O% -g -fsanitize=%,$(CFLAGS)) -g -O1 -Wno-error
FUZZ_SECONDS ?= 60
.SECONDARY: $(FUZZ_LIB_OBJS)
build/fuzz/obj/%.o: src/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CLANG $<"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@echo "FUZZ $@"
	$(Q)clang $(filter-out -MMD -MP,$(FUZZ_CFLAGS)) -fsanitize=fuzzer,address,undefined \
		-o $@ $(filter %.c %.o,$^) $(LIBS) $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null)
fuzz: $(FUZZ_BINS)
	$(Q)for b in $(FUZZ_BINS); do n=$${b##*/fuzz_}; rm -rf build/fuzz/run-$$n; \
	  mkdir -p build/fuzz/run-$$n && cp tests/fuzz/corpus/$$n/* build/fuzz/run-$$n/ && \
	  echo "fuzzing $$n for $(FUZZ_SECONDS) s" && \
	  $$b -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	      build/fuzz/run-$$n tests/fuzz/corpus/$$n || exit 1; done
# A few seconds of fuzzing per target on a scratch copy of its corpus (part
# of check); a crasher is left in build/fuzz/short-NAME/.
FUZZ_SHORT_SECONDS ?= 3
fuzz-short: $(FUZZ_BINS)
	$(Q)for b in $(FUZZ_BINS); do n=$${b##*/fuzz_}; d=build/fuzz/short-$$n; rm -rf $$d; \
	  mkdir -p $$d/corpus && cp tests/fuzz/corpus/$$n/* $$d/corpus/ && \
	  $$b -max_total_time=$(FUZZ_SHORT_SECONDS) -max_len=65536 -artifact_prefix=$$d/ \
	      $$d/corpus >$$d/log 2>&1 || { tail -40 $$d/log; echo "fuzz $$n: crasher in $$d/"; exit 1; }; \
	  echo "fuzz $$n: $(FUZZ_SHORT_SECONDS) s, $$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$d/log) runs, no crash"; \
	  rm -rf $$d/corpus; done
fuzz-regress: $(FUZZ_BINS)
	$(Q)for b in $(FUZZ_BINS); do n=$${b##*/fuzz_}; \
	  $$b -runs=0 tests/fuzz/corpus/$$n >build/fuzz/regress-$$n.log 2>&1 || \
	  { cat build/fuzz/regress-$$n.log; exit 1; }; \
	  echo "fuzz corpus $$n: $$(ls tests/fuzz/corpus/$$n | wc -l) inputs replayed clean"; done

bench: frontdesk frontdesk-bench $(BENCH_BINS)
	$(Q)OBJDIR=$(OBJDIR) tests/bench/run

# Which Debian packages are missing (dpkg knows; nothing is guessed from paths).
missing = $(shell for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)

deps:
	@miss="$(call missing,$(DEB_PKGS))"; \
	if [ -z "$$miss" ]; then echo "deps: all packages present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing $$miss"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$miss; \
	else \
	  echo "deps: missing packages; run as root:"; echo "  apt-get install $$miss"; exit 1; \
	fi

check-deps:
	@miss="$(call missing,$(DEB_BUILD))"; \
	if [ -n "$$miss" ]; then echo "missing build packages: $$miss" >&2; \
	  echo "install them with: make deps   (or: apt-get install $$miss)" >&2; exit 1; fi

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/data $(DESTDIR)$(SHAREDIR)/forms
	install -m 0755 frontdesk $(DESTDIR)$(BINDIR)/frontdesk
	if [ -f frontdeskd ]; then install -m 0755 frontdeskd $(DESTDIR)$(BINDIR)/frontdeskd; fi
	for sec in 1 5 7 8; do if ls man/*.$$sec >/dev/null 2>&1; then \
	  install -d $(DESTDIR)$(MANDIR)/man$$sec && \
	  install -m 0644 man/*.$$sec $(DESTDIR)$(MANDIR)/man$$sec/; fi; done
	install -m 0644 data/*.csv $(DESTDIR)$(SHAREDIR)/data/
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/bin/|$(BINDIR)/|g' data/frontdeskd.service >$(DESTDIR)$(UNITDIR)/frontdeskd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/frontdeskd.service
	if ls forms/*.yaml >/dev/null 2>&1; then install -m 0644 forms/*.yaml $(DESTDIR)$(SHAREDIR)/forms/; fi

demo: frontdesk
	$(Q)tests/demo-db

clean:
	rm -rf build frontdesk

# The compiler's dependency files. Each is a target with nothing to do:
# otherwise make, remaking its makefiles, takes tests/test_%.d for a unit
# test to link (the pattern $(OBJDIR)/tests/test_%), fails, deletes it even
# under -n (tests/server-no-sqlite runs make -n -B), and the test's object
# is then never rebuilt when a header changes.
DEPFILES := $(shell find build -name '*.d' 2>/dev/null)
$(DEPFILES): ;
-include $(DEPFILES)

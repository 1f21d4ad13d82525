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

VERSION := 0.1.0
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Debian packages, one per library; `make deps` installs the missing ones.
DEB_BUILD = build-essential pkg-config libsqlite3-dev libjansson-dev libcsv-dev libsodium-dev \
            libyaml-dev
DEB_TEST  = libcmocka-dev sqlite3 tmux mandoc valgrind clang shellcheck bc
DEB_PKGS  = $(DEB_BUILD) $(DEB_TEST)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wwrite-strings -Wformat=2 -Wvla -Wno-format-nonliteral
CSTD    = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += $(CSTD) $(OPT) $(WARN) -Iinclude -MMD -MP -DFRONTDESK_VERSION='"$(VERSION)"' \
           -DFRONTDESK_SHAREDIR='"$(SHAREDIR)"'
LDFLAGS ?=

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

LIBS_PC   = sqlite3 jansson libsodium yaml-0.1
LIBS      = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lcsv -lm
CFLAGS   += $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Object lists, one per module. Unit tests link the lower layers only, so a
# call upward (say, core into store) fails to link.
obj = $(patsubst src/%.c,$(OBJDIR)/%.o,$(1))
CORE_OBJS   = $(call obj,$(sort $(wildcard src/core/*.c)))
STORE_OBJS  = $(call obj,$(sort $(wildcard src/store/*.c)))
INGEST_OBJS = $(call obj,$(sort $(wildcard src/ingest/*.c)))
FLOW_OBJS   = $(call obj,$(sort $(wildcard src/flow/*.c)))
CLI_OBJS    = $(call obj,$(sort $(wildcard src/cli/*.c)))
LIB_OBJS    = $(CORE_OBJS) $(STORE_OBJS) $(INGEST_OBJS) $(FLOW_OBJS)

UNIT_SRCS  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  = $(patsubst tests/unit/%.c,$(OBJDIR)/tests/%,$(UNIT_SRCS))
BENCH_SRCS = $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BINS = $(patsubst tests/bench/%.c,$(OBJDIR)/tests/%,$(BENCH_SRCS))

.PHONY: all check unit cli-test lint bench deps check-deps install clean demo
all: frontdesk

frontdesk: $(OBJDIR)/frontdesk
	$(Q)cp $< $@

$(OBJDIR)/frontdesk: $(CLI_OBJS) $(LIB_OBJS) | check-deps
	@echo "LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(OBJDIR)/%.o: src/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "CC $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Each unit test links only the modules at and below the one it tests.
$(OBJDIR)/tests/test_core: $(OBJDIR)/tests/test_core.o $(CORE_OBJS)
$(OBJDIR)/tests/test_store: $(OBJDIR)/tests/test_store.o $(CORE_OBJS) $(STORE_OBJS)
$(OBJDIR)/tests/test_ingest: $(OBJDIR)/tests/test_ingest.o $(CORE_OBJS) $(STORE_OBJS) $(INGEST_OBJS)
$(OBJDIR)/tests/test_flow: $(OBJDIR)/tests/test_flow.o $(CORE_OBJS) $(FLOW_OBJS)
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

check: unit cli-test lint
	@echo "make check: all suites passed"

unit: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

cli-test: frontdesk
	$(Q)tests/cli/run

lint:
	$(Q)tests/lint

bench: frontdesk $(BENCH_BINS)
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

install: frontdesk
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SHAREDIR)/data $(DESTDIR)$(SHAREDIR)/forms
	install -m 0755 frontdesk $(DESTDIR)$(BINDIR)/frontdesk
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 data/*.csv $(DESTDIR)$(SHAREDIR)/data/
	if ls forms/*.yaml >/dev/null 2>&1; then install -m 0644 forms/*.yaml $(DESTDIR)$(SHAREDIR)/forms/; fi

demo: frontdesk
	$(Q)tests/demo-db

clean:
	rm -rf build frontdesk

-include $(shell find build -name '*.d' 2>/dev/null)

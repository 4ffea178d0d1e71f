# bouncelab build.
#
# Sources are found by folder, so adding a file needs no edit here:
#   lib/*.c                          -> libbl.a (shared by every program)
#   bench/{,backends/,workloads/}*.c -> libbench.a, main in bench/gembench.c
#   analysis/*.c                     -> libanalysis.a (compare, stats, figures, report)
#   testbed/*.c                      -> libtestbed.a (the QEMU lab, lab_run())
#   daemon/*.c                       -> libdaemon.a, main in daemon/bouncelabd.c
#   cli/*.c                          -> libcli.a, main in cli/bouncelab.c
#   tests/fakes/*.c                  -> libfakes.a (test doubles and test helpers; unit tests only)
#   tests/unit/test_*.c              -> one cmocka binary each
#
# Arrows point one way (shared/DESIGN.md, Layout), and each folder is given
# only the include paths it may use, so a wrong include fails the build:
#   lib: lib | bench: lib bench | analysis, testbed: lib and itself |
#   daemon, cli: lib analysis testbed and itself | tests: everything.
#
# Variables: BUILD (output folder), SANITIZER=address|undefined,
# STATIC=1 (fully static programs, for the testbed guest), WERROR=1.

BUILD     ?= build
SANITIZER ?=
STATIC    ?=
WERROR    ?=

CC        ?= cc
PKGS      := libevent jansson libdrm sqlite3 inih
OPT       ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
             -Wno-unused-parameter
CPPFLAGS  += -D_GNU_SOURCE \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS    += -std=c11 $(OPT) $(WARN) -MMD -MP
LDLIBS    += $(shell pkg-config --libs $(if $(STATIC),--static) $(PKGS) 2>/dev/null) -lm -lpthread
VERSION   := 0.1.0

ifneq ($(WERROR),)
CFLAGS += -Werror
endif
ifneq ($(SANITIZER),)
CFLAGS  += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZER)
endif
ifneq ($(STATIC),)
LDFLAGS += -static
endif

MAINS          := bench/gembench.c daemon/bouncelabd.c cli/bouncelab.c
LIB_SRCS       := $(wildcard lib/*.c)
BENCH_SRCS     := $(filter-out $(MAINS),$(wildcard bench/*.c bench/backends/*.c bench/workloads/*.c))
ANALYSIS_SRCS  := $(wildcard analysis/*.c)
TESTBED_SRCS   := $(wildcard testbed/*.c)
DAEMON_SRCS    := $(filter-out $(MAINS),$(wildcard daemon/*.c))
CLI_SRCS       := $(filter-out $(MAINS),$(wildcard cli/*.c))
FAKE_SRCS      := $(wildcard tests/fakes/*.c)
UNIT_SRCS      := $(wildcard tests/unit/test_*.c)
TOOL_SRCS      := $(wildcard tests/tools/*.c)
FUZZ_SRCS      := $(wildcard tests/fuzz/fuzz_*.c)
SCHEMA_SQL     := $(sort $(wildcard schema/[0-9][0-9][0-9][0-9]_*.sql))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBBL        := $(BUILD)/libbl.a
LIBBENCH     := $(BUILD)/libbench.a
LIBANALYSIS  := $(BUILD)/libanalysis.a
LIBTESTBED   := $(BUILD)/libtestbed.a
LIBDAEMON    := $(BUILD)/libdaemon.a
LIBCLI       := $(BUILD)/libcli.a
LIBFAKES     := $(BUILD)/libfakes.a
# Link order: users before what they use.
ALL_LIBS     := $(LIBCLI) $(LIBDAEMON) $(LIBTESTBED) $(LIBANALYSIS) $(LIBBENCH) $(LIBBL)

# Include paths per folder (see the top of this file).
$(BUILD)/obj/lib/%.o:      INCLUDES := -Ilib
$(BUILD)/obj/gen/%.o:      INCLUDES := -Ilib
$(BUILD)/obj/bench/%.o:    INCLUDES := -Ilib -Ibench
$(BUILD)/obj/analysis/%.o: INCLUDES := -Ilib -Ianalysis
$(BUILD)/obj/testbed/%.o:  INCLUDES := -Ilib -Itestbed
$(BUILD)/obj/daemon/%.o:   INCLUDES := -Ilib -Ianalysis -Itestbed -Idaemon
$(BUILD)/obj/cli/%.o:      INCLUDES := -Ilib -Ianalysis -Itestbed -Icli
$(BUILD)/obj/tests/%.o:    INCLUDES := -Ilib -Ibench -Ianalysis -Itestbed -Idaemon -Icli -Itests/fakes

PROGRAMS   := $(BUILD)/gembench $(BUILD)/bouncelabd $(BUILD)/bouncelab
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

.SECONDARY:
.PHONY: all deps check test unit tools run results static clean format fuzz
all: $(PROGRAMS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(INCLUDES) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

define static_lib
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(if $$^,ar rcs $$@ $$^,ar rcs $$@)
endef
# The schema migrations are compiled in (lib/schema_sql.h), so a binary never
# runs against migrations from another checkout.
SCHEMA_C := $(BUILD)/gen/schema_sql.c
$(SCHEMA_C): $(SCHEMA_SQL) lib/schema_sql.h Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* Generated from the schema folder by the Makefile; do not edit. */'; \
	   echo '#include "schema_sql.h"'; \
	   echo 'const struct bl_migration bl_migrations[] = {'; \
	   for f in $(SCHEMA_SQL); do \
		n=$$(basename $$f .sql); \
		printf '\t{ %d, "%s",\n' "$$(expr "$${n%%_*}" + 0)" "$$n"; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t  "/' -e 's/$$/\\n"/' $$f; \
		echo '\t},'; \
	   done; \
	   echo '};'; \
	   echo 'const size_t bl_migrations_count = sizeof(bl_migrations) / sizeof(bl_migrations[0]);'; \
	 } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/schema_sql.o: $(SCHEMA_C)
	@mkdir -p $(dir $@)
	$(CC) $(INCLUDES) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# --- version (lib/version.h) ------------------------------------------------
# VERSION plus `git describe --always --dirty` at build time, "unknown"
# outside git. version.c is checked on every make but rewritten only when
# the string changed, so a commit recompiles one file and relinks.
# $BOUNCELAB_GIT_DESCRIBE wins: make deb builds from a copy of the tree.
GIT_DESCRIBE := $(or $(BOUNCELAB_GIT_DESCRIBE),$(shell git describe --always --dirty 2>/dev/null),unknown)
FULL_VERSION := $(VERSION)+$(GIT_DESCRIBE)
VERSION_C    := $(BUILD)/gen/version.c
.PHONY: version version-force
version-force:
$(VERSION_C): version-force
	@mkdir -p $(dir $@)
	@printf '/* Generated by the Makefile; do not edit. */\n#include "version.h"\nconst char bl_version[] = "%s";\n' \
		'$(FULL_VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/obj/gen/version.o: $(VERSION_C) lib/version.h
	@mkdir -p $(dir $@)
	$(CC) $(INCLUDES) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
version:
	@echo $(FULL_VERSION)

# --- install locations (lib/installdirs.h; GNU directory variables) ---------
# Compiled in through build/gen/installdirs.c, rewritten only when they
# change (as version.c), so `make install PREFIX=/usr` relinks with them.
PREFIX      ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR      ?= $(EXEC_PREFIX)/bin
LIBDIR      ?= $(EXEC_PREFIX)/lib
DATAROOTDIR ?= $(PREFIX)/share
DATADIR     ?= $(DATAROOTDIR)
MANDIR      ?= $(DATAROOTDIR)/man
DOCDIR      ?= $(DATAROOTDIR)/doc/bouncelab
SYSCONFDIR  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# /var and /run whatever the PREFIX: the installed unit keeps its state there (FHS).
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
PKGLIBDIR   ?= $(LIBDIR)/bouncelab
PKGDATADIR  ?= $(DATADIR)/bouncelab
SYSTEMDUNITDIR ?= $(LIBDIR)/systemd/system
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
INSTALLDIRS_C := $(BUILD)/gen/installdirs.c
$(INSTALLDIRS_C): version-force
	@mkdir -p $(dir $@)
	@printf '/* Generated by the Makefile; do not edit. */\n#include "installdirs.h"\nconst char bl_pkglibdir[] = "%s";\nconst char bl_pkgdatadir[] = "%s";\nconst char bl_sysconfdir[] = "%s";\nconst char bl_localstatedir[] = "%s";\nconst char bl_runstatedir[] = "%s";\n' \
		'$(PKGLIBDIR)' '$(PKGDATADIR)' '$(SYSCONFDIR)' '$(LOCALSTATEDIR)' '$(RUNSTATEDIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/obj/gen/installdirs.o: $(INSTALLDIRS_C) lib/installdirs.h
	@mkdir -p $(dir $@)
	$(CC) $(INCLUDES) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBBL): $(call obj,$(LIB_SRCS)) $(if $(SCHEMA_SQL),$(BUILD)/obj/gen/schema_sql.o) $(BUILD)/obj/gen/version.o $(BUILD)/obj/gen/installdirs.o
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^
$(eval $(call static_lib,$(LIBBENCH),$(BENCH_SRCS)))
$(eval $(call static_lib,$(LIBANALYSIS),$(ANALYSIS_SRCS)))
$(eval $(call static_lib,$(LIBTESTBED),$(TESTBED_SRCS)))
$(eval $(call static_lib,$(LIBDAEMON),$(DAEMON_SRCS)))
$(eval $(call static_lib,$(LIBCLI),$(CLI_SRCS)))
$(eval $(call static_lib,$(LIBFAKES),$(FAKE_SRCS)))

# Each program links only the folders it may use.
$(BUILD)/gembench: $(call obj,bench/gembench.c) $(LIBBENCH) $(LIBBL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bouncelabd: $(call obj,daemon/bouncelabd.c) $(LIBDAEMON) $(LIBTESTBED) $(LIBANALYSIS) $(LIBBL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bouncelab: $(call obj,cli/bouncelab.c) $(LIBCLI) $(LIBTESTBED) $(LIBANALYSIS) $(LIBBL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(LIBFAKES) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

# Helper programs for integration tests and benchmark scripts (not installed).
$(BUILD)/tools/%: $(call obj,tests/tools/%.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang into build-fuzz.
FUZZ_BUILD := build-fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SANITIZER=address,undefined \
		OPT='-O1 -g -fsanitize=fuzzer-no-link' \
		$(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/fuzz/%,$(FUZZ_SRCS))
$(BUILD)/fuzz/%: $(call obj,tests/fuzz/%.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- set-up -----------------------------------------------------------------

# Installs only the packages that are missing; apt-get update first when any is.
deps:
	@missing=$$(for p in $$(sed 's/#.*//' configs/debian-packages); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

# --- tests ------------------------------------------------------------------

unit: $(UNIT_TESTS)
tools: $(TOOLS)

# Static programs for the testbed guest (no shared libraries in the initramfs).
static:
	$(MAKE) BUILD=build-static STATIC=1 OPT='-O2 -g' build-static/gembench build-static/bouncelabd

# make check: deps, warnings as errors, then every test (unit, sanitizers,
# integration incl. the testbed smoke test). tests/run prints the totals.
check: deps
	$(MAKE) WERROR=1 all unit tools
	$(MAKE) WERROR=1 BUILD=build-asan SANITIZER=address all unit tools
	$(MAKE) WERROR=1 BUILD=build-ubsan SANITIZER=undefined all unit tools
	$(MAKE) WERROR=1 static
	@# The testbed tests boot Debian 6.12 (and Xen, testbed_xen): fetch them once (cached) before any needs them.
	testbed/fetch-kernel.sh 6.12 >/dev/null
	testbed/fetch-xen.sh >/dev/null
	tests/run --build build --sanitizer-builds "build-asan build-ubsan" \
		--sanitizer-integration "daemon_bad_input daemon_durability daemon_signals daemon_scheduler dashboard_ store_"

test: all unit
	tests/run --build build

# --- the main job -----------------------------------------------------------

# make run: bouncelab nightly, whose testbed matrix is lib/dmamode.h's default
# (bl_mode_matrix: every mode, xen-pv:balloon=1536M included) on every kernel.
run: deps all static
	$(BUILD)/bouncelab nightly

# RESULTS.md and plots/out/: regenerated from a full testbed matrix (6.1 and
# 6.12 x default/force/noforce/iommu/iommu-pt/xen-pv/xen-pv:balloon=1536M/
# xen-pv-force, lib/dmamode.h's default matrix, the standard job) into a database of
# their own, so nothing else stored on this machine leaks into them.
RESULTS_DB := var/results.db
results: deps all static
	rm -rf $(RESULTS_DB) $(RESULTS_DB)-wal $(RESULTS_DB)-shm plots/out var/results
	$(BUILD)/bouncelab nightly --lab --db $(RESULTS_DB) --out var/results
	$(BUILD)/bouncelab report --db $(RESULTS_DB) --out RESULTS.md --plots plots/out

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-ubsan build-static build-fuzz

# --- man pages (issue 18) ---------------------------------------------------
# man/NAME.scd.in -> scdoc, with the programs' own --help texts and the job
# option table pasted in by man/render.sh (so a page cannot disagree).
MAN_SRCS := $(wildcard man/*.scd.in)
MAN_OUT  := $(patsubst man/%.scd.in,$(BUILD)/man/%,$(MAN_SRCS))
.PHONY: man
man: $(MAN_OUT)
$(BUILD)/man/%: man/%.scd.in man/render.sh $(PROGRAMS)
	@mkdir -p $(dir $@)
	man/render.sh $(BUILD) $< $@

# --- install (issue 18) -----------------------------------------------------
# GNU conventions: PREFIX (default /usr/local), DESTDIR, BINDIR, LIBDIR,
# DATADIR, MANDIR, SYSCONFDIR (/etc when PREFIX is /usr), ... (see the
# install locations block above). Programs in BINDIR; the static guest
# programs and the testbed scripts in PKGLIBDIR (lib/bouncelab); job files,
# the kernel list and the gnuplot scripts in PKGDATADIR (share/bouncelab);
# the example daemon config in SYSCONFDIR/bouncelab; LAVA job definitions in
# PKGDATADIR/lava and their reporting script in PKGLIBDIR; systemd units with
# their ExecStart rewritten to BINDIR (the source units name /usr/local/bin);
# man pages (make man) and bash completion.
INSTALL      ?= install
INSTALL_PROG := $(INSTALL) -m 0755
INSTALL_DATA := $(INSTALL) -m 0644
UNIT_SED     := -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/etc/bouncelab/|$(SYSCONFDIR)/bouncelab/|g' \
                -e 's|^Documentation=file://.*|Documentation=man:bouncelabd(8)|'
.PHONY: install install-guest uninstall
install: all static install-guest man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR)/testbed \
		$(DESTDIR)$(PKGDATADIR)/jobs $(DESTDIR)$(PKGDATADIR)/plots \
		$(DESTDIR)$(SYSCONFDIR)/bouncelab $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL_PROG) $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(INSTALL_PROG) testbed/*.sh $(DESTDIR)$(PKGLIBDIR)/testbed/
	$(INSTALL_PROG) configs/lava/lava-report.sh $(DESTDIR)$(PKGLIBDIR)/lava-report.sh
	$(INSTALL) -d $(DESTDIR)$(PKGDATADIR)/lava
	$(INSTALL_DATA) configs/lava/*.yaml $(DESTDIR)$(PKGDATADIR)/lava/
	$(INSTALL_DATA) configs/jobs/*.ini $(DESTDIR)$(PKGDATADIR)/jobs/
	$(INSTALL_DATA) configs/kernels $(DESTDIR)$(PKGDATADIR)/kernels
	$(INSTALL_DATA) plots/*.gp $(DESTDIR)$(PKGDATADIR)/plots/
	$(INSTALL_DATA) configs/bouncelabd.ini $(DESTDIR)$(SYSCONFDIR)/bouncelab/bouncelabd.ini
	for u in bouncelabd.service bouncelab-nightly.service bouncelab-nightly.timer; do \
		sed $(UNIT_SED) configs/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
		mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	$(INSTALL_DATA) completion/bouncelab.bash $(DESTDIR)$(BASHCOMPDIR)/bouncelab
	$(INSTALL_DATA) completion/bouncelab.bash $(DESTDIR)$(BASHCOMPDIR)/gembench
	for m in $(MAN_OUT); do s=$${m##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && $(INSTALL_DATA) $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
# The guest programs the lab copies into its initramfs (make static).
install-guest: static
	$(INSTALL) -d $(DESTDIR)$(PKGLIBDIR)/guest
	$(INSTALL_PROG) build-static/gembench build-static/bouncelabd $(DESTDIR)$(PKGLIBDIR)/guest/
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,gembench bouncelab bouncelabd)
	rm -rf $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(PKGDATADIR)
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,bouncelabd.service bouncelab-nightly.service bouncelab-nightly.timer)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/bouncelab $(DESTDIR)$(BASHCOMPDIR)/gembench
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,man1/gembench.1 man1/bouncelab.1 man8/bouncelabd.8 man5/bouncelab-jobs.5)

# --- Debian package (issue 18) ----------------------------------------------
# Builds from a copy of the tracked files in $(BUILD)/deb, so the package
# build's `make clean` never touches this tree's build folders; the copy
# gets this tree's git describe. Output: $(BUILD)/deb/bouncelab_*.deb.
DEB_DIR := $(BUILD)/deb
.PHONY: deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/bouncelab-$(VERSION)
	git ls-files -z | tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/bouncelab-$(VERSION)
	cd $(DEB_DIR)/bouncelab-$(VERSION) && BOUNCELAB_GIT_DESCRIBE='$(GIT_DESCRIBE)' \
		DEB_BUILD_OPTIONS='parallel=2 nocheck' dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/bouncelab_*.deb

# --- libcurl (issue 18) -----------------------------------------------------
# Only bouncelab's HTTP client (cli/http_client.c) uses it, so only the
# programs that link libcli get it: never the static guest programs.
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null)
$(BUILD)/obj/cli/%.o: CPPFLAGS += $(CURL_CFLAGS)
$(BUILD)/bouncelab $(BUILD)/tests/% $(BUILD)/tools/% $(BUILD)/fuzz/%: LDLIBS += $(CURL_LIBS)

# --- nettle (issue 14) ------------------------------------------------------
# The SHA-256 of a local kernel image (testbed/lab_local_check.c): the
# programs and tests that link libtestbed get it (bouncelabd too, static or
# not: libnettle.a is small and needs nothing else).
NETTLE_CFLAGS := $(shell pkg-config --cflags nettle 2>/dev/null)
NETTLE_LIBS   := $(shell pkg-config --libs $(if $(STATIC),--static) nettle 2>/dev/null)
$(BUILD)/obj/testbed/%.o: CPPFLAGS += $(NETTLE_CFLAGS)
$(BUILD)/bouncelab $(BUILD)/bouncelabd $(BUILD)/tests/% $(BUILD)/tools/% $(BUILD)/fuzz/%: LDLIBS += $(NETTLE_LIBS)

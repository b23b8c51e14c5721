# iam-login build. `make help` lists the targets.
#
# Sources are picked up by folder so adding a file needs no edit here:
#   common/DIR/*.c             -> build/lib/libiam-DIR.a (one static archive per concern)
#   nss_iam/*.c                -> build/libnss_iam.so.2 (snapshot + base: libc only)
#   pam_iam/*.c                -> build/pam_iam.so (mfa, snapshot, config, base)
#   tools/iam-login/*.c        -> build/iam-login (every archive)
#   tools/iam-authorized-keys/*.c -> build/iam-authorized-keys (keys, snapshot, config, base)
#   tests/unit/test_*.c        -> build/tests/test_*   (cmocka)
#   tests/tools/*.c            -> build/tests/tools/*  (test helpers, one file each)
#
# Each artifact links only the archives (and libraries) of its row in
# ARCHITECTURE.md's layout, so a call across a boundary fails to link, and
# tests/integration/lint.sh checks every artifact's NEEDED list.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib/$(shell $(CC) -print-multiarch 2>/dev/null || echo .)
PAMDIR ?= $(LIBDIR)/security
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/iam-login
UNITDIR ?= /lib/systemd/system
SYSCONFDIR ?= /etc
DESTDIR ?=

CC ?= cc
SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT = -O1
else
BUILD ?= build
SANFLAGS =
OPT = -O2 -D_FORTIFY_SOURCE=2
endif

PKGS = libcurl openssl jansson liboath expat inih libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -fstack-protector-strong \
	-D_GNU_SOURCE -Icommon $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -Wl,-z,relro,-z,now -Wl,--as-needed

# Archives in link order: a folder may use only the folders after it.
COMMON_DIRS := keys directory iam aws mfa snapshot config base
srcs_of = $(sort $(wildcard common/$(1)/*.c))
lib_of = $(BUILD)/lib/libiam-$(1).a
libs_of = $(foreach d,$(1),$(call lib_of,$(d)))
NSS_SRCS := $(sort $(wildcard nss_iam/*.c))
PAM_SRCS := $(sort $(wildcard pam_iam/*.c))
IAMLOGIN_SRCS := $(sort $(wildcard tools/iam-login/*.c))
AUTHKEYS_SRCS := $(sort $(wildcard tools/iam-authorized-keys/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TESTTOOL_SRCS := $(sort $(wildcard tests/tools/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# Loadable modules (NSS, PAM) run inside system programs (getent, sshd, sudo,
# pamtester) that are not built with sanitizers, and an ASan module cannot load
# there. So in SAN=1 builds the modules and the copy of common/ they link are
# built without sanitizers; the tools and unit tests carry them.
PLAIN_CFLAGS = $(filter-out $(SANFLAGS),$(ALL_CFLAGS))
PLAIN_LDFLAGS = $(filter-out $(SANFLAGS),$(ALL_LDFLAGS))
plainobj = $(patsubst %.c,$(BUILD)/plainobj/%.o,$(1))
# The NSS module gets its own objects of the reader so no other flags leak in.
nssobj = $(patsubst %.c,$(BUILD)/nssobj/%.o,$(1))

pkglibs = $(shell pkg-config --libs $(1) 2>/dev/null)
# What each artifact may link (ARCHITECTURE.md, "Layout").
NSS_ARCHIVES := snapshot base
PAM_ARCHIVES := mfa snapshot config base
PAM_LIBS = -lpam $(call pkglibs,liboath inih)
AUTHKEYS_ARCHIVES := keys snapshot config base
AUTHKEYS_LIBS = $(call pkglibs,inih)
ALL_ARCHIVES := $(COMMON_DIRS)
ALL_LIBS = $(PKG_LIBS)
LIBCOMMON := $(call libs_of,$(ALL_ARCHIVES))
NSS_SO := $(BUILD)/libnss_iam.so.2
PAM_SO := $(BUILD)/pam_iam.so
IAMLOGIN := $(BUILD)/iam-login
AUTHKEYS := $(BUILD)/iam-authorized-keys
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TESTTOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TESTTOOL_SRCS))

TARGETS := $(LIBCOMMON)
ifneq ($(wildcard nss_iam/*.c),)
TARGETS += $(NSS_SO)
endif
ifneq ($(PAM_SRCS),)
TARGETS += $(PAM_SO)
endif
ifneq ($(IAMLOGIN_SRCS),)
TARGETS += $(IAMLOGIN)
endif
ifneq ($(AUTHKEYS_SRCS),)
TARGETS += $(AUTHKEYS)
endif

.PHONY: all help deps check check-san unit bench fuzz demo deb install uninstall clean format format-check
all: $(TARGETS)

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make deps       install missing packages (root) and moto into build/moto-venv"
	@echo "make check      install deps, build, run every test; ends with 'N passed, N failed'"
	@echo "make check-san  the same tests built with ASan+UBSan (in build-san/)"
	@echo "make demo       local IAM emulator with sample users, then real getent/ssh/sudo"
	@echo "make fuzz       libFuzzer on every parser, FUZZ_SECONDS each (clang)"
	@echo "make bench      benchmarks against peers measured in the same run"
	@echo "make deb       Debian packages into $(BUILD)/deb/ (libnss-iam, libpam-iam, iam-login)"
	@echo "make install    install (PREFIX=$(PREFIX) DESTDIR=...), for other distributions"

deps:
	@BUILD=$(BUILD) sh scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/nssobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(PLAIN_CFLAGS) -DIAM_NSS_MODULE -c -o $@ $<

$(BUILD)/plainobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(PLAIN_CFLAGS) -c -o $@ $<

plainlib_of = $(BUILD)/plainlib/libiam-$(1).a
nsslib_of = $(BUILD)/nsslib/libiam-$(1).a
define archive_rules
$(call lib_of,$(1)): $(call obj,$(call srcs_of,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	ar rcs $$@ $$^
$(call plainlib_of,$(1)): $(call plainobj,$(call srcs_of,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	ar rcs $$@ $$^
$(call nsslib_of,$(1)): $(call nssobj,$(call srcs_of,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach d,$(COMMON_DIRS),$(eval $(call archive_rules,$(d))))

# Modules load into unsanitized programs: plain objects in SAN=1 builds too.
NSS_LIBS := $(foreach d,$(NSS_ARCHIVES),$(call nsslib_of,$(d)))
PAM_LIBS_A := $(foreach d,$(PAM_ARCHIVES),$(call plainlib_of,$(d)))
AUTHKEYS_LIBS_A := $(call libs_of,$(AUTHKEYS_ARCHIVES))

$(NSS_SO): $(call nssobj,$(NSS_SRCS)) $(NSS_LIBS) nss_iam/nss_iam.map
	$(CC) -shared -Wl,-soname,libnss_iam.so.2 -Wl,--version-script=nss_iam/nss_iam.map \
		-Wl,-z,defs $(PLAIN_LDFLAGS) -o $@ $(call nssobj,$(NSS_SRCS)) $(NSS_LIBS)

$(PAM_SO): $(call plainobj,$(PAM_SRCS)) $(PAM_LIBS_A) pam_iam/pam_iam.map
	$(CC) -shared -Wl,--version-script=pam_iam/pam_iam.map -Wl,-z,defs $(PLAIN_LDFLAGS) \
		-o $@ $(call plainobj,$(PAM_SRCS)) $(PAM_LIBS_A) $(PAM_LIBS)

$(IAMLOGIN): $(call obj,$(IAMLOGIN_SRCS)) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -pie -o $@ $(call obj,$(IAMLOGIN_SRCS)) $(LIBCOMMON) $(PKG_LIBS)

# AUTHKEYS_EXTRA_OBJS: only for lint.sh, which proves a libcurl call cannot link.
AUTHKEYS_EXTRA_OBJS ?=
$(AUTHKEYS): $(call obj,$(AUTHKEYS_SRCS)) $(AUTHKEYS_LIBS_A) $(AUTHKEYS_EXTRA_OBJS)
	$(CC) $(ALL_LDFLAGS) -pie -o $@ $(call obj,$(AUTHKEYS_SRCS)) $(AUTHKEYS_EXTRA_OBJS) \
		$(AUTHKEYS_LIBS_A) $(AUTHKEYS_LIBS)

# Every unit test links the shared scratch-file helpers (tests/unit/testutil.c).
UNIT_HELPER_OBJS := $(BUILD)/obj/tests/unit/testutil.o
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(UNIT_HELPER_OBJS) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(LIBCOMMON) $(PKG_LIBS) -lcmocka -lpthread

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBCOMMON) $(PKG_LIBS) -lpthread -ldl

# Test-only shared objects (tests/tools/*.so.c -> build/tests/tools/*.so)
TESTSO_SRCS := $(sort $(wildcard tests/tools/so/*.c))
TESTSO_BINS := $(patsubst tests/tools/so/%.c,$(BUILD)/tests/tools/%.so,$(TESTSO_SRCS))
$(BUILD)/tests/tools/%.so: tests/tools/so/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(CFLAGS) $(WARN) -fPIC -shared -D_GNU_SOURCE -Icommon -o $@ $<

# Fuzz targets (tests/fuzz/fuzz_NAME.c): a replay binary per target for make
# check (any compiler), libFuzzer binaries for make fuzz (clang, tests/fuzz/run).
FUZZ_NAMES := $(filter-out file,$(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c))))
REPLAY_BINS := $(patsubst %,$(BUILD)/tests/fuzz/replay-%,$(FUZZ_NAMES))
$(BUILD)/tests/fuzz/replay-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/fuzz_file.o \
		$(BUILD)/obj/tests/fuzz/replay_main.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(PKG_LIBS)
FUZZ_SECONDS ?= 60

tests-build: all $(UNIT_BINS) $(TESTTOOL_BINS) $(TESTSO_BINS) $(REPLAY_BINS)

check: deps
	@$(MAKE) --no-print-directory tests-build >$(BUILD).log 2>&1 || { cat $(BUILD).log; exit 1; }
	@BUILD=$(BUILD) SAN=$(SAN) tests/run-all

check-san:
	@$(MAKE) --no-print-directory SAN=1 check

unit: tests-build
	@BUILD=$(BUILD) tests/run-all unit

bench: deps
	@$(MAKE) --no-print-directory tests-build
	@BUILD=$(BUILD) sh tests/bench/run-all

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run $(FUZZ_NAMES)

demo: deps
	@$(MAKE) --no-print-directory all $(TESTTOOL_BINS)
	@BUILD=$(BUILD) bash scripts/demo

deb:
	@BUILD=$(BUILD) bash scripts/build-deb

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PAMDIR) \
		$(DESTDIR)$(SYSCONFDIR)/iam-login $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(IAMLOGIN) $(AUTHKEYS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(NSS_SO) $(DESTDIR)$(LIBDIR)/libnss_iam.so.2
	install -m 0644 $(PAM_SO) $(DESTDIR)$(PAMDIR)/pam_iam.so
	test -e $(DESTDIR)$(SYSCONFDIR)/iam-login/iam-login.conf || \
		install -m 0644 conf/iam-login.conf $(DESTDIR)$(SYSCONFDIR)/iam-login/iam-login.conf
	for m in man/*.8; do [ -e "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man8/; done; true
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	for u in conf/systemd/*; do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g; s|/usr/sbin/iam-|$(SBINDIR)/iam-|g' "$$u" \
			>$(DESTDIR)$(UNITDIR)/$$(basename "$$u"); done
	cp -R conf $(DESTDIR)$(DOCDIR)/
	sed -i 's|/usr/local/sbin/|$(SBINDIR)/|g; s|/usr/sbin/iam-|$(SBINDIR)/iam-|g' \
		$$(grep -rl 'sbin/iam-' $(DESTDIR)$(DOCDIR)/conf)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/iam-login $(DESTDIR)$(SBINDIR)/iam-authorized-keys \
		$(DESTDIR)$(LIBDIR)/libnss_iam.so.2 $(DESTDIR)$(PAMDIR)/pam_iam.so \
		$(DESTDIR)$(UNITDIR)/iam-login-sync.service $(DESTDIR)$(UNITDIR)/iam-login-sync.timer
	rm -rf $(DESTDIR)$(DOCDIR)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fuzz build.log build-san.log

# dependency files live only in the object folders (build/ also holds a debootstrapped root)
-include $(shell find $(BUILD)/obj $(BUILD)/plainobj $(BUILD)/nssobj -name '*.d' -type f 2>/dev/null)

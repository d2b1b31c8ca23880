# SPDX-License-Identifier: GPL-2.0
#
# make deps            install what make needs (as root; Debian 12)
# make                 module/blkhold.ko for KDIR and the CLI userspace/blkhold
# make KDIR=/lib/modules/RELEASE/build   the module for another kernel
# make install         module (modules_install + depmod), CLI, man page, bash completion, and the
#                      boot path: initramfs-tools hook and script, modprobe.d, systemd unit
# make check, demo, bench and deb install what each needs first (as root), unless
# BLKHOLD_NO_INSTALL=1
# make check           build for every supported kernel, run the selftests in VMs
# make check-debug     the selftests on a 6.12 kernel with KASAN, lockdep, UBSAN, kmemleak
# make deb             Debian packages blkhold-dkms and blkhold (build/deb/)
# make uapi            include/uapi/linux/blkhold.h from the netlink spec (ynl-gen-c)
# make demo            a VM showing real wipe tools refused on a held disk
# make wipe-initrd KVER=RELEASE OUT=FILE CERT=CERT [WIPE=SCRIPT] [SEQUENCE=N]
#                      a wipe image that enforces a signed hold registry

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DESTDIR ?=
INITRAMFS_DIR ?= /usr/share/initramfs-tools
UNIT_DIR ?= /lib/systemd/system
UDEV_DIR ?= /lib/udev/rules.d

all: module cli

module:
	@test -e $(KDIR)/Makefile || { echo "no kernel headers at $(KDIR): install linux-headers-$$(uname -r) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

cli:
	$(MAKE) -C userspace

# KDIR is /lib/modules/RELEASE/build: RELEASE is the directory above it.
RELEASE := $(notdir $(patsubst %/,%,$(dir $(KDIR))))

install: install-module install-userspace

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(RELEASE)

# Everything but the module (the blkhold package: the module comes from DKMS).
install-userspace: cli
	install -D -m 0755 userspace/blkhold $(DESTDIR)$(SBINDIR)/blkhold
	install -D -m 0644 Documentation/blkhold.8 $(DESTDIR)$(PREFIX)/share/man/man8/blkhold.8
	install -D -m 0644 boot/bash-completion/blkhold $(DESTDIR)$(PREFIX)/share/bash-completion/completions/blkhold
	$(call install_boot,0755,initramfs-tools/hooks/blkhold,$(INITRAMFS_DIR)/hooks/blkhold)
	$(call install_boot,0755,initramfs-tools/scripts/init-top/00blkhold,$(INITRAMFS_DIR)/scripts/init-top/00blkhold)
	$(call install_boot,0644,modprobe.d/blkhold.conf,/etc/modprobe.d/blkhold.conf)
	$(call install_boot,0644,udev/69-blkhold-stack.rules,$(UDEV_DIR)/69-blkhold-stack.rules)
	$(call install_boot,0644,systemd/blkhold-restore.service,$(UNIT_DIR)/blkhold-restore.service)
	$(call install_boot,0644,systemd/blkhold-audit.service,$(UNIT_DIR)/blkhold-audit.service)
	$(call install_boot,0644,systemd/blkhold-metrics.service,$(UNIT_DIR)/blkhold-metrics.service)
	$(call install_boot,0644,systemd/blkhold-metrics.timer,$(UNIT_DIR)/blkhold-metrics.timer)
	@echo "Installed. To arm stored holds at boot and keep the audit trail: update-initramfs -u -k all && systemctl enable blkhold-restore.service blkhold-audit.service"

# install_boot MODE,FILE under boot/,DESTINATION: with the CLI's path filled in.
define install_boot
	install -d $(dir $(DESTDIR)$(3))
	sed 's|@SBINDIR@|$(SBINDIR)|g' boot/$(2) >$(DESTDIR)$(3)
	chmod $(1) $(DESTDIR)$(3)
endef

check:
	selftests/vm/check.sh

check-debug:
	selftests/vm/check-debug.sh

demo:
	selftests/vm/demo.sh

bench:
	selftests/vm/bench.sh

# The uapi header, generated from the netlink spec by the kernel's ynl-gen-c.
uapi:
	selftests/vm/ynl-check.sh --update

wipe-initrd:
	KVER="$(KVER)" OUT="$(OUT)" CERT="$(CERT)" WIPE="$(WIPE)" SEQUENCE="$(SEQUENCE)" \
		scripts/wipe-initrd.sh

# Debian packages blkhold-dkms and blkhold in build/deb/, checked by lintian.
deb:
	@[ -n "$(BLKHOLD_NO_INSTALL)" ] || selftests/vm/install-deps.sh deb
	scripts/make-deb.sh

deps:
	selftests/vm/install-deps.sh build

clean:
	-test -e $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all deps module cli install install-module install-userspace check check-debug demo bench deb uapi \
	wipe-initrd clean

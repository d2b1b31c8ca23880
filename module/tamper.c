// SPDX-License-Identifier: GPL-2.0
/*
 * The tamper guard: while a hold exists, root cannot switch blkhold off or
 * step around it on this kernel.
 *
 *  - delete_module("blkhold"), forced or not: the module stays.
 *  - kexec_load, kexec_file_load and reboot(LINUX_REBOOT_CMD_KEXEC): no
 *    other kernel replaces this one without a reboot.
 *  - restoring a hibernation image (/sys/power/resume, /dev/snapshot's
 *    atomic restore): no earlier memory, without the holds, replaces this.
 *  - swapon of a held volume, or of a swap file on one: refused before it
 *    is activated, so neither swapping nor a hibernation image writes there.
 *  - binding the PCI function that carries a held medium to another driver
 *    than its own (vfio-pci, uio_pci_generic, pci-stub): no userspace
 *    driver gets the device.
 *
 * These hooks exist only while a hold does (hooks.c), so a host without
 * holds unloads the module, kexecs and swaps as usual. Each attempt is
 * refused with EBUSY or EPERM, logged and announced as kind "tamper" on
 * every held volume. The 32-bit and x32 entry points are hooked too.
 */
#include "blkhold.h"
#include "events.h"
#include "hooks.h"
#include "registry.h"
#include "spans.h"
#include "tamper.h"

#include <linux/kallsyms.h>
#include <linux/reboot.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

/* The syscall wrappers take the caller's saved registers. */
static const struct pt_regs *bh_syscall_regs(struct ftrace_regs *fregs)
{
	return (const struct pt_regs *)bh_ftrace_arg(fregs, 0);
}

static void bh_tamper(const char *action)
{
	struct bh_refusal r = {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = action,
	};

	bh_refuse_everywhere(&r);
}

/* ---- delete_module ---- */

/*
 * Is the name at @uname "blkhold"? The callback may not sleep, so the name
 * is read without faulting. A name that cannot be read so, or that is
 * changed after this read, is judged again below from the kernel's own
 * copy: another module's unloading goes on either way.
 */
static bool bh_names_blkhold(const char __user *uname)
{
	char name[sizeof(KBUILD_MODNAME)];

	if (copy_from_user_nofault(name, uname, sizeof(name)))
		return false;
	return !memcmp(name, KBUILD_MODNAME, sizeof(name));
}

static bool bh_unload_refuses(struct ftrace_regs *fregs)
{
	return bh_names_blkhold((const char __user *)bh_syscall_regs(fregs)->di);
}

BH_HOOK_CALLBACK(bh_unload_callback, bh_unload_refuses)

static bool bh_unload32_refuses(struct ftrace_regs *fregs)
{
	return bh_names_blkhold((const char __user *)bh_syscall_regs(fregs)->bx);
}

BH_HOOK_CALLBACK(bh_unload32_callback, bh_unload32_refuses)

static long bh_refuse_unload(const struct pt_regs *uregs)
{
	bh_tamper("unloading blkhold");
	bh_refusal_done();
	return -EBUSY;
}

/*
 * delete_module() looks the module up by the name it copied into the
 * kernel: blkhold is not found there while a hold exists. Other callers
 * of find_module() (kprobe events naming blkhold) are left alone.
 */
static void notrace bh_find_module_callback(struct bh_hook *hook,
					    unsigned long parent_ip,
					    struct ftrace_regs *fregs)
{
	const char *name = (const char *)bh_ftrace_arg(fregs, 0);
	char caller[KSYM_SYMBOL_LEN];

	if (strcmp(name, KBUILD_MODNAME))
		return;
	sprint_symbol_no_offset(caller, parent_ip);
	if (strstr(caller, "sys_delete_module"))
		bh_hook_redirect(hook, parent_ip, fregs);
}

static struct module *bh_refuse_find_module(const char *name)
{
	bh_tamper("unloading blkhold");
	bh_refusal_done();
	return NULL;
}

/*
 * A forced unload that got past both (it cannot, as far as blkhold
 * knows) reaches the module's exit with holds in force. The exit cannot
 * fail, so it waits, hooks still installed, until the holds are released
 * and every refusal function has returned: a forced unload frees the
 * module whatever its references say.
 */
void bh_unload_forced(void)
{
	bh_tamper("unloading blkhold");
	pr_crit("forced unload with holds in force: blkhold stays in force and the unload waits until every hold is released\n");
	bh_wait_unpinned();
	while (module_refcount(THIS_MODULE) > 0)
		schedule_timeout_idle(HZ / 10);
}

/* ---- kexec ---- */

/* kexec_load() and kexec_file_load(): refused whatever their arguments */
static bool bh_always(struct ftrace_regs *fregs)
{
	return true;
}

BH_HOOK_CALLBACK(bh_kexec_callback, bh_always)

static bool bh_reboot_kexec_refuses(struct ftrace_regs *fregs)
{
	return (u32)bh_syscall_regs(fregs)->dx == LINUX_REBOOT_CMD_KEXEC;
}

BH_HOOK_CALLBACK(bh_reboot_kexec_callback, bh_reboot_kexec_refuses)

static long bh_refuse_kexec(const struct pt_regs *uregs)
{
	bh_tamper("kexec");
	bh_refusal_done();
	return -EPERM;
}

/* ---- swapon ---- */

/*
 * swapon() maps a block device, or a swap file's blocks, through
 * add_swap_extent() before activating it; sis->bdev is where swap would go.
 */
static bool bh_swap_held(struct swap_info_struct *sis, struct bh_refusal *r)
{
	struct block_device *bdev = sis->bdev;

	*r = (struct bh_refusal) {
		.bdev = bdev,
		.kind = BLKHOLD_KIND_TAMPER,
		.action = "swapon",
	};
	if (!bdev)
		return false;
	r->sector = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	r->nr_sects = bdev_nr_sectors(bdev);
	r->vol = bh_volume_find(bdev->bd_disk, r->sector, r->nr_sects);
	return r->vol;
}

static bool bh_swap_refuses(struct ftrace_regs *fregs)
{
	struct swap_info_struct *sis =
		(struct swap_info_struct *)bh_ftrace_arg(fregs, 0);
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_swap_held(sis, &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_swap_callback, bh_swap_refuses)

static int bh_refuse_swap(struct swap_info_struct *sis, unsigned long start_page,
			  unsigned long nr_pages, sector_t start_block)
{
	struct bh_refusal r;
	bool held;
	int ret;

	rcu_read_lock();
	held = bh_swap_held(sis, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	ret = held ? -EPERM :
		add_swap_extent(sis, start_page, nr_pages, start_block);
	bh_refusal_done();
	return ret;
}

/* ---- hibernation restore ---- */

#ifdef CONFIG_HIBERNATION
static int bh_refuse_hibernation_restore(int platform_mode)
{
	bh_tamper("restoring a hibernation image");
	bh_refusal_done();
	return -EPERM;
}
#endif

/* ---- a held medium's PCI function bound to another driver ---- */

/*
 * pci_device_probe() runs for every driver bound to a PCI function, with
 * the driver already set, however the binding was asked for: a driver's
 * bind file, driver_override and drivers_probe, new_id, a module loaded
 * with IDs. The function keeps the name it had across removal and
 * rescan.
 */
static bool bh_pci_probe_held(struct device *dev, struct bh_refusal *r)
{
	*r = (struct bh_refusal) {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = "binding the PCI function of a held medium to another driver",
	};
	if (!dev->driver)
		return false;
	r->vol = bh_volume_find_pci(dev_name(dev));
	return r->vol && r->vol->pci_driver[0] &&
	       strcmp(r->vol->pci_driver, dev->driver->name);
}

static bool bh_pci_probe_refuses(struct ftrace_regs *fregs)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_pci_probe_held((struct device *)bh_ftrace_arg(fregs, 0), &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_pci_probe_callback, bh_pci_probe_refuses)

static int bh_refuse_pci_probe(struct device *dev)
{
	struct bh_refusal r;

	rcu_read_lock();
	if (bh_pci_probe_held(dev, &r))
		bh_refuse(&r);
	rcu_read_unlock();
	bh_refusal_done();
	return -EBUSY;
}

static struct bh_hook bh_tamper_hooks[] = {
	{ "__x64_sys_delete_module", bh_unload_callback, bh_refuse_unload },
	{ "__ia32_sys_delete_module", bh_unload32_callback, bh_refuse_unload },
	{ "find_module", bh_find_module_callback, bh_refuse_find_module },
	{ "__x64_sys_kexec_load", bh_kexec_callback, bh_refuse_kexec },
	{ "__ia32_compat_sys_kexec_load", bh_kexec_callback, bh_refuse_kexec },
#ifdef CONFIG_X86_X32_ABI
	/* x32 callers (syscall 528 with __X32_SYSCALL_BIT) */
	{ "__x64_compat_sys_kexec_load", bh_kexec_callback, bh_refuse_kexec },
#endif
	{ "__x64_sys_kexec_file_load", bh_kexec_callback, bh_refuse_kexec },
	{ "__x64_sys_reboot", bh_reboot_kexec_callback, bh_refuse_kexec },
	{ "__ia32_sys_reboot", bh_reboot_kexec_callback, bh_refuse_kexec },
	{ "add_swap_extent", bh_swap_callback, bh_refuse_swap },
#ifdef CONFIG_HIBERNATION
	{ "hibernation_restore", bh_kexec_callback,
	  bh_refuse_hibernation_restore },
#endif
	{ "pci_device_probe", bh_pci_probe_callback, bh_refuse_pci_probe },
};

int bh_tamper_init(void)
{
	return bh_hooks_add_table(bh_tamper_hooks, ARRAY_SIZE(bh_tamper_hooks));
}

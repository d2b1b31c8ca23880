// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold: legal holds on block devices. Loading learns what it needs of
 * the disks, registers the netlink family and checks that every hooked
 * function can be hooked; the gate's hooks are installed only while a
 * hold exists (registry.c), and the module cannot be unloaded while one
 * does. Disk arrival is watched from load to unload (persist.c).
 */
#include "blkhold.h"
#include "disk.h"
#include "gate.h"
#include "hooks.h"
#include "netlink.h"
#include "passthru.h"
#include "persist.h"
#include "registry.h"
#include "retention.h"
#include "spans.h"
#include "stack.h"
#include "tamper.h"

#include <linux/module.h>
#include <linux/rcupdate.h>

static int __init bh_init(void)
{
	int err;

	bh_retention_init();
	err = bh_disk_init() ?: bh_gate_init() ?: bh_passthru_init() ?:
	      bh_tamper_init() ?: bh_persist_init();
	if (err)
		goto fail;
	err = bh_hooks_probe();
	if (err)
		goto persist;
	err = bh_netlink_init();
	if (err)
		goto persist;
	pr_info("loaded; no holds\n");
	return 0;

persist:
	bh_persist_exit();
fail:
	bh_hooks_exit();
	return err;
}

static void __exit bh_exit(void)
{
	if (bh_pinned())
		bh_unload_forced();
	bh_netlink_exit();
	bh_persist_exit();
	bh_hooks_exit();
	bh_stack_exit();
	bh_spans_exit();
	/* call_rcu() of the last volumes and records must finish before the code goes */
	rcu_barrier();
	/*
	 * A refusal function drops its module reference as it returns
	 * (bh_refusal_done()), a few instructions before it leaves the
	 * module's text: wait until every task has left them.
	 */
	synchronize_rcu_tasks();
}

module_init(bh_init);
module_exit(bh_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The blkhold developers");
MODULE_DESCRIPTION("Legal holds: refuse every request that would change a held block device");
MODULE_VERSION(BLKHOLD_VERSION);
MODULE_ALIAS_GENL_FAMILY(BLKHOLD_FAMILY_NAME);

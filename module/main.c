// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold: legal holds on block devices. Loading registers the netlink
 * family and checks that the gate's functions can be hooked; the hooks
 * themselves are installed only while a hold exists (registry.c), and the
 * module cannot be unloaded while one does.
 */
#include "blkhold.h"

#include <linux/module.h>
#include <linux/rcupdate.h>

static int __init bh_init(void)
{
	int err;

	err = bh_persist_init();
	if (err)
		return err;
	err = bh_hooks_probe();
	if (err)
		return err;
	err = bh_netlink_init();
	if (err) {
		bh_hooks_exit();
		return err;
	}
	pr_info("loaded; no holds\n");
	return 0;
}

static void __exit bh_exit(void)
{
	if (bh_pinned())
		bh_unload_forced();
	bh_netlink_exit();
	bh_hooks_exit();
	bh_stack_exit();
	/* kfree_rcu() of the last volumes must finish before the code goes */
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

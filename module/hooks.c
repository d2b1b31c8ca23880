// SPDX-License-Identifier: GPL-2.0
/*
 * Installing and removing blkhold's ftrace hooks. Each file that hooks
 * functions hands its table here when the module loads; the hooks are
 * installed only while a hold exists, so a host without holds pays
 * nothing on its I/O path.
 *
 * Each hook is an ftrace_ops filtered on one function. When the hook's
 * check refuses the call, the callback moves the instruction pointer to a
 * refusal function of the same signature: the original never runs. The
 * hooks are permanent, so root cannot switch them off with
 * "sysctl kernel.ftrace_enabled=0" while they are installed. The two on
 * the I/O path are direct entries instead (blkhold.h), which return into
 * the refusal function themselves.
 */
#include "blkhold.h"

#include <linux/module.h>
#include <linux/slab.h>

struct bh_hook_table {
	struct bh_hook *hooks;
	unsigned int count;
};

/* The tables handed in at load, and every hook of them in install order. */
static struct bh_hook_table *bh_tables;
static unsigned int bh_nr_tables;
static struct bh_hook **bh_hooks;
static unsigned int bh_nr_hooks;

int bh_hooks_add_table(struct bh_hook *hooks, unsigned int count)
{
	struct bh_hook_table *grown;

	grown = krealloc_array(bh_tables, bh_nr_tables + 1, sizeof(*grown),
			       GFP_KERNEL);
	if (!grown)
		return -ENOMEM;
	bh_tables = grown;
	bh_tables[bh_nr_tables++] = (struct bh_hook_table) { hooks, count };
	return 0;
}

/*
 * Direct entries go last: ftrace cannot make them permanent, and a direct
 * call registered while kernel.ftrace_enabled is 0 is silently not
 * installed. A permanent hook installed first fails in that case, and once
 * installed keeps anyone from setting it to 0.
 */
static int bh_hooks_gather(void)
{
	unsigned int t, i, total = 0;
	int direct;

	for (t = 0; t < bh_nr_tables; t++)
		total += bh_tables[t].count;
	bh_hooks = kcalloc(total, sizeof(*bh_hooks), GFP_KERNEL);
	if (!bh_hooks)
		return -ENOMEM;
	bh_nr_hooks = 0;
	for (direct = 0; direct < 2; direct++)
		for (t = 0; t < bh_nr_tables; t++)
			for (i = 0; i < bh_tables[t].count; i++)
				if (!!bh_tables[t].hooks[i].direct == direct)
					bh_hooks[bh_nr_hooks++] = &bh_tables[t].hooks[i];
	return 0;
}

/* A hook's callback refuses the call: run the refusal function instead. */
void notrace bh_hook_redirect(struct ftrace_ops *ops, unsigned long parent_ip,
			      struct ftrace_regs *fregs)
{
	struct bh_hook *hook = container_of(ops, struct bh_hook, ops);

	/* blkhold's own pass-through call of a hooked function */
	if (!hook->instead || within_module(parent_ip, THIS_MODULE))
		return;
	__module_get(THIS_MODULE);	/* until bh_refusal_done() */
	bh_ftrace_set_ip(fregs, (unsigned long)hook->instead);
}

static int bh_hook_prepare(struct bh_hook *hook, bool permanent)
{
	int err;

	/*
	 * The arguments are enough: no SAVE_REGS, the cheaper trampoline.
	 * Registering a direct entry sets its flags. A group's hook is
	 * prepared again at each installation: ftrace's own flags stay.
	 */
	if (!hook->ops.func) {
		hook->ops.func = hook->callback;
		hook->ops.flags = hook->direct || !permanent ?
				  0 : FTRACE_OPS_FL_PERMANENT;
		if (hook->instead && !hook->direct)
			hook->ops.flags |= FTRACE_OPS_FL_IPMODIFY;
	}
	err = ftrace_set_filter(&hook->ops, (unsigned char *)hook->func,
				strlen(hook->func), 1);
	if (err)
		pr_err("cannot trace %s(): this kernel does not offer it to ftrace (%d)\n",
		       hook->func, err);
	return err;
}

static int bh_hook_register(struct bh_hook *hook)
{
	if (hook->direct)
		return bh_register_direct(&hook->ops,
					  (unsigned long)hook->direct);
	return register_ftrace_function(&hook->ops);
}

static void bh_hook_unregister(struct bh_hook *hook)
{
	if (hook->direct)
		bh_unregister_direct(&hook->ops, (unsigned long)hook->direct);
	else
		unregister_ftrace_function(&hook->ops);
}

static void bh_hooks_unregister(unsigned int count)
{
	while (count--)
		bh_hook_unregister(bh_hooks[count]);
}

int bh_hooks_install(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < bh_nr_hooks; i++) {
		err = bh_hook_register(bh_hooks[i]);
		if (err) {
			pr_err("cannot hook %s() (%d): another ftrace user already modifies it (a livepatch or BPF trampoline?) or kernel.ftrace_enabled is 0\n",
			       bh_hooks[i]->func, err);
			bh_hooks_unregister(i);
			return err;
		}
	}
	return 0;
}

void bh_hooks_remove(void)
{
	bh_hooks_unregister(bh_nr_hooks);
}

/*
 * A group of hooks installed apart from the others: on functions of a
 * module that may load after blkhold (stack.c), filtered when installed,
 * which finds the functions where the module is now, and unregistered
 * when no longer needed; or one that is in place from load to unload
 * (persist.c), not permanent, so that it leaves kernel.ftrace_enabled to
 * root while no hold exists. The filters stay until blkhold's exit
 * (bh_hook_group_exit()): ftrace_free_filter() leaves the freed filter in
 * place on some kernels, so the next filter setting would free it again.
 */
static int bh_group_install(struct bh_hook *group, unsigned int count,
			    bool permanent)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		err = bh_hook_prepare(&group[i], permanent);
		if (!err)
			err = bh_hook_register(&group[i]);
		if (err) {
			pr_err("cannot hook %s() (%d)\n", group[i].func, err);
			bh_hook_group_remove(group, i);
			return err;
		}
	}
	return 0;
}

int bh_hook_group_install(struct bh_hook *group, unsigned int count)
{
	return bh_group_install(group, count, true);
}

int bh_hook_group_install_always(struct bh_hook *group, unsigned int count)
{
	return bh_group_install(group, count, false);
}

void bh_hook_group_remove(struct bh_hook *group, unsigned int count)
{
	while (count--)
		bh_hook_unregister(&group[count]);
}

void bh_hook_group_exit(struct bh_hook *group, unsigned int count)
{
	while (count--)
		ftrace_free_filter(&group[count].ops);
}

/*
 * At load, after every table is in: set the filters and install once, so
 * a kernel that cannot be hooked makes loading fail rather than the first
 * hold. The message names the function that could not be hooked.
 */
int bh_hooks_probe(void)
{
	unsigned int i;
	int err;

	err = bh_hooks_gather();
	for (i = 0; i < bh_nr_hooks && !err; i++)
		err = bh_hook_prepare(bh_hooks[i], true);
	if (!err)
		err = bh_hooks_install();
	if (err) {
		bh_hooks_exit();
		return err;
	}
	bh_hooks_remove();
	return 0;
}

void bh_hooks_exit(void)
{
	unsigned int i;

	for (i = 0; i < bh_nr_hooks; i++)
		ftrace_free_filter(&bh_hooks[i]->ops);
	kfree(bh_hooks);
	bh_hooks = NULL;
	bh_nr_hooks = 0;
	kfree(bh_tables);
	bh_tables = NULL;
	bh_nr_tables = 0;
}

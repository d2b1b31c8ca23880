// SPDX-License-Identifier: GPL-2.0
/*
 * Installing and removing blkhold's ftrace hooks. Each file that hooks
 * functions hands its table here when the module loads; the hooks are
 * installed only while a hold exists, so a host without holds pays
 * nothing on its I/O path.
 *
 * The tables' callback hooks share two ftrace_ops, one for the hooks that
 * may redirect a call (IPMODIFY) and one for those that only observe, as
 * livepatch shares one handler: installing and removing them is one code
 * update each, and removal waits for one RCU-tasks grace period per ops,
 * not per function. The shared callback finds the hook by the address
 * ftrace reports. When a hook's check refuses the call, the callback
 * moves the instruction pointer to a refusal function of the same
 * signature: the original never runs. The ops are permanent, so root
 * cannot switch them off with "sysctl kernel.ftrace_enabled=0" while they
 * are installed. The two hooks on the I/O path are direct entries instead
 * (blkhold.h), which return into the refusal function themselves.
 */
#include "blkhold.h"
#include "hooks.h"

#include <linux/kallsyms.h>
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

static void bh_shared_callback(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *ops, struct ftrace_regs *fregs);

static struct ftrace_ops bh_redirect_ops = {
	.func = bh_shared_callback,
	.flags = FTRACE_OPS_FL_PERMANENT | FTRACE_OPS_FL_IPMODIFY,
};

static struct ftrace_ops bh_observe_ops = {
	.func = bh_shared_callback,
	.flags = FTRACE_OPS_FL_PERMANENT,
};

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

/* Every table's hooks in one array, the direct entries last. */
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
void notrace bh_hook_redirect(struct bh_hook *hook, unsigned long parent_ip,
			      struct ftrace_regs *fregs)
{
	/* blkhold's own pass-through call of a hooked function */
	if (!hook->instead || within_module(parent_ip, THIS_MODULE))
		return;
	__module_get(THIS_MODULE);	/* until bh_refusal_done() */
	bh_ftrace_set_ip(fregs, (unsigned long)hook->instead);
}

/*
 * The hook of the function ftrace reports at @ip. The first call of each
 * names it through kallsyms (the name its filter was set by) and keeps
 * the address; later calls compare addresses only, in table order: the
 * gate's table is added first and its only per-request callback,
 * blk_insert_cloned_request's, is its first, so dm-multipath's requests
 * find their hook at the first compare.
 */
static struct bh_hook *bh_hook_at(unsigned long ip)
{
	char name[KSYM_SYMBOL_LEN];
	unsigned int i;
	char *mod;

	for (i = 0; i < bh_nr_hooks; i++)
		if (READ_ONCE(bh_hooks[i]->ip) == ip)
			return bh_hooks[i];
	sprint_symbol_no_offset(name, ip);
	mod = strchr(name, ' ');	/* " [module]" */
	if (mod)
		*mod = '\0';
	for (i = 0; i < bh_nr_hooks; i++)
		if (!bh_hooks[i]->direct && !strcmp(bh_hooks[i]->func, name)) {
			WRITE_ONCE(bh_hooks[i]->ip, ip);
			return bh_hooks[i];
		}
	WARN_ONCE(1, "blkhold: ftrace reported %s, which blkhold did not hook\n", name);
	return NULL;
}

static void notrace bh_shared_callback(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct bh_hook *hook = bh_hook_at(ip);

	if (hook)
		hook->callback(hook, parent_ip, fregs);
}

/* A group's hook has an ftrace_ops of its own (below). */
static void notrace bh_group_callback(unsigned long ip, unsigned long parent_ip,
				      struct ftrace_ops *ops,
				      struct ftrace_regs *fregs)
{
	struct bh_hook *hook = container_of(ops, struct bh_hook, ops);

	hook->callback(hook, parent_ip, fregs);
}

static int bh_filter(struct ftrace_ops *ops, struct bh_hook *hook, int reset)
{
	int err = ftrace_set_filter(ops, (unsigned char *)hook->func,
				    strlen(hook->func), reset);

	if (err)
		pr_err("cannot trace %s(): this kernel does not offer it to ftrace (%d)\n",
		       hook->func, err);
	return err;
}

/* Where a table hook's filter goes: its own ops, or a shared one. */
static struct ftrace_ops *bh_hook_ops(struct bh_hook *hook)
{
	if (hook->direct)
		return &hook->ops;
	return hook->instead ? &bh_redirect_ops : &bh_observe_ops;
}

/* At load: every table hook's filter, each shared ops' reset by its first. */
static int bh_hooks_filter(void)
{
	bool started_redirect = false, started_observe = false;
	unsigned int i;
	int err = 0;

	for (i = 0; i < bh_nr_hooks && !err; i++) {
		struct bh_hook *hook = bh_hooks[i];
		struct ftrace_ops *ops = bh_hook_ops(hook);
		bool *started = ops == &bh_redirect_ops ? &started_redirect :
				ops == &bh_observe_ops ? &started_observe : NULL;

		err = bh_filter(ops, hook, !started || !*started);
		if (started)
			*started = true;
	}
	return err;
}

static bool bh_ops_used(struct ftrace_ops *ops)
{
	unsigned int i;

	for (i = 0; i < bh_nr_hooks; i++)
		if (bh_hook_ops(bh_hooks[i]) == ops)
			return true;
	return false;
}

/*
 * The shared ops go first (permanent), the direct entries last: ftrace
 * cannot make those permanent, and a direct call registered while
 * kernel.ftrace_enabled is 0 is silently not installed. A permanent ops
 * installed first fails in that case, and once installed keeps anyone
 * from setting it to 0.
 */
static int bh_ops_register(struct ftrace_ops *ops, const char *what)
{
	int err = register_ftrace_function(ops);

	if (err)
		pr_err("cannot hook %s (%d): another ftrace user already modifies one of them (a livepatch or BPF trampoline?) or kernel.ftrace_enabled is 0\n",
		       what, err);
	return err;
}

static void bh_direct_unregister(unsigned int count)
{
	unsigned int i;

	for (i = count; i-- > 0;)
		if (bh_hooks[i]->direct)
			bh_unregister_direct(&bh_hooks[i]->ops,
					     (unsigned long)bh_hooks[i]->direct);
}

static void bh_shared_unregister(void)
{
	if (bh_ops_used(&bh_observe_ops))
		unregister_ftrace_function(&bh_observe_ops);
	if (bh_ops_used(&bh_redirect_ops))
		unregister_ftrace_function(&bh_redirect_ops);
}

int bh_hooks_install(void)
{
	unsigned int i;
	int err = 0;

	if (bh_ops_used(&bh_redirect_ops))
		err = bh_ops_register(&bh_redirect_ops, "the gate's functions");
	if (!err && bh_ops_used(&bh_observe_ops)) {
		err = bh_ops_register(&bh_observe_ops, "the functions blkhold observes");
		if (err && bh_ops_used(&bh_redirect_ops))
			unregister_ftrace_function(&bh_redirect_ops);
	}
	if (err)
		return err;
	for (i = 0; i < bh_nr_hooks; i++) {
		if (!bh_hooks[i]->direct)
			continue;
		err = bh_register_direct(&bh_hooks[i]->ops,
					 (unsigned long)bh_hooks[i]->direct);
		if (err) {
			pr_err("cannot hook %s() (%d): another ftrace user already modifies it (a livepatch or BPF trampoline?) or kernel.ftrace_enabled is 0\n",
			       bh_hooks[i]->func, err);
			bh_direct_unregister(i);
			bh_shared_unregister();
			return err;
		}
	}
	return 0;
}

void bh_hooks_remove(void)
{
	bh_direct_unregister(bh_nr_hooks);
	bh_shared_unregister();
}

/*
 * A group of hooks installed apart from the others: on functions of a
 * module that may load after blkhold (stack.c), filtered when installed,
 * which finds the functions where the module is now, and unregistered
 * when no longer needed; or one that is in place from load to unload
 * (persist.c), not permanent, so that it leaves kernel.ftrace_enabled to
 * root while no hold exists. Each hook has an ftrace_ops of its own. The
 * filters stay until blkhold's exit (bh_hook_group_exit()):
 * ftrace_free_filter() leaves the freed filter in place on some kernels,
 * so the next filter setting would free it again.
 */
static int bh_group_install(struct bh_hook *group, unsigned int count,
			    bool permanent)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		struct bh_hook *hook = &group[i];

		if (!hook->ops.func) {
			hook->ops.func = bh_group_callback;
			hook->ops.flags = permanent ? FTRACE_OPS_FL_PERMANENT : 0;
			if (hook->instead)
				hook->ops.flags |= FTRACE_OPS_FL_IPMODIFY;
		}
		err = bh_filter(&hook->ops, hook, 1);
		if (!err)
			err = register_ftrace_function(&hook->ops);
		if (err) {
			pr_err("cannot hook %s() (%d)\n", hook->func, err);
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
		unregister_ftrace_function(&group[count].ops);
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
	int err;

	err = bh_hooks_gather();
	if (!err)
		err = bh_hooks_filter();
	if (!err)
		err = bh_hooks_install();
	if (!err)
		bh_hooks_remove();
	return err;
}

/* Once only: a second ftrace_free_filter() of an ops frees its hash again. */
void bh_hooks_exit(void)
{
	unsigned int i;

	if (bh_hooks) {
		for (i = 0; i < bh_nr_hooks; i++)
			if (bh_hooks[i]->direct)
				ftrace_free_filter(&bh_hooks[i]->ops);
		ftrace_free_filter(&bh_redirect_ops);
		ftrace_free_filter(&bh_observe_ops);
	}
	kfree(bh_hooks);
	bh_hooks = NULL;
	bh_nr_hooks = 0;
	kfree(bh_tables);
	bh_tables = NULL;
	bh_nr_tables = 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Installing and removing the gate's ftrace hooks. They are installed only
 * while a hold exists, so a host without holds pays nothing.
 *
 * Each hook is an ftrace_ops filtered on one function. When the gate's
 * check refuses the call, the callback moves the instruction pointer to a
 * refusal function of the same signature: the original never runs. The
 * hooks are permanent, so root cannot switch them off with
 * "sysctl kernel.ftrace_enabled=0" while they are installed. The two on
 * the I/O path are direct entries instead (blkhold.h), which return into
 * the refusal function themselves.
 */
#include "blkhold.h"

#include <linux/module.h>

/* Every hook of the gate and the request gate, gathered at load. */
static struct bh_hook *bh_hooks[24];
static unsigned int bh_nr_hooks;

/*
 * Direct entries go last: ftrace cannot make them permanent, and a direct
 * call registered while kernel.ftrace_enabled is 0 is silently not
 * installed. A permanent hook installed first fails in that case, and once
 * installed keeps anyone from setting it to 0.
 */
static void bh_hooks_gather(struct bh_hook *table, unsigned int count,
			    bool direct)
{
	for (; count--; table++) {
		if (!!table->direct != direct)
			continue;
		if (!WARN_ON(bh_nr_hooks >= ARRAY_SIZE(bh_hooks)))
			bh_hooks[bh_nr_hooks++] = table;
	}
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

static int bh_hook_prepare(struct bh_hook *hook)
{
	int err;

	/*
	 * The arguments are enough: no SAVE_REGS, the cheaper trampoline.
	 * Registering a direct entry sets its flags. A group's hook is
	 * prepared again at each installation: ftrace's own flags stay.
	 */
	if (!hook->ops.func) {
		hook->ops.func = hook->callback;
		hook->ops.flags = hook->direct ? 0 : FTRACE_OPS_FL_PERMANENT;
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
 * A group of hooks on functions of a module that may load after blkhold
 * (stack.c): filtered when installed, which finds the functions where the
 * module is now, and unregistered when no longer needed. The filters stay
 * until blkhold's exit (bh_hook_group_exit()): ftrace_free_filter() leaves
 * the freed filter in place on some kernels, so the next filter setting
 * would free it again.
 */
int bh_hook_group_install(struct bh_hook *group, unsigned int count)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		err = bh_hook_prepare(&group[i]);
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

/* At load: set the filters and install once, so a kernel that cannot be
 * hooked makes loading fail rather than the first hold.
 */
int bh_hooks_probe(void)
{
	unsigned int i;
	int err = 0;

	bh_nr_hooks = 0;
	bh_hooks_gather(bh_gate_hooks, bh_nr_gate_hooks, false);
	bh_hooks_gather(bh_passthru_hooks, bh_nr_passthru_hooks, false);
	bh_hooks_gather(bh_tamper_hooks, bh_nr_tamper_hooks, false);
	bh_hooks_gather(bh_persist_hooks, bh_nr_persist_hooks, false);
	bh_hooks_gather(bh_gate_hooks, bh_nr_gate_hooks, true);
	for (i = 0; i < bh_nr_hooks && !err; i++)
		err = bh_hook_prepare(bh_hooks[i]);
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
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hooks.c: installing and removing ftrace hooks, and how a hook refuses
 * the call it hooked. The bottom layer.
 */
#ifndef _BLKHOLD_HOOKS_H
#define _BLKHOLD_HOOKS_H

#include "blkhold.h"

struct bh_hook;
int bh_hooks_add_table(struct bh_hook *hooks, unsigned int count);
int bh_hooks_probe(void);
int bh_hooks_install(void);
void bh_hooks_remove(void);
void bh_hooks_exit(void);
int bh_hook_group_install(struct bh_hook *group, unsigned int count);
int bh_hook_group_install_always(struct bh_hook *group, unsigned int count);
void bh_hook_group_remove(struct bh_hook *group, unsigned int count);
void bh_hook_group_exit(struct bh_hook *group, unsigned int count);

typedef void (*bh_hook_func_t)(struct bh_hook *hook, unsigned long parent_ip,
			       struct ftrace_regs *fregs);

/*
 * A hooked function, and its callback or direct entry (below); what runs
 * instead when the hook refuses the call.
 */
struct bh_hook {
	const char *func;
	bh_hook_func_t callback;
	void *instead;			/* NULL: only observe */
	void *direct;			/* a direct entry, not a callback */
	struct ftrace_ops ops;		/* a direct entry's, or a group hook's */
	unsigned long ip;		/* where ftrace reports it, once seen */
};

void bh_hook_redirect(struct bh_hook *hook, unsigned long parent_ip,
		      struct ftrace_regs *fregs);

/*
 * BH_HOOK_CALLBACK(name, refuses) defines the ftrace callback @name, which
 * asks @refuses(fregs) whether the hooked call is refused and, if it is,
 * sends it to the hook's refusal function. None of these hooks is on the
 * I/O path (those are direct entries, below), so each call is decided.
 */
#define BH_HOOK_CALLBACK(name, refuses)					\
static void notrace name(struct bh_hook *hook, unsigned long parent_ip,	\
			 struct ftrace_regs *fregs)			\
{									\
	if (refuses(fregs))						\
		bh_hook_redirect(hook, parent_ip, fregs);		\
}

/*
 * The hooks on the I/O path, submit_bio_noacct() and blkdev_write_iter(),
 * are direct entries: ftrace calls them from the hooked function's first
 * instruction, as it calls BPF trampolines, with the hooked function's
 * arguments in their registers and no ftrace trampoline in between (that
 * trampoline cost each I/O more than the rest of blkhold did). So a direct
 * entry must preserve every register: it is notrace and
 * __no_caller_saved_registers, and so is the out-of-line half it calls
 * when its inlined filter cannot let the call through. It does no call depth
 * accounting (6.12's retbleed=stuff): a return it did not count makes the
 * kernel refill the return stack buffer early, which is safe.
 */
#if !__has_attribute(__no_caller_saved_registers__)
#error "blkhold needs a compiler with the no_caller_saved_registers attribute"
#endif

/*
 * A redirected call holds a module reference from its hook, which runs
 * while holds pin the module, until its refusal function calls
 * bh_refusal_done() as it returns. A refusal function may sleep (reading
 * user memory, or in the original it passes a harmless call on to), and
 * meanwhile the last hold could go and the module be unloaded: ftrace's
 * wait when the hooks are removed only covers code that does not sleep.
 */
static inline void bh_refusal_done(void)
{
	module_put(THIS_MODULE);
}

/*
 * In a direct entry's out-of-line half: refuse the hooked call by
 * returning from the entry into @instead, which has the hooked function's
 * signature and returns to its caller. @frame is the entry's
 * __builtin_frame_address(0): frame[1] leads back into the hooked
 * function, frame[2] is where that was called from.
 */
static __always_inline void bh_direct_redirect(unsigned long *frame,
					       void *instead)
{
	/* blkhold's own pass-through call of a hooked function */
	if (within_module(frame[2], THIS_MODULE))
		return;
	__module_get(THIS_MODULE);
	frame[1] = (unsigned long)instead;
}

#endif /* _BLKHOLD_HOOKS_H */

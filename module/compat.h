/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels blkhold supports (Debian's 6.1 and
 * 6.12), and nothing else. Decided by what the target kernel's headers
 * define, never by the running kernel.
 */
#ifndef _BLKHOLD_COMPAT_H
#define _BLKHOLD_COMPAT_H

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/ftrace.h>
#include <linux/fs.h>

#if !defined(CONFIG_X86_64) || !defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS) || \
	!defined(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)
#error "blkhold needs x86-64 with CONFIG_DYNAMIC_FTRACE_WITH_ARGS and _WITH_DIRECT_CALLS"
#endif

/*
 * A hooked function's arguments, from the registers every ftrace callback
 * gets saved: 6.12 has an accessor, 6.1 a struct ftrace_regs that is a
 * pt_regs with the argument registers filled in.
 */
#ifdef ftrace_regs_get_argument
#define bh_ftrace_arg(fregs, n) ftrace_regs_get_argument(fregs, n)
#else
#define bh_ftrace_arg(fregs, n) regs_get_kernel_argument(&(fregs)->regs, n)
#endif

/*
 * Direct calls (hooks.c): 6.5 renamed the _multi functions and gave
 * unregistering a choice to free the filter, which blkhold keeps for the
 * next hold; FTRACE_OPS_FL_SAVE_ARGS came with that series.
 */
#ifdef FTRACE_OPS_FL_SAVE_ARGS
#define bh_register_direct(ops, addr) register_ftrace_direct(ops, addr)
#define bh_unregister_direct(ops, addr) unregister_ftrace_direct(ops, addr, false)
#else
#define bh_register_direct(ops, addr) register_ftrace_direct_multi(ops, addr)
#define bh_unregister_direct(ops, addr) unregister_ftrace_direct_multi(ops, addr)
#endif

/* 6.12 names it ftrace_regs_set_instruction_pointer(), 6.1 differently. */
#ifdef ftrace_regs_set_instruction_pointer
#define bh_ftrace_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define bh_ftrace_set_ip(fregs, ip) ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * Opening a block device by number, and its read-only flag: 6.10 on opens
 * a struct file and keeps the flag in bd_flags (BD_READ_ONLY); up to 6.4 it
 * was the bdev itself and a bool. 6.5 to 6.9 had other interfaces still.
 */
#if defined(BLK_OPEN_READ) && !defined(BD_READ_ONLY)
#error "blkhold supports kernels up to 6.4 and from 6.10 on"
#endif

struct bh_bdev_ref {
	struct block_device *bdev;
#ifdef BD_READ_ONLY
	struct file *file;
#endif
};

#ifdef BD_READ_ONLY
/* A disk that is never added (persist.c); 6.9 on takes queue limits. */
#define bh_alloc_disk() blk_alloc_disk(NULL, NUMA_NO_NODE)

static inline int bh_bdev_open(dev_t devt, struct bh_bdev_ref *ref)
{
	ref->file = bdev_file_open_by_dev(devt, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(ref->file))
		return PTR_ERR(ref->file);
	ref->bdev = file_bdev(ref->file);
	return 0;
}

static inline void bh_bdev_close(struct bh_bdev_ref *ref)
{
	fput(ref->file);
}

static inline bool bh_bdev_ro_flag(struct block_device *bdev)
{
	return bdev_test_flag(bdev, BD_READ_ONLY);
}

/*
 * The block device of an open device node. I_BDEV() is out of line since
 * 6.10 (struct bdev_inode went private to block/bdev.c), and a call costs
 * the write hook every register it must preserve: this is its layout,
 * which blkhold checks against file_bdev() before it hooks anything.
 */
struct bh_bdev_inode {
	struct block_device bdev;
	struct inode vfs_inode;
};

static inline struct block_device *bh_file_bdev(struct file *file)
{
	return &container_of(file->f_mapping->host, struct bh_bdev_inode,
			     vfs_inode)->bdev;
}

static inline bool bh_file_bdev_works(struct bh_bdev_ref *ref)
{
	return bh_file_bdev(ref->file) == file_bdev(ref->file);
}

static inline void bh_bdev_set_ro_flag(struct block_device *bdev, bool ro)
{
	if (ro)
		bdev_set_flag(bdev, BD_READ_ONLY);
	else
		bdev_clear_flag(bdev, BD_READ_ONLY);
}
#else
#define bh_alloc_disk() (blk_alloc_disk(NUMA_NO_NODE) ?: ERR_PTR(-ENOMEM))

static inline int bh_bdev_open(dev_t devt, struct bh_bdev_ref *ref)
{
	ref->bdev = blkdev_get_by_dev(devt, FMODE_READ, NULL);
	return PTR_ERR_OR_ZERO(ref->bdev);
}

static inline void bh_bdev_close(struct bh_bdev_ref *ref)
{
	blkdev_put(ref->bdev, FMODE_READ);
}

static inline bool bh_bdev_ro_flag(struct block_device *bdev)
{
	return bdev->bd_read_only;
}

static inline struct block_device *bh_file_bdev(struct file *file)
{
	return file->private_data;	/* set by blkdev_open() */
}

static inline bool bh_file_bdev_works(struct bh_bdev_ref *ref)
{
	return true;
}

static inline void bh_bdev_set_ro_flag(struct block_device *bdev, bool ro)
{
	bdev->bd_read_only = ro;
}
#endif

#endif /* _BLKHOLD_COMPAT_H */

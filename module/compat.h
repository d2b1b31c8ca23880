/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels blkhold supports (Debian 12's 6.1
 * and 6.12, Debian 13's 6.12, trixie-backports' and sid's 7.x), and nothing
 * else. Decided by what the target kernel's headers define or declare,
 * never by the running kernel. Kernels between those series were not
 * built: they are refused below rather than guessed at.
 */
#ifndef _BLKHOLD_COMPAT_H
#define _BLKHOLD_COMPAT_H

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/ftrace.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/pm_runtime.h>

/*
 * BH_HAVE_* come from module/Kbuild, which reads the target kernel's
 * headers: what they declare decides, not a version number. 6.13 (the
 * first with add_disk_fwnode()) to 7.1 (the last before VMA descriptions
 * carried their own flag bitmap) were not built here: refused.
 */
#if defined(BH_HAVE_ADD_DISK_FWNODE) && !defined(BH_HAVE_VMA_DESC_FLAGS)
#error "blkhold was not built against 6.13 to 7.1: its hooked functions there are unchecked"
#endif

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
 * The read-only flag of a block device: 6.10 on keeps it in bd_flags
 * (BD_READ_ONLY); up to 6.4 it was a bool. 6.5 to 6.9 had other
 * interfaces still.
 */
#if defined(BLK_OPEN_READ) && !defined(BD_READ_ONLY)
#error "blkhold supports kernels up to 6.4 and from 6.10 on"
#endif

#ifdef BD_READ_ONLY
/* A disk that is never added (disk.c); 6.9 on takes queue limits. */
#define bh_alloc_disk() blk_alloc_disk(NULL, NUMA_NO_NODE)

static inline bool bh_bdev_ro_flag(struct block_device *bdev)
{
	return bdev_test_flag(bdev, BD_READ_ONLY);
}

static inline void bh_bdev_set_ro_flag(struct block_device *bdev, bool ro)
{
	if (ro)
		bdev_set_flag(bdev, BD_READ_ONLY);
	else
		bdev_clear_flag(bdev, BD_READ_ONLY);
}

/*
 * The block device of an open device node. I_BDEV() is out of line since
 * 6.10 (struct bdev_inode went private to block/bdev.c), and a call costs
 * the write hook every register it must preserve: this is its layout,
 * which blkhold checks on a disk of its own when it loads (disk.c).
 */
struct bh_bdev_inode {
	struct block_device bdev;
	struct inode vfs_inode;
};

static inline struct block_device *bh_inode_bdev(struct inode *inode)
{
	return &container_of(inode, struct bh_bdev_inode, vfs_inode)->bdev;
}

static inline struct block_device *bh_file_bdev(struct file *file)
{
	return bh_inode_bdev(file->f_mapping->host);
}

static inline bool bh_bdev_layout_works(struct block_device *bdev)
{
	return bh_inode_bdev(bdev->bd_mapping->host) == bdev;
}
#else
#define bh_alloc_disk() (blk_alloc_disk(NUMA_NO_NODE) ?: ERR_PTR(-ENOMEM))

static inline bool bh_bdev_ro_flag(struct block_device *bdev)
{
	return bdev->bd_read_only;
}

static inline void bh_bdev_set_ro_flag(struct block_device *bdev, bool ro)
{
	bdev->bd_read_only = ro;
}

static inline struct block_device *bh_file_bdev(struct file *file)
{
	return file->private_data;	/* set by blkdev_open() */
}

static inline bool bh_bdev_layout_works(struct block_device *bdev)
{
	return true;
}
#endif

/*
 * Mapping a device node: 7.2 and 7.3 offer mmap_prepare, which is given a
 * description of the mapping before it exists, its flags a bitmap of
 * their own (7.3 block/fops.c:924, include/linux/mm.h:1632); 6.12's
 * blkdev_mmap() gets the VMA (block/fops.c:865). The change came in
 * between (block/fops.c's conversion was posted for 6.17).
 */
#ifdef BH_HAVE_VMA_DESC_FLAGS
#define BH_MMAP_PREPARE
#define BH_BLKDEV_MMAP "blkdev_mmap_prepare"

static inline bool bh_desc_shared_writable(const struct vm_area_desc *desc)
{
	return is_shared_maywrite(&desc->vma_flags);
}
#else
#define BH_BLKDEV_MMAP "blkdev_mmap"
#endif

/*
 * Where a disk is added: from 6.13 device_add_disk() calls
 * add_disk_fwnode(), which mmc calls directly (7.3 block/genhd.c:588,
 * drivers/mmc/core/block.c); before, device_add_disk() was the only way
 * in (6.12 block/genhd.c:416).
 */
#ifdef BH_HAVE_ADD_DISK_FWNODE
#define BH_ADD_DISK "add_disk_fwnode"

static inline int bh_add_disk(struct device *parent, struct gendisk *disk,
			      const struct attribute_group **groups,
			      struct fwnode_handle *fwnode)
{
	return add_disk_fwnode(parent, disk, groups, fwnode);
}
#else
#define BH_ADD_DISK "device_add_disk"

static inline int bh_add_disk(struct device *parent, struct gendisk *disk,
			      const struct attribute_group **groups,
			      struct fwnode_handle *fwnode)
{
	return device_add_disk(parent, disk, groups);
}
#endif

/*
 * Wait for the requests in @q to complete by freezing it and thawing it
 * at once. From 6.14 the freeze also enters a no-I/O allocation scope and
 * returns the flags that the thaw restores (7.3 include/linux/blk-mq.h:951).
 */
static inline void bh_drain_queue(struct request_queue *q)
{
#ifdef BH_HAVE_FREEZE_MEMFLAGS
	blk_mq_unfreeze_queue(q, blk_mq_freeze_queue(q));
#else
	blk_mq_freeze_queue(q);
	blk_mq_unfreeze_queue(q);
#endif
}

/*
 * __bio_queue_enter() of 6.1 and 6.12 (block/blk-core.c), from the
 * queue's public fields: wait while the queue is frozen or runtime-PM
 * only, then take a usage reference. 0 when entered; the bio ended with
 * an error otherwise.
 */
static inline bool bh_queue_pm_blocks(struct request_queue *q)
{
#ifdef CONFIG_PM
	if (!q->dev || !blk_queue_pm_only(q))
		return false;
	pm_request_resume(q->dev);
	return true;
#else
	return false;
#endif
}

static inline bool bh_try_enter_queue(struct request_queue *q)
{
	bool entered;

	rcu_read_lock();
	entered = percpu_ref_tryget_live_rcu(&q->q_usage_counter);
	if (entered && blk_queue_pm_only(q)) {
		percpu_ref_put(&q->q_usage_counter);
		entered = false;
	}
	rcu_read_unlock();
	return entered;
}

static inline int bh_enter_queue(struct request_queue *q, struct bio *bio)
{
	struct gendisk *disk = bio->bi_bdev->bd_disk;

	while (!bh_try_enter_queue(q)) {
		if (bio->bi_opf & REQ_NOWAIT) {
			if (test_bit(GD_DEAD, &disk->state))
				goto dead;
			bio_wouldblock_error(bio);
			return -EAGAIN;
		}
		/* pairs with the barrier in blk_freeze_queue_start() */
		smp_rmb();
		wait_event(q->mq_freeze_wq,
			   (!q->mq_freeze_depth && !bh_queue_pm_blocks(q)) ||
			   test_bit(GD_DEAD, &disk->state));
		if (test_bit(GD_DEAD, &disk->state))
			goto dead;
	}
	return 0;
dead:
	bio_io_error(bio);
	return -ENODEV;
}

#endif /* _BLKHOLD_COMPAT_H */

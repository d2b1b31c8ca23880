// SPDX-License-Identifier: GPL-2.0
/*
 * The gate: where a request that would change a held volume is refused.
 *
 * submit_bio_noacct() sees every bio, whoever sends it: filesystems,
 * writeback, direct I/O, the block ioctls, dm, md and loop passing bios
 * down. submit_bio_noacct_nocheck() sees each again on its way on, also
 * those blk-throttle held back and sends later. Refused bios end with
 * BLK_STS_IOERR, as on a write-protected disk. Request-based dm
 * (multipath) clones requests straight into the disk below: those are
 * refused in blk_insert_cloned_request().
 *
 * Userspace writes to a block device node are refused earlier, with EPERM,
 * so that tools stop with a clear message and nothing they tried to write
 * is left in the page cache: write(2) and friends, fallocate(2), shared
 * writable mmap(2) and the BLKDISCARD family of ioctls.
 *
 * Each hook has a check, run in its ftrace callback or, for the two on
 * the I/O path, its direct entry (blkhold.h) with preemption off (an RCU
 * read side, cheaper than rcu_read_lock() on a preemptible-RCU kernel; no
 * sleeping), and a refusal function of the hooked function's signature.
 * The refusal function checks again: a hold released in between lets the
 * call through to the original.
 */
#include "blkhold.h"
#include "events.h"
#include "gate.h"
#include "hooks.h"
#include "registry.h"
#include "spans.h"

#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkzoned.h>
#include <linux/compat.h>
#include <linux/falloc.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

/*
 * Does [@sector, +@nr) of @bdev's disk (absolute) touch a held volume?
 * @stack_bio: a stacking driver's own bio, which passes volumes held at the
 * node only (an md member's superblock and bitmap, a thin pool device).
 * Fills @r for the refusal. Called in an RCU read-side section.
 */
static bool bh_held_abs(struct bh_refusal *r, struct block_device *bdev,
			enum blkhold_kind kind, sector_t sector, sector_t nr,
			bool stack_bio)
{
	*r = (struct bh_refusal) {
		.bdev = bdev,
		.kind = kind,
		.sector = sector,
		.nr_sects = nr,
		.vol = bh_volume_find_scope(bdev->bd_disk, sector, nr, stack_bio),
	};
	return r->vol;
}

/* The same for [@sector, +@nr) relative to @bdev. */
static bool bh_held(struct bh_refusal *r, struct block_device *bdev,
		    enum blkhold_kind kind, sector_t sector, sector_t nr)
{
	if (bdev_is_partition(bdev))
		sector += bdev->bd_start_sect;
	return bh_held_abs(r, bdev, kind, sector, nr, false);
}

static bool bh_bytes_held(struct bh_refusal *r, struct block_device *bdev,
			  enum blkhold_kind kind, u64 pos, u64 len)
{
	sector_t first = pos >> SECTOR_SHIFT;
	sector_t end = DIV_ROUND_UP_ULL(pos + len, SECTOR_SIZE);

	return bh_held(r, bdev, kind, first, end - first);
}

/*
 * Would @op at [@sector, +@nr) (absolute on @bdev's disk) change a held
 * volume? The one decision for bios and for requests cloned from them;
 * @stack_bio as for bh_held_abs().
 */
static bool bh_op_held(struct bh_refusal *r, struct block_device *bdev,
		       enum req_op op, sector_t sector, sector_t nr, bool stack_bio)
{
	switch (op) {
	case REQ_OP_WRITE:
		/* an empty flush carries no data */
		return nr && bh_held_abs(r, bdev, BLKHOLD_KIND_WRITE, sector, nr,
					  stack_bio);
	case REQ_OP_WRITE_ZEROES:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_WRITE_ZEROES, sector, nr,
				   stack_bio);
	case REQ_OP_DISCARD:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_DISCARD, sector, nr,
				   stack_bio);
	case REQ_OP_SECURE_ERASE:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_SECURE_ERASE, sector,
				   nr, stack_bio);
	case REQ_OP_ZONE_APPEND:
		/* lands at the write pointer: anywhere in the zone */
		return bh_held_abs(r, bdev, BLKHOLD_KIND_ZONE_APPEND, sector,
				   bdev_zone_sectors(bdev), stack_bio);
	case REQ_OP_ZONE_RESET:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_ZONE_RESET, sector,
				   bdev_zone_sectors(bdev), stack_bio);
	case REQ_OP_ZONE_FINISH:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_ZONE_FINISH, sector,
				   bdev_zone_sectors(bdev), stack_bio);
	case REQ_OP_ZONE_RESET_ALL:
		return bh_held_abs(r, bdev, BLKHOLD_KIND_ZONE_RESET, 0,
				   get_capacity(bdev->bd_disk), stack_bio);
	case REQ_OP_READ:
	case REQ_OP_FLUSH:
	case REQ_OP_ZONE_OPEN:
	case REQ_OP_ZONE_CLOSE:
		return false;
	default:
		/* an operation this gate does not know: a write if it writes */
		return op_is_write(op) &&
		       bh_held_abs(r, bdev, BLKHOLD_KIND_WRITE, sector,
				   max_t(sector_t, nr, 1), stack_bio);
	}
}

/* ---- bios ---- */

/*
 * A bio's first sector on its whole disk. submit_bio_noacct() adds a
 * partition's offset once and flags the bio: a bio split or throttled
 * after that comes back with the sector already absolute.
 */
static sector_t bh_bio_sector(struct bio *bio)
{
	struct block_device *bdev = bio->bi_bdev;
	sector_t sector = bio->bi_iter.bi_sector;

	if (bdev_is_partition(bdev) && !bio_flagged(bio, BIO_REMAPPED))
		sector += bdev->bd_start_sect;
	return sector;
}

/*
 * Is @bio a stacking driver's own? A range held at the node only is where
 * md or device mapper must keep writing: an md member's superblock,
 * bitmap and bad block log (md_mod's super_written()), a thin pool device
 * that every thin volume's bios pass (dm_mod's clone_endio(), dm-thin's
 * own), a mirror's log (dm-io). Such bios end in those drivers; every
 * other bio, also one that userspace builds without a node write
 * (io_uring's block discard command, nvmet's block backend), ends
 * elsewhere. Where the drivers are built in, their completion functions
 * are known by name.
 */
static bool bh_bio_from_stack(struct bio *bio)
{
	static const char *const own[] = { "super_written", "clone_endio", "endio" };
	char sym[KSYM_SYMBOL_LEN];
	const char *mod;
	size_t i;

	sprint_symbol_no_offset(sym, (unsigned long)bio->bi_end_io);
	mod = strchr(sym, '[');
	if (mod)
		return !strncmp(mod, "[dm_", 4) || !strcmp(mod, "[md_mod]") ||
		       !strncmp(mod, "[raid", 5);
	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(sym, own[i]))
			return true;
	return false;
}

static bool bh_bio_held(struct bio *bio, struct bh_refusal *r)
{
	sector_t sector = bh_bio_sector(bio);

	if (!bh_op_held(r, bio->bi_bdev, bio_op(bio), sector, bio_sectors(bio),
			false))
		return false;
	/* a range held at the node only: md's and dm's own writes pass */
	if (!READ_ONCE(r->vol->node_only) || !bh_bio_from_stack(bio))
		return true;
	return bh_op_held(r, bio->bi_bdev, bio_op(bio), sector,
			  bio_sectors(bio), true);
}

static void bh_refuse_bio(struct bio *bio)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock();
	held = bh_bio_held(bio, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	if (held) {
		bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
	} else {
		/* also for a bio stopped on its way out of the throttle */
		submit_bio_noacct(bio);
	}
	bh_refusal_done();
}

/* Most bios, on the hottest path there is: no RCU, no lookup. */
static __always_inline bool bh_bio_may_refuse(struct bio *bio)
{
	return bio_op(bio) != REQ_OP_READ &&
	       bh_disk_may_be_held(bio->bi_bdev->bd_disk);
}

static noinline notrace __no_caller_saved_registers void
bh_bio_decide(struct bio *bio, unsigned long *frame)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_bio_held(bio, &r);
	rcu_read_unlock_sched_notrace();
	if (held)
		bh_direct_redirect(frame, bh_refuse_bio);
}

/*
 * Direct entry of submit_bio_noacct(), where every bio of the host is
 * admitted, and of submit_bio_noacct_nocheck(), where an admitted bio goes
 * on towards its driver: directly, or later from blk-throttle's dispatch
 * work. A bio admitted before a hold and held back by io.max meets the
 * gate again on its way out.
 */
static notrace __no_caller_saved_registers void
bh_bio_entry(struct bio *bio)
{
	if (unlikely(bh_bio_may_refuse(bio)))
		bh_bio_decide(bio, __builtin_frame_address(0));
}

/* ---- requests that request-based dm (multipath) clones to a path ---- */

static bool bh_clone_held(struct request *rq, struct bh_refusal *r)
{
	struct gendisk *disk = rq->q->disk;

	return disk && bh_op_held(r, disk->part0, req_op(rq), blk_rq_pos(rq),
				  blk_rq_sectors(rq), false);
}

static bool bh_clone_refuses(struct ftrace_regs *fregs)
{
	struct request *rq = (struct request *)bh_ftrace_arg(fregs, 0);
	struct bh_refusal r;
	bool held;

	if (req_op(rq) == REQ_OP_READ || !rq->q->disk ||
	    !bh_disk_may_be_held(rq->q->disk))
		return false;
	rcu_read_lock_sched_notrace();
	held = bh_clone_held(rq, &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_clone_callback, bh_clone_refuses)

/*
 * BLK_STS_TARGET: an error of this request, not of the path, so
 * dm-multipath hands it up instead of failing the path and queueing.
 */
static blk_status_t bh_refuse_clone(struct request *rq)
{
	struct bh_refusal r;
	blk_status_t status;
	bool held;

	rcu_read_lock();
	held = bh_clone_held(rq, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	status = held ? BLK_STS_TARGET : blk_insert_cloned_request(rq);
	bh_refusal_done();
	return status;
}

/* ---- write(2), pwritev(2), io_uring and aio writes to a device node ---- */

static bool bh_write_held(struct kiocb *iocb, struct iov_iter *from,
			  struct bh_refusal *r)
{
	size_t count = iov_iter_count(from);

	return count && bh_bytes_held(r, bh_file_bdev(iocb->ki_filp),
				      BLKHOLD_KIND_WRITE, iocb->ki_pos, count);
}

static ssize_t bh_refuse_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct bh_refusal r;
	ssize_t ret;
	bool held;

	rcu_read_lock();
	held = bh_write_held(iocb, from, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	ret = held ? -EPERM : iocb->ki_filp->f_op->write_iter(iocb, from);
	bh_refusal_done();
	return ret;
}

/* Every write(2) to a block device: the same fast path as bios. */
static __always_inline bool bh_write_may_refuse(struct kiocb *iocb)
{
	return bh_disk_may_be_held(bh_file_bdev(iocb->ki_filp)->bd_disk);
}

static noinline notrace __no_caller_saved_registers void
bh_write_decide(struct kiocb *iocb, struct iov_iter *from, unsigned long *frame)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_write_held(iocb, from, &r);
	rcu_read_unlock_sched_notrace();
	if (held)
		bh_direct_redirect(frame, bh_refuse_write);
}

/* Direct entry of blkdev_write_iter(). */
static notrace __no_caller_saved_registers void
bh_write_entry(struct kiocb *iocb, struct iov_iter *from)
{
	if (unlikely(bh_write_may_refuse(iocb)))
		bh_write_decide(iocb, from, __builtin_frame_address(0));
}

/* ---- fallocate(2): punch hole and zero range on a device node ---- */

static bool bh_fallocate_held(struct file *file, int mode, loff_t start,
			      loff_t len, struct bh_refusal *r)
{
	enum blkhold_kind kind = (mode & FALLOC_FL_PUNCH_HOLE) ?
		BLKHOLD_KIND_DISCARD : BLKHOLD_KIND_WRITE_ZEROES;

	if (start < 0 || len <= 0)
		return false;	/* the original rejects it */
	return bh_bytes_held(r, bh_file_bdev(file), kind, start, len);
}

static bool bh_fallocate_refuses(struct ftrace_regs *fregs)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_fallocate_held((struct file *)bh_ftrace_arg(fregs, 0),
				 bh_ftrace_arg(fregs, 1),
				 bh_ftrace_arg(fregs, 2),
				 bh_ftrace_arg(fregs, 3), &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_fallocate_callback, bh_fallocate_refuses)

static long bh_refuse_fallocate(struct file *file, int mode, loff_t start,
				loff_t len)
{
	struct bh_refusal r;
	bool held;
	long ret;

	rcu_read_lock();
	held = bh_fallocate_held(file, mode, start, len, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	ret = held ? -EPERM : file->f_op->fallocate(file, mode, start, len);
	bh_refusal_done();
	return ret;
}

/* ---- shared writable mmap(2) of a device node ---- */

static bool bh_map_held(struct file *file, bool shared_writable, u64 offset,
			u64 len, struct bh_refusal *r)
{
	return shared_writable &&
	       bh_bytes_held(r, bh_file_bdev(file), BLKHOLD_KIND_WRITE, offset,
			     len);
}

#ifdef BH_MMAP_PREPARE
/* The mapping is described before it exists (compat.h). */
static bool bh_mmap_held(struct vm_area_desc *desc, struct bh_refusal *r)
{
	return bh_map_held(desc->file, bh_desc_shared_writable(desc),
			   (u64)desc->pgoff << PAGE_SHIFT,
			   desc->end - desc->start, r);
}

static bool bh_mmap_refuses(struct ftrace_regs *fregs)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_mmap_held((struct vm_area_desc *)bh_ftrace_arg(fregs, 0), &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

static int bh_refuse_mmap(struct vm_area_desc *desc)
{
	struct bh_refusal r;
	bool held;
	int ret;

	rcu_read_lock();
	held = bh_mmap_held(desc, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	ret = held ? -EPERM : desc->file->f_op->mmap_prepare(desc);
	bh_refusal_done();
	return ret;
}
#else
static bool bh_mmap_held(struct file *file, struct vm_area_struct *vma,
			 struct bh_refusal *r)
{
	return bh_map_held(file, (vma->vm_flags & VM_SHARED) &&
				 (vma->vm_flags & VM_MAYWRITE),
			   (u64)vma->vm_pgoff << PAGE_SHIFT,
			   vma->vm_end - vma->vm_start, r);
}

static bool bh_mmap_refuses(struct ftrace_regs *fregs)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_mmap_held((struct file *)bh_ftrace_arg(fregs, 0),
			    (struct vm_area_struct *)bh_ftrace_arg(fregs, 1),
			    &r);
	rcu_read_unlock_sched_notrace();
	return held;
}

static int bh_refuse_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct bh_refusal r;
	bool held;
	int ret;

	rcu_read_lock();
	held = bh_mmap_held(file, vma, &r);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	ret = held ? -EPERM : file->f_op->mmap(file, vma);
	bh_refusal_done();
	return ret;
}
#endif

BH_HOOK_CALLBACK(bh_mmap_callback, bh_mmap_refuses)

/* ---- block ioctls that write, and BLKROSET ---- */

static bool bh_ioctl_is_gated(unsigned int cmd)
{
	switch (cmd) {
	case BLKROSET:
	case BLKDISCARD:
	case BLKSECDISCARD:
	case BLKZEROOUT:
	case BLKRESETZONE:
	case BLKFINISHZONE:
		return true;
	default:
		return false;
	}
}

/*
 * The range is in user memory, which the callback cannot read: send every
 * gated ioctl on a device that overlaps a hold to the refusal function.
 */
static bool bh_ioctl_refuses(struct ftrace_regs *fregs)
{
	struct file *file = (struct file *)bh_ftrace_arg(fregs, 0);
	unsigned int cmd = bh_ftrace_arg(fregs, 1);
	struct block_device *bdev;
	struct bh_refusal r;
	bool held;

	if (!bh_ioctl_is_gated(cmd))
		return false;
	bdev = bh_file_bdev(file);
	rcu_read_lock_sched_notrace();
	held = bh_held(&r, bdev, BLKHOLD_KIND_WRITE, 0, bdev_nr_sectors(bdev));
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_ioctl_callback, bh_ioctl_refuses)

/* What a gated ioctl would change: bytes relative to the device. */
struct bh_ioctl_args {
	enum blkhold_kind kind;
	u64 pos;
	u64 len;
	int ro;				/* BLKROSET's value */
};

/* Read @cmd's argument from user memory, once. */
static int bh_ioctl_read(unsigned int cmd, void __user *argp,
			 struct bh_ioctl_args *a)
{
	struct blk_zone_range zr;
	u64 range[2];

	switch (cmd) {
	case BLKROSET:
		if (get_user(a->ro, (int __user *)argp))
			return -EFAULT;
		a->kind = BLKHOLD_KIND_TAMPER;
		a->pos = 0;
		a->len = a->ro ? 0 : U64_MAX;	/* setting read-only is harmless */
		return 0;
	case BLKRESETZONE:
	case BLKFINISHZONE:
		if (copy_from_user(&zr, argp, sizeof(zr)))
			return -EFAULT;
		a->kind = cmd == BLKRESETZONE ? BLKHOLD_KIND_ZONE_RESET :
						BLKHOLD_KIND_ZONE_FINISH;
		a->pos = zr.sector << SECTOR_SHIFT;
		a->len = zr.nr_sectors << SECTOR_SHIFT;
		return 0;
	default:
		if (copy_from_user(range, argp, sizeof(range)))
			return -EFAULT;
		a->kind = cmd == BLKDISCARD ? BLKHOLD_KIND_DISCARD :
			  cmd == BLKSECDISCARD ? BLKHOLD_KIND_SECURE_ERASE :
						 BLKHOLD_KIND_WRITE_ZEROES;
		a->pos = range[0];
		a->len = range[1];
		return 0;
	}
}

/* Does the range @cmd would change overlap a hold? Refuses it if so. */
static bool bh_ioctl_held(struct block_device *bdev, unsigned int cmd,
			  const struct bh_ioctl_args *a)
{
	u64 size = bdev_nr_bytes(bdev);
	struct bh_refusal r;
	bool held = false;

	if (a->len && a->pos < size) {
		rcu_read_lock();
		held = bh_bytes_held(&r, bdev, a->kind, a->pos,
				     min(a->len, size - a->pos));
		if (held) {
			r.opcode = cmd;
			if (cmd == BLKROSET)
				r.action = "clearing the read-only flag (BLKROSET)";
			bh_refuse(&r);
		}
		rcu_read_unlock();
	}
	return held;
}

/*
 * BLKROSET on a held device, done here with the value already read: the
 * original would read it again, and a racing thread could turn "set" into
 * "clear" in between. The same steps as the kernel's blkdev_roset().
 */
static long bh_set_read_only(struct block_device *bdev, int ro)
{
	int ret;

	if (bdev->bd_disk->fops->set_read_only) {
		ret = bdev->bd_disk->fops->set_read_only(bdev, ro);
		if (ret)
			return ret;
	}
	bh_bdev_set_ro_flag(bdev, ro);
	return 0;
}

typedef long (*bh_ioctl_fn)(struct file *file, unsigned int cmd,
			    unsigned long arg);

/*
 * The ranges of the other ioctls are read again by the original; a range
 * changed in between into a held one meets the bio gate.
 */
static long bh_ioctl_decide(struct file *file, unsigned int cmd,
			    unsigned long arg, void __user *argp,
			    bh_ioctl_fn original)
{
	struct block_device *bdev = bh_file_bdev(file);
	struct bh_ioctl_args a;
	long ret;

	if (cmd == BLKROSET && !capable(CAP_SYS_ADMIN))
		return -EACCES;
	ret = bh_ioctl_read(cmd, argp, &a);
	if (ret)
		return ret;
	if (bh_ioctl_held(bdev, cmd, &a))
		return -EPERM;
	if (cmd == BLKROSET)
		return bh_set_read_only(bdev, a.ro);
	return original(file, cmd, arg);
}

static long bh_gate_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	long ret = bh_ioctl_decide(file, cmd, arg, (void __user *)arg,
				   file->f_op->unlocked_ioctl);

	bh_refusal_done();
	return ret;
}

#ifdef CONFIG_COMPAT
/* 32-bit callers: the same arguments, behind a compat pointer. */
static long bh_gate_compat_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	long ret = bh_ioctl_decide(file, cmd, arg, compat_ptr(arg),
				   file->f_op->compat_ioctl);

	bh_refusal_done();
	return ret;
}
#endif

/* ---- a bio that slept behind someone else's queue freeze ---- */

/*
 * __bio_queue_enter() is where a bio that passed the gate waits while its
 * disk's queue is frozen (an NVMe reset, an elevator switch, another
 * hold's drain), as a task that is quiescent for RCU Tasks: a hold placed
 * meanwhile does not wait for it. So a bio that would change data meets
 * the gate again once it has entered. Only bios that find the queue
 * frozen come here; reads go on to the kernel's own function.
 */
static bool bh_queue_enter_may_refuse(struct ftrace_regs *fregs)
{
	struct bio *bio = (struct bio *)bh_ftrace_arg(fregs, 1);

	return bio_op(bio) != REQ_OP_READ;
}

BH_HOOK_CALLBACK(bh_queue_enter_callback, bh_queue_enter_may_refuse)

/*
 * blkhold answers for __bio_queue_enter(), which it cannot call (its
 * ENDBR is sealed on 6.12): the same steps, from the public pieces of the
 * queue (compat.h), then the gate.
 */
static int bh_bio_queue_enter(struct request_queue *q, struct bio *bio)
{
	struct bh_refusal r;
	bool held = false;
	int ret;

	ret = bh_enter_queue(q, bio);
	if (!ret && bh_disk_may_be_held(bio->bi_bdev->bd_disk)) {
		rcu_read_lock();
		held = bh_bio_held(bio, &r);
		if (held)
			bh_refuse(&r);
		rcu_read_unlock();
	}
	if (held) {
		/* what blk_queue_exit() does: the entry is undone */
		percpu_ref_put(&q->q_usage_counter);
		bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
		ret = -EIO;
	}
	bh_refusal_done();
	return ret;
}

/* ---- disk removal: keep the holds and the medium held, say so ---- */

static bool bh_disk_deleting(struct ftrace_regs *fregs)
{
	return true;
}

BH_HOOK_CALLBACK(bh_disk_deleting_callback, bh_disk_deleting)

/*
 * Mark the disk's volumes detached as its deletion starts, and again when
 * it is done: a hold placed meanwhile (before the disk was marked dead)
 * is caught by the second pass, one placed after by bh_volume_get(). A
 * held disk going is announced as tamper: its driver was unbound, its
 * device deleted or unplugged. Its medium stays held through every other
 * handle (passthru.c), and the disk is held again when it comes back.
 */
static void bh_del_gendisk(struct gendisk *disk)
{
	struct bh_refusal r = {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = "removing a held disk: its medium stays held",
	};

	rcu_read_lock();
	r.vol = bh_volume_find(disk, 0, (sector_t)LLONG_MAX >> SECTOR_SHIFT);
	if (r.vol)
		bh_tamper_seen(&r);
	rcu_read_unlock();
	bh_disk_deleted(disk, false);
	del_gendisk(disk);
	bh_disk_deleted(disk, true);
	bh_refusal_done();
}

/* ---- media change: the holds stay with the disk ---- */

/*
 * A held disk that stays but gets a new diskseq: new media in a drive, or
 * a loop or nbd device given other storage. The volumes are the disk's,
 * not its diskseq's, so its holds go on applying to what the device holds
 * now; the alert says the media changed.
 */
static bool bh_diskseq_changing(struct ftrace_regs *fregs)
{
	struct gendisk *disk = (struct gendisk *)bh_ftrace_arg(fregs, 0);
	struct bh_volume *vol;

	rcu_read_lock_sched_notrace();
	vol = disk->diskseq ? bh_volume_find(disk, 0, (sector_t)LLONG_MAX >>
					     SECTOR_SHIFT) : NULL;
	if (vol)
		bh_alert(vol->devname, NULL,
			 "media changed: its holds stay with the device and hold what it holds now");
	rcu_read_unlock_sched_notrace();
	return false;
}

BH_HOOK_CALLBACK(bh_diskseq_callback, bh_diskseq_changing)

static struct bh_hook bh_gate_hooks[] = {
	{ .func = "submit_bio_noacct", .direct = bh_bio_entry,
	  .instead = bh_refuse_bio },
	{ .func = "submit_bio_noacct_nocheck", .direct = bh_bio_entry,
	  .instead = bh_refuse_bio },
	{ "blk_insert_cloned_request", bh_clone_callback, bh_refuse_clone },
	{ .func = "blkdev_write_iter", .direct = bh_write_entry,
	  .instead = bh_refuse_write },
	{ "blkdev_fallocate", bh_fallocate_callback, bh_refuse_fallocate },
#ifdef BH_TEST_MISSING_HOOK
	{ "blkhold_test_missing_function", bh_mmap_callback, bh_refuse_mmap },
#else
	{ BH_BLKDEV_MMAP, bh_mmap_callback, bh_refuse_mmap },
#endif
	{ "blkdev_ioctl", bh_ioctl_callback, bh_gate_ioctl },
#ifdef CONFIG_COMPAT
	{ "compat_blkdev_ioctl", bh_ioctl_callback, bh_gate_compat_ioctl },
#endif
	{ "__bio_queue_enter", bh_queue_enter_callback, bh_bio_queue_enter },
	{ "del_gendisk", bh_disk_deleting_callback, bh_del_gendisk },
	{ "inc_diskseq", bh_diskseq_callback, NULL },
};

int bh_gate_init(void)
{
	return bh_hooks_add_table(bh_gate_hooks, ARRAY_SIZE(bh_gate_hooks));
}

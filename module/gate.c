// SPDX-License-Identifier: GPL-2.0
/*
 * The gate: where a request that would change a held volume is refused.
 *
 * submit_bio_noacct() sees every bio, whoever sends it: filesystems,
 * writeback, direct I/O, the block ioctls, dm, md and loop passing bios
 * down. Refused bios end with BLK_STS_IOERR, as on a write-protected disk.
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

#include <linux/bio.h>
#include <linux/blkzoned.h>
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

/*
 * Does [@sector, +@nr) of @bdev (relative to it) touch a held volume?
 * Fills @r for the refusal. Called in an RCU read-side section.
 */
static bool bh_held(struct bh_refusal *r, struct block_device *bdev,
		    enum blkhold_kind kind, sector_t sector, sector_t nr)
{
	if (bdev_is_partition(bdev))
		sector += bdev->bd_start_sect;
	*r = (struct bh_refusal) {
		.bdev = bdev,
		.kind = kind,
		.sector = sector,
		.nr_sects = nr,
		.vol = bh_volume_find(bdev->bd_disk->diskseq, sector, nr),
	};
	return r->vol;
}

static bool bh_bytes_held(struct bh_refusal *r, struct block_device *bdev,
			  enum blkhold_kind kind, u64 pos, u64 len)
{
	sector_t first = pos >> SECTOR_SHIFT;
	sector_t end = DIV_ROUND_UP_ULL(pos + len, SECTOR_SIZE);

	return bh_held(r, bdev, kind, first, end - first);
}

/* ---- bios ---- */

static bool bh_bio_held(struct bio *bio, struct bh_refusal *r)
{
	struct block_device *bdev = bio->bi_bdev;
	sector_t sector = bio->bi_iter.bi_sector;
	sector_t nr = bio_sectors(bio);

	switch (bio_op(bio)) {
	case REQ_OP_WRITE:
		/* an empty flush carries no data */
		return nr && bh_held(r, bdev, BLKHOLD_KIND_WRITE, sector, nr);
	case REQ_OP_WRITE_ZEROES:
		return bh_held(r, bdev, BLKHOLD_KIND_WRITE_ZEROES, sector, nr);
	case REQ_OP_DISCARD:
		return bh_held(r, bdev, BLKHOLD_KIND_DISCARD, sector, nr);
	case REQ_OP_SECURE_ERASE:
		return bh_held(r, bdev, BLKHOLD_KIND_SECURE_ERASE, sector, nr);
	case REQ_OP_ZONE_APPEND:
		/* lands at the write pointer: anywhere in the zone */
		return bh_held(r, bdev, BLKHOLD_KIND_ZONE_APPEND, sector,
			       bdev_zone_sectors(bdev));
	case REQ_OP_ZONE_RESET:
		return bh_held(r, bdev, BLKHOLD_KIND_ZONE_RESET, sector,
			       bdev_zone_sectors(bdev));
	case REQ_OP_ZONE_FINISH:
		return bh_held(r, bdev, BLKHOLD_KIND_ZONE_FINISH, sector,
			       bdev_zone_sectors(bdev));
	case REQ_OP_ZONE_RESET_ALL:
		return bh_held(r, bdev, BLKHOLD_KIND_ZONE_RESET, 0,
			       get_capacity(bdev->bd_disk));
	default:
		return false;
	}
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

/* Direct entry of submit_bio_noacct(): every bio of the host. */
static notrace __no_caller_saved_registers void
bh_bio_entry(struct bio *bio)
{
	if (unlikely(bh_bio_may_refuse(bio)))
		bh_bio_decide(bio, __builtin_frame_address(0));
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

static bool bh_mmap_held(struct file *file, struct vm_area_struct *vma,
			 struct bh_refusal *r)
{
	if (!(vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYWRITE))
		return false;
	return bh_bytes_held(r, bh_file_bdev(file), BLKHOLD_KIND_WRITE,
			     (u64)vma->vm_pgoff << PAGE_SHIFT,
			     vma->vm_end - vma->vm_start);
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

BH_HOOK_CALLBACK(bh_mmap_callback, bh_mmap_refuses)

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

/* The range is in user memory, which the callback cannot read: send every
 * gated ioctl on a device that overlaps a hold to bh_gate_ioctl().
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

/* Read the range an ioctl would change, in bytes relative to @bdev. */
static int bh_ioctl_range(unsigned int cmd, unsigned long arg, u64 *pos,
			  u64 *len, enum blkhold_kind *kind)
{
	struct blk_zone_range zr;
	u64 range[2];
	int ro;

	switch (cmd) {
	case BLKROSET:
		if (get_user(ro, (int __user *)arg))
			return -EFAULT;
		*kind = BLKHOLD_KIND_TAMPER;
		*pos = 0;
		*len = ro ? 0 : U64_MAX;	/* setting read-only is harmless */
		return 0;
	case BLKRESETZONE:
	case BLKFINISHZONE:
		if (copy_from_user(&zr, (void __user *)arg, sizeof(zr)))
			return -EFAULT;
		*kind = cmd == BLKRESETZONE ? BLKHOLD_KIND_ZONE_RESET :
					      BLKHOLD_KIND_ZONE_FINISH;
		*pos = zr.sector << SECTOR_SHIFT;
		*len = zr.nr_sectors << SECTOR_SHIFT;
		return 0;
	default:
		if (copy_from_user(range, (void __user *)arg, sizeof(range)))
			return -EFAULT;
		*kind = cmd == BLKDISCARD ? BLKHOLD_KIND_DISCARD :
			cmd == BLKSECDISCARD ? BLKHOLD_KIND_SECURE_ERASE :
					       BLKHOLD_KIND_WRITE_ZEROES;
		*pos = range[0];
		*len = range[1];
		return 0;
	}
}

/* Does the range @cmd would change overlap a hold? Refuses it if so. */
static bool bh_ioctl_held(struct block_device *bdev, unsigned int cmd,
			  enum blkhold_kind kind, u64 pos, u64 len)
{
	u64 size = bdev_nr_bytes(bdev);
	struct bh_refusal r;
	bool held = false;

	if (len && pos < size) {
		rcu_read_lock();
		held = bh_bytes_held(&r, bdev, kind, pos, min(len, size - pos));
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

static long bh_gate_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	enum blkhold_kind kind;
	u64 pos, len;
	long ret;

	ret = bh_ioctl_range(cmd, arg, &pos, &len, &kind);
	if (!ret)
		ret = bh_ioctl_held(bh_file_bdev(file), cmd, kind, pos, len) ?
		      -EPERM : file->f_op->unlocked_ioctl(file, cmd, arg);
	bh_refusal_done();
	return ret;
}

/* ---- disk removal: keep the holds, mark them detached ---- */

static bool bh_disk_deleting(struct ftrace_regs *fregs)
{
	struct gendisk *disk = (struct gendisk *)bh_ftrace_arg(fregs, 0);

	bh_disk_deleted(disk->diskseq);
	return false;
}

BH_HOOK_CALLBACK(bh_disk_deleting_callback, bh_disk_deleting)

struct bh_hook bh_gate_hooks[] = {
	{ .func = "submit_bio_noacct", .direct = bh_bio_entry,
	  .instead = bh_refuse_bio },
	{ .func = "blkdev_write_iter", .direct = bh_write_entry,
	  .instead = bh_refuse_write },
	{ "blkdev_fallocate", bh_fallocate_callback, bh_refuse_fallocate },
	{ "blkdev_mmap", bh_mmap_callback, bh_refuse_mmap },
	{ "blkdev_ioctl", bh_ioctl_callback, bh_gate_ioctl },
	{ "del_gendisk", bh_disk_deleting_callback, NULL },
};

const unsigned int bh_nr_gate_hooks = ARRAY_SIZE(bh_gate_hooks);

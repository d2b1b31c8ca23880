/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels blkhold supports (Debian's 6.1 and
 * 6.12), and nothing else. Decided from the target kernel's headers.
 */
#ifndef _BLKHOLD_COMPAT_H
#define _BLKHOLD_COMPAT_H

#include <linux/version.h>
#include <linux/blkdev.h>
#include <linux/ftrace.h>
#include <linux/fs.h>

#if !defined(CONFIG_X86_64) || !defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS)
#error "blkhold needs x86-64 with CONFIG_DYNAMIC_FTRACE_WITH_REGS"
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#error "blkhold supports kernels 6.1 to 6.4 and 6.10 on (Debian's 6.1 and 6.12)"
#endif

#ifdef ftrace_regs_set_instruction_pointer
#define bh_ftrace_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define bh_ftrace_set_ip(fregs, ip) ftrace_instruction_pointer_set(fregs, ip)
#endif

/* An open block device is a struct file in 6.12, the bdev itself in 6.1. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
typedef struct file *bh_bdev_handle;

static inline bh_bdev_handle bh_bdev_open(dev_t devt)
{
	return bdev_file_open_by_dev(devt, BLK_OPEN_READ, NULL, NULL);
}

static inline struct block_device *bh_bdev(bh_bdev_handle handle)
{
	return file_bdev(handle);
}

static inline void bh_bdev_close(bh_bdev_handle handle)
{
	fput(handle);
}

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
#else
typedef struct block_device *bh_bdev_handle;

static inline bh_bdev_handle bh_bdev_open(dev_t devt)
{
	return blkdev_get_by_dev(devt, FMODE_READ, NULL);
}

static inline struct block_device *bh_bdev(bh_bdev_handle handle)
{
	return handle;
}

static inline void bh_bdev_close(bh_bdev_handle handle)
{
	blkdev_put(handle, FMODE_READ);
}

static inline bool bh_bdev_ro_flag(struct block_device *bdev)
{
	return bdev->bd_read_only;
}

static inline void bh_bdev_set_ro_flag(struct block_device *bdev, bool ro)
{
	bdev->bd_read_only = ro;
}
#endif

#endif /* _BLKHOLD_COMPAT_H */

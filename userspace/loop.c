// SPDX-License-Identifier: GPL-2.0
/*
 * Devices whose storage is reachable elsewhere. A loop device's data is a
 * file: holding only the loop device leaves the file writable through its
 * filesystem, by any process. So a hold on a loop device also holds the
 * file's extents on the disk beneath (stack.c places them as ranges
 * beneath, like a dm table's), where they can be had: a filesystem that
 * overwrites data in place (ext2/3/4, XFS), every byte of the file's range
 * allocated (a hole is filled elsewhere), no extent shared (a reflinked
 * extent is copied elsewhere on write), none unknown, inline, encoded or
 * still to be allocated. Otherwise the hold is refused with the reason,
 * unless the admin asks for the device alone.
 *
 * nbd, ublk, zram, bcache and drbd devices are held as devices; their
 * storage (a server, a process, memory, the cached and backing devices, a
 * peer) is not, and the CLI says so in one line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkhold.h"
#include "hold.h"

#define XFS_MAGIC	0x58465342

/* Extent flags that keep an extent from being held where it is. */
#define UNHOLDABLE	(FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | \
			 FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED | \
			 FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE | \
			 FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_SHARED)

#define FIEMAP_BATCH	256

static bool sysfs_has(const struct device *dev, const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", dev->major,
		 dev->minor, file);
	return !access(path, F_OK);
}

bool loop_is(const struct device *dev)
{
	return sysfs_has(dev, "loop/backing_file");
}

/* What holds the storage of a device that is not its own, or NULL. */
const char *storage_elsewhere(const struct device *dev)
{
	if (!strncmp(dev->name, "nbd", 3))
		return "an NBD server";
	if (!strncmp(dev->name, "ublkb", 5))
		return "a ublk server process";
	if (!strncmp(dev->name, "zram", 4))
		return "memory (zram)";
	if (!strncmp(dev->name, "bcache", 6))
		return "its cache and backing devices";
	if (!strncmp(dev->name, "drbd", 4))
		return "its DRBD peer's disk";
	return NULL;
}

/* The file behind loop device @dev and the byte range of it the device shows. */
static int loop_backing(const struct device *dev, char *file, size_t len,
			uint64_t *offset)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/loop", dev->major, dev->minor);
	if (read_sysfs(dir, "backing_file", file, len) || read_sysfs_u64(dir, "offset", offset))
		return -1;
	return 0;
}

/* Why the extents of the file open as @fd cannot be held, or NULL. */
static const char *filesystem_unholdable(int fd, const struct stat *st)
{
	char sys[64];
	struct statfs sfs;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st->st_dev),
		 minor(st->st_dev));
	if (!major(st->st_dev) || access(sys, F_OK))
		return "is not on a block device";
	if (fstatfs(fd, &sfs))
		return "is on a filesystem that cannot be asked";
	if (sfs.f_type != EXT4_SUPER_MAGIC && sfs.f_type != XFS_MAGIC)
		return "is on a filesystem that may write it elsewhere (only ext2/3/4 and XFS overwrite in place)";
	return NULL;
}

/*
 * Call @each for each extent of the file behind loop device @dev, in
 * sectors of the filesystem's block device (@fs_major:@fs_minor). Returns
 * 0, or -1 with the reason in @why.
 */
int loop_extents(const struct device *dev, int (*each)(void *arg, unsigned int fs_major,
						       unsigned int fs_minor, uint64_t start,
						       uint64_t sectors),
		 void *arg, char *why, size_t why_len)
{
	uint64_t offset, end, at;
	struct fiemap *fm;
	char file[4096];
	const char *bad;
	struct stat st;
	int fd, err = -1;
	unsigned int i;

	if (loop_backing(dev, file, sizeof(file), &offset)) {
		snprintf(why, why_len, "its backing file cannot be read from sysfs");
		return -1;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, why_len, "its backing file %s cannot be opened (%s)", file,
			 strerror(errno));
		goto out;
	}
	bad = filesystem_unholdable(fd, &st);
	if (bad) {
		snprintf(why, why_len, "its backing file %s %s", file, bad);
		goto out;
	}
	fm = calloc(1, sizeof(*fm) + FIEMAP_BATCH * sizeof(struct fiemap_extent));
	if (!fm) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	end = offset + dev->sectors * 512;
	for (at = offset; at < end;) {
		fm->fm_start = at;
		fm->fm_length = end - at;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) || !fm->fm_mapped_extents) {
			snprintf(why, why_len, "its backing file %s has a hole at byte %" PRIu64
				 " (a write would fill it elsewhere)", file, at);
			goto free;
		}
		for (i = 0; i < fm->fm_mapped_extents && at < end; i++) {
			const struct fiemap_extent *x = &fm->fm_extents[i];
			uint64_t skip, len;

			if (x->fe_logical > at) {
				snprintf(why, why_len, "its backing file %s has a hole at byte %"
					 PRIu64 " (a write would fill it elsewhere)", file, at);
				goto free;
			}
			if (x->fe_flags & UNHOLDABLE) {
				snprintf(why, why_len, "its backing file %s has an extent at byte %"
					 PRIu64 " that is shared, inline, encoded or not yet allocated",
					 file, (uint64_t)x->fe_logical);
				goto free;
			}
			skip = at - x->fe_logical;
			len = x->fe_length - skip;
			if (len > end - at)
				len = end - at;
			if (((x->fe_physical + skip) | len) % 512) {
				snprintf(why, why_len, "its backing file %s has an extent not aligned to sectors",
					 file);
				goto free;
			}
			if (each(arg, major(st.st_dev), minor(st.st_dev),
				 (x->fe_physical + skip) / 512, (len + 511) / 512)) {
				snprintf(why, why_len, "an extent of %s could not be held", file);
				goto free;
			}
			at += len;
		}
	}
	err = 0;
free:
	free(fm);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

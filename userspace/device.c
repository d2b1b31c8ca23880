// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a DEVICE argument into what the kernel needs: device number and
 * diskseq. Also spots writers a new hold is about to cut off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>

#include "blkhold.h"

int read_sysfs(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The value of @key ("DEVNAME") in the uevent of block device major:minor. */
int read_uevent(unsigned int major, unsigned int minor, const char *key, char *buf,
		size_t len)
{
	size_t keylen = strlen(key);
	char path[64], line[256];
	int err = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major, minor);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (err && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, keylen) || line[keylen] != '=')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + keylen + 1);
		err = 0;
	}
	fclose(f);
	return err;
}

int read_sysfs_u64(const char *dir, const char *file, uint64_t *val)
{
	char buf[64];

	if (read_sysfs(dir, file, buf, sizeof(buf)))
		return -1;
	*val = strtoull(buf, NULL, 10);
	return 0;
}

/* Whole disks carry diskseq in sysfs; a partition shares its disk's. */
int sysfs_diskseq(const char *dir, uint64_t *diskseq)
{
	char parent[PATH_MAX + 4];

	if (!read_sysfs_u64(dir, "diskseq", diskseq))
		return 0;
	snprintf(parent, sizeof(parent), "%s/..", dir);
	return read_sysfs_u64(parent, "diskseq", diskseq);
}

/* "MAJ:MIN" names a volume whose disk may be gone; --diskseq says which. */
static int device_from_numbers(const struct args *args, struct device *dev)
{
	char extra;

	if (sscanf(args->device, "%u:%u%c", &dev->major, &dev->minor, &extra) != 2)
		return 1;
	if (!args->has_diskseq) {
		fail(args->device, "a device given by number needs --diskseq (see 'blkhold list --json')");
		return -1;
	}
	snprintf(dev->name, sizeof(dev->name), "%u:%u", dev->major, dev->minor);
	snprintf(dev->canon, sizeof(dev->canon), "%s", args->device);
	dev->diskseq = args->diskseq;
	return 0;
}

int device_resolve(const struct args *args, struct device *dev)
{
	const char *path = args->device;
	char sysdir[64], uevent[512];
	struct stat st;
	int fd, err, numeric;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	if (stat(path, &st)) {
		err = errno;
		numeric = device_from_numbers(args, dev);
		if (numeric <= 0)
			return numeric;
		fail(path, "%s", err == ENOENT ? "no such device" : strerror(err));
		return -1;
	}
	if (!S_ISBLK(st.st_mode)) {
		fail(path, "not a block device");
		return -1;
	}
	if (!realpath(path, dev->canon))
		snprintf(dev->canon, sizeof(dev->canon), "%s", path);
	dev->major = major(st.st_rdev);
	dev->minor = minor(st.st_rdev);
	snprintf(sysdir, sizeof(sysdir), "/sys/dev/block/%u:%u", dev->major,
		 dev->minor);
	if (read_sysfs(sysdir, "uevent", uevent, sizeof(uevent))) {
		fail(path, "device %u:%u is not known to the kernel (disk removed?)",
		     dev->major, dev->minor);
		return -1;
	}
	read_uevent(dev->major, dev->minor, "DEVNAME", dev->name, sizeof(dev->name));
	read_sysfs_u64(sysdir, "size", &dev->sectors);

	/* The node itself names the disk most precisely; sysfs when we may not open it. */
	if (args->has_diskseq) {
		dev->diskseq = args->diskseq;
		return 0;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		err = ioctl(fd, BLKGETDISKSEQ, &dev->diskseq);
		close(fd);
		if (!err)
			return 0;
	}
	if (sysfs_diskseq(sysdir, &dev->diskseq)) {
		fail(path, "cannot read the disk sequence number (kernel too old?)");
		return -1;
	}
	return 0;
}

static void warn_mounts(const struct device *dev)
{
	char line[8192], devno[32], mnt[4096], opts[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	snprintf(devno, sizeof(devno), "%u:%u", dev->major, dev->minor);
	while (fgets(line, sizeof(line), f)) {
		char num[32];

		if (sscanf(line, "%*s %*s %31s %*s %4095s %1023s", num, mnt, opts) != 3)
			continue;
		if (strcmp(num, devno) || strncmp(opts, "rw", 2))
			continue;
		warn(dev->path, "mounted read-write at %s: further writes will fail; remount it read-only with 'mount -o remount,ro %s'",
		     mnt, mnt);
	}
	fclose(f);
}

/* Is file descriptor @fd of process @pid open for writing? */
static bool fd_writes(const char *pid, const char *fd)
{
	char path[PATH_MAX], line[256];
	unsigned int flags;
	bool writes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1) {
			writes = (flags & O_ACCMODE) != O_RDONLY;
			break;
		}
	fclose(f);
	return writes;
}

static void warn_process(const struct device *dev, const char *pid)
{
	char dir[64], link[64 + 256], target[PATH_MAX], comm[64] = "?";
	struct dirent *fd;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((fd = readdir(d))) {
		snprintf(link, sizeof(link), "%s/%s", dir, fd->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, dev->canon) || !fd_writes(pid, fd->d_name))
			continue;
		snprintf(dir, sizeof(dir), "/proc/%s", pid);
		read_sysfs(dir, "comm", comm, sizeof(comm));
		warn(dev->path, "open for writing by %s[%s]: its further writes will fail",
		     comm, pid);
		break;
	}
	closedir(d);
}

/* A hold still succeeds; these users learn why their writes will fail. */
void device_warn_writers(const struct device *dev)
{
	struct dirent *p;
	DIR *proc;

	warn_mounts(dev);
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((p = readdir(proc)))
		if (p->d_name[0] >= '1' && p->d_name[0] <= '9' &&
		    atoi(p->d_name) != getpid())
			warn_process(dev, p->d_name);
	closedir(proc);
}

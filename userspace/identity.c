// SPDX-License-Identifier: GPL-2.0
/*
 * What binds a stored hold to its data: the disk's stable identity as the
 * kernel shows it in sysfs, and the volume's absolute range on that disk.
 * The kernel reads the same attributes through the same show() functions
 * (module/persist.c), so both sides compare the same "SOURCE=VALUE".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blkhold.h"
#include "store.h"

/* Where a disk's identity is read from, first one found wins. */
#define PAGE_BYTES 4096

static const char *const identity_sources[] = { "wwid", "device/wwid", "serial" };

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* The identity of the disk whose sysfs directory is @disk. */
static int disk_identity(const char *disk, char *id, size_t len)
{
	char value[PAGE_BYTES];
	size_t i;

	for (i = 0; i < sizeof(identity_sources) / sizeof(identity_sources[0]); i++) {
		size_t n;

		if (read_sysfs(disk, identity_sources[i], value, sizeof(value)))
			continue;
		for (n = strlen(value); n && isspace((unsigned char)value[n - 1]); n--)
			value[n - 1] = '\0';
		if (!*value || !printable(value))
			continue;
		if ((size_t)snprintf(id, len, "%s=%s", identity_sources[i], value) >= len)
			return -1;
		return 0;
	}
	return -1;
}

/*
 * The partition's UUID as its table has it (the kernel checks it when the
 * partition appears): blkid reads it; empty when it cannot.
 */
static void read_partuuid(const char *node, char *out, size_t len)
{
	int pipefd[2], status;
	ssize_t n = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execlp("blkid", "blkid", "-p", "-s", "PART_ENTRY_UUID", "-o", "value",
		       node, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid > 0)
		n = read(pipefd[0], out, len - 1);
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!printable(out) || strlen(out) > BLKHOLD_PARTUUID_MAX)
		out[0] = '\0';
}

/* @e's identity and range for @dev, and with @partuuid its partition UUID. */
static const char *identity_of(const struct device *dev, struct entry *e, bool partuuid)
{
	char dir[64], disk[80];
	uint64_t removable = 0;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", dev->major, dev->minor);
	if (access(dir, F_OK))
		return "not known to the kernel (disk removed?)";
	snprintf(disk, sizeof(disk), "%s/partition", dir);
	if (!access(disk, F_OK)) {
		snprintf(disk, sizeof(disk), "%s/..", dir);
		if (read_sysfs_u64(dir, "start", &e->start))
			return "cannot read the partition's start sector";
		if (partuuid)
			read_partuuid(dev->canon, e->partuuid, sizeof(e->partuuid));
	} else {
		snprintf(disk, sizeof(disk), "%s", dir);
		e->start = 0;
	}
	if (read_sysfs_u64(dir, "size", &e->sectors) ||
	    read_sysfs_u64(disk, "size", &e->disk_sectors) || !e->sectors)
		return "cannot read the volume's size, or it is empty";
	read_sysfs_u64(disk, "removable", &removable);
	if (removable)
		return "removable media have no stable identity of their own; use --transient";
	if (disk_identity(disk, e->identity, sizeof(e->identity)))
		return "the disk has no stable identity (no wwid or serial in sysfs); use --transient for a hold until the next reboot or re-plug";
	return NULL;
}

/*
 * Fill @e's identity and range for @dev. Returns NULL, or why it cannot:
 * a disk without a stable identity can only have transient holds.
 */
const char *device_identity_why(const struct device *dev, struct entry *e)
{
	return identity_of(dev, e, true);
}

/* The same without the partition UUID (no blkid run): a range beneath a stack. */
const char *device_identity_range(const struct device *dev, struct entry *e)
{
	return identity_of(dev, e, false);
}

int device_identity(const struct device *dev, struct entry *e)
{
	const char *why = device_identity_why(dev, e);

	if (why)
		fail(dev->path, "%s", why);
	return why ? -1 : 0;
}

/*
 * For display: the identity of the disk under volume @major:@minor whose
 * disk has sequence number @diskseq; "" when that disk is gone, was
 * replaced or has no identity.
 */
void volume_identity(unsigned int major, unsigned int minor, uint64_t diskseq,
		     char *id, size_t len)
{
	char dir[64], disk[80];
	uint64_t seq;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major, minor);
	snprintf(disk, sizeof(disk), "%s/partition", dir);
	if (!access(disk, F_OK))
		snprintf(disk, sizeof(disk), "%s/..", dir);
	else
		snprintf(disk, sizeof(disk), "%s", dir);
	if (read_sysfs_u64(disk, "diskseq", &seq) || seq != diskseq ||
	    disk_identity(disk, id, len))
		id[0] = '\0';
}

/*
 * Why @id is not a disk identity as the kernel reads one, or NULL:
 * "SOURCE=VALUE", SOURCE one of the sysfs attributes it is read from,
 * VALUE printable ASCII.
 */
const char *identity_problem(const char *id)
{
	const char *eq = strchr(id, '=');
	size_t i, n;

	if (strlen(id) > BLKHOLD_IDENTITY_MAX)
		return "is longer than an identity can be";
	if (!eq || !eq[1])
		return "is not SOURCE=VALUE";
	n = eq - id;
	for (i = 0; i < sizeof(identity_sources) / sizeof(identity_sources[0]); i++)
		if (strlen(identity_sources[i]) == n && !strncmp(id, identity_sources[i], n))
			break;
	if (i == sizeof(identity_sources) / sizeof(identity_sources[0]))
		return "names no source the kernel reads (wwid, device/wwid, serial)";
	for (eq++; *eq; eq++)
		if ((unsigned char)*eq < 0x20 || (unsigned char)*eq > 0x7e)
			return "has a value that is not printable ASCII";
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * md writes that would fail a member. Holding an md array, or a volume on
 * one, freezes the array's resync (stack.c): its writes into held member
 * ranges would be refused, and md fails a member whose write fails. At
 * boot an array comes back before the volumes on it are held again, while
 * the ranges its members carry for them are held since the disks
 * appeared; after an unclean shutdown md resyncs it at its first write
 * (at once without md_mod start_ro=1). So restore freezes every array
 * whose members carry held ranges, and a release lets the resync of each
 * array it frees run again. An own hold on a member itself is refused:
 * md's superblock writes there must pass.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "blkhold.h"
#include "hold.h"

/* Does member @member (an md/dev-* directory) carry a held range in its data area? */
static bool member_carries_held(const char *member, const void *data)
{
	const struct volume_list *held = data;
	char blk[400];
	uint64_t offset, kib, start = 0, diskseq, from, to;
	size_t i;

	snprintf(blk, sizeof(blk), "%s/block", member);
	if (read_sysfs_u64(member, "offset", &offset) || read_sysfs_u64(member, "size", &kib) ||
	    sysfs_diskseq(blk, &diskseq))
		return false;
	read_sysfs_u64(blk, "start", &start);	/* a partition's, on its disk */
	from = start + offset;
	to = from + kib * 2;
	for (i = 0; i < held->n; i++) {
		const struct volume *v = &held->v[i];

		if (v->diskseq == diskseq && !v->node_only &&
		    v->start < to && v->start + v->sectors > from)
			return true;
	}
	return false;
}

/* Does array @name itself carry a held range? */
static bool array_itself_held(const char *name, const struct volume_list *held)
{
	char dir[96];
	uint64_t diskseq;
	size_t i;

	snprintf(dir, sizeof(dir), "/sys/block/%s", name);
	if (sysfs_diskseq(dir, &diskseq))
		return false;
	for (i = 0; i < held->n; i++)
		if (held->v[i].diskseq == diskseq)
			return true;
	return false;
}

/*
 * The first member of array @name (its md/dev-* directory) that @match
 * accepts: its device's name goes into @found. Is there one?
 */
static bool first_member(const char *name, bool (*match)(const char *member, const void *data),
			 const void *data, char *found, size_t len)
{
	char dir[300], member[600];
	struct dirent *d;
	bool hit = false;
	DIR *md;

	snprintf(dir, sizeof(dir), "/sys/block/%s/md", name);
	md = opendir(dir);
	while (md && !hit && (d = readdir(md))) {
		if (strncmp(d->d_name, "dev-", 4))
			continue;
		snprintf(member, sizeof(member), "%s/%s", dir, d->d_name);
		hit = match(member, data);
		if (hit)
			snprintf(found, len, "%s", d->d_name + 4);
	}
	if (md)
		closedir(md);
	return hit;
}

/* Is array @name held itself, or do its members carry held ranges? */
static bool array_held(const char *name, const struct volume_list *held)
{
	char member[256];

	return array_itself_held(name, held) ||
	       first_member(name, member_carries_held, held, member, sizeof(member));
}

/* Set array @name's sync_action to @to if it is @from ("" for any but it): did it? */
static bool sync_action_set(const char *name, const char *from, const char *to)
{
	char dir[96], path[128], action[32];
	bool done;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/block/%s/md", name);
	if (read_sysfs(dir, "sync_action", action, sizeof(action)) ||
	    (*from ? strcmp(action, from) : !strcmp(action, to)))
		return false;	/* linear and raid0 have no resync, nor sync_action */
	snprintf(path, sizeof(path), "%s/sync_action", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	done = fd >= 0 && write(fd, to, strlen(to)) == (ssize_t)strlen(to);
	if (!done)
		warn(name, "cannot set the array's sync_action to %s: %s", to, strerror(errno));
	if (fd >= 0)
		close(fd);
	return done;
}

/* Calls @fn for each md array of the host. */
static void for_each_array(void (*fn)(const char *name, void *data), void *data)
{
	struct dirent *d;
	DIR *blocks = opendir("/sys/block");

	while (blocks && (d = readdir(blocks)))
		if (!strncmp(d->d_name, "md", 2))
			fn(d->d_name, data);
	if (blocks)
		closedir(blocks);
}

struct guard {
	const struct volume_list *held, *before;
	size_t frozen;
};

static void guard_array(const char *name, void *data)
{
	struct guard *g = data;

	if (array_held(name, g->held) && sync_action_set(name, "", "frozen")) {
		printf("restore: froze the resync of %s: its members carry held ranges\n", name);
		g->frozen++;
	}
}

size_t md_guard_arrays(void)
{
	struct volume_list held;
	struct guard g = { .held = &held };

	if (volumes_fetch(&held))
		return 0;
	for_each_array(guard_array, &g);
	volumes_free(&held);
	return g.frozen;
}

/* A member's device (an md/dev-* directory's block), and a range to hold on its disk. */
struct member_search {
	uint64_t diskseq, from, to;
	char array[256], member[256];
};

static bool member_overlaps(const char *member, const void *data)
{
	const struct member_search *s = data;
	char blk[620];
	uint64_t start = 0, sectors, diskseq;

	snprintf(blk, sizeof(blk), "%s/block", member);
	if (read_sysfs_u64(blk, "size", &sectors) || sysfs_diskseq(blk, &diskseq))
		return false;
	read_sysfs_u64(blk, "start", &start);	/* a partition's, on its disk */
	return diskseq == s->diskseq && start < s->to && start + sectors > s->from;
}

static void find_member(const char *name, void *data)
{
	struct member_search *s = data;

	if (!*s->array && first_member(name, member_overlaps, s, s->member, sizeof(s->member)))
		snprintf(s->array, sizeof(s->array), "%s", name);
}

/*
 * md writes its superblock and bitmap into every member as bios, at every
 * clean/dirty switch and bitmap flush, and fails a member (or a raid0 or
 * linear array) whose write fails: an own hold over any part of a member
 * of an assembled array would take that member out within seconds.
 */
int md_refuse_member_hold(const struct device *dev)
{
	struct member_search s = { .diskseq = dev->diskseq };
	char dir[64];

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", dev->major, dev->minor);
	read_sysfs_u64(dir, "start", &s.from);
	s.to = s.from + dev->sectors;
	for_each_array(find_member, &s);
	if (!*s.array)
		return 0;
	fail(dev->path, "%s is a member of md array %s, which would fail it at its next superblock write, refused by the hold: hold /dev/%s (or a volume on it) instead, or stop the array first",
	     s.member, s.array, s.array);
	return -1;
}

static void thaw_array(const char *name, void *data)
{
	struct guard *g = data;

	if (array_held(name, g->before) && !array_held(name, g->held))
		sync_action_set(name, "frozen", "idle");
}

void stack_released(const struct volume_list *before)
{
	struct volume_list now;
	struct guard g = { .held = &now, .before = before };

	if (!before->n || volumes_fetch(&now))
		return;
	for_each_array(thaw_array, &g);
	volumes_free(&now);
}

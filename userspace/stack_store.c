// SPDX-License-Identifier: GPL-2.0
/*
 * Stored holds on stacked volumes. The data of an LV, an md array or a
 * LUKS volume lives on the disks beneath, and those come back at boot
 * long before LVM, md or cryptsetup put the stack together again. So the
 * store keeps each range beneath as a stored hold of its own, bound to
 * its disk's identity like any other and armed by the kernel the moment
 * the disk appears; it is marked "beneath" (no node of its own, md's
 * metadata "meta": bios pass) and names the stacked volume it belongs to.
 * The stacked volume itself ("top") is kept under its own identity, its
 * dm or md uuid: when it is there again, restore holds it, which freezes
 * its map, and compares the ranges its map carries now with the stored
 * ones. A difference is reported; the stored ranges stay held either way.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkhold.h"
#include "hold.h"
#include "store.h"

#define SYS_BLOCK "/sys/class/block"

/* The identity of stacked volume @dev: its dm uuid (or name) or md uuid. */
int stack_identity(const struct device *dev, char *id, size_t len)
{
	char dir[64], value[BLKHOLD_IDENTITY_MAX];
	const char *source = NULL;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", dev->major, dev->minor);
	if (stack_is_md(dev)) {
		if (!read_sysfs(dir, "md/uuid", value, sizeof(value)) && *value)
			source = "md-uuid";
	} else if (!read_sysfs(dir, "dm/uuid", value, sizeof(value)) && *value) {
		source = "dm-uuid";
	} else if (!read_sysfs(dir, "dm/name", value, sizeof(value)) && *value) {
		source = "dm-name";
	}
	if (!source || strchr(value, ' ') ||
	    (size_t)snprintf(id, len, "%s=%s", source, value) >= len)
		return -1;
	return 0;
}

int stack_top_identity(const struct device *dev, char *id, size_t len)
{
	if (!stack_identity(dev, id, len))
		return 0;
	fail(dev->path, "the stacked volume has no uuid or name to store its hold under; use --transient");
	return -1;
}

/* The device of volume @major:@minor, as device_resolve() would fill it. */
static int device_of(unsigned int major, unsigned int minor, struct device *dev)
{
	char dir[64];

	memset(dev, 0, sizeof(*dev));
	dev->major = major;
	dev->minor = minor;
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major, minor);
	if (read_uevent(major, minor, "DEVNAME", dev->name, sizeof(dev->name)) ||
	    read_sysfs_u64(dir, "size", &dev->sectors))
		return -1;
	snprintf(dev->path, sizeof(dev->path), "/dev/%s", dev->name);
	snprintf(dev->canon, sizeof(dev->canon), "%s", dev->path);
	if (!read_sysfs_u64(dir, "diskseq", &dev->diskseq))
		return 0;
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/..", major, minor);
	return read_sysfs_u64(dir, "diskseq", &dev->diskseq);
}

/* The stored entry of [@start, +@sectors) of volume @leaf. */
static int leaf_entry(struct stack_store *s, const struct device *leaf, uint64_t start,
		      uint64_t sectors, bool node_only, struct entry *e)
{
	const char *why;

	memset(e, 0, sizeof(*e));
	why = device_identity_range(leaf, e);
	if (why) {
		fail(s->top->path, "cannot store the hold on %s beneath: %s", leaf->name, why);
		return -1;
	}
	snprintf(e->op, sizeof(e->op), "hold");
	e->start += start;
	e->sectors = sectors;
	snprintf(e->name, sizeof(e->name), "%s", s->args->name);
	snprintf(e->reason, sizeof(e->reason), "%s", s->args->reason ? s->args->reason : "");
	snprintf(e->stack, sizeof(e->stack), "%s:%s", node_only ? "meta" : "data", s->top_id);
	return 0;
}

static bool already_armed(const struct stack_store *s, const struct entry *e)
{
	size_t i;

	for (i = 0; i < s->nr_armed; i++)
		if (entry_same_hold(&s->armed[i], e))
			return true;
	return false;
}

/* Restore: is @e one of the stored ranges of this hold? */
static void compare_leaf(struct stack_store *s, const struct entry *e)
{
	size_t i;

	for (i = 0; i < s->nr_active; i++) {
		if (entry_same_hold(s->active[i], e) &&
		    entry_in_stack(s->active[i], s->top_id, e->name)) {
			s->seen[i] = true;
			return;
		}
	}
	s->differ++;
	fail(s->top->path, "%s sectors %" PRIu64 "-%" PRIu64 " carry the volume now but are not in its stored hold '%s': the map changed since it was stored",
	     e->identity, e->start, e->start + e->sectors - 1, e->name);
}

/*
 * A range on a disk beneath: stored, then armed (the kernel holds it at
 * once, and again whenever the disk appears). On restore, compared only.
 */
static int stack_store_leaf(void *ctx, unsigned int major, unsigned int minor,
			    uint64_t start, uint64_t sectors, bool node_only)
{
	struct stack_store *s = ctx;
	struct device leaf;
	struct entry e, *grown;
	char errmsg[256];
	int err;

	if (device_of(major, minor, &leaf)) {
		fail(s->top->path, "the device %u:%u beneath is not known to the kernel", major, minor);
		return -1;
	}
	if (leaf_entry(s, &leaf, start, sectors, node_only, &e))
		return -1;
	if (s->compare) {
		compare_leaf(s, &e);
		return 0;
	}
	/* the paths of a multipath map are one disk: one record holds them all */
	if (already_armed(s, &e))
		return 0;
	grown = realloc(s->armed, (s->nr_armed + 1) * sizeof(*grown));
	if (!grown || ledger_append(s->ledger, &e)) {
		if (grown)
			s->armed = grown;
		if (!grown)
			fail(s->top->path, "out of memory");
		return -1;
	}
	s->armed = grown;
	err = record_arm_drain_later(&e, &leaf, errmsg, sizeof(errmsg));
	if (err) {
		fail(s->top->path, "cannot hold %s sectors %" PRIu64 "-%" PRIu64 " beneath: %s",
		     leaf.name, start, start + sectors - 1, errmsg);
		snprintf(e.op, sizeof(e.op), "release");
		snprintf(e.reason, sizeof(e.reason), "not placed: %.200s", errmsg);
		ledger_append(s->ledger, &e);
		return -1;
	}
	s->armed[s->nr_armed++] = e;
	return 0;
}

/* Hold the stack above @dev, its ranges on disks stored and armed through @s. */
static int stack_hold_into(const struct args *args, const struct device *dev,
			   struct stack_store *s)
{
	const struct stack_leaf_sink sink = { .leaf = stack_store_leaf, .ctx = s };

	return stack_hold(args, dev, &sink);
}

/* Release @e in the kernel and the store, saying @why. */
static int release_entry(struct ledger *l, const struct entry *held, const char *why)
{
	struct entry e = *held;
	char errmsg[256];
	int err = 0;

	if (!entry_is_top(held))
		err = record_request(BLKHOLD_CMD_RECORD_DEL, held, NULL, errmsg, sizeof(errmsg));
	if (err && err != -ENOENT) {
		fail(held->identity, "%s ('%s')", errmsg, held->name);
		return -1;
	}
	snprintf(e.op, sizeof(e.op), "release");
	snprintf(e.reason, sizeof(e.reason), "%s", why ? why : "");
	if (ledger_append(l, &e)) {
		if (!err && !entry_is_top(held))
			record_request(BLKHOLD_CMD_RECORD_ADD, held, NULL, errmsg, sizeof(errmsg));
		return -1;
	}
	return 0;
}

/* Does the store keep the hold @name on stacked volume @top? */
bool stack_stored(const struct ledger *l, const char *top, const char *name)
{
	const struct entry **active;
	size_t i, n = ledger_active(l, &active);

	for (i = 0; i < n && !entry_in_stack(active[i], top, name); i++)
		;
	free(active);
	return i < n;
}

/*
 * Release every stored range of the hold @name on stacked volume @top,
 * then the volume's own entry. 1 when the store has none.
 */
int stack_release_stored(struct ledger *l, const char *top, const char *name,
			 const char *why)
{
	const struct entry **active;
	const struct entry *top_entry = NULL;
	size_t i, n, found = 0;
	int err = 0;

	n = ledger_active(l, &active);
	for (i = 0; i < n && !err; i++) {
		if (!entry_in_stack(active[i], top, name))
			continue;
		found++;
		if (entry_is_top(active[i]))
			top_entry = active[i];
		else
			err = release_entry(l, active[i], why);
	}
	if (!err && top_entry)
		err = release_entry(l, top_entry, why);
	free(active);
	if (err)
		return -1;
	return found ? 0 : 1;
}

/* The placement failed: what it armed and stored goes again. */
static void undo(struct stack_store *s, const struct entry *top)
{
	const char *why = "not placed: a level beneath could not be held";
	size_t i;

	for (i = 0; i < s->nr_armed; i++)
		release_entry(s->ledger, &s->armed[i], why);
	release_entry(s->ledger, top, why);
}

/*
 * A stored hold on stacked volume @dev: its own entry first (the store
 * before the kernel, as for a disk), its hold, then the ranges beneath,
 * each stored and armed. All or nothing.
 */
int stack_hold_stored(const struct args *args, const struct device *dev)
{
	struct stack_store s = { .args = args, .top = dev };
	struct entry top = { .op = "hold" };
	struct ledger l;
	int err = -1;

	if (stack_top_identity(dev, s.top_id, sizeof(s.top_id)) || ledger_open(&l, true))
		return -1;
	s.ledger = &l;
	snprintf(top.identity, sizeof(top.identity), "%s", s.top_id);
	top.sectors = top.disk_sectors = dev->sectors;
	snprintf(top.name, sizeof(top.name), "%s", args->name);
	snprintf(top.reason, sizeof(top.reason), "%s", args->reason ? args->reason : "");
	snprintf(top.stack, sizeof(top.stack), "top:%s", s.top_id);
	if (stack_stored(&l, s.top_id, args->name)) {
		fail(dev->path, "the volume already has a stored hold of that name ('%s')", args->name);
	} else if (!ledger_append(&l, &top)) {
		if (hold_request(BLKHOLD_CMD_HOLD_ADD, args, dev))
			release_entry(&l, &top, "not placed: the kernel refused the hold");
		else if (stack_hold_into(args, dev, &s))
			undo(&s, &top);
		else
			err = 0;
	}
	free(s.armed);
	ledger_close(&l);
	return err;
}

/* The present stacked volume whose identity is @id ("dm-uuid=..."), if any. */
static int find_top(const char *id, struct device *dev)
{
	char dir[300], value[BLKHOLD_IDENTITY_MAX + 1], devnum[32];
	unsigned int major, minor;
	struct device probe;
	struct dirent *d;
	int found = -1;
	DIR *dp;

	dp = opendir(SYS_BLOCK);
	if (!dp)
		return -1;
	while (found && (d = readdir(dp))) {
		if (strncmp(d->d_name, "dm-", 3) && strncmp(d->d_name, "md", 2))
			continue;
		snprintf(dir, sizeof(dir), SYS_BLOCK "/%s", d->d_name);
		if (read_sysfs(dir, "dev", devnum, sizeof(devnum)) ||
		    sscanf(devnum, "%u:%u", &major, &minor) != 2 ||
		    device_of(major, minor, &probe))
			continue;
		/* a dm device before its first table, an md array not started */
		if (!probe.sectors || !(stack_is_dm(&probe) || stack_is_md(&probe)))
			continue;
		/* quiet: a device without a uuid is simply not the one */
		if (stack_identity(&probe, value, sizeof(value)) || strcmp(value, id))
			continue;
		*dev = probe;
		found = 0;
	}
	closedir(dp);
	return found;
}

static bool has_hold(const struct device *dev, const char *name)
{
	struct volume_list list;
	bool held;

	if (volumes_fetch(&list))
		return false;
	held = volume_hold(volumes_find(&list, dev), name) != NULL;
	volumes_free(&list);
	return held;
}

bool stack_top_present(const char *id)
{
	struct device dev;

	return !find_top(id, &dev);
}

/* The stored hold @top: -1 its volume is absent, 0 not placed, 1 placed. */
int stack_top_held(const struct entry *top)
{
	struct device dev;

	if (find_top(top->identity, &dev))
		return -1;
	return has_hold(&dev, top->name);
}

/* Restore the stored hold @top_entry on its stacked volume, if present. */
static int restore_top(const struct entry *top_entry, const struct entry **active,
		       size_t n, struct stack_restore_count *c)
{
	struct args args = { .name = top_entry->name };
	struct stack_store s = { .args = &args, .compare = true, .active = active,
				 .nr_active = n };
	struct device dev;
	size_t i;

	args.reason = top_entry->reason[0] ? top_entry->reason : NULL;
	snprintf(s.top_id, sizeof(s.top_id), "%s", top_entry->identity);
	if (find_top(top_entry->identity, &dev)) {
		c->absent++;
		printf("%s: stored hold '%s': the stacked volume is not present; its ranges beneath are held\n",
		       top_entry->identity, top_entry->name);
		return 0;
	}
	if (has_hold(&dev, args.name)) {
		c->already++;
		return 0;
	}
	s.top = &dev;
	s.seen = calloc(n ? n : 1, sizeof(*s.seen));
	if (!s.seen || hold_request(BLKHOLD_CMD_HOLD_ADD, &args, &dev) ||
	    stack_hold_into(&args, &dev, &s)) {
		free(s.seen);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s.seen[i] || entry_is_top(active[i]) ||
		    !entry_in_stack(active[i], s.top_id, args.name))
			continue;
		s.differ++;
		fail(dev.path, "stored range %s sectors %" PRIu64 "-%" PRIu64 " of hold '%s' no longer carries the volume: the map changed since it was stored; the range stays held",
		     active[i]->identity, active[i]->start,
		     active[i]->start + active[i]->sectors - 1, args.name);
	}
	free(s.seen);
	c->placed++;
	if (s.differ)
		c->differ++;
	return s.differ ? -1 : 0;
}

/* Hold every stacked volume with a stored hold that is present and not held. */
int stack_restore(const struct entry **active, size_t n, struct stack_restore_count *c)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++)
		if (entry_is_top(active[i]) && restore_top(active[i], active, n, c))
			err = -1;
	return err;
}

/* For status: the ranges the store keeps for the hold @name on @dev. */
void stack_print_stored(const struct device *dev, const char *name)
{
	char top[BLKHOLD_IDENTITY_MAX + 1], path[4096 + 16];
	const struct entry **active;
	struct ledger l;
	size_t i, n;

	/* quiet when the store cannot be read: status needs no privilege */
	snprintf(path, sizeof(path), "%s/%s", store_dir(), LEDGER_FILE);
	if (stack_identity(dev, top, sizeof(top)) || access(path, R_OK) ||
	    ledger_open(&l, false))
		return;
	n = ledger_active(&l, &active);
	for (i = 0; i < n; i++)
		if (entry_is_beneath(active[i]) && entry_in_stack(active[i], top, name))
			printf("    beneath, stored: %s sectors %" PRIu64 "-%" PRIu64 "%s\n",
			       active[i]->identity, active[i]->start,
			       active[i]->start + active[i]->sectors - 1,
			       entry_is_meta(active[i]) ? " (md metadata: writes through nodes refused)" : "");
	free(active);
	ledger_close(&l);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Holds on stacked volumes. The kernel cannot read a device-mapper map
 * or an md layout (nothing that does is exported), so the CLI does: once
 * the hold on the top device is placed, its map is frozen (module/stack.c),
 * and the CLI reads each table with DM_TABLE_STATUS, as "dmsetup table"
 * does, and md's layout from sysfs, and holds the ranges beneath that
 * carry the data, level by level down to the disks. An md member's
 * superblock and bitmap are held at the node only: md keeps writing
 * them. Each is a hold derived from the top's, which releases them all
 * when it goes. If any level cannot be held, the top's hold is
 * released again and nothing stays held.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>
#include <netlink/attr.h>

#include "blkhold.h"
#include "hold.h"
#include "raid_layout.h"
#include "thin.h"

/* dm tables nest; more levels than this is a loop or a mistake. */
#define STACK_DEPTH_MAX 16

/* [start, +sectors) of the volume major:minor; node_only: bios pass. */
struct extent {
	unsigned int major, minor;
	uint64_t start, sectors;
	bool node_only;
};

/* What place() learnt of the last device it held a range of. */
struct leaf_facts {
	unsigned int major, minor;	/* 0:0: nothing yet */
	bool stacked;			/* a dm or md device */
	bool known;			/* @name and @diskseq read */
	char name[64];
	uint64_t diskseq;
};

struct stack_walk {
	const struct args *args;
	const struct device *top;
	const struct stack_leaf_sink *sink;	/* stored hold: disks' ranges go there */
	struct nl_conn conn;
	int control;		/* /dev/mapper/control */
	unsigned int placed;
	struct leaf_facts leaf;
};

static void sysfs_dir(unsigned int major, unsigned int minor, char *dir, size_t len)
{
	snprintf(dir, len, "/sys/dev/block/%u:%u", major, minor);
}

static bool has_sysfs(unsigned int major, unsigned int minor, const char *file)
{
	char dir[64], path[96];

	sysfs_dir(major, minor, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !access(path, F_OK);
}

bool stack_is_dm(const struct device *dev)
{
	return has_sysfs(dev->major, dev->minor, "dm/name");
}

bool stack_is_md(const struct device *dev)
{
	return has_sysfs(dev->major, dev->minor, "md/level");
}

/* The kernel name and diskseq of volume major:minor. */
static int volume_facts(const struct extent *e, char *name, size_t len,
			uint64_t *diskseq)
{
	char dir[64], link[96], target[256], parent[128];
	ssize_t n;

	sysfs_dir(e->major, e->minor, dir, sizeof(dir));
	n = readlink(dir, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	snprintf(name, len, "%s", strrchr(target, '/') + 1);
	snprintf(link, sizeof(link), "%s", dir);
	if (!read_sysfs_u64(link, "diskseq", diskseq))
		return 0;
	snprintf(parent, sizeof(parent), "%s/..", dir);
	return read_sysfs_u64(parent, "diskseq", diskseq);
}

/* DM_TABLE_STATUS of dm device major:minor, with @flags. Caller frees. */
static struct dm_ioctl *dm_query(int control, unsigned int major, unsigned int minor,
				 uint32_t flags)
{
	size_t size = 16384;
	struct dm_ioctl *dmi;

	for (;;) {
		dmi = calloc(1, size);
		if (!dmi)
			return NULL;
		dmi->version[0] = DM_VERSION_MAJOR;
		dmi->data_size = size;
		dmi->data_start = sizeof(*dmi);
		dmi->dev = makedev(major, minor);
		dmi->flags = flags;
		if (ioctl(control, DM_TABLE_STATUS, dmi)) {
			free(dmi);
			return NULL;
		}
		if (!(dmi->flags & DM_BUFFER_FULL_FLAG))
			return dmi;
		free(dmi);
		if (size >= (1U << 26)) {
			errno = E2BIG;
			return NULL;
		}
		size *= 4;
	}
}

/* Its table, as "dmsetup table" prints it. */
static struct dm_ioctl *dm_table(int control, unsigned int major, unsigned int minor)
{
	return dm_query(control, major, minor, DM_STATUS_TABLE_FLAG);
}

static int place(struct stack_walk *w, const struct extent *e);
static int walk_md(struct stack_walk *w, const struct extent *e, bool hold_self);
static int walk_dm(struct stack_walk *w, const struct extent *e, unsigned int depth);

static int lower_device(const char *token, unsigned int *major, unsigned int *minor)
{
	char extra;

	return sscanf(token, "%u:%u%c", major, minor, &extra) == 2 ? 0 : -1;
}

/* The size of the volume named by @token ("MAJ:MIN"), in sectors. */
static int token_sectors(const char *token, uint64_t *sectors)
{
	unsigned int major, minor;
	char dir[64];

	if (lower_device(token, &major, &minor))
		return -1;
	sysfs_dir(major, minor, dir, sizeof(dir));
	return read_sysfs_u64(dir, "size", sectors);
}

/* One level down: [@start, +@n) of the device @dev_token ("MAJ:MIN"). */
static int descend(struct stack_walk *w, unsigned int depth, const char *dev_token,
		   uint64_t start, uint64_t n)
{
	struct extent lower = { .start = start, .sectors = n };

	if (!n)
		return 0;
	if (lower_device(dev_token, &lower.major, &lower.minor)) {
		fail(w->top->path, "cannot read the device '%s' in a table beneath", dev_token);
		return -1;
	}
	/* an md array decides itself which of its range to hold */
	if (has_sysfs(lower.major, lower.minor, "md/level"))
		return walk_md(w, &lower, true);
	if (place(w, &lower))
		return -1;
	if (has_sysfs(lower.major, lower.minor, "dm/name"))
		return walk_dm(w, &lower, depth + 1);
	return 0;
}

/*
 * Stripe @i of @nr, chunks of @chunk sectors: the part of its own range
 * that carries the target's [@rel, +@n), as [*@lo, *@hi).
 */
static bool stripe_part(uint64_t rel, uint64_t n, uint64_t chunk, uint64_t nr,
			uint64_t i, uint64_t *lo, uint64_t *hi)
{
	uint64_t k0 = rel / chunk, k1 = (rel + n - 1) / chunk;
	uint64_t kf = k0 + (i + nr - k0 % nr) % nr;
	uint64_t kl = k1 - (k1 % nr + nr - i) % nr;
	uint64_t first, last;

	if (kf > k1 || kl < k0 || kl > k1)
		return false;
	first = kf == k0 ? rel : kf * chunk;
	last = kl == k1 ? rel + n - 1 : kl * chunk + chunk - 1;
	*lo = first / chunk / nr * chunk + first % chunk;
	*hi = last / chunk / nr * chunk + last % chunk + 1;
	return true;
}

static int map_striped(struct stack_walk *w, unsigned int depth, char **argv,
		       int argc, uint64_t rel, uint64_t n)
{
	uint64_t nr, chunk, i, lo, hi;

	if (argc < 2 || sscanf(argv[0], "%" SCNu64, &nr) != 1 ||
	    sscanf(argv[1], "%" SCNu64, &chunk) != 1 || !nr || !chunk ||
	    (uint64_t)argc < 2 + 2 * nr)
		return -2;
	for (i = 0; i < nr; i++) {
		uint64_t off;

		if (sscanf(argv[3 + 2 * i], "%" SCNu64, &off) != 1)
			return -2;
		if (stripe_part(rel, n, chunk, nr, i, &lo, &hi) &&
		    descend(w, depth, argv[2 + 2 * i], off + lo, hi - lo))
			return -1;
	}
	return 0;
}

/* LUKS keeps its header (key slots) before the data: without it the data is lost. */
static bool is_luks(const struct extent *e)
{
	char dir[64], uuid[160];

	sysfs_dir(e->major, e->minor, dir, sizeof(dir));
	return !read_sysfs(dir, "dm/uuid", uuid, sizeof(uuid)) &&
	       !strncmp(uuid, "CRYPT-LUKS", 10);
}

static int map_crypt(struct stack_walk *w, const struct extent *e, unsigned int depth,
		     char **argv, int argc, uint64_t rel, uint64_t n)
{
	uint64_t off;

	if (argc < 5 || sscanf(argv[4], "%" SCNu64, &off) != 1)
		return -2;
	if (is_luks(e) && descend(w, depth, argv[3], 0, off))
		return -1;
	return descend(w, depth, argv[3], off + rel, n);
}

/* Every path of a multipath map is the same disk, mapped 1:1. */
static int map_multipath(struct stack_walk *w, unsigned int depth, char **argv,
			 int argc, uint64_t abs, uint64_t n)
{
	unsigned int major, minor;
	int i, paths = 0;

	for (i = 0; i < argc; i++) {
		if (lower_device(argv[i], &major, &minor))
			continue;
		if (descend(w, depth, argv[i], abs, n))
			return -1;
		paths++;
	}
	return paths ? 0 : -2;
}

/* The thin pool @pool's metadata and data devices and block size. */
static int thin_pool_table(struct stack_walk *w, struct thin_pool *pool, char *data_dev,
			   size_t len, uint64_t *block, uint64_t *sectors)
{
	struct dm_target_spec *spec;
	struct dm_ioctl *dmi;
	char meta[32], data[32];
	bool ok = false;

	dmi = dm_table(w->control, pool->major, pool->minor);
	if (dmi && dmi->target_count == 1) {
		spec = (struct dm_target_spec *)((char *)dmi + dmi->data_start);
		ok = !strcmp(spec->target_type, "thin-pool") &&
		     sscanf((char *)(spec + 1), "%31s %31s %" SCNu64, meta, data, block) == 3 &&
		     *block && !lower_device(meta, &pool->meta_major, &pool->meta_minor);
		*sectors = spec->length;
		snprintf(data_dev, len, "%s", data);
	}
	free(dmi);
	if (!ok)
		fail(w->top->path, "cannot read the thin pool %u:%u beneath", pool->major,
		     pool->minor);
	return ok ? 0 : -1;
}

/* Of @runs, what carries [@rel, +@n) of the thin volume, on the pool's @data_dev. */
static int thin_descend(struct stack_walk *w, unsigned int depth, const char *data_dev,
			const struct thin_runs *runs, uint64_t block, uint64_t rel, uint64_t n)
{
	size_t i;

	for (i = 0; i < runs->nr; i++) {
		const struct thin_run *r = &runs->run[i];
		uint64_t lo = r->origin * block, hi = (r->origin + r->len) * block;

		lo = lo > rel ? lo : rel;
		hi = hi < rel + n ? hi : rel + n;
		if (lo < hi && descend(w, depth, data_dev, r->data * block + lo - r->origin * block,
				       hi - lo))
			return -1;
	}
	return 0;
}

/* What the external origin @token carries of a thin volume's [@rel, +@n). */
static int thin_external_origin(struct stack_walk *w, unsigned int depth, const char *token,
				uint64_t rel, uint64_t n)
{
	uint64_t sectors;

	if (token_sectors(token, &sectors)) {
		fail(w->top->path, "cannot read the external origin '%s' of a thin volume beneath",
		     token);
		return -1;
	}
	if (rel >= sectors)
		return 0;
	return descend(w, depth, token, rel, n < sectors - rel ? n : sectors - rel);
}

/*
 * A thin volume: the blocks it has mapped in its pool's data device, and
 * the pool device itself for its node only (every thin volume's bios go
 * through it), so that the pool's map is frozen too. Blocks it
 * has not mapped carry no data, and none can be mapped for it while it is
 * held: its writes are refused. With an external origin, an unmapped
 * block reads the origin's block at the same offset: the origin is held
 * over the part of [@rel, +@n) it covers.
 */
static int map_thin(struct stack_walk *w, unsigned int depth, char **argv, int argc,
		    uint64_t rel, uint64_t n)
{
	struct extent pool_range = { 0 };
	struct thin_runs runs = { 0 };
	struct thin_pool pool;
	char data_dev[32], why[256];
	uint64_t block;
	uint32_t dev_id;
	int err;

	if (argc < 2 || argc > 3 || lower_device(argv[0], &pool.major, &pool.minor) ||
	    sscanf(argv[1], "%" SCNu32, &dev_id) != 1)
		return -2;
	if (thin_pool_table(w, &pool, data_dev, sizeof(data_dev), &block, &pool_range.sectors))
		return -1;
	/* the pool device passes every thin volume's bios on: node only */
	pool_range.major = pool.major;
	pool_range.minor = pool.minor;
	pool_range.node_only = true;
	if (place(w, &pool_range))
		return -1;
	err = thin_mapped(w->control, &pool, dev_id, &runs, why, sizeof(why));
	if (err)
		fail(w->top->path, "cannot read what thin device %" PRIu32 " of pool %u:%u has mapped: %s",
		     dev_id, pool.major, pool.minor, why);
	else
		err = thin_descend(w, depth, data_dev, &runs, block, rel, n);
	thin_runs_free(&runs);
	if (!err && argc == 3)
		err = thin_external_origin(w, depth, argv[2], rel, n);
	return err ? -1 : 0;
}

/* The status line of the only target of dm device @e, in @buf. */
static int dm_target_status(struct stack_walk *w, const struct extent *e, char *buf, size_t len)
{
	struct dm_ioctl *dmi = dm_query(w->control, e->major, e->minor, 0);
	struct dm_target_spec *spec;
	int err = -1;

	if (dmi && dmi->target_count == 1) {
		spec = (struct dm_target_spec *)((char *)dmi + dmi->data_start);
		snprintf(buf, len, "%s", (char *)(spec + 1));
		err = 0;
	}
	free(dmi);
	return err;
}

/*
 * dm-raid must be in sync with every leg alive: a resync's writes into a
 * held image would be refused, and dm-raid would fail the leg. While it
 * is held, the sync actions that write ("repair", "recover") are refused
 * messages (module/stack.c).
 */
static int raid_check_idle(struct stack_walk *w, const struct extent *e)
{
	char status[256], health[64], action[32];
	unsigned int ndevs;

	if (dm_target_status(w, e, status, sizeof(status)) ||
	    sscanf(status, "%*s %u %63s %*s %31s", &ndevs, health, action) != 3) {
		fail(w->top->path, "cannot read the status of dm-raid %u:%u", e->major, e->minor);
		return -1;
	}
	if (strspn(health, "A") != strlen(health) ||
	    (strcmp(action, "idle") && strcmp(action, "frozen"))) {
		fail(w->top->path, "dm-raid %u:%u is not in sync and idle (%s, %s): wait until it is",
		     e->major, e->minor, health, action);
		return -1;
	}
	return 0;
}

/* dm-raid's table: level, parameters, then a metadata and a data device per leg. */
struct raid_table {
	const char *level;
	uint64_t chunk;		/* the first parameter, in sectors */
	uint64_t data_offset;
	uint64_t copies;	/* raid10_copies, 2 unless given */
	const char *format;	/* raid10_format, "near" unless given */
	uint64_t ndevs;
	char **legs;		/* meta0 data0 meta1 data1 ... ("-" when absent) */
};

static int raid_parse(char **argv, int argc, struct raid_table *t)
{
	uint64_t nparams, i;

	if (argc < 3 || sscanf(argv[1], "%" SCNu64, &nparams) != 1 || !nparams ||
	    (uint64_t)argc < 3 + nparams || sscanf(argv[2 + nparams], "%" SCNu64, &t->ndevs) != 1 ||
	    (uint64_t)argc < 3 + nparams + 2 * t->ndevs ||
	    sscanf(argv[2], "%" SCNu64, &t->chunk) != 1)
		return -2;
	t->level = argv[0];
	t->copies = 2;
	t->format = "near";
	for (i = 1; i + 1 < nparams; i++) {
		const char *key = argv[2 + i], *value = argv[3 + i];

		if ((!strcmp(key, "data_offset") &&
		     sscanf(value, "%" SCNu64, &t->data_offset) != 1) ||
		    (!strcmp(key, "raid10_copies") &&
		     sscanf(value, "%" SCNu64, &t->copies) != 1))
			return -2;
		if (!strcmp(key, "raid10_format"))
			t->format = value;
	}
	t->legs = argv + 3 + nparams;
	return 0;
}

/*
 * Which part of each leg's data carries the target's [@rel, +@n): the
 * part itself on raid1; whole rows of the striped levels, and each leg's
 * own chunks of raid10's near layout, as for an md array (raid_layout.h).
 * The part is rounded out on the dm-raid device too, and held there: a
 * neighbour's write into a shared row is refused before it becomes leg
 * writes, one of which, refused beneath, would fail the leg.
 */
static int raid_part_of(struct stack_walk *w, const struct extent *e, const struct raid_table *t,
			struct raid_part *part, uint64_t rel, uint64_t n)
{
	struct extent rounded = { .major = e->major, .minor = e->minor, .start = rel, .sectors = n };
	int parity = raid_parity(t->level);

	if (!strcmp(t->level, "raid1")) {
		raid_part_mirror(part, rel, n);
		return 0;
	}
	if (parity >= 0) {
		if (raid_part_rows(part, t->chunk, t->ndevs, parity, &rounded.start, &rounded.sectors))
			return -2;
	} else if (!strcmp(t->level, "raid10") && !strcmp(t->format, "near") &&
		   t->copies && t->chunk) {
		raid_part_near(part, t->copies, t->ndevs, t->chunk, &rounded.start, &rounded.sectors);
	} else {
		fail(w->top->path, "a part of a dm-raid '%s' volume lies beneath (dm %u:%u): only raid0, raid1, raid4, raid5, raid6 and raid10 (near) can be held in parts yet",
		     t->level, e->major, e->minor);
		return -1;
	}
	if (rounded.start == rel && rounded.sectors == n)
		return 0;
	return place(w, &rounded);
}

/* The runs of leg @i's data device that carry the volume: how many. */
static int raid_leg_runs(const struct raid_table *t, const struct raid_part *part, uint64_t i,
			 const char *data_dev, struct raid_run *runs)
{
	unsigned int j, n;
	uint64_t size;

	if (!part->whole) {
		n = raid_member_runs(part, i, runs);
		for (j = 0; j < n; j++)
			runs[j].first += t->data_offset;
		return n;
	}
	if (token_sectors(data_dev, &size) || size < t->data_offset)
		return -2;
	runs[0] = (struct raid_run){ t->data_offset, size - t->data_offset };
	return 1;
}

/*
 * dm-raid, as LVM's raid LVs use it. Each leg's data device holds what
 * raid_leg_runs() says; each leg's metadata device (md's superblock and
 * bitmap, which dm-raid keeps writing) is held at its node only, as for
 * an md member. The target must start the device (LVM's raid LVs do).
 */
static int map_raid(struct stack_walk *w, const struct extent *e, unsigned int depth,
		    struct dm_target_spec *spec, char **argv, int argc, uint64_t rel, uint64_t n)
{
	struct raid_table t = { 0 };
	struct raid_part part = { .whole = !rel && n == spec->length };
	struct extent meta = { .node_only = true };
	int err = raid_parse(argv, argc, &t);
	uint64_t i;

	if (err)
		return err;
	if (spec->sector_start && !part.whole) {
		fail(w->top->path, "a part of a dm-raid target not at the start of dm %u:%u lies beneath: not supported",
		     e->major, e->minor);
		return -1;
	}
	if (raid_check_idle(w, e))
		return -1;
	part.level = t.level;
	if (!part.whole) {
		err = raid_part_of(w, e, &t, &part, rel, n);
		if (err)
			return err;
	}
	for (i = 0; i < t.ndevs; i++) {
		const char *meta_dev = t.legs[2 * i], *data_dev = t.legs[2 * i + 1];
		struct raid_run runs[RAID_RUNS_MAX];
		int j, nr = 0;

		if (strcmp(data_dev, "-"))
			nr = raid_leg_runs(&t, &part, i, data_dev, runs);
		if (nr < 0)
			return nr;
		for (j = 0; j < nr; j++)
			if (descend(w, depth, data_dev, runs[j].first, runs[j].count))
				return -1;
		if (!strcmp(meta_dev, "-"))
			continue;
		if (lower_device(meta_dev, &meta.major, &meta.minor) ||
		    token_sectors(meta_dev, &meta.sectors))
			return -2;
		if (place(w, &meta))
			return -1;
	}
	return 0;
}

/* Is dm device @token ("MAJ:MIN") the origin of the snapshots on @real? */
static bool is_origin_of(struct stack_walk *w, const char *token, const char *real,
			 uint64_t *sectors)
{
	struct dm_target_spec *spec;
	unsigned int major, minor;
	struct dm_ioctl *dmi;
	char lower[32];
	bool origin = false;

	if (lower_device(token, &major, &minor))
		return false;
	dmi = dm_table(w->control, major, minor);
	if (dmi && dmi->target_count == 1) {
		spec = (struct dm_target_spec *)((char *)dmi + dmi->data_start);
		origin = !strcmp(spec->target_type, "snapshot-origin") &&
			 sscanf((char *)(spec + 1), "%31s", lower) == 1 && !strcmp(lower, real);
		*sectors = spec->length;
	}
	free(dmi);
	return origin;
}

/*
 * Hold, whole, the origin device over @real: a write to it would copy the
 * chunk it changes into every snapshot's COW device first, and a held
 * snapshot's COW device is held; the write would invalidate the snapshot.
 */
static int hold_origin(struct stack_walk *w, unsigned int depth, const char *real)
{
	char dir[64], holders[96], holder[128 + 256], token[32];
	unsigned int major, minor, origins = 0;
	uint64_t sectors;
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (lower_device(real, &major, &minor))
		return -2;
	sysfs_dir(major, minor, dir, sizeof(dir));
	snprintf(holders, sizeof(holders), "%s/holders", dir);
	d = opendir(holders);
	while (d && !err && (de = readdir(d))) {
		snprintf(holder, sizeof(holder), "%s/%s", holders, de->d_name);
		if (de->d_name[0] == '.' || read_sysfs(holder, "dev", token, sizeof(token)) ||
		    !is_origin_of(w, token, real, &sectors))
			continue;
		err = descend(w, depth, token, 0, sectors);
		origins++;
	}
	if (d)
		closedir(d);
	if (!err && !origins) {
		fail(w->top->path, "cannot find the origin of a snapshot beneath (over dm %s)", real);
		return -1;
	}
	return err ? -1 : 0;
}

/*
 * A snapshot (LVM's non-thin snapshots): a chunk it shares with its origin
 * lies on the origin's device, one it changed or that the origin changed
 * since, on its COW device, which the snapshot's exception table maps.
 * Held: the COW device whole, and the origin whole (hold_origin()).
 */
static int map_snapshot(struct stack_walk *w, unsigned int depth, char **argv, int argc)
{
	uint64_t cow_sectors;
	int err;

	if (argc < 4 || token_sectors(argv[1], &cow_sectors))
		return -2;
	err = hold_origin(w, depth, argv[0]);
	if (err)
		return err;
	return descend(w, depth, argv[1], 0, cow_sectors);
}

/* Split @params into words, in place. */
static int split_words(char *params, char **argv, int max)
{
	int argc = 0;
	char *save, *word;

	for (word = strtok_r(params, " \t", &save); word && argc < max;
	     word = strtok_r(NULL, " \t", &save))
		argv[argc++] = word;
	return word ? -1 : argc;
}

/*
 * dm-mirror (LVM's "mirror" LVs) must be in sync with every leg alive, as
 * dm-raid must: its status is "<#legs> <leg>... <in sync>/<regions> 1
 * <health> ...".
 */
static int mirror_check_sync(struct stack_walk *w, const struct extent *e)
{
	char status[512], *argv[64], health[64] = "?";
	uint64_t legs, synced = 0, regions = 1;
	int argc;

	if (dm_target_status(w, e, status, sizeof(status)) ||
	    (argc = split_words(status, argv, 64)) < 1 ||
	    sscanf(argv[0], "%" SCNu64, &legs) != 1 || (uint64_t)argc < legs + 4 ||
	    sscanf(argv[legs + 1], "%" SCNu64 "/%" SCNu64, &synced, &regions) != 2) {
		fail(w->top->path, "cannot read the status of dm-mirror %u:%u", e->major, e->minor);
		return -1;
	}
	snprintf(health, sizeof(health), "%s", argv[legs + 3]);
	if (synced != regions || strspn(health, "A") != strlen(health)) {
		fail(w->top->path, "dm-mirror %u:%u is not in sync with every leg alive (%" PRIu64 "/%" PRIu64 ", %s): wait until it is",
		     e->major, e->minor, synced, regions, health);
		return -1;
	}
	return 0;
}

/*
 * dm-mirror: every leg carries the range at its offset. A disk log (the
 * regions in sync, which dm-mirror keeps writing) is held at its node only.
 */
static int map_mirror(struct stack_walk *w, const struct extent *e, unsigned int depth,
		      char **argv, int argc, uint64_t rel, uint64_t n)
{
	struct extent log = { .node_only = true };
	uint64_t nlog, legs, i, off;
	char **leg;

	if (argc < 3 || sscanf(argv[1], "%" SCNu64, &nlog) != 1 || (uint64_t)argc < 3 + nlog ||
	    sscanf(argv[2 + nlog], "%" SCNu64, &legs) != 1 || (uint64_t)argc < 3 + nlog + 2 * legs)
		return -2;
	if (strcmp(argv[0], "core") && strcmp(argv[0], "disk")) {
		fail(w->top->path, "a dm-mirror with a '%s' log lies beneath (dm %u:%u): not supported",
		     argv[0], e->major, e->minor);
		return -1;
	}
	if (mirror_check_sync(w, e))
		return -1;
	if (!strcmp(argv[0], "disk")) {
		if (nlog < 1 || lower_device(argv[2], &log.major, &log.minor) ||
		    token_sectors(argv[2], &log.sectors))
			return -2;
		if (place(w, &log))
			return -1;
	}
	leg = argv + 3 + nlog;
	for (i = 0; i < legs; i++) {
		if (sscanf(leg[2 * i + 1], "%" SCNu64, &off) != 1)
			return -2;
		if (descend(w, depth, leg[2 * i], off + rel, n))
			return -1;
	}
	return 0;
}

/* The part [@rel, +@n) of the target @spec of dm device @e. */
static int map_target(struct stack_walk *w, const struct extent *e, unsigned int depth,
		      struct dm_target_spec *spec, uint64_t rel, uint64_t n)
{
	const char *type = spec->target_type;
	char *params = (char *)(spec + 1);
	char *argv[512];
	uint64_t off;
	int argc = split_words(params, argv, 512), err = -2;

	if (argc < 0) {
		fail(w->top->path, "a '%s' table beneath is too long to read", type);
		return -1;
	}
	if (!strcmp(type, "linear")) {
		if (argc >= 2 && sscanf(argv[1], "%" SCNu64, &off) == 1)
			err = descend(w, depth, argv[0], off + rel, n);
	} else if (!strcmp(type, "striped")) {
		err = map_striped(w, depth, argv, argc, rel, n);
	} else if (!strcmp(type, "crypt")) {
		err = map_crypt(w, e, depth, argv, argc, rel, n);
	} else if (!strcmp(type, "thin")) {
		err = map_thin(w, depth, argv, argc, rel, n);
	} else if (!strcmp(type, "raid")) {
		err = map_raid(w, e, depth, spec, argv, argc, rel, n);
	} else if (!strcmp(type, "mirror")) {
		err = map_mirror(w, e, depth, argv, argc, rel, n);
	} else if (!strcmp(type, "snapshot-origin")) {
		if (argc >= 1)
			err = descend(w, depth, argv[0], rel, n);
	} else if (!strcmp(type, "snapshot")) {
		err = map_snapshot(w, depth, argv, argc);
	} else if (!strcmp(type, "multipath")) {
		err = map_multipath(w, depth, argv, argc, spec->sector_start + rel, n);
	} else if (!strcmp(type, "zero") || !strcmp(type, "error")) {
		err = 0;	/* no data beneath */
	} else {
		fail(w->top->path, "cannot hold what lies beneath a '%s' target yet (dm %u:%u)",
		     type, e->major, e->minor);
		return -1;
	}
	if (err == -2)
		fail(w->top->path, "cannot read a '%s' table beneath (dm %u:%u)",
		     type, e->major, e->minor);
	return err ? -1 : 0;
}

/* Hold what carries [e->start, +e->sectors) of dm device @e. */
static int walk_dm(struct stack_walk *w, const struct extent *e, unsigned int depth)
{
	uint64_t end = e->start + e->sectors;
	struct dm_target_spec *spec;
	struct dm_ioctl *dmi;
	uint32_t i, next = 0;
	int err = 0;

	if (depth > STACK_DEPTH_MAX) {
		fail(w->top->path, "device-mapper devices nest deeper than %d levels", STACK_DEPTH_MAX);
		return -1;
	}
	dmi = dm_table(w->control, e->major, e->minor);
	if (!dmi) {
		fail(w->top->path, "cannot read the table of dm %u:%u: %s", e->major, e->minor,
		     strerror(errno));
		return -1;
	}
	for (i = 0; i < dmi->target_count && !err; i++) {
		uint64_t from, to;

		spec = (struct dm_target_spec *)((char *)dmi + dmi->data_start + next);
		next = spec->next;
		from = spec->sector_start > e->start ? spec->sector_start : e->start;
		to = spec->sector_start + spec->length < end ?
		     spec->sector_start + spec->length : end;
		if (from < to)
			err = map_target(w, e, depth, spec, from - spec->sector_start, to - from);
	}
	free(dmi);
	return err;
}

/*
 * The facts of @e's device, read once for a run of its ranges: a thin or
 * fragmented LV has thousands on one disk, and the walk holds them in turn.
 */
static struct leaf_facts *leaf_facts(struct stack_walk *w, const struct extent *e)
{
	struct leaf_facts *f = &w->leaf;

	if (f->major == e->major && f->minor == e->minor && (f->major || f->minor))
		return f;
	memset(f, 0, sizeof(*f));
	f->major = e->major;
	f->minor = e->minor;
	f->stacked = has_sysfs(e->major, e->minor, "dm/name") ||
		     has_sysfs(e->major, e->minor, "md/level");
	f->known = !volume_facts(e, f->name, sizeof(f->name), &f->diskseq);
	return f;
}

/*
 * A hold on @e derived from the top's. For a stored hold, a range on a
 * disk is a stored hold of its own instead (stack_store.c): the disk
 * comes back at boot before the stack above it does.
 */
static int place(struct stack_walk *w, const struct extent *e)
{
	struct leaf_facts *f = leaf_facts(w, e);
	const char *name = f->name;
	uint64_t diskseq = f->diskseq;
	char errmsg[256];
	struct nl_msg *msg;
	int err;

	if (w->sink && !f->stacked)
		return w->sink->leaf(w->sink->ctx, e->major, e->minor, e->start,
				     e->sectors, e->node_only);

	if (!f->known) {
		fail(w->top->path, "the device %u:%u beneath is not known to the kernel",
		     e->major, e->minor);
		return -1;
	}
	msg = conn_request(&w->conn, BLKHOLD_CMD_HOLD_ADD, 0);
	if (!msg || nla_put_u32(msg, BLKHOLD_A_MAJOR, e->major) ||
	    nla_put_u32(msg, BLKHOLD_A_MINOR, e->minor) ||
	    nla_put_u64(msg, BLKHOLD_A_DISKSEQ, diskseq) ||
	    nla_put_string(msg, BLKHOLD_A_NAME, w->args->name) ||
	    nla_put_u64(msg, BLKHOLD_A_START, e->start) ||
	    nla_put_u64(msg, BLKHOLD_A_SECTORS, e->sectors) ||
	    nla_put_u32(msg, BLKHOLD_A_ROOT_MAJOR, w->top->major) ||
	    nla_put_u32(msg, BLKHOLD_A_ROOT_MINOR, w->top->minor) ||
	    nla_put_u64(msg, BLKHOLD_A_ROOT_DISKSEQ, w->top->diskseq) ||
	    (e->node_only && nla_put_flag(msg, BLKHOLD_A_NODE_ONLY)) ||
	    nla_put_flag(msg, BLKHOLD_A_DRAIN_LATER)) {
		nlmsg_free(msg);
		fail(w->top->path, "out of memory");
		return -1;
	}
	err = conn_transact(&w->conn, msg, NULL, NULL, errmsg, sizeof(errmsg));
	if (err) {
		fail(w->top->path, "cannot hold %s sectors %" PRIu64 "-%" PRIu64 " beneath: %s",
		     name, e->start, e->start + e->sectors - 1,
		     errmsg[0] ? errmsg : strerror(-err));
		return -1;
	}
	w->placed++;
	return 0;
}

/* ---- md ---- */

static int md_attr(const struct extent *e, const char *attr, char *buf, size_t len)
{
	char dir[64];

	sysfs_dir(e->major, e->minor, dir, sizeof(dir));
	return read_sysfs(dir, attr, buf, len);
}

static int md_attr_u64(const struct extent *e, const char *attr, uint64_t *value)
{
	char dir[64];

	sysfs_dir(e->major, e->minor, dir, sizeof(dir));
	return read_sysfs_u64(dir, attr, value);
}

/*
 * An array blkhold can hold: not reshaping, not resyncing (a resync writes
 * the members, and must not be refused half-way), metadata md writes
 * itself. Then its resync is frozen: nothing but the array's own metadata
 * writes to the members while it is held.
 */
static int md_freeze(struct stack_walk *w, const struct extent *e)
{
	char dir[64], path[96], value[64];
	int fd;

	if (!md_attr(e, "md/metadata_version", value, sizeof(value)) &&
	    !strncmp(value, "external", 8)) {
		fail(w->top->path, "md %u:%u has external metadata (IMSM, DDF): not supported",
		     e->major, e->minor);
		return -1;
	}
	if (!md_attr(e, "md/reshape_position", value, sizeof(value)) && strcmp(value, "none")) {
		fail(w->top->path, "md %u:%u is reshaping: wait until it is done", e->major, e->minor);
		return -1;
	}
	/* linear and raid0 have no resync, and no sync_action */
	if (!has_sysfs(e->major, e->minor, "md/sync_action"))
		return 0;
	if (md_attr(e, "md/sync_action", value, sizeof(value))) {
		fail(w->top->path, "cannot read the sync action of md %u:%u", e->major, e->minor);
		return -1;
	}
	if (strcmp(value, "idle") && strcmp(value, "frozen")) {
		fail(w->top->path, "md %u:%u is busy (%s): wait until it is idle",
		     e->major, e->minor, value);
		return -1;
	}
	sysfs_dir(e->major, e->minor, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/md/sync_action", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "frozen", 6) != 6) {
		fail(w->top->path, "cannot freeze the resync of md %u:%u: %s", e->major, e->minor,
		     strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Runs of a member's data area (from @offset, @data_sectors long), and its
 * metadata around the data area for the node only.
 */
static int md_member(struct stack_walk *w, const char *member, const struct raid_run *runs,
		     unsigned int nr, uint64_t offset, uint64_t data_sectors)
{
	char path[PATH_MAX + 8], devnum[32];	/* member, then "/block" */
	struct extent e = { 0 };
	uint64_t total;
	unsigned int i;

	snprintf(path, sizeof(path), "%s/block", member);
	if (read_sysfs(path, "dev", devnum, sizeof(devnum)) ||
	    lower_device(devnum, &e.major, &e.minor) ||
	    read_sysfs_u64(path, "size", &total)) {
		fail(w->top->path, "cannot read md member %s", member);
		return -1;
	}
	/*
	 * A member that is itself a dm device (LUKS, multipath) is held
	 * down to its disks too; its metadata only at its node: beneath,
	 * md's own writes would be bios like any other. A raid10 member
	 * may carry none of a part.
	 */
	for (i = 0; i < nr; i++) {
		e.start = offset + runs[i].first;
		e.sectors = runs[i].count;
		if (place(w, &e) ||
		    (has_sysfs(e.major, e.minor, "dm/name") && walk_dm(w, &e, 1)))
			return -1;
	}
	e.node_only = true;
	e.start = 0;
	e.sectors = offset;
	if (offset && place(w, &e))
		return -1;
	e.start = offset + data_sectors;
	e.sectors = total - e.start;
	return total > e.start ? place(w, &e) : 0;
}

/* The chunk size and member count of md array @e, and its layout word. */
static int md_geometry(struct stack_walk *w, const struct extent *e, uint64_t *chunk,
		       uint64_t *disks, uint64_t *layout)
{
	uint64_t chunk_bytes;

	if (md_attr_u64(e, "md/chunk_size", &chunk_bytes) ||
	    md_attr_u64(e, "md/raid_disks", disks) ||
	    md_attr_u64(e, "md/layout", layout) ||
	    chunk_bytes < 512 || !*disks) {
		fail(w->top->path, "cannot read the layout of md %u:%u", e->major, e->minor);
		return -1;
	}
	*chunk = chunk_bytes / 512;
	return 0;
}

/*
 * raid10: md's layout word is near copies, far copies << 8, the offset
 * flag (1 << 16) and, from bit 17, far sets, which only dm-raid makes.
 */
static int md_raid10_part(struct stack_walk *w, struct extent *e, struct raid_part *part,
			  uint64_t chunk, uint64_t disks, uint64_t layout)
{
	uint64_t near = layout & 0xff, far = (layout >> 8) & 0xff, dev_kib;

	/* mdadm makes near, far or offset layouts, never two at once */
	if ((layout >> 17) || (near > 1 && far > 1) || far > RAID_FAR_MAX) {
		fail(w->top->path, "part of md %u:%u lies beneath, a raid10 of layout %#" PRIx64 " (far sets, near and far copies at once, or more than %d far copies): not supported",
		     e->major, e->minor, layout, RAID_FAR_MAX);
		return -1;
	}
	if (md_attr_u64(e, "md/component_size", &dev_kib) ||
	    raid_part_raid10(part, near, far, layout & 0x10000, disks, chunk,
			     dev_kib * 2 / chunk, &e->start, &e->sectors)) {
		fail(w->top->path, "cannot read the layout of md %u:%u (raid10, layout %#" PRIx64 ")",
		     e->major, e->minor, layout);
		return -1;
	}
	return 0;
}

/*
 * Which part of each member carries [e->start, +e->sectors); may round @e
 * out. Rounding the part out on the array as well refuses a neighbour's
 * write to a shared row before md turns it into member writes, one of
 * which, refused beneath, would fail the member.
 */
static int md_part_of(struct stack_walk *w, struct extent *e, struct raid_part *part)
{
	uint64_t array_sectors = 0, chunk, disks, layout;
	int parity = raid_parity(part->level);

	md_attr_u64(e, "size", &array_sectors);
	part->whole = !e->start && e->sectors >= array_sectors;
	if (part->whole)
		return 0;
	if (!strcmp(part->level, "raid1")) {
		raid_part_mirror(part, e->start, e->sectors);
		return 0;
	}
	if (!strcmp(part->level, "linear")) {
		raid_part_linear(part, e->start, e->sectors);
		return 0;
	}
	if (parity < 0 && strcmp(part->level, "raid10")) {
		fail(w->top->path, "part of md %u:%u (%s) lies beneath: only linear, raid0, raid1, raid4, raid5, raid6 and raid10 can be held in parts yet",
		     e->major, e->minor, part->level);
		return -1;
	}
	if (md_geometry(w, e, &chunk, &disks, &layout))
		return -1;
	if (parity >= 0 && !raid_part_rows(part, chunk, disks, parity, &e->start, &e->sectors))
		return 0;
	if (parity >= 0) {
		fail(w->top->path, "cannot read the layout of md %u:%u", e->major, e->minor);
		return -1;
	}
	return md_raid10_part(w, e, part, chunk, disks, layout);
}

/*
 * md linear: where each member's data starts on the array, by slot: the
 * members' sizes one after another (md-linear.c). NULL on failure.
 */
static uint64_t *md_linear_starts(struct stack_walk *w, const struct extent *e,
				  const char *mddir, uint64_t *nr_disks)
{
	char member[PATH_MAX];
	uint64_t disks, slot, kib, *starts = NULL, *sizes, i;
	struct dirent *d;
	DIR *md = NULL;

	if (md_attr_u64(e, "md/raid_disks", &disks) || !disks || disks > 4096 ||
	    !(sizes = calloc(disks + 1, sizeof(*sizes))))
		goto fail;
	md = opendir(mddir);
	while (md && (d = readdir(md))) {
		if (strncmp(d->d_name, "dev-", 4))
			continue;
		snprintf(member, sizeof(member), "%s/%s", mddir, d->d_name);
		if (read_sysfs_u64(member, "slot", &slot) || slot >= disks ||
		    read_sysfs_u64(member, "size", &kib))
			continue;	/* a spare; a missing slot fails below */
		sizes[slot + 1] = kib * 2;
	}
	if (md) {
		closedir(md);
		starts = sizes;
		for (i = 1; i <= disks && starts; i++)
			if (!sizes[i])
				starts = NULL;
		for (i = 1; i <= disks && starts; i++)
			starts[i] += starts[i - 1];
	}
	if (starts) {
		*nr_disks = disks;
		return starts;
	}
	free(sizes);
fail:
	fail(w->top->path, "cannot read the members of md %u:%u (linear)", e->major, e->minor);
	return NULL;
}

/* raid0 of members of different sizes is zones, not rows. */
static int md_check_member(struct stack_walk *w, const struct extent *e,
			   const struct raid_part *part, uint64_t kib, uint64_t *first_kib)
{
	if (!part->rows || strcmp(part->level, "raid0"))
		return 0;
	if (!*first_kib)
		*first_kib = kib;
	if (kib == *first_kib)
		return 0;
	fail(w->top->path, "part of md %u:%u lies beneath, a raid0 of members of different sizes: not supported",
	     e->major, e->minor);
	return -1;
}

/*
 * Hold what carries [e->start, +e->sectors) of md array @e on its members,
 * and, if @hold_self, that range of the array itself. A whole array:
 * every member's whole data area, whatever the layout. A part of one:
 * raid1, where every member carries every sector, or whole rows of the
 * striped levels.
 */
static int walk_md(struct stack_walk *w, const struct extent *range, bool hold_self)
{
	char dir[64], mddir[96], member[PATH_MAX], level[32], slot[32];
	struct raid_part part = { .level = level };
	uint64_t offset, kib, first_kib = 0, slot_nr = 0;
	struct raid_run runs[RAID_RUNS_MAX];
	uint64_t *starts = NULL;
	struct extent e = *range;
	unsigned int nr;
	struct dirent *d;
	DIR *md;
	int err = 0;

	if (md_attr(&e, "md/level", level, sizeof(level))) {
		fail(w->top->path, "cannot read the level of md %u:%u", e.major, e.minor);
		return -1;
	}
	if (md_part_of(w, &e, &part) || md_freeze(w, &e) || (hold_self && place(w, &e)))
		return -1;
	sysfs_dir(e.major, e.minor, dir, sizeof(dir));
	snprintf(mddir, sizeof(mddir), "%s/md", dir);
	if (part.linear && !part.whole &&
	    !(starts = md_linear_starts(w, &e, mddir, &part.disks)))
		return -1;
	md = opendir(mddir);
	if (!md) {
		fail(w->top->path, "cannot read %s: %s", mddir, strerror(errno));
		free(starts);
		return -1;
	}
	while (!err && (d = readdir(md))) {
		if (strncmp(d->d_name, "dev-", 4))
			continue;
		snprintf(member, sizeof(member), "%s/%s", mddir, d->d_name);
		/* a spare carries no data, and stays a spare while held */
		if (!read_sysfs(member, "slot", slot, sizeof(slot)) && !strcmp(slot, "none"))
			continue;
		if (read_sysfs_u64(member, "offset", &offset) ||
		    read_sysfs_u64(member, "size", &kib) ||
		    ((part.copies || starts) && (read_sysfs_u64(member, "slot", &slot_nr) ||
					       slot_nr >= part.disks))) {
			fail(w->top->path, "cannot read md member %s", member);
			err = -1;
			break;
		}
		if (part.whole) {
			runs[0] = (struct raid_run){ 0, kib * 2 };
			nr = 1;
		} else if (starts) {
			nr = raid_linear_runs(&part, starts[slot_nr], kib * 2, runs);
		} else {
			nr = raid_member_runs(&part, slot_nr, runs);
		}
		err = md_check_member(w, &e, &part, kib, &first_kib);
		if (!err)
			err = md_member(w, member, runs, nr, offset, kib * 2);
	}
	closedir(md);
	free(starts);
	return err;
}

/* A table staged before the hold would replace the map at the next resume. */
static void clear_staged_table(struct stack_walk *w, const struct device *dev)
{
	struct dm_ioctl dmi = {
		.version = { DM_VERSION_MAJOR },
		.data_size = sizeof(dmi),
		.data_start = sizeof(dmi),
		.dev = makedev(dev->major, dev->minor),
	};

	if (!ioctl(w->control, DM_TABLE_STATUS, &dmi) &&
	    (dmi.flags & DM_INACTIVE_PRESENT_FLAG)) {
		warn(dev->path, "clearing the table staged for its next resume");
		ioctl(w->control, DM_TABLE_CLEAR, &dmi);
	}
}

/*
 * Every range was placed without waiting for the writes in flight to it:
 * wait once for all of them (one RCU Tasks grace period, not one per
 * range: a thin LV can have thousands).
 */
static int stack_drain(struct stack_walk *w)
{
	char errmsg[256];

	if (!records_drain(&w->conn, errmsg, sizeof(errmsg)))
		return 0;
	fail(w->top->path, "cannot wait for the writes in flight beneath to drain: %s", errmsg);
	return -1;
}

/* ---- loop: the backing file's extents on the filesystem's device ---- */

static int loop_extent(void *arg, unsigned int fs_major, unsigned int fs_minor,
		       uint64_t start, uint64_t sectors)
{
	char token[32];

	snprintf(token, sizeof(token), "%u:%u", fs_major, fs_minor);
	return descend(arg, 0, token, start, sectors);
}

static int walk_loop(struct stack_walk *w)
{
	char why[4200];

	if (!loop_extents(w->top, loop_extent, w, why, sizeof(why)))
		return 0;
	fail(w->top->path, "%s: hold the disk under it, or only this device with --device-only",
	     why);
	return -1;
}

/*
 * The top device @dev is held: hold what lies beneath. On failure the
 * top's hold is released, which releases what was placed here.
 */
int stack_hold(const struct args *args, const struct device *dev,
	       const struct stack_leaf_sink *sink)
{
	struct stack_walk w = { .args = args, .top = dev, .sink = sink };
	struct extent top = { .major = dev->major, .minor = dev->minor, .sectors = dev->sectors };
	int err = -1;

	w.control = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (w.control < 0 && stack_is_dm(dev)) {
		fail(dev->path, "cannot open /dev/mapper/control: %s", strerror(errno));
	} else if (!conn_open(&w.conn, dev->path)) {
		if (loop_is(dev)) {
			err = walk_loop(&w);
		} else if (stack_is_md(dev)) {
			err = walk_md(&w, &top, false);
		} else {
			clear_staged_table(&w, dev);
			err = walk_dm(&w, &top, 0);
		}
		if (!err)
			err = stack_drain(&w);
		conn_close(&w.conn);
	}
	if (w.control >= 0)
		close(w.control);
	if (err) {
		struct args undo = *args;

		undo.reason = "not placed: a level beneath could not be held";
		if (hold_request(BLKHOLD_CMD_HOLD_DEL, &undo, dev))
			warn(dev->path, "the hold stays, with %u ranges beneath", w.placed);
	}
	return err;
}

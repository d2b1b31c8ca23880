// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O path's index of held ranges. A stacked volume can hold thousands
 * of ranges of one disk (the runs a thin LV has mapped, a fragmented LV's
 * extents), each a volume of its own; every bio of that disk would walk
 * them all. So each disk with held volumes has their ranges in an array
 * sorted by start, searched by bisection under RCU. An array is never
 * changed once published: every change of the disk's volumes (under
 * bh_lock) publishes a new one. Without memory for it the disk's volumes
 * are walked as before, until a later change builds one. A disk with many
 * volumes is walked for a moment after a change too: its array is rebuilt
 * at most once a tenth of a second during a run of changes (a stacked hold
 * places or releases thousands of ranges, one request each), not once a
 * change.
 */
#include "blkhold.h"
#include "spans.h"

#include <linux/async.h>
#include <linux/hash.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/*
 * Up to this many volumes, a disk's array is rebuilt as it changes; above,
 * at most BH_SPANS_SETTLE after a change, or at the next drain.
 */
#define BH_SPANS_REBUILD_NOW	32
#define BH_SPANS_SETTLE		(HZ / 10)

struct bh_span {
	sector_t start;
	sector_t end;
	sector_t reach;		/* the furthest end of this span and those before */
	struct bh_volume *vol;
};

/*
 * @first and @reach bound every span: a request outside them, the common
 * case for a disk's other tenants, is answered without a search. Inside,
 * @slice narrows the search: the span starts from @first on are cut into
 * @nr_slices slices of 2^@shift sectors, no more slices than spans, and
 * @slice[k] counts the spans that start before slice k. Spread ranges (a
 * thin LV's blocks in its pool) leave a span or two to a slice, so a
 * request finds its place in a few instructions however many there are.
 */
struct bh_span_array {
	unsigned int nr;
	unsigned int nr_slices;
	unsigned int shift;
	sector_t first;
	sector_t reach;
	u32 *slice;		/* @nr_slices + 1 counts, after @span */
	struct rcu_head rcu;
	struct bh_span span[];
};

/*
 * A disk's index: NULL @array while a change found no memory for one.
 * @disk is the live disk it indexes, NULL once it is deleted (and may be
 * freed): its volumes stay, unreachable from the I/O path.
 */
struct bh_disk_spans {
	struct hlist_node hash_node;
	struct gendisk *disk;
	struct gendisk *key;		/* @disk when indexed, for its bucket */
	bool undrained;			/* a range placed with drain-later */
	bool stale;			/* @array NULL until the next rebuild */
	unsigned int nr_volumes;	/* those that hold it */
	unsigned int nr_indexed;	/* those in @volumes */
	struct rb_root volumes;		/* by range, under bh_lock */
	struct bh_span_array __rcu *array;
	struct rcu_head rcu;
};

static struct hlist_head bh_spans_by_disk[BH_BUCKETS];

/* Every change to the index, the registry and the records (spans.h). */
DEFINE_MUTEX(bh_lock);
struct hlist_head bh_by_disk[BH_BUCKETS];

void bh_registry_lock(void)
{
	mutex_lock(&bh_lock);
}

void bh_registry_unlock(void)
{
	mutex_unlock(&bh_lock);
}

void bh_registry_assert_locked(void)
{
	lockdep_assert_held(&bh_lock);
}

/* For lockdep's checks of RCU lists and pointers that bh_lock guards. */
int bh_registry_locked(void)
{
	return !IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(&bh_lock);
}

static struct hlist_head *bh_spans_bucket(const struct gendisk *disk)
{
	return &bh_spans_by_disk[hash_ptr(disk, BH_BUCKET_BITS)];
}

static struct bh_disk_spans *bh_spans_lookup(const struct gendisk *disk)
{
	struct bh_disk_spans *ds;

	hlist_for_each_entry_rcu(ds, bh_spans_bucket(disk), hash_node,
				 bh_registry_locked())
		if (ds->disk == disk)
			return ds;
	return NULL;
}

static bool bh_in_scope(const struct bh_volume *vol, bool stack_bio)
{
	return !stack_bio || !READ_ONCE(vol->node_only);
}

/* The disk's volumes one by one, while it has no array. */
static struct bh_volume *bh_volume_walk(const struct gendisk *disk,
					sector_t sector, sector_t end,
					bool stack_bio)
{
	struct bh_volume *vol;

	hlist_for_each_entry_rcu(vol, bh_bucket(disk), hash_node)
		if (vol->disk == disk && bh_in_scope(vol, stack_bio) &&
		    sector < vol->start + vol->nr_sects && end > vol->start)
			return vol;
	return NULL;
}

/*
 * How many of @n spans from @base start before @end. A bisection whose
 * steps do not branch on the data (the compiler makes the choice a
 * conditional move): a few instructions a halving, no mispredicted branch.
 */
static unsigned int bh_starts_before(const struct bh_span *base,
				     unsigned int n, sector_t end)
{
	const struct bh_span *from = base;
	unsigned int half;

	if (!n)
		return 0;
	while (n > 1) {
		half = n / 2;
		base = base[half].start < end ? base + half : base;
		n -= half;
	}
	return base - from + (base->start < end);
}

/* The same over the whole array, for @end past its first start. */
static unsigned int bh_spans_before(const struct bh_span_array *arr,
				    sector_t end)
{
	u64 k = (end - 1 - arr->first) >> arr->shift;
	unsigned int lo;

	if (k >= arr->nr_slices)
		return arr->nr;
	lo = arr->slice[k];
	return lo + bh_starts_before(arr->span + lo, arr->slice[k + 1] - lo,
				     end);
}

static struct bh_volume *bh_span_search(const struct bh_span_array *arr,
					sector_t sector, sector_t end, bool stack_bio)
{
	unsigned int i;

	if (end <= arr->first || sector >= arr->reach)
		return NULL;
	i = bh_spans_before(arr, end);
	/* back from there, until no span before reaches @sector */
	while (i-- > 0) {
		const struct bh_span *s = &arr->span[i];

		if (s->reach <= sector)
			break;
		if (s->end > sector && bh_in_scope(s->vol, stack_bio))
			return s->vol;
	}
	return NULL;
}

/*
 * A held volume of live disk @disk that overlaps [@sector, +@nr); for a
 * stacking driver's own bio (@stack_bio), not one held at its node only.
 * Called under RCU.
 */
struct bh_volume *bh_volume_find_scope(const struct gendisk *disk,
				       sector_t sector, sector_t nr,
				       bool stack_bio)
{
	sector_t end = sector + max_t(sector_t, nr, 1);
	struct bh_span_array *arr;
	struct bh_disk_spans *ds;

	ds = bh_spans_lookup(disk);
	if (!ds)
		return NULL;
	/* the gate reads under rcu_read_lock_sched_notrace() */
	arr = rcu_dereference_check(ds->array,
				    rcu_read_lock_any_held() || bh_registry_locked());
	if (!arr)
		return bh_volume_walk(disk, sector, end, stack_bio);
	return bh_span_search(arr, sector, end, stack_bio);
}

struct bh_volume *bh_volume_find(const struct gendisk *disk, sector_t sector,
				 sector_t nr)
{
	return bh_volume_find_scope(disk, sector, nr, false);
}

/* ---- the disk's volumes by range, for the registry ---- */

struct bh_range_key {
	sector_t start;
	sector_t nr;
};

static int bh_range_cmp(const void *key, const struct rb_node *node)
{
	const struct bh_range_key *k = key;
	const struct bh_volume *vol = rb_entry(node, struct bh_volume, span_node);

	if (k->start != vol->start)
		return k->start < vol->start ? -1 : 1;
	if (k->nr != vol->nr_sects)
		return k->nr < vol->nr_sects ? -1 : 1;
	return 0;
}

static bool bh_range_less(struct rb_node *a, const struct rb_node *b)
{
	const struct bh_volume *vol = rb_entry(a, struct bh_volume, span_node);
	const struct bh_range_key k = { vol->start, vol->nr_sects };

	return bh_range_cmp(&k, b) < 0;
}

/*
 * The volume of live disk @disk covering exactly [@start, +@nr). A volume
 * made as its disk died shares its range with none but its kind; it has
 * no disk, so it is passed over.
 */
struct bh_volume *bh_spans_volume_at(const struct gendisk *disk,
				     sector_t start, sector_t nr)
{
	const struct bh_range_key k = { start, nr };
	struct bh_disk_spans *ds;
	struct rb_node *node;

	bh_registry_assert_locked();
	ds = bh_spans_lookup(disk);
	node = ds ? rb_find_first(&k, &ds->volumes, bh_range_cmp) : NULL;
	for (; node && !bh_range_cmp(&k, node); node = rb_next(node)) {
		struct bh_volume *vol = rb_entry(node, struct bh_volume,
						 span_node);

		if (vol->disk == disk)
			return vol;
	}
	return NULL;
}

/*
 * Cut the sorted spans' starts into slices: the smallest power of two in
 * sectors that makes no more slices than spans, and for each slice k the
 * count of spans that start before it (for k = nr_slices: all of them).
 */
static void bh_span_slices_build(struct bh_span_array *arr)
{
	unsigned int k, i = 0;
	sector_t bound, starts;

	arr->shift = 0;
	arr->nr_slices = 0;
	if (arr->nr) {
		starts = arr->span[arr->nr - 1].start - arr->first;
		arr->shift = fls64(div_u64(starts, arr->nr));
		arr->nr_slices = (starts >> arr->shift) + 1;
	}
	for (k = 0; k <= arr->nr_slices; k++) {
		bound = arr->first + ((u64)k << arr->shift);
		while (i < arr->nr && arr->span[i].start < bound)
			i++;
		arr->slice[k] = i;
	}
}

/* The disk's volumes in the registry now, as a new array. */
static struct bh_span_array *bh_span_array_build(const struct bh_disk_spans *ds)
{
	unsigned int nr = ds->nr_indexed, i = 0;
	struct bh_span_array *arr;
	struct rb_node *node;
	sector_t reach = 0;

	/* no more slices than spans: nr + 1 counts at most */
	arr = kvmalloc(struct_size(arr, span, nr) + (nr + 1) * sizeof(u32),
		       GFP_KERNEL);
	if (!arr)
		return NULL;
	arr->slice = (u32 *)&arr->span[nr];
	/* in order of their starts */
	for (node = rb_first(&ds->volumes); node; node = rb_next(node)) {
		struct bh_volume *vol = rb_entry(node, struct bh_volume,
						 span_node);

		reach = max(reach, vol->start + vol->nr_sects);
		arr->span[i++] = (struct bh_span) {
			.start = vol->start,
			.end = vol->start + vol->nr_sects,
			.reach = reach,
			.vol = vol,
		};
	}
	arr->nr = nr;
	arr->first = nr ? arr->span[0].start : 0;
	arr->reach = reach;
	bh_span_slices_build(arr);
	return arr;
}

/* Publish a new array of the disk's volumes now. */
static void bh_spans_rebuild(struct bh_disk_spans *ds)
{
	struct bh_span_array *old, *arr;

	old = rcu_dereference_protected(ds->array, bh_registry_locked());
	arr = bh_span_array_build(ds);
	if (!arr)
		pr_warn_ratelimited("no memory to index the held ranges of a disk, searching them one by one\n");
	rcu_assign_pointer(ds->array, arr);
	ds->stale = false;
	if (old)
		kvfree_rcu(old, rcu);
}

static void bh_spans_settled(struct work_struct *work);
static DECLARE_DELAYED_WORK(bh_spans_settle_work, bh_spans_settled);

/* Rebuild every array a run of changes left out of date. Under bh_lock. */
static void bh_spans_flush(void)
{
	struct bh_disk_spans *ds;
	unsigned int bkt;

	for (bkt = 0; bkt < BH_BUCKETS; bkt++)
		hlist_for_each_entry(ds, &bh_spans_by_disk[bkt], hash_node)
			if (ds->stale)
				bh_spans_rebuild(ds);
}

static void bh_spans_settled(struct work_struct *work)
{
	bh_registry_lock();
	bh_spans_flush();
	bh_registry_unlock();
}

/*
 * The disk of @ds has gained or lost a volume in the registry: the I/O
 * path searches the new set from now on. A disk of many volumes is walked
 * until the next rebuild, which a run of changes does not postpone (a
 * steady churn would keep the disk walked for good): the walk follows the
 * registry's list, so it is never out of date, only slower.
 */
static void bh_spans_update(struct bh_disk_spans *ds)
{
	struct bh_span_array *old;

	bh_registry_assert_locked();
	if (ds->nr_volumes <= BH_SPANS_REBUILD_NOW) {
		bh_spans_rebuild(ds);
		return;
	}
	old = rcu_dereference_protected(ds->array, bh_registry_locked());
	RCU_INIT_POINTER(ds->array, NULL);
	if (old)
		kvfree_rcu(old, rcu);
	ds->stale = true;
	queue_delayed_work(system_wq, &bh_spans_settle_work, BH_SPANS_SETTLE);
}

/* No rebuild may run once the module's last volume is gone. */
void bh_spans_exit(void)
{
	cancel_delayed_work_sync(&bh_spans_settle_work);
}

/*
 * The index of @disk, for a volume about to be added (which
 * bh_spans_update() then publishes). Fails only without memory.
 */
struct bh_disk_spans *bh_spans_get(struct gendisk *disk)
{
	struct bh_disk_spans *ds;

	bh_registry_assert_locked();
	ds = bh_spans_lookup(disk);
	if (!ds) {
		ds = kzalloc(sizeof(*ds), GFP_KERNEL);
		if (!ds)
			return ERR_PTR(-ENOMEM);
		/* a disk being deleted: never answers for the memory again */
		ds->disk = test_bit(GD_DEAD, &disk->state) ? NULL : disk;
		ds->key = disk;
		hlist_add_head_rcu(&ds->hash_node, bh_spans_bucket(disk));
	}
	ds->nr_volumes++;
	return ds;
}

/*
 * @disk is deleted: its index no longer answers for it, since the memory
 * may come back as another disk. Under bh_lock.
 */
void bh_spans_detach(const struct gendisk *disk)
{
	struct bh_disk_spans *ds;

	bh_registry_assert_locked();
	ds = bh_spans_lookup(disk);
	if (ds)
		WRITE_ONCE(ds->disk, NULL);
}

/* @vol, published in the registry, joins its disk's index. */
void bh_spans_insert(struct bh_volume *vol)
{
	struct bh_disk_spans *ds = vol->spans;

	bh_registry_assert_locked();
	rb_add(&vol->span_node, &ds->volumes, bh_range_less);
	ds->nr_indexed++;
	bh_spans_update(ds);
}

/* @vol left the registry, or never entered it. */
void bh_spans_put(struct bh_volume *vol)
{
	struct bh_disk_spans *ds = vol->spans;
	struct bh_span_array *arr;

	bh_registry_assert_locked();
	if (!RB_EMPTY_NODE(&vol->span_node)) {
		rb_erase(&vol->span_node, &ds->volumes);
		RB_CLEAR_NODE(&vol->span_node);
		ds->nr_indexed--;
	}
	if (--ds->nr_volumes) {
		bh_spans_update(ds);
		return;
	}
	hlist_del_rcu(&ds->hash_node);
	arr = rcu_dereference_protected(ds->array, bh_registry_locked());
	if (arr)
		kvfree_rcu(arr, rcu);
	kfree_rcu(ds, rcu);
}

/* ---- draining writes in flight ---- */

/*
 * Bios that passed the gate before the volume was published may still be
 * on their way: wait for them, so none lands after the hold is reported.
 * Between the gate and the disk's queue a bio's submitter does not sleep,
 * but for one place: __bio_queue_enter(), waiting out someone else's
 * freeze, which gates the bio again when it wakes (gate.c). So once every
 * task has been through a voluntary context switch (an RCU Tasks grace
 * period), each bio that passed has entered the queue or will be gated
 * again, and freezing the queue waits until those in it have completed.
 * One a throttle or a dm queue held back meets the gate again when it is
 * sent on.
 */
void bh_drain_disk(struct gendisk *disk)
{
	synchronize_rcu_tasks();
	bh_drain_queue(disk->queue);
}

/*
 * A range of @disk was placed with drain-later: writes that passed the
 * gate before it may still be on their way until bh_drain_deferred().
 */
void bh_drain_later(struct gendisk *disk)
{
	struct bh_disk_spans *ds;

	bh_registry_assert_locked();
	ds = bh_spans_lookup(disk);
	if (ds)
		ds->undrained = true;
}

/*
 * Take the live disks with undrained ranges off the books, into @out,
 * each with a reference.
 */
static unsigned int bh_undrained_take(struct gendisk **out, unsigned int max)
{
	struct bh_disk_spans *ds;
	unsigned int bkt, n = 0;

	for (bkt = 0; bkt < BH_BUCKETS; bkt++)
		hlist_for_each_entry(ds, &bh_spans_by_disk[bkt], hash_node) {
			if (!ds->undrained || n == max)
				continue;
			ds->undrained = false;
			/* a disk gone meanwhile has nothing left in flight */
			if (!ds->disk)
				continue;
			get_device(disk_to_dev(ds->disk));
			out[n++] = ds->disk;
		}
	return n;
}

static unsigned int bh_undrained_count(void)
{
	struct bh_disk_spans *ds;
	unsigned int bkt, n = 0;

	for (bkt = 0; bkt < BH_BUCKETS; bkt++)
		hlist_for_each_entry(ds, &bh_spans_by_disk[bkt], hash_node)
			n += ds->undrained;
	return n;
}

static ASYNC_DOMAIN_EXCLUSIVE(bh_drain_domain);

static void bh_drain_one(void *data, async_cookie_t cookie)
{
	struct gendisk *disk = data;

	bh_drain_queue(disk->queue);
	put_disk(disk);
}

/*
 * Drain every disk with ranges placed with drain-later: one RCU Tasks
 * grace period for them all (bh_drain_disk() says why it is needed), then
 * each disk's queue. The queues freeze side by side, not in turn: each
 * freeze waits for an RCU grace period of its own, and a queue whose
 * requests wait on another disk's (a loop device, request-based dm) must
 * not wait for it while that one stays frozen. Drains run one at a time,
 * so when one returns, every range marked before it started has drained,
 * by it or by the one before.
 */
int bh_drain_deferred(struct netlink_ext_ack *extack)
{
	static DEFINE_MUTEX(bh_drain_mutex);
	struct gendisk **disks;
	unsigned int n, i;

	mutex_lock(&bh_drain_mutex);
	bh_registry_lock();
	/* the drained ranges are searched fast from here on */
	bh_spans_flush();
	n = bh_undrained_count();
	disks = n ? kmalloc_array(n, sizeof(*disks), GFP_KERNEL) : NULL;
	if (n && !disks) {
		bh_registry_unlock();
		mutex_unlock(&bh_drain_mutex);
		NL_SET_ERR_MSG(extack, "no memory to drain the disks");
		return -ENOMEM;
	}
	n = bh_undrained_take(disks, n);
	bh_registry_unlock();
	if (n)
		synchronize_rcu_tasks();
	for (i = 0; i < n; i++)
		async_schedule_domain(bh_drain_one, disks[i], &bh_drain_domain);
	async_synchronize_full_domain(&bh_drain_domain);
	mutex_unlock(&bh_drain_mutex);
	kfree(disks);
	return 0;
}

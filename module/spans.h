/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spans.c: the I/O path's index of held volumes (by disk, then by
 * range), the lock that every change to it and to the registry above it
 * takes, and draining a disk's writes in flight.
 */
#ifndef _BLKHOLD_SPANS_H
#define _BLKHOLD_SPANS_H

#include "blkhold.h"

#include <linux/mutex.h>

/* Buckets of held volumes, and of disks' indexes. */
#define BH_BUCKET_BITS		10
#define BH_BUCKETS		BIT(BH_BUCKET_BITS)

/*
 * The lock every change to the index, and to the registry and records
 * above it, takes. The I/O path takes none: it reads under RCU.
 */
extern struct mutex bh_lock;
void bh_registry_lock(void);
void bh_registry_unlock(void);
void bh_registry_assert_locked(void);
int bh_registry_locked(void);

/*
 * Held volumes live in buckets by their live disk: the I/O path's key,
 * which a media change does not alter.
 */
extern struct hlist_head bh_by_disk[BH_BUCKETS];

static inline struct hlist_head *bh_bucket(const struct gendisk *disk)
{
	return &bh_by_disk[hash_ptr(disk, BH_BUCKET_BITS)];
}

/*
 * Could @disk have a held volume? A lockless look at its bucket, for the
 * I/O path: most disks have none, and are let through without RCU or a
 * lookup. A non-empty bucket sends the caller to bh_volume_find().
 */
static inline bool bh_disk_may_be_held(const struct gendisk *disk)
{
	return !hlist_empty(bh_bucket(disk));
}

struct bh_disk_spans;
struct bh_volume *bh_volume_find(const struct gendisk *disk, sector_t sector,
				 sector_t nr);
struct bh_volume *bh_volume_find_scope(const struct gendisk *disk,
				       sector_t sector, sector_t nr,
				       bool stack_bio);
struct bh_disk_spans *bh_spans_get(struct gendisk *disk);
void bh_spans_insert(struct bh_volume *vol);
void bh_spans_put(struct bh_volume *vol);
struct bh_volume *bh_spans_volume_at(const struct gendisk *disk,
				     sector_t start, sector_t nr);
void bh_spans_detach(const struct gendisk *disk);
void bh_spans_exit(void);
void bh_drain_disk(struct gendisk *disk);
void bh_drain_later(struct gendisk *disk);
int bh_drain_deferred(struct netlink_ext_ack *extack);

#endif /* _BLKHOLD_SPANS_H */

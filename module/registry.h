/* SPDX-License-Identifier: GPL-2.0 */
/*
 * registry.c: volumes and their holds.
 */
#ifndef _BLKHOLD_REGISTRY_H
#define _BLKHOLD_REGISTRY_H

#include "blkhold.h"

u64 bh_registry_generation(void);
struct bh_volume *bh_volume_get(struct gendisk *disk, struct block_device *bdev,
				sector_t start, sector_t nr);
int bh_volume_own(struct bh_volume *vol, struct block_device *bdev);
struct bh_volume *bh_volume_get_beneath(struct gendisk *disk, sector_t start,
					sector_t nr, bool node_only);
int bh_volume_add_hold(struct bh_volume *vol, struct bh_hold *hold,
		       struct netlink_ext_ack *extack);
void bh_volume_put(struct bh_volume *vol);
u64 bh_volume_diskseq(const struct bh_volume *vol);
struct bh_volume *bh_volume_at(unsigned long index, unsigned long *cursor);
struct bh_volume *bh_volume_next(struct bh_volume *vol);
void bh_volume_cursor_set(unsigned long *cursor, struct bh_volume *vol);
void bh_record_unbind(struct bh_record *rec, bool detached_only,
		      const char *reason);
unsigned int bh_record_bound(const struct bh_record *rec);
struct bh_volume *bh_record_volume(const struct bh_record *rec);
struct bh_hold *bh_hold_new(const char *name, const char *reason);
int bh_pin(void);
void bh_unpin(void);
bool bh_pinned(void);
void bh_wait_unpinned(void);
void bh_pin_failed(int err, struct netlink_ext_ack *extack);
struct bh_volume *bh_volume_appeared(struct block_device *bdev, dev_t devt);
struct block_device *bh_node_get(dev_t devt, u64 diskseq,
				 struct netlink_ext_ack *extack);
int bh_hold_insert_range(struct gendisk *disk, struct block_device *bdev,
			 sector_t start, sector_t nr, const char *name,
			 const char *reason, struct netlink_ext_ack *extack);
/* A hold derived from the hold @name on the stacked volume root_*. */
struct bh_derived_request {
	dev_t devt;
	u64 diskseq;
	sector_t start;			/* relative to the volume at devt */
	sector_t nr_sects;
	const char *name;
	dev_t root_devt;
	u64 root_diskseq;
	bool node_only;			/* bios pass (md metadata) */
	bool drain_later;		/* the caller sends drain */
};

int bh_hold_add_derived(const struct bh_derived_request *req,
			struct netlink_ext_ack *extack);
struct bh_record *bh_hold_record(dev_t devt, u64 diskseq, const char *name);
int bh_hold_remove_named(dev_t devt, u64 diskseq, const char *name,
			 const char *reason, struct bh_record **transient,
			 struct netlink_ext_ack *extack);
struct bh_volume *bh_volume_find_ctrl(const void *nvme_ctrl);
struct bh_volume *bh_volume_find_queue(const struct request_queue *q);
struct bh_volume *bh_volume_find_host(const void *host_key);
struct bh_volume *bh_volume_find_subsys(const char *nqn);
struct bh_volume *bh_volume_find_pci(const char *name);
bool bh_nvme_held(void);
void bh_refuse_everywhere(struct bh_refusal *r);
bool bh_disk_has_volumes(const struct gendisk *disk);
void bh_disk_deleted(struct gendisk *disk, bool done);

#endif /* _BLKHOLD_REGISTRY_H */

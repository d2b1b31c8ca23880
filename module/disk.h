/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disk.c: what blkhold knows of a disk, read from the kernel's own objects.
 * The bottom layer: it calls no other file of blkhold.
 */
#ifndef _BLKHOLD_DISK_H
#define _BLKHOLD_DISK_H

#include "blkhold.h"

struct bh_arrival {
	struct list_head node;
	struct gendisk *disk;
	struct device *parent;		/* what device_add_disk() will set */
	bool known;			/* @identity was read */
	char identity[BLKHOLD_IDENTITY_MAX + 1];
};

extern typeof(disk_to_dev((struct gendisk *)NULL)->class) bh_block_class;
int bh_disk_init(void);
void bh_arrival_begin(struct bh_arrival *a);
void bh_arrival_end(struct bh_arrival *a);
unsigned int bh_arrivals_matching(const char *identity, struct gendisk **out,
				  unsigned int max);
struct device *bh_disk_parent(struct gendisk *disk);
int bh_disk_identity(struct gendisk *disk, struct device *parent,
		     const struct attribute_group *const *groups, char *id,
		     gfp_t gfp);
int bh_disk_identity_now(struct gendisk *disk, char *id, gfp_t gfp);
int bh_scsi_device_identity(struct device *sdev_dev, char *id);
enum bh_transport bh_disk_transport(struct gendisk *disk);
const void *bh_nvme_ctrl_key(struct gendisk *disk);
char *bh_nvme_disk_subsys(struct gendisk *disk);
struct device *bh_queue_scsi_device(struct request_queue *q);
int bh_nvme_ctrl_subsys(const void *key, char *nqn);
struct device *bh_disk_pci_function(struct gendisk *disk);
struct block_device *bh_bdev_get(dev_t devt);
void bh_bdev_put(struct block_device *bdev);

#endif /* _BLKHOLD_DISK_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Volumes and their holds. Changes take bh_lock; the I/O path looks
 * volumes up by diskseq under RCU only.
 */
#include "blkhold.h"

#include <linux/blk-mq.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

static DEFINE_MUTEX(bh_lock);
struct hlist_head bh_by_diskseq[BH_BUCKETS];
static LIST_HEAD(bh_volumes);
static unsigned int bh_nr_holds;
static u64 bh_generation;

void bh_registry_lock(void)
{
	mutex_lock(&bh_lock);
}

void bh_registry_unlock(void)
{
	mutex_unlock(&bh_lock);
}

u64 bh_registry_generation(void)
{
	lockdep_assert_held(&bh_lock);
	return bh_generation;
}

struct bh_volume *bh_volume_at(unsigned long index)
{
	struct bh_volume *vol;

	lockdep_assert_held(&bh_lock);
	list_for_each_entry(vol, &bh_volumes, node)
		if (index-- == 0)
			return vol;
	return NULL;
}

/* The first held volume of disk @diskseq that overlaps [@sector, +@nr). */
struct bh_volume *bh_volume_find(u64 diskseq, sector_t sector, sector_t nr)
{
	struct bh_volume *vol;

	hlist_for_each_entry_rcu(vol, bh_bucket(diskseq), hash_node) {
		if (vol->diskseq != diskseq)
			continue;
		if (sector < vol->start + vol->nr_sects &&
		    sector + max_t(sector_t, nr, 1) > vol->start)
			return vol;
	}
	return NULL;
}

/* A held namespace of the NVMe controller with admin queue key @nvme_ctrl. */
struct bh_volume *bh_volume_find_ctrl(const void *nvme_ctrl)
{
	struct bh_volume *vol;
	unsigned int bkt;

	if (!nvme_ctrl)
		return NULL;
	hash_for_each_rcu(bh_by_diskseq, bkt, vol, hash_node)
		if (vol->nvme_ctrl == nvme_ctrl && !READ_ONCE(vol->detached))
			return vol;
	return NULL;
}

/* Refuse @r on every held volume: an attempt against all of them. */
void bh_refuse_everywhere(struct bh_refusal *r)
{
	unsigned int bkt;

	rcu_read_lock();
	hash_for_each_rcu(bh_by_diskseq, bkt, r->vol, hash_node)
		bh_refuse(r);
	rcu_read_unlock();
}

void bh_disk_deleted(u64 diskseq)
{
	struct bh_volume *vol;

	rcu_read_lock();
	hlist_for_each_entry_rcu(vol, bh_bucket(diskseq), hash_node)
		if (vol->diskseq == diskseq)
			WRITE_ONCE(vol->detached, true);
	rcu_read_unlock();
}

static struct bh_volume *bh_volume_lookup(dev_t devt, u64 diskseq)
{
	struct bh_volume *vol;

	lockdep_assert_held(&bh_lock);
	hlist_for_each_entry(vol, bh_bucket(diskseq), hash_node)
		if (vol->diskseq == diskseq && vol->devt == devt)
			return vol;
	return NULL;
}

static struct bh_hold *bh_hold_lookup(struct bh_volume *vol, const char *name)
{
	struct bh_hold *hold;

	list_for_each_entry(hold, &vol->holds, node)
		if (!strcmp(hold->name, name))
			return hold;
	return NULL;
}

static struct bh_volume *bh_volume_new(struct block_device *bdev)
{
	struct bh_volume *vol = kzalloc(sizeof(*vol), GFP_KERNEL);

	if (!vol)
		return NULL;
	vol->diskseq = bdev->bd_disk->diskseq;
	vol->devt = bdev->bd_dev;
	vol->start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	vol->nr_sects = bdev_nr_sectors(bdev);
	snprintf(vol->devname, sizeof(vol->devname), "%pg", bdev);
	vol->transport = bh_disk_transport(bdev->bd_disk);
	vol->nvme_ctrl = bh_nvme_ctrl_key(bdev->bd_disk);
	INIT_LIST_HEAD(&vol->holds);
	vol->event_window = jiffies;
	return vol;
}

static struct bh_hold *bh_hold_new(const char *name, const char *reason)
{
	struct bh_hold *hold = kzalloc(sizeof(*hold), GFP_KERNEL);

	if (!hold)
		return NULL;
	strscpy(hold->name, name, sizeof(hold->name));
	strscpy(hold->reason, reason ?: "", sizeof(hold->reason));
	hold->uid = current_uid();
	hold->pid = task_tgid_vnr(current);
	get_task_comm(hold->comm, current);
	hold->ctime = ktime_get_real_seconds();
	return hold;
}

/* The first volume installs the hooks and pins the module; the last undoes. */
static int bh_first_volume(void)
{
	int err = bh_hooks_install();

	if (!err)
		__module_get(THIS_MODULE);
	return err;
}

static void bh_last_volume(void)
{
	bh_hooks_remove();
	module_put(THIS_MODULE);
}

static int bh_volume_publish(struct bh_volume *vol, struct block_device *bdev)
{
	if (list_empty(&bh_volumes)) {
		int err = bh_first_volume();

		if (err)
			return err;
	}
	vol->was_ro = bh_bdev_ro_flag(bdev);
	bh_bdev_set_ro_flag(bdev, true);
	hlist_add_head_rcu(&vol->hash_node, bh_bucket(vol->diskseq));
	list_add_tail(&vol->node, &bh_volumes);
	return 0;
}

/*
 * Requests that passed the gate before the volume was published may still
 * be in flight: wait for them, so none lands after the hold is reported.
 */
static void bh_drain(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);

	blk_mq_freeze_queue(q);
	blk_mq_unfreeze_queue(q);
}

/* Returns 1 when it created the volume, 0 when it was held already. */
static int bh_hold_insert(struct block_device *bdev, const char *name,
			  const char *reason, struct netlink_ext_ack *extack)
{
	struct bh_volume *vol, *new_vol = NULL;
	struct bh_hold *hold;
	int err;

	vol = bh_volume_lookup(bdev->bd_dev, bdev->bd_disk->diskseq);
	if (vol && bh_hold_lookup(vol, name)) {
		NL_SET_ERR_MSG(extack, "the volume already has a hold of that name");
		return -EEXIST;
	}
	if (vol && vol->nr_holds >= BH_MAX_HOLDS_PER_VOLUME) {
		NL_SET_ERR_MSG(extack, "the volume has the most holds allowed (1024)");
		return -ENOSPC;
	}
	if (bh_nr_holds >= BH_MAX_HOLDS) {
		NL_SET_ERR_MSG(extack, "the host has the most holds allowed (100000)");
		return -ENOSPC;
	}
	hold = bh_hold_new(name, reason);
	if (!vol) {
		new_vol = bh_volume_new(bdev);
		vol = new_vol;
	}
	if (!hold || !vol) {
		err = -ENOMEM;
		goto fail;
	}
	if (new_vol) {
		err = bh_volume_publish(new_vol, bdev);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot install the blkhold hooks, see the kernel log");
			goto fail;
		}
	}
	list_add_tail(&hold->node, &vol->holds);
	vol->nr_holds++;
	bh_nr_holds++;
	bh_generation++;
	bh_announce_hold(BLKHOLD_CMD_HOLD_ADDED, vol, name, reason);
	pr_notice("hold '%s' placed on %s by %s[%d] uid %u%s%s\n",
		  name, vol->devname, hold->comm, hold->pid,
		  from_kuid(&init_user_ns, hold->uid),
		  reason ? ": " : "", reason ?: "");
	return new_vol ? 1 : 0;
fail:
	kfree(new_vol);
	kfree(hold);
	return err;
}

int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		struct netlink_ext_ack *extack)
{
	struct block_device *bdev;
	struct bh_bdev_ref ref;
	int err;

	err = bh_bdev_open(devt, &ref);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the block device");
		return err;
	}
	bdev = ref.bdev;
	if (!bh_file_bdev_works(&ref)) {
		NL_SET_ERR_MSG(extack,
			       "blkhold does not know this kernel's block device inodes; rebuild it against this kernel's headers");
		err = -EOPNOTSUPP;
		goto out;
	}
	if (bdev->bd_disk->diskseq != diskseq) {
		NL_SET_ERR_MSG(extack,
			       "the device number now belongs to another disk (diskseq differs)");
		err = -ESTALE;
		goto out;
	}
	mutex_lock(&bh_lock);
	err = bh_hold_insert(bdev, name, reason, extack);
	mutex_unlock(&bh_lock);
	/* a volume held already has had nothing in flight since its first hold */
	if (err > 0)
		bh_drain(bdev);
	err = min(err, 0);
out:
	bh_bdev_close(&ref);
	return err;
}

/* Give the volume its read-only flag back, if it is still the same disk. */
static void bh_volume_restore_ro(struct bh_volume *vol)
{
	struct bh_bdev_ref ref;

	if (READ_ONCE(vol->detached) || bh_bdev_open(vol->devt, &ref))
		return;
	if (ref.bdev->bd_disk->diskseq == vol->diskseq)
		bh_bdev_set_ro_flag(ref.bdev, vol->was_ro);
	bh_bdev_close(&ref);
}

static void bh_volume_retire(struct bh_volume *vol)
{
	hlist_del_init_rcu(&vol->hash_node);
	list_del(&vol->node);
	bh_volume_restore_ro(vol);
	if (list_empty(&bh_volumes))
		bh_last_volume();
	kfree_rcu(vol, rcu);
}

int bh_hold_release(dev_t devt, u64 diskseq, const char *name,
		    const char *reason, struct netlink_ext_ack *extack)
{
	struct bh_volume *vol;
	struct bh_hold *hold;
	int err = 0;

	mutex_lock(&bh_lock);
	vol = bh_volume_lookup(devt, diskseq);
	hold = vol ? bh_hold_lookup(vol, name) : NULL;
	if (!vol) {
		NL_SET_ERR_MSG(extack, "the volume has no holds");
		err = -ENOENT;
	} else if (!hold) {
		NL_SET_ERR_MSG(extack, "the volume has no hold of that name");
		err = -ENOENT;
	} else {
		bh_announce_hold(BLKHOLD_CMD_HOLD_RELEASED, vol, name, reason);
		pr_notice("hold '%s' on %s released by %s[%d] uid %u%s%s\n",
			  name, vol->devname, current->comm,
			  task_tgid_vnr(current),
			  from_kuid(&init_user_ns, current_uid()),
			  reason ? ": " : "", reason ?: "");
		list_del(&hold->node);
		kfree(hold);
		vol->nr_holds--;
		bh_nr_holds--;
		bh_generation++;
		if (!vol->nr_holds)
			bh_volume_retire(vol);
	}
	mutex_unlock(&bh_lock);
	return err;
}

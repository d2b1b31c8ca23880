// SPDX-License-Identifier: GPL-2.0
/*
 * Volumes and their holds. Changes take bh_lock; the I/O path looks
 * volumes up by their live disk under RCU only.
 *
 * Nothing under bh_lock opens a block device, drains a queue or does
 * device I/O: a node is found by its number in the block class (no
 * module autoload, no open_mutex), and drains run after the lock is
 * dropped. So a disk probe, a media change or a hung disk elsewhere never
 * waits for a hold, and a hold never waits for them.
 */
#include "blkhold.h"
#include "disk.h"
#include "events.h"
#include "hooks.h"
#include "registry.h"
#include "spans.h"
#include "stack.h"

#include <linux/blk-mq.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/kexec.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

static unsigned int bh_max_holds_per_volume = 1024;
module_param_named(max_holds_per_volume, bh_max_holds_per_volume, uint, 0444);
MODULE_PARM_DESC(max_holds_per_volume, "holds one volume may carry (1024)");
static unsigned int bh_max_holds = 100000;
module_param_named(max_holds, bh_max_holds, uint, 0444);
MODULE_PARM_DESC(max_holds, "holds on the whole host (100000)");

static LIST_HEAD(bh_volumes);
static unsigned int bh_nr_holds;
/* holds made for a stacked volume above: a release looks for them only then */
static unsigned int bh_nr_derived;
static u64 bh_generation;

u64 bh_registry_generation(void)
{
	lockdep_assert_held(&bh_lock);
	return bh_generation;
}

/*
 * The volume at @index of the registry's list, for a dump that goes on in
 * a later message. @cursor keeps where the last message stopped: the
 * volume there and the generation it is good for. While nothing changed,
 * a dump of V volumes walks the list once, not once a message.
 */
struct bh_volume *bh_volume_at(unsigned long index, unsigned long *cursor)
{
	struct bh_volume *vol;

	lockdep_assert_held(&bh_lock);
	if (cursor[1] == (unsigned long)bh_generation + 1)
		return (struct bh_volume *)cursor[0];
	list_for_each_entry(vol, &bh_volumes, node)
		if (index-- == 0)
			return vol;
	return NULL;
}

/* The volume after @vol, or NULL. */
struct bh_volume *bh_volume_next(struct bh_volume *vol)
{
	lockdep_assert_held(&bh_lock);
	return list_is_last(&vol->node, &bh_volumes) ? NULL :
	       list_next_entry(vol, node);
}

/* A dump stops at @vol (NULL: the end) until its next message. */
void bh_volume_cursor_set(unsigned long *cursor, struct bh_volume *vol)
{
	lockdep_assert_held(&bh_lock);
	cursor[0] = (unsigned long)vol;
	cursor[1] = (unsigned long)bh_generation + 1;
}

/* ---- the medium's other handles, for the request gate (RCU) ---- */

/*
 * These walk every held volume, detached ones included: a medium stays
 * held when its disk goes. They serve passthrough to queues without a
 * disk, which is rare and never on the I/O path.
 */

/* A held namespace of the NVMe controller with tag set key @nvme_ctrl. */
struct bh_volume *bh_volume_find_ctrl(const void *nvme_ctrl)
{
	struct bh_volume *vol;
	unsigned int bkt;

	if (!nvme_ctrl)
		return NULL;
	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (vol->nvme_ctrl == nvme_ctrl)
			return vol;
	return NULL;
}

/* A held volume of the disk whose request queue is @q. */
struct bh_volume *bh_volume_find_queue(const struct request_queue *q)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (vol->queue == q)
			return vol;
	return NULL;
}

/* A held volume on a disk of the SCSI host with tag set @host_key. */
struct bh_volume *bh_volume_find_host(const void *host_key)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (host_key && vol->host_key == host_key &&
		    vol->transport == BH_TRANSPORT_SCSI)
			return vol;
	return NULL;
}

/* A held namespace of the NVMe subsystem @nqn. */
struct bh_volume *bh_volume_find_subsys(const char *nqn)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (vol->subsys && !strcmp(vol->subsys, nqn))
			return vol;
	return NULL;
}

/* Do held volumes of any NVMe subsystem exist? */
bool bh_nvme_held(void)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (vol->subsys)
			return true;
	return false;
}

/* A held volume carried by PCI function @name. */
struct bh_volume *bh_volume_find_pci(const char *name)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node)
		if (vol->pci_name[0] && !strcmp(vol->pci_name, name))
			return vol;
	return NULL;
}

/* Refuse @r on every held volume: an attempt against all of them. */
void bh_refuse_everywhere(struct bh_refusal *r)
{
	unsigned int bkt;

	rcu_read_lock();
	hash_for_each_rcu(bh_by_disk, bkt, r->vol, hash_node)
		bh_refuse(r);
	rcu_read_unlock();
}

/* Has live disk @disk a held volume? Under RCU. */
bool bh_disk_has_volumes(const struct gendisk *disk)
{
	struct bh_volume *vol;

	hlist_for_each_entry_rcu(vol, bh_bucket(disk), hash_node)
		if (vol->disk == disk)
			return true;
	return false;
}

/*
 * Disk @disk is being deleted (@done: has been). Its volumes keep their
 * holds and their medium's keys, but no longer stand for a live disk; once
 * it is done they no longer answer for its memory, which may come back as
 * another disk.
 */
void bh_disk_deleted(struct gendisk *disk, bool done)
{
	struct bh_volume *vol;

	if (done)
		mutex_lock(&bh_lock);
	rcu_read_lock();
	hlist_for_each_entry_rcu(vol, bh_bucket(disk), hash_node) {
		if (vol->disk != disk)
			continue;
		WRITE_ONCE(vol->detached, true);
		if (done)
			WRITE_ONCE(vol->disk, NULL);
	}
	rcu_read_unlock();
	if (done) {
		bh_spans_detach(disk);
		bh_generation++;
		mutex_unlock(&bh_lock);
	}
}

/*
 * The diskseq of @vol's disk now: a media change gives a disk a new one
 * and its volumes stay with it. Under bh_lock, which keeps a live disk's
 * volumes from losing it.
 */
u64 bh_volume_diskseq(const struct bh_volume *vol)
{
	lockdep_assert_held(&bh_lock);
	return vol->disk ? READ_ONCE(vol->disk->diskseq) : vol->diskseq;
}

/* The volume of live disk @disk covering exactly [@start, +@nr). */
static struct bh_volume *bh_volume_lookup_range(const struct gendisk *disk,
						sector_t start, sector_t nr)
{
	lockdep_assert_held(&bh_lock);
	return bh_spans_volume_at(disk, start, nr);
}

/* A volume whose disk is gone, by the number and diskseq it had. */
static struct bh_volume *bh_volume_lookup_devt(dev_t devt, u64 diskseq)
{
	struct bh_volume *vol;

	lockdep_assert_held(&bh_lock);
	list_for_each_entry(vol, &bh_volumes, node)
		if (!vol->disk && vol->diskseq == diskseq && vol->devt == devt)
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

/* ---- volumes ---- */

/* Where its medium can be reached other than through the disk. */
static void bh_volume_learn_medium(struct bh_volume *vol, struct gendisk *disk)
{
	struct device *pci;

	vol->transport = bh_disk_transport(disk);
	vol->nvme_ctrl = bh_nvme_ctrl_key(disk);
	vol->subsys = bh_nvme_disk_subsys(disk);
	if (blk_get_queue(disk->queue)) {
		vol->queue = disk->queue;
		vol->host_key = disk->queue->tag_set;
	}
	pci = bh_disk_pci_function(disk);
	if (pci) {
		strscpy(vol->pci_name, dev_name(pci), sizeof(vol->pci_name));
		if (pci->driver)
			strscpy(vol->pci_driver, pci->driver->name,
				sizeof(vol->pci_driver));
		put_device(pci);
	}
}

/*
 * A volume of @disk. @bdev is its node when it has one already; a volume
 * made before its partition is scanned gets the node's number and name
 * when it appears (bh_volume_appeared()).
 */
static struct bh_volume *bh_volume_new(struct gendisk *disk,
				       struct block_device *bdev,
				       sector_t start, sector_t nr)
{
	struct bh_volume *vol = kzalloc(sizeof(*vol), GFP_KERNEL);

	if (!vol)
		return NULL;
	vol->diskseq = disk->diskseq;
	vol->start = start;
	vol->nr_sects = nr;
	if (bdev) {
		vol->devt = bdev->bd_dev;
		snprintf(vol->devname, sizeof(vol->devname), "%pg", bdev);
	} else if (start) {
		scnprintf(vol->devname, sizeof(vol->devname), "%s@%llu",
			  disk->disk_name, (unsigned long long)start);
	} else {
		strscpy(vol->devname, disk->disk_name, sizeof(vol->devname));
	}
	bh_volume_learn_medium(vol, disk);
	RB_CLEAR_NODE(&vol->span_node);
	INIT_LIST_HEAD(&vol->holds);
	vol->event_window = jiffies;
	return vol;
}

static void bh_volume_free_rcu(struct rcu_head *head)
{
	struct bh_volume *vol = container_of(head, struct bh_volume, rcu);

	kfree(vol->subsys);
	kfree(vol);
}

/* An unpublished volume's memory and references. */
static void bh_volume_free(struct bh_volume *vol)
{
	if (vol->queue)
		blk_put_queue(vol->queue);
	call_rcu(&vol->rcu, bh_volume_free_rcu);
}

struct bh_hold *bh_hold_new(const char *name, const char *reason)
{
	struct bh_hold *hold = kzalloc(sizeof(*hold), GFP_KERNEL);

	if (!hold)
		return NULL;
	strscpy(hold->name, name, sizeof(hold->name));
	strscpy(hold->reason, reason ?: "", sizeof(hold->reason));
	hold->uid = current_uid();
	hold->pid = task_tgid_nr(current);
	get_task_comm(hold->comm, current);
	hold->ctime = ktime_get_real_seconds();
	return hold;
}

/*
 * Volumes and armed records pin the module and keep the hooks installed;
 * the first pin installs them, the last unpin removes them.
 */
static unsigned int bh_pins;
static DECLARE_WAIT_QUEUE_HEAD(bh_unpinned);

/* A crash kernel loaded now boots without blkhold's holds. */
static void bh_warn_crash_kernel(void)
{
#ifdef CONFIG_CRASH_DUMP
	if (kexec_crash_loaded())
		bh_alert("kexec", NULL,
			 "a crash kernel is loaded: after a crash it boots without these holds unless its initramfs carries blkhold and the store");
#endif
}

/*
 * The module reference is taken with try_module_get(): a first hold racing
 * "rmmod blkhold" fails here instead of installing hooks into a module
 * whose exit has begun.
 */
int bh_pin(void)
{
	int err;

	lockdep_assert_held(&bh_lock);
	bh_generation++;
	if (!bh_pins) {
		if (!try_module_get(THIS_MODULE))
			return -ESHUTDOWN;
		err = bh_hooks_install();
		if (err) {
			module_put(THIS_MODULE);
			return err;
		}
		bh_warn_crash_kernel();
	}
	bh_pins++;
	return 0;
}

void bh_unpin(void)
{
	lockdep_assert_held(&bh_lock);
	bh_generation++;
	if (--bh_pins)
		return;
	bh_hooks_remove();
	module_put(THIS_MODULE);
	wake_up_all(&bh_unpinned);
}

/* Does anything still pin the module? For its exit (tamper.c). */
bool bh_pinned(void)
{
	return READ_ONCE(bh_pins);
}

void bh_wait_unpinned(void)
{
	wait_event_idle(bh_unpinned, !bh_pinned());
}

/* What a failed bh_pin() tells the caller. */
void bh_pin_failed(int err, struct netlink_ext_ack *extack)
{
	if (err == -ESHUTDOWN)
		NL_SET_ERR_MSG(extack, "blkhold is being unloaded");
	else if (err != -ENOMEM)
		NL_SET_ERR_MSG(extack,
			       "cannot install the blkhold hooks, see the kernel log");
}

static void bh_set_ro(struct bh_volume *vol, struct block_device *bdev)
{
	vol->was_ro = bh_bdev_ro_flag(bdev);
	bh_bdev_set_ro_flag(bdev, true);
}

/*
 * The volume of @disk at [@start, +@nr), published if new. @bdev, when
 * given, is its node and gets the read-only flag. A new @derived volume
 * carries the holds of a stacked volume above; a @node_only one lets bios
 * pass. Takes bh_lock's caller's word that holds follow: a volume without
 * any is put back with bh_volume_put().
 */
static struct bh_volume *bh_volume_obtain(struct gendisk *disk,
					  struct block_device *bdev,
					  sector_t start, sector_t nr,
					  bool derived, bool node_only)
{
	struct bh_volume *vol;
	int err;

	vol = bh_volume_lookup_range(disk, start, nr);
	if (vol)
		return vol;
	vol = bh_volume_new(disk, bdev, start, nr);
	if (!vol)
		return ERR_PTR(-ENOMEM);
	vol->derived = derived;
	vol->node_only = node_only;
	vol->spans = bh_spans_get(disk);
	err = PTR_ERR_OR_ZERO(vol->spans);
	if (err)
		goto free;
	err = bh_pin();
	if (err)
		goto spans;
	err = bh_stack_get(vol, disk);
	if (err)
		goto unpin;
	if (bdev)
		bh_set_ro(vol, bdev);
	/* deleted already: bh_disk_deleted() has passed and will not mark it */
	vol->detached = test_bit(GD_DEAD, &disk->state);
	vol->disk = vol->detached ? NULL : disk;
	hlist_add_head_rcu(&vol->hash_node, bh_bucket(disk));
	bh_spans_insert(vol);
	list_add_tail(&vol->node, &bh_volumes);
	return vol;

unpin:
	bh_unpin();
spans:
	bh_spans_put(vol);
free:
	bh_volume_free(vol);
	return ERR_PTR(err);
}

/* The same for a hold of the volume's own. */
struct bh_volume *bh_volume_get(struct gendisk *disk, struct block_device *bdev,
				sector_t start, sector_t nr)
{
	return bh_volume_obtain(disk, bdev, start, nr, false, false);
}

/*
 * The volume of a range beneath a stacked volume: no node of its own, so
 * no read-only flag on the disk's other tenants. @node_only: bios pass,
 * unless the range is held for bios too already.
 */
struct bh_volume *bh_volume_get_beneath(struct gendisk *disk, sector_t start,
					sector_t nr, bool node_only)
{
	struct bh_volume *vol;

	vol = bh_volume_obtain(disk, NULL, start, nr, true, node_only);
	if (!IS_ERR(vol) && !node_only)
		WRITE_ONCE(vol->node_only, false);
	return vol;
}

/* Give the volume its read-only flag back, if it is still the same disk. */
static void bh_volume_restore_ro(struct bh_volume *vol)
{
	struct block_device *bdev;

	if (READ_ONCE(vol->detached) || !vol->devt)
		return;
	bdev = bh_bdev_get(vol->devt);
	if (!bdev)
		return;
	if (bdev->bd_disk == vol->disk)
		bh_bdev_set_ro_flag(bdev, vol->was_ro);
	bh_bdev_put(bdev);
}

/* Retire @vol if it has no hold left. */
void bh_volume_put(struct bh_volume *vol)
{
	if (vol->nr_holds)
		return;
	hlist_del_init_rcu(&vol->hash_node);
	bh_spans_put(vol);
	list_del(&vol->node);
	bh_stack_put(vol);
	bh_volume_restore_ro(vol);
	bh_unpin();
	bh_volume_free(vol);
}

int bh_volume_add_hold(struct bh_volume *vol, struct bh_hold *hold,
		       struct netlink_ext_ack *extack)
{
	const char *reason = hold->reason[0] ? hold->reason : NULL;

	lockdep_assert_held(&bh_lock);
	if (bh_hold_lookup(vol, hold->name)) {
		NL_SET_ERR_MSG(extack, "the volume already has a hold of that name");
		return -EEXIST;
	}
	if (vol->nr_holds >= bh_max_holds_per_volume) {
		NL_SET_ERR_MSG(extack,
			       "the volume has the most holds allowed (module parameter max_holds_per_volume)");
		return -ENOSPC;
	}
	if (bh_nr_holds >= bh_max_holds) {
		NL_SET_ERR_MSG(extack,
			       "the host has the most holds allowed (module parameter max_holds)");
		return -ENOSPC;
	}
	list_add_tail(&hold->node, &vol->holds);
	vol->nr_holds++;
	bh_nr_holds++;
	if (hold->derived)
		bh_nr_derived++;
	bh_generation++;
	bh_announce_hold(BLKHOLD_CMD_HOLD_ADDED, vol, hold->name, reason);
	/* a stacked volume's hold is logged once, not once per range beneath */
	if (!hold->derived)
		pr_notice("hold '%s'%s placed on %s by %s[%d] uid %u%s%s\n",
			  hold->name,
			  hold->record && !hold->record->transient ?
			  " (stored)" : "", vol->devname, hold->comm, hold->pid,
			  from_kuid(&init_user_ns, hold->uid),
			  reason ? ": " : "", reason ?: "");
	return 0;
}

static void bh_hold_remove(struct bh_volume *vol, struct bh_hold *hold,
			   const char *reason)
{
	bh_announce_hold(BLKHOLD_CMD_HOLD_RELEASED, vol, hold->name, reason);
	if (!hold->derived)
		pr_notice("hold '%s' on %s released by %s[%d] uid %u%s%s\n",
			  hold->name, vol->devname, current->comm,
			  task_tgid_vnr(current),
			  from_kuid(&init_user_ns, current_uid()),
			  reason ? ": " : "", reason ?: "");
	list_del(&hold->node);
	vol->nr_holds--;
	bh_nr_holds--;
	if (hold->derived)
		bh_nr_derived--;
	kfree(hold);
	bh_generation++;
	bh_volume_put(vol);
}

/*
 * Remove the holds made from @rec: all of them, or only those on disks
 * that are gone (a re-plugged disk is held again under its new diskseq).
 */
void bh_record_unbind(struct bh_record *rec, bool detached_only,
		      const char *reason)
{
	struct bh_volume *vol, *next_vol;
	struct bh_hold *hold, *next;

	lockdep_assert_held(&bh_lock);
	list_for_each_entry_safe(vol, next_vol, &bh_volumes, node) {
		if (detached_only && !READ_ONCE(vol->detached))
			continue;
		list_for_each_entry_safe(hold, next, &vol->holds, node) {
			if (hold->record != rec)
				continue;
			/* the volume goes with its last hold: stop here then */
			if (vol->nr_holds == 1) {
				bh_hold_remove(vol, hold, reason);
				break;
			}
			bh_hold_remove(vol, hold, reason);
		}
	}
}

/* How many disks hold a range because of @rec. */
unsigned int bh_record_bound(const struct bh_record *rec)
{
	const struct bh_volume *vol;
	const struct bh_hold *hold;
	unsigned int n = 0;

	lockdep_assert_held(&bh_lock);
	list_for_each_entry(vol, &bh_volumes, node)
		list_for_each_entry(hold, &vol->holds, node)
			if (hold->record == rec && !READ_ONCE(vol->detached))
				n++;
	return n;
}

/* A volume (detached ones too) holding a range for @rec. Under RCU or bh_lock. */
struct bh_volume *bh_record_volume(const struct bh_record *rec)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node) {
		const struct bh_hold *hold;

		/* holds are under bh_lock: a racing reader may miss one */
		list_for_each_entry_rcu(hold, &vol->holds, node, true)
			if (hold->record == rec)
				return vol;
	}
	return NULL;
}

/*
 * A node of a disk became openable (bdev_add(), which may not sleep here):
 * a volume made at the disk's arrival with exactly its range learns its
 * number and name, and the node gets the read-only flag before anyone can
 * open it. Ranges held only for a stacked volume above are not the node's:
 * it stays writable for the stack's other users. Returns the node's
 * volume, if it has one. Called under an RCU read-side section.
 */
struct bh_volume *bh_volume_appeared(struct block_device *bdev, dev_t devt)
{
	sector_t start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	sector_t nr = bdev_nr_sectors(bdev);
	struct bh_volume *vol;

	hlist_for_each_entry_rcu(vol, bh_bucket(bdev->bd_disk), hash_node) {
		if (vol->disk != bdev->bd_disk ||
		    vol->start != start || vol->nr_sects != nr ||
		    READ_ONCE(vol->derived))
			continue;
		if (!READ_ONCE(vol->devt)) {
			snprintf(vol->devname, sizeof(vol->devname), "%pg", bdev);
			WRITE_ONCE(vol->devt, devt);
			bh_set_ro(vol, bdev);
		}
		/* one volume per range of a disk */
		return vol;
	}
	return NULL;
}

/*
 * Give @vol the new @hold, or on failure free it and put the volume back.
 * Returns 1 when the range was not held before (the caller drains it).
 */
static int bh_volume_take_hold(struct bh_volume *vol, struct bh_hold *hold,
			       bool was_held, struct netlink_ext_ack *extack)
{
	int err = bh_volume_add_hold(vol, hold, extack);

	if (err) {
		kfree(hold);
		bh_volume_put(vol);
		return err;
	}
	return was_held ? 0 : 1;
}

/*
 * A range held only for a stacked volume above gets a hold of its own:
 * the volume becomes its node's (@bdev, or when that appears), with the
 * node's read-only flag, and refuses bios too. Returns 1 when bios
 * passed until now, so that the caller drains them.
 */
int bh_volume_own(struct bh_volume *vol, struct block_device *bdev)
{
	bool bios_passed = READ_ONCE(vol->node_only);

	lockdep_assert_held(&bh_lock);
	WRITE_ONCE(vol->node_only, false);
	WRITE_ONCE(vol->derived, false);
	if (bdev && !READ_ONCE(vol->devt)) {
		snprintf(vol->devname, sizeof(vol->devname), "%pg", bdev);
		WRITE_ONCE(vol->devt, bdev->bd_dev);
		bh_set_ro(vol, bdev);
	}
	return bios_passed;
}

/*
 * Hold [@start, +@nr) of @disk under the hold @name; @bdev is its node,
 * or NULL while it has none. Returns 1 when it created the volume or it
 * held no bios before (the caller drains them), 0 when it was held
 * already.
 */
int bh_hold_insert_range(struct gendisk *disk, struct block_device *bdev,
			 sector_t start, sector_t nr, const char *name,
			 const char *reason, struct netlink_ext_ack *extack)
{
	struct bh_volume *vol;
	struct bh_hold *hold;
	bool was_held;
	int ret;

	lockdep_assert_held(&bh_lock);
	was_held = bh_volume_lookup_range(disk, start, nr);
	hold = bh_hold_new(name, reason);
	if (!hold)
		return -ENOMEM;
	vol = bh_volume_get(disk, bdev, start, nr);
	if (IS_ERR(vol)) {
		kfree(hold);
		bh_pin_failed(PTR_ERR(vol), extack);
		return PTR_ERR(vol);
	}
	ret = bh_volume_take_hold(vol, hold, was_held, extack);
	if (ret >= 0 && READ_ONCE(vol->derived))
		ret = bh_volume_own(vol, bdev) ?: ret;
	return ret;
}

/*
 * The node @devt of disk @diskseq, found in the block class: no open, so
 * no module autoload and no wait for the disk's open_mutex.
 */
struct block_device *bh_node_get(dev_t devt, u64 diskseq,
				 struct netlink_ext_ack *extack)
{
	struct block_device *bdev = bh_bdev_get(devt);

	if (!bdev || !disk_live(bdev->bd_disk)) {
		if (bdev)
			bh_bdev_put(bdev);
		NL_SET_ERR_MSG(extack, "no such block device");
		return ERR_PTR(-ENODEV);
	}
	if (bdev->bd_disk->diskseq != diskseq) {
		bh_bdev_put(bdev);
		NL_SET_ERR_MSG(extack,
			       "the device number now belongs to another disk (diskseq differs)");
		return ERR_PTR(-ESTALE);
	}
	return bdev;
}

/* Is @hold derived from the hold @name of root volume @root? */
static bool bh_derived_from(const struct bh_hold *hold,
			    const struct bh_volume *root, const char *name)
{
	return hold->derived && hold->root_diskseq == root->diskseq &&
	       hold->root_start == root->start && !strcmp(hold->name, name);
}

/* The hold @name of @root goes: so do the holds derived from it. */
static void bh_release_derived(struct bh_volume *root, const char *name,
			       const char *reason)
{
	struct bh_volume *vol, *next_vol;
	struct bh_hold *hold, *next;

	if (!bh_nr_derived)
		return;
	list_for_each_entry_safe(vol, next_vol, &bh_volumes, node) {
		list_for_each_entry_safe(hold, next, &vol->holds, node) {
			if (!bh_derived_from(hold, root, name))
				continue;
			/* names are unique per volume: one at most here */
			bh_hold_remove(vol, hold, reason);
			break;
		}
	}
}

/*
 * The volume a release names: by its range while the disk is present
 * (a volume made at the disk's arrival may not know its number yet), by
 * its number once the disk is gone.
 */
static struct bh_volume *bh_volume_named(dev_t devt, u64 diskseq)
{
	struct bh_volume *vol = NULL;
	struct block_device *bdev = bh_bdev_get(devt);

	if (bdev) {
		sector_t start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;

		if (bdev->bd_disk->diskseq == diskseq)
			vol = bh_volume_lookup_range(bdev->bd_disk, start,
						     bdev_nr_sectors(bdev));
		bh_bdev_put(bdev);
	}
	return vol ?: bh_volume_lookup_devt(devt, diskseq);
}

/* The record the hold @name of the volume @devt/@diskseq was made from. */
struct bh_record *bh_hold_record(dev_t devt, u64 diskseq, const char *name)
{
	struct bh_volume *vol;
	struct bh_hold *hold;

	lockdep_assert_held(&bh_lock);
	vol = bh_volume_named(devt, diskseq);
	hold = vol ? bh_hold_lookup(vol, name) : NULL;
	return hold ? hold->record : NULL;
}

/*
 * Remove the hold @name of the volume @devt/@diskseq names. The hold of a
 * transient record is the record's to end: it is handed back in
 * @transient, for the caller to drop under the same bh_lock.
 */
int bh_hold_remove_named(dev_t devt, u64 diskseq, const char *name,
			 const char *reason, struct bh_record **transient,
			 struct netlink_ext_ack *extack)
{
	struct bh_volume *vol;
	struct bh_hold *hold;
	int err = 0;

	lockdep_assert_held(&bh_lock);
	*transient = NULL;
	vol = bh_volume_named(devt, diskseq);
	hold = vol ? bh_hold_lookup(vol, name) : NULL;
	if (!vol) {
		NL_SET_ERR_MSG(extack, "the volume has no holds");
		err = -ENOENT;
	} else if (!hold) {
		NL_SET_ERR_MSG(extack, "the volume has no hold of that name");
		err = -ENOENT;
	} else if (hold->record && hold->record->transient) {
		*transient = hold->record;
	} else if (hold->record) {
		NL_SET_ERR_MSG(extack,
			       "the hold is a stored one: release its record (blkhold release updates the store)");
		err = -EBUSY;
	} else if (hold->derived) {
		NL_SET_ERR_MSG(extack,
			       "the hold is derived from the hold of that name on a stacked volume: release that one");
		err = -EBUSY;
	} else {
		bh_release_derived(vol, name, reason);
		bh_hold_remove(vol, hold, reason);
	}
	return err;
}

/*
 * The root of a derived hold: the volume @root_devt/@root_diskseq names,
 * with a hold @name of its own.
 */
static struct bh_hold *bh_root_hold(dev_t root_devt, u64 root_diskseq,
				    const char *name, struct bh_volume **root,
				    struct netlink_ext_ack *extack)
{
	struct bh_hold *hold;

	*root = bh_volume_named(root_devt, root_diskseq);
	hold = *root ? bh_hold_lookup(*root, name) : NULL;
	if (!hold || hold->derived) {
		NL_SET_ERR_MSG(extack,
			       "the root volume has no hold of that name of its own");
		return NULL;
	}
	return hold;
}

/*
 * Hold [@start, +@nr) of @bdev (relative) for the hold @name on @root:
 * that range carries its data. A range held so already is not an error,
 * so an interrupted placement can be run again. Returns 1 when it made
 * the volume.
 */
static int bh_derived_insert(struct block_device *bdev,
			     const struct bh_derived_request *req,
			     struct bh_volume *root,
			     const struct bh_hold *root_hold,
			     struct netlink_ext_ack *extack)
{
	sector_t abs = req->start +
		       (bdev_is_partition(bdev) ? bdev->bd_start_sect : 0);
	struct bh_volume *vol;
	struct bh_hold *hold, *old;
	bool was_held;

	was_held = bh_volume_lookup_range(bdev->bd_disk, abs, req->nr_sects);
	vol = bh_volume_get_beneath(bdev->bd_disk, abs, req->nr_sects,
				    req->node_only);
	if (IS_ERR(vol)) {
		bh_pin_failed(PTR_ERR(vol), extack);
		return PTR_ERR(vol);
	}
	old = bh_hold_lookup(vol, root_hold->name);
	if (old && bh_derived_from(old, root, root_hold->name))
		return 0;
	hold = bh_hold_new(root_hold->name, root_hold->reason);
	if (!hold) {
		bh_volume_put(vol);
		return -ENOMEM;
	}
	hold->derived = true;
	hold->root_diskseq = root->diskseq;
	hold->root_start = root->start;
	strscpy(hold->via, root->devname, sizeof(hold->via));
	return bh_volume_take_hold(vol, hold, was_held, extack);
}

int bh_hold_add_derived(const struct bh_derived_request *req,
			struct netlink_ext_ack *extack)
{
	struct bh_hold *root_hold;
	struct block_device *bdev;
	struct bh_volume *root;
	int err;

	bdev = bh_node_get(req->devt, req->diskseq, extack);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	if (req->start + req->nr_sects > bdev_nr_sectors(bdev)) {
		NL_SET_ERR_MSG(extack, "the range ends beyond the volume");
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&bh_lock);
	root_hold = bh_root_hold(req->root_devt, req->root_diskseq, req->name,
				 &root, extack);
	err = root_hold ? bh_derived_insert(bdev, req, root, root_hold,
					    extack) : -ENOENT;
	if (err > 0 && req->drain_later) {
		bh_drain_later(bdev->bd_disk);
		err = 0;
	}
	mutex_unlock(&bh_lock);
	if (err > 0)
		bh_drain_disk(bdev->bd_disk);
	err = min(err, 0);
out:
	bh_bdev_put(bdev);
	return err;
}

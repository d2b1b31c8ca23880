// SPDX-License-Identifier: GPL-2.0
/*
 * Records: holds on a medium named by its stable identity (disk.c), armed
 * from the store at boot or placed on a disk that has an identity. A
 * record holds its range of every disk with that identity, from the moment
 * such a disk appears, for as long as it is armed: after a re-plug, a
 * re-probe or an unbind and bind of the driver the disk is held again
 * before it can be opened. The request gate judges passthrough to a medium
 * by its records too, so sg, bsg and an NVMe controller are held while no
 * disk of the medium is there (passthru.c).
 *
 * device_add_disk() is redirected here from load to unload: a disk is
 * matched, and its volumes published, before device_add() creates its
 * node, before bdev_add() makes it openable, before the partition scan and
 * the uevent that udev, md, LVM and multipath act on. A disk whose
 * identity matches no record does not wait for bh_lock. bdev_add() is
 * observed to give each held node its number, name and read-only flag.
 *
 * A disk arrives while a record is armed with neither missing the other:
 * the arrival registers itself and then looks for records, the record is
 * published and then looks for arrivals (and in the block class), each
 * with a full barrier in between. Binding twice is no error.
 */
#include "blkhold.h"
#include "custody.h"
#include "disk.h"
#include "events.h"
#include "hooks.h"
#include "persist.h"
#include "registry.h"
#include "retention.h"
#include "spans.h"

#include <linux/device.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

/* The hold a disk gets whose identity cannot be read while records wait. */
#define BH_UNIDENTIFIED_HOLD	"blkhold-unidentified"

static unsigned int bh_max_records = 10000;
module_param_named(max_records, bh_max_records, uint, 0444);
MODULE_PARM_DESC(max_records, "armed records, stored and transient (10000)");

static LIST_HEAD(bh_records);
static unsigned int bh_nr_records;

bool bh_records_armed(void)
{
	return READ_ONCE(bh_nr_records);
}

/* A record for medium @identity, under RCU or bh_lock. */
struct bh_record *bh_record_find_identity(const char *identity)
{
	struct bh_record *rec;

	list_for_each_entry_rcu(rec, &bh_records, node, bh_registry_locked())
		if (!strcmp(rec->identity, identity))
			return rec;
	return NULL;
}

/* A record that has held a namespace of NVMe subsystem @nqn, under RCU. */
struct bh_record *bh_record_find_subsys(const char *nqn)
{
	struct bh_record *rec;
	const char *subsys;

	list_for_each_entry_rcu(rec, &bh_records, node) {
		subsys = rcu_dereference(rec->subsys);
		if (subsys && !strcmp(subsys, nqn))
			return rec;
	}
	return NULL;
}

/*
 * A partition in a stored hold's range whose UUID is not the one recorded:
 * the table was rewritten. The range stays held; the alert says so. May
 * run in atomic context (bdev_add()).
 */
static void bh_check_partuuid(const struct bh_volume *vol,
			      struct block_device *bdev)
{
	const char *uuid = bdev->bd_meta_info ? bdev->bd_meta_info->uuid : "";
	char what[160];

	if (!vol->partuuid[0] || !bdev_is_partition(bdev) ||
	    !strcasecmp(uuid, vol->partuuid))
		return;
	snprintf(what, sizeof(what),
		 "partition UUID is '%s', not '%s' as stored: the range stays held",
		 uuid, vol->partuuid);
	bh_alert(vol->devname, NULL, what);
}

/* ---- binding records to disks, under bh_lock ---- */

/* The node of @disk with exactly this range, if it has one already. */
static struct block_device *bh_disk_node(struct gendisk *disk, sector_t start,
					 sector_t nr)
{
	struct block_device *part;
	unsigned long idx;

	if (!disk_live(disk))
		return NULL;
	if (!start && nr == get_capacity(disk))
		return disk->part0;
	xa_for_each_start(&disk->part_tbl, idx, part, 1)
		if (part->bd_start_sect == start && bdev_nr_sectors(part) == nr)
			return part;
	return NULL;
}

/* @rec learns the NVMe subsystem of the disk it holds, once. */
static void bh_record_learn(struct bh_record *rec, const struct bh_volume *vol)
{
	const char *subsys;

	if (rcu_access_pointer(rec->subsys) || !vol->subsys)
		return;
	subsys = kstrdup(vol->subsys, GFP_KERNEL);
	if (subsys)
		rcu_assign_pointer(rec->subsys, subsys);
}

/*
 * Hold @rec's range of @disk. A disk whose size differs from the one the
 * record was made on may be laid out differently: all of it is held then,
 * and an alert says so. Returns 1 when the range was not held before.
 */
static int bh_record_bind(struct bh_record *rec, struct gendisk *disk,
			  struct netlink_ext_ack *extack)
{
	sector_t start = rec->start, nr = rec->nr_sects;
	bool node_only = rec->node_only;
	struct block_device *node = NULL;
	struct bh_volume *vol;
	struct bh_hold *hold;
	bool created;
	int err;

	bh_registry_assert_locked();
	/* a record placed by identity alone knows no size: its range holds */
	if (rec->disk_sects && get_capacity(disk) != rec->disk_sects) {
		start = 0;
		nr = max(get_capacity(disk), rec->disk_sects);
		node_only = false;
		bh_alert(disk->disk_name, rec->identity,
			 "disk size differs from the stored hold's: all of the disk is held");
	}
	hold = kmemdup(&rec->proto, sizeof(*hold), GFP_KERNEL);
	if (!hold)
		return -ENOMEM;
	hold->record = rec;
	if (rec->beneath) {
		vol = bh_volume_get_beneath(disk, start, nr, node_only);
	} else {
		node = bh_disk_node(disk, start, nr);
		vol = bh_volume_get(disk, node, start, nr);
	}
	if (IS_ERR(vol)) {
		kfree(hold);
		return PTR_ERR(vol);
	}
	created = !vol->nr_holds;
	if (!vol->partuuid[0] && start == rec->start) {
		strscpy(vol->partuuid, rec->partuuid, sizeof(vol->partuuid));
		if (node)
			bh_check_partuuid(vol, node);
	}
	err = bh_volume_add_hold(vol, hold, extack);
	if (err) {
		kfree(hold);
		bh_volume_put(vol);
	}
	/* the same record bound twice (the disk seen twice) is no error */
	if (err)
		return err == -EEXIST ? 0 : err;
	bh_record_learn(rec, vol);
	/* a range held for a stacked volume above, now held for itself */
	if (!rec->beneath && READ_ONCE(vol->derived))
		created |= bh_volume_own(vol, node);
	return created;
}

/*
 * A live disk whose range was not held yet may have writes in flight that
 * passed the gate before: they complete before the record is reported
 * armed (bh_drain_deferred(), after bh_lock is dropped).
 */
static int bh_record_bind_disk(struct bh_record *rec, struct gendisk *disk,
			       struct netlink_ext_ack *extack)
{
	int created = bh_record_bind(rec, disk, extack);

	if (created > 0 && disk_live(disk))
		bh_drain_later(disk);
	return min(created, 0);
}

/* Every record of @identity holds its range of arriving @disk. */
static int bh_record_bind_all(struct gendisk *disk, const char *identity)
{
	struct bh_record *rec;
	bool bound = false;
	int err;

	list_for_each_entry(rec, &bh_records, node) {
		if (strcmp(rec->identity, identity))
			continue;
		if (!bound)
			pr_notice("%s (diskseq %llu, %s) has stored holds: held before it can be opened\n",
				  disk->disk_name, disk->diskseq, identity);
		bound = true;
		bh_record_unbind(rec, true, "its disk is gone");
		err = bh_record_bind(rec, disk, NULL);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- disk arrival ---- */

/*
 * A disk whose identity could not be read while records wait for their
 * disks might be one of them: it is held whole under a hold of its own,
 * and an alert says why, until an admin releases that hold.
 */
static int bh_quarantine(struct gendisk *disk, int why)
{
	int err;

	pr_warn("%s: identity unreadable (%d) while stored holds are armed\n",
		disk->disk_name, why);
	bh_alert(disk->disk_name, NULL,
		 "identity unreadable: held whole until released ('" BH_UNIDENTIFIED_HOLD "')");
	bh_registry_lock();
	err = bh_hold_insert_range(disk, NULL, 0, get_capacity(disk),
				   BH_UNIDENTIFIED_HOLD,
				   "identity unreadable at arrival", NULL);
	bh_registry_unlock();
	return min(err, 0);
}

/*
 * Adding a disk (compat.h: BH_ADD_DISK), redirected from load to unload. A
 * disk whose holds cannot all be published is not added: failing the
 * driver's probe is better than a held disk that can be written.
 */
static int bh_disk_arrives(struct device *parent, struct gendisk *disk,
			   const struct attribute_group **groups,
			   struct fwnode_handle *fwnode)
{
	struct bh_arrival arrival = { .disk = disk, .parent = parent };
	int err, id_err;

	id_err = bh_disk_identity(disk, parent, groups, arrival.identity,
				  GFP_KERNEL);
	arrival.known = !id_err;
	bh_arrival_begin(&arrival);
	err = 0;
	if (arrival.known && bh_records_armed()) {
		rcu_read_lock();
		arrival.known = bh_record_find_identity(arrival.identity);
		rcu_read_unlock();
		if (arrival.known) {
			bh_registry_lock();
			err = bh_record_bind_all(disk, arrival.identity);
			bh_registry_unlock();
		}
	} else if (id_err && id_err != -ENODATA && bh_records_armed()) {
		err = bh_quarantine(disk, id_err);
	}
	if (err) {
		pr_err("%s (%s) has stored holds that cannot be placed (%d): not adding the disk\n",
		       disk->disk_name, arrival.identity, err);
		bh_alert(disk->disk_name, arrival.identity,
			 "stored holds could not be placed: the disk was not added");
	} else {
		err = bh_add_disk(parent, disk, groups, fwnode);
	}
	/* a disk that never came: its volumes wait to be dropped, like a gone one's */
	if (err)
		bh_disk_deleted(disk, true);
	bh_arrival_end(&arrival);
	bh_refusal_done();
	return err;
}

#ifdef BH_HAVE_ADD_DISK_FWNODE
static int bh_refuse_add_disk(struct device *parent, struct gendisk *disk,
			      const struct attribute_group **groups,
			      struct fwnode_handle *fwnode)
{
	return bh_disk_arrives(parent, disk, groups, fwnode);
}
#else
static int bh_refuse_add_disk(struct device *parent, struct gendisk *disk,
			      const struct attribute_group **groups)
{
	return bh_disk_arrives(parent, disk, groups, NULL);
}
#endif

static bool bh_always_arrives(struct ftrace_regs *fregs)
{
	return true;
}

BH_HOOK_CALLBACK(bh_arrival_callback, bh_always_arrives)

/* Each node of a held disk gets its read-only flag before it is openable. */
static bool bh_bdev_adding(struct ftrace_regs *fregs)
{
	struct block_device *bdev = (void *)bh_ftrace_arg(fregs, 0);
	struct bh_volume *vol;

	if (bh_disk_may_be_held(bdev->bd_disk)) {
		rcu_read_lock_sched_notrace();
		vol = bh_volume_appeared(bdev, bh_ftrace_arg(fregs, 1));
		if (vol)
			bh_check_partuuid(vol, bdev);
		rcu_read_unlock_sched_notrace();
	}
	return false;
}

BH_HOOK_CALLBACK(bh_bdev_add_callback, bh_bdev_adding)

/* Installed from load to unload: a record never races its first disk. */
static struct bh_hook bh_arrival_hooks[] = {
	{ BH_ADD_DISK, bh_arrival_callback, bh_refuse_add_disk },
};

static struct bh_hook bh_persist_hooks[] = {
	{ "bdev_add", bh_bdev_add_callback, NULL },
};

/* ---- disks already present ---- */

/* Disks with the identity looked for, each with a reference. */
struct bh_present {
	const char *identity;
	struct gendisk **disks;
	unsigned int n, max;
	int err;
};

static void bh_present_add(struct bh_present *p, struct gendisk *disk)
{
	struct gendisk **grown;

	if (p->n == p->max) {
		grown = krealloc_array(p->disks, p->max + 8, sizeof(*grown),
				       GFP_KERNEL);
		if (!grown) {
			p->err = -ENOMEM;
			return;
		}
		p->disks = grown;
		p->max += 8;
	}
	get_device(disk_to_dev(disk));
	p->disks[p->n++] = disk;
}

/*
 * A disk of the block class with the identity looked for (partitions are
 * skipped: they share it). Its identity is read here, without bh_lock: a
 * virtio serial is device I/O.
 */
static int bh_present_disk(struct device *dev, void *data)
{
	struct block_device *bdev = dev_to_bdev(dev);
	struct bh_present *p = data;
	char id[BLKHOLD_IDENTITY_MAX + 1];

	if (bdev_is_partition(bdev))
		return 0;
	if (!bh_disk_identity_now(bdev->bd_disk, id, GFP_KERNEL) &&
	    !strcmp(id, p->identity))
		bh_present_add(p, bdev->bd_disk);
	return p->err;
}

/* The disks in arrival with the identity looked for. */
static void bh_present_arriving(struct bh_present *p)
{
	struct gendisk *batch[8];
	unsigned int i, n;

	n = bh_arrivals_matching(p->identity, batch, ARRAY_SIZE(batch));
	for (i = 0; i < n; i++) {
		bh_present_add(p, batch[i]);
		put_disk(batch[i]);
	}
}

/* Bind @rec to every disk with its identity that is here or arriving. */
static int bh_record_bind_present(struct bh_record *rec,
				  struct netlink_ext_ack *extack)
{
	struct bh_present p = { .identity = rec->identity };
	unsigned int i;
	int err;

	bh_present_arriving(&p);
	class_for_each_device(bh_block_class, NULL, &p, bh_present_disk);
	err = p.err;
	bh_registry_lock();
	for (i = 0; i < p.n && !err; i++)
		err = bh_record_bind_disk(rec, p.disks[i], extack);
	bh_registry_unlock();
	for (i = 0; i < p.n; i++)
		put_disk(p.disks[i]);
	kfree(p.disks);
	return err;
}

/* ---- records ---- */

static struct bh_record *bh_record_lookup(const struct bh_record *key)
{
	struct bh_record *rec;

	bh_registry_assert_locked();
	list_for_each_entry(rec, &bh_records, node)
		if (!strcmp(rec->identity, key->identity) &&
		    rec->start == key->start &&
		    rec->nr_sects == key->nr_sects &&
		    !strcmp(rec->proto.name, key->proto.name))
			return rec;
	return NULL;
}

struct bh_record *bh_record_at(unsigned long index)
{
	struct bh_record *rec;

	bh_registry_assert_locked();
	list_for_each_entry(rec, &bh_records, node)
		if (index-- == 0)
			return rec;
	return NULL;
}

static void bh_record_free_rcu(struct rcu_head *head)
{
	struct bh_record *rec = container_of(head, struct bh_record, rcu);

	kfree(rcu_access_pointer(rec->subsys));
	kfree(rec);
}

/* Take @rec off the books and its holds off the disks; the caller frees it. */
static void bh_record_disarm(struct bh_record *rec, const char *reason)
{
	bh_record_unbind(rec, false, reason);
	list_del_rcu(&rec->node);
	WRITE_ONCE(bh_nr_records, bh_nr_records - 1);
	bh_unpin();
}

/*
 * Disarm and free an armed record. Its custodians go at once: only
 * releases, under bh_lock, look at them.
 */
static void bh_record_drop(struct bh_record *rec, const char *reason)
{
	bh_record_disarm(rec, reason);
	bh_custody_free(rec->custody);
	rec->custody = NULL;
	call_rcu(&rec->rcu, bh_record_free_rcu);
}

/* Free a record that was never armed. */
void bh_record_discard(struct bh_record *rec)
{
	if (rec)
		bh_custody_free(rec->custody);
	kfree(rec);
}

/* What a release order for @rec names. */
static struct bh_order_subject bh_record_subject(const struct bh_record *rec)
{
	return (struct bh_order_subject) {
		.identity = rec->identity,
		.start = rec->start,
		.nr_sects = rec->nr_sects,
		.name = rec->proto.name,
	};
}

/*
 * May @rel end @rec? Not before a compliance date; its custodians, if
 * any, must have signed. A release by override is announced.
 */
static int bh_record_may_release(struct bh_record *rec,
				 const struct bh_release *rel,
				 struct netlink_ext_ack *extack)
{
	struct bh_order_subject subject = bh_record_subject(rec);
	struct bh_retention_check check = {
		.ret = &rec->retain,
		.custodians = !!rec->custody,
		.override = rel->override,
	};
	int err;

	if (rel->override && !rel->reason) {
		NL_SET_ERR_MSG(extack, "override needs a reason");
		return -EINVAL;
	}
	err = bh_retention_may_release(&check, extack);
	if (err == BH_RETAIN_OVERRIDDEN) {
		bh_record_tamper(rec, "released by override before its retention date");
		return 0;
	}
	if (!err && rec->custody)
		err = bh_custody_verify(rec->custody, &subject, rel->order,
					rel->order_len, extack);
	return err;
}

/* A new release order for @rec, which must have custodians; kfree() it. */
static char *bh_record_order(struct bh_record *rec,
			     struct netlink_ext_ack *extack)
{
	struct bh_order_subject subject = bh_record_subject(rec);
	char *text;

	if (!rec->custody) {
		NL_SET_ERR_MSG(extack,
			       "the hold has no custodians: blkhold release ends it without an order");
		return ERR_PTR(-EINVAL);
	}
	text = bh_custody_order(rec->custody, &subject);
	return text ?: ERR_PTR(-ENOMEM);
}

/*
 * Publish @rec, after checking that it is new and fits. Then every
 * arrival either sees it or is seen by bh_record_bind_present().
 */
static int bh_record_publish(struct bh_record *rec, struct netlink_ext_ack *extack)
{
	int err;

	bh_registry_lock();
	if (bh_record_lookup(rec)) {
		NL_SET_ERR_MSG(extack, "the volume already has a hold of that name");
		err = -EEXIST;
	} else if (bh_nr_records >= bh_max_records) {
		NL_SET_ERR_MSG(extack,
			       "the host has the most records armed (module parameter max_records)");
		err = -ENOSPC;
	} else {
		err = bh_pin();
		if (err)
			bh_pin_failed(err, extack);
	}
	if (!err) {
		list_add_tail_rcu(&rec->node, &bh_records);
		WRITE_ONCE(bh_nr_records, bh_nr_records + 1);
	}
	bh_registry_unlock();
	/* pairs with the barrier in bh_arrival_begin() */
	smp_mb();
	return err;
}

/*
 * Is @bdev's disk one that @rec is for? Read without bh_lock (a virtio
 * serial is device I/O).
 */
static int bh_record_fits(const struct bh_record *rec,
			  struct block_device *bdev,
			  struct netlink_ext_ack *extack)
{
	char id[BLKHOLD_IDENTITY_MAX + 1];

	if (bh_disk_identity_now(bdev->bd_disk, id, GFP_KERNEL)) {
		NL_SET_ERR_MSG(extack,
			       "the disk has no stable identity in the kernel (use a transient hold)");
		return -EINVAL;
	}
	if (strcmp(id, rec->identity)) {
		NL_SET_ERR_MSG(extack,
			       "the disk's identity in the kernel differs from the record's");
		return -EINVAL;
	}
	return 0;
}

/*
 * Arm @rec and hold its range on every disk with its identity. With
 * @bdev, the caller means that disk: unless it is one of them, nothing is
 * armed. On success the record is the registry's; on failure it is still
 * the caller's, to free.
 */
int bh_record_add(struct bh_record *rec, struct block_device *bdev,
		  bool drain_later, struct netlink_ext_ack *extack)
{
	int err = bdev ? bh_record_fits(rec, bdev, extack) : 0;

	if (!err)
		err = bh_record_publish(rec, extack);
	if (err)
		return err;
	err = bh_record_bind_present(rec, extack);
	if (err) {
		if (extack && !extack->_msg)
			NL_SET_ERR_MSG(extack, "cannot hold every disk with that identity");
		bh_registry_lock();
		bh_record_disarm(rec, "placing it failed");
		bh_registry_unlock();
		/* arrivals and the gate may still look at it */
		synchronize_rcu();
		return err;
	}
	pr_notice("%s hold '%s' armed for %s, sectors %llu+%llu, by %s[%d]\n",
		  rec->transient ? "transient" : "stored", rec->proto.name,
		  rec->identity,
		  (unsigned long long)rec->start,
		  (unsigned long long)rec->nr_sects, current->comm,
		  task_tgid_vnr(current));
	if (!drain_later)
		bh_drain_deferred(NULL);
	return 0;
}

/* The armed record @key names, or NULL, saying so in @extack. Under bh_lock. */
static struct bh_record *bh_record_armed(const struct bh_record *key,
					 struct netlink_ext_ack *extack)
{
	struct bh_record *rec = bh_record_lookup(key);

	if (!rec)
		NL_SET_ERR_MSG(extack, "no record with that identity, range and name is armed");
	return rec;
}

int bh_record_del(const struct bh_record *key, const struct bh_release *rel,
		  struct netlink_ext_ack *extack)
{
	const char *reason = rel->reason;
	struct bh_record *rec;
	int err;

	bh_registry_lock();
	rec = bh_record_armed(key, extack);
	err = rec ? bh_record_may_release(rec, rel, extack) : -ENOENT;
	if (!err) {
		pr_notice("stored hold '%s' on %s disarmed by %s[%d]%s%s%s\n",
			  rec->proto.name, rec->identity, current->comm,
			  task_tgid_vnr(current),
			  rec->custody ? " on a custodian's order" : "",
			  reason ? ": " : "", reason ?: "");
		bh_record_drop(rec, reason);
	}
	bh_registry_unlock();
	return err;
}

/* Give the record @key the retention @want: a later date, a stricter mode. */
int bh_record_retain(const struct bh_record *key,
		     const struct bh_retention *want,
		     struct netlink_ext_ack *extack)
{
	struct bh_record *rec;
	int err;

	bh_registry_lock();
	rec = bh_record_armed(key, extack);
	err = rec ? 0 : -ENOENT;
	if (rec && rec->transient) {
		NL_SET_ERR_MSG(extack,
			       "a retention date is for a stored hold, not a transient one");
		err = -EINVAL;
	}
	if (!err)
		err = bh_retention_extend(&rec->retain, want, extack);
	if (!err)
		pr_notice("stored hold '%s' on %s retained in %s mode until %llu, by %s[%d]\n",
			  rec->proto.name, rec->identity,
			  bh_retention_mode_name(want->mode), want->until,
			  current->comm, task_tgid_vnr(current));
	bh_registry_unlock();
	return err;
}

/* The order that releases the record @key names; kfree() it. */
char *bh_record_order_text(const struct bh_record *key,
			   struct netlink_ext_ack *extack)
{
	struct bh_record *rec;
	char *text;

	bh_registry_lock();
	rec = bh_record_armed(key, extack);
	text = rec ? bh_record_order(rec, extack) : ERR_PTR(-ENOENT);
	bh_registry_unlock();
	return text;
}

/* The order that releases the transient hold @name of @devt/@diskseq. */
char *bh_hold_order_text(dev_t devt, u64 diskseq, const char *name,
			 struct netlink_ext_ack *extack)
{
	struct bh_record *rec;
	char *text;

	bh_registry_lock();
	rec = bh_hold_record(devt, diskseq, name);
	if (rec) {
		text = bh_record_order(rec, extack);
	} else {
		NL_SET_ERR_MSG(extack,
			       "the volume has no hold of that name made on a disk with an identity");
		text = ERR_PTR(-ENOENT);
	}
	bh_registry_unlock();
	return text;
}

/*
 * A transient hold on a disk with a stable identity is a transient record:
 * it holds the same range of every disk with that identity, now and until
 * it is released (the paths of one LUN, an NVMe multipath head's hidden
 * path disks, the disk again after a re-plug). -ENODATA for a disk without
 * an identity: the caller holds it alone.
 */
static int bh_hold_add_paths(struct block_device *bdev, const char *name,
			     const char *reason, struct bh_custody **custody,
			     struct netlink_ext_ack *extack)
{
	struct gendisk *disk = bdev->bd_disk;
	struct bh_record *rec;
	struct bh_hold *proto;
	int err = -ENOMEM;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	proto = bh_hold_new(name, reason);
	if (!rec || !proto)
		goto out;
	err = bh_disk_identity_now(disk, rec->identity, GFP_KERNEL);
	if (err)
		goto out;
	rec->proto = *proto;
	rec->transient = true;
	rec->start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	rec->nr_sects = bdev_nr_sectors(bdev);
	rec->disk_sects = get_capacity(disk);
	rec->custody = *custody;
	err = bh_record_add(rec, NULL, false, extack);
	if (!err) {
		rec = NULL;	/* the registry's now, with its custodians */
		*custody = NULL;
	}
out:
	kfree(rec);
	kfree(proto);
	return err;
}

/*
 * With @drain_later, the writes in flight to a volume held for the first
 * time are left to bh_drain_deferred(): one wait for a batch of holds.
 */
int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		bool drain_later, struct bh_custody *custody,
		struct netlink_ext_ack *extack)
{
	struct block_device *bdev = bh_node_get(devt, diskseq, extack);
	sector_t start;
	int err;

	if (IS_ERR(bdev)) {
		bh_custody_free(custody);
		return PTR_ERR(bdev);
	}
	err = bh_hold_add_paths(bdev, name, reason, &custody, extack);
	if (err != -ENODATA)
		goto out;
	if (custody) {
		NL_SET_ERR_MSG(extack,
			       "a hold with custodians needs a disk with a stable identity in the kernel");
		err = -EINVAL;
		goto out;
	}
	start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	bh_registry_lock();
	err = bh_hold_insert_range(bdev->bd_disk, bdev, start,
				   bdev_nr_sectors(bdev), name, reason, extack);
	if (err > 0 && drain_later) {
		bh_drain_later(bdev->bd_disk);
		err = 0;
	}
	bh_registry_unlock();
	/* a volume held already has had nothing in flight since its first hold */
	if (err > 0)
		bh_drain_disk(bdev->bd_disk);
	err = min(err, 0);
out:
	bh_custody_free(custody);
	bh_bdev_put(bdev);
	return err;
}

/* Release the hold @name; a transient record's ends with its record. */
int bh_hold_release(dev_t devt, u64 diskseq, const char *name,
		    const struct bh_release *rel, struct netlink_ext_ack *extack)
{
	struct bh_record *transient;
	int err;

	bh_registry_lock();
	err = bh_hold_remove_named(devt, diskseq, name, rel->reason, &transient,
				   extack);
	if (transient)
		err = bh_record_may_release(transient, rel, extack);
	if (transient && !err)
		bh_record_drop(transient, rel->reason);
	bh_registry_unlock();
	return err;
}

int bh_persist_init(void)
{
	int err;

	err = bh_hooks_add_table(bh_persist_hooks, ARRAY_SIZE(bh_persist_hooks));
	if (err)
		return err;
	return bh_hook_group_install_always(bh_arrival_hooks,
					    ARRAY_SIZE(bh_arrival_hooks));
}

void bh_persist_exit(void)
{
	bh_hook_group_remove(bh_arrival_hooks, ARRAY_SIZE(bh_arrival_hooks));
	bh_hook_group_exit(bh_arrival_hooks, ARRAY_SIZE(bh_arrival_hooks));
}

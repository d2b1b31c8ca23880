// SPDX-License-Identifier: GPL-2.0
/*
 * Stored holds, armed: records that hold a range of every disk with a
 * given stable identity, from the moment such a disk appears.
 *
 * A disk's identity is what the kernel itself shows in sysfs: the SCSI
 * device's "wwid" (SCSI and SATA), the NVMe namespace's "wwid", the
 * virtio disk's "serial". blkhold calls the same show() functions, so the
 * CLI and the kernel compare the same strings. The identity is written
 * "SOURCE=VALUE", SOURCE being the attribute's path below /sys/block/X.
 *
 * device_add_disk() is redirected here while a record is armed: a disk is
 * matched, and its volumes published, before device_add() creates its
 * node, before bdev_add() makes it openable, before the partition scan and
 * the uevent that udev, md, LVM and multipath act on. bdev_add() is
 * observed to give each held node its number, name and read-only flag.
 */
#include "blkhold.h"

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

static LIST_HEAD(bh_records);
static unsigned int bh_nr_records;

/*
 * Disks between the identity check of their arrival and the end of
 * device_add_disk(): not yet in the block class, so a record armed
 * meanwhile looks for them here. Under bh_lock.
 */
struct bh_arrival {
	struct list_head node;
	struct gendisk *disk;
	struct device *parent;		/* what device_add_disk() will set */
	char identity[BLKHOLD_IDENTITY_MAX + 1];
};

static LIST_HEAD(bh_arrivals);

/* block_class is not exported; every disk's device points to it. */
static typeof(disk_to_dev((struct gendisk *)NULL)->class) bh_block_class;

/*
 * The device @disk hangs off. device_add_disk() sets it; until then a
 * disk in arrival has it from its caller.
 */
struct device *bh_disk_parent(struct gendisk *disk)
{
	struct bh_arrival *a;

	if (disk_to_dev(disk)->parent)
		return disk_to_dev(disk)->parent;
	bh_registry_assert_locked();
	list_for_each_entry(a, &bh_arrivals, node)
		if (a->disk == disk)
			return a->parent;
	return NULL;
}

/* ---- identities ---- */

static struct device_attribute *bh_find_attr(struct device *dev,
					     const struct attribute_group *const *groups,
					     const char *name)
{
	const struct attribute_group *grp;
	struct attribute *attr;
	int i;

	for (; groups && *groups; groups++) {
		grp = *groups;
		for (i = 0; grp->attrs && grp->attrs[i]; i++) {
			attr = grp->attrs[i];
			if (strcmp(attr->name, name))
				continue;
			if (grp->is_visible && !grp->is_visible(&dev->kobj, attr, i))
				return NULL;
			return container_of(attr, struct device_attribute, attr);
		}
	}
	return NULL;
}

/*
 * Show attribute @name of @dev into @page, as sysfs would, and make
 * "@source=VALUE" of it in @id. Returns 0, or -ENODATA when the attribute
 * is missing, fails or shows nothing usable.
 */
static int bh_show_identity(struct device *dev,
			    const struct attribute_group *const *groups,
			    const char *name, const char *source, char *page,
			    char *id)
{
	struct device_attribute *da = bh_find_attr(dev, groups, name);
	ssize_t len;
	int i;

	if (!da && dev->type)
		da = bh_find_attr(dev, dev->type->groups, name);
	if (!da || !da->show)
		return -ENODATA;
	len = da->show(dev, da, page);
	if (len <= 0 || len >= PAGE_SIZE)
		return -ENODATA;
	while (len && isspace(page[len - 1]))
		len--;
	for (i = 0; i < len; i++)
		if (page[i] < 0x20 || page[i] > 0x7e)
			return -ENODATA;
	if (!len || snprintf(id, BLKHOLD_IDENTITY_MAX + 1, "%s=%.*s", source,
			     (int)len, page) > BLKHOLD_IDENTITY_MAX)
		return -ENODATA;
	return 0;
}

/*
 * The identity of @disk, whose device is @ddev with attribute @groups and
 * parent @parent (at arrival these are device_add_disk()'s arguments, not
 * yet in the device). May sleep: a virtio serial is read from the device.
 * Removable media have none: the identity would be the drive's.
 */
static int bh_disk_identity(struct gendisk *disk, struct device *parent,
			    const struct attribute_group *const *groups,
			    char *id)
{
	struct device *ddev = disk_to_dev(disk);
	char *page;
	int err;

	if (disk->flags & GENHD_FL_REMOVABLE)
		return -ENODATA;
	page = (char *)__get_free_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	err = bh_show_identity(ddev, groups, "wwid", "wwid", page, id);
	if (err && parent)
		err = bh_show_identity(parent, parent->groups, "wwid",
				       "device/wwid", page, id);
	if (err)
		err = bh_show_identity(ddev, groups, "serial", "serial", page, id);
	free_page((unsigned long)page);
	return err;
}

/*
 * A partition in a stored hold's range whose UUID is not the one recorded:
 * the table was rewritten. The range stays held; the alert says so. May
 * run in atomic context (bdev_add()).
 */
void bh_check_partuuid(const struct bh_volume *vol, struct block_device *bdev)
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

	if (get_capacity(disk) != rec->disk_sects) {
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
	/* a range held for a stacked volume above, now held for itself */
	if (!rec->beneath && READ_ONCE(vol->derived))
		created |= bh_volume_own(vol, node);
	return created;
}

static int bh_record_bind_all(struct gendisk *disk, const char *identity)
{
	struct bh_record *rec;
	bool bound = false;
	int err;

	list_for_each_entry(rec, &bh_records, node) {
		if (rec->transient || strcmp(rec->identity, identity))
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

static bool bh_records_armed(struct ftrace_regs *fregs)
{
	return READ_ONCE(bh_nr_records);
}

BH_HOOK_CALLBACK(bh_arrival_callback, bh_records_armed)

/*
 * device_add_disk(), redirected while records are armed. A disk whose
 * holds cannot all be published is not added: failing the driver's probe
 * is better than a held disk that can be written.
 */
static int bh_device_add_disk(struct device *parent, struct gendisk *disk,
			      const struct attribute_group **groups)
{
	struct bh_arrival arrival = { .disk = disk, .parent = parent };
	bool known;
	int err = 0;

	known = !bh_disk_identity(disk, parent, groups, arrival.identity);
	bh_registry_lock();
	if (known) {
		list_add(&arrival.node, &bh_arrivals);
		err = bh_record_bind_all(disk, arrival.identity);
	}
	bh_registry_unlock();
	if (err) {
		pr_err("%s (%s) has stored holds that cannot be placed (%d): not adding the disk\n",
		       disk->disk_name, arrival.identity, err);
		bh_alert(disk->disk_name, arrival.identity,
			 "stored holds could not be placed: the disk was not added");
	} else {
		err = device_add_disk(parent, disk, groups);
	}
	/* a disk that never came: its volumes wait to be dropped, like a gone one's */
	if (err)
		bh_disk_deleted(disk->diskseq, true);
	if (known) {
		bh_registry_lock();
		list_del(&arrival.node);
		bh_registry_unlock();
	}
	bh_refusal_done();
	return err;
}

/* Each node of a held disk gets its read-only flag before it is openable. */
static bool bh_bdev_adding(struct ftrace_regs *fregs)
{
	struct block_device *bdev = (void *)bh_ftrace_arg(fregs, 0);

	if (bh_disk_may_be_held(bdev->bd_disk)) {
		rcu_read_lock_sched_notrace();
		bh_volume_appeared(bdev, bh_ftrace_arg(fregs, 1));
		rcu_read_unlock_sched_notrace();
	}
	return false;
}

BH_HOOK_CALLBACK(bh_bdev_add_callback, bh_bdev_adding)

struct bh_hook bh_persist_hooks[] = {
	{ "device_add_disk", bh_arrival_callback, bh_device_add_disk },
	{ "bdev_add", bh_bdev_add_callback, NULL },
};

const unsigned int bh_nr_persist_hooks = ARRAY_SIZE(bh_persist_hooks);

/* ---- disks already present ---- */

struct bh_present {
	struct bh_record *rec;
	unsigned int bound;
	bool drain_later;		/* the caller sends drain */
	int err;
};

/*
 * A live disk whose range was not held yet may have writes in flight that
 * passed the gate before: they complete before the record is reported
 * armed.
 */
static void bh_present_bind(struct bh_present *p, struct gendisk *disk)
{
	int created = bh_record_bind(p->rec, disk, NULL);

	if (created < 0) {
		p->err = created;
		return;
	}
	p->bound++;
	if (!created || !disk_live(disk))
		return;
	if (p->drain_later)
		bh_drain_later(disk);
	else
		bh_drain_disk(disk);
}

/* A disk of the block class (partitions are skipped: they share it). */
static int bh_present_disk(struct device *dev, void *data)
{
	struct block_device *bdev = dev_to_bdev(dev);
	struct bh_present *p = data;
	char id[BLKHOLD_IDENTITY_MAX + 1];

	if (bdev_is_partition(bdev))
		return 0;
	if (bh_disk_identity(bdev->bd_disk, dev->parent, dev->groups, id) ||
	    strcmp(id, p->rec->identity))
		return 0;
	bh_present_bind(p, bdev->bd_disk);
	return 0;
}

/* Bind @rec to every disk with its identity that is here or arriving. */
static int bh_record_bind_present(struct bh_record *rec, bool drain_later)
{
	struct bh_present p = { .rec = rec, .drain_later = drain_later };
	struct bh_arrival *a;

	list_for_each_entry(a, &bh_arrivals, node)
		if (!strcmp(a->identity, rec->identity))
			bh_present_bind(&p, a->disk);
	class_for_each_device(bh_block_class, NULL, &p, bh_present_disk);
	return p.err;
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

void bh_record_drop(struct bh_record *rec, const char *reason)
{
	bh_record_unbind(rec, false, reason);
	list_del(&rec->node);
	WRITE_ONCE(bh_nr_records, bh_nr_records - 1);
	bh_unpin();
	kfree(rec);
}

/* Is the disk @devt, @diskseq one that @rec is for? */
static bool bh_record_fits(struct bh_record *rec, dev_t devt, u64 diskseq,
			   struct netlink_ext_ack *extack)
{
	char id[BLKHOLD_IDENTITY_MAX + 1];
	struct gendisk *disk;
	struct bh_bdev_ref ref;
	bool fits = false;

	if (bh_bdev_open(devt, &ref)) {
		NL_SET_ERR_MSG(extack, "cannot open the block device");
		return false;
	}
	disk = ref.bdev->bd_disk;
	if (disk->diskseq != diskseq)
		NL_SET_ERR_MSG(extack,
			       "the device number now belongs to another disk (diskseq differs)");
	else if (bh_disk_identity(disk, disk_to_dev(disk)->parent,
				  disk_to_dev(disk)->groups, id))
		NL_SET_ERR_MSG(extack,
			       "the disk has no stable identity in the kernel (use a transient hold)");
	else if (strcmp(id, rec->identity))
		NL_SET_ERR_MSG(extack,
			       "the disk's identity in the kernel differs from the record's");
	else
		fits = true;
	bh_bdev_close(&ref);
	return fits;
}

/*
 * Arm @rec (taken over on success) and hold its range on every disk with
 * its identity. With @devt, the caller means that disk: unless it is one
 * of them, nothing is armed.
 */
int bh_record_add(struct bh_record *rec, dev_t devt, u64 diskseq,
		  bool drain_later, struct netlink_ext_ack *extack)
{
	int err;

	bh_registry_lock();
	if (bh_record_lookup(rec)) {
		NL_SET_ERR_MSG(extack, "the volume already has a hold of that name");
		err = -EEXIST;
		goto out;
	}
	if (bh_nr_records >= BH_MAX_RECORDS) {
		NL_SET_ERR_MSG(extack, "the host has the most stored holds allowed (10000)");
		err = -ENOSPC;
		goto out;
	}
	if (devt && !bh_record_fits(rec, devt, diskseq, extack)) {
		err = -EINVAL;
		goto out;
	}
	err = bh_pin();
	if (err) {
		bh_pin_failed(err, extack);
		goto out;
	}
	list_add_tail(&rec->node, &bh_records);
	WRITE_ONCE(bh_nr_records, bh_nr_records + 1);
	err = bh_record_bind_present(rec, drain_later);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot hold every disk with that identity");
		bh_record_drop(rec, "placing it failed");
		goto out;
	}
	pr_notice("%s hold '%s' armed for %s, sectors %llu+%llu, by %s[%d]\n",
		  rec->transient ? "transient" : "stored", rec->proto.name,
		  rec->identity,
		  (unsigned long long)rec->start,
		  (unsigned long long)rec->nr_sects, current->comm,
		  task_tgid_vnr(current));
out:
	bh_registry_unlock();
	return err;
}

int bh_record_del(const struct bh_record *key, const char *reason,
		  struct netlink_ext_ack *extack)
{
	struct bh_record *rec;
	int err = 0;

	bh_registry_lock();
	rec = bh_record_lookup(key);
	if (rec) {
		pr_notice("stored hold '%s' on %s disarmed by %s[%d]%s%s\n",
			  rec->proto.name, rec->identity, current->comm,
			  task_tgid_vnr(current), reason ? ": " : "",
			  reason ?: "");
		bh_record_drop(rec, reason);
	} else {
		NL_SET_ERR_MSG(extack, "no record with that identity, range and name is armed");
		err = -ENOENT;
	}
	bh_registry_unlock();
	return err;
}

/*
 * A transient hold on a disk with a stable identity holds the same range
 * of every present disk with that identity: the paths of one LUN, and an
 * NVMe multipath head's hidden path disks, where its passthrough lands.
 * -ENODATA for a disk without an identity: the caller holds it alone.
 */
int bh_hold_add_paths(struct block_device *bdev, const char *name,
		      const char *reason, struct netlink_ext_ack *extack)
{
	struct gendisk *disk = bdev->bd_disk;
	struct bh_record *rec;
	struct bh_hold *proto;
	int err = -ENOMEM;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	proto = bh_hold_new(name, reason);
	if (!rec || !proto)
		goto fail;
	err = bh_disk_identity(disk, disk_to_dev(disk)->parent,
			       disk_to_dev(disk)->groups, rec->identity);
	if (err)
		goto fail;
	rec->proto = *proto;
	rec->transient = true;
	rec->start = bdev_is_partition(bdev) ? bdev->bd_start_sect : 0;
	rec->nr_sects = bdev_nr_sectors(bdev);
	rec->disk_sects = get_capacity(disk);
	err = bh_record_add(rec, bdev->bd_dev, disk->diskseq, false, extack);
	if (err)
		goto fail;
	kfree(proto);
	return 0;
fail:
	kfree(rec);
	kfree(proto);
	return err;
}

/*
 * Disks present when the module loads are in the block class, which is
 * not exported: a disk that is never added shows where it is.
 */
int bh_persist_init(void)
{
	struct gendisk *disk = bh_alloc_disk();

	if (IS_ERR(disk))
		return PTR_ERR(disk);
	bh_block_class = disk_to_dev(disk)->class;
	put_disk(disk);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What blkhold knows of a disk, read from the kernel's own objects: its
 * stable identity, the command set of its passthrough requests, the NVMe
 * controller and subsystem it belongs to, the SCSI device behind a queue
 * and the PCI function that carries it. Nothing here holds anything: the
 * files above decide what to do with these facts.
 *
 * A disk's identity is what the kernel itself shows in sysfs: the SCSI
 * device's "wwid" (SCSI and SATA), the NVMe namespace's "wwid", the
 * virtio disk's "serial". blkhold calls the same show() functions, so the
 * CLI and the kernel compare the same strings. The identity is written
 * "SOURCE=VALUE", SOURCE being the attribute's path below /sys/block/X.
 */
#include "blkhold.h"
#include "disk.h"

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <scsi/scsi_device.h>

/* ---- disks in arrival: device_add_disk() has not given them a parent yet ---- */

static LIST_HEAD(bh_arrivals);
static DEFINE_SPINLOCK(bh_arrivals_lock);

void bh_arrival_begin(struct bh_arrival *a)
{
	spin_lock(&bh_arrivals_lock);
	list_add(&a->node, &bh_arrivals);
	spin_unlock(&bh_arrivals_lock);
	/* pairs with the barrier after a record is published (persist.c) */
	smp_mb();
}

void bh_arrival_end(struct bh_arrival *a)
{
	spin_lock(&bh_arrivals_lock);
	list_del(&a->node);
	spin_unlock(&bh_arrivals_lock);
}

/*
 * Up to @max disks in arrival with identity @identity, each with a
 * reference on its device that the caller drops (put_disk()).
 */
unsigned int bh_arrivals_matching(const char *identity, struct gendisk **out,
				  unsigned int max)
{
	struct bh_arrival *a;
	unsigned int n = 0;

	spin_lock(&bh_arrivals_lock);
	list_for_each_entry(a, &bh_arrivals, node) {
		if (n == max || !a->known || strcmp(a->identity, identity))
			continue;
		get_device(disk_to_dev(a->disk));
		out[n++] = a->disk;
	}
	spin_unlock(&bh_arrivals_lock);
	return n;
}

/*
 * The device @disk hangs off. device_add_disk() sets it; until then a
 * disk in arrival has it from its caller.
 */
struct device *bh_disk_parent(struct gendisk *disk)
{
	struct device *parent = disk_to_dev(disk)->parent;
	struct bh_arrival *a;

	if (parent)
		return parent;
	spin_lock(&bh_arrivals_lock);
	list_for_each_entry(a, &bh_arrivals, node)
		if (a->disk == disk)
			parent = a->parent;
	spin_unlock(&bh_arrivals_lock);
	return parent;
}

/* ---- sysfs attributes, shown as sysfs would ---- */

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

/* show() errors that mean "there is none", not "it could not be read" */
static bool bh_show_absent(ssize_t err)
{
	return err == -EINVAL || err == -ENODATA || err == -ENOENT ||
	       err == -EOPNOTSUPP || err == -ENXIO;
}

/*
 * Show attribute @name of @dev (in @groups or its type's) into @page and
 * trim it. Returns its length, -ENODATA when it is missing or empty, or
 * the error that kept it from being read.
 */
static ssize_t bh_show_attr(struct device *dev,
			    const struct attribute_group *const *groups,
			    const char *name, char *page)
{
	struct device_attribute *da = bh_find_attr(dev, groups, name);
	ssize_t len;

	if (!da && dev->type)
		da = bh_find_attr(dev, dev->type->groups, name);
	if (!da || !da->show)
		return -ENODATA;
	len = da->show(dev, da, page);
	if (len < 0)
		return bh_show_absent(len) ? -ENODATA : len;
	if (len >= PAGE_SIZE)
		return -EIO;
	while (len && isspace(page[len - 1]))
		len--;
	page[len] = '\0';
	return len ?: -ENODATA;
}

/*
 * "@source=VALUE" of attribute @name of @dev in @id. -ENODATA when there
 * is no usable value (missing, empty, not printable ASCII, too long).
 */
static int bh_show_identity(struct device *dev,
			    const struct attribute_group *const *groups,
			    const char *name, const char *source, char *page,
			    char *id)
{
	ssize_t len = bh_show_attr(dev, groups, name, page);
	ssize_t i;

	if (len < 0)
		return len;
	for (i = 0; i < len; i++)
		if (page[i] < 0x20 || page[i] > 0x7e)
			return -ENODATA;
	if (snprintf(id, BLKHOLD_IDENTITY_MAX + 1, "%s=%s", source, page) >
	    BLKHOLD_IDENTITY_MAX)
		return -ENODATA;
	return 0;
}

/* ---- identities ---- */

/*
 * The identity of @disk, whose device has attribute @groups and parent
 * @parent (at arrival these are device_add_disk()'s arguments, not yet
 * in the device). Returns 0, -ENODATA when the disk has none, or the
 * error that kept it from being read. May sleep with GFP_KERNEL: a virtio
 * serial is read from the device. Removable media have none: the
 * identity would be the drive's.
 */
int bh_disk_identity(struct gendisk *disk, struct device *parent,
		     const struct attribute_group *const *groups, char *id,
		     gfp_t gfp)
{
	struct device *ddev = disk_to_dev(disk);
	char *page;
	int err;

	if (disk->flags & GENHD_FL_REMOVABLE)
		return -ENODATA;
	page = (char *)__get_free_page(gfp);
	if (!page)
		return -ENOMEM;
	err = bh_show_identity(ddev, groups, "wwid", "wwid", page, id);
	if (err == -ENODATA && parent)
		err = bh_show_identity(parent, parent->groups, "wwid",
				       "device/wwid", page, id);
	if (err == -ENODATA)
		err = bh_show_identity(ddev, groups, "serial", "serial", page, id);
	free_page((unsigned long)page);
	return err;
}

/* The same for a disk in the block class. */
int bh_disk_identity_now(struct gendisk *disk, char *id, gfp_t gfp)
{
	struct device *ddev = disk_to_dev(disk);

	return bh_disk_identity(disk, ddev->parent, ddev->groups, id, gfp);
}

/*
 * The identity a disk on SCSI device @sdev_dev would have: its "wwid",
 * as "device/wwid=...". Does not sleep.
 */
int bh_scsi_device_identity(struct device *sdev_dev, char *id)
{
	char *page = (char *)__get_free_page(GFP_ATOMIC);
	int err;

	if (!page)
		return -ENOMEM;
	err = bh_show_identity(sdev_dev, sdev_dev->groups, "wwid",
			       "device/wwid", page, id);
	free_page((unsigned long)page);
	return err;
}

/* ---- transports ---- */

static bool bh_dev_type_is(const struct device *dev, const char *name)
{
	return dev->type && dev->type->name && !strcmp(dev->type->name, name);
}

static bool bh_dev_class_is(const struct device *dev, const char *name)
{
	return dev->class && !strcmp(dev->class->name, name);
}

/*
 * The command set of a disk's passthrough requests, from the device the
 * disk hangs off as sysfs shows it (DEVTYPE, class, bus), never from the
 * driver's module name, which a built-in driver does not have: a SCSI
 * disk's parent is a scsi_device, an NVMe namespace's its controller of
 * class "nvme", a virtio-blk disk's a device on the virtio bus.
 */
enum bh_transport bh_disk_transport(struct gendisk *disk)
{
	struct device *parent = bh_disk_parent(disk);

	if (!parent)
		return BH_TRANSPORT_OTHER;
	if (bh_dev_type_is(parent, "scsi_device"))
		return BH_TRANSPORT_SCSI;
	if (bh_dev_class_is(parent, "nvme") && disk->queue->tag_set)
		return BH_TRANSPORT_NVME;
	if (parent->bus && !strcmp(parent->bus->name, "virtio"))
		return BH_TRANSPORT_VIRTIO;
	return BH_TRANSPORT_OTHER;
}

/*
 * The admin and I/O queues of one NVMe controller share this: the tag
 * sets' driver data, the controller (6.12) or its PCI driver's data (6.1).
 */
const void *bh_nvme_ctrl_key(struct gendisk *disk)
{
	if (bh_disk_transport(disk) != BH_TRANSPORT_NVME)
		return NULL;
	return disk->queue->tag_set->driver_data;
}

/*
 * The NQN of the NVMe subsystem @disk belongs to, allocated, or NULL. A
 * namespace's parent is its controller, a multipath head's the
 * subsystem: both show "subsysnqn".
 */
char *bh_nvme_disk_subsys(struct gendisk *disk)
{
	struct device *parent = bh_disk_parent(disk);
	char *page, *nqn = NULL;

	if (!parent || (!bh_dev_class_is(parent, "nvme") &&
			!bh_dev_class_is(parent, "nvme-subsystem")))
		return NULL;
	page = (char *)__get_free_page(GFP_KERNEL);
	if (page && bh_show_attr(parent, parent->groups, "subsysnqn", page) > 0)
		nqn = kstrdup(page, GFP_KERNEL);
	free_page((unsigned long)page);
	return nqn;
}

/* ---- the device behind a request queue without a disk ---- */

/*
 * The SCSI device whose queue @q is, or NULL. SCSI gives each device's
 * queue the device as its queuedata, and the device points back at its
 * queue (struct scsi_device starts with the host, then the queue: any
 * other queuedata is larger than that). Does not sleep.
 */
struct device *bh_queue_scsi_device(struct request_queue *q)
{
	struct scsi_device *sdev = q->queuedata;

	if (!sdev || READ_ONCE(sdev->request_queue) != q ||
	    !bh_dev_type_is(&sdev->sdev_gendev, "scsi_device"))
		return NULL;
	return &sdev->sdev_gendev;
}

struct bh_ctrl_search {
	const void *key;
	struct device *found;		/* with a reference */
};

/*
 * An NVMe controller's device hangs off its PCI function, with the
 * controller as driver data; the tag sets' key is that or the PCI
 * function's driver data.
 */
static int bh_nvme_ctrl_match(struct device *dev, void *data)
{
	struct bh_ctrl_search *s = data;

	if (!bh_dev_class_is(dev, "nvme") ||
	    (dev_get_drvdata(dev) != s->key &&
	     dev_get_drvdata(dev->parent) != s->key))
		return 0;
	s->found = get_device(dev);
	return 1;
}

/* device_for_each_child(): device_find_child()'s match type changed (7.3) */
static int bh_pci_nvme_ctrl(struct device *pdev, void *data)
{
	if (!pdev->driver)
		return 0;
	return device_for_each_child(pdev, data, bh_nvme_ctrl_match);
}

/*
 * The NQN of the subsystem of the NVMe controller on PCI whose tag sets
 * have @key, in @nqn (at least PAGE_SIZE, GFP_ATOMIC). Returns 1 when
 * @key is such a controller's and its subsystem is known, 0 when it is
 * not an NVMe controller found on PCI, -EAGAIN when it is one that has
 * not yet learned its subsystem. Does not sleep.
 */
int bh_nvme_ctrl_subsys(const void *key, char *nqn)
{
	struct bh_ctrl_search s = { .key = key };
	int ret = -EAGAIN;

	if (!key)
		return 0;
	bus_for_each_dev(&pci_bus_type, NULL, &s, bh_pci_nvme_ctrl);
	if (!s.found)
		return 0;
	/* a controller learns its subsystem before it first goes live */
	if (bh_show_attr(s.found, s.found->groups, "state", nqn) > 0 &&
	    strcmp(nqn, "new") && strcmp(nqn, "connecting") &&
	    bh_show_attr(s.found, s.found->groups, "subsysnqn", nqn) > 0)
		ret = 1;
	put_device(s.found);
	return ret;
}

/* ---- the PCI function that carries a disk ---- */

/* The nearest PCI function above @disk, with a reference, or NULL. */
struct device *bh_disk_pci_function(struct gendisk *disk)
{
	struct device *dev;

	for (dev = bh_disk_parent(disk); dev; dev = dev->parent)
		if (dev_is_pci(dev))
			return get_device(dev);
	return NULL;
}

/* ---- the block class ---- */

/* block_class is not exported; every disk's device points to it. */
typeof(disk_to_dev((struct gendisk *)NULL)->class) bh_block_class;

/*
 * A disk that is never added shows where the block class is, and whether
 * blkhold reads this kernel's block device inodes right (compat.h): the
 * write hooks rely on that for every write of the host.
 */
int bh_disk_init(void)
{
	struct gendisk *disk = bh_alloc_disk();
	bool layout_ok;

	if (IS_ERR(disk))
		return PTR_ERR(disk);
	bh_block_class = disk_to_dev(disk)->class;
	layout_ok = bh_bdev_layout_works(disk->part0);
	put_disk(disk);
	if (!layout_ok) {
		pr_err("this kernel's block device inodes are not laid out as blkhold was built for: rebuild it against this kernel's headers\n");
		return -ENOEXEC;
	}
	return 0;
}

/*
 * The block device @devt with a reference, found in the block class: no
 * open, so no module autoload and no open_mutex. NULL if there is none.
 */
struct block_device *bh_bdev_get(dev_t devt)
{
	struct device *dev = class_find_device_by_devt(bh_block_class, devt);

	return dev ? dev_to_bdev(dev) : NULL;
}

void bh_bdev_put(struct block_device *bdev)
{
	put_device(&bdev->bd_device);
}

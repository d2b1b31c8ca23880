// SPDX-License-Identifier: GPL-2.0
/*
 * Stacked volumes: a device-mapper device that carries a held volume (a
 * hold placed on it, or one derived from a hold on a device stacked above
 * it) keeps its map. The CLI reads the map and holds the ranges beneath,
 * down to the disks (their holds are derived: registry.c); these hooks
 * keep the map from changing under them:
 *
 *  - loading a table (dm_table_create(), called by the table-load ioctl
 *    only) and, for a table staged before the hold, swapping it in
 *    (dm_swap_table());
 *  - removing the device, also deferred, forced or with every other one
 *    (dm_lock_for_deletion(), which answers EBUSY as for an open device
 *    and marks nothing for later);
 *  - renaming it, and target messages other than the harmless ones.
 *
 * An md array that carries a held volume keeps its members, geometry and
 * state: its ioctls that change them are refused, and so are writes to
 * its sysfs attributes and its members' but for tuning knobs and freezing
 * its resync ("frozen", what the CLI sets when it holds an array).
 *
 * dm-mod and md-mod are modules that may load after blkhold: the hooks are set
 * when the first volume on a dm device is, and removed with the last
 * (bh_stack_get() and bh_stack_put(), under the registry's lock). A held
 * dm device cannot go away meanwhile, so neither can dm-mod. On 6.12 the
 * first three functions have their ENDBR sealed: a refusal never calls
 * them, it answers for them.
 */
#include "blkhold.h"
#include "events.h"
#include "hooks.h"
#include "spans.h"
#include "stack.h"

#include <linux/device-mapper.h>
#include <linux/dm-ioctl.h>
#include <linux/hashtable.h>
#include <linux/major.h>
#include <linux/raid/md_u.h>
#include <linux/slab.h>

/* The names under which the dm ioctls can find a held device. */
struct bh_dm_names {
	struct rcu_head rcu;
	dev_t devt;
	char name[DM_NAME_LEN];
	char uuid[DM_UUID_LEN];
};

static unsigned int bh_dm_volumes;	/* under the registry's lock */

/*
 * dm-mod's exports, taken while dm volumes exist: linking against them
 * would make loading blkhold load dm-mod, and fail where it is absent.
 */
static struct {
	struct mapped_device *(*get_md)(dev_t dev);
	void (*put)(struct mapped_device *md);
	struct gendisk *(*disk)(struct mapped_device *md);
	int (*copy_names)(struct mapped_device *md, char *name, char *uuid);
} bh_dm;

static void bh_dm_api_put(void)
{
	if (bh_dm.get_md)
		symbol_put(dm_get_md);
	if (bh_dm.put)
		symbol_put(dm_put);
	if (bh_dm.disk)
		symbol_put(dm_disk);
	if (bh_dm.copy_names)
		symbol_put(dm_copy_name_and_uuid);
	memset(&bh_dm, 0, sizeof(bh_dm));
}

static int bh_dm_api_get(void)
{
	bh_dm.get_md = symbol_get(dm_get_md);
	bh_dm.put = symbol_get(dm_put);
	bh_dm.disk = symbol_get(dm_disk);
	bh_dm.copy_names = symbol_get(dm_copy_name_and_uuid);
	if (bh_dm.get_md && bh_dm.put && bh_dm.disk && bh_dm.copy_names)
		return 0;
	pr_err("dm-mod does not export what blkhold needs to hold dm volumes\n");
	bh_dm_api_put();
	return -EOPNOTSUPP;
}

static bool bh_is_dm_disk(const struct gendisk *disk)
{
	return !strncmp(disk->disk_name, "dm-", 3);
}

/*
 * Does dm device @md carry a held volume? In an RCU read-side section; a
 * refusal function still running after the last dm volume went finds
 * dm-mod's exports put back.
 */
static bool bh_dm_held(struct mapped_device *md, struct bh_refusal *r,
		       const char *action)
{
	struct gendisk *(*dm_disk_of)(struct mapped_device *m) = READ_ONCE(bh_dm.disk);
	struct gendisk *disk = dm_disk_of ? dm_disk_of(md) : NULL;

	*r = (struct bh_refusal) {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = action,
	};
	if (!disk || !bh_disk_may_be_held(disk))
		return false;
	r->nr_sects = get_capacity(disk);
	r->vol = bh_volume_find(disk, 0, max_t(sector_t, r->nr_sects, 1));
	return r->vol;
}

static bool bh_dm_md_refuses(struct ftrace_regs *fregs, unsigned int arg)
{
	struct mapped_device *md =
		(struct mapped_device *)bh_ftrace_arg(fregs, arg);
	struct bh_refusal r;
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_dm_held(md, &r, NULL);
	rcu_read_unlock_sched_notrace();
	return held;
}

/* Refuse @action on @md, if it is (still) held: counted and logged. */
static bool bh_dm_refuse(struct mapped_device *md, const char *action)
{
	struct bh_refusal r;
	bool held;

	rcu_read_lock();
	held = bh_dm_held(md, &r, action);
	if (held)
		bh_refuse(&r);
	rcu_read_unlock();
	return held;
}

/* ---- table load, table swap, removal: the device is an argument ---- */

static bool bh_table_create_refuses(struct ftrace_regs *fregs)
{
	return bh_dm_md_refuses(fregs, 3);
}

BH_HOOK_CALLBACK(bh_table_create_callback, bh_table_create_refuses)

static int bh_refuse_table_create(void **result, unsigned int mode,
				  unsigned int num_targets,
				  struct mapped_device *md)
{
	bh_dm_refuse(md, "loading a device-mapper table");
	bh_refusal_done();
	return -EPERM;
}

static bool bh_swap_table_refuses(struct ftrace_regs *fregs)
{
	return bh_dm_md_refuses(fregs, 0);
}

BH_HOOK_CALLBACK(bh_swap_table_callback, bh_swap_table_refuses)

static void *bh_refuse_swap_table(struct mapped_device *md, void *table)
{
	bh_dm_refuse(md, "swapping in a device-mapper table");
	bh_refusal_done();
	return ERR_PTR(-EPERM);
}

static bool bh_lock_for_deletion_refuses(struct ftrace_regs *fregs)
{
	return bh_dm_md_refuses(fregs, 0);
}

BH_HOOK_CALLBACK(bh_lock_for_deletion_callback, bh_lock_for_deletion_refuses)

static int bh_refuse_lock_for_deletion(struct mapped_device *md,
				       bool mark_deferred, bool only_deferred)
{
	bh_dm_refuse(md, "removing a device-mapper device");
	bh_refusal_done();
	return -EBUSY;
}

/* ---- rename and target messages: the device is named in the ioctl ---- */

/*
 * The held dm volume that the ioctl parameters @param name, the way dm
 * looks devices up: by uuid if given, else by name, else by number.
 * @param is dm's kernel copy. In an RCU read-side section.
 */
static struct bh_volume *bh_dm_named(const struct dm_ioctl *param)
{
	struct bh_volume *vol;
	unsigned int bkt;

	hash_for_each_rcu(bh_by_disk, bkt, vol, hash_node) {
		const struct bh_dm_names *dm = vol->dm;

		if (!dm)
			continue;
		if (param->uuid[0] ? !strncmp(param->uuid, dm->uuid, DM_UUID_LEN) :
		    param->name[0] ? !strncmp(param->name, dm->name, DM_NAME_LEN) :
		    huge_decode_dev(param->dev) == dm->devt)
			return vol;
	}
	return NULL;
}

static bool bh_dm_param_refuses(struct ftrace_regs *fregs)
{
	const struct dm_ioctl *param =
		(const struct dm_ioctl *)bh_ftrace_arg(fregs, 1);
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_dm_named(param);
	rcu_read_unlock_sched_notrace();
	return held;
}

static int bh_dm_param_refuse(const struct dm_ioctl *param, const char *action)
{
	struct bh_refusal r = {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = action,
	};

	rcu_read_lock();
	r.vol = bh_dm_named(param);
	if (r.vol)
		bh_refuse(&r);
	rcu_read_unlock();
	bh_refusal_done();
	return -EPERM;
}

BH_HOOK_CALLBACK(bh_rename_callback, bh_dm_param_refuses)

static int bh_refuse_rename(struct file *filp, struct dm_ioctl *param,
			    size_t param_size)
{
	return bh_dm_param_refuse(param, "renaming a device-mapper device");
}

/*
 * Messages that change no held data: cancelling a deferred removal,
 * reading statistics, thin snapshots and metadata snapshots (what the
 * CLI reads a thin map from), the pool's transaction id, deleting a thin
 * device (dm-thin refuses that for an open one, and a held one is open),
 * path handling of multipath, freezing a raid's resync.
 */
static const char *const bh_harmless_messages[] = {
	"@cancel_deferred_remove", "@stats_list", "@stats_print",
	"create_snap", "create_thin", "reserve_metadata_snap",
	"release_metadata_snap", "set_transaction_id", "delete",
	"fail_path", "reinstate_path",
	"disable_group", "enable_group", "switch_group",
	"queue_if_no_path", "fail_if_no_path", "frozen",
};

/* The message's first word, from dm's copy of the parameters. */
static bool bh_message_harmless(const struct dm_ioctl *param, size_t size)
{
	const struct dm_target_msg *msg;
	const char *text, *end;
	size_t len, i;

	if (param->data_start < sizeof(*param) ||
	    size < sizeof(*msg) + 1 || param->data_start > size - sizeof(*msg) - 1)
		return false;
	msg = (const void *)param + param->data_start;
	text = msg->message;
	end = memchr(text, '\0', (const char *)param + size - text);
	if (!end)
		return false;
	len = strcspn(text, " \t\n");
	for (i = 0; i < ARRAY_SIZE(bh_harmless_messages); i++)
		if (len == strlen(bh_harmless_messages[i]) &&
		    !strncmp(text, bh_harmless_messages[i], len))
			return true;
	return false;
}

static bool bh_message_refuses(struct ftrace_regs *fregs)
{
	const struct dm_ioctl *param =
		(const struct dm_ioctl *)bh_ftrace_arg(fregs, 1);
	size_t size = bh_ftrace_arg(fregs, 2);

	return bh_dm_param_refuses(fregs) && !bh_message_harmless(param, size);
}

BH_HOOK_CALLBACK(bh_message_callback, bh_message_refuses)

static int bh_refuse_message(struct file *filp, struct dm_ioctl *param,
			     size_t param_size)
{
	return bh_dm_param_refuse(param, "a device-mapper target message");
}

static struct bh_hook bh_stack_hooks[] = {
	{ "dm_table_create", bh_table_create_callback, bh_refuse_table_create },
	{ "dm_swap_table", bh_swap_table_callback, bh_refuse_swap_table },
	{ "dm_lock_for_deletion", bh_lock_for_deletion_callback,
	  bh_refuse_lock_for_deletion },
	{ "dev_rename", bh_rename_callback, bh_refuse_rename },
	{ "target_message", bh_message_callback, bh_refuse_message },
};

/* ---- md: the array's ioctls and sysfs attributes ---- */

static unsigned int bh_md_volumes;	/* under the registry's lock */

static bool bh_is_md_disk(const struct gendisk *disk)
{
	return !strncmp(disk->disk_name, "md", 2);
}

/* Is @disk held? In an RCU read-side section. */
static struct bh_volume *bh_disk_held(struct gendisk *disk)
{
	if (!disk || !bh_disk_may_be_held(disk))
		return NULL;
	return bh_volume_find(disk, 0, max_t(sector_t, get_capacity(disk), 1));
}

/* What changes an array's members, geometry or state. */
static bool bh_md_ioctl_changes(unsigned int cmd)
{
	switch (cmd) {
	case STOP_ARRAY:
	case RESTART_ARRAY_RW:
	case SET_ARRAY_INFO:
	case ADD_NEW_DISK:
	case HOT_ADD_DISK:
	case HOT_REMOVE_DISK:
	case SET_DISK_FAULTY:
	case SET_BITMAP_FILE:
	case RUN_ARRAY:
	case CLUSTERED_DISK_NACK:
		return true;
	default:
		return false;
	}
}

static bool bh_md_ioctl_refuses(struct ftrace_regs *fregs)
{
	struct block_device *bdev =
		(struct block_device *)bh_ftrace_arg(fregs, 0);
	unsigned int cmd = bh_ftrace_arg(fregs, 2);
	bool held;

	if (!bh_md_ioctl_changes(cmd))
		return false;
	rcu_read_lock_sched_notrace();
	held = bh_disk_held(bdev->bd_disk);
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_md_ioctl_callback, bh_md_ioctl_refuses)

static void bh_md_refuse(struct gendisk *disk, const char *action)
{
	struct bh_refusal r = {
		.kind = BLKHOLD_KIND_TAMPER,
		.action = action,
	};

	rcu_read_lock();
	r.vol = bh_disk_held(disk);
	if (r.vol)
		bh_refuse(&r);
	rcu_read_unlock();
	bh_refusal_done();
}

static int bh_refuse_md_ioctl(struct block_device *bdev, unsigned int mode,
			      unsigned int cmd, unsigned long arg)
{
	bh_md_refuse(bdev->bd_disk, "an md ioctl that changes the array");
	return -EPERM;
}

/*
 * The array an md sysfs attribute belongs to: its kobject sits under the
 * array's disk ("md"), a member's one level deeper ("md/dev-X").
 */
static struct gendisk *bh_md_kobj_disk(struct kobject *kobj, unsigned int up)
{
	while (kobj && up--)
		kobj = kobj->parent;
	return kobj ? dev_to_disk(kobj_to_dev(kobj)) : NULL;
}

/* Array attributes that change no data, geometry or membership. */
static bool bh_md_attr_harmless(const struct attribute *attr, const char *page)
{
	static const char *const tuning[] = {
		"sync_speed_min", "sync_speed_max", "stripe_cache_size",
		"group_thread_cnt", "safe_mode_delay", "skip_copy",
		"preread_bypass_threshold",
	};
	size_t i;

	if (!strcmp(attr->name, "sync_action"))
		return sysfs_streq(page, "frozen");
	for (i = 0; i < ARRAY_SIZE(tuning); i++)
		if (!strcmp(attr->name, tuning[i]))
			return true;
	return false;
}

static bool bh_md_attr_refuses(struct ftrace_regs *fregs)
{
	struct kobject *kobj = (struct kobject *)bh_ftrace_arg(fregs, 0);
	const struct attribute *attr =
		(const struct attribute *)bh_ftrace_arg(fregs, 1);
	const char *page = (const char *)bh_ftrace_arg(fregs, 2);
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_disk_held(bh_md_kobj_disk(kobj, 1));
	rcu_read_unlock_sched_notrace();
	return held && !bh_md_attr_harmless(attr, page);
}

BH_HOOK_CALLBACK(bh_md_attr_callback, bh_md_attr_refuses)

static ssize_t bh_refuse_md_attr(struct kobject *kobj, struct attribute *attr,
				 const char *page, size_t length)
{
	bh_md_refuse(bh_md_kobj_disk(kobj, 1), "an md sysfs write");
	return -EPERM;
}

static bool bh_md_rdev_attr_refuses(struct ftrace_regs *fregs)
{
	struct kobject *kobj = (struct kobject *)bh_ftrace_arg(fregs, 0);
	bool held;

	rcu_read_lock_sched_notrace();
	held = bh_disk_held(bh_md_kobj_disk(kobj, 2));
	rcu_read_unlock_sched_notrace();
	return held;
}

BH_HOOK_CALLBACK(bh_md_rdev_attr_callback, bh_md_rdev_attr_refuses)

static ssize_t bh_refuse_md_rdev_attr(struct kobject *kobj,
				      struct attribute *attr,
				      const char *page, size_t length)
{
	bh_md_refuse(bh_md_kobj_disk(kobj, 2), "an md member's sysfs write");
	return -EPERM;
}

static struct bh_hook bh_md_hooks[] = {
	{ "md_ioctl", bh_md_ioctl_callback, bh_refuse_md_ioctl },
	{ "md_attr_store", bh_md_attr_callback, bh_refuse_md_attr },
	{ "rdev_attr_store", bh_md_rdev_attr_callback, bh_refuse_md_rdev_attr },
};

static int bh_md_get(struct bh_volume *vol)
{
	int err;

	if (!bh_md_volumes) {
		err = bh_hook_group_install(bh_md_hooks, ARRAY_SIZE(bh_md_hooks));
		if (err)
			return err;
	}
	bh_md_volumes++;
	vol->md = true;
	return 0;
}

static void bh_md_put(void)
{
	if (!--bh_md_volumes)
		bh_hook_group_remove(bh_md_hooks, ARRAY_SIZE(bh_md_hooks));
}

/* The names of dm device @disk, for matching ioctls against. */
static struct bh_dm_names *bh_dm_names_of(struct gendisk *disk)
{
	struct bh_dm_names *names = kzalloc(sizeof(*names), GFP_KERNEL);
	struct mapped_device *md;
	int err = -ENODEV;

	if (!names)
		return NULL;
	names->devt = disk_devt(disk);
	md = bh_dm.get_md(names->devt);
	if (md) {
		err = bh_dm.copy_names(md, names->name, names->uuid);
		bh_dm.put(md);
	}
	if (err) {
		kfree(names);
		return NULL;
	}
	return names;
}

/* One dm volume fewer: the last takes the hooks with it. */
static void bh_stack_drop(void)
{
	if (--bh_dm_volumes)
		return;
	bh_hook_group_remove(bh_stack_hooks, ARRAY_SIZE(bh_stack_hooks));
	bh_dm_api_put();
}

/*
 * A volume is made on @disk: on a dm device, it learns the device's names
 * and the first such volume sets the hooks. Under the registry's lock.
 */
int bh_stack_get(struct bh_volume *vol, struct gendisk *disk)
{
	int err;

	bh_registry_assert_locked();
	if (bh_is_md_disk(disk))
		return bh_md_get(vol);
	if (!bh_is_dm_disk(disk))
		return 0;
	if (!bh_dm_volumes) {
		err = bh_dm_api_get();
		if (err)
			return err;
		err = bh_hook_group_install(bh_stack_hooks,
					    ARRAY_SIZE(bh_stack_hooks));
		if (err) {
			bh_dm_api_put();
			return err;
		}
	}
	bh_dm_volumes++;
	vol->dm = bh_dm_names_of(disk);
	if (!vol->dm) {
		bh_stack_drop();
		return -ENODEV;
	}
	return 0;
}

/* @vol goes (unpublished): the last dm volume takes the hooks with it. */
void bh_stack_put(struct bh_volume *vol)
{
	bh_registry_assert_locked();
	if (vol->md)
		bh_md_put();
	if (!vol->dm)
		return;
	kfree_rcu(vol->dm, rcu);	/* @vol is unpublished: readers may be left */
	bh_stack_drop();
}

void bh_stack_exit(void)
{
	bh_hook_group_exit(bh_stack_hooks, ARRAY_SIZE(bh_stack_hooks));
	bh_hook_group_exit(bh_md_hooks, ARRAY_SIZE(bh_md_hooks));
}

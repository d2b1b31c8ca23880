/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BLKHOLD_H
#define _BLKHOLD_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <uapi/linux/blkhold.h>

#include "compat.h"

/*
 * Limits that keep one caller from exhausting kernel memory; module
 * parameters (registry.c), set at load.
 */
extern unsigned int bh_max_holds_per_volume;
extern unsigned int bh_max_holds;
extern unsigned int bh_max_records;
/* Buckets of held volumes and of disks' span indexes (registry.c, spans.c). */
#define BH_BUCKET_BITS		10
#define BH_BUCKETS		BIT(BH_BUCKET_BITS)
/* Refusal events announced per volume and second; the rest are counted. */
#define BH_EVENTS_PER_SEC	20
/* The hold a disk gets whose identity cannot be read while records wait. */
#define BH_UNIDENTIFIED_HOLD	"blkhold-unidentified"

struct bh_hold {
	struct list_head node;
	char name[BLKHOLD_NAME_MAX + 1];
	char reason[BLKHOLD_REASON_MAX + 1];
	kuid_t uid;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	time64_t ctime;
	struct bh_record *record;	/* the record it was made from, or NULL */
	/*
	 * A derived hold holds the range beneath a stacked volume, the root,
	 * that carries its data; it goes with the root's hold of its name.
	 */
	bool derived;
	u64 root_diskseq;
	sector_t root_start;
	char via[BDEVNAME_SIZE];	/* the root's name, for display */
};

/*
 * An armed hold on a medium named by its identity (persist.c): a range of
 * every disk with this identity, held from the moment such a disk appears
 * until the record is released, and every passthrough command to that
 * medium judged, whichever node it comes through. The holds made from it
 * are ordinary holds of ordinary volumes, copies of @proto. A transient
 * record is one that is not stored: it ends with this boot. Records are on
 * an RCU list: the request gate reads them.
 */
struct bh_record {
	struct list_head node;		/* bh_records: RCU, changed under bh_lock */
	char identity[BLKHOLD_IDENTITY_MAX + 1];
	sector_t start;
	sector_t nr_sects;
	sector_t disk_sects;		/* size of the disk it was made on */
	char partuuid[BLKHOLD_PARTUUID_MAX + 1];	/* "" when not checked */
	bool transient;			/* not stored: ends with this boot */
	bool beneath;			/* under a stacked volume: no node */
	bool node_only;			/* bios pass: md's own metadata */
	/* the NVMe subsystem of a disk it held, learned then (RCU) */
	const char __rcu *subsys;
	atomic64_t refused[__BLKHOLD_KIND_MAX];	/* while no disk is bound */
	struct rcu_head rcu;
	struct bh_hold proto;
};

/* How a held disk's passthrough commands are read (passthru.c). */
enum bh_transport {
	BH_TRANSPORT_OTHER,
	BH_TRANSPORT_SCSI,
	BH_TRANSPORT_NVME,
	BH_TRANSPORT_VIRTIO,
};

/*
 * A held whole disk or partition. While the disk lives the volume is found
 * by the disk itself, whose diskseq a media change may renumber; once the
 * disk is deleted by the diskseq it had, which no other disk of this boot
 * shares, so a disk that takes over the device number never inherits the
 * holds. Sectors are absolute on the whole disk.
 *
 * The medium outlives the gendisk: a volume whose disk was deleted stays
 * (detached) with its holds, and so do the keys that name its medium to
 * the request gate: the request queue (SCSI's outlives sd's disk, and sg
 * and bsg send there), the SCSI host's or NVMe controller's tag set, the
 * NVMe subsystem and the PCI function.
 */
struct bh_volume {
	struct hlist_node hash_node;	/* bh_by_disk, RCU */
	struct list_head node;		/* bh_volumes, under bh_lock */
	struct gendisk *disk;		/* while it lives: the I/O path's key */
	u64 diskseq;			/* its diskseq when the volume was made */
	dev_t devt;
	sector_t start;
	sector_t nr_sects;
	char devname[BDEVNAME_SIZE];
	enum bh_transport transport;
	struct request_queue *queue;	/* referenced: not reused while held */
	const void *host_key;		/* the queue's tag set */
	const void *nvme_ctrl;		/* key of its NVMe controller, if any */
	const char *subsys;		/* NQN of its NVMe subsystem, or NULL */
	char pci_name[32];		/* its PCI function, "" if none */
	char pci_driver[32];		/* and the driver bound to that then */
	bool was_ro;			/* read-only flag before the first hold */
	bool detached;			/* the disk was deleted */
	bool node_only;			/* bios pass: md's own metadata */
	bool derived;			/* only holds of a stacked volume */
	char partuuid[BLKHOLD_PARTUUID_MAX + 1];	/* a record's, "" if none */
	struct bh_disk_spans *spans;	/* its disk's index (spans.c) */
	struct rb_node span_node;	/* in it, by range, under bh_lock */
	struct bh_dm_names *dm;		/* a dm device's names (stack.c) */
	bool md;			/* on an md array (stack.c) */
	struct list_head holds;		/* under bh_lock */
	unsigned int nr_holds;
	atomic64_t refused[__BLKHOLD_KIND_MAX];
	unsigned long event_window;	/* jiffies: start of the event second */
	atomic_t events_in_window;
	atomic64_t events_suppressed;
	struct rcu_head rcu;
};

/*
 * A request about to be refused: where, what, and the held volume it hits,
 * or, for a medium no disk of which is here, the record that holds it.
 */
struct bh_refusal {
	struct bh_volume *vol;
	struct bh_record *rec;
	struct block_device *bdev;	/* node the request came through */
	enum blkhold_kind kind;
	sector_t sector;		/* absolute on the whole disk */
	sector_t nr_sects;
	u32 opcode;
	const char *action;		/* tamper: what was attempted */
	const char *via;		/* passthrough without a disk: the node's kind */
};

/* disk.c: facts about disks */
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

/* hooks.c */
struct bh_hook;
int bh_hooks_add_table(struct bh_hook *hooks, unsigned int count);
int bh_hooks_probe(void);
int bh_hooks_install(void);
void bh_hooks_remove(void);
void bh_hooks_exit(void);
int bh_hook_group_install(struct bh_hook *group, unsigned int count);
int bh_hook_group_install_always(struct bh_hook *group, unsigned int count);
void bh_hook_group_remove(struct bh_hook *group, unsigned int count);
void bh_hook_group_exit(struct bh_hook *group, unsigned int count);

struct bh_hook;
typedef void (*bh_hook_func_t)(struct bh_hook *hook, unsigned long parent_ip,
			       struct ftrace_regs *fregs);

/*
 * A hooked function, and its callback or direct entry (below); what runs
 * instead when the hook refuses the call (hooks.c).
 */
struct bh_hook {
	const char *func;
	bh_hook_func_t callback;
	void *instead;			/* NULL: only observe */
	void *direct;			/* a direct entry, not a callback */
	struct ftrace_ops ops;		/* a direct entry's, or a group hook's */
	unsigned long ip;		/* where ftrace reports it, once seen */
};

void bh_hook_redirect(struct bh_hook *hook, unsigned long parent_ip,
		      struct ftrace_regs *fregs);

/*
 * BH_HOOK_CALLBACK(name, refuses) defines the ftrace callback @name, which
 * asks @refuses(fregs) whether the hooked call is refused and, if it is,
 * sends it to the hook's refusal function. None of these hooks is on the
 * I/O path (those are direct entries, below), so each call is decided.
 */
#define BH_HOOK_CALLBACK(name, refuses)					\
static void notrace name(struct bh_hook *hook, unsigned long parent_ip,	\
			 struct ftrace_regs *fregs)			\
{									\
	if (refuses(fregs))						\
		bh_hook_redirect(hook, parent_ip, fregs);		\
}

/*
 * The hooks on the I/O path, submit_bio_noacct() and blkdev_write_iter(),
 * are direct entries: ftrace calls them from the hooked function's first
 * instruction, as it calls BPF trampolines, with the hooked function's
 * arguments in their registers and no ftrace trampoline in between (that
 * trampoline cost each I/O more than the rest of blkhold did). So a direct
 * entry must preserve every register: it is notrace and
 * __no_caller_saved_registers, and so is the out-of-line half it calls
 * when its inlined filter cannot let the call through. It does no call depth
 * accounting (6.12's retbleed=stuff): a return it did not count makes the
 * kernel refill the return stack buffer early, which is safe.
 */
#if !__has_attribute(__no_caller_saved_registers__)
#error "blkhold needs a compiler with the no_caller_saved_registers attribute"
#endif

/*
 * A redirected call holds a module reference from its hook, which runs
 * while holds pin the module, until its refusal function calls
 * bh_refusal_done() as it returns. A refusal function may sleep (reading
 * user memory, or in the original it passes a harmless call on to), and
 * meanwhile the last hold could go and the module be unloaded: ftrace's
 * wait when the hooks are removed only covers code that does not sleep.
 */
static inline void bh_refusal_done(void)
{
	module_put(THIS_MODULE);
}

/*
 * In a direct entry's out-of-line half: refuse the hooked call by
 * returning from the entry into @instead, which has the hooked function's
 * signature and returns to its caller. @frame is the entry's
 * __builtin_frame_address(0): frame[1] leads back into the hooked
 * function, frame[2] is where that was called from.
 */
static __always_inline void bh_direct_redirect(unsigned long *frame,
					       void *instead)
{
	/* blkhold's own pass-through call of a hooked function */
	if (within_module(frame[2], THIS_MODULE))
		return;
	__module_get(THIS_MODULE);
	frame[1] = (unsigned long)instead;
}

/* events.c */
int bh_events_init(struct genl_family *family);
void bh_refuse(struct bh_refusal *r);
void bh_tamper_seen(struct bh_refusal *r);
void bh_announce_hold(u8 cmd, const struct bh_volume *vol,
		      const char *name, const char *reason);
void bh_alert(const char *devname, const char *identity, const char *what);
int bh_put_volume_id(struct sk_buff *skb, const struct bh_volume *vol,
		     u64 diskseq);

/* registry.c */
void bh_registry_assert_locked(void);
int bh_registry_locked(void);
void bh_registry_lock(void);
void bh_registry_unlock(void);
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
void bh_volume_appeared(struct block_device *bdev, dev_t devt);
void bh_drain_disk(struct gendisk *disk);
void bh_wait_queue(struct gendisk *disk);
struct block_device *bh_node_get(dev_t devt, u64 diskseq,
				 struct netlink_ext_ack *extack);
int bh_hold_insert_range(struct gendisk *disk, struct block_device *bdev,
			 sector_t start, sector_t nr, const char *name,
			 const char *reason, struct netlink_ext_ack *extack);
int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		bool drain_later, struct netlink_ext_ack *extack);
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
int bh_hold_release(dev_t devt, u64 diskseq, const char *name,
		    const char *reason, struct netlink_ext_ack *extack);
struct bh_volume *bh_volume_find_ctrl(const void *nvme_ctrl);
struct bh_volume *bh_volume_find_queue(const struct request_queue *q);
struct bh_volume *bh_volume_find_host(const void *host_key);
struct bh_volume *bh_volume_find_subsys(const char *nqn);
struct bh_volume *bh_volume_find_pci(const char *name);
bool bh_nvme_held(void);
void bh_refuse_everywhere(struct bh_refusal *r);
bool bh_disk_has_volumes(const struct gendisk *disk);
void bh_disk_deleted(struct gendisk *disk, bool done);

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

/* spans.c: the held ranges of each disk, for the I/O path */
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
void bh_drain_later(struct gendisk *disk);
int bh_drain_deferred(struct netlink_ext_ack *extack);

/* stack.c: device-mapper and md maps under holds */
int bh_stack_get(struct bh_volume *vol, struct gendisk *disk);
void bh_stack_put(struct bh_volume *vol);
void bh_stack_exit(void);

/* persist.c: records, disk arrival */
int bh_persist_init(void);
void bh_persist_exit(void);
bool bh_records_armed(void);
struct bh_record *bh_record_find_identity(const char *identity);
struct bh_record *bh_record_find_subsys(const char *nqn);
int bh_record_add(struct bh_record *rec, struct block_device *bdev,
		  bool drain_later, struct netlink_ext_ack *extack);
int bh_record_del(const struct bh_record *key, const char *reason,
		  struct netlink_ext_ack *extack);
struct bh_record *bh_record_at(unsigned long index);
int bh_hold_add_paths(struct block_device *bdev, const char *name,
		      const char *reason, struct netlink_ext_ack *extack);
void bh_record_drop(struct bh_record *rec, const char *reason);
void bh_check_partuuid(const struct bh_volume *vol, struct block_device *bdev);

/* gate.c: bios and block device nodes */
int bh_gate_init(void);

/* passthru.c: SCSI and NVMe passthrough requests */
int bh_passthru_init(void);

/* tamper.c: unloading, kexec, hibernation, swapon, driver binding */
int bh_tamper_init(void);
void bh_unload_forced(void);

/* netlink.c */
int bh_netlink_init(void);
void bh_netlink_exit(void);

#endif /* _BLKHOLD_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BLKHOLD_H
#define _BLKHOLD_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/ftrace.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <uapi/linux/blkhold.h>

#include "compat.h"

/* Limits that keep one caller from exhausting kernel memory (extack texts quote them). */
#define BH_MAX_HOLDS_PER_VOLUME	1024
#define BH_MAX_HOLDS		100000
#define BH_MAX_RECORDS		10000
/*
 * Held volumes live in BH_BUCKETS buckets by diskseq modulo BH_BUCKETS:
 * diskseq counts disks up from one, so consecutive disks never share one.
 */
#define BH_BUCKETS		1024
/* Refusal events announced per volume and second; the rest are counted. */
#define BH_EVENTS_PER_SEC	20

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
 * A stored hold, armed (persist.c): a range of every disk with this
 * identity, held from the moment such a disk appears. The holds made from
 * it are ordinary holds of ordinary volumes, copies of @proto. A transient
 * record is a transient hold on a disk with an identity: it holds the
 * range on every path of that disk present when it is placed, and no
 * disk that comes later.
 */
struct bh_record {
	struct list_head node;		/* under bh_lock */
	char identity[BLKHOLD_IDENTITY_MAX + 1];
	sector_t start;
	sector_t nr_sects;
	sector_t disk_sects;		/* size of the disk it was made on */
	char partuuid[BLKHOLD_PARTUUID_MAX + 1];	/* "" when not checked */
	bool transient;			/* binds disks present now only */
	bool beneath;			/* under a stacked volume: no node */
	bool node_only;			/* bios pass: md's own metadata */
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
 * A held whole disk or partition. The disk is named by its diskseq, which
 * no other disk of this boot shares, so a disk that takes over the device
 * number never inherits the holds. Sectors are absolute on the whole disk.
 */
struct bh_volume {
	struct hlist_node hash_node;	/* bh_by_diskseq, RCU */
	struct list_head node;		/* bh_volumes, under bh_lock */
	u64 diskseq;
	dev_t devt;
	sector_t start;
	sector_t nr_sects;
	char devname[BDEVNAME_SIZE];
	enum bh_transport transport;
	const void *nvme_ctrl;		/* key of its NVMe controller, if any */
	bool was_ro;			/* read-only flag before the first hold */
	bool detached;			/* the disk was deleted */
	bool node_only;			/* bios pass: md's own metadata */
	bool derived;			/* only holds of a stacked volume */
	char partuuid[BLKHOLD_PARTUUID_MAX + 1];	/* a record's, "" if none */
	struct bh_disk_spans *spans;	/* its disk's index (spans.c) */
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

/* A request about to be refused: where, what, and the held volume it hits. */
struct bh_refusal {
	struct bh_volume *vol;
	struct block_device *bdev;	/* node the request came through */
	enum blkhold_kind kind;
	sector_t sector;		/* absolute on the whole disk */
	sector_t nr_sects;
	u32 opcode;
	const char *action;		/* tamper: what was attempted */
};

/* registry.c */
void bh_registry_assert_locked(void);
int bh_registry_locked(void);
struct bh_volume *bh_volume_get(struct gendisk *disk, struct block_device *bdev,
				sector_t start, sector_t nr);
int bh_volume_own(struct bh_volume *vol, struct block_device *bdev);
struct bh_volume *bh_volume_get_beneath(struct gendisk *disk, sector_t start,
					sector_t nr, bool node_only);
int bh_volume_add_hold(struct bh_volume *vol, struct bh_hold *hold,
		       struct netlink_ext_ack *extack);
void bh_volume_put(struct bh_volume *vol);
void bh_record_unbind(struct bh_record *rec, bool detached_only,
		      const char *reason);
unsigned int bh_record_bound(const struct bh_record *rec);
struct bh_hold *bh_hold_new(const char *name, const char *reason);
int bh_pin(void);
void bh_unpin(void);
bool bh_pinned(void);
void bh_wait_unpinned(void);
void bh_pin_failed(int err, struct netlink_ext_ack *extack);
void bh_volume_appeared(struct block_device *bdev, dev_t devt);
void bh_drain_disk(struct gendisk *disk);
void bh_wait_queue(struct gendisk *disk);
void bh_check_partuuid(const struct bh_volume *vol, struct block_device *bdev);
int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		struct netlink_ext_ack *extack);
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
void bh_refuse_everywhere(struct bh_refusal *r);
void bh_disk_deleted(u64 diskseq, bool done);
void bh_registry_lock(void);
void bh_registry_unlock(void);
u64 bh_registry_generation(void);
struct bh_volume *bh_volume_at(unsigned long index);
extern struct hlist_head bh_by_diskseq[BH_BUCKETS];

static inline struct hlist_head *bh_bucket(u64 diskseq)
{
	return &bh_by_diskseq[diskseq % BH_BUCKETS];
}

/*
 * Could @disk have a held volume? A lockless look at its bucket, for the
 * I/O path: most disks have none, and are let through without RCU or a
 * lookup. A non-empty bucket sends the caller to bh_volume_find().
 */
static inline bool bh_disk_may_be_held(const struct gendisk *disk)
{
	return !hlist_empty(bh_bucket(disk->diskseq));
}

/* spans.c: the held ranges of each disk, for the I/O path */
struct bh_disk_spans;
struct bh_volume *bh_volume_find(u64 diskseq, sector_t sector, sector_t nr);
struct bh_volume *bh_volume_find_scope(u64 diskseq, sector_t sector,
				       sector_t nr, bool bio);
struct bh_disk_spans *bh_spans_get(struct gendisk *disk);
void bh_spans_update(struct bh_disk_spans *ds);
void bh_spans_put(struct bh_disk_spans *ds);
void bh_drain_later(struct gendisk *disk);
int bh_drain_deferred(struct netlink_ext_ack *extack);

/* hooks.c */
int bh_hooks_probe(void);
int bh_hooks_install(void);
void bh_hooks_remove(void);
void bh_hooks_exit(void);
struct bh_hook;
int bh_hook_group_install(struct bh_hook *group, unsigned int count);
void bh_hook_group_remove(struct bh_hook *group, unsigned int count);
void bh_hook_group_exit(struct bh_hook *group, unsigned int count);

/*
 * A hooked function, and its ftrace callback or direct entry (below); what
 * runs instead when the hook refuses the call (hooks.c).
 */
struct bh_hook {
	const char *func;
	ftrace_func_t callback;
	void *instead;			/* NULL: only observe */
	void *direct;			/* a direct entry, not a callback */
	struct ftrace_ops ops;
};

void bh_hook_redirect(struct ftrace_ops *ops, unsigned long parent_ip,
		      struct ftrace_regs *fregs);

/*
 * BH_HOOK_CALLBACK(name, refuses) defines the ftrace callback @name, which
 * asks @refuses(fregs) whether the hooked call is refused and, if it is,
 * sends it to the hook's refusal function. None of these hooks is on the
 * I/O path (those are direct entries, below), so each call is decided.
 */
#define BH_HOOK_CALLBACK(name, refuses)					\
static void notrace name(unsigned long ip, unsigned long parent_ip,	\
			 struct ftrace_ops *ops, struct ftrace_regs *fregs) \
{									\
	if (refuses(fregs))						\
		bh_hook_redirect(ops, parent_ip, fregs);		\
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

/* gate.c: bios and block device nodes */
extern struct bh_hook bh_gate_hooks[];
extern const unsigned int bh_nr_gate_hooks;

/* stack.c: device-mapper maps under holds */
int bh_stack_get(struct bh_volume *vol, struct gendisk *disk);
void bh_stack_put(struct bh_volume *vol);
void bh_stack_exit(void);

/* passthru.c: SCSI and NVMe passthrough requests */
extern struct bh_hook bh_passthru_hooks[];
extern const unsigned int bh_nr_passthru_hooks;
enum bh_transport bh_disk_transport(struct gendisk *disk);

/* tamper.c: unloading, kexec, swapon */
extern struct bh_hook bh_tamper_hooks[];
extern const unsigned int bh_nr_tamper_hooks;
void bh_unload_forced(void);
const void *bh_nvme_ctrl_key(struct gendisk *disk);

/* persist.c: records, disk identities, disk arrival */
struct device *bh_disk_parent(struct gendisk *disk);
int bh_persist_init(void);
int bh_record_add(struct bh_record *rec, dev_t devt, u64 diskseq,
		  bool drain_later, struct netlink_ext_ack *extack);
int bh_record_del(const struct bh_record *key, const char *reason,
		  struct netlink_ext_ack *extack);
struct bh_record *bh_record_at(unsigned long index);
int bh_hold_add_paths(struct block_device *bdev, const char *name,
		      const char *reason, struct netlink_ext_ack *extack);
void bh_record_drop(struct bh_record *rec, const char *reason);
extern struct bh_hook bh_persist_hooks[];
extern const unsigned int bh_nr_persist_hooks;

/* events.c */
void bh_refuse(struct bh_refusal *r);
void bh_announce_hold(u8 cmd, const struct bh_volume *vol,
		      const char *name, const char *reason);
void bh_alert(const char *devname, const char *identity, const char *what);

/* netlink.c */
extern struct genl_family bh_family;
int bh_netlink_init(void);
void bh_netlink_exit(void);
int bh_put_volume_id(struct sk_buff *skb, const struct bh_volume *vol);

#endif /* _BLKHOLD_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every file of blkhold shares: the kernel headers, compat.h and the
 * objects of the model (holds, records, volumes, refusals). No functions:
 * each layer's are in its own header, and a file includes only the headers
 * of the layers beneath it (Documentation/design.rst, "Layers"; make check
 * runs selftests/vm/check-layers.sh).
 */
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

/* A stored hold's retention date (retention.c). */
struct bh_retention {
	u64 until;		/* seconds on the retention clock */
	u8 mode;		/* enum blkhold_retain_mode; NONE: no date */
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
	/* who must sign its release (custody.c), or NULL; under bh_lock */
	struct bh_custody *custody;
	struct bh_retention retain;	/* under bh_lock */
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

#endif /* _BLKHOLD_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * persist.c: records (holds on a medium named by its identity), disk
 * arrival, and placing and releasing a hold: a disk with an identity gets
 * a transient record.
 */
#ifndef _BLKHOLD_PERSIST_H
#define _BLKHOLD_PERSIST_H

#include "blkhold.h"

int bh_persist_init(void);
void bh_persist_exit(void);
bool bh_records_armed(void);
struct bh_record *bh_record_find_identity(const char *identity);
struct bh_record *bh_record_find_subsys(const char *nqn);
int bh_record_add(struct bh_record *rec, struct block_device *bdev,
		  bool drain_later, struct netlink_ext_ack *extack);
/* A release: why, and a custodian's signed order when the hold has them. */
struct bh_release {
	const char *reason;
	const void *order;
	size_t order_len;
	bool override;		/* before a governance date, without custodians */
};

int bh_record_del(const struct bh_record *key, const struct bh_release *rel,
		  struct netlink_ext_ack *extack);
void bh_record_discard(struct bh_record *rec);
int bh_record_retain(const struct bh_record *key,
		     const struct bh_retention *want,
		     struct netlink_ext_ack *extack);
char *bh_record_order_text(const struct bh_record *key,
			   struct netlink_ext_ack *extack);
char *bh_hold_order_text(dev_t devt, u64 diskseq, const char *name,
			 struct netlink_ext_ack *extack);
struct bh_record *bh_record_at(unsigned long index);
int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		bool drain_later, struct bh_custody *custody,
		struct netlink_ext_ack *extack);
int bh_hold_release(dev_t devt, u64 diskseq, const char *name,
		    const struct bh_release *rel, struct netlink_ext_ack *extack);

#endif /* _BLKHOLD_PERSIST_H */

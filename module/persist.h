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
int bh_record_del(const struct bh_record *key, const char *reason,
		  struct netlink_ext_ack *extack);
struct bh_record *bh_record_at(unsigned long index);
int bh_hold_add(dev_t devt, u64 diskseq, const char *name, const char *reason,
		bool drain_later, struct netlink_ext_ack *extack);
int bh_hold_release(dev_t devt, u64 diskseq, const char *name,
		    const char *reason, struct netlink_ext_ack *extack);

#endif /* _BLKHOLD_PERSIST_H */

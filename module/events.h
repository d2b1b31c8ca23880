/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.c: counting, logging and announcing refusals, holds and alerts.
 * The bottom layer: netlink.c hands it the family to announce on.
 */
#ifndef _BLKHOLD_EVENTS_H
#define _BLKHOLD_EVENTS_H

#include "blkhold.h"

int bh_events_init(struct genl_family *family);
void bh_events_state(u64 *seq, u64 *epoch);
void bh_refuse(struct bh_refusal *r);
void bh_tamper_seen(struct bh_refusal *r);
void bh_record_tamper(struct bh_record *rec, const char *what);
void bh_announce_hold(u8 cmd, const struct bh_volume *vol,
		      const char *name, const char *reason);
void bh_alert(const char *devname, const char *identity, const char *what);
int bh_put_volume_id(struct sk_buff *skb, const struct bh_volume *vol,
		     u64 diskseq);

#endif /* _BLKHOLD_EVENTS_H */

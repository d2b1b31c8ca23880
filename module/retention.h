/* SPDX-License-Identifier: GPL-2.0 */
/*
 * retention.c: retention dates, judged by a clock that root cannot wind
 * forward.
 */
#ifndef _BLKHOLD_RETENTION_H
#define _BLKHOLD_RETENTION_H

#include "blkhold.h"

struct bh_retention_check {
	const struct bh_retention *ret;
	bool custodians;	/* the hold has custodians: they sign */
	bool override;		/* governance: released by override */
};

void bh_retention_init(void);
u64 bh_clock_read(void);
void bh_clock_lower(u64 seconds);
int bh_retention_parse(struct bh_retention *ret, const struct nlattr *until,
		       const struct nlattr *mode, struct netlink_ext_ack *extack);
/* bh_retention_may_release(): released before its date by override */
#define BH_RETAIN_OVERRIDDEN	1

int bh_retention_may_release(const struct bh_retention_check *c,
			     struct netlink_ext_ack *extack);
int bh_retention_extend(struct bh_retention *ret,
			const struct bh_retention *want,
			struct netlink_ext_ack *extack);
const char *bh_retention_mode_name(u8 mode);
int bh_retention_put(struct sk_buff *skb, const struct bh_retention *ret);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BLKHOLD_CUSTODY_H
#define _BLKHOLD_CUSTODY_H

#include "blkhold.h"

#define BH_CUSTODIANS_MAX	8
#define BH_HOLD_ID_LEN		16
#define BH_CERTS_MAX		65000	/* all certificates of a hold, DER */
#define BH_ORDER_DER_MAX	16384

/* What a release order names: the medium, the range and the hold. */
struct bh_order_subject {
	const char *identity;
	sector_t start;
	sector_t nr_sects;
	const char *name;
};

struct bh_custody *bh_custody_new(const void *certs, size_t len,
				  const u8 *hold_id,
				  struct netlink_ext_ack *extack);
void bh_custody_free(struct bh_custody *c);
unsigned int bh_custody_count(const struct bh_custody *c);
const u8 *bh_custody_hold_id(const struct bh_custody *c);
int bh_custody_put_keys(struct sk_buff *skb, int attr,
			const struct bh_custody *c);
char *bh_custody_order(struct bh_custody *c, const struct bh_order_subject *s);
int bh_custody_verify(struct bh_custody *c, const struct bh_order_subject *s,
		      const void *order, size_t len,
		      struct netlink_ext_ack *extack);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.c: the generic netlink family. The top layer.
 */
#ifndef _BLKHOLD_NETLINK_H
#define _BLKHOLD_NETLINK_H

#include "blkhold.h"

int bh_netlink_init(void);
void bh_netlink_exit(void);

#endif /* _BLKHOLD_NETLINK_H */

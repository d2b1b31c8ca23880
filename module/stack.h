/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stack.c: device-mapper and md maps under holds: a held stacked device
 * keeps its map. Above the index, beneath the registry.
 */
#ifndef _BLKHOLD_STACK_H
#define _BLKHOLD_STACK_H

#include "blkhold.h"

int bh_stack_get(struct bh_volume *vol, struct gendisk *disk);
void bh_stack_put(struct bh_volume *vol);
void bh_stack_exit(void);

#endif /* _BLKHOLD_STACK_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gate.c: bios and block device nodes. The top layer.
 */
#ifndef _BLKHOLD_GATE_H
#define _BLKHOLD_GATE_H

#include "blkhold.h"

int bh_gate_init(void);

#endif /* _BLKHOLD_GATE_H */

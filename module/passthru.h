/* SPDX-License-Identifier: GPL-2.0 */
/*
 * passthru.c: SCSI and NVMe passthrough requests. The top layer.
 */
#ifndef _BLKHOLD_PASSTHRU_H
#define _BLKHOLD_PASSTHRU_H

#include "blkhold.h"

int bh_passthru_init(void);

#endif /* _BLKHOLD_PASSTHRU_H */

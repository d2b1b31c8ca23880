/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tamper.c: unloading, kexec, hibernation, swapon, driver binding. The
 * top layer.
 */
#ifndef _BLKHOLD_TAMPER_H
#define _BLKHOLD_TAMPER_H

#include "blkhold.h"

int bh_tamper_init(void);
void bh_unload_forced(void);

#endif /* _BLKHOLD_TAMPER_H */

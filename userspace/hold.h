/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_HOLD_H
#define BLKHOLD_HOLD_H

#include "blkhold.h"

int hold_request(uint8_t cmd, const struct args *args, const struct device *dev);

/* stack.c: holds on device-mapper volumes and what lies beneath */
bool stack_is_dm(const struct device *dev);
bool stack_is_md(const struct device *dev);
int stack_hold(const struct args *args, const struct device *dev);
void stack_released(const struct device *dev);

#endif

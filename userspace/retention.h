/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_RETENTION_H
#define BLKHOLD_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

struct args;
struct entry;

/* retention.c: retention dates and the kernel's retention clock */

/*
 * --retain-until DATE --mode MODE into @e->retain ("MODE:SECONDS"), or
 * nothing when neither is given. Prints the error, naming @what.
 */
int retention_from_args(const struct args *args, struct entry *e, const char *what);
/* retain-until and retain-mode for the stored hold @e; 0 without a date */
int retention_put(struct nl_msg *msg, const struct entry *e);
/* "MODE:SECONDS" into its parts; -1 when it is not that */
int retention_parse(const char *field, uint8_t *mode, uint64_t *until);
/*
 * The kernel's retention clock in seconds, or 0 when blkhold is not
 * loaded here.
 */
uint64_t retention_clock(void);
const char *retention_mode_name(uint8_t mode);
/* "until 2027-01-01 00:00:00 UTC, compliance mode" for messages */
void retention_describe(uint8_t mode, uint64_t until, char *buf, size_t len);

#endif

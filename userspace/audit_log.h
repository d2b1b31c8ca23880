/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_AUDIT_LOG_H
#define BLKHOLD_AUDIT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct audit_log {
	char path[4096 + 16];
	int fd;				/* appending, or -1 */
	char head[SHA256_HEX_LEN + 1];	/* the last line's hash */
	size_t lines;
	size_t size;			/* bytes read */
	size_t torn;			/* bytes of a last line cut short */
	uint64_t epoch, seq;		/* the kernel's last event accounted for */
	char problem[4096 + 256];	/* "" while the chain is intact */
};

int audit_read(struct audit_log *a, void (*each)(void *arg, size_t line, const char *json,
						 size_t len), void *arg);
int audit_open(struct audit_log *a);
int audit_append(struct audit_log *a, const char *json);
void audit_close(struct audit_log *a);
int json_field(const char *json, size_t len, const char *key, char *out, size_t out_len);

#endif

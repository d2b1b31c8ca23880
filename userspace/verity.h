/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_VERITY_H
#define BLKHOLD_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/*
 * The dm-verity hash tree of the @bytes at @data_path into @hash_path, and
 * its root hash. 0, or -1 with @why.
 */
int verity_make(const char *data_path, uint64_t bytes, const char *hash_path,
		char root_hex[SHA256_HEX_LEN + 1], char *why, size_t why_len);

#endif

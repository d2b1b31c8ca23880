/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_SHA256_H
#define BLKHOLD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

/* SHA-256 (FIPS 180-4) of @len bytes at @data, as 64 lowercase hex digits. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif

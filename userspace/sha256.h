/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_SHA256_H
#define BLKHOLD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_HEX_LEN	64

/* SHA-256 (FIPS 180-4) of @len bytes at @data. */
void sha256(const void *data, size_t len, unsigned char md[SHA256_LEN]);
/* The same as 64 lowercase hex digits. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
/* SHA-256 of the file at @path as hex: 0 or -errno. */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1]);
void sha256_to_hex(const unsigned char md[SHA256_LEN], char hex[SHA256_HEX_LEN + 1]);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_FP_STORE_H
#define BLKHOLD_FP_STORE_H

#include "fingerprint.h"
#include "store.h"

/* What a "fingerprint" ledger entry records of a volume's fingerprint. */
struct fp_record {
	uint32_t chunk;
	uint64_t bytes;
	char root[SHA256_HEX_LEN + 1];
	char leaves[SHA256_HEX_LEN + 1];	/* SHA-256 of the leaf file */
};

struct device;
void fp_identity(const struct device *dev, struct entry *e);
void fp_leaves_path(const struct entry *e, char *path, size_t len);
void fp_record_format(const struct fp_record *r, char *reason, size_t len);
int fp_record_parse(const char *reason, struct fp_record *r);
const struct entry *fp_latest(const struct ledger *l, const struct entry *key);
const struct entry *fp_latest_of(const struct ledger *l, const struct entry *key,
				 const char *algorithm);

/* What a dm-verity fingerprint's ledger entry records (verity.c makes the tree). */
#define FP_VERITY	"dm-verity-sha256"
#define FP_VERITY_BLOCK	4096
struct fp_verity {
	uint64_t bytes;
	char root[SHA256_HEX_LEN + 1];
	char tree[SHA256_HEX_LEN + 1];		/* SHA-256 of the hash file */
};
void fp_verity_format(const struct fp_verity *v, char *reason, size_t len);
int fp_verity_parse(const char *reason, struct fp_verity *v);
int fp_leaves_write(const char *path, struct fp_record *r, const fp_digest *leaves);
fp_digest *fp_leaves_read(const char *path, const struct fp_record *r,
			  char *why, size_t why_len);

#endif

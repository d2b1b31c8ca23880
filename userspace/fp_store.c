// SPDX-License-Identifier: GPL-2.0
/*
 * Where fingerprints are kept. The leaves go to a file of their own under
 * the store (STORE/fingerprints/), the root and the leaf file's SHA-256 to
 * the ledger, as a "fingerprint" entry of the hold; each later check of
 * the volume against it is a "verify" entry. So the ledger's hash chain
 * vouches for the leaves, and a leaf file edited to match a changed disk
 * no longer matches its entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkhold.h"
#include "fp_store.h"
#include "hold.h"

#define LEAVES_MAGIC "blkhold-leaves 1"

/*
 * The identity and range a fingerprint of @dev is recorded under: its
 * disk's (as a stored hold has), a stacked volume's dm or md uuid, or,
 * for a disk without an identity, its node's name.
 */
void fp_identity(const struct device *dev, struct entry *e)
{
	if (!device_identity_range(dev, e))
		return;
	e->start = 0;
	e->sectors = dev->sectors;
	e->disk_sectors = dev->sectors;
	if ((stack_is_dm(dev) || stack_is_md(dev)) &&
	    !stack_identity(dev, e->identity, sizeof(e->identity)))
		return;
	snprintf(e->identity, sizeof(e->identity), "node=%s", dev->name);
}

/* STORE/fingerprints/ID.leaves, ID a digest of the hold's identity, range and name. */
void fp_leaves_path(const struct entry *e, char *path, size_t len)
{
	char key[BLKHOLD_IDENTITY_MAX + BLKHOLD_NAME_MAX + 64];
	char hex[SHA256_HEX_LEN + 1];
	int n;

	n = snprintf(key, sizeof(key), "%s %" PRIu64 " %" PRIu64 " %s",
		     e->identity, e->start, e->sectors, e->name);
	sha256_hex(key, n, hex);
	snprintf(path, len, "%s/fingerprints/%.32s.leaves", store_dir(), hex);
}

/* "sha256-merkle-rfc6962 chunk=C bytes=B root=HEX leaves=HEX": a fingerprint entry's reason */
void fp_record_format(const struct fp_record *r, char *reason, size_t len)
{
	snprintf(reason, len, "%s chunk=%" PRIu32 " bytes=%" PRIu64 " root=%s leaves=%s",
		 FP_ALGORITHM, r->chunk, r->bytes, r->root, r->leaves);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == SHA256_HEX_LEN &&
	       strspn(s, "0123456789abcdef") == SHA256_HEX_LEN;
}

int fp_record_parse(const char *reason, struct fp_record *r)
{
	char algorithm[64];

	if (sscanf(reason, "%63s chunk=%" SCNu32 " bytes=%" SCNu64 " root=%64s leaves=%64s",
		   algorithm, &r->chunk, &r->bytes, r->root, r->leaves) != 5 ||
	    strcmp(algorithm, FP_ALGORITHM) || !r->chunk || !is_hex64(r->root) ||
	    !is_hex64(r->leaves))
		return -1;
	return 0;
}

void fp_verity_format(const struct fp_verity *v, char *reason, size_t len)
{
	snprintf(reason, len, "%s block=%d bytes=%" PRIu64 " root=%s tree=%s", FP_VERITY,
		 FP_VERITY_BLOCK, v->bytes, v->root, v->tree);
}

int fp_verity_parse(const char *reason, struct fp_verity *v)
{
	char algorithm[64];
	int block;

	if (sscanf(reason, "%63s block=%d bytes=%" SCNu64 " root=%64s tree=%64s",
		   algorithm, &block, &v->bytes, v->root, v->tree) != 5 ||
	    strcmp(algorithm, FP_VERITY) || block != FP_VERITY_BLOCK || !is_hex64(v->root) ||
	    !is_hex64(v->tree))
		return -1;
	return 0;
}

/* The newest fingerprint entry made by @algorithm of the hold @key names, or NULL. */
const struct entry *fp_latest_of(const struct ledger *l, const struct entry *key,
				 const char *algorithm)
{
	size_t n = strlen(algorithm), i;

	for (i = l->n; i-- > 0;)
		if (!strcmp(l->e[i].op, "fingerprint") && entry_same_hold(&l->e[i], key) &&
		    !strncmp(l->e[i].reason, algorithm, n) && l->e[i].reason[n] == ' ')
			return &l->e[i];
	return NULL;
}

/* The newest Merkle fingerprint of the hold @key names, or NULL. */
const struct entry *fp_latest(const struct ledger *l, const struct entry *key)
{
	return fp_latest_of(l, key, FP_ALGORITHM);
}

/* The directory of @path, made if missing. */
static int mkdir_for(const char *path)
{
	char dir[4096];

	parent_dir(path, dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The header line, then @n leaves of 32 bytes. */
static char *leaves_image(const struct fp_record *r, const fp_digest *leaves,
			  uint64_t n, size_t *len)
{
	char header[256];
	int h = snprintf(header, sizeof(header), "%s chunk=%" PRIu32 " bytes=%" PRIu64
			 " chunks=%" PRIu64 " root=%s\n", LEAVES_MAGIC, r->chunk,
			 r->bytes, n, r->root);
	char *image = malloc(h + n * SHA256_LEN);

	if (!image)
		return NULL;
	memcpy(image, header, h);
	memcpy(image + h, leaves, n * SHA256_LEN);
	*len = h + n * SHA256_LEN;
	return image;
}

/*
 * Write the leaves of fingerprint @r to @path, whole or not at all, and
 * set @r->leaves to the file's SHA-256. Returns 0 or -errno.
 */
int fp_leaves_write(const char *path, struct fp_record *r, const fp_digest *leaves)
{
	size_t len;
	char *image = leaves_image(r, leaves, fp_chunks(r->bytes, r->chunk), &len);
	int err;

	if (!image)
		return -ENOMEM;
	sha256_hex(image, len, r->leaves);
	err = mkdir_for(path) ?: write_file_atomic(path, image, len, 0600);
	free(image);
	return err;
}

/*
 * The leaves of fingerprint @r from @path, after checking the file against
 * @r (its SHA-256, its chunk size, size and root). NULL with @why.
 */
fp_digest *fp_leaves_read(const char *path, const struct fp_record *r,
			  char *why, size_t why_len)
{
	uint64_t n = fp_chunks(r->bytes, r->chunk);
	char hex[SHA256_HEX_LEN + 1], *image = NULL, *nl;
	struct fp_record got = *r;
	fp_digest *leaves;
	size_t len = 0, expect;
	int err = read_whole(path, &image, &len);

	if (err) {
		snprintf(why, why_len, "cannot read %s: %s", path, strerror(-err));
		return NULL;
	}
	sha256_hex(image, len, hex);
	nl = memchr(image, '\n', len);
	expect = nl ? (size_t)(nl + 1 - image) + n * SHA256_LEN : 0;
	if (strcmp(hex, r->leaves) || !nl || len != expect ||
	    sscanf(image, LEAVES_MAGIC " chunk=%" SCNu32 " bytes=%" SCNu64 " chunks=%*u root=%64s",
		   &got.chunk, &got.bytes, got.root) != 3 ||
	    got.chunk != r->chunk || got.bytes != r->bytes || strcmp(got.root, r->root)) {
		snprintf(why, why_len, "%s is not the leaf file the ledger records (its SHA-256 is %.16s, the ledger's %.16s): it was changed or replaced",
			 path, hex, r->leaves);
		free(image);
		return NULL;
	}
	leaves = malloc(n ? n * SHA256_LEN : 1);
	if (leaves)
		memcpy(leaves, nl + 1, n * SHA256_LEN);
	else
		snprintf(why, why_len, "no memory for %" PRIu64 " leaves", n);
	free(image);
	return leaves;
}

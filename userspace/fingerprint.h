/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_FINGERPRINT_H
#define BLKHOLD_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/*
 * A fingerprint of a volume: the volume cut into chunks of @chunk bytes
 * (the last may be shorter), each chunk's leaf SHA-256(0x00 || chunk), and
 * the root of a Merkle tree over the leaves whose nodes are SHA-256(0x01 ||
 * left || right), as RFC 6962 builds it: a leaf cannot pose as a node.
 */
#define FP_ALGORITHM		"sha256-merkle-rfc6962"
#define FP_DEFAULT_CHUNK	(1U << 20)

typedef unsigned char fp_digest[SHA256_LEN];

struct fp_read {
	int fd;			/* the volume, opened O_DIRECT */
	uint64_t offset;	/* where in @fd the volume starts */
	uint64_t bytes;		/* its size */
	uint32_t chunk;		/* a multiple of 4096 */
	uint64_t first, count;	/* the chunks to hash */
	unsigned int threads;
	fp_digest *leaves;	/* leaves[first .. first + count) are written */
	/* on a terminal: called about twice a second with the bytes read so far */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
	/* set on failure: the chunk whose read failed, and why */
	uint64_t failed_chunk;
	char why[256];
};

uint64_t fp_chunks(uint64_t bytes, uint32_t chunk);
/* Hash the chunks @r names with @r->threads threads. 0, or -1 with @r->why. */
int fp_hash(struct fp_read *r);
/* The root over @n leaves; @n = 0 gives SHA-256 of nothing. */
void fp_root(const fp_digest *leaves, uint64_t n, fp_digest root);
void fp_leaf(const void *data, size_t len, fp_digest leaf);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * fingerprint.c against the definitions: the root against RFC 6962's
 * recursive Merkle tree hash, written out here independently; the leaves
 * of a file hashed by 1 to 8 threads against each chunk hashed alone; a
 * read past the end reported with its chunk. Run by "make -C userspace
 * test" (make check).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fingerprint.h"

static unsigned long failures, checks;

#define EXPECT(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond) && ++failures <= 10) {			\
			fprintf(stderr, "test_merkle: " __VA_ARGS__);	\
			fputc('\n', stderr);				\
		}							\
	} while (0)

/* RFC 6962, 2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k < n the largest power of two. */
static void mth(const fp_digest *leaves, uint64_t n, fp_digest out)
{
	unsigned char buf[1 + 2 * SHA256_LEN];
	uint64_t k = 1;

	if (n == 1) {
		memcpy(out, leaves[0], SHA256_LEN);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	buf[0] = 0x01;
	mth(leaves, k, buf + 1);
	mth(leaves + k, n - k, buf + 1 + SHA256_LEN);
	sha256(buf, sizeof(buf), out);
}

static void test_roots(void)
{
	fp_digest leaves[70], a, b;
	unsigned char data[8];
	uint64_t n;

	for (n = 0; n < 70; n++) {
		memcpy(data, &n, sizeof(data));
		fp_leaf(data, sizeof(data), leaves[n]);
	}
	for (n = 1; n <= 70; n++) {
		fp_root(leaves, n, a);
		mth(leaves, n, b);
		EXPECT(!memcmp(a, b, SHA256_LEN), "root of %llu leaves is not RFC 6962's",
		       (unsigned long long)n);
	}
	fp_root(leaves, 0, a);
	sha256("", 0, b);
	EXPECT(!memcmp(a, b, SHA256_LEN), "root of no leaves is not SHA-256 of nothing");
	/* a leaf is not the plain hash of its data */
	sha256(data, sizeof(data), b);
	EXPECT(memcmp(leaves[69], b, SHA256_LEN), "a leaf hash lacks its 0x00 prefix");
}

static void test_threads(const char *path, const unsigned char *data, uint64_t bytes,
			 uint32_t chunk)
{
	uint64_t n = fp_chunks(bytes, chunk), i;
	fp_digest *expect = calloc(n, SHA256_LEN), *got = calloc(n, SHA256_LEN);
	unsigned int threads;
	int fd = open(path, O_RDONLY);

	for (i = 0; i < n; i++)
		fp_leaf(data + i * chunk, bytes - i * chunk < chunk ? bytes - i * chunk : chunk,
			expect[i]);
	for (threads = 1; threads <= 8; threads++) {
		struct fp_read r = { .fd = fd, .bytes = bytes, .chunk = chunk,
				     .first = 0, .count = n, .threads = threads, .leaves = got };

		memset(got, 0, n * SHA256_LEN);
		EXPECT(!fp_hash(&r), "%u threads: %s", threads, r.why);
		EXPECT(!memcmp(got, expect, n * SHA256_LEN),
		       "%u threads: leaves differ from each chunk hashed alone", threads);
	}
	/* a part: only its leaves are written */
	{
		struct fp_read r = { .fd = fd, .bytes = bytes, .chunk = chunk,
				     .first = 2, .count = 2, .threads = 3, .leaves = got };

		memset(got, 0, n * SHA256_LEN);
		EXPECT(!fp_hash(&r) && !memcmp(got[2], expect[2], 2 * SHA256_LEN) &&
		       !got[0][0] && !got[1][0] && !got[4][0], "hashing chunks 2-3 alone");
	}
	/* the file is shorter than we claim: the first chunk past its end fails */
	{
		struct fp_read r = { .fd = fd, .bytes = bytes + 3 * (uint64_t)chunk,
				     .chunk = chunk, .first = 0, .count = n + 3, .threads = 4 };

		r.leaves = calloc(n + 3, SHA256_LEN);
		EXPECT(fp_hash(&r) && r.failed_chunk == bytes / chunk,
		       "a read past the end: chunk %llu reported (%s)",
		       (unsigned long long)r.failed_chunk, r.why);
		free(r.leaves);
	}
	close(fd);
	free(expect);
	free(got);
}

int main(void)
{
	uint32_t chunk = 64 << 10;
	uint64_t bytes = 5 * (uint64_t)chunk + 12288, i;
	unsigned char *data = malloc(bytes);
	char path[] = "/tmp/test_merkle.XXXXXX";
	int fd = mkstemp(path);

	for (i = 0; i < bytes; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	if (fd < 0 || write(fd, data, bytes) != (ssize_t)bytes) {
		perror("test_merkle: a scratch file in /tmp");
		return 1;
	}
	close(fd);
	test_roots();
	test_threads(path, data, bytes, chunk);
	unlink(path);
	free(data);
	printf("test_merkle: %lu checks, %lu failed\n", checks, failures);
	return failures ? 1 : 0;
}

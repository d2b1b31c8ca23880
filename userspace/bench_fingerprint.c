// SPDX-License-Identifier: GPL-2.0
/*
 * "make bench"'s fingerprint figures, on the host: fingerprint.c's hashing
 * of FILE by THREADS threads and by one, in MiB a second of the clock,
 * read with direct I/O where the file system has it (not tmpfs). bench.sh
 * sets them beside fio's sequential read of the same file: in /dev/shm,
 * where hashing is the bottleneck, and on a disk.
 *
 * usage: bench_fingerprint FILE THREADS
 */
#define _GNU_SOURCE		/* O_DIRECT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fingerprint.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* MiB a second hashing all of @fd's @bytes with @threads threads */
static double rate(int fd, uint64_t bytes, unsigned int threads, fp_digest *leaves)
{
	struct fp_read r = { .fd = fd, .bytes = bytes, .chunk = FP_DEFAULT_CHUNK,
			     .count = fp_chunks(bytes, FP_DEFAULT_CHUNK),
			     .threads = threads, .leaves = leaves };
	double t0 = now();

	if (fp_hash(&r)) {
		fprintf(stderr, "bench_fingerprint: %s\n", r.why);
		exit(1);
	}
	return bytes / (now() - t0) / (1 << 20);
}

int main(int argc, char *argv[])
{
	int fd = argc == 3 ? open(argv[1], O_RDONLY | O_DIRECT) : -1;
	unsigned int threads = argc == 3 ? atoi(argv[2]) : 0;
	fp_digest *leaves;
	struct stat st;

	if (fd < 0 && argc == 3)
		fd = open(argv[1], O_RDONLY);	/* tmpfs has no direct I/O */
	if (fd < 0 || fstat(fd, &st) || !threads) {
		fprintf(stderr, "usage: bench_fingerprint FILE THREADS\n");
		return 2;
	}
	leaves = calloc(fp_chunks(st.st_size, FP_DEFAULT_CHUNK), SHA256_LEN);
	rate(fd, st.st_size, threads, leaves);	/* warm: the file in the cache, libcrypto loaded */
	printf("%.1f %.1f\n", rate(fd, st.st_size, threads, leaves), rate(fd, st.st_size, 1, leaves));
	free(leaves);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hashing a volume into a fingerprint (fingerprint.h). Several threads take
 * chunks in turn, each reading its chunk with direct I/O and hashing it
 * with libcrypto while the others read: the disk stays busy and the cores
 * share the hashing. The page cache is bypassed, so what is hashed is what
 * the medium returns, not what a cache remembers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fingerprint.h"

#define FP_ALIGN		4096
#define FP_PROGRESS_NS		500000000L

struct fp_job {
	struct fp_read *r;
	atomic_uint_fast64_t next;	/* chunks taken, from r->first */
	atomic_uint_fast64_t done;	/* bytes hashed */
	atomic_bool stop;
	pthread_mutex_t lock;		/* r->why, r->failed_chunk, running */
	pthread_cond_t finished;
	unsigned int running;
};

uint64_t fp_chunks(uint64_t bytes, uint32_t chunk)
{
	return (bytes + chunk - 1) / chunk;
}

static int digest_prefixed(EVP_MD_CTX *ctx, unsigned char prefix,
			   const void *data, size_t len, fp_digest out)
{
	return EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	       EVP_DigestUpdate(ctx, &prefix, 1) &&
	       EVP_DigestUpdate(ctx, data, len) &&
	       EVP_DigestFinal_ex(ctx, out, NULL) ? 0 : -1;
}

void fp_leaf(const void *data, size_t len, fp_digest leaf)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || digest_prefixed(ctx, 0x00, data, len, leaf)) {
		fputs("blkhold: libcrypto cannot compute SHA-256 (out of memory?)\n", stderr);
		exit(1);
	}
	EVP_MD_CTX_free(ctx);
}

static void fp_node(const fp_digest left, const fp_digest right, fp_digest node)
{
	unsigned char buf[1 + 2 * SHA256_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, SHA256_LEN);
	memcpy(buf + 1 + SHA256_LEN, right, SHA256_LEN);
	sha256(buf, sizeof(buf), node);
}

/*
 * Level by level, a node left without a partner goes up as it is: the
 * same tree as RFC 6962's split at the largest power of two below n.
 */
void fp_root(const fp_digest *leaves, uint64_t n, fp_digest root)
{
	fp_digest *level;
	uint64_t i;

	if (!n) {
		sha256("", 0, root);
		return;
	}
	level = malloc(n * sizeof(*level));
	if (!level) {
		fputs("blkhold: no memory for the fingerprint's tree\n", stderr);
		exit(1);
	}
	memcpy(level, leaves, n * sizeof(*level));
	while (n > 1) {
		for (i = 0; i + 1 < n; i += 2)
			fp_node(level[i], level[i + 1], level[i / 2]);
		if (n & 1)
			memcpy(level[n / 2], level[n - 1], SHA256_LEN);
		n = (n + 1) / 2;
	}
	memcpy(root, level[0], SHA256_LEN);
	free(level);
}

static void job_fail(struct fp_job *job, uint64_t chunk, const char *what, int err)
{
	struct fp_read *r = job->r;

	pthread_mutex_lock(&job->lock);
	/* the lowest chunk that failed is the one to report */
	if (!r->why[0] || chunk < r->failed_chunk) {
		r->failed_chunk = chunk;
		snprintf(r->why, sizeof(r->why), "%s chunk %llu: %s", what,
			 (unsigned long long)chunk, strerror(err));
	}
	pthread_mutex_unlock(&job->lock);
	atomic_store(&job->stop, true);
}

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the volume shrank under us */
		got += n;
	}
	return 0;
}

static void hash_chunks(struct fp_job *job, void *buf, EVP_MD_CTX *ctx)
{
	struct fp_read *r = job->r;
	uint64_t i, off;
	size_t len;
	int err;

	while (!atomic_load(&job->stop)) {
		i = atomic_fetch_add(&job->next, 1);
		if (i >= r->count)
			return;
		i += r->first;
		off = i * r->chunk;
		len = r->bytes - off < r->chunk ? r->bytes - off : r->chunk;
		err = read_full(r->fd, buf, len, r->offset + off);
		if (err) {
			job_fail(job, i, "cannot read", -err);
			return;
		}
		if (digest_prefixed(ctx, 0x00, buf, len, r->leaves[i])) {
			job_fail(job, i, "cannot hash", ENOMEM);
			return;
		}
		atomic_fetch_add(&job->done, len);
	}
}

static void *worker(void *arg)
{
	struct fp_job *job = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	void *buf = NULL;

	if (!ctx || posix_memalign(&buf, FP_ALIGN, job->r->chunk))
		job_fail(job, job->r->first, "no memory to hash", ENOMEM);
	else
		hash_chunks(job, buf, ctx);
	free(buf);
	EVP_MD_CTX_free(ctx);
	pthread_mutex_lock(&job->lock);
	job->running--;
	pthread_cond_signal(&job->finished);
	pthread_mutex_unlock(&job->lock);
	return NULL;
}

static uint64_t bytes_of(const struct fp_read *r)
{
	uint64_t end = (r->first + r->count) * (uint64_t)r->chunk;

	return (end < r->bytes ? end : r->bytes) - r->first * (uint64_t)r->chunk;
}

/* Wait for the workers, reporting progress meanwhile. */
static void wait_workers(struct fp_job *job)
{
	struct timespec until;

	pthread_mutex_lock(&job->lock);
	while (job->running) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += FP_PROGRESS_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&job->finished, &job->lock, &until);
		if (job->r->progress && job->running) {
			pthread_mutex_unlock(&job->lock);
			job->r->progress(job->r->progress_arg, atomic_load(&job->done),
					 bytes_of(job->r));
			pthread_mutex_lock(&job->lock);
		}
	}
	pthread_mutex_unlock(&job->lock);
}

int fp_hash(struct fp_read *r)
{
	unsigned int i, wanted = r->threads ? r->threads : 1, started = 0;
	struct fp_job job = { .r = r };
	pthread_t *threads;

	r->why[0] = '\0';
	threads = calloc(wanted, sizeof(*threads));
	if (!threads) {
		snprintf(r->why, sizeof(r->why), "no memory for %u threads", wanted);
		return -1;
	}
	pthread_mutex_init(&job.lock, NULL);
	pthread_cond_init(&job.finished, NULL);
	job.running = wanted;
	for (i = 0; i < wanted; i++) {
		if (pthread_create(&threads[i], NULL, worker, &job))
			break;
		started++;
	}
	/* the threads that did not start are not waited for */
	pthread_mutex_lock(&job.lock);
	job.running -= wanted - started;
	pthread_mutex_unlock(&job.lock);
	if (!started)
		snprintf(r->why, sizeof(r->why), "cannot start a thread");
	wait_workers(&job);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (r->progress && !r->why[0])
		r->progress(r->progress_arg, bytes_of(r), bytes_of(r));
	pthread_cond_destroy(&job.finished);
	pthread_mutex_destroy(&job.lock);
	free(threads);
	return r->why[0] ? -1 : 0;
}

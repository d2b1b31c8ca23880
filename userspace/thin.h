/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_THIN_H
#define BLKHOLD_THIN_H

#include <stddef.h>
#include <stdint.h>

/* A thin-pool device and its metadata device. */
struct thin_pool {
	unsigned int major, minor;
	unsigned int meta_major, meta_minor;
};

/* Blocks [origin, +len) of a thin volume are the pool's [data, +len). */
struct thin_run {
	uint64_t origin, data, len;
};

struct thin_runs {
	struct thin_run *run;
	size_t nr, cap;
};

/*
 * The blocks thin device @dev_id of @pool has mapped, into @runs (free
 * with thin_runs_free()); on failure, why in @why.
 */
int thin_mapped(int control, const struct thin_pool *pool, uint32_t dev_id,
		struct thin_runs *runs, char *why, size_t whylen);
void thin_runs_free(struct thin_runs *runs);

#endif

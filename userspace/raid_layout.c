// SPDX-License-Identifier: GPL-2.0
/* Which member chunks carry a part of a raid array (raid_layout.h). */
#include <string.h>

#include "raid_layout.h"

int raid_parity(const char *level)
{
	if (!strcmp(level, "raid0"))
		return 0;
	if (!strcmp(level, "raid4") || !strncmp(level, "raid5", 5))
		return 1;
	if (!strncmp(level, "raid6", 5))
		return 2;
	return -1;
}

void raid_part_mirror(struct raid_part *part, uint64_t start, uint64_t sectors)
{
	part->first = start;
	part->count = sectors;
}

void raid_part_linear(struct raid_part *part, uint64_t start, uint64_t sectors)
{
	part->linear = true;
	part->first = start;
	part->count = sectors;
}

unsigned int raid_linear_runs(const struct raid_part *part, uint64_t member_start,
			      uint64_t member_sectors, struct raid_run *runs)
{
	uint64_t from = part->first > member_start ? part->first : member_start;
	uint64_t to = part->first + part->count;

	if (to > member_start + member_sectors)
		to = member_start + member_sectors;
	if (from >= to)
		return 0;
	runs[0] = (struct raid_run){ from - member_start, to - from };
	return 1;
}

int raid_part_rows(struct raid_part *part, uint64_t chunk, uint64_t disks,
		   unsigned int parity, uint64_t *start, uint64_t *sectors)
{
	uint64_t row, r0, r1;

	if (!chunk || disks <= parity)
		return -1;
	row = chunk * (disks - parity);
	r0 = *start / row;
	r1 = (*start + *sectors + row - 1) / row;
	*start = r0 * row;
	*sectors = (r1 - r0) * row;
	part->first = r0 * chunk;
	part->count = (r1 - r0) * chunk;
	part->rows = true;
	return 0;
}

void raid_part_near(struct raid_part *part, uint64_t copies, uint64_t disks,
		    uint64_t chunk, uint64_t *start, uint64_t *sectors)
{
	part->copies = copies;
	part->disks = disks;
	part->chunk = chunk;
	part->far = 1;
	part->chunk0 = *start / chunk;
	part->chunk1 = (*start + *sectors + chunk - 1) / chunk;
	*start = part->chunk0 * chunk;
	*sectors = (part->chunk1 - part->chunk0) * chunk;
}

int raid_part_raid10(struct raid_part *part, uint64_t near, uint64_t far, bool offset,
		     uint64_t disks, uint64_t chunk, uint64_t dev_chunks,
		     uint64_t *start, uint64_t *sectors)
{
	if (!near || !far || (near > 1 && far > 1) || far > RAID_FAR_MAX || !chunk ||
	    !disks || (!offset && dev_chunks < far))
		return -1;
	raid_part_near(part, near, disks, chunk, start, sectors);
	part->far = far;
	part->offset = offset;
	part->stride = dev_chunks / far;
	return 0;
}

/* The member whose near-layout chunks section @f of member @slot repeats. */
static uint64_t far_source(const struct raid_part *part, uint64_t slot, uint64_t f)
{
	return (slot + part->disks - f * part->copies % part->disks) % part->disks;
}

/* Chunks [*lo, *hi) of the near layout's rows that member @slot carries. */
static void near_share(const struct raid_part *part, uint64_t slot, uint64_t *lo, uint64_t *hi)
{
	/* the member's chunks among sequence chunks [chunk0, chunk1) * copies */
	*lo = (part->chunk0 * part->copies + part->disks - 1 - slot) / part->disks;
	*hi = (part->chunk1 * part->copies + part->disks - 1 - slot) / part->disks;
}

/* Append [@first, +@count) to @runs, joining the last run when it follows it. */
static unsigned int add_run(struct raid_run *runs, unsigned int n, uint64_t first,
			    uint64_t count)
{
	if (n && runs[n - 1].first + runs[n - 1].count == first) {
		runs[n - 1].count += count;
		return n;
	}
	if (n == RAID_RUNS_MAX)
		return n;	/* cannot happen: raid_part_raid10() caps far */
	runs[n] = (struct raid_run){ first, count };
	return n + 1;
}

/*
 * Offset layout: section f of row q is member chunk q * far + f. The rows
 * each section carries differ by one at most between sections, so the
 * runs are one long run with a few chunks missing at its ends.
 */
static unsigned int offset_runs(const struct raid_part *part, uint64_t slot,
				struct raid_run *runs)
{
	uint64_t lo[RAID_FAR_MAX], hi[RAID_FAR_MAX], from = UINT64_MAX, to = 0, q, f;
	unsigned int n = 0;

	for (f = 0; f < part->far; f++) {
		near_share(part, far_source(part, slot, f), &lo[f], &hi[f]);
		if (lo[f] < hi[f]) {
			from = lo[f] < from ? lo[f] : from;
			to = hi[f] > to ? hi[f] : to;
		}
	}
	for (q = from; q < to; q++)
		for (f = 0; f < part->far; f++)
			if (q >= lo[f] && q < hi[f])
				n = add_run(runs, n, (q * part->far + f) * part->chunk,
					    part->chunk);
	return n;
}

unsigned int raid_member_runs(const struct raid_part *part, uint64_t slot,
			      struct raid_run *runs)
{
	uint64_t lo, hi, f;
	unsigned int n = 0;

	if (!part->copies) {
		runs[0] = (struct raid_run){ part->first, part->count };
		return part->count ? 1 : 0;
	}
	if (part->offset)
		return offset_runs(part, slot, runs);
	for (f = 0; f < part->far; f++) {
		near_share(part, far_source(part, slot, f), &lo, &hi);
		if (lo < hi)
			n = add_run(runs, n, (lo + f * part->stride) * part->chunk,
				    (hi - lo) * part->chunk);
	}
	return n;
}

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
	part->chunk0 = *start / chunk;
	part->chunk1 = (*start + *sectors + chunk - 1) / chunk;
	*start = part->chunk0 * chunk;
	*sectors = (part->chunk1 - part->chunk0) * chunk;
}

void raid_member_share(const struct raid_part *part, uint64_t slot,
		       uint64_t *first, uint64_t *count)
{
	uint64_t lo, hi;

	if (!part->copies) {
		*first = part->first;
		*count = part->count;
		return;
	}
	/* the member's chunks among sequence chunks [lo, hi) */
	lo = (part->chunk0 * part->copies + part->disks - 1 - slot) / part->disks;
	hi = (part->chunk1 * part->copies + part->disks - 1 - slot) / part->disks;
	*first = lo * part->chunk;
	*count = (hi - lo) * part->chunk;
}

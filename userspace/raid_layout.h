/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_RAID_LAYOUT_H
#define BLKHOLD_RAID_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What a part of a raid array (md, or dm-raid, which runs md's code)
 * needs of each member: the layout arithmetic, apart from where the
 * geometry is read.
 */
struct raid_part {
	const char *level;
	uint64_t first, count;	/* from each member's data start */
	bool whole, rows;
	/* raid10 near copies: each member carries its own share of the part */
	uint64_t copies, disks, chunk, chunk0, chunk1;
};

/*
 * Parity chunks a row of @level has when its array is rows of one chunk
 * on every member (raid0: 0, raid4 and raid5: 1, raid6: 2; md's level
 * names and dm-raid's, such as "raid5_ls"); -1 for the other levels.
 */
int raid_parity(const char *level);

/* raid1: every member carries the part itself. */
void raid_part_mirror(struct raid_part *part, uint64_t start, uint64_t sectors);

/*
 * Rows of @chunk sectors on each of @disks members, @parity of them
 * parity: the part [*start, +*sectors) rounded out to whole rows (the
 * parity of a row is written with any of its data), on the array and on
 * every member. Fails when no member is left for data.
 */
int raid_part_rows(struct raid_part *part, uint64_t chunk, uint64_t disks,
		   unsigned int parity, uint64_t *start, uint64_t *sectors);

/*
 * raid10's near layout (md's default): the copies of array chunk c are
 * chunks c * copies to c * copies + copies - 1 of a sequence laid across
 * the members row by row, so member m holds the sequence's chunks p with
 * p % disks == m, as its chunk p / disks. The part is rounded out to
 * whole chunks of the array.
 */
void raid_part_near(struct raid_part *part, uint64_t copies, uint64_t disks,
		    uint64_t chunk, uint64_t *start, uint64_t *sectors);

/* The part of member @slot's data area that carries the array's part. */
void raid_member_share(const struct raid_part *part, uint64_t slot,
		       uint64_t *first, uint64_t *count);

#endif

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
	/* raid10: each member carries its own share of the part */
	uint64_t copies, disks, chunk, chunk0, chunk1;
	bool linear;		/* md linear: members one after another */
	uint64_t far;		/* far copies (1: the near layout) */
	bool offset;		/* far copies a chunk after each other */
	uint64_t stride;	/* chunks between far copies, when not @offset */
};

/* A run of a member's data area: [first, +count) sectors from its start. */
struct raid_run {
	uint64_t first, count;
};

/* The most runs a member's share can take: far copies are at most this. */
#define RAID_FAR_MAX 8
#define RAID_RUNS_MAX (2 * RAID_FAR_MAX + 1)

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

/*
 * md raid10 with @far copies (md's layout word without far sets; @near or
 * @far is 1, as mdadm makes them): the near layout fills the first of
 * @far sections of each member, and section f repeats it @near * f
 * members on. In the far layout a section is @dev_chunks / @far chunks
 * long; in the offset layout (@offset) the sections are interleaved a
 * chunk at a time instead, each row followed by its copies. Fails for
 * other layouts and beyond RAID_FAR_MAX copies.
 */
int raid_part_raid10(struct raid_part *part, uint64_t near, uint64_t far, bool offset,
		     uint64_t disks, uint64_t chunk, uint64_t dev_chunks,
		     uint64_t *start, uint64_t *sectors);

/* md linear: the part [@start, +@sectors) of the array, as it is. */
void raid_part_linear(struct raid_part *part, uint64_t start, uint64_t sectors);

/*
 * md linear: the run of the member that holds array sectors [@member_start,
 * +@member_sectors) which carries the part (0 or 1 of them).
 */
unsigned int raid_linear_runs(const struct raid_part *part, uint64_t member_start,
			      uint64_t member_sectors, struct raid_run *runs);

/*
 * The runs of member @slot's data area that carry the array's part, in
 * order, into @runs (RAID_RUNS_MAX of them): how many. Not for linear.
 */
unsigned int raid_member_runs(const struct raid_part *part, uint64_t slot,
			      struct raid_run *runs);

#endif

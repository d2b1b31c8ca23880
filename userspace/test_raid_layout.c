// SPDX-License-Identifier: GPL-2.0
/*
 * raid_layout.c against md's own walk of its layouts: for random arrays
 * and parts, every copy (raid10) or row (striped levels) of every chunk
 * of the part lies in the member shares, and the shares hold nothing
 * else. Run by "make -C userspace test" (make check).
 */
#include <stdio.h>
#include <stdlib.h>

#include "raid_layout.h"

static unsigned long failures, checks;

#define EXPECT(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond) && ++failures <= 10) {			\
			fprintf(stderr, "test_raid_layout: " __VA_ARGS__); \
			fputc('\n', stderr);				\
		}							\
	} while (0)

static uint64_t rnd(uint64_t n)
{
	return (uint64_t)random() % n;
}

/* The part is rounded out to whole @unit sectors, never in. */
static void expect_rounded(uint64_t start, uint64_t sectors, uint64_t rstart,
			   uint64_t rsectors, uint64_t unit)
{
	EXPECT(rstart <= start && rstart + rsectors >= start + sectors &&
	       rstart % unit == 0 && rsectors % unit == 0 &&
	       rstart + rsectors - (start + sectors) < unit && start - rstart < unit,
	       "[%llu, +%llu) rounded to [%llu, +%llu), unit %llu",
	       (unsigned long long)start, (unsigned long long)sectors,
	       (unsigned long long)rstart, (unsigned long long)rsectors,
	       (unsigned long long)unit);
}

/*
 * md raid10's near layout, as raid10.c's __raid10_find_phys() walks it
 * (one far copy): where copy @k of array chunk @c lies, as a member and
 * a chunk on it.
 */
static void near_copy(uint64_t c, uint64_t k, uint64_t copies, uint64_t disks,
		      uint64_t *dev, uint64_t *dev_chunk)
{
	uint64_t seq = c * copies;

	*dev = seq % disks;
	*dev_chunk = seq / disks;
	while (k--) {
		if (++*dev == disks) {
			*dev = 0;
			++*dev_chunk;
		}
	}
}

static void test_near(void)
{
	uint64_t disks = 2 + rnd(7), copies = 2 + rnd(disks - 1), chunk = 1 + rnd(16);
	uint64_t start = rnd(4000), sectors = 1 + rnd(600), rs = start, rn = sectors;
	uint64_t c, k, dev, dc, first, count, total = 0;
	struct raid_part part = { .level = "raid10" };

	raid_part_near(&part, copies, disks, chunk, &rs, &rn);
	expect_rounded(start, sectors, rs, rn, chunk);
	for (c = rs / chunk; c < (rs + rn) / chunk; c++)
		for (k = 0; k < copies; k++) {
			near_copy(c, k, copies, disks, &dev, &dc);
			raid_member_share(&part, dev, &first, &count);
			EXPECT(dc * chunk >= first && dc * chunk + chunk <= first + count,
			       "near %llu of %llu disks: copy %llu of chunk %llu outside member %llu's share",
			       (unsigned long long)copies, (unsigned long long)disks,
			       (unsigned long long)k, (unsigned long long)c,
			       (unsigned long long)dev);
		}
	for (dev = 0; dev < disks; dev++) {
		raid_member_share(&part, dev, &first, &count);
		EXPECT(first % chunk == 0 && count % chunk == 0, "share not whole chunks");
		total += count / chunk;
	}
	/* each member chunk carries one copy: no share holds anything else */
	EXPECT(total == rn / chunk * copies, "near %llu of %llu disks: shares hold %llu chunks, copies %llu",
	       (unsigned long long)copies, (unsigned long long)disks,
	       (unsigned long long)total, (unsigned long long)(rn / chunk * copies));
}

static void test_rows(const char *level, unsigned int parity)
{
	uint64_t disks = parity + 1 + rnd(7), chunk = 1 + rnd(16), row = chunk * (disks - parity);
	uint64_t start = rnd(4000), sectors = 1 + rnd(600), rs = start, rn = sectors;
	uint64_t c, first, count, slot = rnd(disks);
	struct raid_part part = { .level = level };

	EXPECT(raid_parity(level) == (int)parity, "%s: parity %d", level, raid_parity(level));
	EXPECT(!raid_part_rows(&part, chunk, disks, parity, &rs, &rn), "%s: rows refused", level);
	expect_rounded(start, sectors, rs, rn, row);
	raid_member_share(&part, slot, &first, &count);
	/* array chunk c is data on row c / (disks - parity), member chunk that row */
	for (c = start / chunk; c <= (start + sectors - 1) / chunk; c++)
		EXPECT((c / (disks - parity)) * chunk >= first &&
		       (c / (disks - parity) + 1) * chunk <= first + count,
		       "%s: chunk %llu's row outside the share", level, (unsigned long long)c);
	EXPECT(count == rn / row * chunk && first == rs / row * chunk,
	       "%s: share is not the rows of the rounded part", level);
}

int main(void)
{
	int i;

	srandom(1);
	for (i = 0; i < 20000; i++) {
		test_near();
		test_rows("raid0", 0);
		test_rows("raid4", 1);
		test_rows("raid5", 1);
		test_rows("raid5_ls", 1);
		test_rows("raid6", 2);
		test_rows("raid6_zr", 2);
	}
	EXPECT(raid_parity("raid1") < 0 && raid_parity("raid10") < 0 && raid_parity("linear") < 0,
	       "levels without rows");
	EXPECT(raid_part_rows(&(struct raid_part){ 0 }, 8, 2, 2, &(uint64_t){ 0 }, &(uint64_t){ 8 }),
	       "rows of parity only are refused");
	printf("test_raid_layout: %lu checks, %lu failed\n", checks, failures);
	return failures ? 1 : 0;
}

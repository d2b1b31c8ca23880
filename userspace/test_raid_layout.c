// SPDX-License-Identifier: GPL-2.0
/*
 * raid_layout.c against md's own walk of its layouts: for random arrays
 * and parts, every copy (raid10: near, far, offset) or row (striped
 * levels) of every chunk of the part lies in the member runs, and the
 * runs hold nothing else; linear arrays' runs are the part, cut. Run by "make -C userspace test" (make check).
 */
#include <stdbool.h>
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
 * md raid10, as raid10.c's __raid10_find_phys() walks it (far sets of all
 * members): where copy @k of array chunk @c lies, as a member and a chunk
 * on it. Copies are numbered near copy by near copy, each followed by its
 * far copies.
 */
struct geom {
	uint64_t near, far, disks, stride;	/* stride in chunks */
	bool offset;
};

static void raid10_copy(const struct geom *g, uint64_t c, uint64_t k,
			uint64_t *dev, uint64_t *dev_chunk)
{
	uint64_t seq = c * g->near, n, f, d, s;

	*dev = seq % g->disks;
	*dev_chunk = seq / g->disks * (g->offset ? g->far : 1);
	for (n = 0; n < g->near; n++) {
		d = *dev;
		s = *dev_chunk;
		for (f = 0; f < g->far; f++) {
			if (f) {
				d = (d + g->near) % g->disks;
				s += g->offset ? 1 : g->stride;
			}
			if (!k--) {
				*dev = d;
				*dev_chunk = s;
				return;
			}
		}
		if (++*dev == g->disks) {
			*dev = 0;
			++*dev_chunk;
		}
	}
}

/* Is member chunk @dc inside one of @runs? */
static bool in_runs(const struct raid_run *runs, unsigned int n, uint64_t dc, uint64_t chunk)
{
	while (n--)
		if (dc * chunk >= runs[n].first && dc * chunk + chunk <= runs[n].first + runs[n].count)
			return true;
	return false;
}

static void test_raid10(void)
{
	struct geom g = { .disks = 2 + rnd(7), .near = 1, .far = 1 };
	uint64_t chunk = 1 + rnd(16), rows = 20 + rnd(200), c, k, dev, dc, total = 0;
	uint64_t start, sectors, rs, rn, dev_chunks;
	struct raid_part part = { .level = "raid10" };
	struct raid_run runs[RAID_RUNS_MAX];
	unsigned int n, i;

	if (rnd(2))
		g.near = 2 + rnd(g.disks - 1);
	else
		g.far = 2 + rnd(g.disks - 1 < RAID_FAR_MAX - 1 ? g.disks - 1 : RAID_FAR_MAX - 1);
	g.offset = g.far > 1 && rnd(2);
	/* a member of rows * far chunks and a few more md does not use */
	dev_chunks = rows * g.far + rnd(g.far);
	g.stride = dev_chunks / g.far;
	/* a part of the array, which has rows * disks / near chunks */
	start = rnd(rows * g.disks / g.near * chunk / 2);
	sectors = 1 + rnd(rows * g.disks / g.near * chunk - start - chunk);
	rs = start;
	rn = sectors;
	EXPECT(!raid_part_raid10(&part, g.near, g.far, g.offset, g.disks, chunk, dev_chunks,
				 &rs, &rn), "raid10 refused");
	expect_rounded(start, sectors, rs, rn, chunk);
	for (c = rs / chunk; c < (rs + rn) / chunk; c++)
		for (k = 0; k < g.near * g.far; k++) {
			raid10_copy(&g, c, k, &dev, &dc);
			n = raid_member_runs(&part, dev, runs);
			EXPECT(in_runs(runs, n, dc, chunk),
			       "raid10 n%llu f%llu%s of %llu disks: copy %llu of chunk %llu (member %llu chunk %llu) outside the runs",
			       (unsigned long long)g.near, (unsigned long long)g.far,
			       g.offset ? " offset" : "", (unsigned long long)g.disks,
			       (unsigned long long)k, (unsigned long long)c,
			       (unsigned long long)dev, (unsigned long long)dc);
		}
	for (dev = 0; dev < g.disks; dev++) {
		n = raid_member_runs(&part, dev, runs);
		for (i = 0; i < n; i++) {
			EXPECT(runs[i].first % chunk == 0 && runs[i].count % chunk == 0 &&
			       runs[i].count && (!i || runs[i].first > runs[i - 1].first + runs[i - 1].count),
			       "runs not whole chunks, apart and in order");
			total += runs[i].count / chunk;
		}
	}
	/* each member chunk carries one copy: no run holds anything else */
	EXPECT(total == rn / chunk * g.near * g.far,
	       "raid10 n%llu f%llu%s of %llu disks: runs hold %llu chunks, copies %llu",
	       (unsigned long long)g.near, (unsigned long long)g.far, g.offset ? " offset" : "",
	       (unsigned long long)g.disks, (unsigned long long)total,
	       (unsigned long long)(rn / chunk * g.near * g.far));
}

/* md linear: the members' runs are the part, cut at the members' ends. */
static void test_linear(void)
{
	uint64_t disks = 1 + rnd(6), sizes[8], at = 0, start, sectors, covered = 0, i;
	struct raid_part part = { .level = "linear" };
	struct raid_run run;

	for (i = 0; i < disks; i++)
		at += sizes[i] = 1 + rnd(100);
	start = rnd(at);
	sectors = 1 + rnd(at - start);
	raid_part_linear(&part, start, sectors);
	for (at = 0, i = 0; i < disks; at += sizes[i++]) {
		if (!raid_linear_runs(&part, at, sizes[i], &run))
			continue;
		EXPECT(run.first + run.count <= sizes[i] && at + run.first >= start &&
		       at + run.first + run.count <= start + sectors &&
		       (at + run.first == start || run.first == 0),
		       "linear: member %llu's run [%llu, +%llu) is not its part",
		       (unsigned long long)i, (unsigned long long)run.first,
		       (unsigned long long)run.count);
		covered += run.count;
	}
	EXPECT(covered == sectors, "linear: runs cover %llu of %llu sectors",
	       (unsigned long long)covered, (unsigned long long)sectors);
}

static void test_rows(const char *level, unsigned int parity)
{
	uint64_t disks = parity + 1 + rnd(7), chunk = 1 + rnd(16), row = chunk * (disks - parity);
	uint64_t start = rnd(4000), sectors = 1 + rnd(600), rs = start, rn = sectors;
	uint64_t c, slot = rnd(disks);
	struct raid_part part = { .level = level };
	struct raid_run run;

	EXPECT(raid_parity(level) == (int)parity, "%s: parity %d", level, raid_parity(level));
	EXPECT(!raid_part_rows(&part, chunk, disks, parity, &rs, &rn), "%s: rows refused", level);
	expect_rounded(start, sectors, rs, rn, row);
	EXPECT(raid_member_runs(&part, slot, &run) == 1, "%s: not one run", level);
	/* array chunk c is data on row c / (disks - parity), member chunk that row */
	for (c = start / chunk; c <= (start + sectors - 1) / chunk; c++)
		EXPECT((c / (disks - parity)) * chunk >= run.first &&
		       (c / (disks - parity) + 1) * chunk <= run.first + run.count,
		       "%s: chunk %llu's row outside the run", level, (unsigned long long)c);
	EXPECT(run.count == rn / row * chunk && run.first == rs / row * chunk,
	       "%s: the run is not the rows of the rounded part", level);
}

int main(void)
{
	int i;

	srandom(1);
	for (i = 0; i < 20000; i++) {
		test_raid10();
		test_linear();
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

// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold restore: arm every stored hold in the kernel. Holds whose disk is
 * present apply at once, the others when their disk appears. The boot path
 * runs it as blkhold loads (modprobe.d), in the initramfs and again once
 * the real /etc is mounted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "hold.h"
#include "store.h"

struct restore_count {
	size_t armed, already, failed;
};

static void arm(const struct entry *e, bool kernel_had_some,
		struct restore_count *c)
{
	char errmsg[256];
	int err = record_request(BLKHOLD_CMD_RECORD_ADD, e, NULL, errmsg, sizeof(errmsg));

	if (err == -EEXIST) {
		c->already++;
	} else if (err) {
		fail(e->identity, "cannot arm stored hold '%s': %s", e->name, errmsg);
		c->failed++;
	} else {
		c->armed++;
		if (kernel_had_some)
			warn(e->identity, "stored hold '%s' was not armed before (stale initramfs copy of the store?); armed now",
			     e->name);
	}
}

/* Armed in the kernel, unknown to the store: kept, and said. */
static void report_drift(struct record_list *records, const struct entry **active,
			 size_t n)
{
	size_t i, j;

	for (i = 0; i < records->n; i++) {
		const struct record *r = &records->r[i];

		for (j = 0; j < n; j++)
			if (!strcmp(active[j]->identity, r->identity) &&
			    active[j]->start == r->start &&
			    active[j]->sectors == r->sectors &&
			    !strcmp(active[j]->name, r->hold.name))
				break;
		if (j == n)
			warn(r->identity, "stored hold '%s' is armed in the kernel but not in the store: kept",
			     r->hold.name);
	}
}

/* The kernel log keeps which store was armed, off the host once shipped. */
static void log_to_kernel(const struct ledger *l, size_t n, const struct restore_count *c)
{
	FILE *kmsg = fopen("/dev/kmsg", "we");

	if (!kmsg)
		return;
	fprintf(kmsg, "<5>blkhold: restore from %s: seq %zu head %.16s%s: %zu stored hold%s, %zu armed now, %zu armed already, %zu failed\n",
		l->path, l->n, ledger_head(l), l->problem[0] ? " (DAMAGED)" : "",
		n, n == 1 ? "" : "s", c->armed, c->already, c->failed);
	fclose(kmsg);
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct stack_restore_count stacks = { 0 };
	struct restore_count c = { 0 };
	struct record_list before;
	const struct entry **active;
	struct args args;
	struct ledger l;
	size_t i, n;
	int err = 0;

	if (parse_args(argc, argv, self, 0, &args) || ledger_open(&l, false))
		return -1;
	if (!l.exists) {
		printf("%s: no stored holds\n", l.path);
		ledger_close(&l);
		return 0;
	}
	if (records_fetch(&before)) {
		ledger_close(&l);
		return -1;
	}
	n = ledger_active(&l, &active);
	for (i = 0; i < n; i++) {
		if (active[i]->salvaged)
			warn(l.path, "line %zu does not parse: arming all of the disk %s as '%s'",
			     active[i]->line, active[i]->identity, active[i]->name);
		if (!entry_is_top(active[i]))
			arm(active[i], before.n > 0, &c);
	}
	report_drift(&before, active, n);
	/* the ranges beneath first: held before the stacks are looked at */
	md_guard_arrays();
	if (stack_restore(active, n, &stacks))
		err = -1;
	log_to_kernel(&l, n, &c);
	printf("restore: %zu stored hold%s, %zu armed now, %zu armed already\n",
	       n, n == 1 ? "" : "s", c.armed, c.already);
	if (stacks.placed || stacks.already || stacks.absent)
		printf("restore: stacked volumes: %zu held now, %zu held already, %zu not present%s\n",
		       stacks.placed, stacks.already, stacks.absent,
		       stacks.differ ? ", maps changed (see above)" : "");
	if (l.problem[0]) {
		fail(l.path, "%s; every hold it records was armed, releases after that point were not believed",
		     l.problem);
		err = -1;
	}
	free(active);
	records_free(&before);
	ledger_close(&l);
	return err || c.failed ? -1 : 0;
}

const struct command cmd_restore = {
	.name = "restore",
	.run = run,
	.usage = "",
	.help = "Reads STATE_DIR/ledger; writes nothing. A damaged ledger still arms every hold\n"
		"it records, and restore then exits 1.",
	.summary = "arm every stored hold (what the boot path runs)",
};

// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold restore: arm every stored hold in the kernel. Holds whose disk is
 * present apply at once, the others when their disk appears. The boot path
 * runs it as blkhold loads (modprobe.d), in the initramfs and again once
 * the real /etc is mounted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "hold.h"
#include "registry.h"
#include "store.h"

struct restore_count {
	size_t armed, already, failed;
};

static void arm(const struct entry *e, bool kernel_had_some,
		struct restore_count *c)
{
	char errmsg[256];
	int err = record_arm_drain_later(e, NULL, errmsg, sizeof(errmsg));

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

/*
 * The holds were armed leaving the writes in flight to their disks: wait
 * for those once, so that when restore returns none can land.
 */
static int drain_armed(const char *where, const struct restore_count *c)
{
	struct nl_conn conn;
	char errmsg[256];
	int err;

	if (!c->armed)
		return 0;
	if (conn_open_quiet(&conn)) {
		fail(where, "cannot reach the blkhold kernel module to drain the armed disks");
		return -1;
	}
	err = records_drain(&conn, errmsg, sizeof(errmsg));
	conn_close(&conn);
	if (err)
		fail(where, "cannot wait for the writes in flight to the armed disks: %s", errmsg);
	return err ? -1 : 0;
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

/* ---- a registry's holds: restore --from ---- */

#define SEQUENCE_FILE "registry-sequence"

/* The newest registry sequence armed from this store's directory, or 0. */
static uint64_t sequence_seen(void)
{
	char path[4096 + 32];
	uint64_t seq = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", store_dir(), SEQUENCE_FILE);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%" SCNu64, &seq) != 1)
			seq = UINT64_MAX;	/* damaged: nothing older is believed */
		fclose(f);
	}
	return seq;
}

/* Remember @seq as seen; a directory that cannot be written is let be. */
static void sequence_remember(uint64_t seq)
{
	char path[4096 + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", store_dir(), SEQUENCE_FILE);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%" PRIu64 "\n", seq);
		fclose(f);
	}
}

/*
 * Arm the holds of the registry at @args->from, signed by @args->cert,
 * unless one newer was seen here. The stacked volumes' own entries are
 * left out: a registry is for where the stacks are not assembled, and
 * their ranges on the disks are armed like any stored hold.
 */
static int restore_from(const struct args *args)
{
	struct restore_count c = { 0 };
	const struct entry **active;
	uint64_t sequence, seen;
	struct ledger l;
	size_t i, n;

	if (!args->cert) {
		fail(args->from, "--from needs --cert CERT: a registry is armed only when its signature checks");
		return -1;
	}
	if (bundle_load(args->from, args->cert, &l, &sequence))
		return -1;
	seen = sequence_seen();
	if (sequence < seen) {
		fail(args->from, "registry sequence %" PRIu64 " is older than %" PRIu64
		     " already seen here: a replayed registry is not armed", sequence, seen);
		ledger_close(&l);
		return -1;
	}
	records_set_clock(ledger_checkpoint(&l));
	n = ledger_active(&l, &active);
	for (i = 0; i < n; i++)
		if (!entry_is_top(active[i]))
			arm(active[i], false, &c);
	if (drain_armed(args->from, &c))
		c.failed++;
	printf("restore: registry %s, sequence %" PRIu64 ", head %.16s: %zu stored hold%s, %zu armed now, %zu armed already\n",
	       args->from, sequence, ledger_head(&l), n, n == 1 ? "" : "s", c.armed,
	       c.already);
	if (!c.failed)
		sequence_remember(sequence);
	free(active);
	ledger_close(&l);
	return c.failed ? -1 : 0;
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

	if (parse_args(argc, argv, self, OPT_FROM | OPT_CERT, &args))
		return -1;
	if (args.from)
		return restore_from(&args);
	if (ledger_open(&l, false))
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
	records_set_clock(ledger_checkpoint(&l));
	n = ledger_active(&l, &active);
	for (i = 0; i < n; i++) {
		if (active[i]->salvaged)
			warn(l.path, "line %zu does not parse: arming all of the disk %s as '%s'",
			     active[i]->line, active[i]->identity, active[i]->name);
		if (!entry_is_top(active[i]))
			arm(active[i], before.n > 0, &c);
	}
	if (drain_armed(l.path, &c))
		err = -1;
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
	.usage = "[--from URL|FILE --cert CERT]",
	.help = "Reads STATE_DIR/ledger; writes nothing. A damaged ledger still arms every hold\n"
		"it records, and restore then exits 1. With --from, arms the holds of a registry\n"
		"bundle (http, https or a file; 'blkhold export') whose signature URL.p7s checks\n"
		"with CERT, unless its sequence is older than STATE_DIR/registry-sequence (the\n"
		"newest armed from there, which it then records); BLKHOLD_FETCH_TIMEOUT seconds\n"
		"(default 30) bound each fetch.",
	.summary = "arm every stored hold (what the boot path runs)",
};

// SPDX-License-Identifier: GPL-2.0
/* blkhold metrics: the Prometheus text exposition format */
#include <inttypes.h>
#include <unistd.h>

#include "blkhold.h"
#include "retention.h"
#include "store.h"

static void metric_header(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

static void volume_labels(const struct volume *v)
{
	char dev[80];

	snprintf(dev, sizeof(dev), "/dev/%s", v->name);
	fputs("device=", stdout);
	label_value(dev);
	printf(",diskseq=\"%" PRIu64 "\"", v->diskseq);
}

static void print_volumes(const struct volume_list *list)
{
	size_t i, j;
	int k;

	metric_header("blkhold_volume_holds", "gauge",
		      "Holds on a held volume (detached: its disk is gone).");
	for (i = 0; i < list->n; i++) {
		printf("blkhold_volume_holds{");
		volume_labels(&list->v[i]);
		printf(",detached=\"%s\"} %zu\n",
		       list->v[i].detached ? "true" : "false", list->v[i].nr_holds);
	}
	metric_header("blkhold_hold_info", "gauge",
		      "One series per hold on a volume, named by the hold.");
	for (i = 0; i < list->n; i++) {
		for (j = 0; j < list->v[i].nr_holds; j++) {
			const struct hold *h = &list->v[i].holds[j];

			printf("blkhold_hold_info{");
			volume_labels(&list->v[i]);
			fputs(",name=", stdout);
			label_value(h->name);
			printf(",persistent=\"%s\"} 1\n", h->persistent ? "true" : "false");
		}
	}
	metric_header("blkhold_refused_total", "counter",
		      "Requests refused on a held volume, by kind (since its first hold).");
	for (i = 0; i < list->n; i++) {
		for (k = 0; k < __BLKHOLD_KIND_MAX; k++) {
			if (!kind_names[k])
				continue;
			printf("blkhold_refused_total{");
			volume_labels(&list->v[i]);
			printf(",kind=\"%s\"} %" PRIu64 "\n", kind_names[k],
			       list->v[i].refused[k]);
		}
	}
}

static void print_waiting(const struct record_list *records)
{
	size_t i, n = 0;

	metric_header("blkhold_waiting_hold_info", "gauge",
		      "A stored hold armed for a disk that is not present.");
	for (i = 0; i < records->n; i++) {
		if (records->r[i].bound)
			continue;
		n++;
		fputs("blkhold_waiting_hold_info{identity=", stdout);
		label_value(records->r[i].identity);
		fputs(",name=", stdout);
		label_value(records->r[i].hold.name);
		puts("} 1");
	}
	metric_header("blkhold_waiting_holds", "gauge",
		      "Stored holds armed for a disk that is not present.");
	printf("blkhold_waiting_holds %zu\n", n);
}

/* The retention clock, and how many armed stored holds have a date ahead. */
static void print_retention(const struct record_list *records)
{
	uint64_t now = retention_clock();
	size_t i, retained = 0;

	for (i = 0; i < records->n; i++)
		retained += records->r[i].hold.retain_mode && records->r[i].hold.retain_until > now;
	metric_header("blkhold_retention_clock_seconds", "gauge",
		      "The module's retention clock, which judges retention dates (0: not readable).");
	printf("blkhold_retention_clock_seconds %" PRIu64 "\n", now);
	metric_header("blkhold_retained_holds", "gauge",
		      "Armed stored holds whose retention date is still ahead.");
	printf("blkhold_retained_holds %zu\n", retained);
}

/* The store: its last sequence number, whether its chain verifies, and
 * how many of its holds the kernel does not have armed.
 */
static void print_store(struct record_list *records)
{
	const struct entry **active;
	struct ledger l;
	size_t i, n, unarmed = 0;

	if (ledger_open(&l, false))
		return;
	n = ledger_active(&l, &active);
	for (i = 0; records && i < n; i++)
		unarmed += !records_find(records, active[i]);
	metric_header("blkhold_store_sequence", "gauge",
		      "Sequence number of the store's last entry (0: empty).");
	printf("blkhold_store_sequence %" PRIu64 "\n", l.n ? l.e[l.n - 1].seq : 0);
	metric_header("blkhold_store_intact", "gauge",
		      "1 when the store's hash chain verifies.");
	printf("blkhold_store_intact %d\n", !l.problem[0]);
	metric_header("blkhold_stored_holds", "gauge", "Holds in the store.");
	printf("blkhold_stored_holds %zu\n", n);
	if (records) {
		metric_header("blkhold_stored_holds_unarmed", "gauge",
			      "Stored holds the kernel does not have armed (blkhold restore arms them).");
		printf("blkhold_stored_holds_unarmed %zu\n", unarmed);
	}
	free(active);
	ledger_close(&l);
}

static int run(int argc, char *argv[], const struct command *self)
{
	bool loaded = !access("/sys/module/blkhold", F_OK);
	struct record_list records;
	struct volume_list list;
	struct args args;
	bool up = false;

	if (parse_args(argc, argv, self, 0, &args))
		return -1;
	if (loaded && !volumes_fetch(&list)) {
		if (!records_fetch(&records))
			up = true;
		else
			volumes_free(&list);
	}
	metric_header("blkhold_up", "gauge",
		      "1 when the blkhold module is loaded and answered.");
	printf("blkhold_up %d\n", up);
	if (up) {
		metric_header("blkhold_hooks_installed", "gauge",
			      "1 while the gate's hooks are installed: whenever a hold or an armed stored hold exists.");
		printf("blkhold_hooks_installed %d\n", list.n || records.n);
		print_volumes(&list);
		print_waiting(&records);
		print_retention(&records);
	}
	print_store(up ? &records : NULL);
	if (up) {
		records_free(&records);
		volumes_free(&list);
	}
	return 0;
}

const struct command cmd_metrics = {
	.name = "metrics",
	.run = run,
	.usage = "",
	.summary = "print holds, waiting holds, refusals and the store's state for Prometheus",
	.help = "Reads the kernel's holds over netlink and the store's ledger\n"
		"(STATE_DIR/ledger, default /etc/blkhold). Writes nothing; point a\n"
		"timer at it and write its output into node_exporter's textfile\n"
		"directory with a rename.",
};

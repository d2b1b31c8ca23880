// SPDX-License-Identifier: GPL-2.0
/* blkhold list [--json] */
#include <inttypes.h>

#include "blkhold.h"

static size_t transient_holds(const struct volume *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->nr_holds; i++)
		n += !v->holds[i].persistent;
	return n;
}

static void print_volumes(const struct volume_list *list)
{
	char size[32];
	size_t i;

	printf("%-20s %10s %6s %9s %9s\n", "DEVICE", "SIZE", "HOLDS", "REFUSED",
	       "TRANSIENT");
	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];
		char dev[80];

		snprintf(dev, sizeof(dev), "/dev/%s%s", v->name,
			 v->detached ? " (detached)" : "");
		format_size(v->sectors * 512, size, sizeof(size));
		printf("%-20s %10s %6zu %9" PRIu64 " %9zu\n", dev, size, v->nr_holds,
		       volume_refused_total(v), transient_holds(v));
	}
}

/* Stored holds armed for a disk that is not here. */
static void print_waiting(const struct record_list *records)
{
	bool header = false;
	char range[48];
	size_t i;

	for (i = 0; i < records->n; i++) {
		const struct record *r = &records->r[i];

		if (r->bound)
			continue;
		if (!header)
			printf("\nWaiting for their disk:\n%-40s %-24s %s\n",
			       "IDENTITY", "SECTORS", "HOLD");
		header = true;
		snprintf(range, sizeof(range), "%" PRIu64 "+%" PRIu64, r->start, r->sectors);
		printf("%-40s %-24s %s\n", r->identity, range, r->hold.name);
	}
}

static void print_table(const struct volume_list *list,
			const struct record_list *records)
{
	if (!list->n && !records->n) {
		printf("no holds\n");
		return;
	}
	if (list->n)
		print_volumes(list);
	print_waiting(records);
}

static void print_record_json(const struct record *r)
{
	printf("{\"identity\":");
	json_string(stdout, r->identity);
	printf(",\"start\":%" PRIu64 ",\"sectors\":%" PRIu64 ",\"disk_sectors\":%" PRIu64
	       ",\"partuuid\":", r->start, r->sectors, r->disk_sectors);
	json_string(stdout, r->partuuid);
	printf(",\"bound\":%" PRIu32 ",\"beneath\":%s,\"node_only\":%s,\"hold\":", r->bound,
	       r->beneath ? "true" : "false", r->node_only ? "true" : "false");
	print_hold_json(stdout, &r->hold);
	putchar('}');
}

static void print_json(const struct volume_list *list,
		       const struct record_list *records)
{
	size_t i;
	bool first = true;

	printf("{\"volumes\":[");
	for (i = 0; i < list->n; i++) {
		if (i)
			putchar(',');
		print_volume_json(stdout, &list->v[i]);
	}
	printf("],\"stored\":[");
	for (i = 0; i < records->n; i++) {
		if (i)
			putchar(',');
		print_record_json(&records->r[i]);
	}
	printf("],\"waiting\":[");
	for (i = 0; i < records->n; i++) {
		if (records->r[i].bound)
			continue;
		if (!first)
			putchar(',');
		first = false;
		print_record_json(&records->r[i]);
	}
	printf("]}\n");
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list list;
	struct record_list records;
	struct args args;

	if (parse_args(argc, argv, self, OPT_JSON, &args) || volumes_fetch(&list))
		return -1;
	if (records_fetch(&records)) {
		volumes_free(&list);
		return -1;
	}
	if (args.json)
		print_json(&list, &records);
	else
		print_table(&list, &records);
	records_free(&records);
	volumes_free(&list);
	return 0;
}

const struct command cmd_list = {
	.name = "list",
	.run = run,
	.usage = "[--json]",
	.help = "Reads the kernel's state over netlink; reads and writes no file.",
	.summary = "list held volumes and stored holds waiting for their disk",
};

// SPDX-License-Identifier: GPL-2.0
/* blkhold list [--json] */
#include <inttypes.h>

#include "blkhold.h"

static void print_table(const struct volume_list *list)
{
	char size[32];
	size_t i;

	if (!list->n) {
		printf("no holds\n");
		return;
	}
	printf("%-20s %10s %6s %9s\n", "DEVICE", "SIZE", "HOLDS", "REFUSED");
	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];
		char dev[80];

		snprintf(dev, sizeof(dev), "/dev/%s%s", v->name,
			 v->detached ? " (detached)" : "");
		format_size(v->sectors * 512, size, sizeof(size));
		printf("%-20s %10s %6zu %9" PRIu64 "\n", dev, size, v->nr_holds,
		       volume_refused_total(v));
	}
}

static void print_json(const struct volume_list *list)
{
	size_t i;

	printf("{\"volumes\":[");
	for (i = 0; i < list->n; i++) {
		if (i)
			putchar(',');
		print_volume_json(stdout, &list->v[i]);
	}
	printf("]}\n");
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list list;
	struct args args;

	if (parse_args(argc, argv, self, OPT_JSON, &args) || volumes_fetch(&list))
		return -1;
	if (args.json)
		print_json(&list);
	else
		print_table(&list);
	volumes_free(&list);
	return 0;
}

const struct command cmd_list = {
	.name = "list",
	.run = run,
	.usage = "[--json]",
	.summary = "list held volumes with their holds and refusals",
};

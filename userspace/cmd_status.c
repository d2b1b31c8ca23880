// SPDX-License-Identifier: GPL-2.0
/* blkhold status DEVICE [--json] */
#include <inttypes.h>
#include <string.h>

#include "blkhold.h"
#include "retention.h"
#include "hold.h"

/* Derived volumes: ranges of a disk held for a stacked volume above it. */
static bool is_derived(const struct volume *v)
{
	return v->nr_holds && v->holds[0].via[0];
}

/* @dev's range on its disk. */
static void device_range(const struct device *dev, uint64_t *start, uint64_t *end)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", dev->major, dev->minor);
	if (read_sysfs_u64(dir, "start", start))
		*start = 0;
	*end = *start + dev->sectors;
}

/* The derived volumes of @dev's disk that lie in @dev's range. */
static bool derived_in(const struct volume *v, const struct device *dev)
{
	uint64_t start, end;

	device_range(dev, &start, &end);
	return is_derived(v) && v->diskseq == dev->diskseq &&
	       v->start < end && v->start + v->sectors > start;
}

static void print_derived_json(const struct device *dev, const struct volume_list *list)
{
	bool first = true;
	size_t i;

	printf(",\"held_beneath\":[");
	for (i = 0; i < list->n; i++) {
		if (!derived_in(&list->v[i], dev))
			continue;
		printf("%s", first ? "" : ",");
		print_volume_json(stdout, &list->v[i]);
		first = false;
	}
	printf("]");
}

/* An unheld volume, and the ranges of it held for stacked volumes above. */
static void print_unheld_human(const struct device *dev, const struct volume_list *list)
{
	size_t i, j, n = 0;

	for (i = 0; i < list->n; i++)
		n += derived_in(&list->v[i], dev);
	if (!n) {
		printf("%s: not held\n", dev->path);
		return;
	}
	printf("%s: not held itself; parts of it are held for stacked volumes above it:\n",
	       dev->path);
	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];

		if (!derived_in(v, dev))
			continue;
		for (j = 0; j < v->nr_holds; j++)
			printf("  sectors %" PRIu64 "-%" PRIu64 " of the disk held by '%s' of %s\n",
			       v->start, v->start + v->sectors - 1, v->holds[j].name,
			       v->holds[j].via);
	}
}

/* What the hold @h of root volume @root holds beneath it. */
static void print_beneath(const struct volume *root, const struct hold *h,
			  const struct volume_list *list)
{
	size_t i, j;

	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];

		for (j = 0; j < v->nr_holds; j++)
			if (!strcmp(v->holds[j].via, root->name) &&
			    !strcmp(v->holds[j].name, h->name))
				printf("    beneath: %s sectors %" PRIu64 "-%" PRIu64 "\n",
				       v->name, v->start, v->start + v->sectors - 1);
	}
}

static void print_unheld_json(const struct device *dev, const struct volume_list *list)
{
	char identity[BLKHOLD_IDENTITY_MAX + 1];

	volume_identity(dev->major, dev->minor, dev->diskseq, identity,
			sizeof(identity));
	printf("{\"device\":");
	json_string(stdout, dev->path);
	printf(",\"name\":");
	json_string(stdout, dev->name);
	printf(",\"identity\":");
	json_string(stdout, identity);
	printf(",\"major\":%u,\"minor\":%u,\"diskseq\":%" PRIu64
	       ",\"held\":false,\"holds\":[]",
	       dev->major, dev->minor, dev->diskseq);
	print_derived_json(dev, list);
	printf("}\n");
}

static void print_human(const struct device *dev, const struct volume *v,
			const struct volume_list *list)
{
	char size[32], when[64];
	size_t i;
	int k;

	format_size(v->sectors * 512, size, sizeof(size));
	printf("%s: held by %zu hold%s%s, %s, sectors %" PRIu64 "-%" PRIu64 " of the disk\n",
	       dev->path, v->nr_holds, v->nr_holds == 1 ? "" : "s",
	       v->detached ? " (detached: the disk is gone)" : "", size,
	       v->start, v->start + v->sectors - 1);
	for (i = 0; i < v->nr_holds; i++) {
		const struct hold *h = &v->holds[i];

		format_time(h->ctime, when, sizeof(when));
		printf("  hold '%s' placed %s by uid %" PRIu32 " (%s[%" PRIu32 "])%s%s\n",
		       h->name, when, h->uid, h->comm, h->pid,
		       h->reason[0] ? ": " : "", h->reason);
		if (h->custodians)
			printf("    released only on an order signed by one of its %" PRIu32
			       " custodian%s (blkhold release-order)\n",
			       h->custodians, h->custodians == 1 ? "" : "s");
		if (h->retain_mode) {
			char what[96];

			retention_describe(h->retain_mode, h->retain_until, what, sizeof(what));
			printf("    retained %s (the retention clock reads %" PRIu64 ")\n",
			       what, retention_clock());
		}
		print_beneath(v, h, list);
		if (stack_is_dm(dev) || stack_is_md(dev))
			stack_print_stored(dev, h->name);
	}
	printf("  refused: %" PRIu64, volume_refused_total(v));
	for (k = 0; k < __BLKHOLD_KIND_MAX; k++)
		if (v->refused[k])
			printf(", %s %" PRIu64, kind_names[k], v->refused[k]);
	putchar('\n');
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list list;
	struct device dev;
	struct volume *v;
	struct args args;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_JSON | OPT_DISKSEQ, &args) ||
	    device_resolve(&args, &dev) || volumes_fetch(&list))
		return -1;
	v = volumes_find(&list, &dev);
	if (v && args.json) {
		print_volume_json(stdout, v);
		putchar('\n');
	} else if (v) {
		print_human(&dev, v, &list);
	} else if (args.json) {
		print_unheld_json(&dev, &list);
	} else {
		print_unheld_human(&dev, &list);
	}
	volumes_free(&list);
	return 0;
}

const struct command cmd_status = {
	.name = "status",
	.run = run,
	.usage = "DEVICE [--json] [--diskseq N]",
	.help = "Reads the kernel's state over netlink; reads and writes no file.",
	.summary = "show DEVICE's holds and the requests refused on it",
};

// SPDX-License-Identifier: GPL-2.0
/* blkhold status DEVICE [--json] */
#include <inttypes.h>

#include "blkhold.h"

static void print_unheld_json(const struct device *dev)
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
	       ",\"held\":false,\"holds\":[]}\n",
	       dev->major, dev->minor, dev->diskseq);
}

static void print_human(const struct device *dev, const struct volume *v)
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
		print_human(&dev, v);
	} else if (args.json) {
		print_unheld_json(&dev);
	} else {
		printf("%s: not held\n", dev.path);
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

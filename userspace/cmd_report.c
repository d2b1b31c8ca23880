// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold report [--json]: for each disk here, whether anything on it is
 * held and by which holds, and how many requests were refused there. What
 * a wipe image prints when its wipe step is done: a disk not held was
 * wiped, a held one names its cases.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkhold.h"

/* The disks a wipe reaches: not loop, RAM, zram, dm, md, optical, floppy. */
static bool wiped_kind(const char *name)
{
	static const char *const skip[] = { "loop", "ram", "zram", "dm-", "md", "sr", "fd" };
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(name, skip[i], strlen(skip[i])))
			return false;
	return true;
}

/*
 * Is volume @v on disk @disk: the disk, a range of it ("DISK@START"), or
 * a partition by the kernel's naming (DISK + N, or DISK + "p" + N when the
 * disk's name ends in a digit), also one a wiped table no longer shows?
 */
static bool on_disk(const struct volume *v, const char *disk)
{
	size_t n = strlen(disk);
	const char *rest = v->name + n;

	if (strncmp(v->name, disk, n))
		return false;
	if (!*rest || *rest == '@')
		return true;
	if (n && disk[n - 1] >= '0' && disk[n - 1] <= '9' && *rest++ != 'p')
		return false;
	if (!*rest)
		return false;
	return strspn(rest, "0123456789") == strlen(rest);
}

struct disk_report {
	char names[1024];	/* the holds, comma-separated */
	uint64_t refused;
};

static void add_name(struct disk_report *r, const char *name)
{
	size_t len = strlen(r->names);
	char *at = r->names;

	while ((at = strstr(at, name))) {
		if ((at == r->names || at[-1] == ',') && (!at[strlen(name)] || at[strlen(name)] == ','))
			return;
		at++;
	}
	snprintf(r->names + len, sizeof(r->names) - len, "%s%s", len ? "," : "", name);
}

static void gather(const struct volume_list *list, const char *disk, struct disk_report *r)
{
	size_t i, h;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < list->n; i++) {
		if (!on_disk(&list->v[i], disk))
			continue;
		r->refused += volume_refused_total(&list->v[i]);
		for (h = 0; h < list->v[i].nr_holds; h++)
			add_name(r, list->v[i].holds[h].name);
	}
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list list;
	struct disk_report r;
	struct dirent **names;
	struct args args;
	int i, n, first = 1;

	if (parse_args(argc, argv, self, OPT_JSON, &args) || volumes_fetch(&list))
		return -1;
	n = scandir("/sys/block", &names, NULL, alphasort);
	if (args.json)
		printf("{\"disks\":[");
	for (i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		if (d[0] == '.' || !wiped_kind(d))
			continue;
		gather(&list, d, &r);
		if (args.json) {
			printf("%s{\"device\":\"/dev/%s\",\"held\":%s,\"holds\":", first ? "" : ",",
			       d, r.names[0] ? "true" : "false");
			json_string(stdout, r.names);
			printf(",\"refused\":%" PRIu64 "}", r.refused);
		} else if (r.names[0]) {
			printf("/dev/%s: held by %s: %" PRIu64 " requests refused\n", d, r.names,
			       r.refused);
		} else {
			printf("/dev/%s: not held\n", d);
		}
		first = 0;
	}
	if (args.json)
		printf("]}\n");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(n > 0 ? names : NULL);
	volumes_free(&list);
	return 0;
}

const struct command cmd_report = {
	.name = "report",
	.run = run,
	.usage = "[--json]",
	.help = "Reads /sys/block and the kernel's held volumes; writes nothing. Loop, RAM,\n"
		"zram, dm, md, optical and floppy devices are left out.",
	.summary = "each disk here: held by which holds, or not held",
};

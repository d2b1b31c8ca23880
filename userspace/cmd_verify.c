// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold verify: the ledger's hash chain, the stored holds the kernel has
 * armed, and the copy of the store in the initramfs, against each other.
 * Exits 1 on any difference, naming it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "blkhold.h"
#include "hold.h"
#include "store.h"

static unsigned int check_chain(const struct ledger *l)
{
	if (!l->exists) {
		printf("ledger: %s does not exist\n", l->path);
		return 0;
	}
	if (l->problem[0]) {
		printf("ledger: DAMAGED: %s\n", l->problem);
		return 1;
	}
	printf("ledger: %zu entries, chain intact, head %.16s\n", l->n, ledger_head(l));
	return 0;
}

/* A stacked volume's stored hold is placed when the volume is there. */
static unsigned int check_top(const struct entry *top)
{
	if (stack_top_held(top) != 0)
		return 0;
	printf("kernel: stacked volume %s is present, its stored hold '%s' is not placed (run 'blkhold restore')\n",
	       top->identity, top->name);
	return 1;
}

static unsigned int check_kernel(const struct entry **active, size_t n)
{
	struct record_list records;
	unsigned int diff = 0;
	size_t i;

	if (records_fetch(&records))
		return 1;
	for (i = 0; i < n; i++) {
		if (entry_is_top(active[i])) {
			diff += check_top(active[i]);
			continue;
		}
		if (!records_find(&records, active[i])) {
			printf("kernel: stored hold '%s' on %s is not armed\n",
			       active[i]->name, active[i]->identity);
			diff++;
		}
	}
	for (i = 0; i < records.n; i++) {
		const struct record *r = &records.r[i];
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(active[j]->identity, r->identity) &&
			    active[j]->start == r->start && active[j]->sectors == r->sectors &&
			    !strcmp(active[j]->name, r->hold.name))
				break;
		if (j == n) {
			printf("kernel: hold '%s' on %s is armed but not in the store\n",
			       r->hold.name, r->identity);
			diff++;
		}
	}
	if (!diff)
		printf("kernel: %zu stored hold%s armed, as in the store\n", n, n == 1 ? "" : "s");
	records_free(&records);
	return diff;
}

/* Is @path, or a directory between @top and it, a symbolic link? */
static bool symlink_below(const char *top, const char *path)
{
	char part[PATH_MAX];
	struct stat st;
	size_t n;

	for (n = strlen(top); path[n]; n++) {
		if (path[n + 1] != '/' && path[n + 1])
			continue;
		snprintf(part, sizeof(part), "%.*s", (int)(n + 1), path);
		if (lstat(part, &st) || S_ISLNK(st.st_mode))
			return true;
	}
	return false;
}

/*
 * The initramfs's copy of the ledger, unpacked with initramfs-tools. A
 * symbolic link in its place would read the host's store instead.
 */
static unsigned int check_initramfs(const struct ledger *l, const char *image)
{
	char tmp[] = "/tmp/blkhold-verify.XXXXXX", cmd[PATH_MAX * 3], path[PATH_MAX];
	struct ledger copy = { .lock_fd = -1 };
	unsigned int diff = 0;
	FILE *f;

	if (!mkdtemp(tmp))
		return 1;
	/*
	 * What unmkinitramfs unpacked before an error still counts: an image
	 * of one uncompressed archive unpacks as its early part, then fails.
	 */
	snprintf(cmd, sizeof(cmd),
		 "unmkinitramfs '%s' '%s' >/dev/null 2>&1; find '%s' -path '*/etc/blkhold/ledger' | head -n 1",
		 image, tmp, tmp);
	f = popen(cmd, "r");
	path[0] = '\0';
	if (!f || !fgets(path, sizeof(path), f))
		path[0] = '\0';
	if (f)
		pclose(f);
	path[strcspn(path, "\n")] = '\0';
	if (path[0] && symlink_below(tmp, path)) {
		printf("initramfs: its %s is or lies under a symbolic link, not a copy of the store\n",
		       path + strlen(tmp));
		diff = 1;
	} else if (!path[0]) {
		printf("initramfs: %s has no copy of the store (hook not installed, or update-initramfs not run)\n",
		       image);
		diff = l->n ? 1 : 0;
	} else {
		*strrchr(path, '/') = '\0';
		store_set_dir(path);
		if (!ledger_open(&copy, false)) {
			if (copy.n != l->n || strcmp(ledger_head(&copy), ledger_head(l))) {
				printf("initramfs: its copy of the store has %zu entries (head %.16s), the store %zu: run 'update-initramfs -u'\n",
				       copy.n, ledger_head(&copy), l->n);
				diff = 1;
			} else {
				printf("initramfs: %s holds the same ledger\n", image);
			}
			ledger_close(&copy);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		warn(tmp, "cannot remove this scratch directory");
	return diff;
}

static const char *default_initramfs(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u))
		return NULL;
	snprintf(buf, len, "/boot/initrd.img-%s", u.release);
	return access(buf, R_OK) ? NULL : buf;
}

static int run(int argc, char *argv[], const struct command *self)
{
	const struct entry **active;
	char image_buf[PATH_MAX];
	const char *image;
	unsigned int diff;
	struct args args;
	struct ledger l;
	size_t n;

	if (parse_args(argc, argv, self, OPT_INITRAMFS, &args) || ledger_open(&l, false))
		return -1;
	image = args.initramfs ? args.initramfs : default_initramfs(image_buf, sizeof(image_buf));
	if (image && !strcmp(image, "none"))
		image = NULL;
	/* it is quoted for the shell that runs unmkinitramfs */
	if (image && strchr(image, '\'')) {
		fail(image, "--initramfs: a path with a single quote is not supported");
		ledger_close(&l);
		return -1;
	}
	n = ledger_active(&l, &active);
	diff = check_chain(&l) + check_kernel(active, n);
	if (image)
		diff += check_initramfs(&l, image);
	else
		printf("initramfs: not checked (no image)\n");
	free(active);
	ledger_close(&l);
	if (diff)
		fail("verify", "%u difference%s", diff, diff == 1 ? "" : "s");
	return diff ? -1 : 0;
}

const struct command cmd_verify = {
	.name = "verify",
	.run = run,
	.usage = "[--initramfs FILE|none]",
	.help = "Reads STATE_DIR/ledger, the kernel's armed holds, and the store's copy in\n"
		"FILE (default /boot/initrd.img-$(uname -r), unpacked with unmkinitramfs into\n"
		"a directory under /tmp that is removed afterwards); writes nothing else.",
	.summary = "store vs kernel vs initramfs copy; non-zero on any difference",
};

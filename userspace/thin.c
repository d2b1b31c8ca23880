// SPDX-License-Identifier: GPL-2.0
/*
 * The data blocks a thin volume has mapped in its pool. Only the pool's
 * metadata knows them, and only thin_dump (thin-provisioning-tools) reads
 * that: from a metadata snapshot, which the pool commits and reserves on
 * a "reserve_metadata_snap" message, since the live metadata changes
 * under a reader. The snapshot is released again afterwards.
 */
#define _GNU_SOURCE		/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>

#include "blkhold.h"
#include "thin.h"

extern char **environ;

/* Send @text to the target at sector 0 of dm device major:minor. */
static int dm_message(int control, unsigned int major, unsigned int minor, const char *text)
{
	size_t size = sizeof(struct dm_ioctl) + sizeof(struct dm_target_msg) + strlen(text) + 1;
	struct dm_target_msg *msg;
	struct dm_ioctl *dmi;
	int err;

	dmi = calloc(1, size);
	if (!dmi)
		return -ENOMEM;
	dmi->version[0] = DM_VERSION_MAJOR;
	dmi->data_size = size;
	dmi->data_start = sizeof(*dmi);
	dmi->dev = makedev(major, minor);
	msg = (struct dm_target_msg *)(dmi + 1);
	strcpy(msg->message, text);
	err = ioctl(control, DM_TARGET_MSG, dmi) ? -errno : 0;
	free(dmi);
	return err;
}

/* The devtmpfs node of major:minor, e.g. /dev/dm-3. */
static int devnode(unsigned int major, unsigned int minor, char *node, size_t len)
{
	char name[64];

	if (read_uevent(major, minor, "DEVNAME", name, sizeof(name)))
		return -1;
	snprintf(node, len, "/dev/%s", name);
	return 0;
}

/* The number in attribute @attr of an XML element line. */
static bool xml_u64(const char *line, const char *attr, uint64_t *value)
{
	char key[48];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", attr);
	p = strstr(line, key);
	return p && sscanf(p + strlen(key), "%" SCNu64, value) == 1;
}

static int runs_add(struct thin_runs *runs, uint64_t origin, uint64_t data, uint64_t len)
{
	struct thin_run *grown;

	if (runs->nr == runs->cap) {
		runs->cap = runs->cap ? runs->cap * 2 : 64;
		grown = realloc(runs->run, runs->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		runs->run = grown;
	}
	runs->run[runs->nr++] = (struct thin_run){ origin, data, len };
	return 0;
}

/* The mappings in thin_dump's XML for one device: single and range ones. */
static int parse_dump(FILE *in, struct thin_runs *runs)
{
	uint64_t origin, data, len;
	char line[512];
	int err = 0;

	while (!err && fgets(line, sizeof(line), in)) {
		if (strstr(line, "<single_mapping ") &&
		    xml_u64(line, "origin_block", &origin) && xml_u64(line, "data_block", &data))
			err = runs_add(runs, origin, data, 1);
		else if (strstr(line, "<range_mapping ") &&
			 xml_u64(line, "origin_begin", &origin) &&
			 xml_u64(line, "data_begin", &data) && xml_u64(line, "length", &len))
			err = runs_add(runs, origin, data, len);
	}
	return err;
}

/* thin_dump --metadata-snap --dev-id @dev_id @meta, parsed. */
static int run_thin_dump(const char *meta, uint32_t dev_id, struct thin_runs *runs,
			 char *why, size_t whylen)
{
	char id[16], *argv[] = { "thin_dump", "--metadata-snap", "--dev-id", id,
				 (char *)meta, NULL };
	posix_spawn_file_actions_t actions;
	int pipefd[2], status, err;
	FILE *out;
	pid_t pid;

	snprintf(id, sizeof(id), "%" PRIu32, dev_id);
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	err = posix_spawnp(&pid, "thin_dump", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		snprintf(why, whylen, "cannot run thin_dump (thin-provisioning-tools): %s",
			 strerror(err));
		return -err;
	}
	out = fdopen(pipefd[0], "r");
	err = out ? parse_dump(out, runs) : -errno;
	if (out)
		fclose(out);
	else
		close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, whylen, "thin_dump of %s failed", meta);
		return -EIO;
	}
	if (err)
		snprintf(why, whylen, "cannot read thin_dump's output: %s", strerror(-err));
	return err;
}

int thin_mapped(int control, const struct thin_pool *pool, uint32_t dev_id,
		struct thin_runs *runs, char *why, size_t whylen)
{
	char meta[80];
	int err;

	if (devnode(pool->meta_major, pool->meta_minor, meta, sizeof(meta))) {
		snprintf(why, whylen, "cannot find the node of the pool's metadata device %u:%u",
			 pool->meta_major, pool->meta_minor);
		return -ENODEV;
	}
	err = dm_message(control, pool->major, pool->minor, "reserve_metadata_snap");
	if (err) {
		snprintf(why, whylen, "cannot take a metadata snapshot of the pool: %s",
			 strerror(-err));
		return err;
	}
	err = run_thin_dump(meta, dev_id, runs, why, whylen);
	if (dm_message(control, pool->major, pool->minor, "release_metadata_snap"))
		warn(meta, "cannot release the pool's metadata snapshot: %s", strerror(errno));
	return err;
}

void thin_runs_free(struct thin_runs *runs)
{
	free(runs->run);
	*runs = (struct thin_runs){ 0 };
}

// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold: place, release, list and watch legal holds on block devices.
 * This file takes the global options and dispatches to one file per
 * command (cmd_*.c).
 */
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "store.h"

static const struct command *const commands[] = {
	&cmd_hold, &cmd_release, &cmd_list, &cmd_status, &cmd_watch,
	&cmd_restore, &cmd_verify, &cmd_metrics, &cmd_export, &cmd_import,
	&cmd_report, &cmd_fingerprint, &cmd_certificate, &cmd_audit, &cmd_release_order,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s COMMAND [ARGS]\n\n"
		"Legal holds on block devices: while a volume has a hold, every request\n"
		"that would change its data is refused by the kernel.\n\n"
		"Global option: --state-dir DIR, the store of persistent holds\n"
		"(default $BLKHOLD_STATE_DIR, else %s).\n\n"
		"Commands:\n", PROG_NAME, STORE_DEFAULT_DIR);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options; "
		"'%s --version' for the version.\n", PROG_NAME, PROG_NAME);
}

/*
 * Take the global --state-dir DIR (or --state-dir=DIR) out of @argv,
 * wherever it stands. Returns the new argc, or -1.
 */
static int take_state_dir(int argc, char *argv[])
{
	int i, out = 0;

	for (i = 0; i < argc; i++) {
		const char *dir = NULL;

		if (!strcmp(argv[i], "--state-dir")) {
			if (i + 1 >= argc) {
				fail(NULL, "option '--state-dir' needs a value");
				return -1;
			}
			dir = argv[++i];
		} else if (!strncmp(argv[i], "--state-dir=", 12)) {
			dir = argv[i] + 12;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (dir[0] != '/') {
			fail(NULL, "--state-dir needs an absolute path, not '%s'", dir);
			return -1;
		}
		store_set_dir(dir);
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char *argv[])
{
	size_t i;

	argc = take_state_dir(argc, argv);
	if (argc < 0)
		return 1;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", PROG_NAME, BLKHOLD_VERSION);
		return 0;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(argc - 1, argv + 1, commands[i]) ? 1 : 0;
	fail(NULL, "unknown command '%s' (see '%s --help')", argv[1], PROG_NAME);
	return 1;
}

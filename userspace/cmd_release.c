// SPDX-License-Identifier: GPL-2.0
/* blkhold release DEVICE --name NAME [--reason TEXT] */
#include "blkhold.h"
#include "hold.h"

static int run(int argc, char *argv[], const struct command *self)
{
	struct device dev;
	struct args args;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_REASON | OPT_DISKSEQ, &args) ||
	    check_hold_args(&args) || device_resolve(&args, &dev) ||
	    hold_request(BLKHOLD_CMD_HOLD_DEL, &args, &dev))
		return -1;
	printf("%s: hold '%s' released\n", dev.path, args.name);
	return 0;
}

const struct command cmd_release = {
	.name = "release",
	.run = run,
	.usage = "DEVICE --name NAME [--reason TEXT] [--diskseq N]\n\n"
		 "DEVICE may be MAJ:MIN with --diskseq for a disk that is gone (detached).",
	.summary = "release a hold; DEVICE is writable again once it has none",
};

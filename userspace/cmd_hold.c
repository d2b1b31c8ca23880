// SPDX-License-Identifier: GPL-2.0
/* blkhold hold DEVICE --name NAME [--reason TEXT] */
#include <string.h>

#include "blkhold.h"
#include "hold.h"

static int run(int argc, char *argv[], const struct command *self)
{
	struct device dev;
	struct args args;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_REASON, &args) ||
	    check_hold_args(&args) || device_resolve(&args, &dev) ||
	    hold_request(BLKHOLD_CMD_HOLD_ADD, &args, &dev))
		return -1;
	device_warn_writers(&dev);
	if (strcmp(dev.path, dev.canon))
		printf("%s (%s): hold '%s' placed\n", dev.path, dev.canon, args.name);
	else
		printf("%s: hold '%s' placed\n", dev.path, args.name);
	return 0;
}

const struct command cmd_hold = {
	.name = "hold",
	.run = run,
	.usage = "DEVICE --name NAME [--reason TEXT]",
	.summary = "place a hold: from now on nothing may change DEVICE's data",
};

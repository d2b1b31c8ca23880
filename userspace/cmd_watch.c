// SPDX-License-Identifier: GPL-2.0
/* blkhold watch [--json]: print events until SIGINT or SIGTERM. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "blkhold.h"

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[BLKHOLD_A_MAX + 1];
	const char *event = event_name(gh->cmd);
	const struct args *args = arg;
	char when[64];

	if (!event || genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL))
		return NL_SKIP;
	format_time(time(NULL), when, sizeof(when));
	if (args->json) {
		event_json(stdout, event, when, tb);
		putchar('\n');
	} else {
		event_human(stdout, event, when, tb);
	}
	return NL_OK;
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct nl_conn conn;
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_JSON, &args) || conn_open(&conn, NULL))
		return -1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = conn_watch(&conn, on_event, &args, &stop);
	conn_close(&conn);
	if (err == -EPERM)
		fail(NULL, "watching events needs CAP_SYS_ADMIN in the initial user namespace");
	else if (err)
		fail(NULL, "cannot watch blkhold events");
	return err ? -1 : 0;
}

const struct command cmd_watch = {
	.name = "watch",
	.run = run,
	.usage = "[--json]",
	.help = "Reads the kernel's state over netlink; reads and writes no file.",
	.summary = "print hold, release and refusal events as they happen",
};

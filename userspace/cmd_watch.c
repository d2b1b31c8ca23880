// SPDX-License-Identifier: GPL-2.0
/* blkhold watch [--json]: print events until SIGINT or SIGTERM. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>

#include "blkhold.h"

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case BLKHOLD_CMD_HOLD_ADDED:
		return "hold-added";
	case BLKHOLD_CMD_HOLD_RELEASED:
		return "hold-released";
	case BLKHOLD_CMD_REFUSED:
		return "refused";
	case BLKHOLD_CMD_ALERT:
		return "alert";
	default:
		return NULL;
	}
}

static const char *str(struct nlattr *a)
{
	return a ? nla_data(a) : "";
}

static uint64_t u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static const char *kind(struct nlattr *a)
{
	uint32_t k = u32(a);

	return k < __BLKHOLD_KIND_MAX ? kind_names[k] : "unknown";
}

static void print_json(const char *event, const char *when, struct nlattr **tb)
{
	printf("{\"event\":\"%s\",\"time\":\"%s\",\"device\":\"/dev/%s\",\"major\":%"
	       PRIu32 ",\"minor\":%" PRIu32 ",\"diskseq\":%" PRIu64,
	       event, when, str(tb[BLKHOLD_A_DEVNAME]), u32(tb[BLKHOLD_A_MAJOR]),
	       u32(tb[BLKHOLD_A_MINOR]), u64(tb[BLKHOLD_A_DISKSEQ]));
	if (tb[BLKHOLD_A_KIND])
		printf(",\"kind\":\"%s\",\"sector\":%" PRIu64 ",\"sectors\":%" PRIu64
		       ",\"opcode\":%" PRIu32 ",\"suppressed\":%" PRIu64,
		       kind(tb[BLKHOLD_A_KIND]), u64(tb[BLKHOLD_A_SECTOR]),
		       u64(tb[BLKHOLD_A_NR_SECTORS]), u32(tb[BLKHOLD_A_OPCODE]),
		       u64(tb[BLKHOLD_A_SUPPRESSED]));
	if (tb[BLKHOLD_A_ACTION]) {
		printf(",\"action\":");
		json_string(stdout, str(tb[BLKHOLD_A_ACTION]));
	}
	if (tb[BLKHOLD_A_IDENTITY]) {
		printf(",\"identity\":");
		json_string(stdout, str(tb[BLKHOLD_A_IDENTITY]));
	}
	if (tb[BLKHOLD_A_NAME]) {
		printf(",\"hold\":");
		json_string(stdout, str(tb[BLKHOLD_A_NAME]));
		printf(",\"reason\":");
		json_string(stdout, str(tb[BLKHOLD_A_REASON]));
	}
	printf(",\"pid\":%" PRIu32 ",\"uid\":%" PRIu32 ",\"comm\":",
	       u32(tb[BLKHOLD_A_PID]), u32(tb[BLKHOLD_A_UID]));
	json_string(stdout, str(tb[BLKHOLD_A_COMM]));
	printf("}\n");
}

static void print_human(const char *event, const char *when, struct nlattr **tb)
{
	printf("%s %s /dev/%s", when, event, str(tb[BLKHOLD_A_DEVNAME]));
	if (tb[BLKHOLD_A_IDENTITY] && !tb[BLKHOLD_A_KIND]) {
		printf(" (%s): %s\n", str(tb[BLKHOLD_A_IDENTITY]), str(tb[BLKHOLD_A_ACTION]));
		return;
	}
	if (tb[BLKHOLD_A_IDENTITY])
		printf(" (medium %s)", str(tb[BLKHOLD_A_IDENTITY]));
	if (tb[BLKHOLD_A_ACTION])
		printf(" tamper: %s", str(tb[BLKHOLD_A_ACTION]));
	else if (tb[BLKHOLD_A_KIND])
		printf(" %s of sectors %" PRIu64 "+%" PRIu64, kind(tb[BLKHOLD_A_KIND]),
		       u64(tb[BLKHOLD_A_SECTOR]), u64(tb[BLKHOLD_A_NR_SECTORS]));
	if (tb[BLKHOLD_A_NAME])
		printf(" '%s'", str(tb[BLKHOLD_A_NAME]));
	printf(" by %s[%" PRIu32 "] uid %" PRIu32, str(tb[BLKHOLD_A_COMM]),
	       u32(tb[BLKHOLD_A_PID]), u32(tb[BLKHOLD_A_UID]));
	if (tb[BLKHOLD_A_REASON])
		printf(": %s", str(tb[BLKHOLD_A_REASON]));
	if (u64(tb[BLKHOLD_A_SUPPRESSED]))
		printf(" (%" PRIu64 " earlier events not sent)",
		       u64(tb[BLKHOLD_A_SUPPRESSED]));
	putchar('\n');
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
	if (args->json)
		print_json(event, when, tb);
	else
		print_human(event, when, tb);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's events (hold-added, hold-released, refused, alert) as
 * "blkhold watch" prints them and "blkhold audit" records them: one JSON
 * object, or one line for people.
 */
#include <inttypes.h>
#include <stdio.h>

#include <netlink/attr.h>

#include "blkhold.h"

const char *event_name(uint8_t cmd)
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

void event_json(FILE *f, const char *event, const char *when, struct nlattr **tb)
{
	fprintf(f, "{\"event\":\"%s\",\"time\":\"%s\",\"device\":\"/dev/%s\",\"major\":%"
	       PRIu32 ",\"minor\":%" PRIu32 ",\"diskseq\":%" PRIu64,
	       event, when, str(tb[BLKHOLD_A_DEVNAME]), u32(tb[BLKHOLD_A_MAJOR]),
	       u32(tb[BLKHOLD_A_MINOR]), u64(tb[BLKHOLD_A_DISKSEQ]));
	if (tb[BLKHOLD_A_KIND])
		fprintf(f, ",\"kind\":\"%s\",\"sector\":%" PRIu64 ",\"sectors\":%" PRIu64
		       ",\"opcode\":%" PRIu32 ",\"suppressed\":%" PRIu64,
		       kind(tb[BLKHOLD_A_KIND]), u64(tb[BLKHOLD_A_SECTOR]),
		       u64(tb[BLKHOLD_A_NR_SECTORS]), u32(tb[BLKHOLD_A_OPCODE]),
		       u64(tb[BLKHOLD_A_SUPPRESSED]));
	if (tb[BLKHOLD_A_ACTION]) {
		fprintf(f, ",\"action\":");
		json_string(f, str(tb[BLKHOLD_A_ACTION]));
	}
	if (tb[BLKHOLD_A_IDENTITY]) {
		fprintf(f, ",\"identity\":");
		json_string(f, str(tb[BLKHOLD_A_IDENTITY]));
	}
	if (tb[BLKHOLD_A_NAME]) {
		fprintf(f, ",\"hold\":");
		json_string(f, str(tb[BLKHOLD_A_NAME]));
		fprintf(f, ",\"reason\":");
		json_string(f, str(tb[BLKHOLD_A_REASON]));
	}
	fprintf(f, ",\"pid\":%" PRIu32 ",\"uid\":%" PRIu32 ",\"comm\":",
	       u32(tb[BLKHOLD_A_PID]), u32(tb[BLKHOLD_A_UID]));
	json_string(f, str(tb[BLKHOLD_A_COMM]));
	if (tb[BLKHOLD_A_EVENT_SEQ])
		fprintf(f, ",\"event_seq\":%" PRIu64 ",\"event_epoch\":\"%016" PRIx64 "\"",
			u64(tb[BLKHOLD_A_EVENT_SEQ]), u64(tb[BLKHOLD_A_EVENT_EPOCH]));
	fputc('}', f);
}

void event_human(FILE *f, const char *event, const char *when, struct nlattr **tb)
{
	fprintf(f, "%s %s /dev/%s", when, event, str(tb[BLKHOLD_A_DEVNAME]));
	if (tb[BLKHOLD_A_IDENTITY] && !tb[BLKHOLD_A_KIND]) {
		fprintf(f, " (%s): %s\n", str(tb[BLKHOLD_A_IDENTITY]), str(tb[BLKHOLD_A_ACTION]));
		return;
	}
	if (tb[BLKHOLD_A_IDENTITY])
		fprintf(f, " (medium %s)", str(tb[BLKHOLD_A_IDENTITY]));
	if (tb[BLKHOLD_A_ACTION])
		fprintf(f, " tamper: %s", str(tb[BLKHOLD_A_ACTION]));
	else if (tb[BLKHOLD_A_KIND])
		fprintf(f, " %s of sectors %" PRIu64 "+%" PRIu64, kind(tb[BLKHOLD_A_KIND]),
		       u64(tb[BLKHOLD_A_SECTOR]), u64(tb[BLKHOLD_A_NR_SECTORS]));
	if (tb[BLKHOLD_A_NAME])
		fprintf(f, " '%s'", str(tb[BLKHOLD_A_NAME]));
	fprintf(f, " by %s[%" PRIu32 "] uid %" PRIu32, str(tb[BLKHOLD_A_COMM]),
	       u32(tb[BLKHOLD_A_PID]), u32(tb[BLKHOLD_A_UID]));
	if (tb[BLKHOLD_A_REASON])
		fprintf(f, ": %s", str(tb[BLKHOLD_A_REASON]));
	if (u64(tb[BLKHOLD_A_SUPPRESSED]))
		fprintf(f, " (%" PRIu64 " earlier events not sent)",
		       u64(tb[BLKHOLD_A_SUPPRESSED]));
	fputc('\n', f);
}

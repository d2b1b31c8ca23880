// SPDX-License-Identifier: GPL-2.0
/*
 * Retention dates. The kernel judges them by its retention clock (module
 * parameter retention_clock), which root cannot wind forward; the CLI
 * reads it to refuse a date already past, and the ledger stores its
 * readings (the clock= field of each entry) so that the next boot does
 * not count time the host spent off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>

#include "blkhold.h"
#include "retention.h"
#include "store.h"

#define CLOCK_PARAM "/sys/module/blkhold/parameters/retention_clock"

uint64_t retention_clock(void)
{
	unsigned long long secs = 0;
	FILE *f = fopen(CLOCK_PARAM, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &secs) != 1)
		secs = 0;
	fclose(f);
	return secs;
}

const char *retention_mode_name(uint8_t mode)
{
	return mode == BLKHOLD_RETAIN_MODE_COMPLIANCE ? "compliance" :
	       mode == BLKHOLD_RETAIN_MODE_GOVERNANCE ? "governance" : "none";
}

static int mode_from_name(const char *name)
{
	if (!strcmp(name, "governance"))
		return BLKHOLD_RETAIN_MODE_GOVERNANCE;
	if (!strcmp(name, "compliance"))
		return BLKHOLD_RETAIN_MODE_COMPLIANCE;
	return -1;
}

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) or "@SECONDS". */
static int parse_date(const char *s, uint64_t *secs)
{
	static const char *const formats[] = {
		"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
		"%Y-%m-%d",
	};
	struct tm tm;
	char *end;
	size_t i;

	if (s[0] == '@') {
		errno = 0;
		*secs = strtoull(s + 1, &end, 10);
		return errno || end == s + 1 || *end || s[1] == '-' ? -1 : 0;
	}
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (end && !*end) {
			time_t t = timegm(&tm);

			if (t < 0)
				return -1;
			*secs = t;
			return 0;
		}
	}
	return -1;
}

void retention_describe(uint8_t mode, uint64_t until, char *buf, size_t len)
{
	time_t t = until;
	struct tm tm;
	char when[64] = "";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(buf, len, "until %s, %s mode", when, retention_mode_name(mode));
}

int retention_from_args(const struct args *args, struct entry *e, const char *what)
{
	uint64_t until, now;
	int mode;

	if (!args->retain_until && !args->mode)
		return 0;
	if (!args->retain_until || !args->mode) {
		fail(what, "--retain-until DATE and --mode governance|compliance go together");
		return -1;
	}
	mode = mode_from_name(args->mode);
	if (mode < 0) {
		fail(what, "--mode is governance or compliance, not '%s'", args->mode);
		return -1;
	}
	if (parse_date(args->retain_until, &until) || !until) {
		fail(what, "--retain-until needs YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or @SECONDS, not '%s'",
		     args->retain_until);
		return -1;
	}
	now = retention_clock();
	if (!now)
		now = time(NULL);
	if (until <= now) {
		fail(what, "--retain-until %s is not after the retention clock's %" PRIu64,
		     args->retain_until, now);
		return -1;
	}
	snprintf(e->retain, sizeof(e->retain), "%s:%" PRIu64,
		 retention_mode_name(mode), until);
	return 0;
}

int retention_parse(const char *field, uint8_t *mode, uint64_t *until)
{
	const char *colon = strchr(field, ':');
	char name[16];
	char *end;
	int m;

	if (!colon || (size_t)(colon - field) >= sizeof(name))
		return -1;
	memcpy(name, field, colon - field);
	name[colon - field] = '\0';
	m = mode_from_name(name);
	errno = 0;
	*until = strtoull(colon + 1, &end, 10);
	if (m < 0 || errno || *end || end == colon + 1 || !*until)
		return -1;
	*mode = m;
	return 0;
}

int retention_put(struct nl_msg *msg, const struct entry *e)
{
	uint64_t until;
	uint8_t mode;

	if (!e->retain[0])
		return 0;
	if (retention_parse(e->retain, &mode, &until))
		return -1;
	return nla_put_u64(msg, BLKHOLD_A_RETAIN_UNTIL, until) ||
	       nla_put_u8(msg, BLKHOLD_A_RETAIN_MODE, mode) ? -1 : 0;
}

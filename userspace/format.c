// SPDX-License-Identifier: GPL-2.0
/* Formatting shared by the commands: JSON strings, times, sizes. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "blkhold.h"

void json_string(FILE *f, const char *s)
{
	putc_unlocked('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc_unlocked(c, f);
	}
	putc_unlocked('"', f);
}

void format_time(uint64_t epoch, char *buf, size_t len)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%" PRIu64, epoch);
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

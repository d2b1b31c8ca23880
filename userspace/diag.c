// SPDX-License-Identifier: GPL-2.0
/*
 * Errors and warnings: one line on stderr each, naming what was wrong.
 */
#include <stdarg.h>
#include <stdio.h>

#include "blkhold.h"

/* "blkhold: WHAT: [warning: ]MESSAGE", WHAT usually the device */
static void vreport(const char *level, const char *what, const char *fmt,
		    va_list ap)
{
	fprintf(stderr, "%s: ", PROG_NAME);
	if (what)
		fprintf(stderr, "%s: ", what);
	fputs(level, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", what, fmt, ap);
	va_end(ap);
}

void warn(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", what, fmt, ap);
	va_end(ap);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * audit_log.c on a scratch file: lines appended chain and verify; an
 * edited line, a removed line and a line that is not one are each named
 * by their line number; a line cut short by a crash is removed by the next
 * open and the removal recorded; the kernel's numbering is read back from
 * the last line. Run by "make -C userspace test" (make check).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_log.h"

static unsigned long failures, checks;

#define EXPECT(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond) && ++failures <= 10) {			\
			fprintf(stderr, "test_audit_log: " __VA_ARGS__); \
			fputc('\n', stderr);				\
		}							\
	} while (0)

static char path[] = "/tmp/test_audit_log.XXXXXX";

static void fresh_log(struct audit_log *a, unsigned int lines)
{
	char json[128];
	unsigned int i;

	memset(a, 0, sizeof(*a));
	snprintf(a->path, sizeof(a->path), "%s", path);
	truncate(path, 0);
	EXPECT(!audit_open(a), "open an empty log");
	for (i = 1; i <= lines; i++) {
		snprintf(json, sizeof(json),
			 "{\"event\":\"refused\",\"device\":\"/dev/vd%c\",\"event_seq\":%u,\"event_epoch\":\"00000000000000ab\"}",
			 'a' + i, i);
		EXPECT(!audit_append(a, json), "append line %u", i);
	}
	audit_close(a);
}

static const char *check(struct audit_log *a)
{
	EXPECT(!audit_read(a, NULL, NULL), "read the log");
	return a->problem;
}

/* Replace byte @at of the file with @c, or cut the file at @at (@c == 0). */
static void damage(long at, char c)
{
	int fd = open(path, O_RDWR);

	if (c)
		pwrite(fd, &c, 1, at);
	else
		ftruncate(fd, at);
	close(fd);
}

int main(void)
{
	struct audit_log a;
	int fd = mkstemp(path);

	close(fd);
	fresh_log(&a, 3);
	EXPECT(!check(&a)[0] && a.lines == 3, "three lines chain: %s", a.problem);
	EXPECT(a.seq == 3 && a.epoch == 0xab, "numbering read back: %llu %llx",
	       (unsigned long long)a.seq, (unsigned long long)a.epoch);

	damage(30, 'X');	/* inside line 1's JSON */
	EXPECT(strstr(check(&a), "line 1: its hash does not match its content"),
	       "an edited line is named: %s", a.problem);

	fresh_log(&a, 3);
	{
		/* line 2 removed: line 3 no longer follows line 1 */
		FILE *f = fopen(path, "r");
		char l1[512], l2[512], l3[512];

		fgets(l1, sizeof(l1), f);
		fgets(l2, sizeof(l2), f);
		fgets(l3, sizeof(l3), f);
		fclose(f);
		f = fopen(path, "w");
		fputs(l1, f);
		fputs(l3, f);
		fclose(f);
	}
	EXPECT(strstr(check(&a), "line 2: does not follow the line before it"),
	       "a removed line is named: %s", a.problem);

	fresh_log(&a, 2);
	{
		FILE *f = fopen(path, "a");

		fputs("not an audit line\n", f);
		fclose(f);
	}
	EXPECT(strstr(check(&a), "line 3: not an audit line"), "a foreign line is named: %s",
	       a.problem);

	fresh_log(&a, 3);
	check(&a);
	damage(a.size - 20, 0);	/* the last line cut short */
	EXPECT(!check(&a)[0] && a.lines == 2 && a.torn, "a torn last line is not a break: %s",
	       a.problem);
	memset(&a, 0, sizeof(a));
	snprintf(a.path, sizeof(a.path), "%s", path);
	EXPECT(!audit_open(&a), "open for appending");
	audit_close(&a);
	EXPECT(!check(&a)[0] && a.lines == 3 && !a.torn, "the torn line removed and recorded: %s",
	       a.problem);

	unlink(path);
	printf("test_audit_log: %lu checks, %lu failed\n", checks, failures);
	return failures ? 1 : 0;
}

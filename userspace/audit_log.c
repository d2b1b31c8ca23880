// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log (STORE/audit): one line per event, "JSON PREV HASH", HASH
 * the SHA-256 of the line up to its last space and PREV the line before's
 * (64 zeros for the first), as the ledger chains its entries. Appended
 * with O_APPEND and synced line by line: a crash can cut only the last
 * line short, and the next run removes it and says so in a line of its
 * own. A log found damaged is still appended to (losing the next refusal
 * would be worse), and says so first; --verify names the damage.
 */
#define _GNU_SOURCE		/* memmem, memrchr */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_log.h"
#include "blkhold.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/*
 * The value of "@key" in our own JSON line: a string (unescaped as
 * json_string() escapes) or a number. 0 when found.
 */
int json_field(const char *json, size_t len, const char *key, char *out, size_t out_len)
{
	char pattern[64];
	const char *p, *end = json + len;
	size_t o = 0;
	int n = snprintf(pattern, sizeof(pattern), "\"%s\":", key);

	p = memmem(json, len, pattern, n);
	if (!p || !out_len)
		return -1;
	p += n;
	if (p < end && *p != '"') {
		while (p < end && *p != ',' && *p != '}' && o + 1 < out_len)
			out[o++] = *p++;
		out[o] = '\0';
		return 0;
	}
	for (p++; p < end && *p != '"' && o + 1 < out_len; p++) {
		if (*p == '\\' && p + 1 < end && p[1] == 'u' && p + 5 < end) {
			out[o++] = (char)strtol((char[]){ p[4], p[5], 0 }, NULL, 16);
			p += 5;
		} else if (*p == '\\' && p + 1 < end) {
			out[o++] = *++p;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return 0;
}

static uint64_t field_u64(const char *json, size_t len, const char *key)
{
	char v[32];

	return json_field(json, len, key, v, sizeof(v)) ? 0 : strtoull(v, NULL, 10);
}

static void note(struct audit_log *a, size_t line, const char *what)
{
	if (!a->problem[0])
		snprintf(a->problem, sizeof(a->problem), "%s, line %zu: %s", a->path, line, what);
}

/* Check one line of @len bytes (no newline) against the one before. */
static void check_line(struct audit_log *a, const char *p, size_t len, size_t line)
{
	const char *hash = memrchr(p, ' ', len), *prev;
	char got[SHA256_HEX_LEN + 1];

	prev = hash ? memrchr(p, ' ', hash - p) : NULL;
	if (!prev || len - (hash + 1 - p) != SHA256_HEX_LEN ||
	    hash - prev - 1 != SHA256_HEX_LEN || *p != '{') {
		note(a, line, "not an audit line");
		return;
	}
	if (strncmp(prev + 1, a->head, SHA256_HEX_LEN))
		note(a, line, "does not follow the line before it (a line was removed or inserted)");
	sha256_hex(p, hash - p, got);
	if (strncmp(got, hash + 1, SHA256_HEX_LEN))
		note(a, line, "its hash does not match its content (edited)");
	memcpy(a->head, hash + 1, SHA256_HEX_LEN);
	a->head[SHA256_HEX_LEN] = '\0';
	/* the kernel's numbering, where the line carries it */
	if (json_field(p, prev - p, "event_epoch", got, sizeof(got)) == 0) {
		a->epoch = strtoull(got, NULL, 16);
		a->seq = field_u64(p, prev - p, "event_seq");
	}
}

/*
 * Read and check the log, a line at a time (a busy host's trail outgrows
 * memory): every line, through @each (may be NULL) with the JSON part. A
 * last line without its newline is a torn write: counted in @a->torn, not
 * checked.
 */
int audit_read(struct audit_log *a, void (*each)(void *arg, size_t line, const char *json,
						 size_t len), void *arg)
{
	char *p = NULL;
	size_t cap = 0, line = 0;
	const char *prev;
	ssize_t n;
	FILE *f;
	int err = 0;

	snprintf(a->head, sizeof(a->head), GENESIS);
	a->problem[0] = '\0';
	a->lines = a->torn = a->size = 0;
	f = fopen(a->path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&p, &cap, f)) > 0) {
		if (p[n - 1] != '\n') {
			a->torn = n;
			break;
		}
		a->size += n;
		line++;
		check_line(a, p, n - 1, line);
		if (each) {
			prev = memrchr(p, ' ', n - 1);
			prev = prev ? memrchr(p, ' ', prev - p) : NULL;
			each(arg, line, p, prev ? (size_t)(prev - p) : (size_t)(n - 1));
		}
	}
	if (ferror(f))
		err = -EIO;
	a->lines = line;
	free(p);
	fclose(f);
	return err;
}

/* Append "@json PREV HASH" and sync it. */
int audit_append(struct audit_log *a, const char *json)
{
	size_t n = strlen(json);
	char *line = malloc(n + 2 * SHA256_HEX_LEN + 4);
	ssize_t w;
	int err = 0;

	if (!line)
		return -ENOMEM;
	n = sprintf(line, "%s %s", json, a->head);
	sha256_hex(line, n, a->head);
	n += sprintf(line + n, " %s\n", a->head);
	w = write(a->fd, line, n);
	if (w != (ssize_t)n)
		err = w < 0 ? -errno : -EIO;
	else if (fdatasync(a->fd))
		err = -errno;
	free(line);
	if (!err)
		a->lines++;
	return err;
}

/*
 * Open the log at @a->path to append to it: read and check it, cut off a
 * torn last line (and record that), record damage found. 0 or -errno.
 */
int audit_open(struct audit_log *a)
{
	char json[8192], when[64];
	struct stat st;
	int err;

	err = audit_read(a, NULL, NULL);
	if (err)
		return err;
	a->fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0)
		return -errno;
	format_time(time(NULL), when, sizeof(when));
	if (a->torn && !fstat(a->fd, &st) && ftruncate(a->fd, st.st_size - a->torn) == 0) {
		snprintf(json, sizeof(json),
			 "{\"event\":\"torn-line-removed\",\"time\":\"%s\",\"bytes\":%zu}",
			 when, a->torn);
		err = audit_append(a, json);
	}
	if (!err && a->problem[0]) {
		int n = snprintf(json, sizeof(json),
				 "{\"event\":\"log-damaged\",\"time\":\"%s\",\"problem\":", when);
		FILE *f = fmemopen(json + n, sizeof(json) - n, "w");

		if (f) {
			json_string(f, a->problem);
			fputc('}', f);
			fclose(f);
		}
		err = audit_append(a, json);
	}
	return err;
}

void audit_close(struct audit_log *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

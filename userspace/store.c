// SPDX-License-Identifier: GPL-2.0
/*
 * The store: an append-only, hash-chained ledger of holds placed and
 * released, in /etc/blkhold/ledger (the boot path reads it before /var is
 * mounted).
 *
 * The first line is "blkhold-ledger 1". Each further line is one entry,
 * space-separated:
 *
 *   SEQ TIME OP UID IDENTITY START SECTORS DISK_SECTORS PARTUUID NAME REASON [STACK] PREV HASH
 *
 * STACK is only on the entries of a hold on a stacked volume (struct
 * entry); other lines are as blkhold wrote them before it existed.
 *
 * Strings are percent-encoded (bytes outside '!'..'~', and '%'), "-" for
 * empty. HASH is the SHA-256 of the line up to the space before it, and
 * PREV the previous entry's HASH (64 zeros for the first), so changing,
 * inserting or removing an entry breaks the chain from there on.
 *
 * A change is written as a new file (temporary file, fsync, rename, fsync
 * of the directory): a crash leaves the old ledger or the new one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blkhold.h"
#include "retention.h"
#include "store.h"

#define LEDGER_MAGIC "blkhold-ledger 1\n"
#define LEDGER_MAX_BYTES (64u << 20)
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static const char *chosen_dir;

const char *store_dir(void)
{
	const char *env = getenv("BLKHOLD_STATE_DIR");

	if (chosen_dir)
		return chosen_dir;
	return env && *env ? env : STORE_DEFAULT_DIR;
}

void store_set_dir(const char *dir)
{
	chosen_dir = dir;
}

/* ---- encoding ---- */

static void encode(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (!*s || !strcmp(s, "-")) {
		snprintf(out, len, "%s", *s ? "%2D" : "-");
		return;
	}
	for (; *s && o + 4 < len; s++) {
		unsigned char c = *s;

		if (c <= ' ' || c >= 0x7f || c == '%')
			o += snprintf(out + o, len - o, "%%%02X", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int decode(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (!strcmp(s, "-")) {
		*out = '\0';
		return 0;
	}
	for (; *s; s++) {
		int c = (unsigned char)*s;

		if (c == '%') {
			if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
				return -1;
			c = hexval(s[1]) << 4 | hexval(s[2]);
			s += 2;
			if (!c)
				return -1;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* ---- reading ---- */

enum { F_SEQ, F_TIME, F_OP, F_UID, F_ID, F_START, F_SECTORS, F_DISK, F_PARTUUID,
       F_NAME, F_REASON, NR_FIXED };
/* After the fixed fields: STACK, then tagged ones, then PREV and HASH. */
#define NR_FIELDS (NR_FIXED + 8)

static const char *const stack_roles[] = { "top:", "data:", "meta:" };

static bool stack_valid(const char *stack)
{
	size_t i, n;

	for (i = 0; i < sizeof(stack_roles) / sizeof(stack_roles[0]); i++) {
		n = strlen(stack_roles[i]);
		if (!strncmp(stack, stack_roles[i], n) && strchr(stack + n, '='))
			return true;
	}
	return false;
}

/*
 * A field between REASON and PREV: "custody=ID:KEY,KEY" (the hold's
 * custodians), "order=SHA256" (the order a release was signed with),
 * "retain=MODE:SECONDS" (a retention date), "override=yes" (a release
 * before a governance date), "clock=SECONDS" (the retention clock then),
 * or the stack field. A message when it is none of them.
 */
static const char *parse_optional(const char *field, struct entry *e)
{
	if (!strncmp(field, "custody=", 8))
		return decode(e->custody, sizeof(e->custody), field + 8) ?
		       "the custody field is too long" : NULL;
	if (!strncmp(field, "order=", 6))
		return decode(e->order, sizeof(e->order), field + 6) ?
		       "the order field is too long" : NULL;
	if (!strncmp(field, "retain=", 7)) {
		uint64_t until;
		uint8_t mode;

		return decode(e->retain, sizeof(e->retain), field + 7) ||
		       retention_parse(e->retain, &mode, &until) ?
		       "the retain field is not MODE:SECONDS" : NULL;
	}
	if (!strcmp(field, "override=yes")) {
		e->override = true;
		return NULL;
	}
	if (!strncmp(field, "clock=", 6))
		return parse_u64(field + 6, &e->clock) ?
		       "the clock field is not a number" : NULL;
	if (decode(e->stack, sizeof(e->stack), field))
		return "a text field is badly encoded or too long";
	return stack_valid(e->stack) ? NULL : "the stack field is not ROLE:IDENTITY";
}

/* Parse one entry line (no newline) into @e; a message on failure. */
static const char *parse_entry(char *line, struct entry *e)
{
	char *f[NR_FIELDS], *save = NULL, *tok;
	const char *why;
	uint64_t uid;
	int n = 0, i;

	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == NR_FIELDS)
			return "too many fields";
		f[n++] = tok;
	}
	if (n < NR_FIXED + 2)
		return "too few fields";
	if (parse_u64(f[F_SEQ], &e->seq) || parse_u64(f[F_TIME], &e->time) ||
	    parse_u64(f[F_UID], &uid) || parse_u64(f[F_START], &e->start) ||
	    parse_u64(f[F_SECTORS], &e->sectors) ||
	    parse_u64(f[F_DISK], &e->disk_sectors))
		return "a number field is not a number";
	e->uid = uid;
	if (decode(e->op, sizeof(e->op), f[F_OP]) ||
	    decode(e->identity, sizeof(e->identity), f[F_ID]) ||
	    decode(e->partuuid, sizeof(e->partuuid), f[F_PARTUUID]) ||
	    decode(e->name, sizeof(e->name), f[F_NAME]) ||
	    decode(e->reason, sizeof(e->reason), f[F_REASON]))
		return "a text field is badly encoded or too long";
	for (i = NR_FIXED; i < n - 2; i++) {
		why = parse_optional(f[i], e);
		if (why)
			return why;
	}
	if (strcmp(e->op, "hold") && strcmp(e->op, "release") && strcmp(e->op, "retain") &&
	    strcmp(e->op, "fingerprint") && strcmp(e->op, "verify"))
		return "unknown operation";
	if (!*e->identity || !*e->name || !e->sectors)
		return "identity, name or range missing";
	if (strlen(f[n - 2]) != SHA256_HEX_LEN || strlen(f[n - 1]) != SHA256_HEX_LEN)
		return "a hash field is not 64 hex digits";
	strcpy(e->prev, f[n - 2]);
	strcpy(e->hash, f[n - 1]);
	return NULL;
}

/* Check entry @e (line text @raw, @len bytes) against the one before it. */
static const char *check_chain(const struct ledger *l, const struct entry *e,
			       const char *raw, size_t len)
{
	const char *prev = l->n ? l->e[l->n - 1].hash : GENESIS;
	const char *space = memrchr(raw, ' ', len);
	char hash[SHA256_HEX_LEN + 1];

	if (e->seq != l->n + 1)
		return "sequence number out of order (an entry was removed or inserted)";
	if (strcmp(e->prev, prev))
		return "does not follow the entry before it (chain broken)";
	sha256_hex(raw, space - raw, hash);
	if (strcmp(hash, e->hash))
		return "its hash does not match its content (edited)";
	return NULL;
}

/* "SOURCE=VALUE" in printable ASCII, as the kernel takes identities. */
static bool identity_valid(const char *id)
{
	const char *eq = strchr(id, '='), *p;

	if (!eq || eq == id || !eq[1])
		return false;
	for (p = id; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

/*
 * The most a line that does not parse could mean: if its identity field
 * decodes to one, a hold of that whole disk, under its name if that field
 * decodes, else "damaged-line-N". Releases are never salvaged.
 */
static bool salvage_entry(const char *text, size_t len, size_t line,
			  struct entry *e)
{
	char buf[8192], *f[NR_FIELDS], *save = NULL, *tok;
	int n = 0;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok && n < NR_FIELDS;
	     tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	memset(e, 0, sizeof(*e));
	if (n <= F_ID || decode(e->identity, sizeof(e->identity), f[F_ID]) ||
	    !identity_valid(e->identity))
		return false;
	if (n <= F_NAME || decode(e->name, sizeof(e->name), f[F_NAME]) || !e->name[0])
		snprintf(e->name, sizeof(e->name), "damaged-line-%zu", line);
	snprintf(e->op, sizeof(e->op), "hold");
	snprintf(e->reason, sizeof(e->reason), "ledger line %zu did not parse", line);
	e->sectors = LEDGER_WHOLE_DISK;
	e->disk_sectors = 0;
	e->line = line;
	e->salvaged = true;
	return true;
}

static void note_problem(struct ledger *l, size_t line, const char *what)
{
	if (!l->problem[0])
		snprintf(l->problem, sizeof(l->problem), "%s, line %zu: %s",
			 l->path, line, what);
}

static int keep_entry(struct ledger *l, const struct entry *e)
{
	struct entry *grown = realloc(l->e, (l->n + 1) * sizeof(*l->e));

	if (!grown)
		return -ENOMEM;
	l->e = grown;
	l->e[l->n++] = *e;
	if (!l->problem[0])
		l->intact = l->n;
	if (!l->problem[0] && e->clock > l->checkpoint)
		l->checkpoint = e->clock;
	return 0;
}

/*
 * One entry line of @len bytes at @p (no newline). An entry that does not
 * parse is noted and salvaged when it names an identity.
 */
static int parse_line(struct ledger *l, const char *p, size_t len, size_t line)
{
	char buf[8192];
	struct entry e = { 0 };
	const char *why;

	if (len >= sizeof(buf)) {
		why = "line too long";
	} else {
		memcpy(buf, p, len);
		buf[len] = '\0';
		why = parse_entry(buf, &e);
	}
	if (why) {
		note_problem(l, line, why);
		return salvage_entry(p, len, line, &e) ? keep_entry(l, &e) : 0;
	}
	why = check_chain(l, &e, p, len);
	if (why)
		note_problem(l, line, why);
	e.line = line;
	return keep_entry(l, &e);
}

/*
 * Every entry is kept, even past a problem: a damaged ledger must not lose
 * the holds it records (ledger_active() fails closed). A line that does
 * not parse arms the most it could mean (salvage_entry()).
 */
static int parse_ledger(struct ledger *l)
{
	const char *p = l->text, *end = l->text + l->len, *nl;
	size_t line = 1;
	int err = 0;

	if (l->len < strlen(LEDGER_MAGIC) ||
	    memcmp(l->text, LEDGER_MAGIC, strlen(LEDGER_MAGIC))) {
		note_problem(l, 1, "not a blkhold ledger (no \"blkhold-ledger 1\" header)");
		return 0;
	}
	p += strlen(LEDGER_MAGIC);
	for (; p < end && !err; p = nl + 1) {
		line++;
		nl = memchr(p, '\n', end - p);
		if (!nl) {
			note_problem(l, line, "truncated (no newline at the end)");
			nl = end;
		}
		err = parse_line(l, p, nl - p, line);
	}
	return err;
}

static int read_file(struct ledger *l)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return -EIO;
	}
	if (st.st_size > LEDGER_MAX_BYTES) {
		close(fd);
		return -EFBIG;
	}
	l->text = malloc(st.st_size + 1);
	if (!l->text) {
		close(fd);
		return -ENOMEM;
	}
	for (l->len = 0; l->len < (size_t)st.st_size; l->len += n) {
		n = read(fd, l->text + l->len, st.st_size - l->len);
		if (n <= 0)
			break;
	}
	close(fd);
	l->text[l->len] = '\0';
	l->exists = true;
	return 0;
}

/* Temporary files of writers killed before their rename; under the lock. */
static void remove_stale(const char *dir)
{
	char path[4096 + 300];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, ".ledger.", 8)) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	closedir(dp);
}

static int lock_store(struct ledger *l)
{
	char path[sizeof(l->dir) + 8];

	if (mkdir(l->dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/lock", l->dir);
	l->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->lock_fd < 0)
		return -errno;
	if (flock(l->lock_fd, LOCK_EX))
		return -errno;
	remove_stale(l->dir);
	return 0;
}

/*
 * Read the ledger of the store; with @lock, first take the store's lock
 * (creating the directory), which ledger_close() drops. Prints the error.
 */
int ledger_open(struct ledger *l, bool lock)
{
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	snprintf(l->dir, sizeof(l->dir), "%s", store_dir());
	snprintf(l->path, sizeof(l->path), "%s/%s", l->dir, LEDGER_FILE);
	if (lock)
		err = lock_store(l);
	if (err) {
		fail(l->dir, "cannot lock the store (%s)%s", strerror(-err),
		     err == -EACCES || err == -EROFS ?
		     ": needs CAP_SYS_ADMIN and a writable store directory" : "");
		ledger_close(l);
		return -1;
	}
	err = read_file(l);
	if (!err)
		err = l->exists ? parse_ledger(l) : 0;
	if (err) {
		fail(l->path, "cannot read the ledger: %s", strerror(-err));
		ledger_close(l);
		return -1;
	}
	return 0;
}

/*
 * A ledger read from @len bytes of @text (a registry bundle's), named
 * @origin in messages. Never locked, never written.
 */
int ledger_from_text(struct ledger *l, const char *origin, const char *text,
		     size_t len)
{
	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	snprintf(l->path, sizeof(l->path), "%s", origin);
	l->text = malloc(len + 1);
	if (!l->text)
		return -ENOMEM;
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->len = len;
	l->exists = true;
	return parse_ledger(l);
}

void ledger_close(struct ledger *l)
{
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->lock_fd = -1;
	free(l->text);
	free(l->e);
	l->text = NULL;
	l->e = NULL;
	l->n = 0;
}

/*
 * The last reading of the retention clock the ledger keeps, from its
 * intact part: restore sets the kernel's clock back to it.
 */
uint64_t ledger_checkpoint(const struct ledger *l)
{
	return l->checkpoint;
}

const char *ledger_head(const struct ledger *l)
{
	if (l->appended)
		return l->head;
	return l->n ? l->e[l->n - 1].hash : GENESIS;
}

/* ---- writing ---- */

/* " TAGVALUE" (encoded) when @value is set, else "". */
static void format_optional(char *out, size_t len, const char *tag, const char *value)
{
	size_t n;

	out[0] = '\0';
	if (!value[0])
		return;
	n = snprintf(out, len, " %s", tag);
	encode(out + n, len - n, value);
}

static int format_entry(char *buf, size_t len, struct entry *e)
{
	char op[48], id[BLKHOLD_IDENTITY_MAX * 3 + 1], part[128];
	char name[BLKHOLD_NAME_MAX * 3 + 1], reason[BLKHOLD_REASON_MAX * 3 + 1];
	char stack[sizeof(e->stack) * 3 + 2] = "";
	char custody[sizeof(e->custody) * 3 + 16], order[sizeof(e->order) + 16];
	char retain[sizeof(e->retain) + 16], clock[40] = "";
	int n;

	encode(op, sizeof(op), e->op);
	encode(id, sizeof(id), e->identity);
	encode(part, sizeof(part), e->partuuid);
	encode(name, sizeof(name), e->name);
	encode(reason, sizeof(reason), e->reason);
	if (e->stack[0]) {
		stack[0] = ' ';
		encode(stack + 1, sizeof(stack) - 1, e->stack);
	}
	format_optional(custody, sizeof(custody), "custody=", e->custody);
	format_optional(order, sizeof(order), "order=", e->order);
	format_optional(retain, sizeof(retain), "retain=", e->retain);
	if (e->clock)
		snprintf(clock, sizeof(clock), " clock=%" PRIu64, e->clock);
	n = snprintf(buf, len, "%" PRIu64 " %" PRIu64 " %s %" PRIu32 " %s %" PRIu64
		     " %" PRIu64 " %" PRIu64 " %s %s %s%s%s%s%s%s%s %s", e->seq, e->time,
		     op, e->uid, id, e->start, e->sectors, e->disk_sectors, part, name,
		     reason, stack, custody, order, retain,
		     e->override ? " override=yes" : "", clock, e->prev);
	sha256_hex(buf, n, e->hash);
	n += snprintf(buf + n, len - n, " %s\n", e->hash);
	return n;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	for (; len; p += n, len -= n) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			return -errno;
		}
	}
	return 0;
}

/*
 * What was written is the ledger as read from now on, for the next
 * append; the entries read (l->e) stay as they were, and so do pointers
 * into them.
 */
static int remember_append(struct ledger *l, const char *line, size_t len,
			   const struct entry *e)
{
	size_t base = l->exists ? l->len : strlen(LEDGER_MAGIC);
	char *text = realloc(l->text, base + len + 1);

	if (!text)
		return -ENOMEM;
	if (!l->exists)
		memcpy(text, LEDGER_MAGIC, base);
	memcpy(text + base, line, len);
	text[base + len] = '\0';
	l->text = text;
	l->len = base + len;
	l->exists = true;
	l->appended++;
	snprintf(l->head, sizeof(l->head), "%s", e->hash);
	return 0;
}

/* The ledger as it is plus @line, in place of the old one, or the old one. */
static int replace_ledger(struct ledger *l, const char *line, size_t len)
{
	char tmp[sizeof(l->path) + 16];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s/.ledger.XXXXXX", l->dir);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	err = write_all(fd, l->exists ? l->text : LEDGER_MAGIC,
			l->exists ? l->len : strlen(LEDGER_MAGIC));
	if (!err)
		err = write_all(fd, line, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, l->path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return fsync_dir(l->dir);
}

/*
 * Append @e (sequence, time, uid and hashes are filled in) to a locked,
 * intact ledger. Prints the error.
 */
int ledger_append(struct ledger *l, struct entry *e)
{
	char line[8192];
	int len, err;

	if (l->problem[0]) {
		fail(l->path, "the ledger is damaged (%s); nothing was written: see 'blkhold verify'",
		     l->problem);
		return -1;
	}
	e->seq = l->n + l->appended + 1;
	e->time = time(NULL);
	e->uid = getuid();
	e->clock = retention_clock();
	snprintf(e->prev, sizeof(e->prev), "%s", ledger_head(l));
	len = format_entry(line, sizeof(line), e);
	err = replace_ledger(l, line, len);
	/* written: a later append in this run is refused rather than lost */
	if (!err && remember_append(l, line, len, e))
		snprintf(l->problem, sizeof(l->problem), "%s: out of memory", l->path);
	if (err) {
		fail(l->path, "cannot write the ledger: %s", strerror(-err));
		return -1;
	}
	return 0;
}

/* ---- state ---- */

bool entry_same_hold(const struct entry *a, const struct entry *b)
{
	return !strcmp(a->identity, b->identity) && a->start == b->start &&
	       a->sectors == b->sectors && !strcmp(a->name, b->name);
}

bool entry_is_top(const struct entry *e)
{
	return !strncmp(e->stack, "top:", 4);
}

bool entry_is_beneath(const struct entry *e)
{
	return e->stack[0] && !entry_is_top(e);
}

bool entry_is_meta(const struct entry *e)
{
	return !strncmp(e->stack, "meta:", 5);
}

/* Is @e part of the hold @name on the stacked volume @top? */
bool entry_in_stack(const struct entry *e, const char *top, const char *name)
{
	const char *colon = strchr(e->stack, ':');

	return colon && !strcmp(colon + 1, top) && !strcmp(e->name, name);
}

/* Does the retain entry @e give @held a later date or a stricter mode? */
static bool retain_later(const struct entry *held, const struct entry *e)
{
	uint64_t until, was_until = 0;
	uint8_t mode, was_mode = 0;

	if (retention_parse(e->retain, &mode, &until))
		return false;
	if (held->retain[0] && retention_parse(held->retain, &was_mode, &was_until))
		return false;
	return until >= was_until && mode >= was_mode;
}

/*
 * The holds the ledger keeps: every hold not released since. Past a
 * problem in the chain, releases are not believed (fail closed): every
 * hold the ledger ever recorded there stays. The caller frees *@out.
 */
size_t ledger_active(const struct ledger *l, const struct entry ***out)
{
	const struct entry **act = calloc(l->n + 1, sizeof(*act));
	size_t i, j, n = 0;

	*out = act;
	if (!act)
		return 0;
	for (i = 0; i < l->n; i++) {
		const struct entry *e = &l->e[i];

		for (j = 0; j < n && !entry_same_hold(act[j], e); j++)
			;
		if (!strcmp(e->op, "hold")) {
			if (j == n)
				act[n++] = e;
		} else if (!strcmp(e->op, "release") && j < n && i < l->intact) {
			act[j] = act[--n];
		} else if (!strcmp(e->op, "retain") && j < n && retain_later(act[j], e)) {
			act[j] = e;	/* the hold, with a later date */
		}
	}
	return n;
}

/*
 * After a change of the default store on a host with blkhold's initramfs
 * hook: the initramfs copy is stale until it is rebuilt.
 */
void store_remind_initramfs(void)
{
	if (strcmp(store_dir(), STORE_DEFAULT_DIR) ||
	    access("/usr/share/initramfs-tools/hooks/blkhold", F_OK))
		return;
	printf("the store changed: run 'update-initramfs -u' so that the initramfs copy has it from the next boot\n");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold fingerprint DEVICE --name NAME [--chunk SIZE] [--threads N] [--json]
 * blkhold fingerprint DEVICE --name NAME --verify [--chunks A-B] [--json]
 * blkhold fingerprint DEVICE --name NAME --beneath [--verify] [--json]
 *
 * A fingerprint of a held volume (fingerprint.c) kept in the store
 * (fp_store.c), and checks of the volume against it that name the first
 * chunk and sector that differ.
 */
#define _GNU_SOURCE		/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "blkhold.h"
#include "fp_store.h"
#include "verity.h"

#define FP_MAX_CHUNK	(64U << 20)
#define FP_MAX_THREADS	64
/* each thread reads a chunk into a buffer of its own */
#define FP_MAX_BUFFERS	(1ULL << 30)

struct fp_run {
	const struct args *args;
	struct device dev;
	struct entry e;			/* identity, range and hold name */
	uint32_t chunk;
	unsigned int threads;
	int fd;
	uint64_t offset;		/* where the volume starts in @fd */
	uint64_t bytes;
	struct timespec started;
	bool tty;			/* progress on stderr */
	bool verity;			/* --format verity */
	bool listed;			/* one of several in a JSON list */
	char label[4096 + 64];		/* the volume for people: "/dev/vdb sectors 0-99" */
};

/* "1M", "64K", "4096": a multiple of 4096 up to 64 MiB. */
static int parse_chunk(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (errno || end == s || *end || !v || v % 4096 || v > FP_MAX_CHUNK)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static int run_options(struct fp_run *run)
{
	const struct args *args = run->args;
	unsigned long long threads;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	run->chunk = FP_DEFAULT_CHUNK;
	if (args->chunk && parse_chunk(args->chunk, &run->chunk)) {
		fail(args->device, "--chunk needs a size that is a multiple of 4096 up to 64M (\"1M\", \"64K\"), not '%s'",
		     args->chunk);
		return -1;
	}
	/* two a core: one reads while the other hashes */
	run->threads = cpus > 0 ? 2 * cpus : 2;
	if (run->threads > FP_MAX_THREADS)
		run->threads = FP_MAX_THREADS;
	if (run->threads > FP_MAX_BUFFERS / run->chunk)
		run->threads = FP_MAX_BUFFERS / run->chunk;
	if (args->threads) {
		if (parse_count(args->threads, FP_MAX_THREADS, &threads) || !threads) {
			fail(args->device, "--threads needs a number from 1 to %d, not '%s'",
			     FP_MAX_THREADS, args->threads);
			return -1;
		}
		if (threads * run->chunk > FP_MAX_BUFFERS) {
			fail(args->device, "--threads %llu with --chunk of %u KiB would need %llu MiB of buffers; at most %llu",
			     threads, run->chunk >> 10, (threads * run->chunk) >> 20,
			     FP_MAX_BUFFERS >> 20);
			return -1;
		}
		run->threads = threads;
	}
	run->verity = args->format && !strcmp(args->format, "verity");
	if (args->format && !run->verity && strcmp(args->format, "merkle")) {
		fail(args->device, "--format is merkle (the default) or verity, not '%s'", args->format);
		return -1;
	}
	if (run->verity != !!args->out || (run->verity && (args->verify || args->chunk))) {
		fail(args->device, "--format verity goes with --out HASHFILE, and alone");
		return -1;
	}
	if (args->verify && args->chunk) {
		fail(args->device, "--chunk goes with a new fingerprint; --verify uses the stored one's");
		return -1;
	}
	if (!args->verify && args->chunks) {
		fail(args->device, "--chunks goes with --verify");
		return -1;
	}
	if (args->beneath && (run->verity || args->chunks)) {
		fail(args->device, "--beneath fingerprints or checks every range beneath whole: not with --format verity or --chunks");
		return -1;
	}
	return 0;
}

/* A fingerprint is of a held volume: @dev must carry the hold @name. */
static int check_held(const struct device *dev, const char *name)
{
	struct volume_list list = { 0 };
	const struct volume *v;
	bool held;

	if (volumes_fetch(&list))
		return -1;
	v = volumes_find(&list, dev);
	held = v && volume_hold(v, name);
	volumes_free(&list);
	if (!held)
		fail(dev->path, "the volume has no hold named '%s' ('blkhold status %s' lists its holds): a fingerprint is of a held volume",
		     name, dev->path);
	return held ? 0 : -1;
}

static int open_volume(struct fp_run *run)
{
	unsigned int lbs = 512;

	run->fd = open(run->dev.canon, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (run->fd < 0) {
		fail(run->label, "cannot open for direct reads: %s", strerror(errno));
		return -1;
	}
	if (ioctl(run->fd, BLKGETSIZE64, &run->bytes) || ioctl(run->fd, BLKSSZGET, &lbs)) {
		fail(run->label, "cannot read the volume's size: %s", strerror(errno));
		return -1;
	}
	if (run->chunk % lbs) {
		fail(run->label, "--chunk must be a multiple of the volume's %u-byte blocks", lbs);
		return -1;
	}
	return 0;
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* "  512.0 MiB of 1.0 GiB  210.3 MiB/s  0:03 left" on one line of stderr */
static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct fp_run *run = arg;
	double secs = seconds_since(&run->started);
	double rate = secs > 0 ? done / secs : 0;
	char a[32], b[32], r[32];
	unsigned long left = rate > 0 ? (total - done) / rate : 0;

	format_size(done, a, sizeof(a));
	format_size(total, b, sizeof(b));
	format_size(rate, r, sizeof(r));
	fprintf(stderr, "\r%s: %s of %s  %s/s  %lu:%02lu left\033[K", run->label,
		a, b, r, left / 60, left % 60);
	if (done == total)
		fputs("\r\033[K", stderr);
}

/* Hash chunks [@first, @first + @count) of the volume into @leaves. */
static int hash_volume(struct fp_run *run, fp_digest *leaves, uint64_t first,
		       uint64_t count)
{
	struct fp_read r = {
		.fd = run->fd, .offset = run->offset, .bytes = run->bytes, .chunk = run->chunk,
		.first = first, .count = count, .threads = run->threads,
		.leaves = leaves,
		.progress = run->tty ? show_progress : NULL, .progress_arg = run,
	};

	clock_gettime(CLOCK_MONOTONIC, &run->started);
	if (!fp_hash(&r))
		return 0;
	if (run->tty)
		fputs("\r\033[K", stderr);
	fail(run->label, "%s (sector %" PRIu64 " of the volume): nothing was recorded",
	     r.why, r.failed_chunk * (run->chunk / 512));
	return -1;
}

/* The start of every JSON document or list item: {"device":...,"name":... */
static void json_begin(const struct fp_run *run)
{
	printf("{\"device\":");
	json_string(stdout, run->dev.path);
	printf(",\"name\":");
	json_string(stdout, run->e.name);
}

static void print_fingerprint(const struct fp_run *run, const struct fp_record *rec,
			      const char *path, double secs, uint64_t seq)
{
	uint64_t chunks = fp_chunks(rec->bytes, rec->chunk);
	double rate = secs > 0 ? rec->bytes / secs : 0;
	char size[32], chunk[32], speed[32];

	if (run->args->json) {
		json_begin(run);
		printf(",\"identity\":");
		json_string(stdout, run->e.identity);
		printf(",\"start\":%" PRIu64 ",\"sectors\":%" PRIu64 ",\"algorithm\":\"%s\""
		       ",\"chunk\":%" PRIu32 ",\"chunks\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"root\":\"%s\",\"leaves_file\":", run->e.start, run->e.sectors,
		       FP_ALGORITHM, rec->chunk, chunks, rec->bytes, rec->root);
		json_string(stdout, path);
		printf(",\"leaves_sha256\":\"%s\",\"threads\":%u,\"seconds\":%.3f"
		       ",\"bytes_per_second\":%.0f,\"ledger_seq\":%" PRIu64 "}%s",
		       rec->leaves, run->threads, secs, rate, seq, run->listed ? "" : "\n");
		return;
	}
	format_size(rec->bytes, size, sizeof(size));
	format_size(rec->chunk, chunk, sizeof(chunk));
	format_size(rate, speed, sizeof(speed));
	printf("%s: fingerprint of hold '%s': root %s\n"
	       "  %s in %" PRIu64 " chunks of %s, read in %.1f s (%s/s, %u threads)\n"
	       "  leaves in %s; root recorded in the ledger (entry %" PRIu64 ")\n",
	       run->label, run->e.name, rec->root, size, chunks, chunk, secs, speed,
	       run->threads, path, seq);
}

static int fingerprint_new(struct fp_run *run)
{
	struct fp_record rec = { .chunk = run->chunk, .bytes = run->bytes };
	uint64_t n = fp_chunks(run->bytes, run->chunk);
	fp_digest *leaves = malloc(n ? n * SHA256_LEN : 1), root;
	char path[4096 + 64];
	struct ledger l;
	double secs;
	int err = -1;

	if (!leaves) {
		fail(run->label, "no memory for %" PRIu64 " leaves", n);
		return -1;
	}
	/* the store is locked only to record: holds can be placed meanwhile */
	if (hash_volume(run, leaves, 0, n))
		goto out;
	secs = seconds_since(&run->started);
	if (ledger_open(&l, true))
		goto out;
	fp_root(leaves, n, root);
	sha256_to_hex(root, rec.root);
	fp_leaves_path(&run->e, path, sizeof(path));
	err = fp_leaves_write(path, &rec, leaves);
	if (err) {
		fail(path, "cannot write the leaves: %s; nothing was recorded", strerror(-err));
		err = -1;
		goto close;
	}
	fp_record_format(&rec, run->e.reason, sizeof(run->e.reason));
	err = ledger_append(&l, &run->e);
	if (!err)
		print_fingerprint(run, &rec, path, secs, run->e.seq);
close:
	ledger_close(&l);
out:
	free(leaves);
	return err;
}

struct fp_check {
	uint64_t first, last;		/* the chunks checked */
	uint64_t differing, first_differing;
	bool whole;
};

/* "A-B" or "A": chunks of the volume, from 0. */
static int check_range(const struct fp_run *run, uint64_t n, struct fp_check *c)
{
	unsigned long long a, b;
	const char *s = run->args->chunks;
	char first[32];
	const char *dash = s ? strchr(s, '-') : NULL;

	c->first = 0;
	c->last = n ? n - 1 : 0;
	if (!s)
		return 0;
	snprintf(first, sizeof(first), "%.*s", dash ? (int)(dash - s) : (int)strlen(s), s);
	if (parse_count(first, UINT64_MAX, &a) ||
	    parse_count(dash ? dash + 1 : first, UINT64_MAX, &b) || a > b || b >= n) {
		fail(run->label, "--chunks needs A-B (or A) with A <= B < %" PRIu64 ", the volume's chunks, not '%s'",
		     n, s);
		return -1;
	}
	c->first = a;
	c->last = b;
	return 0;
}

static void compare_leaves(const fp_digest *stored, const fp_digest *now, struct fp_check *c)
{
	uint64_t i;

	c->differing = 0;
	for (i = c->first; i <= c->last; i++) {
		if (!memcmp(stored[i], now[i], SHA256_LEN))
			continue;
		if (!c->differing++)
			c->first_differing = i;
	}
}

static void print_check(const struct fp_run *run, const struct fp_record *rec,
			const struct fp_check *c, double secs, uint64_t seq)
{
	uint64_t sector = c->first_differing * (rec->chunk / 512);
	uint64_t end = (c->first_differing + 1) * (uint64_t)rec->chunk;
	uint64_t last_sector = (end < rec->bytes ? end : rec->bytes) / 512 - 1;
	uint64_t checked = c->last - c->first + 1;

	if (run->args->json) {
		json_begin(run);
		printf(",\"start\":%" PRIu64 ",\"sectors\":%" PRIu64, run->e.start, run->e.sectors);
		printf(",\"root\":\"%s\",\"chunk\":%" PRIu32 ",\"chunks\":%" PRIu64
		       ",\"checked_first\":%" PRIu64 ",\"checked_last\":%" PRIu64
		       ",\"match\":%s,\"differing\":%" PRIu64, rec->root, rec->chunk,
		       fp_chunks(rec->bytes, rec->chunk), c->first, c->last,
		       c->differing ? "false" : "true", c->differing);
		if (c->differing)
			printf(",\"first_differing_chunk\":%" PRIu64
			       ",\"first_differing_sector\":%" PRIu64
			       ",\"first_differing_last_sector\":%" PRIu64
			       ",\"first_differing_disk_sector\":%" PRIu64,
			       c->first_differing, sector, last_sector,
			       sector + run->e.start);
		printf(",\"seconds\":%.3f,\"ledger_seq\":%" PRIu64 "}%s", secs, seq,
		       run->listed ? "" : "\n");
		return;
	}
	if (!c->differing) {
		printf("%s: fingerprint of hold '%s' verified: %" PRIu64 " of %" PRIu64
		       " chunks read, all match%s (root %s)\n", run->label, run->e.name,
		       checked, fp_chunks(rec->bytes, rec->chunk),
		       c->whole ? "; the root matches" : "", rec->root);
		return;
	}
	printf("%s: fingerprint of hold '%s' DIFFERS: chunk %" PRIu64 " (sectors %" PRIu64
	       "-%" PRIu64 " of the volume", run->label, run->e.name, c->first_differing,
	       sector, last_sector);
	if (run->e.start)
		printf(", %" PRIu64 "-%" PRIu64 " of the disk", sector + run->e.start,
		       last_sector + run->e.start);
	printf(") is the first of %" PRIu64 " of the %" PRIu64 " chunks read that differ\n",
	       c->differing, checked);
}

/* The stored fingerprint of the hold, its leaves checked against the ledger. */
static fp_digest *stored_fingerprint(struct fp_run *run, const struct ledger *l,
				     struct fp_record *rec)
{
	const struct entry *latest = fp_latest(l, &run->e);
	char path[4096 + 64], why[4096 + 256], hex[SHA256_HEX_LEN + 1];
	fp_digest *leaves, root;

	if (!latest) {
		fail(run->label, "the ledger has no fingerprint of hold '%s' of this volume: make one with 'blkhold fingerprint %s --name %s%s'",
		     run->e.name, run->args->device, run->e.name,
		     run->args->beneath ? " --beneath" : "");
		return NULL;
	}
	if (fp_record_parse(latest->reason, rec)) {
		fail(run->label, "ledger entry %" PRIu64 " is not a fingerprint this blkhold reads",
		     latest->seq);
		return NULL;
	}
	if (rec->bytes != run->bytes) {
		fail(run->label, "the volume has %" PRIu64 " bytes now, the fingerprint was of %" PRIu64,
		     run->bytes, rec->bytes);
		return NULL;
	}
	fp_leaves_path(&run->e, path, sizeof(path));
	leaves = fp_leaves_read(path, rec, why, sizeof(why));
	if (!leaves) {
		fail(run->label, "%s", why);
		return NULL;
	}
	fp_root(leaves, fp_chunks(rec->bytes, rec->chunk), root);
	sha256_to_hex(root, hex);
	if (strcmp(hex, rec->root)) {
		fail(path, "the leaves do not give the root the ledger records");
		free(leaves);
		return NULL;
	}
	run->chunk = rec->chunk;
	return leaves;
}

static int fingerprint_verify(struct fp_run *run)
{
	fp_digest *stored = NULL, *now = NULL;
	struct fp_check c = { 0 };
	struct fp_record rec;
	struct ledger l;
	uint64_t n;
	double secs;
	int err = -1;

	if (ledger_open(&l, false))
		return -1;
	stored = stored_fingerprint(run, &l, &rec);
	ledger_close(&l);
	n = stored ? fp_chunks(rec.bytes, rec.chunk) : 0;
	if (!stored || check_range(run, n, &c))
		goto out;
	now = malloc(n ? n * SHA256_LEN : 1);
	if (!now) {
		fail(run->label, "no memory for %" PRIu64 " leaves", n);
		goto out;
	}
	if (hash_volume(run, now, c.first, c.last - c.first + 1))
		goto out;
	secs = seconds_since(&run->started);
	compare_leaves(stored, now, &c);
	c.whole = c.first == 0 && c.last + 1 == n;
	if (ledger_open(&l, true))
		goto out;
	snprintf(run->e.op, sizeof(run->e.op), "verify");
	if (c.differing)
		snprintf(run->e.reason, sizeof(run->e.reason),
			 "differ root=%s chunks=%" PRIu64 "-%" PRIu64 " differing=%" PRIu64
			 " first=%" PRIu64, rec.root, c.first, c.last, c.differing,
			 c.first_differing);
	else
		snprintf(run->e.reason, sizeof(run->e.reason),
			 "match root=%s chunks=%" PRIu64 "-%" PRIu64, rec.root, c.first, c.last);
	if (!ledger_append(&l, &run->e)) {
		print_check(run, &rec, &c, secs, run->e.seq);
		err = c.differing ? 1 : 0;
	}
	ledger_close(&l);
out:
	free(stored);
	free(now);
	return err;
}

/* --format verity: a dm-verity tree in --out, its root in the ledger. */
static int fingerprint_verity(struct fp_run *run)
{
	const char *out = run->args->out;
	struct fp_verity v = { .bytes = run->bytes };
	char why[4096 + 256];
	struct ledger l;
	double secs;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &run->started);
	if (verity_make(run->dev.canon, run->bytes, out, v.root, why, sizeof(why))) {
		fail(run->label, "%s; nothing was recorded", why);
		return -1;
	}
	secs = seconds_since(&run->started);
	err = sha256_file(out, v.tree);
	if (err || ledger_open(&l, true)) {
		if (err)
			fail(out, "cannot read the hash tree back: %s", strerror(-err));
		return -1;
	}
	fp_verity_format(&v, run->e.reason, sizeof(run->e.reason));
	err = ledger_append(&l, &run->e);
	ledger_close(&l);
	if (err)
		return -1;
	if (run->args->json) {
		json_begin(run);
		printf(",\"format\":\"verity\",\"bytes\":%" PRIu64 ",\"root\":\"%s\",\"hash_file\":",
		       v.bytes, v.root);
		json_string(stdout, out);
		printf(",\"hash_file_sha256\":\"%s\",\"seconds\":%.3f,\"ledger_seq\":%" PRIu64 "}\n",
		       v.tree, secs, run->e.seq);
	} else {
		printf("%s: dm-verity tree of hold '%s' in %s: root %s\n"
		       "  check it with: veritysetup verify %s %s %s\n",
		       run->dev.path, run->e.name, out, v.root, run->dev.path, out, v.root);
	}
	return 0;
}

/* Whether the kernel holds volume @v beneath @run's stacked volume for its hold. */
static bool held_for(const struct fp_run *run, const struct volume *v)
{
	size_t i;

	for (i = 0; i < v->nr_holds; i++)
		if (!strcmp(v->holds[i].via, run->dev.name) &&
		    !strcmp(v->holds[i].name, run->e.name))
			return true;
	return false;
}

/* The range @v of a disk beneath, as a volume of its own keyed by the disk's identity. */
static int open_beneath(const struct fp_run *run, const struct volume *v, struct fp_run *sub)
{
	struct args disk_args = *run->args;
	char node[64 + 8];

	*sub = *run;
	sub->fd = -1;
	/* the kernel names a range of a disk "DISK@START" */
	snprintf(node, sizeof(node), "/dev/%.*s", (int)strcspn(v->name, "@"), v->name);
	disk_args.device = node;
	if (device_resolve(&disk_args, &sub->dev))
		return -1;
	fp_identity(&sub->dev, &sub->e);
	sub->e.start = v->start;
	sub->e.sectors = v->sectors;
	if (open_volume(sub))
		return -1;
	sub->offset = v->start * 512;
	sub->bytes = v->sectors * 512;
	sub->listed = run->args->json;
	snprintf(sub->label, sizeof(sub->label), "%s sectors %" PRIu64 "-%" PRIu64,
		 sub->dev.path, v->start, v->start + v->sectors - 1);
	return 0;
}

/*
 * --beneath: each range the hold keeps on the disks beneath a stacked
 * volume, fingerprinted (or checked) as a volume of its own, keyed by its
 * disk's identity and sectors: what a third party reads off the disks
 * themselves. Ranges done before a failure stay recorded.
 */
static int fingerprint_beneath(struct fp_run *run)
{
	struct volume_list list = { 0 };
	struct fp_run sub;
	size_t i, n = 0;
	int err = 0, rc;

	if (volumes_fetch(&list))
		return -1;
	if (run->args->json) {
		json_begin(run);
		printf(",\"beneath\":[");
	}
	for (i = 0; i < list.n && err >= 0; i++) {
		if (!held_for(run, &list.v[i]))
			continue;
		if (run->args->json && n)
			putchar(',');
		n++;
		rc = open_beneath(run, &list.v[i], &sub);
		if (!rc)
			rc = run->args->verify ? fingerprint_verify(&sub) : fingerprint_new(&sub);
		if (sub.fd >= 0)
			close(sub.fd);
		err = rc < 0 ? rc : (rc > err ? rc : err);
	}
	if (run->args->json)
		printf("]}\n");
	volumes_free(&list);
	if (!n) {
		fail(run->label, "hold '%s' holds no ranges beneath this volume: --beneath is for a stacked volume",
		     run->e.name);
		return -1;
	}
	return err;
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct fp_run fp = { .fd = -1 };
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_JSON | OPT_VERIFY |
		       OPT_CHUNK | OPT_THREADS | OPT_CHUNKS | OPT_FORMAT | OPT_OUT |
		       OPT_BENEATH, &args))
		return -1;
	fp.args = &args;
	if (!args.name) {
		fail(args.device, "missing --name NAME: the hold whose volume to fingerprint");
		return -1;
	}
	if (run_options(&fp) || device_resolve(&args, &fp.dev) ||
	    check_held(&fp.dev, args.name))
		return -1;
	snprintf(fp.e.op, sizeof(fp.e.op), "fingerprint");
	snprintf(fp.e.name, sizeof(fp.e.name), "%s", args.name);
	fp_identity(&fp.dev, &fp.e);
	fp.tty = !args.json && isatty(STDERR_FILENO);
	snprintf(fp.label, sizeof(fp.label), "%s", fp.dev.path);
	if (args.beneath)
		return fingerprint_beneath(&fp);
	err = open_volume(&fp);
	if (!err)
		err = fp.verity ? fingerprint_verity(&fp) :
		      args.verify ? fingerprint_verify(&fp) : fingerprint_new(&fp);
	if (fp.fd >= 0)
		close(fp.fd);
	return err;
}

const struct command cmd_fingerprint = {
	.name = "fingerprint",
	.run = run,
	.usage = "DEVICE --name NAME [--chunk SIZE] [--threads N] [--json]\n"
		 "       blkhold fingerprint DEVICE --name NAME --verify [--chunks A-B] [--threads N] [--json]\n"
		 "       blkhold fingerprint DEVICE --name NAME --format verity --out HASHFILE [--json]\n"
		 "       blkhold fingerprint DEVICE --name NAME --beneath [--verify] [--json]",
	.help = "Reads the held volume with direct I/O and hashes it in chunks (default 1M) into\n"
		"a Merkle tree of SHA-256 (RFC 6962's: leaf SHA-256(0x00 || chunk), node\n"
		"SHA-256(0x01 || left || right)). The leaves go to STORE/fingerprints/, the root\n"
		"and the leaf file's SHA-256 to the ledger. --verify reads all chunks, or A to B,\n"
		"again, compares them with the stored leaves, records the result in the ledger\n"
		"and names the first chunk that differs and its sectors (exit status 1).\n"
		"--format verity writes a dm-verity hash tree (SHA-256, 4 KiB blocks) to HASHFILE\n"
		"instead and records its root: 'veritysetup verify DEVICE HASHFILE ROOT' checks\n"
		"the volume without blkhold. --beneath does the same for each range a stacked\n"
		"volume's hold keeps on the disks beneath it, each keyed by its disk's identity.",
	.summary = "fingerprint a held volume, or check it against its fingerprint",
};

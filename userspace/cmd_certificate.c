// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold certificate DEVICE --name NAME --sign KEY --cert CERT --out FILE
 *
 * A preservation certificate: what is held (the hold, the medium's
 * identity, the ranges), where (the host, its kernel, blkhold and its
 * module, Secure Boot), its fingerprint with every later check, the
 * ledger's head and the refusals so far, as JSON in FILE, signed apart in
 * FILE.p7s (detached CMS, DER) so that anyone can check it with
 * "openssl cms -verify" and nothing of blkhold.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "blkhold.h"
#include "fp_store.h"
#include "registry.h"

#define CERT_FORMAT	1
#define EFI_SECURE_BOOT	"/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

struct cert_facts {
	const struct device *dev;
	const struct volume *vol;
	const struct hold *hold;
	const struct volume_list *volumes;
	struct entry e;			/* identity and range, as fingerprints are kept */
	const struct ledger *ledger;
};

static void put_key(FILE *f, bool *first, const char *key)
{
	fprintf(f, "%s\"%s\":", *first ? "" : ",", key);
	*first = false;
}

static void put_str(FILE *f, bool *first, const char *key, const char *value)
{
	put_key(f, first, key);
	if (value && *value)
		json_string(f, value);
	else
		fputs("null", f);
}

static void put_u64(FILE *f, bool *first, const char *key, uint64_t value)
{
	put_key(f, first, key);
	fprintf(f, "%" PRIu64, value);
}

static void put_time(FILE *f, bool *first, const char *key, uint64_t epoch)
{
	char when[64];

	format_time(epoch, when, sizeof(when));
	put_str(f, first, key, when);
}

/* A sysfs attribute of the disk, or of the device under it. */
static void put_disk_attr(FILE *f, bool *first, const char *key, const char *disk,
			  const char *attr)
{
	char dir[128], value[256] = "";

	if (read_sysfs(disk, attr, value, sizeof(value))) {
		snprintf(dir, sizeof(dir), "%s/device", disk);
		read_sysfs(dir, attr, value, sizeof(value));
	}
	put_str(f, first, key, value);
}

/* sysfs directory of @dev's whole disk */
static void disk_dir(const struct device *dev, char *dir, size_t len)
{
	char part[128];

	snprintf(part, sizeof(part), "/sys/dev/block/%u:%u/partition", dev->major, dev->minor);
	snprintf(dir, len, "/sys/dev/block/%u:%u%s", dev->major, dev->minor,
		 access(part, F_OK) ? "" : "/..");
}

static void put_medium(FILE *f, const struct cert_facts *c)
{
	char disk[128], queue[160];
	uint64_t size = 0, lbs = 0, pbs = 0;
	bool first = true;

	disk_dir(c->dev, disk, sizeof(disk));
	snprintf(queue, sizeof(queue), "%s/queue", disk);
	read_sysfs_u64(disk, "size", &size);
	read_sysfs_u64(queue, "logical_block_size", &lbs);
	read_sysfs_u64(queue, "physical_block_size", &pbs);
	fputs(",\n\"medium\":{", f);
	put_str(f, &first, "identity", c->e.identity);
	put_disk_attr(f, &first, "vendor", disk, "vendor");
	put_disk_attr(f, &first, "model", disk, "model");
	put_disk_attr(f, &first, "serial", disk, "serial");
	put_disk_attr(f, &first, "wwid", disk, "wwid");
	put_disk_attr(f, &first, "eui", disk, "eui");
	put_disk_attr(f, &first, "nguid", disk, "nguid");
	put_disk_attr(f, &first, "firmware", disk, "firmware_rev");
	put_u64(f, &first, "capacity_sectors", size);
	put_u64(f, &first, "logical_block_size", lbs);
	put_u64(f, &first, "physical_block_size", pbs);
	fputc('}', f);
}

/* The volume's range, and for a stacked one each range beneath that holds its data. */
static void put_ranges(FILE *f, const struct cert_facts *c)
{
	bool first = true, first_range = true;
	size_t i, j;

	fputs(",\n\"volume\":{", f);
	put_str(f, &first, "device", c->dev->path);
	put_str(f, &first, "name", c->vol->name);
	put_u64(f, &first, "start", c->vol->start);
	put_u64(f, &first, "sectors", c->vol->sectors);
	put_key(f, &first, "held_beneath");
	fputc('[', f);
	for (i = 0; i < c->volumes->n; i++) {
		const struct volume *v = &c->volumes->v[i];

		for (j = 0; j < v->nr_holds; j++) {
			if (strcmp(v->holds[j].via, c->vol->name) ||
			    strcmp(v->holds[j].name, c->hold->name))
				continue;
			fprintf(f, "%s{\"device\":", first_range ? "" : ",");
			json_string(f, v->name);
			fprintf(f, ",\"start\":%" PRIu64 ",\"sectors\":%" PRIu64 "}",
				v->start, v->sectors);
			first_range = false;
		}
	}
	fputs("]}", f);
}

static void put_hold(FILE *f, const struct cert_facts *c)
{
	const struct hold *h = c->hold;
	bool first = true;

	fputs(",\n\"hold\":{", f);
	put_str(f, &first, "name", h->name);
	put_str(f, &first, "reason", h->reason);
	put_time(f, &first, "placed", h->ctime);
	put_u64(f, &first, "placed_by_uid", h->uid);
	put_u64(f, &first, "placed_by_pid", h->pid);
	put_str(f, &first, "placed_by_command", h->comm);
	put_key(f, &first, "stored");
	fputs(h->persistent ? "true" : "false", f);
	fputc('}', f);
}

/* The module file modules.dep names, and its SHA-256: "" when it names none. */
static void module_file(const char *release, char *path, size_t len, char *hex)
{
	char dep[300], line[1024];
	FILE *f;

	path[0] = hex[0] = '\0';
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", release);
	f = fopen(dep, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *base;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		if (!strcmp(base, "blkhold.ko") || !strncmp(base, "blkhold.ko.", 11)) {
			snprintf(path, len, "/lib/modules/%s/%s", release, line);
			break;
		}
	}
	if (f)
		fclose(f);
	if (path[0] && sha256_file(path, hex))
		path[0] = hex[0] = '\0';
}

static const char *secure_boot(void)
{
	unsigned char var[5];
	FILE *f = fopen(EFI_SECURE_BOOT, "re");
	size_t n = f ? fread(var, 1, sizeof(var), f) : 0;

	if (f)
		fclose(f);
	if (access("/sys/firmware/efi", F_OK))
		return "no EFI";
	return n == sizeof(var) && var[4] == 1 ? "enabled" : "disabled";
}

static void put_host(FILE *f)
{
	char host[256] = "", machine[64] = "", lockdown[128] = "", srcversion[64] = "";
	char path[4096], hex[SHA256_HEX_LEN + 1];
	struct utsname u;
	bool first = true;

	gethostname(host, sizeof(host) - 1);
	read_sysfs("/etc", "machine-id", machine, sizeof(machine));
	read_sysfs("/sys/kernel/security", "lockdown", lockdown, sizeof(lockdown));
	read_sysfs("/sys/module/blkhold", "srcversion", srcversion, sizeof(srcversion));
	uname(&u);
	module_file(u.release, path, sizeof(path), hex);
	fputs(",\n\"host\":{", f);
	put_str(f, &first, "hostname", host);
	put_str(f, &first, "machine_id", machine);
	put_str(f, &first, "kernel", u.release);
	put_str(f, &first, "kernel_version", u.version);
	put_str(f, &first, "blkhold_version", BLKHOLD_VERSION);
	put_str(f, &first, "module_srcversion", srcversion);
	put_str(f, &first, "module_file", path);
	put_str(f, &first, "module_sha256", hex);
	put_str(f, &first, "secure_boot", secure_boot());
	put_str(f, &first, "lockdown", lockdown);
	fputc('}', f);
}

/* The newest fingerprint of the hold and every check against it since. */
static void put_fingerprint(FILE *f, const struct cert_facts *c)
{
	const struct entry *fp = fp_latest(c->ledger, &c->e);
	const struct ledger *l = c->ledger;
	struct fp_record rec;
	bool first = true, first_check = true;
	size_t i;

	fputs(",\n\"fingerprint\":", f);
	if (!fp || fp_record_parse(fp->reason, &rec)) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	put_str(f, &first, "algorithm", FP_ALGORITHM);
	put_u64(f, &first, "chunk", rec.chunk);
	put_u64(f, &first, "bytes", rec.bytes);
	put_str(f, &first, "root", rec.root);
	put_str(f, &first, "leaves_sha256", rec.leaves);
	put_time(f, &first, "made", fp->time);
	put_u64(f, &first, "ledger_seq", fp->seq);
	put_key(f, &first, "verifications");
	fputc('[', f);
	for (i = fp - l->e + 1; i < l->n; i++) {
		const struct entry *v = &l->e[i];
		char when[64];

		if (strcmp(v->op, "verify") || !entry_same_hold(v, &c->e))
			continue;
		format_time(v->time, when, sizeof(when));
		fprintf(f, "%s{\"time\":\"%s\",\"ledger_seq\":%" PRIu64 ",\"result\":",
			first_check ? "" : ",", when, v->seq);
		json_string(f, v->reason);
		fputc('}', f);
		first_check = false;
	}
	fputs("]}", f);
}

/* The newest dm-verity tree of the hold: its root and the tree file's hash. */
static void put_verity(FILE *f, const struct cert_facts *c)
{
	const struct entry *e = fp_latest_of(c->ledger, &c->e, FP_VERITY);
	struct fp_verity v;
	bool first = true;

	fputs(",\n\"verity\":", f);
	if (!e || fp_verity_parse(e->reason, &v)) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	put_str(f, &first, "algorithm", FP_VERITY);
	put_u64(f, &first, "block", FP_VERITY_BLOCK);
	put_u64(f, &first, "bytes", v.bytes);
	put_str(f, &first, "root", v.root);
	put_str(f, &first, "hash_file_sha256", v.tree);
	put_time(f, &first, "made", e->time);
	put_u64(f, &first, "ledger_seq", e->seq);
	fputc('}', f);
}

static void put_ledger_and_refusals(FILE *f, const struct cert_facts *c)
{
	bool first = true;
	int k;

	fputs(",\n\"ledger\":{", f);
	put_str(f, &first, "head", ledger_head(c->ledger));
	put_u64(f, &first, "entries", c->ledger->n);
	fputc('}', f);
	first = true;
	fputs(",\n\"refused\":{", f);
	put_u64(f, &first, "total", volume_refused_total(c->vol));
	for (k = 0; k < __BLKHOLD_KIND_MAX; k++)
		if (kind_names[k])
			put_u64(f, &first, kind_names[k], c->vol->refused[k]);
	fputc('}', f);
}

/* The certificate's JSON, in one allocated buffer: what is signed is what is written. */
static char *certificate_text(const struct cert_facts *c, size_t *len)
{
	char *text = NULL;
	bool first = true;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	fputs("{\n", f);
	put_str(f, &first, "certificate", "blkhold preservation certificate");
	put_u64(f, &first, "format", CERT_FORMAT);
	put_time(f, &first, "issued", time(NULL));
	put_hold(f, c);
	put_medium(f, c);
	put_ranges(f, c);
	put_host(f);
	put_fingerprint(f, c);
	put_verity(f, c);
	put_ledger_and_refusals(f, c);
	fputs("\n}\n", f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* FILE and FILE.p7s, or neither. */
static int write_signed(const struct args *args, const char *text, size_t len)
{
	int err = write_file_atomic(args->out, text, len, 0644);

	if (err) {
		fail(args->out, "cannot write the certificate: %s", strerror(-err));
		return -1;
	}
	if (sign_into(args->out, text, len, args->sign, args->cert)) {
		unlink(args->out);
		return -1;
	}
	return 0;
}

static int issue(const struct args *args, struct cert_facts *c)
{
	size_t len;
	char *text = certificate_text(c, &len);
	int err;

	if (!text) {
		fail(args->out, "no memory for the certificate");
		return -1;
	}
	err = write_signed(args, text, len);
	free(text);
	if (err)
		return -1;
	printf("%s: certificate of hold '%s' in %s, signed in %s.p7s%s\n", c->dev->path,
	       c->hold->name, args->out, args->out,
	       fp_latest(c->ledger, &c->e) ? "" :
	       " (no fingerprint yet: 'blkhold fingerprint' first to record the data's)");
	return 0;
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list volumes = { 0 };
	struct cert_facts c = { 0 };
	struct device dev;
	struct ledger l;
	struct args args;
	int err = -1;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_SIGN | OPT_CERT | OPT_OUT,
		       &args))
		return -1;
	if (!args.name || !args.sign || !args.cert || !args.out) {
		fail(args.device, "needs --name NAME, --sign KEY, --cert CERT and --out FILE");
		return -1;
	}
	if (device_resolve(&args, &dev) || volumes_fetch(&volumes))
		return -1;
	c.dev = &dev;
	c.volumes = &volumes;
	c.vol = volumes_find(&volumes, &dev);
	c.hold = c.vol ? volume_hold(c.vol, args.name) : NULL;
	if (!c.hold) {
		fail(dev.path, "the volume has no hold named '%s': a certificate is of a held volume",
		     args.name);
		goto out;
	}
	snprintf(c.e.name, sizeof(c.e.name), "%s", args.name);
	fp_identity(&dev, &c.e);
	if (ledger_open(&l, false))
		goto out;
	c.ledger = &l;
	err = issue(&args, &c);
	ledger_close(&l);
out:
	volumes_free(&volumes);
	return err;
}

const struct command cmd_certificate = {
	.name = "certificate",
	.run = run,
	.usage = "DEVICE --name NAME --sign KEY --cert CERT --out FILE",
	.help = "Writes FILE, JSON: the hold, the medium's identity, the held ranges, the host,\n"
		"the newest fingerprint and every check since, the ledger's head and the\n"
		"refusals counted; and FILE.p7s, its detached CMS signature (DER) by KEY with\n"
		"CERT. Check it without blkhold:\n"
		"  openssl cms -verify -binary -inform DER -in FILE.p7s -content FILE \\\n"
		"      -CAfile CERT -purpose any -out /dev/null",
	.summary = "a signed preservation certificate of a held volume",
};

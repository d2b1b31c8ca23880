// SPDX-License-Identifier: GPL-2.0
/* blkhold hold DEVICE --name NAME [--reason TEXT] [--transient] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "custody.h"
#include "hold.h"
#include "retention.h"
#include "store.h"

/* Refuse a name the volume has already, stored or not, before writing. */
static int check_unheld(const struct device *dev, const char *name)
{
	struct volume_list list;
	int held;

	if (volumes_fetch(&list))
		return -1;
	held = volume_hold(volumes_find(&list, dev), name) != NULL;
	volumes_free(&list);
	if (held)
		fail(dev->path, "the volume already has a hold of that name ('%s')", name);
	return held ? -1 : 0;
}

/* A stored hold's custodians: their certificates kept, the ledger naming them. */
static int keep_custodians(const struct args *args, struct entry *e)
{
	struct blob certs = { 0 };
	int err;

	if (!args->nr_release_certs)
		return 0;
	err = custody_from_args(args, &certs, e);
	blob_free(&certs);
	return err;
}

/*
 * Hold the stored hold @held again with the retention date of @want: the
 * kernel first (it never makes a date earlier), then the ledger.
 */
static int extend_retention(struct ledger *l, const struct entry *held,
			    const struct entry *want, const char *what)
{
	struct entry e = *held;
	char errmsg[256];
	int err;

	snprintf(e.op, sizeof(e.op), "retain");
	snprintf(e.retain, sizeof(e.retain), "%s", want->retain);
	err = record_retain(&e, errmsg, sizeof(errmsg));
	if (err) {
		fail(what, "%s ('%s')", errmsg, e.name);
		return -1;
	}
	if (ledger_append(l, &e))
		return -1;
	printf("%s: hold '%s' now retained in the store and the kernel: %s\n", what, e.name,
	       e.retain);
	return 0;
}

/* The stored hold @e names, if the ledger keeps it; NULL when not. */
static const struct entry *find_stored(const struct ledger *l, const struct entry *e)
{
	const struct entry **active, *found = NULL;
	size_t i, n = ledger_active(l, &active);

	for (i = 0; i < n && !found; i++)
		if (entry_same_hold(active[i], e))
			found = active[i];
	free(active);
	return found;
}

/*
 * A retention date for a hold the store keeps already extends it: 1 when
 * it did, 0 when the store has no such hold, -1 on error (printed).
 */
static int extend_if_stored(const struct args *args, const struct entry *e,
			    const char *what)
{
	const struct entry *held;
	struct ledger l;
	int err;

	if (!e->retain[0] || args->nr_release_certs)
		return 0;
	if (ledger_open(&l, true))
		return -1;
	held = find_stored(&l, e);
	err = held ? extend_retention(&l, held, e, what) : 0;
	ledger_close(&l);
	return held ? (err ? -1 : 1) : 0;
}

/*
 * The store first, then the kernel: when the held volume carries /etc
 * itself, the store can no longer be written once the hold is in force.
 * A hold the kernel refuses is then released in the store, saying why.
 */
static int hold_stored(const struct args *args, const struct device *dev)
{
	struct entry e = { .op = "hold" };
	char errmsg[256];
	struct ledger l;
	int err = -1;

	snprintf(e.name, sizeof(e.name), "%s", args->name);
	snprintf(e.reason, sizeof(e.reason), "%s", args->reason ? args->reason : "");
	if (device_identity(dev, &e) || retention_from_args(args, &e, dev->path))
		return -1;
	err = extend_if_stored(args, &e, dev->path);
	if (err)
		return err;
	err = -1;
	if (check_unheld(dev, args->name) || ledger_open(&l, true))
		return -1;
	if (keep_custodians(args, &e)) {
		ledger_close(&l);
		return -1;
	}
	if (find_stored(&l, &e)) {
		fail(dev->path, "the volume already has a stored hold of that name ('%s')", e.name);
		goto out;
	}
	if (ledger_append(&l, &e))
		goto out;
	err = record_request(BLKHOLD_CMD_RECORD_ADD, &e, dev, errmsg, sizeof(errmsg));
	if (err) {
		struct entry undo = e;

		snprintf(undo.op, sizeof(undo.op), "release");
		snprintf(undo.reason, sizeof(undo.reason), "not placed: %.200s", errmsg);
		fail(dev->path, "%s ('%s')%s", errmsg, e.name,
		     ledger_append(&l, &undo) ? "; the store still records the hold" : "");
		err = -1;
	}
out:
	ledger_close(&l);
	return err;
}

/* "START+COUNT" in sectors. */
static int parse_sectors(const char *spec, uint64_t *start, uint64_t *count)
{
	char *plus, *end;

	errno = 0;
	*start = strtoull(spec, &plus, 10);
	if (errno || plus == spec || *plus != '+' || *spec == '-')
		return -1;
	*count = strtoull(plus + 1, &end, 10);
	if (errno || end == plus + 1 || *end || plus[1] == '-' || !*count ||
	    *start + *count < *start || *start + *count > LEDGER_WHOLE_DISK)
		return -1;
	return 0;
}

/*
 * A stored hold on a disk named by its identity, which need not be here:
 * a ledger entry, armed now if blkhold is loaded here and we may. Any
 * ledger is a registry (--state-dir), written without the module or root.
 */
static int hold_identity(const struct args *args)
{
	struct entry e = { .op = "hold" };
	const char *why;
	char errmsg[256];
	struct ledger l;
	int err;

	why = identity_problem(args->identity);
	if (why) {
		fail(args->identity, "--identity %s (as 'blkhold list --json' shows them)", why);
		return -1;
	}
	snprintf(e.identity, sizeof(e.identity), "%s", args->identity);
	snprintf(e.name, sizeof(e.name), "%s", args->name);
	snprintf(e.reason, sizeof(e.reason), "%s", args->reason ? args->reason : "");
	e.sectors = LEDGER_WHOLE_DISK;	/* the whole disk, whatever its size */
	if (args->sectors && parse_sectors(args->sectors, &e.start, &e.sectors)) {
		fail(args->identity, "--sectors needs START+COUNT in 512-byte sectors, COUNT above 0, not '%s'",
		     args->sectors);
		return -1;
	}
	if (args->transient) {
		fail(args->identity, "a hold by identity is a stored one: --transient does not apply");
		return -1;
	}
	if (retention_from_args(args, &e, args->identity))
		return -1;
	err = extend_if_stored(args, &e, args->identity);
	if (err)
		return err < 0 ? -1 : 0;
	if (ledger_open(&l, true))
		return -1;
	if (find_stored(&l, &e)) {
		fail(args->identity, "the store already has that hold ('%s')", e.name);
		ledger_close(&l);
		return -1;
	}
	if (keep_custodians(args, &e)) {
		ledger_close(&l);
		return -1;
	}
	err = ledger_append(&l, &e);
	if (!err) {
		err = record_request(BLKHOLD_CMD_RECORD_ADD, &e, NULL, errmsg, sizeof(errmsg));
		if (err == -ENOENT || err == -EPERM) {
			printf("%s: hold '%s' stored in %s; not armed here (%s)\n",
			       e.identity, e.name, l.path, errmsg);
			err = 0;
		} else if (err) {
			struct entry undo = e;

			snprintf(undo.op, sizeof(undo.op), "release");
			snprintf(undo.reason, sizeof(undo.reason), "not placed: %.200s", errmsg);
			fail(e.identity, "%s ('%s')%s", errmsg, e.name,
			     ledger_append(&l, &undo) ? "; the store still records the hold" : "");
		} else {
			printf("%s: hold '%s' stored and armed: held from the moment the disk is here\n",
			       e.identity, e.name);
		}
	}
	ledger_close(&l);
	return err ? -1 : 0;
}

/*
 * A device-mapper volume or md array: its own hold freezes its map, then
 * the ranges beneath are held, down to the disks (stack.c); a stored one
 * stores them (stack_store.c).
 */
static int hold_stacked(const struct args *args, const struct device *dev)
{
	if (args->nr_release_certs) {
		fail(dev->path, "custodians (--release-cert) are for holds on disks and partitions; a stacked volume's hold cannot have them yet");
		return -1;
	}
	if (args->retain_until || args->mode) {
		fail(dev->path, "a retention date (--retain-until) is for holds on disks and partitions; a stacked volume's hold cannot have one yet");
		return -1;
	}
	if (check_unheld(dev, args->name))
		return -1;
	if (!args->transient)
		return stack_hold_stored(args, dev);
	if (hold_request(BLKHOLD_CMD_HOLD_ADD, args, dev))
		return -1;
	return stack_hold(args, dev, NULL);
}

/* A device whose data lives elsewhere: said in one line, before the hold. */
static void warn_storage_elsewhere(const struct args *args, const struct device *dev)
{
	const char *where = storage_elsewhere(dev);

	if (where)
		warn(dev->path, "its data lives in %s, which this hold does not reach", where);
	else if (loop_is(dev) && args->device_only)
		warn(dev->path, "its backing file stays writable through its filesystem (--device-only)");
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct device dev;
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_REASON |
		       OPT_TRANSIENT | OPT_DEVICE_ONLY | OPT_IDENTITY | OPT_SECTORS |
		       OPT_RELEASE_CERT | OPT_RETAIN_UNTIL | OPT_MODE, &args) ||
	    check_hold_args(&args))
		return -1;
	if (args.transient && (args.retain_until || args.mode)) {
		fail(args.device, "a retention date outlives reboots: it is for a stored hold, not --transient");
		return -1;
	}
	if (args.identity)
		return hold_identity(&args);
	if (device_resolve(&args, &dev))
		return -1;
	warn_storage_elsewhere(&args, &dev);
	if (stack_is_dm(&dev) || stack_is_md(&dev) ||
	    (loop_is(&dev) && args.transient && !args.device_only)) {
		if (hold_stacked(&args, &dev))
			return -1;
	} else {
		err = md_refuse_member_hold(&dev) ? -1 :
		      args.transient ? hold_request(BLKHOLD_CMD_HOLD_ADD, &args, &dev) :
		      hold_stored(&args, &dev);
		if (err == 1)	/* a stored hold's date extended */
			store_remind_initramfs();
		if (err)
			return err < 0 ? -1 : 0;
	}
	device_warn_writers(&dev);
	if (strcmp(dev.path, dev.canon))
		printf("%s (%s): hold '%s' placed%s\n", dev.path, dev.canon, args.name,
		       args.transient ? " (transient: until reboot or re-plug)" : "");
	else
		printf("%s: hold '%s' placed%s\n", dev.path, args.name,
		       args.transient ? " (transient: until reboot or re-plug)" : "");
	if (!args.transient)
		store_remind_initramfs();
	return 0;
}

const struct command cmd_hold = {
	.name = "hold",
	.run = run,
	.usage = "DEVICE|--identity ID [--sectors START+COUNT] --name NAME [--reason TEXT]\n"
		 "       [--transient] [--device-only] [--release-cert CERT]...\n"
		 "       [--retain-until DATE --mode governance|compliance]",
	.help = "The hold is stored (writes STATE_DIR/ledger, locks STATE_DIR/lock) and bound\n"
		"to the disk's identity and the volume's sectors: it comes back after a reboot\n"
		"or re-plug. --transient keeps it in the kernel's memory only and touches no file.\n"
		"A loop device's hold also holds its backing file's extents on the disk beneath,\n"
		"and is refused where they cannot be held; --device-only holds the device alone.\n"
		"--identity ID stores a hold on the disk with that identity (SOURCE=VALUE as\n"
		"'list --json' shows it), here or not, its sectors START+COUNT or all of it;\n"
		"neither the module nor root is needed to write it into a store (a registry),\n"
		"and it is armed at once where both are.\n"
		"--release-cert CERT (X.509, PEM or DER, up to 8): the hold's custodians. It is\n"
		"then released only with an order one of them signed (see 'release-order');\n"
		"their certificates are kept in STATE_DIR/certs.\n"
		"--retain-until DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC, or @SECONDS) with\n"
		"--mode: compliance, no release before DATE by anyone; governance, before DATE\n"
		"only on a custodian's order or by 'release --override'. DATE is read on the\n"
		"kernel's retention clock, which setting the system time does not move forward.\n"
		"Holding a stored hold again with a later DATE (or governance made compliance)\n"
		"extends it; a date is never made earlier.",
	.summary = "place a hold: from now on nothing may change DEVICE's data",
};

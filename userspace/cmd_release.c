// SPDX-License-Identifier: GPL-2.0
/* blkhold release DEVICE --name NAME [--reason TEXT] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "custody.h"
#include "hold.h"
#include "store.h"

/* Which stored holds a release means: an identity, a name, maybe a range. */
struct release_key {
	struct entry e;
	bool any_range;
	const char *reason;
	const char *what;	/* for messages: the DEVICE argument */
	const struct blob *order;	/* a custodian's signed order, or NULL */
	bool override;		/* before a governance date, without custodians */
};

static bool key_matches(const struct release_key *k, const char *identity,
			uint64_t start, uint64_t sectors, const char *name)
{
	return !strcmp(identity, k->e.identity) && !strcmp(name, k->e.name) &&
	       (k->any_range || (start == k->e.start && sectors == k->e.sectors));
}

/*
 * The kernel first (it checks the caller's privilege), then the store. A
 * store that cannot be written gets the hold armed again: the ledger and
 * the kernel never disagree because of a failed release.
 */
static int release_one(struct ledger *l, const struct release_key *k,
		       const struct entry *held)
{
	struct entry e = *held;
	char errmsg[256];
	int err;

	/* the kernel logs the release's reason, and override needs one */
	snprintf(e.reason, sizeof(e.reason), "%s", k->reason ? k->reason : "");
	e.override = k->override;
	err = record_release(&e, k->order, errmsg, sizeof(errmsg));
	if (err && err != -ENOENT) {
		fail(k->what, "%s ('%s')", errmsg, held->name);
		return -1;
	}
	/* only the kernel checks orders and dates: without it armed, nothing may end it */
	if (err && (held->custody[0] || held->retain[0])) {
		fail(k->what, "the hold '%s' has %s and is not armed here (%s): it is released only where blkhold is loaded and has armed it ('blkhold restore')",
		     held->name, held->custody[0] ? "custodians" : "a retention date", errmsg);
		return -1;
	}
	snprintf(e.op, sizeof(e.op), "release");
	e.custody[0] = '\0';
	e.retain[0] = '\0';
	if ((k->order && held->custody[0] && order_keep(k->order, &e)) ||
	    ledger_append(l, &e)) {
		if (!err)
			record_request(BLKHOLD_CMD_RECORD_ADD, held, NULL, errmsg,
				       sizeof(errmsg));
		return -1;
	}
	return 0;
}

/* Kernel records the store does not have (drift) go on the kernel's word. */
static int release_unstored(const struct release_key *k, size_t *done)
{
	struct record_list records;
	char errmsg[256];
	size_t i;
	int err;

	if (records_fetch(&records))
		return -1;
	for (i = 0; i < records.n; i++) {
		struct record *r = &records.r[i];
		struct entry e = { .op = "release" };

		if (!key_matches(k, r->identity, r->start, r->sectors, r->hold.name))
			continue;
		snprintf(e.identity, sizeof(e.identity), "%s", r->identity);
		snprintf(e.name, sizeof(e.name), "%s", r->hold.name);
		e.start = r->start;
		e.sectors = r->sectors;
		snprintf(e.reason, sizeof(e.reason), "%s", k->reason ? k->reason : "");
		e.override = k->override;
		err = record_release(&e, k->order, errmsg, sizeof(errmsg));
		if (err) {
			fail(k->what, "%s ('%s')", errmsg, e.name);
			records_free(&records);
			return -1;
		}
		(*done)++;
	}
	records_free(&records);
	return 0;
}

/*
 * A range stored for a stacked volume goes with the volume's hold: while
 * the volume is there, release it there; when it is gone, the whole hold
 * goes from here.
 */
static int release_beneath(struct ledger *l, const struct release_key *k,
			   const struct entry *held)
{
	const char *top = strchr(held->stack, ':') + 1;

	if (stack_top_present(top)) {
		fail(k->what, "the stored hold '%s' here lies beneath the stacked volume %s: release it there",
		     held->name, top);
		return -1;
	}
	printf("%s: releasing stored hold '%s' of the stacked volume %s (not present), with every range beneath it\n",
	       k->what, held->name, top);
	return stack_release_stored(l, top, held->name, k->reason);
}

/* Release the stored holds @k names. 1 when there is none. */
static int release_stored(const struct release_key *k)
{
	const struct entry **active, *stack = NULL;
	size_t i, n, done = 0;
	struct ledger l;
	int err = 0;

	if (ledger_open(&l, true))
		return -1;
	n = ledger_active(&l, &active);
	for (i = 0; i < n && !err; i++) {
		if (!key_matches(k, active[i]->identity, active[i]->start,
				 active[i]->sectors, active[i]->name))
			continue;
		/* a stacked volume's hold went whole, with this one */
		if (stack && entry_in_stack(active[i], strchr(stack->stack, ':') + 1,
					    stack->name))
			continue;
		if (active[i]->stack[0])
			stack = active[i];
		if (entry_is_beneath(active[i])) {
			err = release_beneath(&l, k, active[i]);
		} else if (entry_is_top(active[i])) {
			err = stack_release_stored(&l, active[i]->identity, active[i]->name,
						   k->reason);
		} else {
			err = release_one(&l, k, active[i]);
		}
		done++;
	}
	free(active);
	if (!err)
		err = release_unstored(k, &done);
	ledger_close(&l);
	if (err)
		return -1;
	if (done)
		store_remind_initramfs();
	return done ? 0 : 1;
}

/*
 * A stacked volume: its own hold in the kernel first (which checks the
 * caller's privilege and releases what was derived from it), then what
 * the store keeps for it. 1 when the store keeps nothing for it.
 */
static int release_stacked(const struct args *args, const struct device *dev, bool held)
{
	char top[BLKHOLD_IDENTITY_MAX + 1];
	struct ledger l;
	int err;

	if (stack_top_identity(dev, top, sizeof(top)))
		return 1;
	if (ledger_open(&l, true))
		return -1;
	if (!stack_stored(&l, top, args->name)) {
		ledger_close(&l);
		return 1;
	}
	err = held && hold_request(BLKHOLD_CMD_HOLD_DEL, args, dev) ? -1 :
	      stack_release_stored(&l, top, args->name, args->reason);
	ledger_close(&l);
	if (!err)
		store_remind_initramfs();
	return err ? -1 : 0;
}

static int release_device(const struct args *args, const struct device *dev,
			  const struct blob *order)
{
	struct release_key k = { .reason = args->reason, .what = dev->path, .order = order,
				 .override = args->override };
	struct volume_list list;
	const struct hold *h;
	bool transient, held;
	int err;

	if (volumes_fetch(&list))
		return -1;
	h = volume_hold(volumes_find(&list, dev), args->name);
	held = h;
	transient = h && !h->persistent;
	volumes_free(&list);
	if (stack_is_dm(dev) || stack_is_md(dev)) {
		err = release_stacked(args, dev, held);
		if (err <= 0)
			return err;
	}
	if (transient)
		return hold_request(BLKHOLD_CMD_HOLD_DEL, args, dev);
	snprintf(k.e.name, sizeof(k.e.name), "%s", args->name);
	if (device_identity_why(dev, &k.e))
		return hold_request(BLKHOLD_CMD_HOLD_DEL, args, dev);
	err = release_stored(&k);
	if (err == 1 && held) {
		/* held whole because its disk's size changed: any range */
		k.any_range = true;
		err = release_stored(&k);
	}
	return err == 1 ? hold_request(BLKHOLD_CMD_HOLD_DEL, args, dev) : err;
}

/* DEVICE given as IDENTITY: a stored hold whose disk may be absent. */
static int release_identity(const struct args *args, const struct blob *order)
{
	struct release_key k = { .any_range = true, .reason = args->reason,
				 .what = args->device, .order = order,
				 .override = args->override };
	int err;

	snprintf(k.e.identity, sizeof(k.e.identity), "%s", args->device);
	snprintf(k.e.name, sizeof(k.e.name), "%s", args->name);
	err = release_stored(&k);
	if (err == 1)
		fail(args->device, "no stored hold of that name ('%s') for this identity",
		     args->name);
	return err ? -1 : 0;
}

/* Release, with what was held before in @before (empty by identity). */
static int release(const struct args *args, struct volume_list *before,
		   const struct blob *order)
{
	struct device dev;

	if (strchr(args->device, '=') && args->device[0] != '/')
		return release_identity(args, order);
	if (device_resolve(args, &dev) || volumes_fetch(before))
		return -1;
	return release_device(args, &dev, order);
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct volume_list before = { 0 };
	struct blob order = { 0 };
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_REASON | OPT_DISKSEQ |
		       OPT_ORDER | OPT_OVERRIDE, &args) ||
	    check_hold_args(&args) || (args.order && order_read(args.order, &order)))
		return -1;
	if (args.override && !args.reason) {
		fail(args.device, "--override needs --reason: the ledger and the alert say why");
		return -1;
	}
	err = release(&args, &before, args.order ? &order : NULL);
	blob_free(&order);
	if (!err) {
		stack_released(&before);
		printf("%s: hold '%s' released\n", args.device, args.name);
	}
	volumes_free(&before);
	return err ? -1 : 0;
}

const struct command cmd_release = {
	.name = "release",
	.run = run,
	.usage = "DEVICE --name NAME [--reason TEXT] [--diskseq N] [--order ORDER.p7s]\n"
		 "       [--override --reason TEXT]",
	.help = "A stored hold is released in the kernel, then recorded as released in\n"
		"STATE_DIR/ledger (written; STATE_DIR/lock locked). DEVICE may be IDENTITY (as\n"
		"'blkhold list' shows it) for a stored hold whose disk is absent, or MAJ:MIN\n"
		"with --diskseq for a disk that is gone (detached). A hold with custodians\n"
		"needs --order: the text 'release-order' printed, signed by one of them\n"
		"(openssl cms -sign -binary -noattr -outform DER); it is kept in\n"
		"STATE_DIR/orders and the ledger names it.\n"
		"A hold retained in compliance mode is not released before its date, by\n"
		"anyone; one in governance mode needs its custodians' order, or, without\n"
		"custodians, --override with --reason (recorded, and announced as tamper).",
	.summary = "release a hold; DEVICE is writable again once it has none",
};

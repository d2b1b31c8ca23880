// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold import BUNDLE [--cert CERT]: merge a registry bundle's holds
 * into the store. Every hold the bundle keeps and the store does not is
 * appended; nothing is released, so a merge of several hosts' bundles and
 * holds placed by identity never drops a hold that any input keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"
#include "registry.h"
#include "store.h"

/* Is @e among the @n holds of @active? */
static bool kept(const struct entry *const *active, size_t n, const struct entry *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (entry_same_hold(active[i], e))
			return true;
	return false;
}

static int merge(struct ledger *store, const struct ledger *bundle)
{
	const struct entry **mine, **theirs;
	size_t n_mine, n_theirs, i, added = 0;
	int err = 0;

	n_mine = ledger_active(store, &mine);
	n_theirs = ledger_active(bundle, &theirs);
	for (i = 0; i < n_theirs && !err; i++) {
		struct entry e = *theirs[i];

		if (kept(mine, n_mine, &e))
			continue;
		snprintf(e.op, sizeof(e.op), "hold");
		err = ledger_append(store, &e);
		added += !err;
	}
	if (!err)
		printf("%s: %zu hold%s merged from %s, %zu already kept\n", store->path,
		       added, added == 1 ? "" : "s", bundle->path, n_theirs - added);
	free(mine);
	free(theirs);
	return err;
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct ledger store, bundle;
	uint64_t sequence;
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_CERT, &args))
		return -1;
	if (bundle_load(args.device, args.cert, &bundle, &sequence))
		return -1;
	err = ledger_open(&store, true);
	if (!err) {
		err = merge(&store, &bundle);
		ledger_close(&store);
	}
	ledger_close(&bundle);
	if (!err)
		store_remind_initramfs();
	return err ? -1 : 0;
}

const struct command cmd_import = {
	.name = "import",
	.run = run,
	.usage = "BUNDLE [--cert CERT]",
	.help = "Reads BUNDLE (a file or URL; with --cert, BUNDLE.p7s must be its signature by\n"
		"CERT) and appends to STATE_DIR/ledger every hold it keeps that the store\n"
		"does not: it never releases one. Arms nothing: 'restore' does.",
	.summary = "merge a registry bundle's holds into the store",
};

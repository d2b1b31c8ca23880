// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold export --out FILE [--sign KEY --cert CERT]: the store as a
 * registry bundle (registry.c), signed with KEY when asked into FILE.p7s,
 * for a wipe image's "restore --from" and for a fleet's registry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkhold.h"
#include "registry.h"
#include "store.h"

static int run(int argc, char *argv[], const struct command *self)
{
	struct args args;
	struct ledger l;
	size_t len;
	char *data;
	int err = -1;

	if (parse_args(argc, argv, self, OPT_OUT | OPT_SIGN | OPT_CERT, &args))
		return -1;
	if (!args.out) {
		fail("export", "missing --out FILE");
		return -1;
	}
	if (!!args.sign != !!args.cert) {
		fail("export", "--sign KEY and --cert CERT go together");
		return -1;
	}
	if (ledger_open(&l, true))
		return -1;
	if (l.problem[0]) {
		fail(l.path, "the store is damaged (%s): nothing exported; see 'blkhold verify'",
		     l.problem);
		goto out;
	}
	data = bundle_make(&l, &len);
	if (!data) {
		fail("export", "out of memory");
		goto out;
	}
	err = write_file_atomic(args.out, data, len, 0644);
	if (err)
		fail(args.out, "cannot write the bundle: %s", strerror(-err));
	else if (args.sign)
		err = sign_into(args.out, data, len, args.sign, args.cert);
	if (!err)
		printf("%s: registry of %zu entries, head %.16s%s\n", args.out, l.n,
		       ledger_head(&l), args.sign ? ", signed into .p7s" : "");
	free(data);
out:
	ledger_close(&l);
	return err ? -1 : 0;
}

const struct command cmd_export = {
	.name = "export",
	.run = run,
	.usage = "--out FILE [--sign KEY --cert CERT]",
	.help = "Reads STATE_DIR/ledger (under its lock); writes FILE (the ledger with its\n"
		"sequence number and head hash) and, with --sign, FILE.p7s: a detached CMS\n"
		"signature (DER) by KEY (PEM) with CERT, which 'openssl cms -verify -binary\n"
		"-inform DER -in FILE.p7s -content FILE -CAfile CERT -purpose any' checks.",
	.summary = "write the store as a registry bundle, signed",
};

// SPDX-License-Identifier: GPL-2.0
/* blkhold release-order DEVICE --name NAME [--out FILE] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "blkhold.h"
#include "store.h"

struct order_reply {
	char *text;
};

static int on_order(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[BLKHOLD_A_MAX + 1];
	struct order_reply *r = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL) ||
	    !tb[BLKHOLD_A_ORDER_TEXT])
		return NL_SKIP;
	free(r->text);
	r->text = strdup(nla_get_string(tb[BLKHOLD_A_ORDER_TEXT]));
	return NL_OK;
}

/* The stored hold @name on @identity (any range unless @e gives one). */
static int stored_key(const char *identity, const char *name, const struct entry *range,
		      struct entry *key)
{
	const struct entry **active;
	struct ledger l;
	size_t i, n;
	int found = 0;

	if (ledger_open(&l, false))
		return -1;
	n = ledger_active(&l, &active);
	for (i = 0; i < n && !found; i++) {
		if (strcmp(active[i]->identity, identity) || strcmp(active[i]->name, name) ||
		    (range && (active[i]->start != range->start ||
			       active[i]->sectors != range->sectors)))
			continue;
		*key = *active[i];
		found = 1;
	}
	free(active);
	ledger_close(&l);
	return found;
}

/* What names the hold in the request: its record, or its volume. */
static int put_subject(struct nl_msg *msg, const struct args *args)
{
	struct volume_list list;
	const struct hold *h;
	struct entry key, range = { 0 };
	struct device dev;
	int found;

	if (strchr(args->device, '=') && args->device[0] != '/') {
		found = stored_key(args->device, args->name, NULL, &key);
	} else {
		if (device_resolve(args, &dev) || volumes_fetch(&list))
			return -1;
		h = volume_hold(volumes_find(&list, &dev), args->name);
		found = h && h->persistent;
		volumes_free(&list);
		if (h && !found)	/* transient: the kernel's alone */
			return nla_put_u32(msg, BLKHOLD_A_MAJOR, dev.major) ||
			       nla_put_u32(msg, BLKHOLD_A_MINOR, dev.minor) ||
			       nla_put_u64(msg, BLKHOLD_A_DISKSEQ, dev.diskseq) ||
			       nla_put_string(msg, BLKHOLD_A_NAME, args->name);
		found = !device_identity_why(&dev, &range) &&
			stored_key(range.identity, args->name, &range, &key);
	}
	if (found <= 0) {
		if (!found)
			fail(args->device, "no hold named '%s' here", args->name);
		return -1;
	}
	return nla_put_string(msg, BLKHOLD_A_IDENTITY, key.identity) ||
	       nla_put_u64(msg, BLKHOLD_A_START, key.start) ||
	       nla_put_u64(msg, BLKHOLD_A_SECTORS, key.sectors) ||
	       nla_put_string(msg, BLKHOLD_A_NAME, key.name);
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct order_reply reply = { 0 };
	struct nl_conn conn;
	struct nl_msg *msg;
	char errmsg[256];
	struct args args;
	int err;

	if (parse_args(argc, argv, self, OPT_DEVICE | OPT_NAME | OPT_DISKSEQ | OPT_OUT, &args) ||
	    check_hold_args(&args) || conn_open(&conn, args.device))
		return -1;
	msg = conn_request(&conn, BLKHOLD_CMD_RELEASE_ORDER, 0);
	if (!msg || put_subject(msg, &args)) {
		nlmsg_free(msg);
		conn_close(&conn);
		return -1;
	}
	err = conn_transact(&conn, msg, on_order, &reply, errmsg, sizeof(errmsg));
	conn_close(&conn);
	if (!err && !reply.text)
		snprintf(errmsg, sizeof(errmsg), "the kernel sent no order text");
	if (err || !reply.text) {
		fail(args.device, "%s ('%s')", errmsg[0] ? errmsg : strerror(-err), args.name);
		free(reply.text);
		return -1;
	}
	err = args.out ? write_file_atomic(args.out, reply.text, strlen(reply.text), 0644) :
			 (fputs(reply.text, stdout) < 0 ? -EIO : 0);
	if (err)
		fail(args.out, "cannot write the order: %s", strerror(-err));
	free(reply.text);
	return err ? -1 : 0;
}

const struct command cmd_release_order = {
	.name = "release-order",
	.run = run,
	.usage = "DEVICE --name NAME [--out FILE] [--diskseq N]",
	.help = "Prints (or writes to FILE) the text that releases a hold with custodians,\n"
		"as the kernel makes it: the disk's identity, the range, the hold's name and\n"
		"id, each custodian's certificate's SHA-256 and a nonce. One of them signs it:\n"
		"  openssl cms -sign -binary -noattr -in ORDER -signer CERT -inkey KEY \\\n"
		"      -outform DER -out ORDER.p7s\n"
		"and 'blkhold release DEVICE --name NAME --order ORDER.p7s' releases the hold.\n"
		"Each call makes a new order: only the last one printed is good, for one\n"
		"release, within 7 days and until blkhold is loaded again. DEVICE may be\n"
		"IDENTITY for a stored hold.",
	.summary = "the order a custodian signs to release a hold",
};

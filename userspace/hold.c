// SPDX-License-Identifier: GPL-2.0
/* What placing and releasing a hold share: one request naming the volume. */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>

#include "blkhold.h"
#include "custody.h"
#include "hold.h"

/* The custodians of a new hold, or the order that releases one; says why not. */
static int put_custody(struct nl_msg *msg, uint8_t cmd, const struct args *args)
{
	struct blob b = { 0 };
	int attr = 0;

	if (cmd == BLKHOLD_CMD_HOLD_ADD && args->nr_release_certs) {
		if (custody_from_args(args, &b, NULL))
			return -1;
		attr = BLKHOLD_A_RELEASE_CERTS;
	} else if (cmd == BLKHOLD_CMD_HOLD_DEL && args->order) {
		if (order_read(args->order, &b))
			return -1;
		attr = BLKHOLD_A_ORDER;
	}
	if (attr && nla_put(msg, attr, b.len, b.data)) {
		fail(args->name, "the %s does not fit in one request",
		     attr == BLKHOLD_A_ORDER ? "order" : "custodians' certificates");
		attr = -1;
	}
	blob_free(&b);
	return attr < 0 ? -1 : 0;
}

int hold_request(uint8_t cmd, const struct args *args, const struct device *dev)
{
	char errmsg[256];
	struct nl_conn conn;
	struct nl_msg *msg;
	int err;

	if (conn_open(&conn, dev->path))
		return -1;
	msg = conn_request(&conn, cmd, 0);
	if (!msg || nla_put_u32(msg, BLKHOLD_A_MAJOR, dev->major) ||
	    nla_put_u32(msg, BLKHOLD_A_MINOR, dev->minor) ||
	    nla_put_u64(msg, BLKHOLD_A_DISKSEQ, dev->diskseq) ||
	    nla_put_string(msg, BLKHOLD_A_NAME, args->name) ||
	    (args->reason && nla_put_string(msg, BLKHOLD_A_REASON, args->reason))) {
		nlmsg_free(msg);
		conn_close(&conn);
		fail(dev->path, "out of memory");
		return -1;
	}
	if (put_custody(msg, cmd, args)) {
		nlmsg_free(msg);
		conn_close(&conn);
		return -1;
	}
	err = conn_transact(&conn, msg, NULL, NULL, errmsg, sizeof(errmsg));
	conn_close(&conn);
	if (!err)
		return 0;
	if (err == -EPERM && !errmsg[0])
		snprintf(errmsg, sizeof(errmsg), "permission denied: needs root (CAP_SYS_ADMIN)");
	fail(dev->path, "%s ('%s')", errmsg[0] ? errmsg : strerror(-err), args->name);
	return -1;
}

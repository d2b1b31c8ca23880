// SPDX-License-Identifier: GPL-2.0
/* Stored holds as the kernel has them armed, and arming or disarming one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "blkhold.h"
#include "custody.h"
#include "retention.h"
#include "store.h"

static int on_record(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[BLKHOLD_A_MAX + 1];
	struct record_list *list = arg;
	struct record *r;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL) ||
	    !tb[BLKHOLD_A_IDENTITY] || !tb[BLKHOLD_A_HOLD])
		return NL_SKIP;
	r = realloc(list->r, (list->n + 1) * sizeof(*r));
	if (!r)
		return NL_STOP;
	list->r = r;
	r = &r[list->n++];
	memset(r, 0, sizeof(*r));
	copy_string(r->identity, sizeof(r->identity), tb[BLKHOLD_A_IDENTITY]);
	if (tb[BLKHOLD_A_START])
		r->start = nla_get_u64(tb[BLKHOLD_A_START]);
	if (tb[BLKHOLD_A_SECTORS])
		r->sectors = nla_get_u64(tb[BLKHOLD_A_SECTORS]);
	if (tb[BLKHOLD_A_DISK_SECTORS])
		r->disk_sectors = nla_get_u64(tb[BLKHOLD_A_DISK_SECTORS]);
	copy_string(r->partuuid, sizeof(r->partuuid), tb[BLKHOLD_A_PARTUUID]);
	if (tb[BLKHOLD_A_BOUND])
		r->bound = nla_get_u32(tb[BLKHOLD_A_BOUND]);
	r->beneath = tb[BLKHOLD_A_BENEATH];
	r->node_only = tb[BLKHOLD_A_NODE_ONLY];
	hold_parse(&r->hold, tb[BLKHOLD_A_HOLD]);
	return NL_OK;
}

void records_free(struct record_list *list)
{
	free(list->r);
	list->r = NULL;
	list->n = 0;
}

static void records_reset(void *arg)
{
	records_free(arg);
}

int records_fetch(struct record_list *list)
{
	list->r = NULL;
	list->n = 0;
	return conn_dump(BLKHOLD_CMD_RECORD_GET, on_record, records_reset, list,
			 "the stored holds") ? -1 : 0;
}

struct record *records_find(struct record_list *list, const struct entry *e)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		struct record *r = &list->r[i];

		if (!strcmp(r->identity, e->identity) && r->start == e->start &&
		    r->sectors == e->sectors && !strcmp(r->hold.name, e->name))
			return r;
	}
	return NULL;
}

static uint64_t restore_clock;

static int put_record(struct nl_msg *msg, uint8_t cmd, const struct entry *e,
		      const struct device *dev, char *errmsg, size_t errlen)
{
	if (nla_put_string(msg, BLKHOLD_A_IDENTITY, e->identity) ||
	    nla_put_u64(msg, BLKHOLD_A_START, e->start) ||
	    nla_put_u64(msg, BLKHOLD_A_SECTORS, e->sectors) ||
	    nla_put_string(msg, BLKHOLD_A_NAME, e->name) ||
	    (e->reason[0] && nla_put_string(msg, BLKHOLD_A_REASON, e->reason)))
		return -1;
	if (cmd == BLKHOLD_CMD_RECORD_RETAIN)
		return retention_put(msg, e);
	if (cmd != BLKHOLD_CMD_RECORD_ADD)
		return 0;
	if (nla_put_u64(msg, BLKHOLD_A_DISK_SECTORS, e->disk_sectors) ||
	    (e->partuuid[0] && nla_put_string(msg, BLKHOLD_A_PARTUUID, e->partuuid)) ||
	    (entry_is_beneath(e) && nla_put_flag(msg, BLKHOLD_A_BENEATH)) ||
	    (entry_is_meta(e) && nla_put_flag(msg, BLKHOLD_A_NODE_ONLY)))
		return -1;
	if (dev && (nla_put_u32(msg, BLKHOLD_A_MAJOR, dev->major) ||
		    nla_put_u32(msg, BLKHOLD_A_MINOR, dev->minor) ||
		    nla_put_u64(msg, BLKHOLD_A_DISKSEQ, dev->diskseq)))
		return -1;
	if (retention_put(msg, e) ||
	    (restore_clock && nla_put_u64(msg, BLKHOLD_A_CLOCK, restore_clock)))
		return -1;
	return custody_put_stored(msg, e, errmsg, errlen);
}

/*
 * Each record armed from now on sets the kernel's retention clock back to
 * @secs, the store's last reading of it, if it reads later (restore).
 */
void records_set_clock(uint64_t secs)
{
	restore_clock = secs;
}

static int record_transact(uint8_t cmd, const struct entry *e, const struct device *dev,
			   bool drain_later, const struct blob *order, char *errmsg,
			   size_t errlen)
{
	struct nl_conn conn;
	struct nl_msg *msg;
	int err;

	snprintf(errmsg, errlen, "the blkhold kernel module is not loaded (load it with 'modprobe blkhold')");
	if (conn_open_quiet(&conn))
		return -ENOENT;
	errmsg[0] = '\0';
	msg = conn_request(&conn, cmd, 0);
	if (!msg || put_record(msg, cmd, e, dev, errmsg, errlen) ||
	    (drain_later && nla_put_flag(msg, BLKHOLD_A_DRAIN_LATER)) ||
	    (order && nla_put(msg, BLKHOLD_A_ORDER, order->len, order->data)) ||
	    (cmd == BLKHOLD_CMD_RECORD_DEL && e->override &&
	     nla_put_flag(msg, BLKHOLD_A_OVERRIDE))) {
		nlmsg_free(msg);
		conn_close(&conn);
		if (!errmsg[0])
			snprintf(errmsg, errlen, "the request does not fit in a message");
		return -ENOMEM;
	}
	err = conn_transact(&conn, msg, NULL, NULL, errmsg, errlen);
	conn_close(&conn);
	if (err == -EPERM && !errmsg[0])
		snprintf(errmsg, errlen, "needs CAP_SYS_ADMIN");
	if (err && !errmsg[0])
		snprintf(errmsg, errlen, "%s", strerror(-err));
	return err;
}

/*
 * Arm (BLKHOLD_CMD_RECORD_ADD) or disarm (_DEL) the stored hold @e; with
 * @dev, arming fails unless that disk is one it holds. Returns 0 or a
 * negative errno with the kernel's message in @errmsg; prints nothing.
 */
int record_request(uint8_t cmd, const struct entry *e, const struct device *dev,
		   char *errmsg, size_t errlen)
{
	return record_transact(cmd, e, dev, false, NULL, errmsg, errlen);
}

/* Give the armed stored hold @e the retention date @e->retain. */
int record_retain(const struct entry *e, char *errmsg, size_t errlen)
{
	return record_transact(BLKHOLD_CMD_RECORD_RETAIN, e, NULL, false, NULL, errmsg,
			       errlen);
}

/* Disarm the stored hold @e with a custodian's signed @order (may be NULL). */
int record_release(const struct entry *e, const struct blob *order, char *errmsg,
		   size_t errlen)
{
	return record_transact(BLKHOLD_CMD_RECORD_DEL, e, NULL, false, order, errmsg, errlen);
}

/*
 * Arm the stored hold @e (with @dev, on that disk) as one of many: the
 * writes in flight to the ranges it holds are left to records_drain()
 * once all are armed, one wait for the lot instead of one a disk.
 */
int record_arm_drain_later(const struct entry *e, const struct device *dev, char *errmsg,
			   size_t errlen)
{
	return record_transact(BLKHOLD_CMD_RECORD_ADD, e, dev, true, NULL, errmsg, errlen);
}

/*
 * Wait until no write issued before now can still land on a range armed
 * with drain-later (BLKHOLD_CMD_DRAIN). 0 or a negative errno, with the
 * kernel's message in @errmsg.
 */
int records_drain(struct nl_conn *conn, char *errmsg, size_t errlen)
{
	struct nl_msg *msg = conn_request(conn, BLKHOLD_CMD_DRAIN, 0);
	int err;

	errmsg[0] = '\0';
	if (!msg) {
		snprintf(errmsg, errlen, "out of memory");
		return -ENOMEM;
	}
	err = conn_transact(conn, msg, NULL, NULL, errmsg, errlen);
	if (err && !errmsg[0])
		snprintf(errmsg, errlen, "%s", strerror(-err));
	return err;
}

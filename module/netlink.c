// SPDX-License-Identifier: GPL-2.0
/*
 * The "blkhold" generic netlink family. Documentation/netlink/specs/
 * blkhold.yaml is the reference. Placing and releasing holds needs
 * CAP_SYS_ADMIN in the initial user namespace. So does reading them and
 * watching events, unless the admin names a group whose members may read
 * (module parameter read_group): hold names and reasons are case numbers
 * and parties, not for every local user.
 */
#include "blkhold.h"
#include "custody.h"
#include "disk.h"
#include "events.h"
#include "netlink.h"
#include "persist.h"
#include "registry.h"
#include "retention.h"
#include "spans.h"

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>

static int bh_read_gid = -1;
module_param_named(read_group, bh_read_gid, int, 0444);
MODULE_PARM_DESC(read_group,
		 "group ID whose members may list holds besides CAP_SYS_ADMIN (-1: none)");

static struct genl_family bh_family __ro_after_init;

static const struct nla_policy bh_hold_policy[BLKHOLD_A_MAX + 1] = {
	[BLKHOLD_A_MAJOR] = { .type = NLA_U32 },
	[BLKHOLD_A_MINOR] = { .type = NLA_U32 },
	[BLKHOLD_A_DISKSEQ] = { .type = NLA_U64 },
	[BLKHOLD_A_NAME] = { .type = NLA_NUL_STRING, .len = BLKHOLD_NAME_MAX },
	[BLKHOLD_A_REASON] = { .type = NLA_NUL_STRING,
			       .len = BLKHOLD_REASON_MAX },
	[BLKHOLD_A_START] = { .type = NLA_U64 },
	[BLKHOLD_A_SECTORS] = { .type = NLA_U64 },
	[BLKHOLD_A_ROOT_MAJOR] = { .type = NLA_U32 },
	[BLKHOLD_A_ROOT_MINOR] = { .type = NLA_U32 },
	[BLKHOLD_A_ROOT_DISKSEQ] = { .type = NLA_U64 },
	[BLKHOLD_A_NODE_ONLY] = { .type = NLA_FLAG },
	[BLKHOLD_A_DRAIN_LATER] = { .type = NLA_FLAG },
	[BLKHOLD_A_RELEASE_CERTS] = { .type = NLA_BINARY, .len = BH_CERTS_MAX },
	[BLKHOLD_A_ORDER] = { .type = NLA_BINARY, .len = BH_ORDER_DER_MAX },
};

static const struct nla_policy bh_record_policy[BLKHOLD_A_MAX + 1] = {
	[BLKHOLD_A_MAJOR] = { .type = NLA_U32 },
	[BLKHOLD_A_MINOR] = { .type = NLA_U32 },
	[BLKHOLD_A_DISKSEQ] = { .type = NLA_U64 },
	[BLKHOLD_A_NAME] = { .type = NLA_NUL_STRING, .len = BLKHOLD_NAME_MAX },
	[BLKHOLD_A_REASON] = { .type = NLA_NUL_STRING,
			       .len = BLKHOLD_REASON_MAX },
	[BLKHOLD_A_IDENTITY] = { .type = NLA_NUL_STRING,
				 .len = BLKHOLD_IDENTITY_MAX },
	[BLKHOLD_A_START] = { .type = NLA_U64 },
	[BLKHOLD_A_SECTORS] = { .type = NLA_U64 },
	[BLKHOLD_A_DISK_SECTORS] = { .type = NLA_U64 },
	[BLKHOLD_A_PARTUUID] = { .type = NLA_NUL_STRING,
				 .len = BLKHOLD_PARTUUID_MAX },
	[BLKHOLD_A_NODE_ONLY] = { .type = NLA_FLAG },
	[BLKHOLD_A_BENEATH] = { .type = NLA_FLAG },
	[BLKHOLD_A_DRAIN_LATER] = { .type = NLA_FLAG },
	[BLKHOLD_A_RELEASE_CERTS] = { .type = NLA_BINARY, .len = BH_CERTS_MAX },
	[BLKHOLD_A_HOLD_ID] = NLA_POLICY_EXACT_LEN(BH_HOLD_ID_LEN),
	[BLKHOLD_A_ORDER] = { .type = NLA_BINARY, .len = BH_ORDER_DER_MAX },
	[BLKHOLD_A_RETAIN_UNTIL] = { .type = NLA_U64 },
	[BLKHOLD_A_RETAIN_MODE] = NLA_POLICY_MAX(NLA_U8,
						 BLKHOLD_RETAIN_MODE_COMPLIANCE),
	[BLKHOLD_A_OVERRIDE] = { .type = NLA_FLAG },
	[BLKHOLD_A_CLOCK] = { .type = NLA_U64 },
};

/* release-order: a record's key, or a transient hold's device and name. */
static const struct nla_policy bh_order_policy[BLKHOLD_A_MAX + 1] = {
	[BLKHOLD_A_MAJOR] = { .type = NLA_U32 },
	[BLKHOLD_A_MINOR] = { .type = NLA_U32 },
	[BLKHOLD_A_DISKSEQ] = { .type = NLA_U64 },
	[BLKHOLD_A_NAME] = { .type = NLA_NUL_STRING, .len = BLKHOLD_NAME_MAX },
	[BLKHOLD_A_IDENTITY] = { .type = NLA_NUL_STRING,
				 .len = BLKHOLD_IDENTITY_MAX },
	[BLKHOLD_A_START] = { .type = NLA_U64 },
	[BLKHOLD_A_SECTORS] = { .type = NLA_U64 },
};

/* The dump takes no attributes: every one sent is rejected. */
static const struct nla_policy bh_get_policy[BLKHOLD_A_MAX + 1] = {};

static int bh_require_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "needs CAP_SYS_ADMIN in the initial user namespace");
	return -EPERM;
}

/* Dumps: the admin, or a member of the group the admin chose. */
static int bh_dump_start(struct netlink_callback *cb)
{
	if (netlink_capable(cb->skb, CAP_SYS_ADMIN) ||
	    (bh_read_gid >= 0 &&
	     in_group_p(make_kgid(&init_user_ns, bh_read_gid))))
		return 0;
	NL_SET_ERR_MSG(cb->extack,
		       "reading holds needs CAP_SYS_ADMIN or the group of blkhold's read_group parameter");
	return -EPERM;
}

/* The device number in attributes @major_attr and the one after it. */
static int bh_parse_devt_at(struct genl_info *info, unsigned int major_attr,
			    dev_t *devt)
{
	unsigned int minor_attr = major_attr + 1;
	u32 major, minor;

	if (GENL_REQ_ATTR_CHECK(info, major_attr) ||
	    GENL_REQ_ATTR_CHECK(info, minor_attr))
		return -EINVAL;
	major = nla_get_u32(info->attrs[major_attr]);
	minor = nla_get_u32(info->attrs[minor_attr]);
	if (major >= (1U << (32 - MINORBITS))) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[major_attr],
				    "major number out of range");
		return -EINVAL;
	}
	if (minor > MINORMASK) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[minor_attr],
				    "minor number out of range");
		return -EINVAL;
	}
	*devt = MKDEV(major, minor);
	return 0;
}

static int bh_parse_devt(struct genl_info *info, dev_t *devt)
{
	return bh_parse_devt_at(info, BLKHOLD_A_MAJOR, devt);
}

static bool bh_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* Names are 1 to 64 printable ASCII bytes: they end up in logs and tables. */
static int bh_check_name(struct genl_info *info, const char *name)
{
	if (*name && bh_printable(name))
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[BLKHOLD_A_NAME],
			    "hold name must be 1-64 printable ASCII characters");
	return -EINVAL;
}

/* Length of the UTF-8 sequence led by @c, 0 if @c cannot lead one. */
static unsigned int bh_utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Reasons are UTF-8 text without control characters. Overlong forms and
 * surrogates are not hunted down; they cannot break a log line.
 */
static int bh_check_reason(struct genl_info *info, const char *reason)
{
	const unsigned char *p = (const unsigned char *)reason;
	unsigned int len, i;

	while (*p) {
		len = bh_utf8_len(*p);
		if (!len || (len == 1 && (*p < 0x20 || *p == 0x7f)))
			goto bad;
		for (i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
		p += len;
	}
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[BLKHOLD_A_REASON],
			    "reason must be UTF-8 text without control characters");
	return -EINVAL;
}

struct bh_hold_request {
	dev_t devt;
	u64 diskseq;
	const char *name;
	const char *reason;
};

static int bh_parse_hold(struct genl_info *info, struct bh_hold_request *req)
{
	int err = bh_parse_devt(info, &req->devt);

	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_DISKSEQ) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_NAME))
		return -EINVAL;
	req->diskseq = nla_get_u64(info->attrs[BLKHOLD_A_DISKSEQ]);
	req->name = nla_data(info->attrs[BLKHOLD_A_NAME]);
	err = bh_check_name(info, req->name);
	if (err)
		return err;
	req->reason = NULL;
	if (info->attrs[BLKHOLD_A_REASON]) {
		req->reason = nla_data(info->attrs[BLKHOLD_A_REASON]);
		err = bh_check_reason(info, req->reason);
		if (!*req->reason)
			req->reason = NULL;
	}
	return err;
}

/* A range that ends beyond any disk, or is empty, is not one. */
static int bh_check_range(struct genl_info *info, sector_t start, sector_t nr)
{
	if (nr && start + nr > start &&
	    start + nr <= (sector_t)LLONG_MAX >> SECTOR_SHIFT)
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[BLKHOLD_A_SECTORS],
			    "the range is empty or beyond any disk");
	return -EINVAL;
}

/* The range and root of a derived hold, after bh_parse_hold(). */
static int bh_parse_derived(struct genl_info *info,
			    const struct bh_hold_request *hold,
			    struct bh_derived_request *req)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_START) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_SECTORS) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_ROOT_DISKSEQ))
		return -EINVAL;
	err = bh_parse_devt_at(info, BLKHOLD_A_ROOT_MAJOR, &req->root_devt);
	if (err)
		return err;
	req->devt = hold->devt;
	req->diskseq = hold->diskseq;
	req->name = hold->name;
	req->start = nla_get_u64(info->attrs[BLKHOLD_A_START]);
	req->nr_sects = nla_get_u64(info->attrs[BLKHOLD_A_SECTORS]);
	req->root_diskseq = nla_get_u64(info->attrs[BLKHOLD_A_ROOT_DISKSEQ]);
	req->node_only = nla_get_flag(info->attrs[BLKHOLD_A_NODE_ONLY]);
	req->drain_later = nla_get_flag(info->attrs[BLKHOLD_A_DRAIN_LATER]);
	return bh_check_range(info, req->start, req->nr_sects);
}

static bool bh_is_derived(struct genl_info *info)
{
	return info->attrs[BLKHOLD_A_ROOT_MAJOR] ||
	       info->attrs[BLKHOLD_A_ROOT_MINOR] ||
	       info->attrs[BLKHOLD_A_ROOT_DISKSEQ] ||
	       info->attrs[BLKHOLD_A_START] || info->attrs[BLKHOLD_A_SECTORS] ||
	       info->attrs[BLKHOLD_A_NODE_ONLY];
}

/* The custodians release-certs names (NULL for none), or an error. */
static struct bh_custody *bh_parse_custody(struct genl_info *info)
{
	const struct nlattr *certs = info->attrs[BLKHOLD_A_RELEASE_CERTS];
	const struct nlattr *id = info->attrs[BLKHOLD_A_HOLD_ID];

	if (!certs) {
		if (!id)
			return NULL;
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "a hold id is for a hold with custodians");
		return ERR_PTR(-EINVAL);
	}
	return bh_custody_new(nla_data(certs), nla_len(certs),
			      id ? nla_data(id) : NULL, info->extack);
}

static int bh_hold_add_plain(struct genl_info *info,
			     const struct bh_hold_request *req)
{
	struct bh_custody *custody = bh_parse_custody(info);

	if (IS_ERR(custody))
		return PTR_ERR(custody);
	return bh_hold_add(req->devt, req->diskseq, req->name, req->reason,
			   nla_get_flag(info->attrs[BLKHOLD_A_DRAIN_LATER]),
			   custody, info->extack);
}

static int bh_cmd_hold_add(struct sk_buff *skb, struct genl_info *info)
{
	struct bh_derived_request derived;
	struct bh_hold_request req;
	int err;

	err = bh_require_admin(skb, info);
	if (!err)
		err = bh_parse_hold(info, &req);
	if (err)
		return err;
	if (!bh_is_derived(info))
		return bh_hold_add_plain(info, &req);
	if (info->attrs[BLKHOLD_A_RELEASE_CERTS]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[BLKHOLD_A_RELEASE_CERTS],
				    "a derived hold goes with its root's: custodians belong there");
		return -EINVAL;
	}
	err = bh_parse_derived(info, &req, &derived);
	return err ?: bh_hold_add_derived(&derived, info->extack);
}

static struct bh_release bh_parse_release(struct genl_info *info,
					  const char *reason)
{
	const struct nlattr *order = info->attrs[BLKHOLD_A_ORDER];

	return (struct bh_release) {
		.reason = reason,
		.order = order ? nla_data(order) : NULL,
		.order_len = order ? nla_len(order) : 0,
		.override = nla_get_flag(info->attrs[BLKHOLD_A_OVERRIDE]),
	};
}

static int bh_cmd_hold_del(struct sk_buff *skb, struct genl_info *info)
{
	struct bh_hold_request req;
	struct bh_release rel;
	int err;

	err = bh_require_admin(skb, info);
	if (!err)
		err = bh_parse_hold(info, &req);
	if (err)
		return err;
	rel = bh_parse_release(info, req.reason);
	return bh_hold_release(req.devt, req.diskseq, req.name, &rel,
			       info->extack);
}

/* "SOURCE=VALUE", printable ASCII, as persist.c makes them. */
static int bh_check_identity(struct genl_info *info, const char *id)
{
	const char *eq = strchr(id, '=');

	if (eq && eq != id && eq[1] && bh_printable(id))
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[BLKHOLD_A_IDENTITY],
			    "identity must be SOURCE=VALUE in printable ASCII");
	return -EINVAL;
}

/* Identity, range and name: what names a record. */
static int bh_parse_record_key(struct genl_info *info, struct bh_record *rec)
{
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_IDENTITY) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_START) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_SECTORS) ||
	    GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_NAME))
		return -EINVAL;
	err = bh_check_identity(info, nla_data(info->attrs[BLKHOLD_A_IDENTITY]));
	if (err)
		return err;
	name = nla_data(info->attrs[BLKHOLD_A_NAME]);
	err = bh_check_name(info, name);
	if (err)
		return err;
	nla_strscpy(rec->identity, info->attrs[BLKHOLD_A_IDENTITY],
		    sizeof(rec->identity));
	strscpy(rec->proto.name, name, sizeof(rec->proto.name));
	rec->start = nla_get_u64(info->attrs[BLKHOLD_A_START]);
	rec->nr_sects = nla_get_u64(info->attrs[BLKHOLD_A_SECTORS]);
	return bh_check_range(info, rec->start, rec->nr_sects);
}

static const char *bh_parse_reason(struct genl_info *info, int *err)
{
	const char *reason = NULL;

	*err = 0;
	if (info->attrs[BLKHOLD_A_REASON]) {
		reason = nla_data(info->attrs[BLKHOLD_A_REASON]);
		*err = bh_check_reason(info, reason);
	}
	return reason && *reason ? reason : NULL;
}

static int bh_parse_record(struct genl_info *info, struct bh_record *rec,
			   dev_t *devt, u64 *diskseq)
{
	const char *reason;
	int err = bh_parse_record_key(info, rec);

	if (err)
		return err;
	reason = bh_parse_reason(info, &err);
	if (err)
		return err;
	strscpy(rec->proto.reason, reason ?: "", sizeof(rec->proto.reason));
	if (GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_DISK_SECTORS))
		return -EINVAL;
	rec->disk_sects = nla_get_u64(info->attrs[BLKHOLD_A_DISK_SECTORS]);
	if (info->attrs[BLKHOLD_A_PARTUUID])
		nla_strscpy(rec->partuuid, info->attrs[BLKHOLD_A_PARTUUID],
			    sizeof(rec->partuuid));
	rec->beneath = nla_get_flag(info->attrs[BLKHOLD_A_BENEATH]);
	rec->node_only = nla_get_flag(info->attrs[BLKHOLD_A_NODE_ONLY]);
	if (rec->node_only && !rec->beneath) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[BLKHOLD_A_NODE_ONLY],
				    "node-only is for a range beneath a stacked volume");
		return -EINVAL;
	}
	if (rec->disk_sects && rec->disk_sects < rec->start + rec->nr_sects) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[BLKHOLD_A_DISK_SECTORS],
				    "the range ends beyond the disk");
		return -EINVAL;
	}
	*devt = 0;
	*diskseq = 0;
	if (!info->attrs[BLKHOLD_A_MAJOR] && !info->attrs[BLKHOLD_A_MINOR])
		return 0;
	err = bh_parse_devt(info, devt);
	if (!err && GENL_REQ_ATTR_CHECK(info, BLKHOLD_A_DISKSEQ))
		err = -EINVAL;
	if (!err)
		*diskseq = nla_get_u64(info->attrs[BLKHOLD_A_DISKSEQ]);
	return err;
}

static int bh_cmd_record_add(struct sk_buff *skb, struct genl_info *info)
{
	struct block_device *bdev = NULL;
	struct bh_hold *proto;
	struct bh_record *rec;
	u64 diskseq;
	dev_t devt;
	int err;

	err = bh_require_admin(skb, info);
	if (err)
		return err;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	proto = bh_hold_new("", NULL);
	if (!rec || !proto) {
		kfree(rec);
		kfree(proto);
		return -ENOMEM;
	}
	rec->proto = *proto;
	kfree(proto);
	err = bh_parse_record(info, rec, &devt, &diskseq);
	if (!err)
		err = bh_retention_parse(&rec->retain,
					 info->attrs[BLKHOLD_A_RETAIN_UNTIL],
					 info->attrs[BLKHOLD_A_RETAIN_MODE],
					 info->extack);
	if (!err) {
		rec->custody = bh_parse_custody(info);
		err = PTR_ERR_OR_ZERO(rec->custody);
		if (err)
			rec->custody = NULL;
	}
	if (!err && info->attrs[BLKHOLD_A_CLOCK])
		bh_clock_lower(nla_get_u64(info->attrs[BLKHOLD_A_CLOCK]));
	if (!err && devt) {
		bdev = bh_node_get(devt, diskseq, info->extack);
		err = PTR_ERR_OR_ZERO(bdev);
		if (err)
			bdev = NULL;
	}
	if (!err)
		err = bh_record_add(rec, bdev,
				    nla_get_flag(info->attrs[BLKHOLD_A_DRAIN_LATER]),
				    info->extack);
	if (bdev)
		bh_bdev_put(bdev);
	/* a record armed is the registry's; one that was not is ours */
	if (err)
		bh_record_discard(rec);
	return err;
}

static int bh_cmd_record_del(struct sk_buff *skb, struct genl_info *info)
{
	struct bh_record key = {};
	struct bh_release rel;
	const char *reason;
	int err;

	err = bh_require_admin(skb, info);
	if (!err)
		err = bh_parse_record_key(info, &key);
	if (err)
		return err;
	reason = bh_parse_reason(info, &err);
	if (err)
		return err;
	rel = bh_parse_release(info, reason);
	return bh_record_del(&key, &rel, info->extack);
}

static int bh_cmd_record_retain(struct sk_buff *skb, struct genl_info *info)
{
	struct bh_retention want;
	struct bh_record key = {};
	int err;

	err = bh_require_admin(skb, info);
	if (!err)
		err = bh_parse_record_key(info, &key);
	if (!err)
		err = bh_retention_parse(&want,
					 info->attrs[BLKHOLD_A_RETAIN_UNTIL],
					 info->attrs[BLKHOLD_A_RETAIN_MODE],
					 info->extack);
	return err ?: bh_record_retain(&key, &want, info->extack);
}

/* The order text for the hold the request names, as release would. */
static char *bh_order_for(struct genl_info *info)
{
	struct bh_hold_request req;
	struct bh_record key = {};
	int err;

	if (info->attrs[BLKHOLD_A_IDENTITY]) {
		err = bh_parse_record_key(info, &key);
		return err ? ERR_PTR(err) : bh_record_order_text(&key, info->extack);
	}
	err = bh_parse_hold(info, &req);
	return err ? ERR_PTR(err) :
		bh_hold_order_text(req.devt, req.diskseq, req.name, info->extack);
}

static int bh_cmd_release_order(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	char *text;
	void *hdr;
	int err = bh_require_admin(skb, info);

	if (err)
		return err;
	text = bh_order_for(info);
	if (IS_ERR(text))
		return PTR_ERR(text);
	err = -ENOMEM;
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	hdr = reply ? genlmsg_put_reply(reply, info, &bh_family, 0,
					BLKHOLD_CMD_RELEASE_ORDER) : NULL;
	if (hdr && !nla_put_string(reply, BLKHOLD_A_ORDER_TEXT, text)) {
		genlmsg_end(reply, hdr);
		err = genlmsg_reply(reply, info);
		reply = NULL;
	}
	nlmsg_free(reply);
	kfree(text);
	return err;
}

static int bh_put_counters(struct sk_buff *skb, const atomic64_t *refused)
{
	struct nlattr *nest = nla_nest_start(skb, BLKHOLD_A_COUNTERS);
	unsigned int kind;

	if (!nest)
		return -EMSGSIZE;
	for (kind = 0; kind < __BLKHOLD_KIND_MAX; kind++)
		if (nla_put_u64_64bit(skb, BLKHOLD_COUNTER_A_WRITE + kind,
				      atomic64_read(&refused[kind]),
				      BLKHOLD_COUNTER_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* @rec: the record it was made from (custodians, retention), or NULL. */
static int bh_put_hold(struct sk_buff *skb, const struct bh_hold *hold,
		       const struct bh_record *rec)
{
	unsigned int custodians = rec ? bh_custody_count(rec->custody) : 0;
	struct nlattr *nest = nla_nest_start(skb, BLKHOLD_A_HOLD);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, BLKHOLD_HOLD_A_NAME, hold->name) ||
	    (hold->reason[0] &&
	     nla_put_string(skb, BLKHOLD_HOLD_A_REASON, hold->reason)) ||
	    nla_put_u32(skb, BLKHOLD_HOLD_A_UID,
			from_kuid(&init_user_ns, hold->uid)) ||
	    nla_put_u32(skb, BLKHOLD_HOLD_A_PID, hold->pid) ||
	    nla_put_string(skb, BLKHOLD_HOLD_A_COMM, hold->comm) ||
	    nla_put_u64_64bit(skb, BLKHOLD_HOLD_A_CTIME, hold->ctime,
			      BLKHOLD_HOLD_A_PAD) ||
	    (hold->record && !hold->record->transient &&
	     nla_put_flag(skb, BLKHOLD_HOLD_A_PERSISTENT)) ||
	    (hold->derived &&
	     nla_put_string(skb, BLKHOLD_HOLD_A_VIA, hold->via)) ||
	    (custodians &&
	     nla_put_u32(skb, BLKHOLD_HOLD_A_CUSTODIANS, custodians)) ||
	    (rec && bh_retention_put(skb, &rec->retain))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The volume and its holds from index *@next on. Returns 0 when all holds
 * fit; otherwise ends the message after the last one that did, sets
 * *@next to resume there and returns -EMSGSIZE (message cancelled whole if
 * not even the volume fit).
 */
static int bh_put_volume(struct sk_buff *skb, const struct bh_volume *vol,
			 unsigned long *next)
{
	const struct bh_hold *hold;
	unsigned long i = 0;

	if (bh_put_volume_id(skb, vol, bh_volume_diskseq(vol)) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_START, vol->start, BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_SECTORS, vol->nr_sects,
			      BLKHOLD_A_PAD) ||
	    (READ_ONCE(vol->detached) && nla_put_flag(skb, BLKHOLD_A_DETACHED)) ||
	    (READ_ONCE(vol->node_only) && nla_put_flag(skb, BLKHOLD_A_NODE_ONLY)) ||
	    bh_put_counters(skb, vol->refused))
		return -ENOBUFS;
	list_for_each_entry(hold, &vol->holds, node) {
		if (i >= *next &&
		    bh_put_hold(skb, hold, hold->record)) {
			if (i == *next)
				return -ENOBUFS;
			*next = i;
			return -EMSGSIZE;
		}
		i++;
	}
	*next = 0;
	return 0;
}

/* args[0]: the volume's index, [1]: its next hold, [2] and [3]: cursor */
static int bh_cmd_volume_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct bh_volume *vol;
	void *hdr;
	int err = 0;

	bh_registry_lock();
	cb->seq = bh_registry_generation();
	vol = bh_volume_at(cb->args[0], &cb->args[2]);
	while (vol) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &bh_family, NLM_F_MULTI,
				  BLKHOLD_CMD_VOLUME_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		err = bh_put_volume(skb, vol, &cb->args[1]);
		if (err == -ENOBUFS) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		if (err)
			break;
		cb->args[0]++;
		vol = bh_volume_next(vol);
	}
	bh_volume_cursor_set(&cb->args[2], vol);
	bh_registry_unlock();
	return skb->len;
}

static int bh_put_record(struct sk_buff *skb, const struct bh_record *rec)
{
	if (nla_put_string(skb, BLKHOLD_A_IDENTITY, rec->identity) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_START, rec->start, BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_SECTORS, rec->nr_sects,
			      BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_DISK_SECTORS, rec->disk_sects,
			      BLKHOLD_A_PAD) ||
	    nla_put_u32(skb, BLKHOLD_A_BOUND, bh_record_bound(rec)) ||
	    (rec->partuuid[0] &&
	     nla_put_string(skb, BLKHOLD_A_PARTUUID, rec->partuuid)) ||
	    (rec->beneath && nla_put_flag(skb, BLKHOLD_A_BENEATH)) ||
	    (rec->node_only && nla_put_flag(skb, BLKHOLD_A_NODE_ONLY)) ||
	    bh_put_counters(skb, rec->refused) ||
	    bh_put_hold(skb, &rec->proto, rec))
		return -EMSGSIZE;
	if (rec->custody &&
	    (nla_put(skb, BLKHOLD_A_HOLD_ID, BH_HOLD_ID_LEN,
		     bh_custody_hold_id(rec->custody)) ||
	     bh_custody_put_keys(skb, BLKHOLD_A_CUSTODIANS, rec->custody)))
		return -EMSGSIZE;
	return 0;
}

static int bh_cmd_record_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct bh_record *rec;
	void *hdr;

	bh_registry_lock();
	cb->seq = bh_registry_generation();
	while ((rec = bh_record_at(cb->args[0]))) {
		if (rec->transient) {	/* shown as the holds they made */
			cb->args[0]++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &bh_family, NLM_F_MULTI,
				  BLKHOLD_CMD_RECORD_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (bh_put_record(skb, rec)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
	}
	bh_registry_unlock();
	return skb->len;
}

static int bh_cmd_drain(struct sk_buff *skb, struct genl_info *info)
{
	return bh_require_admin(skb, info) ?: bh_drain_deferred(info->extack);
}

static int bh_cmd_events_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	u64 seq, epoch;
	void *hdr;
	int err = bh_require_admin(skb, info);

	if (err)
		return err;
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &bh_family, 0, BLKHOLD_CMD_EVENTS_GET);
	bh_events_state(&seq, &epoch);
	if (!hdr ||
	    nla_put_u64_64bit(reply, BLKHOLD_A_EVENT_SEQ, seq, BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(reply, BLKHOLD_A_EVENT_EPOCH, epoch, BLKHOLD_A_PAD)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static const struct genl_ops bh_ops[] = {
	{
		.cmd = BLKHOLD_CMD_HOLD_ADD,
		.doit = bh_cmd_hold_add,
		.policy = bh_hold_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_HOLD_DEL,
		.doit = bh_cmd_hold_del,
		.policy = bh_hold_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_VOLUME_GET,
		.start = bh_dump_start,
		.dumpit = bh_cmd_volume_dump,
		.policy = bh_get_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_RECORD_ADD,
		.doit = bh_cmd_record_add,
		.policy = bh_record_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_RECORD_DEL,
		.doit = bh_cmd_record_del,
		.policy = bh_record_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_RECORD_GET,
		.start = bh_dump_start,
		.dumpit = bh_cmd_record_dump,
		.policy = bh_get_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_DRAIN,
		.doit = bh_cmd_drain,
		.policy = bh_get_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_EVENTS_GET,
		.doit = bh_cmd_events_get,
		.policy = bh_get_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_RELEASE_ORDER,
		.doit = bh_cmd_release_order,
		.policy = bh_order_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
	{
		.cmd = BLKHOLD_CMD_RECORD_RETAIN,
		.doit = bh_cmd_record_retain,
		.policy = bh_record_policy,
		.maxattr = BLKHOLD_A_MAX,
	},
};

/* Events name holds and volumes: for the admin only. */
static const struct genl_multicast_group bh_mcgrps[] = {
	{ .name = BLKHOLD_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family bh_family __ro_after_init = {
	.name = BLKHOLD_FAMILY_NAME,
	.version = BLKHOLD_FAMILY_VERSION,
	.maxattr = BLKHOLD_A_MAX,
	.module = THIS_MODULE,
	.ops = bh_ops,
	.n_ops = ARRAY_SIZE(bh_ops),
	.resv_start_op = BLKHOLD_CMD_HOLD_ADD,
	.mcgrps = bh_mcgrps,
	.n_mcgrps = ARRAY_SIZE(bh_mcgrps),
};

int bh_netlink_init(void)
{
	int err = genl_register_family(&bh_family);

	if (!err)
		bh_events_init(&bh_family);
	return err;
}

void bh_netlink_exit(void)
{
	bh_events_init(NULL);
	genl_unregister_family(&bh_family);
}

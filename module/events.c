// SPDX-License-Identifier: GPL-2.0
/*
 * What happens to a refusal: it is counted per volume and kind (always,
 * exactly), logged (rate-limited per call site by printk) and announced on
 * the "events" multicast group, at most BH_EVENTS_PER_SEC per volume and
 * second; the next event sent says how many were suppressed.
 */
#include "blkhold.h"
#include "events.h"

/* Refusal events announced per volume and second; the rest are counted. */
#define BH_EVENTS_PER_SEC	20

#include <linux/cred.h>
#include <linux/random.h>
#include <linux/ratelimit.h>

/* The family the events go out on (netlink.c hands it in at load). */
static struct genl_family *bh_family;
/* The last event's number, and this load's epoch (never 0). */
static atomic64_t bh_event_seq;
static u64 bh_event_epoch;

int bh_events_init(struct genl_family *family)
{
	if (!bh_event_epoch)
		bh_event_epoch = get_random_u64() ?: 1;
	bh_family = family;
	return 0;
}

void bh_events_state(u64 *seq, u64 *epoch)
{
	*seq = atomic64_read(&bh_event_seq);
	*epoch = bh_event_epoch;
}

int bh_put_volume_id(struct sk_buff *skb, const struct bh_volume *vol,
		     u64 diskseq)
{
	if (nla_put_u32(skb, BLKHOLD_A_MAJOR, MAJOR(vol->devt)) ||
	    nla_put_u32(skb, BLKHOLD_A_MINOR, MINOR(vol->devt)) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_DISKSEQ, diskseq, BLKHOLD_A_PAD) ||
	    nla_put_string(skb, BLKHOLD_A_DEVNAME, vol->devname))
		return -EMSGSIZE;
	return 0;
}

static const char *const bh_kind_names[__BLKHOLD_KIND_MAX] = {
	[BLKHOLD_KIND_WRITE] = "write",
	[BLKHOLD_KIND_WRITE_ZEROES] = "write-zeroes",
	[BLKHOLD_KIND_DISCARD] = "discard",
	[BLKHOLD_KIND_SECURE_ERASE] = "secure-erase",
	[BLKHOLD_KIND_ZONE_RESET] = "zone-reset",
	[BLKHOLD_KIND_ZONE_FINISH] = "zone-finish",
	[BLKHOLD_KIND_ZONE_APPEND] = "zone-append",
	[BLKHOLD_KIND_PASSTHROUGH] = "passthrough",
	[BLKHOLD_KIND_TAMPER] = "tamper",
};

static const char *bh_kind_name(enum blkhold_kind kind)
{
	return kind < __BLKHOLD_KIND_MAX ? bh_kind_names[kind] : "unknown";
}

/* A fixed window per volume; racy by a few events, which is fine here. */
static bool bh_event_allowed(struct bh_volume *vol)
{
	unsigned long now = jiffies;

	if (time_after(now, READ_ONCE(vol->event_window) + HZ)) {
		WRITE_ONCE(vol->event_window, now);
		atomic_set(&vol->events_in_window, 0);
	}
	if (atomic_inc_return(&vol->events_in_window) <= BH_EVENTS_PER_SEC)
		return true;
	atomic64_inc(&vol->events_suppressed);
	return false;
}

static int bh_put_actor(struct sk_buff *skb)
{
	if (nla_put_u32(skb, BLKHOLD_A_PID, task_tgid_nr(current)) ||
	    nla_put_u32(skb, BLKHOLD_A_UID,
			from_kuid(&init_user_ns, current_uid())) ||
	    nla_put_string(skb, BLKHOLD_A_COMM, current->comm))
		return -EMSGSIZE;
	return 0;
}

/* Where a refusal hit: a volume, or the identity of a record's medium. */
static int bh_put_target(struct sk_buff *skb, const struct bh_refusal *r)
{
	if (r->vol)
		return bh_put_volume_id(skb, r->vol, r->vol->diskseq);
	if (nla_put_string(skb, BLKHOLD_A_DEVNAME, "-") ||
	    nla_put_string(skb, BLKHOLD_A_IDENTITY, r->rec->identity))
		return -EMSGSIZE;
	return 0;
}

static int bh_put_refusal(struct sk_buff *skb, const struct bh_refusal *r,
			  u64 suppressed)
{
	if (bh_put_target(skb, r) ||
	    nla_put_u32(skb, BLKHOLD_A_KIND, r->kind) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_SECTOR, r->sector, BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_NR_SECTORS, r->nr_sects,
			      BLKHOLD_A_PAD) ||
	    nla_put_u32(skb, BLKHOLD_A_OPCODE, r->opcode) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_SUPPRESSED, suppressed,
			      BLKHOLD_A_PAD) ||
	    (r->action && nla_put_string(skb, BLKHOLD_A_ACTION, r->action)))
		return -EMSGSIZE;
	return bh_put_actor(skb);
}

/*
 * Send one event; @fill adds its attributes. Safe in atomic context. The
 * event is numbered whether or not it can be sent: a listener that was
 * not there, or whose socket was full, sees the gap.
 */
static void bh_multicast(u8 cmd, int (*fill)(struct sk_buff *, const void *),
			 const void *arg)
{
	u64 seq = atomic64_inc_return(&bh_event_seq);
	struct sk_buff *skb;
	void *hdr;

	if (!bh_family || !genl_has_listeners(bh_family, &init_net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, bh_family, 0, cmd);
	if (!hdr || fill(skb, arg) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_EVENT_SEQ, seq, BLKHOLD_A_PAD) ||
	    nla_put_u64_64bit(skb, BLKHOLD_A_EVENT_EPOCH, bh_event_epoch,
			      BLKHOLD_A_PAD)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(bh_family, skb, 0, 0, GFP_ATOMIC);
}

struct bh_refusal_event {
	const struct bh_refusal *r;
	u64 suppressed;
};

static int bh_fill_refusal(struct sk_buff *skb, const void *arg)
{
	const struct bh_refusal_event *ev = arg;

	return bh_put_refusal(skb, ev->r, ev->suppressed);
}

static void bh_log_refusal(const struct bh_refusal *r)
{
	uid_t uid = from_kuid(&init_user_ns, current_uid());

	if (!r->vol)
		pr_warn_ratelimited("refused %s (opcode 0x%x) through %s: its medium %s is held by '%s' (no disk of it here) from %s[%d] uid %u\n",
				    bh_kind_name(r->kind), r->opcode,
				    r->via ?: "a node without a disk",
				    r->rec->identity, r->rec->proto.name,
				    current->comm, task_tgid_nr(current), uid);
	else if (r->via)
		pr_warn_ratelimited("refused %s (opcode 0x%x) through %s (held volume %s) from %s[%d] uid %u\n",
				    bh_kind_name(r->kind), r->opcode, r->via,
				    r->vol->devname, current->comm,
				    task_tgid_nr(current), uid);
	else if (r->action)
		pr_warn_ratelimited("refused %s (held volume %s, %u hold%s) from %s[%d] uid %u\n",
				    r->action, r->vol->devname, r->vol->nr_holds,
				    r->vol->nr_holds == 1 ? "" : "s",
				    current->comm, task_tgid_nr(current), uid);
	else
		pr_warn_ratelimited("refused %s of sectors %llu+%llu through %pg (held volume %s) from %s[%d] uid %u\n",
				    bh_kind_name(r->kind),
				    (unsigned long long)r->sector,
				    (unsigned long long)r->nr_sects, r->bdev,
				    r->vol->devname, current->comm,
				    task_tgid_nr(current), uid);
}

/*
 * Called under rcu_read_lock(), in any context a bio is submitted from.
 * A refusal on a medium no disk of which is here counts on its record.
 */
void bh_refuse(struct bh_refusal *r)
{
	struct bh_volume *vol = r->vol;
	struct bh_refusal_event ev = { .r = r };

	bh_log_refusal(r);
	if (!vol) {
		atomic64_inc(&r->rec->refused[r->kind]);
		if (!in_hardirq())
			bh_multicast(BLKHOLD_CMD_REFUSED, bh_fill_refusal, &ev);
		return;
	}
	atomic64_inc(&vol->refused[r->kind]);
	if (in_hardirq() || !bh_event_allowed(vol))
		return;
	ev.suppressed = atomic64_xchg(&vol->events_suppressed, 0);
	bh_multicast(BLKHOLD_CMD_REFUSED, bh_fill_refusal, &ev);
}

struct bh_hold_event {
	const struct bh_volume *vol;
	const char *name;
	const char *reason;
};

static int bh_fill_hold(struct sk_buff *skb, const void *arg)
{
	const struct bh_hold_event *ev = arg;

	if (bh_put_volume_id(skb, ev->vol, ev->vol->diskseq) ||
	    nla_put_string(skb, BLKHOLD_A_NAME, ev->name) ||
	    (ev->reason && nla_put_string(skb, BLKHOLD_A_REASON, ev->reason)))
		return -EMSGSIZE;
	return bh_put_actor(skb);
}

void bh_announce_hold(u8 cmd, const struct bh_volume *vol,
		      const char *name, const char *reason)
{
	struct bh_hold_event ev = { vol, name, reason };

	bh_multicast(cmd, bh_fill_hold, &ev);
}

struct bh_alert_event {
	const char *devname;
	const char *identity;
	const char *what;
};

static int bh_fill_alert(struct sk_buff *skb, const void *arg)
{
	const struct bh_alert_event *ev = arg;

	if (nla_put_string(skb, BLKHOLD_A_DEVNAME, ev->devname) ||
	    (ev->identity &&
	     nla_put_string(skb, BLKHOLD_A_IDENTITY, ev->identity)) ||
	    nla_put_string(skb, BLKHOLD_A_ACTION, ev->what))
		return -EMSGSIZE;
	return 0;
}

/* A stored hold met a disk unlike the one it was made on. @identity may be NULL. */
void bh_alert(const char *devname, const char *identity, const char *what)
{
	struct bh_alert_event ev = { devname, identity, what };

	pr_warn("%s%s%s%s: %s\n", devname, identity ? " (" : "",
		identity ?: "", identity ? ")" : "", what);
	bh_multicast(BLKHOLD_CMD_ALERT, bh_fill_alert, &ev);
}

struct bh_record_tamper_event {
	const struct bh_record *rec;
	const char *what;
};

static int bh_fill_record_tamper(struct sk_buff *skb, const void *arg)
{
	const struct bh_record_tamper_event *ev = arg;

	if (nla_put_string(skb, BLKHOLD_A_DEVNAME, "-") ||
	    nla_put_string(skb, BLKHOLD_A_IDENTITY, ev->rec->identity) ||
	    nla_put_u32(skb, BLKHOLD_A_KIND, BLKHOLD_KIND_TAMPER) ||
	    nla_put_string(skb, BLKHOLD_A_ACTION, ev->what))
		return -EMSGSIZE;
	return bh_put_actor(skb);
}

/*
 * Something was done to a stored hold that an auditor must hear of (it
 * was released before its retention date): counted as tamper on the
 * record, logged, announced as an alert.
 */
void bh_record_tamper(struct bh_record *rec, const char *what)
{
	struct bh_record_tamper_event ev = { rec, what };

	atomic64_inc(&rec->refused[BLKHOLD_KIND_TAMPER]);
	pr_warn("stored hold '%s' on %s: %s, by %s[%d] uid %u\n",
		rec->proto.name, rec->identity, what, current->comm,
		task_tgid_nr(current), from_kuid(&init_user_ns, current_uid()));
	bh_multicast(BLKHOLD_CMD_ALERT, bh_fill_record_tamper, &ev);
}

static int bh_fill_tamper(struct sk_buff *skb, const void *arg)
{
	const struct bh_refusal *r = arg;

	if (nla_put_string(skb, BLKHOLD_A_DEVNAME, r->vol->devname) ||
	    nla_put_u32(skb, BLKHOLD_A_KIND, r->kind) ||
	    nla_put_string(skb, BLKHOLD_A_ACTION, r->action))
		return -EMSGSIZE;
	return bh_put_actor(skb);
}

/*
 * Something was done to a held volume that blkhold does not refuse but
 * that an auditor must hear of (its disk removed): counted as tamper,
 * logged, announced as an alert. Under RCU.
 */
void bh_tamper_seen(struct bh_refusal *r)
{
	atomic64_inc(&r->vol->refused[r->kind]);
	pr_warn("%s: %s, by %s[%d] uid %u\n", r->vol->devname, r->action,
		current->comm, task_tgid_nr(current),
		from_kuid(&init_user_ns, current_uid()));
	bh_multicast(BLKHOLD_CMD_ALERT, bh_fill_tamper, r);
}

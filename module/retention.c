// SPDX-License-Identifier: GPL-2.0
/*
 * Retention dates and the clock that judges them. The retention clock
 * starts from the wall clock when the module loads and from then on
 * advances with CLOCK_MONOTONIC_RAW, which neither settimeofday() nor
 * adjtimex() moves. Where the wall clock is ahead, the retention clock
 * catches up by at most one 52nd of the time that passed (about seven
 * days a year, as NetApp's ComplianceClock drifts), so setting the date
 * years ahead gains days at most. The stored reading of an earlier boot
 * (record-add's clock) sets it back, never forward: time the host spent
 * powered off does not count.
 */
#include "blkhold.h"
#include "retention.h"

#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#define BH_CLOCK_CATCHUP_DIV	52
/* later than any date a u64 of seconds can name in nanoseconds */
#define BH_CLOCK_MAX_SECS	(S64_MAX / NSEC_PER_SEC)

static DEFINE_SPINLOCK(bh_clock_lock);
static s64 bh_clock_ns;		/* the reading, ns since the epoch */
static u64 bh_clock_raw;	/* CLOCK_MONOTONIC_RAW when it was taken */

static void bh_clock_advance(void)
{
	u64 raw = ktime_get_raw_ns();
	u64 passed = raw - bh_clock_raw;
	s64 behind;

	lockdep_assert_held(&bh_clock_lock);
	if (!bh_clock_raw) {
		bh_clock_ns = ktime_get_real_ns();
		bh_clock_raw = raw;
		return;
	}
	bh_clock_ns += passed;
	bh_clock_raw = raw;
	behind = ktime_get_real_ns() - bh_clock_ns;
	if (behind > 0)
		bh_clock_ns += min_t(u64, behind,
				     div_u64(passed, BH_CLOCK_CATCHUP_DIV));
}

/* The retention clock now, in seconds since the epoch. */
u64 bh_clock_read(void)
{
	s64 ns;

	spin_lock(&bh_clock_lock);
	bh_clock_advance();
	ns = bh_clock_ns;
	spin_unlock(&bh_clock_lock);
	return ns < 0 ? 0 : div_u64(ns, NSEC_PER_SEC);
}

/* Set the clock back to @seconds if it reads later; never forward. */
void bh_clock_lower(u64 seconds)
{
	s64 ns = min_t(u64, seconds, BH_CLOCK_MAX_SECS) * NSEC_PER_SEC;

	spin_lock(&bh_clock_lock);
	bh_clock_advance();
	if (ns < bh_clock_ns)
		bh_clock_ns = ns;
	spin_unlock(&bh_clock_lock);
}

static int bh_clock_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", bh_clock_read());
}

static const struct kernel_param_ops bh_clock_param_ops = {
	.get = bh_clock_get,
};

module_param_cb(retention_clock, &bh_clock_param_ops, NULL, 0444);
MODULE_PARM_DESC(retention_clock,
		 "the retention clock: seconds since the epoch (read-only)");

void bh_retention_init(void)
{
	bh_clock_read();
}

int bh_retention_parse(struct bh_retention *ret, const struct nlattr *until,
		       const struct nlattr *mode, struct netlink_ext_ack *extack)
{
	*ret = (struct bh_retention) {};
	if (!until && !mode)
		return 0;
	if (!until || !mode) {
		NL_SET_ERR_MSG_ATTR(extack, until ?: mode,
				    "retain-until and retain-mode go together");
		return -EINVAL;
	}
	ret->until = nla_get_u64(until);
	ret->mode = nla_get_u8(mode);
	if (ret->mode == BLKHOLD_RETAIN_MODE_NONE) {
		NL_SET_ERR_MSG_ATTR(extack, mode,
				    "a retention date needs mode governance or compliance");
		return -EINVAL;
	}
	if (!ret->until || ret->until > BH_CLOCK_MAX_SECS) {
		NL_SET_ERR_MSG_ATTR(extack, until,
				    "the retention date is out of range");
		return -ERANGE;
	}
	return 0;
}

/*
 * May a hold with retention @c->ret be released now? Before the date:
 * never in compliance mode; in governance mode by a custodian's order
 * (which the caller checks) or, without custodians, by override: then
 * BH_RETAIN_OVERRIDDEN, which the caller announces.
 */
int bh_retention_may_release(const struct bh_retention_check *c,
			     struct netlink_ext_ack *extack)
{
	const struct bh_retention *ret = c->ret;

	if (ret->mode == BLKHOLD_RETAIN_MODE_NONE ||
	    bh_clock_read() >= ret->until)
		return 0;
	if (ret->mode == BLKHOLD_RETAIN_MODE_COMPLIANCE) {
		NL_SET_ERR_MSG(extack,
			       "the hold is retained in compliance mode: no release before its date, by anyone");
		return -EPERM;
	}
	if (c->custodians)
		return 0;
	if (c->override)
		return BH_RETAIN_OVERRIDDEN;
	NL_SET_ERR_MSG(extack,
		       "the hold is retained in governance mode: before its date only override releases it");
	return -EPERM;
}

const char *bh_retention_mode_name(u8 mode)
{
	return mode == BLKHOLD_RETAIN_MODE_COMPLIANCE ? "compliance" :
	       mode == BLKHOLD_RETAIN_MODE_GOVERNANCE ? "governance" : "none";
}

/* Give @ret the date and mode @want asks for: later and stricter only. */
int bh_retention_extend(struct bh_retention *ret,
			const struct bh_retention *want,
			struct netlink_ext_ack *extack)
{
	if (want->mode == BLKHOLD_RETAIN_MODE_NONE) {
		NL_SET_ERR_MSG(extack, "record-retain needs retain-until and retain-mode");
		return -EINVAL;
	}
	if (ret->mode != BLKHOLD_RETAIN_MODE_NONE) {
		if (want->until < ret->until) {
			NL_SET_ERR_MSG(extack,
				       "a retention date can be extended, never made earlier");
			return -EPERM;
		}
		if (want->mode < ret->mode) {
			NL_SET_ERR_MSG(extack,
				       "compliance mode is never made governance");
			return -EPERM;
		}
	}
	*ret = *want;
	return 0;
}

int bh_retention_put(struct sk_buff *skb, const struct bh_retention *ret)
{
	if (ret->mode == BLKHOLD_RETAIN_MODE_NONE)
		return 0;
	if (nla_put_u64_64bit(skb, BLKHOLD_HOLD_A_RETAIN_UNTIL, ret->until,
			      BLKHOLD_HOLD_A_PAD) ||
	    nla_put_u8(skb, BLKHOLD_HOLD_A_RETAIN_MODE, ret->mode))
		return -EMSGSIZE;
	return 0;
}

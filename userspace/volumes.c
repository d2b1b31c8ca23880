// SPDX-License-Identifier: GPL-2.0
/*
 * Held volumes as the kernel reports them. A dump that a change
 * interrupted is fetched again, so what is shown is one consistent state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "blkhold.h"

void copy_string(char *dst, size_t len, const struct nlattr *a)
{
	snprintf(dst, len, "%s", a ? (const char *)nla_data(a) : "");
}

/* One BLKHOLD_A_HOLD nest. */
int hold_parse(struct hold *h, struct nlattr *nest)
{
	struct nlattr *tb[BLKHOLD_HOLD_A_MAX + 1];

	memset(h, 0, sizeof(*h));
	if (nla_parse_nested(tb, BLKHOLD_HOLD_A_MAX, nest, NULL))
		return -1;
	copy_string(h->name, sizeof(h->name), tb[BLKHOLD_HOLD_A_NAME]);
	copy_string(h->reason, sizeof(h->reason), tb[BLKHOLD_HOLD_A_REASON]);
	copy_string(h->comm, sizeof(h->comm), tb[BLKHOLD_HOLD_A_COMM]);
	if (tb[BLKHOLD_HOLD_A_UID])
		h->uid = nla_get_u32(tb[BLKHOLD_HOLD_A_UID]);
	if (tb[BLKHOLD_HOLD_A_PID])
		h->pid = nla_get_u32(tb[BLKHOLD_HOLD_A_PID]);
	if (tb[BLKHOLD_HOLD_A_CTIME])
		h->ctime = nla_get_u64(tb[BLKHOLD_HOLD_A_CTIME]);
	h->persistent = tb[BLKHOLD_HOLD_A_PERSISTENT];
	if (tb[BLKHOLD_HOLD_A_VIA])
		copy_string(h->via, sizeof(h->via), tb[BLKHOLD_HOLD_A_VIA]);
	if (tb[BLKHOLD_HOLD_A_CUSTODIANS])
		h->custodians = nla_get_u32(tb[BLKHOLD_HOLD_A_CUSTODIANS]);
	if (tb[BLKHOLD_HOLD_A_RETAIN_UNTIL] && tb[BLKHOLD_HOLD_A_RETAIN_MODE]) {
		h->retain_until = nla_get_u64(tb[BLKHOLD_HOLD_A_RETAIN_UNTIL]);
		h->retain_mode = nla_get_u8(tb[BLKHOLD_HOLD_A_RETAIN_MODE]);
	}
	return 0;
}

/*
 * An array of @n items grows to twice its size when @n is a power of two:
 * a list of thousands is copied a few times, not once an item.
 */
static void *grow(void *array, size_t n, size_t size)
{
	if (n & (n - 1))
		return array;
	return realloc(array, (n ? 2 * n : 1) * size);
}

static int parse_hold(struct volume *v, struct nlattr *nest)
{
	struct hold *holds;

	holds = grow(v->holds, v->nr_holds, sizeof(*holds));
	if (!holds)
		return -1;
	v->holds = holds;
	if (hold_parse(&holds[v->nr_holds], nest))
		return -1;
	v->nr_holds++;
	return 0;
}

static void parse_counters(struct volume *v, struct nlattr *nest)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int kind = nla_type(a) - BLKHOLD_COUNTER_A_WRITE;

		if (kind >= 0 && kind < __BLKHOLD_KIND_MAX)
			v->refused[kind] = nla_get_u64(a);
	}
}

/*
 * A volume with many holds spans several messages: find the one started.
 * Volumes without a node of their own (ranges held beneath a stacked
 * volume, stored holds armed before their partition appeared) share
 * number 0:0 and are told apart by their start.
 */
static struct volume *volume_slot(struct volume_list *list, unsigned int major,
				  unsigned int minor, uint64_t diskseq, uint64_t start)
{
	struct volume *v;

	if (list->n) {
		v = &list->v[list->n - 1];
		if (v->major == major && v->minor == minor && v->diskseq == diskseq &&
		    v->start == start)
			return v;
	}
	v = grow(list->v, list->n, sizeof(*v));
	if (!v)
		return NULL;
	list->v = v;
	v = &v[list->n++];
	memset(v, 0, sizeof(*v));
	v->major = major;
	v->minor = minor;
	v->diskseq = diskseq;
	return v;
}

static int on_volume(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[BLKHOLD_A_MAX + 1], *a;
	struct volume_list *list = arg;
	struct volume *v;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL) ||
	    !tb[BLKHOLD_A_MAJOR] || !tb[BLKHOLD_A_MINOR] || !tb[BLKHOLD_A_DISKSEQ])
		return NL_SKIP;
	v = volume_slot(list, nla_get_u32(tb[BLKHOLD_A_MAJOR]),
			nla_get_u32(tb[BLKHOLD_A_MINOR]),
			nla_get_u64(tb[BLKHOLD_A_DISKSEQ]),
			tb[BLKHOLD_A_START] ? nla_get_u64(tb[BLKHOLD_A_START]) : 0);
	if (!v)
		return NL_STOP;
	copy_string(v->name, sizeof(v->name), tb[BLKHOLD_A_DEVNAME]);
	if (tb[BLKHOLD_A_START])
		v->start = nla_get_u64(tb[BLKHOLD_A_START]);
	if (tb[BLKHOLD_A_SECTORS])
		v->sectors = nla_get_u64(tb[BLKHOLD_A_SECTORS]);
	v->detached = tb[BLKHOLD_A_DETACHED];
	v->node_only = tb[BLKHOLD_A_NODE_ONLY];
	if (tb[BLKHOLD_A_COUNTERS])
		parse_counters(v, tb[BLKHOLD_A_COUNTERS]);
	nlmsg_for_each_attr(a, nlmsg_hdr(msg), GENL_HDRLEN, rem)
		if (nla_type(a) == BLKHOLD_A_HOLD && parse_hold(v, a))
			return NL_STOP;
	return NL_OK;
}

void volumes_free(struct volume_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].holds);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static void volumes_reset(void *arg)
{
	volumes_free(arg);
}

int volumes_fetch(struct volume_list *list)
{
	list->v = NULL;
	list->n = 0;
	if (conn_dump(BLKHOLD_CMD_VOLUME_GET, on_volume, volumes_reset, list,
		      "the holds"))
		return -1;
	return 0;
}

const struct hold *volume_hold(const struct volume *v, const char *name)
{
	size_t i;

	for (i = 0; v && i < v->nr_holds; i++)
		if (!strcmp(v->holds[i].name, name))
			return &v->holds[i];
	return NULL;
}

struct volume *volumes_find(struct volume_list *list, const struct device *dev)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->v[i].major == dev->major &&
		    list->v[i].minor == dev->minor &&
		    list->v[i].diskseq == dev->diskseq)
			return &list->v[i];
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_HOLD_H
#define BLKHOLD_HOLD_H

#include "blkhold.h"

int hold_request(uint8_t cmd, const struct args *args, const struct device *dev);

/* stack.c: holds on device-mapper volumes and what lies beneath */
bool stack_is_dm(const struct device *dev);
bool stack_is_md(const struct device *dev);
/*
 * Where a stored stacked hold's ranges on disks go, instead of holds
 * derived from the top's: @leaf is called for each (stack_store.c).
 */
struct stack_leaf_sink {
	int (*leaf)(void *ctx, unsigned int major, unsigned int minor,
		    uint64_t start, uint64_t sectors, bool node_only);
	void *ctx;
};

int stack_hold(const struct args *args, const struct device *dev,
	       const struct stack_leaf_sink *sink);

/* loop.c: devices whose storage is reachable elsewhere */
bool loop_is(const struct device *dev);
const char *storage_elsewhere(const struct device *dev);
int loop_extents(const struct device *dev, int (*each)(void *arg, unsigned int fs_major,
						       unsigned int fs_minor, uint64_t start,
						       uint64_t sectors),
		 void *arg, char *why, size_t why_len);

/* md_guard.c: md writes into held ranges that would fail a member */
size_t md_guard_arrays(void);
/* Fails (-1, said) if an own hold on @dev would cover a member of an md array. */
int md_refuse_member_hold(const struct device *dev);
/* A hold is gone: let the resync of each md array it freed run again. */
void stack_released(const struct volume_list *before);

/* stack_store.c: stored holds on stacked volumes */
struct entry;
struct ledger;

struct stack_store {
	const struct args *args;
	const struct device *top;
	char top_id[BLKHOLD_IDENTITY_MAX + 1];
	/* placing: the locked store, and the ranges stored and armed so far */
	struct ledger *ledger;
	struct entry *armed;
	size_t nr_armed;
	/* restoring: compare the map with the store's holds, place nothing stored */
	bool compare;
	const struct entry **active;
	size_t nr_active;
	bool *seen;
	unsigned int differ;
};

struct stack_restore_count {
	size_t placed, already, absent, differ;
};

int stack_top_identity(const struct device *dev, char *id, size_t len);
/* The same, quietly: -1 when it has none. */
int stack_identity(const struct device *dev, char *id, size_t len);
int stack_hold_stored(const struct args *args, const struct device *dev);
bool stack_stored(const struct ledger *l, const char *top, const char *name);
int stack_top_held(const struct entry *top);
bool stack_top_present(const char *id);
void stack_print_stored(const struct device *dev, const char *name);
int stack_release_stored(struct ledger *l, const char *top, const char *name,
			 const char *why);
int stack_restore(const struct entry **active, size_t n, struct stack_restore_count *c);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_STORE_H
#define BLKHOLD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/blkhold.h>

#include "sha256.h"

#define STORE_DEFAULT_DIR "/etc/blkhold"
/* hold id, ":" and up to 8 keys of 64 hex digits with commas */
#define CUSTODY_FIELD_MAX (32 + 1 + 8 * (SHA256_HEX_LEN + 1) + 1)
#define LEDGER_FILE "ledger"

/*
 * One line of the ledger: a hold placed or released. A stored hold is
 * named by identity, range and name; a release names the hold it ends.
 */
struct entry {
	uint64_t seq;
	uint64_t time;
	/*
	 * "hold" or "release"; "retain" gives a hold a later retention date
	 * (a copy of it with the new retain field); "fingerprint" and "verify" record a
	 * fingerprint of the hold's volume and a later check against it
	 * (fp_store.c), and change no hold.
	 */
	char op[16];
	uint32_t uid;
	char identity[BLKHOLD_IDENTITY_MAX + 1];
	uint64_t start, sectors, disk_sectors;
	char partuuid[40];
	char name[BLKHOLD_NAME_MAX + 1];
	char reason[BLKHOLD_REASON_MAX + 1];
	/*
	 * "" for a hold on a disk or partition. For a hold on a stacked
	 * volume, ROLE:TOP with TOP the stacked volume's identity
	 * ("dm-uuid=...", "md-uuid=...") and ROLE "top" for the volume
	 * itself, "data" or "meta" (md's own metadata: bios pass) for a
	 * range on a disk beneath.
	 */
	char stack[BLKHOLD_IDENTITY_MAX + 8];
	/*
	 * A hold with custodians: "ID:KEY,KEY..." with ID its hold id (32
	 * hex digits) and each KEY the SHA-256 of a custodian's certificate
	 * (hex), kept in STATE_DIR/certs/KEY.der (custody.c). "" for none.
	 */
	char custody[CUSTODY_FIELD_MAX];
	/* A release on a custodian's order: the SHA-256 of the order (DER). */
	char order[SHA256_HEX_LEN + 1];
	/* A hold's retention date: "MODE:SECONDS" (retention.c), "" for none. */
	char retain[40];
	/* A release before a governance date by override. */
	bool override;
	/* The kernel's retention clock when the entry was written; 0: not read. */
	uint64_t clock;
	char prev[SHA256_HEX_LEN + 1];
	char hash[SHA256_HEX_LEN + 1];
	size_t line;			/* line number in the file */
	bool salvaged;			/* a line that did not parse, armed whole */
};

/*
 * A hold on all of a disk whose size is not known (one placed by identity,
 * a damaged line that names an identity): a range past any disk's end,
 * with disk size 0 ("not known"), which the kernel holds as given.
 */
#define LEDGER_WHOLE_DISK	(1ULL << 50)

struct ledger {
	char dir[4096];
	char path[4096 + 16];
	bool exists;
	char *text;			/* the file as read */
	size_t len;
	struct entry *e;
	size_t n;
	size_t intact;			/* entries before the first problem */
	char problem[4096 + 640];		/* "" when the chain is intact */
	size_t appended;		/* entries written since it was read */
	char head[SHA256_HEX_LEN + 1];	/* the last one's hash */
	uint64_t checkpoint;		/* the latest clock= of an intact entry */
	int lock_fd;
};

const char *store_dir(void);
void store_set_dir(const char *dir);

int ledger_open(struct ledger *l, bool lock);
int ledger_from_text(struct ledger *l, const char *origin, const char *text,
		     size_t len);
void ledger_close(struct ledger *l);
int ledger_append(struct ledger *l, struct entry *e);
const char *ledger_head(const struct ledger *l);
uint64_t ledger_checkpoint(const struct ledger *l);
bool entry_same_hold(const struct entry *a, const struct entry *b);
bool entry_is_top(const struct entry *e);
bool entry_is_beneath(const struct entry *e);
bool entry_is_meta(const struct entry *e);
bool entry_in_stack(const struct entry *e, const char *top, const char *name);
void store_remind_initramfs(void);
size_t ledger_active(const struct ledger *l, const struct entry ***out);

#endif

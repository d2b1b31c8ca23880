/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_CUSTODY_H
#define BLKHOLD_CUSTODY_H

#include <stdbool.h>
#include <stddef.h>

#include <netlink/msg.h>

struct args;
struct entry;

#define CUSTODY_MAX	8	/* custodians of one hold */
#define HOLD_ID_LEN	16

/* custody.c: a hold's custodians, and the orders that release it */
struct blob {
	unsigned char *data;
	size_t len;
};

void blob_free(struct blob *b);
/*
 * The certificates of hold --release-cert, as DER one after another in
 * @certs. With @e (a stored hold), each is kept in STATE_DIR/certs/KEY.der
 * and @e->custody names them with a new hold id. Prints the error.
 */
int custody_from_args(const struct args *args, struct blob *certs, struct entry *e);
/*
 * Release-certs and hold-id for the stored hold @e, whose certificates
 * are read back from STATE_DIR/certs and checked against the ledger. 0
 * (nothing put) for a hold without custodians, -1 with @why.
 */
int custody_put_stored(struct nl_msg *msg, const struct entry *e, char *why, size_t why_len);
/*
 * --order FILE (DER or PEM) into @der; with @e, the ledger's release
 * entry, its SHA-256 into @e->order and a copy into STATE_DIR/orders.
 * Prints the error.
 */
int order_read(const char *path, struct blob *der);
int order_keep(const struct blob *der, struct entry *e);

#endif

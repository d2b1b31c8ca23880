/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_REGISTRY_H
#define BLKHOLD_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

struct ledger;

/* registry.c: a store's ledger as a signed bundle, and fetching one */
X509 *x509_read(const char *path, char *why, size_t why_len);
char *bundle_make(const struct ledger *l, size_t *len);
long bundle_sign(const char *data, size_t len, const char *key_path,
		 const char *cert_path, unsigned char **sig, char *why,
		 size_t why_len);
int sign_into(const char *out, const char *data, size_t len, const char *key_path,
	      const char *cert_path);
int bundle_verify(const char *data, size_t len, const unsigned char *sig,
		  size_t sig_len, const char *cert_path, char *why, size_t why_len);
int bundle_parse(const char *data, size_t len, const char *origin,
		 struct ledger *l, uint64_t *sequence, char *why, size_t why_len);
int fetch(const char *where, long timeout, char **data, size_t *len, char *why,
	  size_t why_len);

/* The bundle at @where, its signature checked with @cert; cmd_restore.c, cmd_import.c. */
int bundle_load(const char *where, const char *cert, struct ledger *l,
		uint64_t *sequence);

#endif

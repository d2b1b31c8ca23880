// SPDX-License-Identifier: GPL-2.0
/*
 * A hold's custodians: the certificates whose keys sign the order that
 * releases it. The kernel keeps them and checks the order; the store
 * keeps each certificate in STATE_DIR/certs/KEY.der (KEY its SHA-256) and
 * the ledger names them, so that restore gives the kernel the same ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "blkhold.h"
#include "custody.h"
#include "registry.h"
#include "store.h"

void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static int blob_append(struct blob *b, const void *data, size_t len)
{
	unsigned char *p = realloc(b->data, b->len + len);

	if (!p)
		return -1;
	memcpy(p + b->len, data, len);
	b->data = p;
	b->len += len;
	return 0;
}

static void to_hex(const unsigned char *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int from_hex(const char *in, size_t len, unsigned char *out)
{
	unsigned int v;
	size_t i;

	if (strspn(in, "0123456789abcdef") < 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(in + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return 0;
}

static void store_path(char *path, size_t len, const char *sub, const char *key,
		       const char *ext)
{
	snprintf(path, len, "%s/%s/%s.%s", store_dir(), sub, key, ext);
}

static int keep_file(const char *sub, const char *key, const char *ext,
		     const struct blob *b)
{
	char dir[4096 + 16], path[4096 + 128];
	int err;

	snprintf(dir, sizeof(dir), "%s/%s", store_dir(), sub);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fail(dir, "cannot make the directory: %s", strerror(errno));
		return -1;
	}
	store_path(path, sizeof(path), sub, key, ext);
	err = write_file_atomic(path, b->data, b->len, 0600);
	if (err)
		fail(path, "cannot write it: %s", strerror(-err));
	return err ? -1 : 0;
}

/* The certificate at @path as DER, its SHA-256 in @key (hex). */
static int cert_der(const char *path, struct blob *der, char key[SHA256_HEX_LEN + 1])
{
	unsigned char *p = NULL;
	char why[256];
	X509 *cert = x509_read(path, why, sizeof(why));
	int len;

	if (!cert) {
		fail(path, "--release-cert %s", why);
		return -1;
	}
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) != EVP_PKEY_RSA)
		warn(path, "the custodian's key is not RSA: Debian 12's 6.1 kernel cannot check its orders");
	len = i2d_X509(cert, &p);
	X509_free(cert);
	if (len <= 0) {
		fail(path, "cannot encode the certificate as DER");
		return -1;
	}
	der->data = p;
	der->len = len;
	sha256_hex(p, len, key);
	return 0;
}

int custody_from_args(const struct args *args, struct blob *certs, struct entry *e)
{
	unsigned char id[HOLD_ID_LEN];
	char key[SHA256_HEX_LEN + 1];
	struct blob der;
	unsigned int i;
	size_t n;

	if (e && RAND_bytes(id, sizeof(id)) != 1) {
		fail(args->name, "cannot draw a hold id");
		return -1;
	}
	if (e) {
		to_hex(id, sizeof(id), e->custody);
		strcat(e->custody, ":");
	}
	for (i = 0; i < args->nr_release_certs; i++) {
		if (cert_der(args->release_certs[i], &der, key))
			goto fail;
		if (blob_append(certs, der.data, der.len) ||
		    (e && keep_file("certs", key, "der", &der))) {
			OPENSSL_free(der.data);
			goto fail;
		}
		OPENSSL_free(der.data);
		if (e) {
			n = strlen(e->custody);
			snprintf(e->custody + n, sizeof(e->custody) - n, "%s%s",
				 i ? "," : "", key);
		}
	}
	return 0;
fail:
	blob_free(certs);
	return -1;
}

/* Append the kept certificate @key to @certs, checked against its name. */
static int custody_load(const char *key, struct blob *certs, char *why, size_t why_len)
{
	char path[4096 + 128], hex[SHA256_HEX_LEN + 1];
	int err;

	store_path(path, sizeof(path), "certs", key, "der");
	err = sha256_file(path, hex);
	if (err) {
		snprintf(why, why_len, "a custodian's certificate %s: %s", path, strerror(-err));
		return -1;
	}
	if (strcmp(hex, key)) {
		snprintf(why, why_len, "a custodian's certificate %s is not the one the ledger names",
			 path);
		return -1;
	}
	err = read_whole(path, (char **)&certs->data, &certs->len);
	if (err)
		snprintf(why, why_len, "cannot read %s: %s", path, strerror(-err));
	return err ? -1 : 0;
}

int custody_put_stored(struct nl_msg *msg, const struct entry *e, char *why, size_t why_len)
{
	char keys[CUSTODY_FIELD_MAX], *key, *save = NULL;
	unsigned char id[HOLD_ID_LEN];
	struct blob certs = { 0 }, one;
	int err = 0;

	if (!e->custody[0])
		return 0;
	snprintf(keys, sizeof(keys), "%s", e->custody);
	key = strchr(keys, ':');
	if (!key || key - keys != 2 * HOLD_ID_LEN || from_hex(keys, HOLD_ID_LEN, id)) {
		snprintf(why, why_len, "the ledger's custody field is not HOLD-ID:KEYS");
		err = -1;
	}
	for (key = err ? NULL : strtok_r(key + 1, ",", &save); key && !err;
	     key = strtok_r(NULL, ",", &save)) {
		one = (struct blob){ 0 };
		err = custody_load(key, &one, why, why_len);
		if (!err)
			err = blob_append(&certs, one.data, one.len);
		blob_free(&one);
	}
	if (!err && !certs.len) {
		snprintf(why, why_len, "the ledger's custody field names no certificate");
		err = -1;
	}
	/* the data matters more than who may release it: held, and said */
	if (err) {
		warn(e->identity, "hold '%s' is armed without its custodians: %s", e->name, why);
		blob_free(&certs);
		return 0;
	}
	if (nla_put(msg, BLKHOLD_A_RELEASE_CERTS, certs.len, certs.data) ||
	    nla_put(msg, BLKHOLD_A_HOLD_ID, HOLD_ID_LEN, id)) {
		snprintf(why, why_len, "the custodians' certificates do not fit in a request");
		err = -1;
	}
	blob_free(&certs);
	return err ? -1 : 0;
}

int order_read(const char *path, struct blob *der)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	BIO *bio;

	int err = read_whole(path, (char **)&der->data, &der->len);

	if (err) {
		fail(path, "--order: cannot read it: %s", strerror(-err));
		return -1;
	}
	if (der->len < 11 || memcmp(der->data, "-----BEGIN ", 11))
		return 0;
	bio = BIO_new_mem_buf(der->data, der->len);
	if (!bio || !PEM_read_bio(bio, &name, &header, &data, &len)) {
		BIO_free(bio);
		blob_free(der);
		fail(path, "--order: PEM that does not decode");
		return -1;
	}
	BIO_free(bio);
	blob_free(der);
	der->data = malloc(len);
	if (der->data) {
		memcpy(der->data, data, len);
		der->len = len;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return der->data ? 0 : -1;
}

int order_keep(const struct blob *der, struct entry *e)
{
	sha256_hex(der->data, der->len, e->order);
	return keep_file("orders", e->order, "p7s", der);
}

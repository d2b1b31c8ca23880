// SPDX-License-Identifier: GPL-2.0
/*
 * Registry bundles: a store's ledger carried off the host, so that holds
 * are enforced where the host's own OS does not run (a provider's wipe
 * image) and merged into a fleet's registry. A bundle is text:
 *
 *   blkhold-registry 1
 *   sequence N        the ledger's entry count: it only grows
 *   head HASH         the ledger's last hash
 *   blkhold-ledger 1  the ledger, verbatim
 *   ...
 *
 * signed apart (FILE.p7s): a detached CMS signature, DER, RSA and SHA-256,
 * made and checked with OpenSSL's libcrypto, the same that "openssl cms
 * -verify" checks. A bundle is fetched with libcurl (http, https, file).
 */
#define _GNU_SOURCE
#include "dl.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkhold.h"
#include "registry.h"
#include "store.h"

#define BUNDLE_MAGIC "blkhold-registry 1\n"
#define BUNDLE_MAX_BYTES (64u << 20)

/* The last OpenSSL error as text, for a one-line message. */
static const char *ssl_error(void)
{
	static char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* ---- making a bundle ---- */

/* The bundle of ledger @l, allocated; NULL when out of memory. */
char *bundle_make(const struct ledger *l, size_t *len)
{
	const char *text = l->exists ? l->text : "blkhold-ledger 1\n";
	size_t text_len = l->exists ? l->len : strlen(text);
	char *out = NULL;
	int n;

	n = asprintf(&out, "%ssequence %zu\nhead %s\n%.*s", BUNDLE_MAGIC,
		     l->n + l->appended, ledger_head(l), (int)text_len, text);
	if (n < 0)
		return NULL;
	*len = n;
	return out;
}

/* The X.509 certificate at @path, PEM or DER; NULL with @why. */
X509 *x509_read(const char *path, char *why, size_t why_len)
{
	X509 *cert = NULL;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(why, why_len, "cannot open the certificate: %s", strerror(errno));
		return NULL;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	if (!cert) {
		rewind(f);
		cert = d2i_X509_fp(f, NULL);
	}
	fclose(f);
	if (!cert)
		snprintf(why, why_len, "is not an X.509 certificate (PEM or DER)");
	return cert;
}

static EVP_PKEY *read_key(const char *path, char *why, size_t why_len)
{
	EVP_PKEY *key = NULL;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(why, why_len, "cannot open the key: %s", strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		snprintf(why, why_len, "is not a private key in PEM (%s)", ssl_error());
	return key;
}

/*
 * The detached CMS signature (DER) of @len bytes at @data by @key_path
 * with @cert_path, allocated in *@sig. Returns its length, or -1 with the
 * reason in @why.
 */
long bundle_sign(const char *data, size_t len, const char *key_path,
		 const char *cert_path, unsigned char **sig, char *why,
		 size_t why_len)
{
	EVP_PKEY *key = read_key(key_path, why, why_len);
	X509 *cert = key ? x509_read(cert_path, why, why_len) : NULL;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	long n = -1;

	if (!key || !cert)
		goto out;
	if (!X509_check_private_key(cert, key)) {
		snprintf(why, why_len, "the key is not the certificate's");
		goto out;
	}
	in = BIO_new_mem_buf(data, len);
	cms = in ? CMS_sign(cert, key, NULL, in, CMS_DETACHED | CMS_BINARY) : NULL;
	if (!cms) {
		snprintf(why, why_len, "cannot sign: %s", ssl_error());
		goto out;
	}
	*sig = NULL;
	n = i2d_CMS_ContentInfo(cms, sig);
	if (n <= 0) {
		snprintf(why, why_len, "cannot encode the signature: %s", ssl_error());
		n = -1;
	}
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(cert);
	EVP_PKEY_free(key);
	return n;
}

/* ---- checking one ---- */

/*
 * Sign @len bytes at @data with @key_path and @cert_path into @out.p7s
 * (detached CMS, DER). 0, or -1 with the error said.
 */
int sign_into(const char *out, const char *data, size_t len, const char *key_path,
	      const char *cert_path)
{
	char path[4096 + 8], why[512];
	unsigned char *sig;
	long n;
	int err;

	n = bundle_sign(data, len, key_path, cert_path, &sig, why, sizeof(why));
	if (n < 0) {
		fail(key_path, "%s", why);
		return -1;
	}
	snprintf(path, sizeof(path), "%s.p7s", out);
	err = write_file_atomic(path, sig, n, 0644);
	free(sig);
	if (err)
		fail(path, "cannot write the signature: %s", strerror(-err));
	return err ? -1 : 0;
}

/*
 * Is the @sig_len bytes at @sig a good detached signature of @data by the
 * certificate @cert_path (itself trusted: no chain to a CA)? 0, or -1 with
 * the reason in @why.
 */
int bundle_verify(const char *data, size_t len, const unsigned char *sig,
		  size_t sig_len, const char *cert_path, char *why, size_t why_len)
{
	X509 *cert = x509_read(cert_path, why, why_len);
	const unsigned char *p = sig;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL;
	X509_STORE *store = NULL;
	BIO *in = NULL;
	int err = -1;

	if (!cert)
		return -1;
	cms = d2i_CMS_ContentInfo(NULL, &p, sig_len);
	if (!cms) {
		snprintf(why, why_len, "the signature is not a CMS signature in DER");
		goto out;
	}
	store = X509_STORE_new();
	in = BIO_new_mem_buf(data, len);
	if (!store || !in || !X509_STORE_add_cert(store, cert) ||
	    !X509_STORE_set_purpose(store, X509_PURPOSE_ANY)) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	if (CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY) != 1) {
		snprintf(why, why_len, "the signature does not verify with that certificate (%s)",
			 ssl_error());
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1 ||
	    X509_cmp(sk_X509_value(signers, 0), cert)) {
		snprintf(why, why_len, "the bundle is not signed by that certificate itself");
		goto out;
	}
	err = 0;
out:
	sk_X509_free(signers);
	BIO_free(in);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	return err;
}

/*
 * Read a bundle's header and its ledger into @l. 0, or -1 with the reason
 * in @why: not a bundle, a damaged ledger, a header that disagrees with it.
 */
int bundle_parse(const char *data, size_t len, const char *origin,
		 struct ledger *l, uint64_t *sequence, char *why, size_t why_len)
{
	char head[SHA256_HEX_LEN + 1];
	const char *p = data, *end = data + len;
	int consumed = 0;

	if (len < strlen(BUNDLE_MAGIC) || memcmp(data, BUNDLE_MAGIC, strlen(BUNDLE_MAGIC))) {
		snprintf(why, why_len, "is not a blkhold registry (no \"blkhold-registry 1\" header)");
		return -1;
	}
	p += strlen(BUNDLE_MAGIC);
	if (sscanf(p, "sequence %" SCNu64 "\nhead %64[0-9a-f]\n%n", sequence, head,
		   &consumed) != 2 || !consumed) {
		snprintf(why, why_len, "has no sequence and head lines");
		return -1;
	}
	p += consumed;
	if (ledger_from_text(l, origin, p, end - p)) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	if (l->problem[0]) {
		snprintf(why, why_len, "carries a damaged ledger (%s)", l->problem);
		ledger_close(l);
		return -1;
	}
	if (*sequence != l->n || strcmp(head, ledger_head(l))) {
		snprintf(why, why_len, "says sequence %" PRIu64 " head %.16s, its ledger has %zu entries, head %.16s",
			 *sequence, head, l->n, ledger_head(l));
		ledger_close(l);
		return -1;
	}
	return 0;
}

/* ---- fetching ---- */

struct buffer {
	char *data;
	size_t len;
};

static size_t buffer_add(char *ptr, size_t size, size_t n, void *arg)
{
	struct buffer *b = arg;
	size_t more = size * n;
	char *grown;

	if (b->len + more > BUNDLE_MAX_BYTES)
		return 0;
	grown = realloc(b->data, b->len + more + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, more);
	b->data = grown;
	b->len += more;
	b->data[b->len] = '\0';
	return more;
}

/* A file's bytes, allocated in *@data. */
static int read_local(const char *path, char **data, size_t *len, char *why,
		      size_t why_len)
{
	struct buffer b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buffer_add(chunk, 1, n, &b) != n)
			break;
	if (ferror(f) || !feof(f)) {
		snprintf(why, why_len, "cannot read %s (or it is larger than 64 MiB)", path);
		fclose(f);
		free(b.data);
		return -1;
	}
	fclose(f);
	*data = b.data ? b.data : strdup("");
	*len = b.len;
	return *data ? 0 : -1;
}

/*
 * The bytes at @where (a URL or a file name), allocated in *@data, giving
 * up after @timeout seconds. 0, or -1 with the reason in @why.
 */
int fetch(const char *where, long timeout, char **data, size_t *len, char *why,
	  size_t why_len)
{
	char url[8192], errbuf[CURL_ERROR_SIZE] = "";
	struct buffer b = { 0 };
	const struct dl_curl *c;
	long code = 0;
	CURLcode rc;
	CURL *curl;

	if (!strstr(where, "://"))
		return read_local(where, data, len, why, why_len);
	c = dl_curl(why, why_len);
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "%s", where);
	curl = c->easy_init();
	if (!curl) {
		snprintf(why, why_len, "cannot start libcurl");
		return -1;
	}
	c->easy_setopt(curl, CURLOPT_URL, url);
	c->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
	c->easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	c->easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	c->easy_setopt(curl, CURLOPT_WRITEFUNCTION, buffer_add);
	c->easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	c->easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = c->easy_perform(curl);
	c->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	c->easy_cleanup(curl);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "cannot fetch it: %s",
			 errbuf[0] ? errbuf : c->easy_strerror(rc));
		free(b.data);
		return -1;
	}
	*data = b.data ? b.data : strdup("");
	*len = b.len;
	return *data ? 0 : -1;
}

/* How long a fetch may take: BLKHOLD_FETCH_TIMEOUT seconds, else 30. */
static long fetch_timeout(void)
{
	const char *env = getenv("BLKHOLD_FETCH_TIMEOUT");
	long t = env ? strtol(env, NULL, 10) : 0;

	return t > 0 ? t : 30;
}

/*
 * The bundle at @where into @l, with its signature @where.p7s checked
 * against @cert when one is given. Prints the error.
 */
int bundle_load(const char *where, const char *cert, struct ledger *l,
		uint64_t *sequence)
{
	char why[4600], sig_where[8200];
	char *data = NULL, *sig = NULL;
	size_t len, sig_len;
	int err = -1;

	if (fetch(where, fetch_timeout(), &data, &len, why, sizeof(why)))
		goto out;
	if (cert) {
		snprintf(sig_where, sizeof(sig_where), "%s.p7s", where);
		if (fetch(sig_where, fetch_timeout(), &sig, &sig_len, why, sizeof(why)) ||
		    bundle_verify(data, len, (unsigned char *)sig, sig_len, cert, why,
				  sizeof(why)))
			goto out;
	}
	err = bundle_parse(data, len, where, l, sequence, why, sizeof(why));
out:
	if (err)
		fail(where, "%s", why);
	free(data);
	free(sig);
	return err;
}

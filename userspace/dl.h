/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_DL_H
#define BLKHOLD_DL_H

#include <stddef.h>

#include <curl/curl.h>
#include <libcryptsetup.h>

/*
 * Libraries that one command each needs, opened when it first does: every
 * blkhold call loading libcurl, libsystemd and libcryptsetup (51 shared
 * objects with theirs) cost a guest under TCG a second a call. NULL, with
 * @why (if not NULL) saying which library is missing, when it cannot be
 * loaded.
 */
struct dl_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
};

struct dl_cryptsetup {
	int (*init)(struct crypt_device **cd, const char *device);
	int (*format)(struct crypt_device *cd, const char *type, const char *cipher,
		      const char *cipher_mode, const char *uuid, const char *volume_key,
		      size_t volume_key_size, void *params);
	int (*volume_key_get)(struct crypt_device *cd, int keyslot, char *volume_key,
			      size_t *volume_key_size, const char *passphrase,
			      size_t passphrase_size);
	void (*free)(struct crypt_device *cd);
};

struct dl_journal {
	int (*send)(const char *format, ...);
};

const struct dl_curl *dl_curl(char *why, size_t why_len);
const struct dl_cryptsetup *dl_cryptsetup(char *why, size_t why_len);
const struct dl_journal *dl_journal(char *why, size_t why_len);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * libcurl (restore --from URL), libcryptsetup (fingerprint --format
 * verity) and libsystemd (the audit trail's journal), opened on first use.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "dl.h"

/* Fill @n pointers at @fns with @names' symbols from @soname. 0 or -1 with @why. */
static int dl_open(const char *soname, const char *const *names, void **fns, size_t n,
		   char *why, size_t why_len)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!lib) {
		if (why)
			snprintf(why, why_len, "cannot load %s (install it): %s", soname, dlerror());
		return -1;
	}
	for (i = 0; i < n; i++) {
		fns[i] = dlsym(lib, names[i]);
		if (!fns[i]) {
			if (why)
				snprintf(why, why_len, "%s has no %s", soname, names[i]);
			return -1;
		}
	}
	return 0;
}

#define DL_COUNT(api)	(sizeof(api) / sizeof(void *))

/* A library's symbols, looked up once; @state 0 not tried, 1 loaded, -1 failed. */
struct dl_lib {
	const char *soname;
	const char *const *names;
	size_t n;
	int state;
};

static void *dl_load(struct dl_lib *lib, void **fns, char *why, size_t why_len)
{
	if (!lib->state)
		lib->state = dl_open(lib->soname, lib->names, fns, lib->n, why, why_len) ? -1 : 1;
	else if (lib->state < 0 && why)
		snprintf(why, why_len, "%s could not be loaded", lib->soname);
	return lib->state > 0 ? fns : NULL;
}

const struct dl_curl *dl_curl(char *why, size_t why_len)
{
	static const char *const names[] = {
		"curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
		"curl_easy_getinfo", "curl_easy_cleanup", "curl_easy_strerror",
	};
	static struct dl_curl api;
	static struct dl_lib lib = { .soname = "libcurl.so.4", .names = names, .n = DL_COUNT(api) };

	_Static_assert(DL_COUNT(api) == sizeof(names) / sizeof(names[0]), "dl_curl");
	return dl_load(&lib, (void **)&api, why, why_len);
}

const struct dl_cryptsetup *dl_cryptsetup(char *why, size_t why_len)
{
	static const char *const names[] = {
		"crypt_init", "crypt_format", "crypt_volume_key_get", "crypt_free",
	};
	static struct dl_cryptsetup api;
	static struct dl_lib lib = { .soname = "libcryptsetup.so.12", .names = names, .n = DL_COUNT(api) };

	_Static_assert(DL_COUNT(api) == sizeof(names) / sizeof(names[0]), "dl_cryptsetup");
	return dl_load(&lib, (void **)&api, why, why_len);
}

const struct dl_journal *dl_journal(char *why, size_t why_len)
{
	static const char *const names[] = { "sd_journal_send" };
	static struct dl_journal api;
	static struct dl_lib lib = { .soname = "libsystemd.so.0", .names = names, .n = DL_COUNT(api) };

	_Static_assert(DL_COUNT(api) == sizeof(names) / sizeof(names[0]), "dl_journal");
	return dl_load(&lib, (void **)&api, why, why_len);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 from OpenSSL's libcrypto (SHA-NI where the CPU has it), as hex
 * for the ledger's hash chain and raw for fingerprints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sha256.h"

/*
 * libcrypto fails a digest only without memory. Carrying on would write an
 * entry with no hash or believe an edited one: stop the command instead,
 * before it has written anything.
 */
static void digest_failed(void)
{
	fputs("blkhold: libcrypto cannot compute SHA-256 (out of memory?)\n", stderr);
	exit(1);
}

void sha256(const void *data, size_t len, unsigned char md[SHA256_LEN])
{
	if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		digest_failed();
}

void sha256_to_hex(const unsigned char md[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char md[SHA256_LEN];

	sha256(data, len, md);
	sha256_to_hex(md, hex);
}

/* SHA-256 of the file at @path, as hex. 0 or -errno. */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char buf[1 << 16], md[SHA256_LEN];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0 || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !EVP_DigestUpdate(ctx, buf, n)) {
			err = n < 0 ? -errno : -ENOMEM;
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, NULL))
		err = -ENOMEM;
	else
		sha256_to_hex(md, hex);
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return err;
}

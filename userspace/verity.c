// SPDX-License-Identifier: GPL-2.0
/*
 * A dm-verity hash tree of a volume, made by libcryptsetup as "veritysetup
 * format" makes it (SHA-256, 4 KiB blocks, a random salt, the superblock
 * at the start of the hash file), so that anyone can check the volume with
 * stock "veritysetup verify VOLUME HASHFILE ROOT", and the kernel could
 * map it read-only with dm-verity.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "dl.h"
#include "verity.h"

#define VERITY_BLOCK	4096

/* An empty hash file for libcryptsetup to write into: it opens, never creates. */
static int create_empty(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int verity_make(const char *data_path, uint64_t bytes, const char *hash_path,
		char root_hex[SHA256_HEX_LEN + 1], char *why, size_t why_len)
{
	unsigned char salt[SHA256_LEN], root[SHA256_LEN];
	struct crypt_params_verity p = {
		.hash_name = "sha256", .data_device = data_path,
		.salt = (const char *)salt, .salt_size = sizeof(salt),
		.hash_type = 1, .data_block_size = VERITY_BLOCK,
		.hash_block_size = VERITY_BLOCK, .data_size = bytes / VERITY_BLOCK,
		.flags = CRYPT_VERITY_CREATE_HASH,
	};
	const struct dl_cryptsetup *c = dl_cryptsetup(why, why_len);
	struct crypt_device *cd = NULL;
	size_t root_len = sizeof(root);
	int err;

	if (!c)
		return -1;

	if (!bytes || bytes % VERITY_BLOCK) {
		snprintf(why, why_len, "dm-verity needs a size that is a multiple of 4096 bytes, not %llu",
			 (unsigned long long)bytes);
		return -1;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		snprintf(why, why_len, "libcrypto has no random bytes for the salt");
		return -1;
	}
	err = create_empty(hash_path);
	if (!err)
		err = c->init(&cd, hash_path);
	if (!err)
		err = c->format(cd, CRYPT_VERITY, NULL, NULL, NULL, NULL, 0, &p);
	if (!err)
		err = c->volume_key_get(cd, CRYPT_ANY_SLOT, (char *)root, &root_len, NULL, 0);
	c->free(cd);
	if (err || root_len != sizeof(root)) {
		snprintf(why, why_len, "libcryptsetup cannot make the hash tree in %s: %s", hash_path,
			 strerror(err < 0 ? -err : EIO));
		unlink(hash_path);
		return -1;
	}
	sha256_to_hex(root, root_hex);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Custodians of a hold: the certificates whose keys may sign its release.
 * Each hold with custodians has a keyring of its own that nothing else can
 * reach: it is linked nowhere, its permissions are the possessor's only,
 * and a restriction refuses every key but the ones added here. A release
 * needs a PKCS#7 signature, verified by the kernel's own code
 * (verify_pkcs7_signature()), over an order text that the kernel renders
 * from what it holds and a nonce it drew: the kernel never parses the
 * signed text, and an order is good for one release.
 */
#include "blkhold.h"
#include "custody.h"

#include <crypto/sha2.h>
#include <linux/cred.h>
#include <linux/key.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/verification.h>

#define BH_CERT_MAX		8192
#define BH_NONCE_LEN		32
#define BH_ORDER_MAX		2048
#define BH_ORDER_LIFETIME_NS	(7ULL * 24 * 3600 * NSEC_PER_SEC)

struct bh_custody {
	struct key *keyring;
	unsigned int nr_keys;
	u8 fpr[BH_CUSTODIANS_MAX][SHA256_DIGEST_SIZE];
	u8 hold_id[BH_HOLD_ID_LEN];
	u8 nonce[BH_NONCE_LEN];
	bool nonce_valid;
	u64 nonce_expires;		/* boot time, ns */
};

/* Only keys added with KEY_ALLOC_BYPASS_RESTRICTION get in. */
static int bh_custody_restrict(struct key *keyring, const struct key_type *type,
			       const union key_payload *payload,
			       struct key *restriction_key)
{
	return -EPERM;
}

static struct key *bh_custody_keyring(void)
{
	struct key_restriction *restrict_link;
	struct key *keyring;

	restrict_link = kzalloc(sizeof(*restrict_link), GFP_KERNEL);
	if (!restrict_link)
		return ERR_PTR(-ENOMEM);
	restrict_link->check = bh_custody_restrict;
	keyring = keyring_alloc(".blkhold_custody", GLOBAL_ROOT_UID,
				GLOBAL_ROOT_GID, current_cred(),
				KEY_POS_VIEW | KEY_POS_READ | KEY_POS_WRITE |
				KEY_POS_SEARCH, KEY_ALLOC_NOT_IN_QUOTA,
				restrict_link, NULL);
	if (IS_ERR(keyring))
		kfree(restrict_link);
	return keyring;
}

/* The length of the DER element at @p, 0 if it is not one that fits. */
static size_t bh_der_len(const u8 *p, size_t avail)
{
	size_t len, head;

	if (avail < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		head = 2;
		len = p[1];
	} else if (p[1] == 0x81 && avail >= 3) {
		head = 3;
		len = p[2];
	} else if (p[1] == 0x82 && avail >= 4) {
		head = 4;
		len = (p[2] << 8) | p[3];
	} else {
		return 0;
	}
	return head + len <= avail ? head + len : 0;
}

static int bh_custody_add_cert(struct bh_custody *c, const u8 *der, size_t len,
			       struct netlink_ext_ack *extack)
{
	u8 fpr[SHA256_DIGEST_SIZE];
	key_ref_t key;
	unsigned int i;

	sha256(der, len, fpr);
	for (i = 0; i < c->nr_keys; i++)
		if (!memcmp(c->fpr[i], fpr, sizeof(fpr)))
			return 0;
	if (c->nr_keys == BH_CUSTODIANS_MAX) {
		NL_SET_ERR_MSG(extack, "a hold has at most 8 custodians");
		return -E2BIG;
	}
	key = key_create_or_update(make_key_ref(c->keyring, true), "asymmetric",
				   NULL, der, len,
				   KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH,
				   KEY_ALLOC_NOT_IN_QUOTA |
				   KEY_ALLOC_BYPASS_RESTRICTION);
	if (IS_ERR(key)) {
		NL_SET_ERR_MSG(extack,
			       "a custodian's certificate is not X.509 DER with a key this kernel can use (RSA works on every kernel, ECDSA not on 6.1)");
		return PTR_ERR(key);
	}
	key_ref_put(key);
	memcpy(c->fpr[c->nr_keys++], fpr, sizeof(fpr));
	return 0;
}

/*
 * Custodians from @certs, DER certificates one after another; @hold_id
 * names the placement (NULL: drawn now).
 */
struct bh_custody *bh_custody_new(const void *certs, size_t len,
				  const u8 *hold_id,
				  struct netlink_ext_ack *extack)
{
	const u8 *p = certs, *end = p + len;
	struct bh_custody *c;
	size_t one;
	int err = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->keyring = bh_custody_keyring();
	if (IS_ERR(c->keyring)) {
		err = PTR_ERR(c->keyring);
		c->keyring = NULL;
		goto out;
	}
	while (p < end && !err) {
		one = bh_der_len(p, end - p);
		if (!one || one > BH_CERT_MAX) {
			NL_SET_ERR_MSG(extack,
				       "the custodians' certificates are not DER, one after another, 8 KiB at most each");
			err = -EINVAL;
			break;
		}
		err = bh_custody_add_cert(c, p, one, extack);
		p += one;
	}
	if (!err && !c->nr_keys) {
		NL_SET_ERR_MSG(extack, "no custodian's certificate given");
		err = -EINVAL;
	}
	if (hold_id)
		memcpy(c->hold_id, hold_id, BH_HOLD_ID_LEN);
	else
		get_random_bytes(c->hold_id, BH_HOLD_ID_LEN);
out:
	if (err) {
		bh_custody_free(c);
		return ERR_PTR(err);
	}
	return c;
}

void bh_custody_free(struct bh_custody *c)
{
	if (!c)
		return;
	key_put(c->keyring);
	kfree_sensitive(c);
}

unsigned int bh_custody_count(const struct bh_custody *c)
{
	return c ? c->nr_keys : 0;
}

const u8 *bh_custody_hold_id(const struct bh_custody *c)
{
	return c->hold_id;
}

/* The custodians' fingerprints, one after another, as attribute @attr. */
int bh_custody_put_keys(struct sk_buff *skb, int attr,
			const struct bh_custody *c)
{
	return nla_put(skb, attr, c->nr_keys * SHA256_DIGEST_SIZE, c->fpr);
}

/* The order text for subject @s with the current nonce; its length. */
static int bh_custody_render(const struct bh_custody *c,
			     const struct bh_order_subject *s, char *buf)
{
	unsigned int i;
	int n;

	n = scnprintf(buf, BH_ORDER_MAX,
		      "blkhold-release-order v1\nidentity %s\nrange %llu %llu\nhold %s\nhold-id %*phN\n",
		      s->identity, (unsigned long long)s->start,
		      (unsigned long long)s->nr_sects, s->name,
		      BH_HOLD_ID_LEN, c->hold_id);
	for (i = 0; i < c->nr_keys; i++)
		n += scnprintf(buf + n, BH_ORDER_MAX - n, "custodian %*phN\n",
			       SHA256_DIGEST_SIZE, c->fpr[i]);
	n += scnprintf(buf + n, BH_ORDER_MAX - n, "nonce %*phN\n",
		       BH_NONCE_LEN, c->nonce);
	return n;
}

/* A new order for @s (the last one is void from now on); kfree() it. */
char *bh_custody_order(struct bh_custody *c, const struct bh_order_subject *s)
{
	char *text = kmalloc(BH_ORDER_MAX, GFP_KERNEL);

	if (!text)
		return NULL;
	get_random_bytes(c->nonce, BH_NONCE_LEN);
	c->nonce_valid = true;
	c->nonce_expires = ktime_get_boottime_ns() + BH_ORDER_LIFETIME_NS;
	bh_custody_render(c, s, text);
	return text;
}

static void bh_order_refused(int err, struct netlink_ext_ack *extack)
{
	switch (err) {
	case -EBADMSG:
	case -EINVAL:
		NL_SET_ERR_MSG(extack,
			       "the order is not a detached PKCS#7 signature in DER (openssl cms -sign -binary -noattr -outform DER)");
		break;
	case -ENOKEY:
		NL_SET_ERR_MSG(extack,
			       "the order is not signed by a custodian of this hold");
		break;
	case -EKEYREJECTED:
		NL_SET_ERR_MSG(extack,
			       "the order's signature is not over this hold's current order (another hold, an older order, or signed attributes)");
		break;
	case -ENOPKG:
		NL_SET_ERR_MSG(extack,
			       "the order is signed with an algorithm this kernel cannot verify");
		break;
	default:
		NL_SET_ERR_MSG(extack, "the order cannot be verified");
	}
}

/*
 * Does @order sign the current order for @s? It is used up if so. The
 * caller holds the registry's lock: one release at a time.
 */
int bh_custody_verify(struct bh_custody *c, const struct bh_order_subject *s,
		      const void *order, size_t len,
		      struct netlink_ext_ack *extack)
{
	char *text;
	int err, n;

	if (!order) {
		NL_SET_ERR_MSG(extack,
			       "the hold has custodians: its release needs an order one of them signed (blkhold release-order)");
		return -EPERM;
	}
	if (!c->nonce_valid || ktime_get_boottime_ns() > c->nonce_expires) {
		NL_SET_ERR_MSG(extack,
			       "no release order is outstanding for this hold: ask for one (blkhold release-order) and have it signed");
		return -ESTALE;
	}
	text = kmalloc(BH_ORDER_MAX, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	n = bh_custody_render(c, s, text);
	err = verify_pkcs7_signature(text, n, order, len, c->keyring,
				     VERIFYING_UNSPECIFIED_SIGNATURE, NULL, NULL);
	kfree(text);
	if (err) {
		bh_order_refused(err, extack);
		return err;
	}
	c->nonce_valid = false;
	return 0;
}

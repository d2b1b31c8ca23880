/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BLKHOLD_CLI_H
#define BLKHOLD_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <netlink/genl/genl.h>
#include <linux/blkhold.h>

#define PROG_NAME "blkhold"

struct command {
	const char *name;
	int (*run)(int argc, char *argv[], const struct command *self);
	const char *usage;	/* options after "blkhold NAME" */
	const char *summary;
	const char *help;	/* more for --help: files read and written */
};

struct args;

/* device.c: a block device named on the command line */
struct device {
	char path[4096];	/* as given */
	char canon[4096];	/* symlinks resolved */
	char name[64];		/* kernel name, e.g. "sdb1" */
	unsigned int major, minor;
	uint64_t diskseq;
	uint64_t sectors;
};

int device_resolve(const struct args *args, struct device *dev);
int read_sysfs(const char *dir, const char *file, char *buf, size_t len);
int read_sysfs_u64(const char *dir, const char *file, uint64_t *val);
int sysfs_diskseq(const char *dir, uint64_t *diskseq);
int read_uevent(unsigned int major, unsigned int minor, const char *key, char *buf,
		size_t len);
void device_warn_writers(const struct device *dev);

/* nl.c: talking to the blkhold family */
struct nl_conn {
	struct nl_sock *sock;
	int family;
	int (*event)(struct nl_msg *, void *);	/* conn_subscribe()'s */
	void *event_arg;
};

int conn_open(struct nl_conn *conn, const char *what);
int conn_open_quiet(struct nl_conn *conn);
void conn_close(struct nl_conn *conn);
struct nl_msg *conn_request(struct nl_conn *conn, uint8_t cmd, int flags);
int conn_transact(struct nl_conn *conn, struct nl_msg *msg,
		int (*valid)(struct nl_msg *, void *), void *arg,
		char *errmsg, size_t errlen);
int conn_dump(uint8_t cmd, int (*valid)(struct nl_msg *, void *),
	      void (*reset)(void *), void *arg, const char *what);
int conn_watch(struct nl_conn *conn, int (*valid)(struct nl_msg *, void *),
	       void *arg, volatile int *stop);
int conn_subscribe(struct nl_conn *conn, int (*valid)(struct nl_msg *, void *),
		   void *arg);
int conn_receive(struct nl_conn *conn, int timeout_ms, volatile int *stop);
int conn_watch_family(struct nl_conn *conn);
bool conn_family_gone(struct nl_msg *msg);

/* volumes.c: held volumes as the kernel reports them */
struct hold {
	char name[BLKHOLD_NAME_MAX + 1];
	char reason[BLKHOLD_REASON_MAX + 1];
	uint32_t uid, pid;
	char comm[32];
	uint64_t ctime;
	bool persistent;	/* made from a stored hold */
	char via[64];		/* derived: the stacked volume it holds for */
	uint32_t custodians;	/* released only on the order of one of them */
	uint64_t retain_until;	/* retention date on the retention clock */
	uint8_t retain_mode;	/* enum blkhold_retain_mode */
};

struct volume {
	unsigned int major, minor;
	uint64_t diskseq;
	char name[64];
	uint64_t start, sectors;
	bool detached;
	bool node_only;		/* held against node writes only (md metadata) */
	uint64_t refused[__BLKHOLD_KIND_MAX];
	struct hold *holds;
	size_t nr_holds;
};

struct volume_list {
	struct volume *v;
	size_t n;
};

int volumes_fetch(struct volume_list *list);
int hold_parse(struct hold *h, struct nlattr *nest);
void copy_string(char *dst, size_t len, const struct nlattr *a);
const struct hold *volume_hold(const struct volume *v, const char *name);

/* records.c: stored holds armed in the kernel */
struct record {
	char identity[BLKHOLD_IDENTITY_MAX + 1];
	uint64_t start, sectors, disk_sectors;
	char partuuid[BLKHOLD_PARTUUID_MAX + 1];	/* "" when not checked */
	uint32_t bound;		/* disks it holds now */
	bool beneath, node_only;	/* a range beneath a stacked volume */
	struct hold hold;
};

struct record_list {
	struct record *r;
	size_t n;
};

struct entry;
int records_fetch(struct record_list *list);
void records_free(struct record_list *list);
struct record *records_find(struct record_list *list, const struct entry *e);
int record_request(uint8_t cmd, const struct entry *e, const struct device *dev,
		   char *errmsg, size_t errlen);
struct blob;
void records_set_clock(uint64_t secs);
int record_retain(const struct entry *e, char *errmsg, size_t errlen);
int record_release(const struct entry *e, const struct blob *order, char *errmsg,
		   size_t errlen);
int record_arm_drain_later(const struct entry *e, const struct device *dev, char *errmsg,
			   size_t errlen);
int records_drain(struct nl_conn *conn, char *errmsg, size_t errlen);

/* identity.c */
int device_identity(const struct device *dev, struct entry *e);
const char *identity_problem(const char *id);
const char *device_identity_why(const struct device *dev, struct entry *e);
const char *device_identity_range(const struct device *dev, struct entry *e);
void volume_identity(unsigned int major, unsigned int minor, uint64_t diskseq,
		     char *id, size_t len);
void volumes_free(struct volume_list *list);
struct volume *volumes_find(struct volume_list *list, const struct device *dev);

/* event.c: the kernel's events, printed */
const char *event_name(uint8_t cmd);
void event_json(FILE *f, const char *event, const char *when, struct nlattr **tb);
void event_human(FILE *f, const char *event, const char *when, struct nlattr **tb);

/* file.c */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
int read_whole(const char *path, char **out, size_t *len);
int fsync_dir(const char *dir);
void parent_dir(const char *path, char *dir, size_t len);

/* format.c */
void json_string(FILE *f, const char *s);
void format_time(uint64_t epoch, char *buf, size_t len);
void format_size(uint64_t bytes, char *buf, size_t len);

/* output.c */
extern const char *const kind_names[__BLKHOLD_KIND_MAX];
void print_volume_json(FILE *f, const struct volume *v);
void print_hold_json(FILE *f, const struct hold *h);
uint64_t volume_refused_total(const struct volume *v);

/* errors: one line on stderr, "blkhold: WHAT: MESSAGE" */
void fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void warn(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* blkhold.c: options shared by the commands */
enum {
	OPT_DEVICE = 1, OPT_NAME = 2, OPT_REASON = 4, OPT_JSON = 8, OPT_DISKSEQ = 16,
	OPT_TRANSIENT = 32, OPT_INITRAMFS = 64, OPT_DEVICE_ONLY = 128,
	OPT_IDENTITY = 256, OPT_SECTORS = 512, OPT_OUT = 1024, OPT_SIGN = 2048,
	OPT_CERT = 4096, OPT_FROM = 8192, OPT_VERIFY = 16384, OPT_CHUNK = 32768,
	OPT_THREADS = 65536, OPT_CHUNKS = 131072, OPT_FOLLOW = 262144,
	OPT_SINCE = 524288, OPT_FORMAT = 1048576, OPT_BENEATH = 2097152,
	OPT_RELEASE_CERT = 4194304, OPT_ORDER = 8388608,
	OPT_RETAIN_UNTIL = 16777216, OPT_MODE = 33554432, OPT_OVERRIDE = 67108864,
};

struct args {
	const char *device;
	const char *name;
	const char *reason;
	bool json;
	bool has_diskseq;
	uint64_t diskseq;
	bool transient;
	const char *initramfs;
	bool device_only;	/* hold: not the storage a loop device reaches */
	const char *identity;	/* hold: a disk named by identity, not present */
	const char *sectors;	/* hold --identity: "START+COUNT" */
	const char *out;	/* export: the bundle's file */
	const char *sign;	/* export: the key that signs it */
	const char *cert;	/* export, import, restore --from: its certificate */
	const char *from;	/* restore: a registry's URL or file */
	bool verify;		/* fingerprint: check the volume against it */
	const char *chunk;	/* fingerprint: bytes per leaf, "1M" */
	const char *threads;	/* fingerprint: how many hash */
	const char *chunks;	/* fingerprint --verify: "A-B", the chunks to check */
	bool follow;		/* audit: record events as they come */
	const char *since;	/* audit: from this date on */
	const char *format;	/* fingerprint: "merkle" or "verity" */
	bool beneath;		/* fingerprint: the ranges beneath a stacked volume */
	const char *release_certs[8];	/* hold: the custodians' certificates */
	unsigned int nr_release_certs;
	const char *order;	/* release: a custodian's signed order */
	const char *retain_until;	/* hold: the retention date */
	const char *mode;	/* hold: "governance" or "compliance" */
	bool override;		/* release: before a governance date */
};

int parse_args(int argc, char *argv[], const struct command *cmd,
	       unsigned int allowed, struct args *args);
int check_hold_args(const struct args *args);

extern const struct command cmd_hold, cmd_release, cmd_list, cmd_status,
	cmd_watch, cmd_restore, cmd_verify, cmd_metrics, cmd_export, cmd_import,
	cmd_report, cmd_fingerprint, cmd_certificate, cmd_audit, cmd_release_order;

#endif

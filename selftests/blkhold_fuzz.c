// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for the blkhold netlink family. It sends generated and mutated
 * messages to every command (wrong types and lengths, nests, truncation,
 * unknown attributes and commands, huge values), as root and as an
 * unprivileged user, then adds and releases holds from several threads
 * while another dumps. Afterwards the registry must be what the test put
 * there: the anchor hold, nothing an unprivileged sender did, nothing left
 * by the threads. An oops or WARN fails the VM run (run-vm.sh).
 *
 * usage: blkhold_fuzz DEVICE [MESSAGES]
 *   DEVICE    a disk the valid-looking messages name; it gets holds
 *   MESSAGES  per phase, default 100000
 *
 * Output is KTAP. The seed is printed, and BLKHOLD_FUZZ_SEED repeats a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/blkhold.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	8192
#define ANCHOR		"fuzz-anchor"
#define THREADS		4
#define THREAD_ROUNDS	300

static int family;
static unsigned int major_nr, minor_nr;
static uint64_t diskseq, disk_sectors;
static char identity[BLKHOLD_IDENTITY_MAX + 1];
static int ktap_n, ktap_failed;

static void result(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void result(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", pass ? "ok" : "not ok", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	ktap_failed += !pass;
}

/* ---- a raw generic netlink socket ---- */

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0) {
		perror("socket");
		exit(2);
	}
	return fd;
}

static void set_timeout(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

struct msg {
	unsigned char b[BUF_SIZE];
	size_t len;
};

static struct nlmsghdr *msg_start(struct msg *m, int type, int flags, uint8_t cmd)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = NLMSG_DATA(h);

	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	return h;
}

/* Append an attribute; returns its header (for nests) or NULL when full. */
static struct nlattr *msg_put(struct msg *m, uint16_t type, const void *data,
			      size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->b))
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

static void msg_put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_u64(struct msg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_str(struct msg *m, uint16_t type, const char *s)
{
	msg_put(m, type, s, strlen(s) + 1);
}

static void msg_finish(struct msg *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = m->len;
}

/*
 * Send @m (@send_len bytes of it); read the replies to it, skipping late
 * ones to earlier requests (told by the sequence number). Returns the
 * error of the NLMSG_ERROR (0 for an ACK), 1 at a dump's end, or
 * -ETIMEDOUT when nothing came (at once for @wait_ms 0).
 */
static int transact_wait(int fd, struct msg *m, size_t send_len, long wait_ms,
			 void (*on_msg)(struct nlmsghdr *h, void *arg), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static __thread unsigned char rbuf[65536];
	static __thread uint32_t seq;
	int err = 1;

	((struct nlmsghdr *)m->b)->nlmsg_seq = ++seq;
	set_timeout(fd, wait_ms);
	if (sendto(fd, m->b, send_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (!wait_ms)
		return -ETIMEDOUT;
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return err;
			if (on_msg)
				on_msg(h, arg);
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

/* A well-formed request: its reply may be slow (a first hold drains). */
static int transact(int fd, struct msg *m, size_t send_len,
		    void (*on_msg)(struct nlmsghdr *h, void *arg), void *arg)
{
	return transact_wait(fd, m, send_len, 60000, on_msg, arg);
}

static int resolve_family(void)
{
	static const char name[] = BLKHOLD_FAMILY_NAME;
	unsigned char rbuf[4096];
	struct nlmsghdr *h;
	struct nlattr *a;
	struct msg m;
	int fd = nl_open(), id = -1;
	ssize_t n;

	msg_start(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, name, sizeof(name));
	msg_finish(&m);
	send(fd, m.b, m.len, 0);
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	h = (struct nlmsghdr *)rbuf;
	if (n > 0 && NLMSG_OK(h, (size_t)n) && h->nlmsg_type == GENL_ID_CTRL) {
		int left = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

		for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
		     left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
		     left -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
				id = *(uint16_t *)((char *)a + NLA_HDRLEN);
	}
	close(fd);
	return id;
}

/* ---- what the registry holds: names per volume, records ---- */

struct snapshot {
	char text[65536];
	size_t len;
	unsigned int holds, records;
};

static void attrs_walk(struct nlattr *a, int left, struct snapshot *s, int depth)
{
	for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
	     left -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		char *p = (char *)a + NLA_HDRLEN;
		int plen = a->nla_len - NLA_HDRLEN;

		if (depth == 0 && ((a->nla_type & NLA_TYPE_MASK) == BLKHOLD_A_HOLD)) {
			s->holds++;
			attrs_walk((struct nlattr *)p, plen, s, 1);
		} else if ((depth == 1 && (a->nla_type & NLA_TYPE_MASK) == BLKHOLD_HOLD_A_NAME) ||
			   (depth == 0 && ((a->nla_type & NLA_TYPE_MASK) == BLKHOLD_A_DEVNAME ||
					   (a->nla_type & NLA_TYPE_MASK) == BLKHOLD_A_IDENTITY ||
					   (a->nla_type & NLA_TYPE_MASK) == BLKHOLD_A_NAME))) {
			s->len += snprintf(s->text + s->len, sizeof(s->text) - s->len,
					   "%.*s ", plen, p);
			if (s->len >= sizeof(s->text))
				s->len = sizeof(s->text) - 1;
		}
	}
}

static void on_dump(struct nlmsghdr *h, void *arg)
{
	struct snapshot *s = arg;
	struct genlmsghdr *g = NLMSG_DATA(h);

	if (g->cmd == BLKHOLD_CMD_RECORD_GET)
		s->records++;
	attrs_walk((struct nlattr *)((char *)g + GENL_HDRLEN),
		   h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, s, 0);
	s->len += snprintf(s->text + s->len, sizeof(s->text) - s->len, "| ");
	if (s->len >= sizeof(s->text))
		s->len = sizeof(s->text) - 1;
}

static int snapshot_take(int fd, struct snapshot *s)
{
	struct msg m;
	int err;

	memset(s, 0, sizeof(*s));
	msg_start(&m, family, NLM_F_DUMP, BLKHOLD_CMD_VOLUME_GET);
	msg_finish(&m);
	err = transact(fd, &m, m.len, on_dump, s);
	if (err < 0)
		return err;
	s->len += snprintf(s->text + s->len, sizeof(s->text) - s->len, "|| ");
	msg_start(&m, family, NLM_F_DUMP, BLKHOLD_CMD_RECORD_GET);
	msg_finish(&m);
	err = transact(fd, &m, m.len, on_dump, s);
	return err < 0 ? err : 0;
}

/* ---- the generator ---- */

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)random() % n : 0;
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^ random();
}

/* Numbers near the edges, or the test disk's own, or anything. */
static uint64_t pick_u64(uint64_t real)
{
	static const uint64_t edges[] = { 0, 1, 2, 255, 256, 4095, 65535, 0x7fffffff,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, UINT64_MAX };

	switch (rnd(4)) {
	case 0:
		return edges[rnd(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return real;
	case 2:
		return real + rnd(5) - 2;
	default:
		return rnd64();
	}
}

static void put_string(struct msg *m, uint16_t type)
{
	static const char *const names[] = { "fz-0", "fz-1", "fz-2", "fz-3", ANCHOR,
		"", " ", "a\tb", "\xff\xfe", "caf\xc3\xa9" };
	char s[400];
	size_t len, i;

	switch (rnd(4)) {
	case 0:
		msg_put_str(m, type, names[rnd(sizeof(names) / sizeof(names[0]))]);
		return;
	case 1:
		msg_put_str(m, type, identity);
		return;
	case 2:			/* long, maybe without its NUL */
		len = rnd(sizeof(s));
		for (i = 0; i < len; i++)
			s[i] = 'a' + rnd(26);
		msg_put(m, type, s, len);
		return;
	default:		/* random bytes */
		len = rnd(80);
		for (i = 0; i < len; i++)
			s[i] = rnd(256);
		msg_put(m, type, s, len);
	}
}

static void put_attr(struct msg *m, int depth);

static void put_nest(struct msg *m, uint16_t type, int depth)
{
	struct nlattr *nest = msg_put(m, type, NULL, 0);
	size_t start = m->len, n = rnd(5);

	if (!nest)
		return;
	while (n--)
		put_attr(m, depth + 1);
	nest->nla_len = NLA_HDRLEN + (m->len - start);
}

static void put_attr(struct msg *m, int depth)
{
	uint16_t type = rnd(10) ? rnd(BLKHOLD_A_MAX + 4) : rnd(0x10000);
	unsigned char junk[16];
	size_t i;

	if (depth > 3)
		type = BLKHOLD_A_NAME;
	switch (rnd(10) ? type & 0x3fff : 0xffff) {
	case BLKHOLD_A_MAJOR:
		msg_put_u32(m, type, rnd(3) ? major_nr : (uint32_t)pick_u64(major_nr));
		return;
	case BLKHOLD_A_MINOR:
		msg_put_u32(m, type, rnd(3) ? minor_nr : (uint32_t)pick_u64(minor_nr));
		return;
	case BLKHOLD_A_DISKSEQ:
		msg_put_u64(m, type, rnd(3) ? diskseq : pick_u64(diskseq));
		return;
	case BLKHOLD_A_START:
	case BLKHOLD_A_SECTORS:
	case BLKHOLD_A_DISK_SECTORS:
		msg_put_u64(m, type, rnd(2) ? rnd(4) * (disk_sectors / 4) : pick_u64(disk_sectors));
		return;
	case BLKHOLD_A_HOLD:
	case BLKHOLD_A_COUNTERS:
		put_nest(m, type | (rnd(4) ? 0 : NLA_F_NESTED), depth);
		return;
	case BLKHOLD_A_NAME:
	case BLKHOLD_A_REASON:
	case BLKHOLD_A_DEVNAME:
	case BLKHOLD_A_IDENTITY:
	case BLKHOLD_A_PARTUUID:
	case BLKHOLD_A_COMM:
	case BLKHOLD_A_ACTION:
		put_string(m, type);
		return;
	case BLKHOLD_A_DETACHED:
		msg_put(m, type, NULL, 0);
		return;
	default:		/* any length, any content, maybe a nest bit */
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = rnd(256);
		msg_put(m, type | (rnd(8) ? 0 : NLA_F_NESTED), junk, rnd(sizeof(junk) + 1));
	}
}

/* One message: a command (mostly a real one), attributes, then damage. */
static size_t generate(struct msg *m, bool *damaged)
{
	static const uint8_t cmds[] = { BLKHOLD_CMD_HOLD_ADD, BLKHOLD_CMD_HOLD_DEL,
		BLKHOLD_CMD_VOLUME_GET, BLKHOLD_CMD_RECORD_ADD, BLKHOLD_CMD_RECORD_DEL,
		BLKHOLD_CMD_RECORD_GET, BLKHOLD_CMD_DRAIN };
	uint8_t cmd = rnd(8) ? cmds[rnd(sizeof(cmds))] : rnd(256);
	int flags = NLM_F_ACK | (rnd(6) ? 0 : NLM_F_DUMP);
	size_t n = rnd(9), len;
	struct nlmsghdr *h;

	h = msg_start(m, family, flags, cmd);
	while (n--)
		put_attr(m, 0);
	msg_finish(m);
	len = m->len;
	switch (rnd(20)) {
	case 0:			/* cut off in the middle of an attribute */
		h->nlmsg_len = NLMSG_HDRLEN + rnd(m->len - NLMSG_HDRLEN + 1);
		len = h->nlmsg_len;	/* never a second message behind it */
		m->len = len;
		break;
	case 1:			/* cut the datagram short */
		len = rnd(m->len + 1);
		break;
	case 2:			/* flip bits past the netlink header (which routes it) */
		for (n = rnd(4) + 1; n--;)
			m->b[NLMSG_HDRLEN + rnd(m->len - NLMSG_HDRLEN)] ^= 1 << rnd(8);
		break;
	}
	*damaged = len != m->len || h->nlmsg_len != m->len;
	return len;
}

/* Send @count generated messages; counts what the kernel answered. */
static void fuzz(int count, unsigned int *answered)
{
	int fd = nl_open(), i, err;
	struct msg m;

	for (i = 0; i < count; i++) {
		bool damaged;
		size_t len = generate(&m, &damaged);

		/* the kernel drops a datagram shorter than its header says */
		err = transact_wait(fd, &m, len, damaged ? 0 : 60000, NULL, NULL);
		if (err == -ETIMEDOUT && !damaged)
			fprintf(stderr, "# no reply to an intact request (command %u)\n",
				((struct genlmsghdr *)NLMSG_DATA((struct nlmsghdr *)m.b))->cmd);
		*answered += err != -ETIMEDOUT;
	}
	close(fd);
}

/* ---- cleanup: release what the fuzzing placed, except the anchor ---- */

struct found {
	uint32_t major, minor;
	uint64_t diskseq, start, sectors;
	char identity[BLKHOLD_IDENTITY_MAX + 1];
	char names[64][BLKHOLD_NAME_MAX + 1];
	unsigned int nr_names;
};

struct found_list {
	struct found f[256];
	unsigned int n;
};

static void on_found(struct nlmsghdr *h, void *arg)
{
	struct found_list *l = arg;
	struct genlmsghdr *g = NLMSG_DATA(h);
	int left = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	struct found *f;

	if (l->n >= sizeof(l->f) / sizeof(l->f[0]))
		return;
	f = &l->f[l->n++];
	memset(f, 0, sizeof(*f));
	for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
	     left -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		void *p = (char *)a + NLA_HDRLEN;
		int plen = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case BLKHOLD_A_MAJOR: f->major = *(uint32_t *)p; break;
		case BLKHOLD_A_MINOR: f->minor = *(uint32_t *)p; break;
		case BLKHOLD_A_DISKSEQ: f->diskseq = *(uint64_t *)p; break;
		case BLKHOLD_A_START: f->start = *(uint64_t *)p; break;
		case BLKHOLD_A_SECTORS: f->sectors = *(uint64_t *)p; break;
		case BLKHOLD_A_IDENTITY:
			snprintf(f->identity, sizeof(f->identity), "%.*s", plen, (char *)p);
			break;
		case BLKHOLD_A_HOLD: {
			struct nlattr *b = p;
			int bl = plen;

			for (; bl >= NLA_HDRLEN && b->nla_len >= NLA_HDRLEN && b->nla_len <= bl;
			     bl -= NLA_ALIGN(b->nla_len),
			     b = (struct nlattr *)((char *)b + NLA_ALIGN(b->nla_len)))
				if ((b->nla_type & NLA_TYPE_MASK) == BLKHOLD_HOLD_A_NAME && f->nr_names < 64)
					snprintf(f->names[f->nr_names++], BLKHOLD_NAME_MAX + 1,
						 "%.*s", b->nla_len - NLA_HDRLEN,
						 (char *)b + NLA_HDRLEN);
			break;
		}
		case BLKHOLD_A_NAME:
			if (f->nr_names < 64)
				snprintf(f->names[f->nr_names++], BLKHOLD_NAME_MAX + 1,
					 "%.*s", plen, (char *)p);
			break;
		}
	}
}

static unsigned int released;

static int cleanup(int fd)
{
	static struct found_list l;
	unsigned int i, j;
	struct msg m;
	int failed = 0;

	/* records first: releasing one releases the holds it made */
	l.n = 0;
	msg_start(&m, family, NLM_F_DUMP, BLKHOLD_CMD_RECORD_GET);
	msg_finish(&m);
	transact(fd, &m, m.len, on_found, &l);
	for (i = 0; i < l.n; i++) {
		msg_start(&m, family, NLM_F_ACK, BLKHOLD_CMD_RECORD_DEL);
		msg_put_str(&m, BLKHOLD_A_IDENTITY, l.f[i].identity);
		msg_put_u64(&m, BLKHOLD_A_START, l.f[i].start);
		msg_put_u64(&m, BLKHOLD_A_SECTORS, l.f[i].sectors);
		msg_put_str(&m, BLKHOLD_A_NAME, l.f[i].names[0]);
		msg_finish(&m);
		failed += transact(fd, &m, m.len, NULL, NULL) != 0;
		released++;
	}
	l.n = 0;
	msg_start(&m, family, NLM_F_DUMP, BLKHOLD_CMD_VOLUME_GET);
	msg_finish(&m);
	transact(fd, &m, m.len, on_found, &l);
	for (i = 0; i < l.n; i++) {
		for (j = 0; j < l.f[i].nr_names; j++) {
			if (!strcmp(l.f[i].names[j], ANCHOR))
				continue;
			msg_start(&m, family, NLM_F_ACK, BLKHOLD_CMD_HOLD_DEL);
			msg_put_u32(&m, BLKHOLD_A_MAJOR, l.f[i].major);
			msg_put_u32(&m, BLKHOLD_A_MINOR, l.f[i].minor);
			msg_put_u64(&m, BLKHOLD_A_DISKSEQ, l.f[i].diskseq);
			msg_put_str(&m, BLKHOLD_A_NAME, l.f[i].names[j]);
			msg_finish(&m);
			failed += transact(fd, &m, m.len, NULL, NULL) != 0;
			released++;
		}
	}
	return failed;
}

/* ---- concurrent add and release ---- */

static int hold_request(int fd, uint8_t cmd, const char *name)
{
	struct msg m;

	msg_start(&m, family, NLM_F_ACK, cmd);
	msg_put_u32(&m, BLKHOLD_A_MAJOR, major_nr);
	msg_put_u32(&m, BLKHOLD_A_MINOR, minor_nr);
	msg_put_u64(&m, BLKHOLD_A_DISKSEQ, diskseq);
	msg_put_str(&m, BLKHOLD_A_NAME, name);
	msg_finish(&m);
	return transact(fd, &m, m.len, NULL, NULL);
}

static int thread_errors;

static void *churn(void *arg)
{
	int fd = nl_open(), t = (int)(intptr_t)arg, i, bad = 0;
	char name[32];

	for (i = 0; i < THREAD_ROUNDS; i++) {
		snprintf(name, sizeof(name), "cc-%d-%d", t, i % 7);
		bad += hold_request(fd, BLKHOLD_CMD_HOLD_ADD, name) != 0;
		bad += hold_request(fd, BLKHOLD_CMD_HOLD_DEL, name) != 0;
	}
	close(fd);
	__atomic_add_fetch(&thread_errors, bad, __ATOMIC_RELAXED);
	return NULL;
}

static void concurrent(int fd)
{
	static struct snapshot s;
	unsigned int dumps = 0, bad_dumps = 0;
	bool joined[THREADS] = { false };
	pthread_t t[THREADS];
	int i, running = THREADS;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, churn, (void *)(intptr_t)i);
	while (running) {
		for (i = 0; i < THREADS; i++)
			if (!joined[i] && pthread_tryjoin_np(t[i], NULL) == 0) {
				joined[i] = true;
				running--;
			}
		if (snapshot_take(fd, &s) == 0) {
			dumps++;
			bad_dumps += !strstr(s.text, ANCHOR);
		}
	}
	result(!thread_errors, "%d threads each added and released %d holds without an error (%d)",
	       THREADS, THREAD_ROUNDS, thread_errors);
	result(dumps && !bad_dumps, "%u dumps during the churn all show the anchor hold (%u do not)",
	       dumps, bad_dumps);
}

/* ---- setup ---- */

static void read_sysfs(const char *dev, const char *file, char *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/block/%s/%s", dev, file);
	buf[0] = 0;
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static void setup(const char *path)
{
	const char *dev = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char buf[256];
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "%s: not a block device\n", path);
		exit(2);
	}
	major_nr = major(st.st_rdev);
	minor_nr = minor(st.st_rdev);
	read_sysfs(dev, "diskseq", buf, sizeof(buf));
	diskseq = strtoull(buf, NULL, 10);
	read_sysfs(dev, "size", buf, sizeof(buf));
	disk_sectors = strtoull(buf, NULL, 10);
	read_sysfs(dev, "serial", buf, sizeof(buf));
	snprintf(identity, sizeof(identity), "serial=%.240s", buf);
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534)) {
		perror("dropping privileges");
		_exit(2);
	}
}

int main(int argc, char **argv)
{
	int count = argc > 2 ? atoi(argv[2]) : 100000, fd, status, left;
	unsigned int seed = getenv("BLKHOLD_FUZZ_SEED") ?
		strtoul(getenv("BLKHOLD_FUZZ_SEED"), NULL, 0) : (unsigned int)time(NULL);
	static struct snapshot before, after;
	unsigned int answered = 0;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: blkhold_fuzz DEVICE [MESSAGES]\n");
		return 2;
	}
	setup(argv[1]);
	family = resolve_family();
	printf("TAP version 13\n1..8\n# seed %u, %d messages a phase, %u:%u diskseq %llu\n",
	       seed, count, major_nr, minor_nr, (unsigned long long)diskseq);
	if (family < 0) {
		printf("Bail out! the blkhold family is not registered\n");
		return 1;
	}
	srandom(seed);
	fd = nl_open();
	result(hold_request(fd, BLKHOLD_CMD_HOLD_ADD, ANCHOR) == 0,
	       "anchor hold placed on %s", argv[1]);

	fuzz(count, &answered);
	result(resolve_family() == family && answered > (unsigned int)count / 2,
	       "%d messages as root: the family still answers (%u answered)",
	       count, answered);
	left = cleanup(fd);
	result(!left, "what they placed can be released (%u holds and records, %d failures)",
	       released, left);

	snapshot_take(fd, &before);
	child = fork();
	if (child == 0) {
		unsigned int n = 0;

		drop_privileges();
		fuzz(count, &n);
		_exit(n ? 0 : 1);
	}
	waitpid(child, &status, 0);
	snapshot_take(fd, &after);
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%d messages as an unprivileged user were answered", count);
	result(before.len == after.len && !memcmp(before.text, after.text, before.len),
	       "... and changed no hold or record: %s", after.text);

	concurrent(fd);
	cleanup(fd);
	hold_request(fd, BLKHOLD_CMD_HOLD_DEL, ANCHOR);
	snapshot_take(fd, &after);
	result(!after.holds && !after.records,
	       "after releasing everything the registry is empty: %s", after.text);
	close(fd);
	return ktap_failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * System calls the shell cannot make, for the tamper and gate tests:
 *
 *   blkhold_sys ia32-roset DEV VALUE     BLKROSET through the 32-bit ioctl
 *   blkhold_sys ia32-discard DEV OFF LEN BLKDISCARD through the 32-bit ioctl
 *   blkhold_sys x32-kexec-unload         kexec_load's x32 entry (no image)
 *   blkhold_sys roset-race DEV SECONDS   BLKROSET 1 while another thread
 *                                        flips the argument between 1 and 0
 *   blkhold_sys unload-unmapped NAME [force]
 *                                        delete_module() with the name in a
 *                                        file page not yet mapped in, so
 *                                        the kernel must fault to read it
 *   blkhold_sys uring-discard DEV OFF LEN
 *                                        io_uring's block discard command
 *                                        (6.12): bios built with no node write
 *   blkhold_sys snapshot-save FILE       a hibernation image of this very
 *                                        moment, through /dev/snapshot
 *   blkhold_sys snapshot-restore FILE    load that image and jump into it
 *
 * Prints "ok" or the error's name (strerrorname_np) and exits 0 when the
 * call succeeded, 1 when it failed, 2 on bad usage or setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/suspend_ioctls.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define IA32_NR_IOCTL		54
#define X32_SYSCALL_BIT		0x40000000
#define X32_NR_KEXEC_LOAD	528
#define KEXEC_ARCH_X86_64	(62 << 16)

static int report(long ret)
{
	if (ret >= 0) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np((int)-ret) ?: "unknown error");
	return 1;
}

static int report_errno(long ret)
{
	return report(ret < 0 ? -errno : ret);
}

/* An ioctl through the 32-bit system call entry: int $0x80. */
static long ia32_ioctl(int fd, unsigned int cmd, uint32_t arg)
{
	long ret;

	asm volatile ("int $0x80"
		      : "=a" (ret)
		      : "a" (IA32_NR_IOCTL), "b" (fd), "c" (cmd), "d" (arg)
		      : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Memory a 32-bit pointer can reach. */
static void *low_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

static int ia32_roset(const char *dev, int value)
{
	int *arg = low_page();

	*arg = value;
	return report(ia32_ioctl(open_dev(dev), BLKROSET, (uintptr_t)arg));
}

static int ia32_discard(const char *dev, uint64_t off, uint64_t len)
{
	uint64_t *range = low_page();

	range[0] = off;
	range[1] = len;
	return report(ia32_ioctl(open_dev(dev), BLKDISCARD, (uintptr_t)range));
}

static int x32_kexec_unload(void)
{
	return report_errno(syscall(X32_SYSCALL_BIT | X32_NR_KEXEC_LOAD, 0, 0,
				    NULL, KEXEC_ARCH_X86_64));
}

static int race_value = 1;
static int race_stop;

static void *flip(void *unused)
{
	while (!__atomic_load_n(&race_stop, __ATOMIC_RELAXED))
		__atomic_store_n(&race_value, !race_value, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * Ask for read-only again and again while another thread turns the
 * request into "read-write" and back. Prints how often the device was
 * read-write afterwards: a gate that decides from one copy never lets it.
 */
static int roset_race(const char *dev, int seconds)
{
	time_t end = time(NULL) + seconds;
	unsigned long tries = 0, cleared = 0;
	int fd = open_dev(dev), ro;
	pthread_t t;

	if (pthread_create(&t, NULL, flip, NULL))
		return 2;
	while (time(NULL) < end) {
		ioctl(fd, BLKROSET, &race_value);
		if (!ioctl(fd, BLKROGET, &ro) && !ro)
			cleared++;
		tries++;
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	printf("%lu tries, read-write after %lu\n", tries, cleared);
	return cleared ? 1 : 0;
}

static int unload_unmapped(const char *name, int force)
{
	char path[] = "/tmp/blkhold_sys.XXXXXX";
	int fd = mkstemp(path);
	char *mapped;

	if (fd < 0 || write(fd, name, strlen(name) + 1) < 0) {
		perror(path);
		return 2;
	}
	unlink(path);
	/* mapped but never touched: no page table entry until a fault */
	mapped = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (mapped == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	return report_errno(syscall(SYS_delete_module, mapped,
				    O_NONBLOCK | (force ? O_TRUNC : 0)));
}

/* ---- io_uring, without liburing: one ring, one command ---- */

#define BLOCK_URING_CMD_DISCARD	_IO(0x12, 0)

struct ring {
	int fd;
	struct io_uring_params p;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
};

static int ring_setup(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 1, &r->p);
	if (r->fd < 0)
		return -1;
	r->sq = mmap(NULL, r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned int),
		     PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe),
		     PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQES);
	return r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED ? -1 : 0;
}

/* Submit @sqe, wait for it and return its result. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned int *tail = (unsigned int *)((char *)r->sq + r->p.sq_off.tail);
	unsigned int *array = (unsigned int *)((char *)r->sq + r->p.sq_off.array);
	unsigned int *head = (unsigned int *)((char *)r->cq + r->p.cq_off.head);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)((char *)r->cq + r->p.cq_off.cqes);
	unsigned int t = *tail;

	r->sqes[0] = *sqe;
	array[t & *(unsigned int *)((char *)r->sq + r->p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	return cqes[*head & *(unsigned int *)((char *)r->cq + r->p.cq_off.ring_mask)].res;
}

static int uring_discard(const char *dev, uint64_t off, uint64_t len)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_URING_CMD };
	struct ring r;
	int fd = open(dev, O_RDWR);

	if (fd < 0 || ring_setup(&r)) {
		perror(dev);
		return 2;
	}
	sqe.fd = fd;
	sqe.cmd_op = BLOCK_URING_CMD_DISCARD;
	sqe.addr = off;
	sqe.addr3 = len;
	return report(ring_run(&r, &sqe));
}

/* ---- hibernation images through /dev/snapshot (uswsusp's interface) ---- */

static int snapshot_save(const char *path)
{
	int fd = open("/dev/snapshot", O_RDONLY), out, in_suspend = 0;
	char buf[65536];
	ssize_t n;

	if (fd < 0 || ioctl(fd, SNAPSHOT_FREEZE))
		return report_errno(-1);
	if (ioctl(fd, SNAPSHOT_CREATE_IMAGE, &in_suspend)) {
		ioctl(fd, SNAPSHOT_UNFREEZE);
		return report_errno(-1);
	}
	if (!in_suspend) {
		/* this is the image restored: say so and carry on */
		ioctl(fd, SNAPSHOT_UNFREEZE);
		puts("restored");
		return 0;
	}
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	while (out >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	ioctl(fd, SNAPSHOT_FREE);
	ioctl(fd, SNAPSHOT_UNFREEZE);
	close(out);
	return report_errno(out < 0 ? -1 : 0);
}

static int snapshot_restore(const char *path)
{
	int fd = open("/dev/snapshot", O_WRONLY), in = open(path, O_RDONLY);
	ssize_t n, off, done;
	char buf[65536];
	int ret;

	if (fd < 0 || in < 0)
		return report_errno(-1);
	/* /dev/snapshot takes the image a page at a time */
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += done) {
			done = write(fd, buf + off, n - off);
			if (done <= 0)
				return report(done < 0 ? -errno : -EIO);
		}
	}
	if (ioctl(fd, SNAPSHOT_FREEZE))
		return report_errno(-1);
	ret = ioctl(fd, SNAPSHOT_ATOMIC_RESTORE);
	if (ret)
		ret = -errno;
	ioctl(fd, SNAPSHOT_UNFREEZE);
	return report(ret);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "ia32-roset") && argc == 4)
		return ia32_roset(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "ia32-discard") && argc == 5)
		return ia32_discard(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0));
	if (!strcmp(cmd, "x32-kexec-unload") && argc == 2)
		return x32_kexec_unload();
	if (!strcmp(cmd, "roset-race") && argc == 4)
		return roset_race(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "unload-unmapped") && (argc == 3 || argc == 4))
		return unload_unmapped(argv[2], argc == 4 && !strcmp(argv[3], "force"));
	if (!strcmp(cmd, "uring-discard") && argc == 5)
		return uring_discard(argv[2], strtoull(argv[3], NULL, 0),
				     strtoull(argv[4], NULL, 0));
	if (!strcmp(cmd, "snapshot-save") && argc == 3)
		return snapshot_save(argv[2]);
	if (!strcmp(cmd, "snapshot-restore") && argc == 3)
		return snapshot_restore(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of blkhold_sys.c\n");
	return 2;
}

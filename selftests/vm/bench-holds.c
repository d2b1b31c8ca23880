// SPDX-License-Identifier: GPL-2.0
/*
 * For "make bench": place or release N holds spread over the given block
 * devices through the blkhold family, one request each, and print how long
 * it took. "add" waits out each new volume's writes in flight as it is
 * held; "batch" places with drain-later and sends one drain at the end, as
 * restore does. usage: bench-holds add|batch|del N DEVICE...
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/blkhold.h>

struct target {
	unsigned int major, minor;
	unsigned long long diskseq;
};

static int resolve(const char *path, struct target *t)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || ioctl(fd, BLKGETDISKSEQ, &t->diskseq)) {
		perror(path);
		return -1;
	}
	close(fd);
	t->major = major(st.st_rdev);
	t->minor = minor(st.st_rdev);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	struct target *targets;
	struct nl_sock *sk;
	int family, ntargets, i, n, failed = 0;
	bool batch;
	uint8_t cmd;
	double start;

	if (argc < 4 || (strcmp(argv[1], "add") && strcmp(argv[1], "batch") &&
			 strcmp(argv[1], "del"))) {
		fprintf(stderr, "usage: bench-holds add|batch|del N DEVICE...\n");
		return 1;
	}
	batch = !strcmp(argv[1], "batch");
	cmd = strcmp(argv[1], "del") ? BLKHOLD_CMD_HOLD_ADD : BLKHOLD_CMD_HOLD_DEL;
	n = atoi(argv[2]);
	ntargets = argc - 3;
	targets = calloc(ntargets, sizeof(*targets));
	for (i = 0; i < ntargets; i++)
		if (resolve(argv[3 + i], &targets[i]))
			return 1;
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		return 1;
	family = genl_ctrl_resolve(sk, BLKHOLD_FAMILY_NAME);
	if (family < 0) {
		fprintf(stderr, "bench-holds: blkhold is not loaded\n");
		return 1;
	}
	start = now();
	for (i = 0; i < n; i++) {
		struct target *t = &targets[i % ntargets];
		struct nl_msg *msg = nlmsg_alloc();
		char name[32];

		snprintf(name, sizeof(name), "bench-%d", i / ntargets);
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST,
			    cmd, BLKHOLD_FAMILY_VERSION);
		nla_put_u32(msg, BLKHOLD_A_MAJOR, t->major);
		nla_put_u32(msg, BLKHOLD_A_MINOR, t->minor);
		nla_put_u64(msg, BLKHOLD_A_DISKSEQ, t->diskseq);
		nla_put_string(msg, BLKHOLD_A_NAME, name);
		if (batch)
			nla_put_flag(msg, BLKHOLD_A_DRAIN_LATER);
		if (nl_send_sync(sk, msg) < 0)
			failed++;
	}
	if (batch) {
		struct nl_msg *msg = nlmsg_alloc();

		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST,
			    BLKHOLD_CMD_DRAIN, BLKHOLD_FAMILY_VERSION);
		if (nl_send_sync(sk, msg) < 0)
			failed++;
	}
	printf("%s %d holds on %d volumes: %.3f s, %d failed\n", argv[1], n,
	       ntargets, now() - start, failed);
	nl_socket_free(sk);
	return failed ? 1 : 0;
}

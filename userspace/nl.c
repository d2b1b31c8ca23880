// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the kernel's blkhold family over libnl-genl, with extended
 * acks turned on so that the kernel's reason for a refusal reaches the user.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "blkhold.h"

/*
 * Is blkhold still in its module init? Then its family appears shortly:
 * "modprobe blkhold" can return while another process's load of it runs.
 */
static bool module_coming(void)
{
	char state[16] = "";
	FILE *f = fopen("/sys/module/blkhold/initstate", "re");

	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = '\0';
	fclose(f);
	return !strncmp(state, "coming", 6);
}

static int resolve_family(struct nl_sock *sock)
{
	int family, waited_ms;

	for (waited_ms = 0;; waited_ms += 50) {
		family = genl_ctrl_resolve(sock, BLKHOLD_FAMILY_NAME);
		if (family >= 0 || !module_coming() || waited_ms >= 300000)
			return family;
		usleep(50 * 1000);
	}
}

/* 0, or -ENOMEM, -ECONNREFUSED (no generic netlink), -ENOENT (no module). */
int conn_open_quiet(struct nl_conn *conn)
{
	int one = 1, err;

	conn->sock = nl_socket_alloc();
	if (!conn->sock)
		return -ENOMEM;
	err = -ECONNREFUSED;
	if (genl_connect(conn->sock))
		goto err;
	setsockopt(nl_socket_get_fd(conn->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(conn->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	conn->family = resolve_family(conn->sock);
	err = -ENOENT;
	if (conn->family < 0)
		goto err;
	return 0;
err:
	nl_socket_free(conn->sock);
	conn->sock = NULL;
	return err;
}

int conn_open(struct nl_conn *conn, const char *what)
{
	int err = conn_open_quiet(conn);

	if (err == -ENOMEM)
		fail(what, "out of memory");
	else if (err == -ECONNREFUSED)
		fail(what, "cannot open a generic netlink socket");
	else if (err)
		fail(what, "the blkhold kernel module is not loaded (load it with 'modprobe blkhold')");
	return err ? -1 : 0;
}

void conn_close(struct nl_conn *conn)
{
	nl_socket_free(conn->sock);
	conn->sock = NULL;
}

struct nl_msg *conn_request(struct nl_conn *conn, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, conn->family, 0,
				flags | NLM_F_REQUEST, cmd,
				BLKHOLD_FAMILY_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

struct transaction {
	int err;
	bool done;
	char *errmsg;
	size_t errlen;
	int (*valid)(struct nl_msg *, void *);
	void *arg;
};

/* The extack message after an nlmsgerr, when the kernel sent one. */
static void extack_message(struct nlmsghdr *nlh, struct nlmsgerr *e,
			   char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	int attrlen;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	attrs = (struct nlattr *)((char *)e + sizeof(*e));
	attrlen = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		attrlen -= e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (attrlen <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, attrlen, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(buf, len, "%s", (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct transaction *t = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;

	(void)nla;
	t->err = e->error;
	t->done = true;
	if (t->errmsg)
		extack_message(nlh, e, t->errmsg, t->errlen);
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	return t->valid ? t->valid(msg, t->arg) : NL_OK;
}

/*
 * Send @msg (freed here) and read replies until the ack or the end of a
 * dump. Returns 0, a negative errno from the kernel (its extack text in
 * @errmsg), or -EINTR when a dump was interrupted by a change: the caller
 * starts it again.
 */
int conn_transact(struct nl_conn *conn, struct nl_msg *msg,
		int (*valid)(struct nl_msg *, void *), void *arg,
		char *errmsg, size_t errlen)
{
	struct transaction t = { .errmsg = errmsg, .errlen = errlen,
				 .valid = valid, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (errmsg && errlen)
		errmsg[0] = '\0';
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	err = nl_send_auto(conn->sock, msg);
	nlmsg_free(msg);
	while (err >= 0 && !t.done)
		err = nl_recvmsgs(conn->sock, cb);
	nl_cb_put(cb);
	if (err == -NLE_DUMP_INTR)
		return -EINTR;
	if (err < 0 && !t.err)
		return -EIO;
	return t.err;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nl_conn *conn = arg;

	return conn->event(msg, conn->event_arg);
}

/* Subscribe @conn to the events group: each event goes to @valid. */
int conn_subscribe(struct nl_conn *conn, int (*valid)(struct nl_msg *, void *),
		   void *arg)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(conn->sock, BLKHOLD_FAMILY_NAME,
				    BLKHOLD_MCGRP_EVENTS);
	if (grp < 0)
		return -1;
	err = nl_socket_add_membership(conn->sock, grp);
	if (err)
		return err == -NLE_PERM ? -EPERM : -1;
	conn->event = valid;
	conn->event_arg = arg;
	nl_socket_disable_seq_check(conn->sock);
	nl_socket_modify_cb(conn->sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, conn);
	return 0;
}

/*
 * Also hear nlctrl's notices on @conn, so that conn_family_gone() can tell
 * a listener that blkhold's family went away: its subscription is dead.
 */
int conn_watch_family(struct nl_conn *conn)
{
	int grp = genl_ctrl_resolve_grp(conn->sock, "nlctrl", "notify");

	if (grp < 0 || nl_socket_add_membership(conn->sock, grp))
		return -1;
	return 0;
}

/* Is @msg nlctrl's notice that blkhold's family was removed (the module unloaded)? */
bool conn_family_gone(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlh);

	if (nlh->nlmsg_type != GENL_ID_CTRL || gh->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) || !tb[CTRL_ATTR_FAMILY_NAME])
		return false;
	return !strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), BLKHOLD_FAMILY_NAME);
}

/*
 * Deliver events as they arrive, until *@stop is set by a signal or, with
 * @timeout_ms >= 0, until none has come for that long.
 */
int conn_receive(struct nl_conn *conn, int timeout_ms, volatile int *stop)
{
	while (!*stop) {
		struct pollfd pfd = { nl_socket_get_fd(conn->sock), POLLIN, 0 };
		int n, err;

		/* libnl restarts reads that a signal interrupts; poll does not */
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		err = nl_recvmsgs_default(conn->sock);
		if (err == -NLE_NOMEM)
			warn(NULL, "events were lost: the socket buffer overflowed");
		else if (err < 0)
			return -1;
	}
	return 0;
}

/* Deliver events through @valid until *@stop is set by a signal. */
int conn_watch(struct nl_conn *conn, int (*valid)(struct nl_msg *, void *),
	       void *arg, volatile int *stop)
{
	return conn_subscribe(conn, valid, arg) ?: conn_receive(conn, -1, stop);
}

/*
 * Fetch a whole dump of @cmd through @valid. A dump that a change
 * interrupted is fetched again (after @reset), so what is shown is one
 * consistent state. Prints the error, naming @what was read.
 */
int conn_dump(uint8_t cmd, int (*valid)(struct nl_msg *, void *),
	      void (*reset)(void *), void *arg, const char *what)
{
	char errmsg[256] = "";
	struct nl_conn conn;
	int err = 0, tries;

	if (conn_open(&conn, NULL))
		return -1;
	for (tries = 0; tries < 100; tries++) {
		struct nl_msg *msg = conn_request(&conn, cmd, NLM_F_DUMP);

		if (!msg) {
			err = -ENOMEM;
			break;
		}
		err = conn_transact(&conn, msg, valid, arg, errmsg, sizeof(errmsg));
		if (err != -EINTR)
			break;
		reset(arg);
	}
	conn_close(&conn);
	if (err == -EPERM && !errmsg[0])
		snprintf(errmsg, sizeof(errmsg),
			 "needs CAP_SYS_ADMIN in the initial user namespace or blkhold's read_group");
	if (err) {
		fail(NULL, "cannot read %s: %s", what,
		     errmsg[0] ? errmsg : strerror(-err));
		reset(arg);
		return -1;
	}
	return 0;
}

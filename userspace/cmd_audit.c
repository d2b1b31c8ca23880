// SPDX-License-Identifier: GPL-2.0
/*
 * blkhold audit --follow
 *	Record each event of the kernel (holds, releases, refusals, tamper,
 *	alerts) in the audit log (audit_log.c) and the journal, and what was
 *	missed as a gap: the kernel numbers its events.
 * blkhold audit [--json] [--name NAME] [--since DATE]
 *	Show the log, or a hold's part of it, or what came after DATE.
 * blkhold audit --verify
 *	Check the log's hash chain; name the first line that breaks it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <linux/genetlink.h>
#include <syslog.h>

#include "audit_log.h"
#include "blkhold.h"
#include "dl.h"
#include "store.h"

static volatile int stop;

static void audit_path(char *path, size_t len)
{
	snprintf(path, len, "%s/audit", store_dir());
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct follower {
	struct audit_log log;
	bool write_failed;
	bool module_gone;
};

static void now_iso(char *when, size_t len)
{
	format_time(time(NULL), when, len);
}

/* One line to the log; a log that cannot be written is said once, the journal still hears. */
static void record(struct follower *f, const char *json)
{
	int err = audit_append(&f->log, json);

	if (err && !f->write_failed)
		fail(f->log.path, "cannot write the audit log: %s; events go to the journal only",
		     strerror(-err));
	f->write_failed = err != 0;
}

static void journal_note(int priority, const char *message)
{
	const struct dl_journal *journal = dl_journal(NULL, 0);

	if (journal)
		journal->send("MESSAGE=blkhold audit: %s", message, "PRIORITY=%d", priority,
			      "SYSLOG_IDENTIFIER=blkhold", NULL);
}

static void gap(struct follower *f, uint64_t from, uint64_t to, const char *why)
{
	char json[512], when[64], text[256];

	now_iso(when, sizeof(when));
	snprintf(json, sizeof(json),
		 "{\"event\":\"gap\",\"time\":\"%s\",\"from\":%" PRIu64 ",\"to\":%" PRIu64
		 ",\"missed\":%" PRIu64 ",\"why\":\"%s\",\"event_seq\":%" PRIu64
		 ",\"event_epoch\":\"%016" PRIx64 "\"}",
		 when, from, to, to - from + 1, why, to, f->log.epoch);
	record(f, json);
	snprintf(text, sizeof(text), "events %" PRIu64 " to %" PRIu64 " were missed: %s",
		 from, to, why);
	journal_note(LOG_WARNING, text);
	f->log.seq = to;
}

/* The kernel's event @seq of load @epoch is next: note a reload and what was missed. */
static void account(struct follower *f, uint64_t seq, uint64_t epoch, const char *why)
{
	char json[256], when[64];

	if (epoch != f->log.epoch) {
		if (f->log.epoch) {
			now_iso(when, sizeof(when));
			snprintf(json, sizeof(json),
				 "{\"event\":\"module-loaded\",\"time\":\"%s\",\"previous_epoch\":\"%016"
				 PRIx64 "\",\"event_seq\":0,\"event_epoch\":\"%016" PRIx64 "\"}",
				 when, f->log.epoch, epoch);
			record(f, json);
		}
		f->log.epoch = epoch;
		f->log.seq = 0;
	}
	if (seq > f->log.seq + 1)
		gap(f, f->log.seq + 1, seq - 1, why);
}

static void journal_event(const char *event, const char *when, struct nlattr **tb,
			  uint64_t seq)
{
	char *text = NULL;
	size_t len = 0;
	const struct dl_journal *journal = dl_journal(NULL, 0);
	FILE *m;
	uint32_t kind = tb[BLKHOLD_A_KIND] ? nla_get_u32(tb[BLKHOLD_A_KIND]) : 0;

	if (!journal)
		return;
	m = open_memstream(&text, &len);
	if (!m)
		return;
	event_human(m, event, when, tb);
	fclose(m);
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	journal->send("MESSAGE=%s", text,
			"PRIORITY=%d", strcmp(event, "refused") && strcmp(event, "alert") ?
				       LOG_INFO : LOG_WARNING,
			"SYSLOG_IDENTIFIER=blkhold",
			"BLKHOLD_EVENT=%s", event,
			"BLKHOLD_DEVICE=/dev/%s", tb[BLKHOLD_A_DEVNAME] ?
				(char *)nla_data(tb[BLKHOLD_A_DEVNAME]) : "",
			"BLKHOLD_HOLD=%s", tb[BLKHOLD_A_NAME] ? (char *)nla_data(tb[BLKHOLD_A_NAME]) : "",
			"BLKHOLD_KIND=%s", tb[BLKHOLD_A_KIND] && kind < __BLKHOLD_KIND_MAX ?
				kind_names[kind] : "",
			"BLKHOLD_SECTOR=%" PRIu64, tb[BLKHOLD_A_SECTOR] ?
				nla_get_u64(tb[BLKHOLD_A_SECTOR]) : 0,
			"BLKHOLD_SECTORS=%" PRIu64, tb[BLKHOLD_A_NR_SECTORS] ?
				nla_get_u64(tb[BLKHOLD_A_NR_SECTORS]) : 0,
			"BLKHOLD_PID=%" PRIu32, tb[BLKHOLD_A_PID] ? nla_get_u32(tb[BLKHOLD_A_PID]) : 0,
			"BLKHOLD_UID=%" PRIu32, tb[BLKHOLD_A_UID] ? nla_get_u32(tb[BLKHOLD_A_UID]) : 0,
			"BLKHOLD_COMM=%s", tb[BLKHOLD_A_COMM] ? (char *)nla_data(tb[BLKHOLD_A_COMM]) : "",
			"BLKHOLD_EVENT_SEQ=%" PRIu64, seq, NULL);
	free(text);
}

static void mark(struct follower *f, const char *what);

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[BLKHOLD_A_MAX + 1];
	const char *event = event_name(gh->cmd);
	struct follower *f = arg;
	char when[64], *json = NULL;
	uint64_t seq = 0;
	size_t len = 0;
	FILE *m;

	if (conn_family_gone(msg)) {
		mark(f, "module-unloaded");
		f->module_gone = true;
		stop = 1;
		return NL_STOP;
	}
	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL || !event ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL))
		return NL_SKIP;
	if (tb[BLKHOLD_A_EVENT_SEQ] && tb[BLKHOLD_A_EVENT_EPOCH]) {
		seq = nla_get_u64(tb[BLKHOLD_A_EVENT_SEQ]);
		account(f, seq, nla_get_u64(tb[BLKHOLD_A_EVENT_EPOCH]),
			"the listening socket overflowed");
	}
	now_iso(when, sizeof(when));
	m = open_memstream(&json, &len);
	if (m) {
		event_json(m, event, when, tb);
		fclose(m);
		record(f, json);
		free(json);
	}
	journal_event(event, when, tb, seq);
	if (seq > f->log.seq)
		f->log.seq = seq;
	return NL_OK;
}

struct kernel_state {
	uint64_t seq, epoch;
};

static int on_state(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[BLKHOLD_A_MAX + 1];
	struct kernel_state *st = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, BLKHOLD_A_MAX, NULL) ||
	    !tb[BLKHOLD_A_EVENT_SEQ] || !tb[BLKHOLD_A_EVENT_EPOCH])
		return NL_SKIP;
	st->seq = nla_get_u64(tb[BLKHOLD_A_EVENT_SEQ]);
	st->epoch = nla_get_u64(tb[BLKHOLD_A_EVENT_EPOCH]);
	return NL_OK;
}

/* The kernel's last event number and epoch now. */
static int kernel_state(struct kernel_state *st)
{
	struct nl_conn conn;
	struct nl_msg *msg;
	char errmsg[256];
	int err;

	if (conn_open(&conn, NULL))
		return -1;
	msg = conn_request(&conn, BLKHOLD_CMD_EVENTS_GET, 0);
	err = msg ? conn_transact(&conn, msg, on_state, st, errmsg, sizeof(errmsg)) : -ENOMEM;
	conn_close(&conn);
	if (err || !st->epoch)
		fail(NULL, "cannot read the kernel's event numbering: %s",
		     err ? (errmsg[0] ? errmsg : strerror(-err)) : "the module is older than this blkhold");
	return err || !st->epoch ? -1 : 0;
}

static void mark(struct follower *f, const char *what)
{
	char json[256], when[64];

	now_iso(when, sizeof(when));
	snprintf(json, sizeof(json),
		 "{\"event\":\"%s\",\"time\":\"%s\",\"pid\":%d,\"event_seq\":%" PRIu64
		 ",\"event_epoch\":\"%016" PRIx64 "\"}", what, when, (int)getpid(), f->log.seq,
		 f->log.epoch);
	record(f, json);
	journal_note(LOG_INFO, what);
}

static int follow(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct follower f = { .log.fd = -1 };
	struct kernel_state st = { 0 };
	struct nl_conn events;
	char why[256];
	int err;

	audit_path(f.log.path, sizeof(f.log.path));
	err = audit_open(&f.log);
	if (err) {
		fail(f.log.path, "cannot open the audit log: %s", strerror(-err));
		return -1;
	}
	if (conn_open(&events, NULL)) {
		audit_close(&f.log);
		return -1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!dl_journal(why, sizeof(why)))
		warn(NULL, "the journal gets no copy of the trail: %s", why);
	err = conn_subscribe(&events, on_event, &f);
	if (!err && conn_watch_family(&events))
		err = -1;
	if (err)
		fail(NULL, err == -EPERM ? "following events needs CAP_SYS_ADMIN in the initial user namespace" :
		     "cannot subscribe to blkhold's events");
	/* subscribed first: what the kernel numbered before is missed, after is queued */
	if (!err)
		err = kernel_state(&st) ?: conn_receive(&events, 0, &stop);
	if (!err) {
		account(&f, st.seq + 1, st.epoch, "blkhold audit was not running");
		mark(&f, "audit-started");
		printf("%s: recording blkhold's events (from event %" PRIu64 ")\n", f.log.path,
		       f.log.seq + 1);
		fflush(stdout);
		err = conn_receive(&events, -1, &stop);
		if (f.module_gone)
			fail(NULL, "blkhold was unloaded: exiting, so that the service follows its next load");
		else
			mark(&f, "audit-stopped");
	}
	conn_close(&events);
	audit_close(&f.log);
	return err || f.module_gone ? -1 : 0;
}

/* ---- showing ---- */

struct show {
	const struct args *args;
	bool first;
	/* --name: the devices and identities its holds were on */
	char (*devices)[256];
	size_t nr_devices;
};

static bool field_is(const char *json, size_t len, const char *key, const char *value)
{
	char v[512];

	return !json_field(json, len, key, v, sizeof(v)) && !strcmp(v, value);
}

static void collect_devices(void *arg, size_t line, const char *json, size_t len)
{
	struct show *s = arg;
	char (*grown)[256];

	(void)line;
	if (!field_is(json, len, "hold", s->args->name))
		return;
	grown = realloc(s->devices, (s->nr_devices + 1) * sizeof(*grown));
	if (!grown)
		return;
	s->devices = grown;
	json_field(json, len, "device", s->devices[s->nr_devices++], sizeof(*grown));
}

static bool wanted(const struct show *s, const char *json, size_t len)
{
	char v[256];
	size_t i;

	if (s->args->since &&
	    (json_field(json, len, "time", v, sizeof(v)) || strcmp(v, s->args->since) < 0))
		return false;
	if (!s->args->name || field_is(json, len, "hold", s->args->name))
		return true;
	if (json_field(json, len, "device", v, sizeof(v)))
		return false;
	for (i = 0; i < s->nr_devices; i++)
		if (!strcmp(v, s->devices[i]))
			return true;
	return false;
}

static void show_human(const char *json, size_t len)
{
	static const char *const keys[] = {
		"device", "identity", "kind", "sector", "sectors", "hold", "comm", "pid",
		"uid", "action", "reason", "missed", "why", "problem",
	};
	char v[1024];
	size_t i;

	json_field(json, len, "time", v, sizeof(v));
	printf("%s", v);
	json_field(json, len, "event", v, sizeof(v));
	printf(" %s", v);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_field(json, len, keys[i], v, sizeof(v)) && *v)
			printf(" %s=%s", keys[i], v);
	putchar('\n');
}

static void show_line(void *arg, size_t line, const char *json, size_t len)
{
	struct show *s = arg;

	(void)line;
	if (!wanted(s, json, len))
		return;
	if (s->args->json) {
		printf("%s%.*s", s->first ? "" : ",\n", (int)len, json);
		s->first = false;
	} else {
		show_human(json, len);
	}
}

static int show(const struct args *args)
{
	struct audit_log a = { .fd = -1 };
	struct show s = { .args = args, .first = true };
	int err;

	audit_path(a.path, sizeof(a.path));
	/* one that cannot be read prints nothing but the error */
	if (access(a.path, R_OK) && errno != ENOENT) {
		fail(a.path, "cannot read the audit log: %s", strerror(errno));
		return -1;
	}
	if (access(a.path, F_OK) && !args->json)
		printf("%s: no audit trail yet (is blkhold-audit.service running?)\n", a.path);
	if (args->name)
		audit_read(&a, collect_devices, &s);
	if (args->json) {
		printf("{\"log\":");
		json_string(stdout, a.path);
		printf(",\"entries\":[\n");
	}
	err = audit_read(&a, show_line, &s);
	if (args->json) {
		printf("],\"intact\":%s,\"problem\":", a.problem[0] ? "false" : "true");
		if (a.problem[0])
			json_string(stdout, a.problem);
		else
			fputs("null", stdout);
		printf("}\n");
	}
	free(s.devices);
	if (err)
		fail(a.path, "cannot read the audit log: %s", strerror(-err));
	else if (a.problem[0])
		fail(a.path, "the audit log is damaged: %s ('blkhold audit --verify')", a.problem);
	return err ? -1 : 0;
}

static int verify(void)
{
	struct audit_log a = { .fd = -1 };
	int err;

	audit_path(a.path, sizeof(a.path));
	err = audit_read(&a, NULL, NULL);
	if (err) {
		fail(a.path, "cannot read the audit log: %s", strerror(-err));
		return -1;
	}
	if (a.problem[0]) {
		fail(NULL, "audit log %s", a.problem);
		return -1;
	}
	printf("%s: %zu lines, chain intact, head %.16s%s\n", a.path, a.lines, a.head,
	       a.torn ? "; the last line was cut short by a crash (removed at the next --follow)" : "");
	return 0;
}

/* "2026-12-07" or "2026-12-07T10:00:00Z": compared with each line's time. */
static bool date_valid(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i, n = strlen(s);

	if (n != 10 && n != sizeof(shape) - 1)
		return false;
	for (i = 0; i < n; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	return true;
}

static int run(int argc, char *argv[], const struct command *self)
{
	struct args args;

	if (parse_args(argc, argv, self, OPT_FOLLOW | OPT_VERIFY | OPT_JSON | OPT_NAME |
		       OPT_SINCE, &args))
		return -1;
	if (args.since && !date_valid(args.since)) {
		fail(self->name, "--since needs a date, 2026-12-07 or 2026-12-07T10:00:00Z, not '%s'",
		     args.since);
		return -1;
	}
	if (args.follow + args.verify > 1 ||
	    ((args.follow || args.verify) && (args.json || args.name || args.since))) {
		fail(self->name, "--follow and --verify go alone");
		return -1;
	}
	if (args.follow)
		return follow();
	return args.verify ? verify() : show(&args);
}

const struct command cmd_audit = {
	.name = "audit",
	.run = run,
	.usage = "[--json] [--name NAME] [--since DATE] | --verify | --follow",
	.help = "The audit log is STORE/audit: one line per event, JSON, hash-chained.\n"
		"--follow appends each event of the kernel to it and to the journal (fields\n"
		"BLKHOLD_EVENT, _DEVICE, _HOLD, _KIND, _SECTOR, _SECTORS, _PID, _UID, _COMM),\n"
		"and a gap line for events it missed (the kernel numbers them); the\n"
		"blkhold-audit service runs it from boot. --name shows a hold's placements,\n"
		"releases and the refusals on its devices; --since what came from DATE on.",
	.summary = "record, show or check the audit trail of every hold and refusal",
};

// SPDX-License-Identifier: GPL-2.0
/*
 * A command's options: parsed into struct args, each refused with a
 * one-line error naming it; the hold name and reason checked before the
 * kernel checks them again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "blkhold.h"

static void command_usage(FILE *f, const struct command *cmd)
{
	fprintf(f, "%s %s: %s\n\nusage: %s %s %s\n", PROG_NAME, cmd->name,
		cmd->summary, PROG_NAME, cmd->name, cmd->usage);
	if (cmd->help)
		fprintf(f, "\n%s\n", cmd->help);
}

int parse_args(int argc, char *argv[], const struct command *cmd,
	       unsigned int allowed, struct args *args)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "reason", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "diskseq", required_argument, NULL, 'd' },
		{ "transient", no_argument, NULL, 't' },
		{ "initramfs", required_argument, NULL, 'i' },
		{ "device-only", no_argument, NULL, 'D' },
		{ "identity", required_argument, NULL, 'I' },
		{ "sectors", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "sign", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "verify", no_argument, NULL, 'V' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "threads", required_argument, NULL, 'T' },
		{ "chunks", required_argument, NULL, 'R' },
		{ "follow", no_argument, NULL, 'F' },
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'X' },
		{ "beneath", no_argument, NULL, 'B' },
		{ "release-cert", required_argument, NULL, 'P' },
		{ "order", required_argument, NULL, 'O' },
		{ "retain-until", required_argument, NULL, 'U' },
		{ "mode", required_argument, NULL, 'M' },
		{ "override", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(args, 0, sizeof(*args));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		unsigned int opt = c == 'n' ? OPT_NAME : c == 'r' ? OPT_REASON :
				   c == 'j' ? OPT_JSON : c == 'd' ? OPT_DISKSEQ :
				   c == 't' ? OPT_TRANSIENT : c == 'i' ? OPT_INITRAMFS :
				   c == 'D' ? OPT_DEVICE_ONLY : c == 'I' ? OPT_IDENTITY :
				   c == 'S' ? OPT_SECTORS : c == 'o' ? OPT_OUT :
				   c == 'k' ? OPT_SIGN : c == 'c' ? OPT_CERT :
				   c == 'f' ? OPT_FROM : c == 'V' ? OPT_VERIFY :
				   c == 'C' ? OPT_CHUNK : c == 'T' ? OPT_THREADS :
				   c == 'R' ? OPT_CHUNKS : c == 'F' ? OPT_FOLLOW :
				   c == 's' ? OPT_SINCE : c == 'X' ? OPT_FORMAT :
				   c == 'B' ? OPT_BENEATH : c == 'P' ? OPT_RELEASE_CERT :
				   c == 'O' ? OPT_ORDER : c == 'U' ? OPT_RETAIN_UNTIL :
				   c == 'M' ? OPT_MODE : c == 'W' ? OPT_OVERRIDE : 0;
		char *end;

		if (c == 'h') {
			command_usage(stdout, cmd);
			exit(0);
		}
		if (c == ':') {
			fail(cmd->name, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		if (c == '?' || !(opt & allowed)) {
			fail(cmd->name, "unknown option '%s' (see '%s %s --help')",
			     argv[optind - 1], PROG_NAME, cmd->name);
			return -1;
		}
		if (opt == OPT_NAME)
			args->name = optarg;
		else if (opt == OPT_REASON)
			args->reason = optarg;
		else if (opt == OPT_JSON)
			args->json = true;
		else if (opt == OPT_TRANSIENT)
			args->transient = true;
		else if (opt == OPT_INITRAMFS)
			args->initramfs = optarg;
		else if (opt == OPT_DEVICE_ONLY)
			args->device_only = true;
		else if (opt == OPT_IDENTITY)
			args->identity = optarg;
		else if (opt == OPT_SECTORS)
			args->sectors = optarg;
		else if (opt == OPT_OUT)
			args->out = optarg;
		else if (opt == OPT_SIGN)
			args->sign = optarg;
		else if (opt == OPT_CERT)
			args->cert = optarg;
		else if (opt == OPT_FROM)
			args->from = optarg;
		else if (opt == OPT_VERIFY)
			args->verify = true;
		else if (opt == OPT_CHUNK)
			args->chunk = optarg;
		else if (opt == OPT_THREADS)
			args->threads = optarg;
		else if (opt == OPT_CHUNKS)
			args->chunks = optarg;
		else if (opt == OPT_FOLLOW)
			args->follow = true;
		else if (opt == OPT_SINCE)
			args->since = optarg;
		else if (opt == OPT_FORMAT)
			args->format = optarg;
		else if (opt == OPT_BENEATH)
			args->beneath = true;
		else if (opt == OPT_ORDER)
			args->order = optarg;
		else if (opt == OPT_RETAIN_UNTIL)
			args->retain_until = optarg;
		else if (opt == OPT_MODE)
			args->mode = optarg;
		else if (opt == OPT_OVERRIDE)
			args->override = true;
		else if (opt == OPT_RELEASE_CERT) {
			if (args->nr_release_certs == sizeof(args->release_certs) /
						      sizeof(args->release_certs[0])) {
				fail(cmd->name, "--release-cert: a hold has at most 8 custodians");
				return -1;
			}
			args->release_certs[args->nr_release_certs++] = optarg;
		} else {
			errno = 0;
			args->diskseq = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-') {
				fail(cmd->name, "--diskseq needs a number, not '%s'", optarg);
				return -1;
			}
			args->has_diskseq = true;
		}
	}
	if ((allowed & OPT_DEVICE) && optind < argc && !args->identity)
		args->device = argv[optind++];
	if (optind < argc) {
		fail(cmd->name, "unexpected argument '%s' (see '%s %s --help')",
		     argv[optind], PROG_NAME, cmd->name);
		return -1;
	}
	if (args->sectors && !args->identity) {
		fail(cmd->name, "--sectors goes with --identity (a DEVICE has its own range)");
		return -1;
	}
	if ((allowed & OPT_DEVICE) && !args->device && !args->identity) {
		fail(cmd->name, "missing DEVICE%s (see '%s %s --help')",
		     (allowed & OPT_IDENTITY) ? " or --identity ID" : "",
		     PROG_NAME, cmd->name);
		return -1;
	}
	return 0;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The kernel checks again; checking here gives the clearer message. */
int check_hold_args(const struct args *args)
{
	const char *what = args->device ? args->device : args->identity;
	const char *p;

	if (!args->name) {
		fail(what, "missing --name NAME");
		return -1;
	}
	if (!*args->name || strlen(args->name) > BLKHOLD_NAME_MAX) {
		fail(what, "hold name must be 1-%d characters, not %zu",
		     BLKHOLD_NAME_MAX, strlen(args->name));
		return -1;
	}
	for (p = args->name; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			fail(what, "hold name may hold only printable ASCII characters");
			return -1;
		}
	}
	if (args->reason && strlen(args->reason) > BLKHOLD_REASON_MAX) {
		fail(what, "reason must be at most %d bytes, not %zu",
		     BLKHOLD_REASON_MAX, strlen(args->reason));
		return -1;
	}
	if (args->reason && has_control_chars(args->reason)) {
		fail(what, "reason must not contain control characters");
		return -1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON form of a volume and its holds (documented in
 * Documentation/admin-guide.rst), and the names of the kinds of refusal.
 */
#include <inttypes.h>
#include <time.h>

#include "blkhold.h"
#include "retention.h"

const char *const kind_names[__BLKHOLD_KIND_MAX] = {
	[BLKHOLD_KIND_WRITE] = "write",
	[BLKHOLD_KIND_WRITE_ZEROES] = "write-zeroes",
	[BLKHOLD_KIND_DISCARD] = "discard",
	[BLKHOLD_KIND_SECURE_ERASE] = "secure-erase",
	[BLKHOLD_KIND_ZONE_RESET] = "zone-reset",
	[BLKHOLD_KIND_ZONE_FINISH] = "zone-finish",
	[BLKHOLD_KIND_ZONE_APPEND] = "zone-append",
	[BLKHOLD_KIND_PASSTHROUGH] = "passthrough",
	[BLKHOLD_KIND_TAMPER] = "tamper",
};

uint64_t volume_refused_total(const struct volume *v)
{
	uint64_t total = 0;
	int k;

	for (k = 0; k < __BLKHOLD_KIND_MAX; k++)
		total += v->refused[k];
	return total;
}

void print_hold_json(FILE *f, const struct hold *h)
{
	char when[64];

	format_time(h->ctime, when, sizeof(when));
	fprintf(f, "{\"name\":");
	json_string(f, h->name);
	fprintf(f, ",\"reason\":");
	json_string(f, h->reason);
	fprintf(f, ",\"uid\":%" PRIu32 ",\"pid\":%" PRIu32 ",\"comm\":", h->uid, h->pid);
	json_string(f, h->comm);
	fprintf(f, ",\"created\":\"%s\",\"created_epoch\":%" PRIu64 ",\"persistent\":%s",
		when, h->ctime, h->persistent ? "true" : "false");
	fprintf(f, ",\"derived_from\":");
	if (h->via[0])
		json_string(f, h->via);
	else
		fprintf(f, "null");
	fprintf(f, ",\"custodians\":%" PRIu32, h->custodians);
	if (h->retain_mode)
		fprintf(f, ",\"retain_until\":%" PRIu64 ",\"retain_mode\":\"%s\"",
			h->retain_until, retention_mode_name(h->retain_mode));
	else
		fprintf(f, ",\"retain_until\":null,\"retain_mode\":null");
	fputc('}', f);
}

void print_volume_json(FILE *f, const struct volume *v)
{
	char identity[BLKHOLD_IDENTITY_MAX + 1] = "";
	size_t i;
	int k;

	/* a range beneath a stacked volume has no node (0:0) to read one from */
	if (!v->detached && (v->major || v->minor))
		volume_identity(v->major, v->minor, v->diskseq, identity,
				sizeof(identity));
	fprintf(f, "{\"device\":\"/dev/%s\",\"name\":", v->name);
	json_string(f, v->name);
	fprintf(f, ",\"identity\":");
	json_string(f, identity);
	fprintf(f, ",\"major\":%u,\"minor\":%u,\"diskseq\":%" PRIu64
		",\"start\":%" PRIu64 ",\"sectors\":%" PRIu64
		",\"held\":true,\"detached\":%s,\"node_only\":%s,\"holds\":[",
		v->major, v->minor, v->diskseq, v->start, v->sectors,
		v->detached ? "true" : "false", v->node_only ? "true" : "false");
	for (i = 0; i < v->nr_holds; i++) {
		if (i)
			fputc(',', f);
		print_hold_json(f, &v->holds[i]);
	}
	fprintf(f, "],\"refused\":{");
	for (k = 0; k < __BLKHOLD_KIND_MAX; k++)
		fprintf(f, "%s\"%s\":%" PRIu64, k ? "," : "", kind_names[k],
			v->refused[k]);
	fprintf(f, "},\"refused_total\":%" PRIu64 "}", volume_refused_total(v));
}

/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * blkhold: legal holds on block devices, generic netlink interface.
 * Documentation/netlink/specs/blkhold.yaml is the reference for this file.
 */
#ifndef _UAPI_LINUX_BLKHOLD_H
#define _UAPI_LINUX_BLKHOLD_H

#define BLKHOLD_FAMILY_NAME	"blkhold"
#define BLKHOLD_FAMILY_VERSION	1
#define BLKHOLD_MCGRP_EVENTS	"events"

/* Longest hold name and reason, in bytes, not counting the NUL. */
#define BLKHOLD_NAME_MAX	64
#define BLKHOLD_REASON_MAX	256
/*
 * Longest disk identity, "SOURCE=VALUE": the sysfs attribute the kernel
 * reads it from, relative to the disk ("wwid", "device/wwid", "serial"),
 * and what it shows there, trailing white space removed.
 */
#define BLKHOLD_IDENTITY_MAX	255
/* Longest partition UUID: a GPT GUID, or an MBR "%08x-%02x". */
#define BLKHOLD_PARTUUID_MAX	36

/* What a refused request would have done. */
enum blkhold_kind {
	BLKHOLD_KIND_WRITE,
	BLKHOLD_KIND_WRITE_ZEROES,
	BLKHOLD_KIND_DISCARD,
	BLKHOLD_KIND_SECURE_ERASE,
	BLKHOLD_KIND_ZONE_RESET,
	BLKHOLD_KIND_ZONE_FINISH,
	BLKHOLD_KIND_ZONE_APPEND,
	BLKHOLD_KIND_PASSTHROUGH,
	BLKHOLD_KIND_TAMPER,

	__BLKHOLD_KIND_MAX,
};

#define BLKHOLD_KIND_MAX (__BLKHOLD_KIND_MAX - 1)

/* Attributes of commands, replies and events. */
enum {
	BLKHOLD_A_UNSPEC,
	BLKHOLD_A_PAD,
	BLKHOLD_A_MAJOR,	/* u32: device number of the volume */
	BLKHOLD_A_MINOR,	/* u32 */
	BLKHOLD_A_DISKSEQ,	/* u64: disk sequence number, tells disks apart */
	BLKHOLD_A_DEVNAME,	/* string: kernel name, e.g. "sdb1" */
	BLKHOLD_A_START,	/* u64: first sector on the whole disk */
	BLKHOLD_A_SECTORS,	/* u64: length in 512-byte sectors */
	BLKHOLD_A_DETACHED,	/* flag: the disk is gone, its holds are kept */
	BLKHOLD_A_NAME,		/* string: hold name */
	BLKHOLD_A_REASON,	/* string: free text, UTF-8 */
	BLKHOLD_A_HOLD,		/* nest (BLKHOLD_HOLD_A_*), repeated */
	BLKHOLD_A_COUNTERS,	/* nest: u64 per kind, attribute type kind + 1 */
	BLKHOLD_A_KIND,		/* u32: enum blkhold_kind */
	BLKHOLD_A_SECTOR,	/* u64: first sector of a refused request */
	BLKHOLD_A_NR_SECTORS,	/* u64 */
	BLKHOLD_A_OPCODE,	/* u32: passthrough opcode, or tamper operation */
	BLKHOLD_A_PID,		/* u32: process that sent the request */
	BLKHOLD_A_UID,		/* u32: its uid in the initial namespace */
	BLKHOLD_A_COMM,		/* string: its command name */
	BLKHOLD_A_SUPPRESSED,	/* u64: events not sent since the last one */
	BLKHOLD_A_ACTION,	/* string: what a tamper attempt tried, or an alert */
	BLKHOLD_A_IDENTITY,	/* string: stable identity of a disk */
	BLKHOLD_A_DISK_SECTORS,	/* u64: size of the whole disk a record was made on */
	BLKHOLD_A_BOUND,	/* u32: disks a record holds now */
	BLKHOLD_A_PARTUUID,	/* string: partition UUID a record expects */

	__BLKHOLD_A_MAX,
};

#define BLKHOLD_A_MAX (__BLKHOLD_A_MAX - 1)

/* Attributes of one hold, nested in BLKHOLD_A_HOLD. */
enum {
	BLKHOLD_HOLD_A_UNSPEC,
	BLKHOLD_HOLD_A_PAD,
	BLKHOLD_HOLD_A_NAME,	/* string */
	BLKHOLD_HOLD_A_REASON,	/* string, absent when none was given */
	BLKHOLD_HOLD_A_UID,	/* u32: who placed it */
	BLKHOLD_HOLD_A_PID,	/* u32 */
	BLKHOLD_HOLD_A_COMM,	/* string */
	BLKHOLD_HOLD_A_CTIME,	/* u64: placed at, seconds since the epoch */
	BLKHOLD_HOLD_A_PERSISTENT, /* flag: made from a record (a stored hold) */

	__BLKHOLD_HOLD_A_MAX,
};

#define BLKHOLD_HOLD_A_MAX (__BLKHOLD_HOLD_A_MAX - 1)

enum {
	BLKHOLD_CMD_UNSPEC,
	BLKHOLD_CMD_HOLD_ADD,		/* do: place a hold */
	BLKHOLD_CMD_HOLD_DEL,		/* do: release a hold */
	BLKHOLD_CMD_VOLUME_GET,		/* dump: held volumes */
	BLKHOLD_CMD_HOLD_ADDED,		/* event */
	BLKHOLD_CMD_HOLD_RELEASED,	/* event */
	BLKHOLD_CMD_REFUSED,		/* event */
	BLKHOLD_CMD_RECORD_ADD,		/* do: arm a stored hold by identity */
	BLKHOLD_CMD_RECORD_DEL,		/* do: disarm it, release its holds */
	BLKHOLD_CMD_RECORD_GET,		/* dump: armed records */
	BLKHOLD_CMD_ALERT,		/* event: a record met a disk unlike it */

	__BLKHOLD_CMD_MAX,
};

#define BLKHOLD_CMD_MAX (__BLKHOLD_CMD_MAX - 1)

#endif /* _UAPI_LINUX_BLKHOLD_H */

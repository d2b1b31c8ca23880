// SPDX-License-Identifier: GPL-2.0
/*
 * The request gate: where a SCSI or NVMe passthrough command to a held
 * volume is refused.
 *
 * SG_IO on /dev/sdX, /dev/sgN and bsg, the NVMe ioctls on /dev/nvmeXnY,
 * /dev/ngXnY and /dev/nvmeX, and io_uring passthrough never pass
 * submit_bio(): they build REQ_OP_DRV_* requests and hand them to
 * blk_execute_rq() or blk_execute_rq_nowait(), after the command has been
 * copied into the kernel. The decision is made on that copy.
 *
 * Default deny: on a disk with a held volume only commands known not to
 * change the medium pass; on an NVMe controller with a held namespace,
 * only admin commands known to be harmless; on a disk whose commands
 * blkhold cannot read, nothing but the driver's own reads (virtio-blk). The kernel's own commands
 * (revalidation, cache flushes, identify, keep-alive, queue setup) take
 * the same path and are on those lists.
 *
 * A refused command never reaches the device and never reports success:
 * SCSI completes with CHECK CONDITION, sense key DATA PROTECT, "write
 * protected"; NVMe with Namespace Is Write Protected, Do Not Retry.
 */
#include "blkhold.h"

#include <linux/ata.h>
#include <linux/blk-mq.h>
#include <linux/module.h>
#include <linux/nvme.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_proto.h>

/*
 * The head of the NVMe driver's private per-request data, laid out alike
 * in 6.1 and 6.12: the command, the result, then the status the ioctl and
 * io_uring paths report to userspace.
 */
struct bh_nvme_request_head {
	struct nvme_command *cmd;
	union nvme_result result;
	u8 genctr;
	u8 retries;
	u8 flags;
	u16 status;
};

/*
 * The command set of a disk's passthrough requests, from the device the
 * disk hangs off as sysfs shows it (DEVTYPE, class, bus), never from the
 * driver's module name, which a built-in driver does not have: a SCSI
 * disk's parent is a scsi_device, an NVMe namespace's its controller of
 * class "nvme", a virtio-blk disk's a device on the virtio bus.
 */
enum bh_transport bh_disk_transport(struct gendisk *disk)
{
	struct device *parent = bh_disk_parent(disk);

	if (!parent)
		return BH_TRANSPORT_OTHER;
	if (parent->type && parent->type->name &&
	    !strcmp(parent->type->name, "scsi_device"))
		return BH_TRANSPORT_SCSI;
	if (parent->class && !strcmp(parent->class->name, "nvme") &&
	    disk->queue->tag_set)
		return BH_TRANSPORT_NVME;
	if (parent->bus && !strcmp(parent->bus->name, "virtio"))
		return BH_TRANSPORT_VIRTIO;
	return BH_TRANSPORT_OTHER;
}

/* The admin and I/O queues of one NVMe controller share this. */
const void *bh_nvme_ctrl_key(struct gendisk *disk)
{
	if (bh_disk_transport(disk) != BH_TRANSPORT_NVME)
		return NULL;
	return disk->queue->tag_set->driver_data;
}

/* ---- SCSI ---- */

/* SBC-4 GET STREAM STATUS, which 6.1's scsi_proto.h does not name */
#define BH_SAI_GET_STREAM_STATUS	0x16

/* SMART features linux/ata.h does not name (ACS-3) */
#define BH_ATA_SMART_READ_LOG		0xd5
#define BH_ATA_SMART_RETURN_STATUS	0xda

/* ATA PASS-THROUGH that only reads: identify, SMART read, power mode. */
static bool bh_ata_reads(u8 command, u8 feature)
{
	switch (command) {
	case ATA_CMD_ID_ATA:
	case ATA_CMD_ID_ATAPI:
	case ATA_CMD_CHK_POWER:
	case ATA_CMD_READ_LOG_EXT:
	case ATA_CMD_READ_LOG_DMA_EXT:
		return true;
	case ATA_CMD_SMART:
		return feature == ATA_SMART_READ_VALUES ||
		       feature == ATA_SMART_READ_THRESHOLDS ||
		       feature == BH_ATA_SMART_READ_LOG ||
		       feature == BH_ATA_SMART_RETURN_STATUS;
	default:
		return false;
	}
}

static bool bh_scsi_reads(const u8 *cdb, unsigned int len)
{
	switch (cdb[0]) {
	case TEST_UNIT_READY:
	case REQUEST_SENSE:
	case INQUIRY:
	case MODE_SENSE:
	case MODE_SENSE_10:
	case LOG_SENSE:
	case START_STOP:
	case ALLOW_MEDIUM_REMOVAL:
	case RECEIVE_DIAGNOSTIC:
	case READ_CAPACITY:
	case READ_6:
	case READ_10:
	case READ_12:
	case READ_16:
	case READ_BUFFER:
	case READ_DEFECT_DATA:
	case SYNCHRONIZE_CACHE:
	case SYNCHRONIZE_CACHE_16:
	case PERSISTENT_RESERVE_IN:
	case REPORT_LUNS:
	case MAINTENANCE_IN:
	case SECURITY_PROTOCOL_IN:
	case ZBC_IN:
		return true;
	case VERIFY:
	case VERIFY_12:
	case VERIFY_16:
		return len > 1 && !(cdb[1] & 0x06);	/* BYTCHK 0: no data out */
	case SERVICE_ACTION_IN_16:
		return len > 1 && ((cdb[1] & 0x1f) == SAI_READ_CAPACITY_16 ||
				   (cdb[1] & 0x1f) == SAI_GET_LBA_STATUS ||
				   (cdb[1] & 0x1f) == BH_SAI_GET_STREAM_STATUS);
	case ATA_12:
		return len >= 12 && bh_ata_reads(cdb[9], cdb[3]);
	case ATA_16:
		return len >= 16 && bh_ata_reads(cdb[14], cdb[4]);
	default:
		return false;
	}
}

static void bh_scsi_fail(struct request *rq)
{
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);
	u8 *sense = scmd->sense_buffer;

	/* fixed-format sense: DATA PROTECT, ASC 0x27 "write protected" */
	memset(sense, 0, SCSI_SENSE_BUFFERSIZE);
	sense[0] = 0x70;
	sense[2] = DATA_PROTECT;
	sense[7] = 10;
	sense[12] = 0x27;
	scmd->sense_len = 18;
	scmd->result = SAM_STAT_CHECK_CONDITION;
	scmd->resid_len = blk_rq_bytes(rq);
}

/* ---- NVMe ---- */

static bool bh_nvme_io_reads(const struct nvme_command *cmd)
{
	switch (cmd->common.opcode) {
	case nvme_cmd_flush:
	case nvme_cmd_read:
	case nvme_cmd_compare:
	case nvme_cmd_verify:
	case nvme_cmd_resv_report:
	case nvme_cmd_zone_mgmt_recv:
		return true;
	case nvme_cmd_dsm:
		/* attribute hints only, no deallocate */
		return !(le32_to_cpu(cmd->dsm.attributes) & NVME_DSMGMT_AD);
	default:
		return false;
	}
}

static bool bh_nvme_admin_harmless(u8 opcode)
{
	switch (opcode) {
	case nvme_admin_delete_sq:
	case nvme_admin_create_sq:
	case nvme_admin_get_log_page:
	case nvme_admin_delete_cq:
	case nvme_admin_create_cq:
	case nvme_admin_identify:
	case nvme_admin_abort_cmd:
	case nvme_admin_set_features:
	case nvme_admin_get_features:
	case nvme_admin_async_event:
	case nvme_admin_keep_alive:
	case nvme_admin_directive_recv:
	case nvme_admin_dbbuf:
	case nvme_admin_security_recv:
	case nvme_admin_get_lba_status:
		return true;
	default:
		return false;
	}
}

static void bh_nvme_fail(struct request *rq)
{
	struct bh_nvme_request_head *nreq = blk_mq_rq_to_pdu(rq);

	nreq->result.u64 = 0;
	nreq->status = NVME_SC_NS_WRITE_PROTECTED | NVME_STATUS_DNR;
}

/* ---- the decision ---- */

/*
 * Does @rq change a held volume? Fills @r for the refusal. Called in an
 * RCU read-side section.
 */
static bool bh_request_refused(struct request *rq, struct bh_refusal *r)
{
	struct gendisk *disk = rq->q->disk;
	struct bh_nvme_request_head *nreq;
	struct scsi_cmnd *scmd;

	if (!blk_rq_is_passthrough(rq))
		return false;
	memset(r, 0, sizeof(*r));
	r->kind = BLKHOLD_KIND_PASSTHROUGH;
	if (!disk) {
		/* a queue without a disk: an NVMe controller's admin queue */
		if (!rq->q->tag_set)
			return false;
		r->vol = bh_volume_find_ctrl(rq->q->tag_set->driver_data);
		if (!r->vol)
			return false;
		nreq = blk_mq_rq_to_pdu(rq);
		r->opcode = nreq->cmd->common.opcode;
		return !bh_nvme_admin_harmless(r->opcode);
	}
	r->vol = bh_volume_find(disk->diskseq, 0, get_capacity(disk));
	if (!r->vol)
		return false;
	r->bdev = disk->part0;
	switch (r->vol->transport) {
	case BH_TRANSPORT_SCSI:
		scmd = blk_mq_rq_to_pdu(rq);
		r->opcode = scmd->cmnd[0];
		return !bh_scsi_reads(scmd->cmnd, scmd->cmd_len);
	case BH_TRANSPORT_NVME:
		nreq = blk_mq_rq_to_pdu(rq);
		r->opcode = nreq->cmd->common.opcode;
		return !bh_nvme_io_reads(nreq->cmd);
	case BH_TRANSPORT_VIRTIO:
		/*
		 * virtio-blk sends only its own reads this way: GET_ID, which
		 * serves /sys/block/vdX/serial, and zone reports.
		 */
		r->opcode = req_op(rq);
		return req_op(rq) != REQ_OP_DRV_IN;
	default:
		/* a driver whose commands blkhold cannot read: nothing passes */
		r->opcode = req_op(rq);
		return true;
	}
}

static enum bh_transport bh_request_transport(struct request *rq,
					      const struct bh_refusal *r)
{
	return rq->q->disk ? r->vol->transport : BH_TRANSPORT_NVME;
}

/* Refuse @rq: record it and fill in the status its submitter will read. */
static bool bh_request_refuse(struct request *rq)
{
	struct bh_refusal r;
	bool refused;

	rcu_read_lock();
	refused = bh_request_refused(rq, &r);
	if (refused) {
		bh_refuse(&r);
		if (bh_request_transport(rq, &r) == BH_TRANSPORT_SCSI)
			bh_scsi_fail(rq);
		else if (bh_request_transport(rq, &r) == BH_TRANSPORT_NVME)
			bh_nvme_fail(rq);
	}
	rcu_read_unlock();
	return refused;
}

static bool bh_request_refuses(struct ftrace_regs *fregs)
{
	struct request *rq = (struct request *)bh_ftrace_arg(fregs, 0);
	struct bh_refusal r;
	bool refused;

	rcu_read_lock_sched_notrace();
	refused = bh_request_refused(rq, &r);
	rcu_read_unlock_sched_notrace();
	return refused;
}

BH_HOOK_CALLBACK(bh_request_callback, bh_request_refuses)

/*
 * SG_IO, the NVMe ioctls and the kernel's own commands wait here and read
 * the status filled in. A refused request's bios end as a failed
 * command's do before its submitter resumes: a kernel buffer's bio
 * (blk_rq_map_kern()) is freed only at its end.
 */
static blk_status_t bh_refuse_execute_rq(struct request *rq, bool at_head)
{
	blk_status_t status = BLK_STS_IOERR;

	if (bh_request_refuse(rq))
		blk_update_request(rq, status, blk_rq_bytes(rq));
	else
		status = blk_execute_rq(rq, at_head);
	bh_refusal_done();
	return status;
}

/* /dev/sg and io_uring: the submitter's end_io runs with the refusal. */
static void bh_refuse_execute_rq_nowait(struct request *rq, bool at_head)
{
	if (bh_request_refuse(rq))
		blk_mq_end_request(rq, BLK_STS_IOERR);
	else
		blk_execute_rq_nowait(rq, at_head);
	bh_refusal_done();
}

struct bh_hook bh_passthru_hooks[] = {
	{ "blk_execute_rq", bh_request_callback, bh_refuse_execute_rq },
	{ "blk_execute_rq_nowait", bh_request_callback,
	  bh_refuse_execute_rq_nowait },
};

const unsigned int bh_nr_passthru_hooks = ARRAY_SIZE(bh_passthru_hooks);

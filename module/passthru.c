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
#include "disk.h"
#include "events.h"
#include "hooks.h"
#include "passthru.h"
#include "persist.h"
#include "registry.h"
#include "spans.h"

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

/* nvme_request.flags: a command from userspace (drivers/nvme/host/nvme.h) */
#define BH_NVME_REQ_USERCMD	BIT(1)

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

/* Features a user may set on a controller that carries held media. */
static bool bh_nvme_user_feature(u8 fid)
{
	switch (fid) {
	case NVME_FEAT_POWER_MGMT:
	case NVME_FEAT_TEMP_THRESH:
	case NVME_FEAT_ERR_RECOVERY:
	case NVME_FEAT_VOLATILE_WC:
	case NVME_FEAT_IRQ_COALESCE:
	case NVME_FEAT_ASYNC_EVENT:
	case NVME_FEAT_AUTO_PST:
	case NVME_FEAT_TIMESTAMP:
	case NVME_FEAT_HCTM:
	case NVME_FEAT_NOPSC:
	case NVME_FEAT_SW_PROGRESS:
		return true;
	default:
		return false;
	}
}

/*
 * Admin commands that change no medium. The driver's own queue and host
 * memory setup (queues, doorbell buffer, host memory buffer features)
 * passes for the kernel only: from a user it would hand the controller
 * addresses of its choosing.
 */
static bool bh_nvme_admin_harmless(const struct nvme_command *cmd, bool user)
{
	switch (cmd->common.opcode) {
	case nvme_admin_get_log_page:
	case nvme_admin_identify:
	case nvme_admin_get_features:
	case nvme_admin_async_event:
	case nvme_admin_keep_alive:
	case nvme_admin_directive_recv:
	case nvme_admin_security_recv:
	case nvme_admin_get_lba_status:
		return true;
	case nvme_admin_delete_sq:
	case nvme_admin_create_sq:
	case nvme_admin_delete_cq:
	case nvme_admin_create_cq:
	case nvme_admin_abort_cmd:
	case nvme_admin_dbbuf:
		return !user;
	case nvme_admin_set_features:
		return !user ||
		       bh_nvme_user_feature(le32_to_cpu(cmd->common.cdw10) & 0xff);
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

/* A passthrough request to a disk with a held volume (any node of it). */
static bool bh_disk_request_refused(struct request *rq, struct gendisk *disk,
				    struct bh_refusal *r,
				    enum bh_transport *transport)
{
	struct bh_nvme_request_head *nreq;
	struct scsi_cmnd *scmd;

	r->vol = bh_volume_find(disk, 0, max_t(sector_t, get_capacity(disk), 1));
	if (!r->vol)
		return false;
	r->bdev = disk->part0;
	*transport = r->vol->transport;
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

/*
 * A command to a SCSI device without a disk: through sg or bsg, after sd
 * was unbound or before it is bound. Its medium is held if its disk was
 * (the queue outlives the disk) or a record names its identity; one whose
 * identity cannot be read is refused on a host that carries held media.
 */
static bool bh_scsi_medium_refused(struct request *rq, struct device *sdev,
				   struct bh_refusal *r)
{
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);
	char id[BLKHOLD_IDENTITY_MAX + 1];

	r->opcode = scmd->cmnd[0];
	r->via = "a SCSI device without its disk (sg, bsg)";
	if (bh_scsi_reads(scmd->cmnd, scmd->cmd_len))
		return false;
	r->vol = bh_volume_find_queue(rq->q);
	if (r->vol)
		return true;
	if (!bh_scsi_device_identity(sdev, id)) {
		r->rec = bh_record_find_identity(id);
		if (r->rec)
			r->vol = bh_record_volume(r->rec);
		return r->rec;
	}
	r->vol = bh_volume_find_host(rq->q->tag_set);
	return r->vol;
}

/*
 * The held medium of the NVMe subsystem @nqn: a namespace held now, or
 * one a record held before (a controller re-plugged or rescanned, its
 * namespaces not yet found).
 */
static bool bh_subsys_held(const char *nqn, struct bh_refusal *r)
{
	r->vol = bh_volume_find_subsys(nqn);
	if (r->vol)
		return true;
	r->rec = bh_record_find_subsys(nqn);
	if (r->rec)
		r->vol = bh_record_volume(r->rec);
	return r->rec;
}

/*
 * An admin command to an NVMe controller. Format, Sanitize and namespace
 * management reach every namespace of the subsystem, whichever of its
 * controllers they come through: a controller is held when its subsystem
 * holds a namespace. A controller blkhold knows from a held namespace is
 * judged at once; another on PCI is found by its subsystem's NQN.
 */
static bool bh_admin_refused(struct request *rq, struct bh_refusal *r)
{
	const void *key = rq->q->tag_set ? rq->q->tag_set->driver_data : NULL;
	struct bh_nvme_request_head *nreq = blk_mq_rq_to_pdu(rq);
	char *nqn;
	int known;
	bool held;

	r->via = "an NVMe controller";
	r->vol = bh_volume_find_ctrl(key);
	if (r->vol) {
		r->opcode = nreq->cmd->common.opcode;
		return !bh_nvme_admin_harmless(nreq->cmd,
					       nreq->flags & BH_NVME_REQ_USERCMD);
	}
	if (!bh_nvme_held() && !bh_records_armed())
		return false;
	if (bh_nvme_admin_harmless(nreq->cmd, nreq->flags & BH_NVME_REQ_USERCMD))
		return false;
	r->opcode = nreq->cmd->common.opcode;
	nqn = (char *)__get_free_page(GFP_ATOMIC);
	if (!nqn)
		return true;	/* cannot tell which subsystem: fail closed */
	known = bh_nvme_ctrl_subsys(key, nqn);
	/* one still learning its subsystem is initialising: the kernel's */
	held = known > 0 && bh_subsys_held(nqn, r);
	free_page((unsigned long)nqn);
	return held;
}

/*
 * Does @rq change a held medium? Fills @r for the refusal and
 * @transport for the status to report. Called in an RCU read-side
 * section; does not sleep.
 */
static bool bh_request_refused(struct request *rq, struct bh_refusal *r,
			       enum bh_transport *transport)
{
	struct gendisk *disk = rq->q->disk;
	struct device *sdev;

	if (!blk_rq_is_passthrough(rq))
		return false;
	memset(r, 0, sizeof(*r));
	r->kind = BLKHOLD_KIND_PASSTHROUGH;
	if (disk)
		return bh_disk_request_refused(rq, disk, r, transport);
	sdev = bh_queue_scsi_device(rq->q);
	*transport = sdev ? BH_TRANSPORT_SCSI : BH_TRANSPORT_NVME;
	if (sdev)
		return bh_scsi_medium_refused(rq, sdev, r);
	return bh_admin_refused(rq, r);
}

/* Refuse @rq: record it and fill in the status its submitter will read. */
static bool bh_request_refuse(struct request *rq)
{
	enum bh_transport transport = BH_TRANSPORT_OTHER;
	struct bh_refusal r;
	bool refused;

	rcu_read_lock();
	refused = bh_request_refused(rq, &r, &transport);
	if (refused) {
		bh_refuse(&r);
		if (transport == BH_TRANSPORT_SCSI)
			bh_scsi_fail(rq);
		else if (transport == BH_TRANSPORT_NVME)
			bh_nvme_fail(rq);
	}
	rcu_read_unlock();
	return refused;
}

/*
 * Cheap: the refusal function decides. A request to a disk without a held
 * volume passes here; one without a disk goes there while anything is held.
 */
static bool bh_request_refuses(struct ftrace_regs *fregs)
{
	struct request *rq = (struct request *)bh_ftrace_arg(fregs, 0);

	if (!blk_rq_is_passthrough(rq))
		return false;
	if (rq->q->disk)
		return bh_disk_may_be_held(rq->q->disk);
	return true;
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

static struct bh_hook bh_passthru_hooks[] = {
	{ "blk_execute_rq", bh_request_callback, bh_refuse_execute_rq },
	{ "blk_execute_rq_nowait", bh_request_callback,
	  bh_refuse_execute_rq_nowait },
};

int bh_passthru_init(void)
{
	return bh_hooks_add_table(bh_passthru_hooks,
				  ARRAY_SIZE(bh_passthru_hooks));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the mdev driver and the VFIO device of a subchannel, with the
 * user ABI of Linux 6.1: the I/O region (index 0), the async command, schib
 * and CRW regions (1 to 3, each with its capability), the I/O, CRW and
 * request interrupts (eventfds), reset, and the VFIO core's request and
 * dma_unmap callbacks.
 */

#include <linux/eventfd.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "vfio_ccw_private.h"

static const struct vfio_device_ops vfio_ccw_dev_ops;

static struct vfio_ccw_private *vfio_ccw_vdev_private(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_ccw_private, vdev);
}

/* ----------------------------------------------------------- regions */

/**
 * struct vfio_ccw_cap_region - a region after the I/O region
 * @subtype: its VFIO_REGION_SUBTYPE_CCW_*, of type VFIO_REGION_TYPE_CCW
 * @size: its size
 * @flags: VFIO_REGION_INFO_FLAG_READ, _WRITE
 * @read: read it
 * @write: write it, NULL if read-only
 */
struct vfio_ccw_cap_region {
	u32 subtype;
	size_t size;
	u32 flags;
	ssize_t (*read)(struct vfio_ccw_private *private, char __user *buf,
			size_t count, loff_t pos);
	ssize_t (*write)(struct vfio_ccw_private *private,
			 const char __user *buf, size_t count, loff_t pos);
};

/* Indexes 1.. of the device file, in stock's order */
static const struct vfio_ccw_cap_region vfio_ccw_cap_regions[] = {
	{
		.subtype = VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD,
		.size = sizeof(struct ccw_cmd_region),
		.flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE,
		.read = vfio_ccw_async_region_read,
		.write = vfio_ccw_async_region_write,
	},
	{
		.subtype = VFIO_REGION_SUBTYPE_CCW_SCHIB,
		.size = sizeof(struct ccw_schib_region),
		.flags = VFIO_REGION_INFO_FLAG_READ,
		.read = vfio_ccw_schib_region_read,
	},
	{
		.subtype = VFIO_REGION_SUBTYPE_CCW_CRW,
		.size = sizeof(struct ccw_crw_region),
		.flags = VFIO_REGION_INFO_FLAG_READ,
		.read = vfio_ccw_crw_region_read,
	},
};

/* The region of @index after the I/O region, NULL if there is none */
static const struct vfio_ccw_cap_region *vfio_ccw_cap_region(u64 index)
{
	BUILD_BUG_ON(ARRAY_SIZE(vfio_ccw_cap_regions) !=
		     VFIO_CCW_REGIONS - VFIO_CCW_ASYNC_REGION_INDEX);
	BUILD_BUG_ON(VFIO_CCW_CONFIG_REGION_INDEX != 0);
	if (index < VFIO_CCW_ASYNC_REGION_INDEX || index >= VFIO_CCW_REGIONS)
		return NULL;
	/*
	 * The index is the user's (*ppos, info.index): no speculative load
	 * past the table, whose entries hold the functions called next.
	 */
	index = array_index_nospec(index - VFIO_CCW_ASYNC_REGION_INDEX,
				   ARRAY_SIZE(vfio_ccw_cap_regions));
	return &vfio_ccw_cap_regions[index];
}

/* Split a file offset into the region's index and the offset in it. */
static u64 vfio_ccw_region_index(loff_t off, loff_t *pos)
{
	*pos = off & VFIO_CCW_OFFSET_MASK;
	return (u64)off >> VFIO_CCW_OFFSET_SHIFT;
}

/* ------------------------------------------- the interrupts' eventfds */

/*
 * Install @ctx (or none) as the eventfd of interrupt @index, under its
 * lock: io_mutex for the I/O interrupt (the FSM signals it), irq_lock for
 * the others (the CRW one is signalled under sch->lock). Returns the one
 * it replaces, for the caller to put.
 */
static struct eventfd_ctx *vfio_ccw_swap_trigger(struct vfio_ccw_private *private,
						 unsigned int index,
						 struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;

	if (index == VFIO_CCW_IO_IRQ_INDEX) {
		mutex_lock(&private->io_mutex);
		old = private->io_trigger;
		private->io_trigger = ctx;
		mutex_unlock(&private->io_mutex);
		return old;
	}

	spin_lock_irq(&private->irq_lock);
	if (index == VFIO_CCW_CRW_IRQ_INDEX) {
		old = private->crw_trigger;
		private->crw_trigger = ctx;
	} else {
		old = private->req_trigger;
		private->req_trigger = ctx;
	}
	spin_unlock_irq(&private->irq_lock);
	return old;
}

/* Signal the eventfd of interrupt @index by hand, if there is one. */
static void vfio_ccw_signal_trigger(struct vfio_ccw_private *private,
				    unsigned int index)
{
	struct eventfd_ctx *ctx;

	if (index == VFIO_CCW_IO_IRQ_INDEX) {
		mutex_lock(&private->io_mutex);
		if (private->io_trigger)
			eventfd_signal(private->io_trigger);
		mutex_unlock(&private->io_mutex);
		return;
	}

	spin_lock_irq(&private->irq_lock);
	ctx = index == VFIO_CCW_CRW_IRQ_INDEX ? private->crw_trigger :
						private->req_trigger;
	if (ctx)
		eventfd_signal(ctx);
	spin_unlock_irq(&private->irq_lock);
}

/* Drop every eventfd: the device is closed. */
static void vfio_ccw_put_triggers(struct vfio_ccw_private *private)
{
	unsigned int index;

	for (index = 0; index < VFIO_CCW_NUM_IRQS; index++) {
		struct eventfd_ctx *old;

		old = vfio_ccw_swap_trigger(private, index, NULL);
		if (old)
			eventfd_ctx_put(old);
	}
}

/* ------------------------------------------------------------- reset */

/* io_mutex held: a new user, or a reset: no unmap of the last one's counts */
static void vfio_ccw_unmap_forget(struct vfio_ccw_private *private)
{
	private->unmap_calls = 0;
	private->unmap_repinned = false;
	private->unmap_fenced = false;
}

/*
 * CLOSE, waited out, then OPEN unless the device is being closed. A
 * device left offline by dma_unmap() comes back too.
 */
static int vfio_ccw_reset(struct vfio_ccw_private *private)
{
	int ret = -ENODEV;

	vfio_ccw_go_offline(private, false, 0);
	mutex_lock(&private->io_mutex);
	vfio_ccw_unmap_forget(private);
	if (private->guest_open)
		ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_OPEN);
	mutex_unlock(&private->io_mutex);
	return ret < 0 ? ret : 0;
}

/* ------------------------------------------------ vfio_device_ops */

static int vfio_ccw_open_device(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	int ret;

	/* A new user: nothing of the last one's in the regions */
	mutex_lock(&private->cmd_lock);
	memset(&private->cmd_region, 0, sizeof(private->cmd_region));
	mutex_unlock(&private->cmd_lock);
	vfio_ccw_crw_flush(private);

	mutex_lock(&private->io_mutex);
	vfio_ccw_unmap_forget(private);
	ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_OPEN);
	if (ret >= 0)
		private->guest_open = true;
	mutex_unlock(&private->io_mutex);
	return ret < 0 ? ret : 0;
}

static void vfio_ccw_close_device(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);

	/* Returns with the channel program unpinned, as the core wants */
	vfio_ccw_go_offline(private, true, 0);
	/* A path-gone clear meant for this user's I/O: not the next one's */
	cancel_work_sync(&private->chp_work);
	vfio_ccw_put_triggers(private);

	mutex_lock(&private->io_mutex);
	/* the next user starts from a clean region */
	memset(&private->io_region, 0, sizeof(private->io_region));
	mutex_unlock(&private->io_mutex);
}

static ssize_t vfio_ccw_io_region_read(struct vfio_ccw_private *private,
				       char __user *buf, size_t count,
				       loff_t pos)
{
	struct ccw_io_region region;

	if (count > sizeof(region) || pos > sizeof(region) - count)
		return -EINVAL;

	mutex_lock(&private->io_mutex);
	memcpy(&region, &private->io_region, sizeof(region));
	mutex_unlock(&private->io_mutex);

	if (copy_to_user(buf, (u8 *)&region + pos, count))
		return -EFAULT;
	return count;
}

static ssize_t vfio_ccw_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	const struct vfio_ccw_cap_region *region;
	loff_t pos;
	u64 index;

	if (*ppos < 0)
		return -EINVAL;
	index = vfio_ccw_region_index(*ppos, &pos);
	if (index == VFIO_CCW_CONFIG_REGION_INDEX)
		return vfio_ccw_io_region_read(private, buf, count, pos);
	region = vfio_ccw_cap_region(index);
	if (!region)
		return -EINVAL;
	return region->read(private, buf, count, pos);
}

static ssize_t vfio_ccw_write(struct vfio_device *vdev,
			      const char __user *buf, size_t count,
			      loff_t *ppos)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	const struct vfio_ccw_cap_region *region;
	struct ccw_io_region req;
	loff_t pos;
	u64 index;
	int ret;

	if (*ppos < 0)
		return -EINVAL;
	index = vfio_ccw_region_index(*ppos, &pos);
	if (index != VFIO_CCW_CONFIG_REGION_INDEX) {
		region = vfio_ccw_cap_region(index);
		if (!region || !region->write)
			return -EINVAL;
		return region->write(private, buf, count, pos);
	}

	/* A start request is the whole I/O region, nothing less */
	if (pos != 0 || count != sizeof(req))
		return -EINVAL;
	if (copy_from_user(&req, buf, sizeof(req)))
		return -EFAULT;

	ret = vfio_ccw_fsm_write(private, &req);
	return ret ? ret : count;
}

static int vfio_ccw_get_device_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_CCW | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_CCW_REGIONS;
	info.num_irqs = VFIO_CCW_NUM_IRQS;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The I/O region, or one after it, whose info carries one capability, its
 * type and subtype, right after struct vfio_region_info (if argsz leaves
 * room for it; else argsz says how much is needed), as stock.
 */
static int vfio_ccw_get_region_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info_cap_type cap = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
		.type = VFIO_REGION_TYPE_CCW,
	};
	const struct vfio_ccw_cap_region *region;
	struct vfio_region_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	if (info.index == VFIO_CCW_CONFIG_REGION_INDEX) {
		info.offset = 0;
		info.size = sizeof(struct ccw_io_region);
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		info.cap_offset = 0;
		goto out;
	}

	region = vfio_ccw_cap_region(info.index);
	if (!region)
		return -EINVAL;
	info.offset = (u64)info.index << VFIO_CCW_OFFSET_SHIFT;
	info.size = region->size;
	info.flags = region->flags | VFIO_REGION_INFO_FLAG_CAPS;
	cap.subtype = region->subtype;
	if (info.argsz < sizeof(info) + sizeof(cap)) {
		info.argsz = sizeof(info) + sizeof(cap);
		info.cap_offset = 0;
	} else {
		if (copy_to_user((void __user *)(arg + sizeof(info)), &cap,
				 sizeof(cap)))
			return -EFAULT;
		info.cap_offset = sizeof(info);
	}
out:
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_ccw_get_irq_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_CCW_NUM_IRQS)
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = 1;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* Install (fd >= 0) or remove (fd == -1) the eventfd of interrupt @index. */
static int vfio_ccw_set_trigger(struct vfio_ccw_private *private,
				unsigned int index, s32 fd)
{
	struct eventfd_ctx *ctx = NULL;
	struct eventfd_ctx *old;

	if (fd < -1)
		return -EINVAL;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}

	old = vfio_ccw_swap_trigger(private, index, ctx);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static int vfio_ccw_set_irqs(struct vfio_ccw_private *private,
			     unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	void __user *data = (void __user *)(arg + minsz);
	struct vfio_irq_set hdr;
	size_t data_size;
	u8 trigger;
	s32 fd;
	int ret;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	/* index below VFIO_CCW_NUM_IRQS, at most one interrupt each */
	ret = vfio_set_irqs_validate_and_prepare(&hdr, 1, VFIO_CCW_NUM_IRQS,
						 &data_size);
	if (ret)
		return ret;
	if (!(hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;

	switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (data_size < sizeof(trigger))
			return -EINVAL;
		if (get_user(trigger, (u8 __user *)data))
			return -EFAULT;
		if (!trigger)
			return 0;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		if (data_size < sizeof(fd))
			return -EINVAL;
		if (get_user(fd, (s32 __user *)data))
			return -EFAULT;
		return vfio_ccw_set_trigger(private, hdr.index, fd);
	default:
		return -EINVAL;
	}

	/* NONE, or BOOL true: signal the user's eventfd by hand */
	vfio_ccw_signal_trigger(private, hdr.index);
	return 0;
}

static long vfio_ccw_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_ccw_get_device_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_ccw_get_region_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_ccw_get_irq_info(arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_ccw_set_irqs(private, arg);
	case VFIO_DEVICE_RESET:
		return vfio_ccw_reset(private);
	default:
		return -ENOTTY;
	}
}

/*
 * The mdev is being removed while the user holds the device: the VFIO core
 * calls this at once, then every 10 s until the device is closed. Ask the
 * user to let go through the request interrupt. Without its eventfd the
 * removal just waits for the close (interruptibly, in the core), as it
 * did before the request interrupt was offered.
 */
static void vfio_ccw_request(struct vfio_device *vdev, unsigned int count)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	bool asked = false;

	spin_lock_irq(&private->irq_lock);
	if (private->req_trigger) {
		eventfd_signal(private->req_trigger);
		asked = true;
	}
	spin_unlock_irq(&private->irq_lock);

	if (asked && !(count % 10))
		dev_notice_ratelimited(vdev->dev,
				       "asking the user to release the device (#%u)\n",
				       count);
	else if (!asked && !count)
		dev_notice(vdev->dev,
			   "no request eventfd, waiting for the user to release the device\n");
}

/*
 * The user unmaps memory with pages pinned: type1 wants them back before
 * we return, and calls every device of the container again while any are
 * pinned. vfio_ccw_unmap_verdict() decides: nothing if no program of ours
 * holds the range or pinned it since the last call (a device that shares
 * the container and pins nothing there is left alone); else end it by
 * going offline (its pages are unpinned when we return), and go online
 * again if the user still has the device: it stays usable without a
 * reset. Our user may pin the range again before type1 looks again; the
 * VFIO_CCW_UNMAP_CALLS-th time the device is left offline until the user
 * resets or reopens it, and says so. Starts meanwhile get -EIO (STANDBY x
 * IO_REQ).
 *
 * Going online here raises OPEN only in STANDBY with the guest there,
 * under io_mutex, as a reset does.
 */
static void vfio_ccw_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	enum vfio_ccw_unmap verdict;

	verdict = vfio_ccw_unmap_verdict(private, iova, length);
	if (verdict == VFIO_CCW_UNMAP_NONE)
		return;

	vfio_ccw_go_offline(private, false, 0);

	mutex_lock(&private->io_mutex);
	if (verdict == VFIO_CCW_UNMAP_FENCE) {
		private->unmap_fenced = true;
		dev_warn(&private->sch->dev,
			 "iova 0x%llx+0x%llx pinned again after %u unmaps: offline until reset\n",
			 iova, length, VFIO_CCW_UNMAP_CALLS);
	} else if (private->guest_open && !private->unmap_fenced &&
		   private->state == VFIO_CCW_STATE_STANDBY) {
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_OPEN);
	}
	mutex_unlock(&private->io_mutex);
}

/*
 * vfio_alloc_device() at mdev probe: the mdev's FSM starts in NOT_OPER,
 * where the model starts; INIT moves it on.
 */
static int vfio_ccw_init_dev(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	struct subchannel *sch = to_subchannel(vdev->dev->parent);

	/* vfio_ccw_cp.c copies the guest's CCWs through this buffer */
	private->cp.guest_cp = kcalloc(CCWCHAIN_LEN_MAX, sizeof(struct ccw1),
				       GFP_KERNEL);
	if (!private->cp.guest_cp)
		return -ENOMEM;

	get_device(&sch->dev);
	private->sch = sch;
	mutex_init(&private->io_mutex);
	mutex_init(&private->cmd_lock);
	spin_lock_init(&private->irq_lock);
	init_completion(&private->completion);
	init_completion(&private->quiesced);
	INIT_WORK(&private->io_work, vfio_ccw_io_work);
	INIT_WORK(&private->sch_work, vfio_ccw_sch_work);
	INIT_WORK(&private->chp_work, vfio_ccw_chp_work);
	private->state = VFIO_CCW_STATE_NOT_OPER;
	return 0;
}

/*
 * The VFIO core dropped the last reference to the mdev's device (the mdev
 * remove's, or that of an sch_event callback running late); it frees
 * @private after this. Its work items were cancelled at the detach.
 */
static void vfio_ccw_release_dev(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);

	kfree(private->cp.guest_cp);
	mutex_destroy(&private->cmd_lock);
	mutex_destroy(&private->io_mutex);
	put_device(&private->sch->dev);
}

static const struct vfio_device_ops vfio_ccw_dev_ops = {
	.init = vfio_ccw_init_dev,
	.release = vfio_ccw_release_dev,
	.open_device = vfio_ccw_open_device,
	.close_device = vfio_ccw_close_device,
	.read = vfio_ccw_read,
	.write = vfio_ccw_write,
	.ioctl = vfio_ccw_ioctl,
	.request = vfio_ccw_request,
	.dma_unmap = vfio_ccw_dma_unmap,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

/* -------------------------------------------------------- mdev driver */

/*
 * Detach the mdev from its subchannel under its io_mutex (its sch_work
 * then dispatches nothing), then wait for its work items: none can be
 * queued any more.
 */
static void vfio_ccw_detach(struct vfio_ccw_private *private)
{
	mutex_lock(&private->io_mutex);
	vfio_ccw_set_private(private->sch, NULL);
	mutex_unlock(&private->io_mutex);
	cancel_work_sync(&private->io_work);
	cancel_work_sync(&private->sch_work);
	cancel_work_sync(&private->chp_work);
}

/*
 * A new mdev: a new FSM, attached to the subchannel and given INIT under
 * one io_mutex hold, so that a loss reported from then on reaches it.
 * NOT_OPER -> STANDBY, or NOT_OPER if the device is gone: no mdev then.
 */
static int vfio_ccw_mdev_probe(struct mdev_device *mdev)
{
	struct subchannel *sch = to_subchannel(mdev->dev.parent);
	struct vfio_ccw_private *private;
	enum vfio_ccw_state state;
	int ret;

	private = vfio_alloc_device(vfio_ccw_private, vdev, &mdev->dev,
				    &vfio_ccw_dev_ops);
	if (IS_ERR(private))
		return PTR_ERR(private);

	VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: create\n",
			   sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no);
	mutex_lock(&private->io_mutex);
	vfio_ccw_set_private(sch, private);
	vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_INIT);
	state = private->state;
	mutex_unlock(&private->io_mutex);
	if (state == VFIO_CCW_STATE_NOT_OPER) {
		ret = -ENODEV;
		goto out_detach;
	}

	ret = vfio_register_emulated_iommu_dev(&private->vdev);
	if (ret)
		goto out_detach;
	dev_set_drvdata(&mdev->dev, private);
	return 0;

out_detach:
	vfio_ccw_detach(private);
	vfio_put_device(&private->vdev);
	return ret;
}

static void vfio_ccw_mdev_remove(struct mdev_device *mdev)
{
	struct vfio_ccw_private *private = dev_get_drvdata(&mdev->dev);
	struct subchannel *sch = private->sch;

	VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: remove\n",
			   sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no);
	/* Waits for the user to close the device: close raises CLOSE */
	vfio_unregister_group_dev(&private->vdev);
	vfio_ccw_detach(private);
	vfio_put_device(&private->vdev);
}

struct mdev_driver vfio_ccw_mdev_driver = {
	.device_api = VFIO_DEVICE_API_CCW_STRING,
	.max_instances = 1,
	.driver = {
		.name = "vfio_ccw_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vfio_ccw_mdev_probe,
	.remove = vfio_ccw_mdev_remove,
};

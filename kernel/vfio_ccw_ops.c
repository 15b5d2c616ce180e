// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the mdev driver and the VFIO device of a subchannel, with the
 * user ABI of Linux 6.1 for what it offers: the I/O region (index 0), the
 * I/O interrupt (index 0), reset. The async, schib and crw regions and
 * the crw and request interrupts are not offered.
 */

#include <linux/eventfd.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_ccw_private.h"

/* What this device offers of the vfio-ccw region and interrupt indexes */
#define VFIO_CCW_OFFERED_REGIONS	(VFIO_CCW_CONFIG_REGION_INDEX + 1)
#define VFIO_CCW_OFFERED_IRQS		(VFIO_CCW_IO_IRQ_INDEX + 1)

static const struct vfio_device_ops vfio_ccw_dev_ops;

static struct vfio_ccw_private *vfio_ccw_vdev_private(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_ccw_private, vdev);
}

/* OFFLINE, waited out, then ONLINE unless the device is being closed. */
static int vfio_ccw_reset(struct vfio_ccw_private *private)
{
	int ret = -ENODEV;

	vfio_ccw_go_offline(private, false, 0);
	mutex_lock(&private->io_mutex);
	if (private->guest_open)
		ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_ONLINE);
	mutex_unlock(&private->io_mutex);
	return ret < 0 ? ret : 0;
}

/* ------------------------------------------------ vfio_device_ops */

static int vfio_ccw_open_device(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	int ret;

	mutex_lock(&private->io_mutex);
	ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_ONLINE);
	if (ret >= 0)
		private->guest_open = true;
	mutex_unlock(&private->io_mutex);
	return ret < 0 ? ret : 0;
}

static void vfio_ccw_close_device(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	struct eventfd_ctx *trigger;

	/* Returns with the channel program unpinned, as the core wants */
	vfio_ccw_go_offline(private, true, 0);

	mutex_lock(&private->io_mutex);
	trigger = private->io_trigger;
	private->io_trigger = NULL;
	/* the next user starts from a clean region */
	memset(&private->io_region, 0, sizeof(private->io_region));
	mutex_unlock(&private->io_mutex);
	if (trigger)
		eventfd_ctx_put(trigger);
}

static ssize_t vfio_ccw_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	struct ccw_io_region region;
	loff_t pos = *ppos;

	if (pos < 0 || pos > sizeof(region) ||
	    count > sizeof(region) - (size_t)pos)
		return -EINVAL;

	mutex_lock(&private->io_mutex);
	memcpy(&region, &private->io_region, sizeof(region));
	mutex_unlock(&private->io_mutex);

	if (copy_to_user(buf, (u8 *)&region + pos, count))
		return -EFAULT;
	return count;
}

static ssize_t vfio_ccw_write(struct vfio_device *vdev,
			      const char __user *buf, size_t count,
			      loff_t *ppos)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	struct ccw_io_region req;
	int ret;

	/* A start request is the whole region, nothing less */
	if (*ppos != 0 || count != sizeof(req))
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
	info.num_regions = VFIO_CCW_OFFERED_REGIONS;
	info.num_irqs = VFIO_CCW_OFFERED_IRQS;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_ccw_get_region_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz ||
	    info.index != VFIO_CCW_CONFIG_REGION_INDEX)
		return -EINVAL;

	info.offset = 0;
	info.size = sizeof(struct ccw_io_region);
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_ccw_get_irq_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index != VFIO_CCW_IO_IRQ_INDEX)
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = 1;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* Install (fd >= 0) or remove (fd == -1) the I/O interrupt's eventfd. */
static int vfio_ccw_set_io_trigger(struct vfio_ccw_private *private, s32 fd)
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

	mutex_lock(&private->io_mutex);
	old = private->io_trigger;
	private->io_trigger = ctx;
	mutex_unlock(&private->io_mutex);
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
	ret = vfio_set_irqs_validate_and_prepare(&hdr, 1,
						 VFIO_CCW_OFFERED_IRQS,
						 &data_size);
	if (ret)
		return ret;
	if (!(hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;

	switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		ret = 0;
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
		return vfio_ccw_set_io_trigger(private, fd);
	default:
		return -EINVAL;
	}

	/* NONE, or BOOL true: signal the user's eventfd by hand */
	mutex_lock(&private->io_mutex);
	if (private->io_trigger)
		eventfd_signal(private->io_trigger, 1);
	mutex_unlock(&private->io_mutex);
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
 * The user unmaps memory with pages pinned: type1 wants them back before we
 * return, and asks again at most ten times before it BUGs. Wait out the
 * translation or cp_free() that may hold io_mutex: the pages they pin or
 * unpin are invisible to cp_iova_pinned(), and they need type1's lock,
 * free only while it calls us. Then, if the program in flight holds the
 * range, end the I/O by going offline, and stay there until the user
 * resets the device: no start may pin the range again while the unmap
 * goes on (upstream's reset leaves that window open). Starts meanwhile
 * get -EIO (STANDBY x SSCH_REQ).
 */
static void vfio_ccw_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);
	bool in_flight;

	mutex_lock(&private->io_mutex);
	in_flight = private->state == VFIO_CCW_STATE_BUSY ||
		    private->state == VFIO_CCW_STATE_QUIESCING;
	mutex_unlock(&private->io_mutex);
	if (in_flight && cp_iova_pinned(&private->cp, iova, length))
		vfio_ccw_go_offline(private, false, 0);
}

/*
 * The VFIO core dropped its last reference. @vdev is embedded in the
 * subchannel's data, which outlives it: clear it for the next
 * vfio_init_device() and let the mdev remove path go on.
 */
static void vfio_ccw_release_dev(struct vfio_device *vdev)
{
	struct vfio_ccw_private *private = vfio_ccw_vdev_private(vdev);

	memset(vdev, 0, sizeof(*vdev));
	complete(&private->release_comp);
}

static const struct vfio_device_ops vfio_ccw_dev_ops = {
	.release = vfio_ccw_release_dev,
	.open_device = vfio_ccw_open_device,
	.close_device = vfio_ccw_close_device,
	.read = vfio_ccw_read,
	.write = vfio_ccw_write,
	.ioctl = vfio_ccw_ioctl,
	.dma_unmap = vfio_ccw_dma_unmap,
};

/* -------------------------------------------------------- mdev driver */

static int vfio_ccw_mdev_probe(struct mdev_device *mdev)
{
	struct vfio_ccw_private *private = dev_get_drvdata(mdev->dev.parent);
	enum vfio_ccw_state state;
	int ret;

	mutex_lock(&private->io_mutex);
	state = private->state;
	mutex_unlock(&private->io_mutex);
	if (state == VFIO_CCW_STATE_NOT_OPER)
		return -ENODEV;

	reinit_completion(&private->release_comp);
	ret = vfio_init_device(&private->vdev, &mdev->dev, &vfio_ccw_dev_ops);
	if (ret)
		return ret;
	ret = vfio_register_emulated_iommu_dev(&private->vdev);
	if (ret) {
		vfio_put_device(&private->vdev);
		wait_for_completion(&private->release_comp);
	}
	return ret;
}

static void vfio_ccw_mdev_remove(struct mdev_device *mdev)
{
	struct vfio_ccw_private *private = dev_get_drvdata(mdev->dev.parent);

	/* Waits for the user to close the device: close raises OFFLINE */
	vfio_unregister_group_dev(&private->vdev);
	vfio_put_device(&private->vdev);
	/* @vdev lives in @private: wait until nobody holds it any more */
	wait_for_completion(&private->release_comp);
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

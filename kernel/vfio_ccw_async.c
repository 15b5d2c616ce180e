// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the async command region (VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD),
 * through which the user halts or clears the subchannel, as the UAPI of
 * Linux 6.1 has it: a write of struct ccw_cmd_region raises ASYNC_REQ for
 * its command and answers with the byte count, or the error, which also
 * goes into the region's ret_code; a read returns the region.
 */

#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vfio_ccw_private.h"

/**
 * vfio_ccw_async_region_read() - read the async command region
 * @private: the subchannel
 * @buf: the user's buffer
 * @count: bytes to read
 * @pos: offset in the region
 *
 * Return: @count, or -EINVAL past the region, -EFAULT.
 */
ssize_t vfio_ccw_async_region_read(struct vfio_ccw_private *private,
				   char __user *buf, size_t count, loff_t pos)
{
	struct ccw_cmd_region region;

	if (pos < 0 || count > sizeof(region) ||
	    pos > sizeof(region) - count)
		return -EINVAL;

	mutex_lock(&private->cmd_lock);
	memcpy(&region, &private->cmd_region, sizeof(region));
	mutex_unlock(&private->cmd_lock);

	if (copy_to_user(buf, (u8 *)&region + pos, count))
		return -EFAULT;
	return count;
}

/**
 * vfio_ccw_async_region_write() - halt or clear, as the user writes it
 * @private: the subchannel
 * @buf: the user's bytes
 * @count: how many
 * @pos: offset in the region
 *
 * The bytes written update the region (a part of it, as stock allows),
 * then its command is run: VFIO_CCW_ASYNC_CMD_HSCH or _CSCH, anything else
 * is refused. Writers take turns (@cmd_lock); unlike stock's, which answers
 * -EAGAIN while the FSM mutex is busy, a writer waits for it.
 *
 * Return: @count if the function was issued, else the error, which the
 * region's ret_code holds too: -EBUSY (status pending, a halt or clear
 * pending, or the device quiescing), -ENODEV (device gone), -EIO (the
 * device is not online), -EINVAL (unknown command, or past the region).
 */
ssize_t vfio_ccw_async_region_write(struct vfio_ccw_private *private,
				    const char __user *buf, size_t count,
				    loff_t pos)
{
	struct ccw_cmd_region region;
	int ret;

	if (pos < 0 || count > sizeof(region) ||
	    pos > sizeof(region) - count)
		return -EINVAL;

	mutex_lock(&private->cmd_lock);
	memcpy(&region, &private->cmd_region, sizeof(region));
	if (copy_from_user((u8 *)&region + pos, buf, count)) {
		mutex_unlock(&private->cmd_lock);
		return -EFAULT;
	}

	switch (region.command) {
	case VFIO_CCW_ASYNC_CMD_HSCH:
	case VFIO_CCW_ASYNC_CMD_CSCH:
		ret = vfio_ccw_async_request(private, region.command);
		break;
	default:	/* VFIO_CCW_ASYNC_PATH_GONE is ours, not the user's */
		ret = -EINVAL;
		break;
	}
	region.ret_code = ret;
	memcpy(&private->cmd_region, &region, sizeof(region));
	mutex_unlock(&private->cmd_lock);

	return ret ? ret : count;
}

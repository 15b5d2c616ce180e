// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: channel paths. The schib region (a read stores the subchannel
 * anew), the CRW region and its eventfd, and the css's chp_event callback
 * that keeps the path masks and queues the channel report words, as the
 * UAPI of Linux 6.1 has them.
 *
 * chp_event runs under sch->lock with interrupts off, where io_mutex
 * cannot be taken: a path gone under our I/O is handed to a work item,
 * which raises ASYNC_REQ to clear it (the model's chp_q, taken by the css
 * process).
 */

#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "chp.h"
#include "vfio_ccw_private.h"
#include "vfio_ccw_trace.h"

/* ------------------------------------------------------ schib region */

/**
 * vfio_ccw_schib_region_read() - store the subchannel, read the schib
 * @private: the subchannel
 * @buf: the user's buffer
 * @count: bytes to read
 * @pos: offset in the region
 *
 * Every read runs stsch first (cio_update_schib()), so the path masks and
 * the status are the channel subsystem's of now.
 *
 * Return: @count, -ENODEV if the subchannel is gone, -EINVAL past the
 * region, -EFAULT.
 */
ssize_t vfio_ccw_schib_region_read(struct vfio_ccw_private *private,
				   char __user *buf, size_t count, loff_t pos)
{
	struct subchannel *sch = private->sch;
	struct ccw_schib_region region;
	int err;

	BUILD_BUG_ON(sizeof(sch->schib) != sizeof(region.schib_area));
	if (pos < 0 || count > sizeof(region) ||
	    pos > sizeof(region) - count)
		return -EINVAL;

	spin_lock_irq(&sch->lock);
	err = cio_update_schib(sch);
	if (!err)
		memcpy(region.schib_area, &sch->schib, sizeof(sch->schib));
	spin_unlock_irq(&sch->lock);
	if (err)
		return -ENODEV;

	if (copy_to_user(buf, (u8 *)&region + pos, count))
		return -EFAULT;
	return count;
}

/* ------------------------------------------------- the queue of CRWs */

/* irq_lock held: the CRW eventfd, if a CRW waits. */
static void vfio_ccw_crw_signal(struct vfio_ccw_private *private)
{
	lockdep_assert_held(&private->irq_lock);
	if (private->crw_count && private->crw_trigger)
		eventfd_signal(private->crw_trigger);
}

/*
 * Queue a CRW for the user and signal it; any context. A full queue keeps
 * what it has and marks its newest CRW overflowed (CRWs were lost: the
 * guest then looks at every path and subchannel again), where stock,
 * whose queue grows, drops a CRW when it cannot allocate one.
 */
static void vfio_ccw_queue_crw(struct vfio_ccw_private *private,
			       unsigned int rsc, unsigned int erc,
			       unsigned int rsid)
{
	unsigned long flags;
	struct crw *crw;

	spin_lock_irqsave(&private->irq_lock, flags);
	if (private->crw_count < VFIO_CCW_CRW_SLOTS) {
		crw = &private->crw_ring[(private->crw_head +
					  private->crw_count) %
					 VFIO_CCW_CRW_SLOTS];
		private->crw_count++;
		memset(crw, 0, sizeof(*crw));
		crw->rsc = rsc;
		crw->erc = erc;
		crw->rsid = rsid;
	} else {
		crw = &private->crw_ring[(private->crw_head +
					  VFIO_CCW_CRW_SLOTS - 1) %
					 VFIO_CCW_CRW_SLOTS];
		crw->oflw = 1;
	}
	vfio_ccw_crw_signal(private);
	spin_unlock_irqrestore(&private->irq_lock, flags);
}

/**
 * vfio_ccw_crw_flush() - drop the CRWs queued
 * @private: the subchannel
 *
 * At open: CRWs of the time nobody had the device are not the new user's
 * (stock keeps them).
 */
void vfio_ccw_crw_flush(struct vfio_ccw_private *private)
{
	spin_lock_irq(&private->irq_lock);
	private->crw_head = 0;
	private->crw_count = 0;
	spin_unlock_irq(&private->irq_lock);
}

/**
 * vfio_ccw_crw_region_read() - take the oldest CRW
 * @private: the subchannel
 * @buf: the user's buffer
 * @count: bytes to read
 * @pos: offset in the region
 *
 * Each read takes one CRW off the queue (a region of zeros if none is
 * queued) and signals the CRW eventfd again while more wait, as stock.
 *
 * Return: @count, or -EINVAL past the region, -EFAULT (the CRW is lost
 * then, as with stock).
 */
ssize_t vfio_ccw_crw_region_read(struct vfio_ccw_private *private,
				 char __user *buf, size_t count, loff_t pos)
{
	struct ccw_crw_region region = {};

	BUILD_BUG_ON(sizeof(struct crw) != sizeof(region.crw));
	if (pos < 0 || count > sizeof(region) ||
	    pos > sizeof(region) - count)
		return -EINVAL;

	spin_lock_irq(&private->irq_lock);
	if (private->crw_count) {
		memcpy(&region.crw, &private->crw_ring[private->crw_head],
		       sizeof(region.crw));
		private->crw_head = (private->crw_head + 1) %
				    VFIO_CCW_CRW_SLOTS;
		private->crw_count--;
	}
	vfio_ccw_crw_signal(private);
	spin_unlock_irq(&private->irq_lock);

	if (copy_to_user(buf, (u8 *)&region + pos, count))
		return -EFAULT;
	return count;
}

/* ------------------------------------------------------- path events */

/**
 * vfio_ccw_chp_work() - a path went under our I/O: clear it
 * @work: &vfio_ccw_private.chp_work
 *
 * ASYNC_REQ with VFIO_CCW_ASYNC_PATH_GONE: the FSM clears the subchannel
 * if a start of ours still runs, and does nothing otherwise (no guest, or
 * the I/O is over). The clear's interrupt ends the start for the user.
 */
void vfio_ccw_chp_work(struct work_struct *work)
{
	struct vfio_ccw_private *private =
		container_of(work, struct vfio_ccw_private, chp_work);

	vfio_ccw_async_request(private, VFIO_CCW_ASYNC_PATH_GONE);
}

/**
 * vfio_ccw_chp_event() - the css's chp_event callback
 * @sch: the subchannel
 * @link: the channel path
 * @event: CHP_VARY_OFF, CHP_VARY_ON, CHP_OFFLINE or CHP_ONLINE
 *
 * Called with sch->lock held, interrupts off. As stock: varied off,
 * the path leaves the operational and logical path masks, varied on it
 * joins both; gone, a CRW "path error, not initialized" is queued, back,
 * the path rejoins the logical mask if operational and a CRW "installed
 * parameters initialized" is queued. A path varied off or gone that our
 * I/O was using last (lpum) is cleared, by the work item, where stock
 * runs cancel/halt/clear here: the start running now is marked, and a
 * newer start disarms the mark (vfio_ccw_path_gone()).
 *
 * Return: 0, or -ENODEV if the subchannel is gone (the css then takes all
 * of its paths away).
 */
int vfio_ccw_chp_event(struct subchannel *sch, struct chp_link *link,
		       int event)
{
	int mask = chp_ssd_get_mask(&sch->ssd_info, link);
	struct vfio_ccw_private *private;
	bool path_gone = false;

	/*
	 * The current mdev, if any. No reference is taken: all of this runs
	 * under sch->lock, where the mdev cannot be detached, and its remove
	 * cancels the work queued here after the detach.
	 */
	private = vfio_ccw_sch_private(sch);
	if (!private || !mask)
		return 0;
	trace_vfio_ccw_chp_event(sch->schid, mask, event);
	VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: mask=0x%x event=%d\n",
			   sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no,
			   mask, event);
	if (cio_update_schib(sch))
		return -ENODEV;

	switch (event) {
	case CHP_VARY_OFF:
		sch->opm &= ~mask;
		sch->lpm &= ~mask;
		path_gone = sch->schib.pmcw.lpum & mask;
		break;
	case CHP_OFFLINE:
		path_gone = sch->schib.pmcw.lpum & mask;
		vfio_ccw_queue_crw(private, CRW_RSC_CPATH, CRW_ERC_PERRN,
				   link->chpid.id);
		break;
	case CHP_VARY_ON:
		sch->opm |= mask;
		sch->lpm |= mask;
		break;
	case CHP_ONLINE:
		sch->lpm |= mask & sch->opm;
		vfio_ccw_queue_crw(private, CRW_RSC_CPATH, CRW_ERC_INIT,
				   link->chpid.id);
		break;
	}
	if (path_gone) {
		vfio_ccw_path_went(private);
		queue_work(vfio_ccw_work_q, &private->chp_work);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the css driver. It binds I/O subchannels and registers each as
 * an mdev parent (struct vfio_ccw_parent, no FSM state: the FSM is the
 * mdev's, vfio_ccw_ops.c), turns interrupts into INTERRUPT events of the
 * subchannel's current mdev through a work item, and channel subsystem
 * reports into SCHIB_CHANGED and NOT_OPER; path events go to
 * vfio_ccw_chp.c.
 *
 * The IRQ handler never touches the FSM: it copies the IRB into the ring
 * (sch->lock, held by cio around it) and queues the work item, which
 * dispatches INTERRUPT for each queued IRB with io_mutex held. Without an
 * mdev it disables the subchannel: nobody asked for its interrupts.
 * sch_event and chp_event, on cio's work queue, hand their dispatches to
 * work items of ours likewise.
 */

#include <linux/device.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/debug.h>
#include <asm/irq.h>
#include <asm/isc.h>

#include "vfio_ccw_private.h"

struct workqueue_struct *vfio_ccw_work_q;
debug_info_t *vfio_ccw_debug_msg_id;
debug_info_t *vfio_ccw_debug_trace_id;

/* ----------------------------------------------------- the current mdev */

/**
 * vfio_ccw_set_private() - attach or detach the subchannel's mdev
 * @sch: the subchannel, bound to vfio_ccw
 * @private: the new mdev's data, or NULL: the mdev is going
 *
 * The caller holds the io_mutex of the private attached or detached, so
 * that sch_work sees the change before it dispatches anything. From the
 * detach on, the IRQ handler and chp_event no longer queue its work items.
 *
 * A detach also disables the subchannel: the IRBs still queued for the
 * mdev going are dropped with it, and one of them may be the interrupt
 * that was to disable it again after a disable lost its race with that
 * interrupt (model: release_leaves_sch_enabled). Status still pending
 * brings an interrupt that finds no mdev, which disables it again.
 */
void vfio_ccw_set_private(struct subchannel *sch,
			  struct vfio_ccw_private *private)
{
	struct vfio_ccw_parent *parent = dev_get_drvdata(&sch->dev);

	spin_lock_irq(&sch->lock);
	parent->private = private;
	if (!private)
		cio_disable_subchannel(sch);
	spin_unlock_irq(&sch->lock);
}

/* sch->lock held: the subchannel's current mdev, NULL if none. */
struct vfio_ccw_private *vfio_ccw_sch_private(struct subchannel *sch)
{
	struct vfio_ccw_parent *parent = dev_get_drvdata(&sch->dev);

	lockdep_assert_held(&sch->lock);
	return parent ? parent->private : NULL;
}

/*
 * The current mdev with a reference on its VFIO device, which keeps it
 * (and its subchannel) alive after sch->lock is dropped, even if the mdev
 * is removed meanwhile; NULL if there is none.
 */
static struct vfio_ccw_private *vfio_ccw_get_private(struct subchannel *sch)
{
	struct vfio_ccw_private *private;

	spin_lock_irq(&sch->lock);
	private = vfio_ccw_sch_private(sch);
	if (private)
		get_device(&private->vdev.device);
	spin_unlock_irq(&sch->lock);
	return private;
}

static void vfio_ccw_put_private(struct vfio_ccw_private *private)
{
	vfio_put_device(&private->vdev);
}

/* io_mutex held: @private is still the subchannel's mdev. */
static bool vfio_ccw_still_bound(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	bool bound;

	spin_lock_irq(&sch->lock);
	bound = vfio_ccw_sch_private(sch) == private;
	spin_unlock_irq(&sch->lock);
	return bound;
}

/* No mdev: nobody wants the subchannel's interrupts. */
static void vfio_ccw_disable(struct subchannel *sch)
{
	spin_lock_irq(&sch->lock);
	cio_disable_subchannel(sch);
	spin_unlock_irq(&sch->lock);
}

/* ----------------------------------------------------- interrupts */

/**
 * vfio_ccw_io_work() - dispatch INTERRUPT for the IRBs queued
 * @work: &vfio_ccw_private.io_work
 *
 * For each IRB queued, oldest first, take it under sch->lock with io_mutex
 * held (so a disable can drop stale ones first) and dispatch INTERRUPT for
 * it. The mdev remove cancels this work after detaching the mdev, before
 * its last reference goes.
 */
void vfio_ccw_io_work(struct work_struct *work)
{
	struct vfio_ccw_private *private =
		container_of(work, struct vfio_ccw_private, io_work);
	struct subchannel *sch = private->sch;
	unsigned int dropped;
	bool popped;

	do {
		mutex_lock(&private->io_mutex);
		spin_lock_irq(&sch->lock);
		popped = vfio_ccw_irb_pop(private, &private->irb);
		dropped = private->irb_dropped;
		private->irb_dropped = 0;
		spin_unlock_irq(&sch->lock);
		if (popped)
			vfio_ccw_fsm_dispatch(private,
					      VFIO_CCW_EVENT_INTERRUPT);
		mutex_unlock(&private->io_mutex);

		if (dropped)
			dev_warn_ratelimited(&sch->dev,
					     "%u interrupts dropped, the IRB ring was full\n",
					     dropped);
	} while (popped);
}

/*
 * IRQ context, sch->lock held by cio: copy the IRB for the current mdev
 * and queue its work. Without an mdev the subchannel should be disabled
 * already (INIT and every way to STANDBY or NOT_OPER disable it): disable
 * it again.
 */
static void vfio_ccw_css_irq(struct subchannel *sch)
{
	struct vfio_ccw_private *private = vfio_ccw_sch_private(sch);

	inc_irq_stat(IRQIO_CIO);
	if (!private) {
		VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: unexpected interrupt\n",
				   sch->schid.cssid, sch->schid.ssid,
				   sch->schid.sch_no);
		cio_disable_subchannel(sch);
		return;
	}
	vfio_ccw_irb_push(private, this_cpu_ptr(&cio_irb));
	queue_work(vfio_ccw_work_q, &private->io_work);
}

/* ------------------------------------------------------ css callbacks */

/*
 * Bind: the subchannel becomes an mdev parent. No FSM state here: INIT
 * runs when an mdev is created (vfio_ccw_mdev_probe()). A subchannel left
 * enabled by the driver bound before us is disabled: no guest yet.
 */
static int vfio_ccw_css_probe(struct subchannel *sch)
{
	struct vfio_ccw_parent *parent;
	int ret;

	if (sch->schib.pmcw.qf) {
		dev_warn(&sch->dev, "QDIO subchannels are not supported\n");
		return -ENODEV;
	}

	parent = kzalloc(struct_size(parent, mdev_types, 1), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	parent->mdev_type.sysfs_name = "io";
	parent->mdev_type.pretty_name = "I/O subchannel (Non-QDIO)";
	parent->mdev_types[0] = &parent->mdev_type;

	spin_lock_irq(&sch->lock);
	dev_set_drvdata(&sch->dev, parent);
	cio_disable_subchannel(sch);
	spin_unlock_irq(&sch->lock);

	ret = mdev_register_parent(&parent->parent, &sch->dev,
				   &vfio_ccw_mdev_driver, parent->mdev_types,
				   1);
	if (ret)
		goto out_unbind;
	VFIO_CCW_MSG_EVENT(4, "bound to subchannel %x.%x.%04x\n",
			   sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no);
	return 0;

out_unbind:
	spin_lock_irq(&sch->lock);
	dev_set_drvdata(&sch->dev, NULL);
	spin_unlock_irq(&sch->lock);
	kfree(parent);
	return ret;
}

static void vfio_ccw_css_remove(struct subchannel *sch)
{
	struct vfio_ccw_parent *parent = dev_get_drvdata(&sch->dev);

	/*
	 * Removes the mdev, if any: waits for the user to close it (CLOSE),
	 * then detaches it (vfio_ccw_mdev_remove()).
	 */
	mdev_unregister_parent(&parent->parent);
	spin_lock_irq(&sch->lock);
	cio_disable_subchannel(sch);
	dev_set_drvdata(&sch->dev, NULL);
	spin_unlock_irq(&sch->lock);
	kfree(parent);
	VFIO_CCW_MSG_EVENT(4, "unbound from subchannel %x.%x.%04x\n",
			   sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no);
}

/*
 * System shutdown or kexec: quiesce the mdev, but do not hang the
 * shutdown: a halt gets its tick, then the clear 3 s. Then NOT_OPER, or,
 * the clear still owed, NOT_OPER when it is answered: nothing the channel
 * may still answer for is freed (vfio_ccw_fsm_shutdown(); model:
 * shutdown_ends_use). Under one io_mutex hold with the look at the state:
 * a user may have opened the device again meanwhile (model:
 * shutdown_not_oper_in_any_state).
 */
static void vfio_ccw_css_shutdown(struct subchannel *sch)
{
	struct vfio_ccw_private *private = vfio_ccw_get_private(sch);

	if (!private) {
		vfio_ccw_disable(sch);
		return;
	}
	vfio_ccw_go_offline(private, true, 3 * HZ);
	mutex_lock(&private->io_mutex);
	if (vfio_ccw_still_bound(private))
		vfio_ccw_fsm_shutdown(private);
	if (private->not_oper_owed)
		dev_err(&sch->dev,
			"the clear is not answered; not operational once it is\n");
	mutex_unlock(&private->io_mutex);
	vfio_ccw_put_private(private);
}

/**
 * vfio_ccw_sch_work() - dispatch a change of the subchannel to its mdev
 * @work: &vfio_ccw_private.sch_work
 *
 * SCHIB_CHANGED, then, if the device is still gone when looked at again
 * under the same io_mutex hold, NOT_OPER, and the css is asked to
 * unregister the subchannel. A stale report of a device that answers
 * again raises no NOT_OPER. Reports that came while this was queued are
 * all in the schib it reads. The mdev remove cancels this work after
 * detaching the mdev, before its last reference goes.
 */
void vfio_ccw_sch_work(struct work_struct *work)
{
	struct vfio_ccw_private *private =
		container_of(work, struct vfio_ccw_private, sch_work);
	struct subchannel *sch = private->sch;

	mutex_lock(&private->io_mutex);
	if (vfio_ccw_still_bound(private)) {
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_SCHIB_CHANGED);
		if (vfio_ccw_sch_gone(private)) {
			vfio_ccw_fsm_dispatch(private,
					      VFIO_CCW_EVENT_NOT_OPER);
			spin_lock_irq(&sch->lock);
			css_sched_sch_todo(sch, SCH_TODO_UNREG);
			spin_unlock_irq(&sch->lock);
		}
	}
	mutex_unlock(&private->io_mutex);
}

/*
 * The channel subsystem reports a change of the subchannel, on cio's work
 * queue: it is single-threaded and evaluates every subchannel of the host,
 * so this takes sch->lock only and never io_mutex, which a translation
 * holds while it pins pages the user controls (model:
 * cio_work_never_waits). With an mdev, its sch_work dispatches the change;
 * without one, a device gone has the css unregister the subchannel.
 */
static int vfio_ccw_css_sch_event(struct subchannel *sch, int process)
{
	struct vfio_ccw_private *private;

	if (!process)
		return -EAGAIN;

	spin_lock_irq(&sch->lock);
	if (!device_is_registered(&sch->dev) ||
	    work_pending(&sch->todo_work)) {
		spin_unlock_irq(&sch->lock);
		return -EAGAIN;
	}
	private = vfio_ccw_sch_private(sch);
	if (private)
		queue_work(vfio_ccw_work_q, &private->sch_work);
	else if (cio_update_schib(sch))
		css_sched_sch_todo(sch, SCH_TODO_UNREG);
	spin_unlock_irq(&sch->lock);
	return 0;
}

static struct css_device_id vfio_ccw_sch_ids[] = {
	{ .match_flags = 0x1, .type = SUBCHANNEL_TYPE_IO, },
	{ /* end of list */ },
};
MODULE_DEVICE_TABLE(css, vfio_ccw_sch_ids);

static struct css_driver vfio_ccw_css_driver = {
	.drv = {
		.name = "vfio_ccw",
		.owner = THIS_MODULE,
	},
	.subchannel_type = vfio_ccw_sch_ids,
	.irq = vfio_ccw_css_irq,
	.chp_event = vfio_ccw_chp_event,
	.sch_event = vfio_ccw_css_sch_event,
	.probe = vfio_ccw_css_probe,
	.remove = vfio_ccw_css_remove,
	.shutdown = vfio_ccw_css_shutdown,
};

/* --------------------------------------------------------- module */

/* An s390dbf area of @name with @view, recording up to level 2, as stock */
static debug_info_t *vfio_ccw_debug_area(const char *name, int buf_size,
					 struct debug_view *view)
{
	debug_info_t *id = debug_register(name, 16, 1, buf_size);

	if (!id)
		return NULL;
	if (debug_register_view(id, view)) {
		debug_unregister(id);
		return NULL;
	}
	debug_set_level(id, 2);
	return id;
}

/*
 * Stock's two areas, in /sys/kernel/debug/s390dbf/: vfio_ccw_msg holds a
 * format and ten arguments per entry, vfio_ccw_trace 16 bytes of text or
 * data.
 */
static int __init vfio_ccw_debug_init(void)
{
	vfio_ccw_debug_msg_id = vfio_ccw_debug_area("vfio_ccw_msg",
						    11 * sizeof(long),
						    &debug_sprintf_view);
	if (!vfio_ccw_debug_msg_id)
		return -ENOMEM;
	vfio_ccw_debug_trace_id = vfio_ccw_debug_area("vfio_ccw_trace", 16,
						      &debug_hex_ascii_view);
	if (!vfio_ccw_debug_trace_id) {
		debug_unregister(vfio_ccw_debug_msg_id);
		vfio_ccw_debug_msg_id = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void vfio_ccw_debug_exit(void)
{
	debug_unregister(vfio_ccw_debug_trace_id);
	debug_unregister(vfio_ccw_debug_msg_id);
	vfio_ccw_debug_trace_id = NULL;
	vfio_ccw_debug_msg_id = NULL;
}

static int __init vfio_ccw_init(void)
{
	int ret;

	/* First: every callback registered below may write to them */
	ret = vfio_ccw_debug_init();
	if (ret)
		return ret;

	/*
	 * Unbound: the interrupt's work must not wait for the CPU it came
	 * in on. A css evaluation hogging that CPU (a rescan walks every
	 * subchannel id) held a clear's IRB back for seconds in QEMU's TCG.
	 */
	vfio_ccw_work_q = alloc_workqueue("vfio_ccw",
					  WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vfio_ccw_work_q) {
		ret = -ENOMEM;
		goto out_debug;
	}

	/* Before the css driver: probe registers mdev parents for it */
	ret = mdev_register_driver(&vfio_ccw_mdev_driver);
	if (ret)
		goto out_wq;

	isc_register(VFIO_CCW_ISC);
	ret = css_driver_register(&vfio_ccw_css_driver);
	if (ret)
		goto out_mdev;
	return 0;

out_mdev:
	isc_unregister(VFIO_CCW_ISC);
	mdev_unregister_driver(&vfio_ccw_mdev_driver);
out_wq:
	destroy_workqueue(vfio_ccw_work_q);
out_debug:
	vfio_ccw_debug_exit();
	return ret;
}

static void __exit vfio_ccw_exit(void)
{
	css_driver_unregister(&vfio_ccw_css_driver);
	isc_unregister(VFIO_CCW_ISC);
	mdev_unregister_driver(&vfio_ccw_mdev_driver);
	destroy_workqueue(vfio_ccw_work_q);
	/* Last: nothing of ours runs any more that could write to them */
	vfio_ccw_debug_exit();
}

module_init(vfio_ccw_init);
module_exit(vfio_ccw_exit);

MODULE_DESCRIPTION("VFIO based subchannel driver, on a SPIN-verified FSM");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the css driver. It binds I/O subchannels, raises INIT at probe,
 * registers each as an mdev parent, turns interrupts into INTERRUPT events
 * through a work item and channel subsystem reports into SCHIB_CHANGED and
 * NOT_OPER; path events go to vfio_ccw_chp.c.
 *
 * The IRQ handler never touches the FSM: it copies the IRB into the ring
 * (sch->lock, held by cio around it) and queues the work item, which
 * dispatches INTERRUPT for each queued IRB with io_mutex held.
 */

#include <linux/device.h>
#include <linux/init.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/irq.h>
#include <asm/isc.h>

#include "vfio_ccw_private.h"

struct workqueue_struct *vfio_ccw_work_q;

/* -------------------------------------------------- private's lifetime */

static void vfio_ccw_release_private(struct kref *ref)
{
	struct vfio_ccw_private *private =
		container_of(ref, struct vfio_ccw_private, ref);

	kfree(private->cp.guest_cp);
	mutex_destroy(&private->cmd_lock);
	mutex_destroy(&private->io_mutex);
	put_device(&private->sch->dev);
	kfree(private);
}

static void vfio_ccw_put_private(struct vfio_ccw_private *private)
{
	kref_put(&private->ref, vfio_ccw_release_private);
}

/* ----------------------------------------------------- interrupts */

/*
 * The work item: for each IRB queued, oldest first, take it under sch->lock
 * with io_mutex held (so a disable can drop stale ones first) and dispatch
 * INTERRUPT for it.
 */
static void vfio_ccw_io_work(struct work_struct *work)
{
	struct vfio_ccw_private *private =
		container_of(work, struct vfio_ccw_private, io_work);
	struct subchannel *sch = private->sch;
	unsigned int dropped;
	bool popped;

	do {
		mutex_lock(&private->io_mutex);
		spin_lock_irq(sch->lock);
		popped = vfio_ccw_irb_pop(private, &private->irb);
		dropped = private->irb_dropped;
		private->irb_dropped = 0;
		spin_unlock_irq(sch->lock);
		if (popped)
			vfio_ccw_fsm_dispatch(private,
					      VFIO_CCW_EVENT_INTERRUPT);
		mutex_unlock(&private->io_mutex);

		if (dropped)
			dev_warn_ratelimited(&sch->dev,
					     "vfio_ccw: %u interrupts dropped, the IRB ring was full\n",
					     dropped);
	} while (popped);
}

/* IRQ context, sch->lock held by cio: copy the IRB, queue the work. */
static void vfio_ccw_css_irq(struct subchannel *sch)
{
	struct vfio_ccw_private *private = dev_get_drvdata(&sch->dev);

	inc_irq_stat(IRQIO_CIO);
	if (!private)	/* not bound yet, or unbinding */
		return;
	vfio_ccw_irb_push(private, this_cpu_ptr(&cio_irb));
	queue_work(vfio_ccw_work_q, &private->io_work);
}

/* ------------------------------------------------------ css callbacks */

static struct vfio_ccw_private *vfio_ccw_alloc_private(struct subchannel *sch)
{
	struct vfio_ccw_private *private;

	private = kzalloc(sizeof(*private), GFP_KERNEL);
	if (!private)
		return NULL;
	/* vfio_ccw_cp.c copies the guest's CCWs through this buffer */
	private->cp.guest_cp = kcalloc(CCWCHAIN_LEN_MAX, sizeof(struct ccw1),
				       GFP_KERNEL);
	if (!private->cp.guest_cp) {
		kfree(private);
		return NULL;
	}

	get_device(&sch->dev);
	private->sch = sch;
	mutex_init(&private->io_mutex);
	mutex_init(&private->cmd_lock);
	spin_lock_init(&private->irq_lock);
	kref_init(&private->ref);
	init_completion(&private->completion);
	init_completion(&private->quiesced);
	init_completion(&private->release_comp);
	INIT_WORK(&private->io_work, vfio_ccw_io_work);
	INIT_WORK(&private->chp_work, vfio_ccw_chp_work);
	/* Where the model starts: INIT moves it on */
	private->state = VFIO_CCW_STATE_NOT_OPER;
	return private;
}

static void vfio_ccw_set_private(struct subchannel *sch,
				 struct vfio_ccw_private *private)
{
	spin_lock_irq(sch->lock);
	dev_set_drvdata(&sch->dev, private);
	spin_unlock_irq(sch->lock);
}

/*
 * Unbind under both locks: the IRQ handler and chp_event stop finding us,
 * and an sch_event callback that took a reference before sees it before it
 * dispatches anything. Then no work item can be queued any more: drain
 * them and drop the binding's reference.
 */
static void vfio_ccw_unbind(struct vfio_ccw_private *private)
{
	mutex_lock(&private->io_mutex);
	vfio_ccw_set_private(private->sch, NULL);
	mutex_unlock(&private->io_mutex);
	cancel_work_sync(&private->io_work);
	cancel_work_sync(&private->chp_work);
	vfio_ccw_put_private(private);
}

static int vfio_ccw_css_probe(struct subchannel *sch)
{
	struct vfio_ccw_private *private;
	enum vfio_ccw_state state;
	int ret;

	if (sch->schib.pmcw.qf) {
		dev_warn(&sch->dev, "vfio_ccw: QDIO subchannels are not supported\n");
		return -ENODEV;
	}

	private = vfio_ccw_alloc_private(sch);
	if (!private)
		return -ENOMEM;
	private->mdev_type.sysfs_name = "io";
	private->mdev_type.pretty_name = "I/O subchannel (Non-QDIO)";
	private->mdev_types[0] = &private->mdev_type;

	/* Bound first: a loss reported from now on reaches the FSM */
	vfio_ccw_set_private(sch, private);
	mutex_lock(&private->io_mutex);
	vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_INIT);
	state = private->state;
	mutex_unlock(&private->io_mutex);
	if (state == VFIO_CCW_STATE_NOT_OPER) {
		ret = -ENODEV;
		goto out_unbind;
	}

	ret = mdev_register_parent(&private->parent, &sch->dev,
				   &vfio_ccw_mdev_driver, private->mdev_types,
				   ARRAY_SIZE(private->mdev_types));
	if (ret)
		goto out_unbind;
	return 0;

out_unbind:
	vfio_ccw_unbind(private);
	return ret;
}

static void vfio_ccw_css_remove(struct subchannel *sch)
{
	struct vfio_ccw_private *private = dev_get_drvdata(&sch->dev);

	/* Removes the mdev: waits for the user to close it (CLOSE) */
	mdev_unregister_parent(&private->parent);
	vfio_ccw_go_offline(private, true, 0);
	vfio_ccw_unbind(private);
}

/*
 * System shutdown or kexec: quiesce, but do not hang the shutdown; then
 * NOT_OPER, under one io_mutex hold with the look at the state: a user
 * may have opened the device again meanwhile (model:
 * shutdown_not_oper_in_any_state).
 */
static void vfio_ccw_css_shutdown(struct subchannel *sch)
{
	struct vfio_ccw_private *private = dev_get_drvdata(&sch->dev);

	if (!private)
		return;
	vfio_ccw_go_offline(private, true, 3 * HZ);
	mutex_lock(&private->io_mutex);
	if (private->state == VFIO_CCW_STATE_STANDBY)
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_NOT_OPER);
	mutex_unlock(&private->io_mutex);
}

/* io_mutex held: @private is still the subchannel's driver data. */
static bool vfio_ccw_still_bound(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	bool bound;

	spin_lock_irq(sch->lock);
	bound = dev_get_drvdata(&sch->dev) == private;
	spin_unlock_irq(sch->lock);
	return bound;
}

/*
 * The channel subsystem reports a change of the subchannel: SCHIB_CHANGED,
 * then, if the device is still gone when looked at again under the same
 * io_mutex hold, NOT_OPER, and the css is asked to unregister the
 * subchannel. A stale report of a device that answers again raises no
 * NOT_OPER. Needs process context for the mutex.
 */
static int vfio_ccw_css_sch_event(struct subchannel *sch, int process)
{
	struct vfio_ccw_private *private;
	bool gone;

	if (!process)
		return -EAGAIN;

	spin_lock_irq(sch->lock);
	if (!device_is_registered(&sch->dev) ||
	    work_pending(&sch->todo_work)) {
		spin_unlock_irq(sch->lock);
		return -EAGAIN;
	}
	private = dev_get_drvdata(&sch->dev);
	if (private)
		kref_get(&private->ref);
	spin_unlock_irq(sch->lock);
	if (!private)
		return 0;

	mutex_lock(&private->io_mutex);
	if (vfio_ccw_still_bound(private)) {
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_SCHIB_CHANGED);
		spin_lock_irq(sch->lock);
		gone = cio_update_schib(sch) != 0;
		spin_unlock_irq(sch->lock);
		if (gone) {
			vfio_ccw_fsm_dispatch(private,
					      VFIO_CCW_EVENT_NOT_OPER);
			spin_lock_irq(sch->lock);
			css_sched_sch_todo(sch, SCH_TODO_UNREG);
			spin_unlock_irq(sch->lock);
		}
	}
	mutex_unlock(&private->io_mutex);
	vfio_ccw_put_private(private);
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

static int __init vfio_ccw_init(void)
{
	int ret;

	vfio_ccw_work_q = alloc_workqueue("vfio_ccw", WQ_MEM_RECLAIM, 0);
	if (!vfio_ccw_work_q)
		return -ENOMEM;

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
	return ret;
}

static void __exit vfio_ccw_exit(void)
{
	css_driver_unregister(&vfio_ccw_css_driver);
	isc_unregister(VFIO_CCW_ISC);
	mdev_unregister_driver(&vfio_ccw_mdev_driver);
	destroy_workqueue(vfio_ccw_work_q);
}

module_init(vfio_ccw_init);
module_exit(vfio_ccw_exit);

MODULE_DESCRIPTION("VFIO based subchannel driver, on a SPIN-verified FSM");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw: the hand-written actions of the FSM, on the real subchannel,
 * and the hooks the generated dispatcher calls.
 *
 * Each action does what its act_* inline in model/vfio_ccw.pml does (the
 * lockstep, proofs/lockstep.c, runs it beside the model and compares): it
 * runs with io_mutex held, returns the next state, sets *ret to the answer
 * on error and never writes the state; vfio_ccw_fsm_dispatch() checks and
 * writes it.
 */

#include <linux/bug.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/isc.h>
#include <asm/page.h>

#include "ioasm.h"
#include "vfio_ccw_private.h"
#include "vfio_ccw_trace.h"

/*
 * How long a closer sleeps between two looks at a quiesce. The first tick
 * that finds it still quiescing escalates the halt to a clear; every
 * VFIO_CCW_CLEAR_TICKS more (30 s), a clear still not answered is
 * reported (vfio_ccw_go_offline()).
 */
#define VFIO_CCW_QUIESCE_TICK	(3 * HZ)
#define VFIO_CCW_CLEAR_TICKS	10

/* ------------------------------------------------------- the IRB ring */

/* IRQ handler, sch->lock held: queue a copy of @irb for the work item. */
void vfio_ccw_irb_push(struct vfio_ccw_private *private, struct irb *irb)
{
	unsigned int slot;

	lockdep_assert_held(&private->sch->lock);
	if (private->irb_count < VFIO_CCW_IRB_SLOTS) {
		slot = (private->irb_head + private->irb_count) %
		       VFIO_CCW_IRB_SLOTS;
		private->irb_count++;
	} else {
		/*
		 * Full: the work item is far behind. The user only ever
		 * sees the latest IRB in the I/O region anyway, but the FSM
		 * must see a final one: a final takes the newest slot,
		 * anything else is dropped.
		 */
		private->irb_dropped++;
		if (!vfio_ccw_irb_is_final(irb))
			return;
		slot = (private->irb_head + VFIO_CCW_IRB_SLOTS - 1) %
		       VFIO_CCW_IRB_SLOTS;
	}
	memcpy(&private->irb_ring[slot], irb, sizeof(*irb));
}

/* sch->lock held: take the oldest IRB into @irb; false if none queued. */
bool vfio_ccw_irb_pop(struct vfio_ccw_private *private, struct irb *irb)
{
	lockdep_assert_held(&private->sch->lock);
	if (!private->irb_count)
		return false;
	memcpy(irb, &private->irb_ring[private->irb_head], sizeof(*irb));
	private->irb_head = (private->irb_head + 1) % VFIO_CCW_IRB_SLOTS;
	private->irb_count--;
	return true;
}

/* sch->lock held: drop the IRBs of a dead I/O (the model's flush_irbs). */
static void vfio_ccw_irb_flush(struct vfio_ccw_private *private)
{
	lockdep_assert_held(&private->sch->lock);
	private->irb_head = 0;
	private->irb_count = 0;
}

/* sch->lock held: a final IRB waits in the ring. */
static bool vfio_ccw_irb_final_queued(struct vfio_ccw_private *private)
{
	unsigned int i;

	lockdep_assert_held(&private->sch->lock);
	for (i = 0; i < private->irb_count; i++) {
		unsigned int slot = (private->irb_head + i) % VFIO_CCW_IRB_SLOTS;

		if (vfio_ccw_irb_is_final(&private->irb_ring[slot]))
			return true;
	}
	return false;
}

/* ------------------------------------------------------ the subchannel */

/*
 * sch->lock held, schib just refreshed: a start, halt or clear function is
 * in progress and owes its interrupt (the model's OWED). Status pending
 * alone owes nothing more.
 */
static bool vfio_ccw_sch_owes(struct subchannel *sch)
{
	return scsw_actl(&sch->schib.scsw) != 0;
}

/*
 * sch->lock held, schib just refreshed: a status is on its way to the user,
 * pending in the subchannel or queued in the ring (the model's
 * STATUS_PENDING).
 */
static bool vfio_ccw_status_queued(struct vfio_ccw_private *private)
{
	union scsw *scsw = &private->sch->schib.scsw;

	return (scsw_stctl(scsw) & SCSW_STCTL_STATUS_PEND) ||
	       private->irb_count;
}

/*
 * NOT_OPER, from whatever action: the css is asked to unregister the
 * subchannel, as stock's fsm_notoper() does. Scheduling it twice is
 * harmless (the css keeps one todo per subchannel), and NOT_OPER is never
 * left, so each binding asks at most once from here.
 */
static enum vfio_ccw_state vfio_ccw_gone(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;

	spin_lock_irq(&sch->lock);
	css_sched_sch_todo(sch, SCH_TODO_UNREG);
	spin_unlock_irq(&sch->lock);
	return VFIO_CCW_STATE_NOT_OPER;
}

/*
 * Disable, drop stale IRBs, free the program, wake every sleeper: the
 * model's sch_shutdown(). Ends in NOT_OPER if the subchannel is gone (the
 * msch answered cc 3, or there is no device behind it any more), or if a
 * shutdown gave up waiting for this quiesce (@not_oper_owed). Called only
 * when the subchannel owes no interrupt (model: nothing_freed_while_owed),
 * so a disable fails only on a status pending that another CPU took.
 */
static enum vfio_ccw_state vfio_ccw_sch_shutdown(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	int err;

	spin_lock_irq(&sch->lock);
	err = cio_disable_subchannel(sch);
	vfio_ccw_irb_flush(private);
	spin_unlock_irq(&sch->lock);
	if (err && err != -ENODEV)
		/* Still enabled: an interrupt will find STANDBY and retry */
		dev_warn_ratelimited(&sch->dev,
				     "disabling the subchannel failed: %d\n",
				     err);

	cp_free(&private->cp);
	complete_all(&private->completion);
	complete_all(&private->quiesced);
	if (err == -ENODEV || private->not_oper_owed)
		return vfio_ccw_gone(private);
	return VFIO_CCW_STATE_STANDBY;
}

/*
 * sch->lock held: csch. It resets the status pending and any halt, and
 * owes one interrupt of its own. The IRBs queued for the user are status
 * pending to the guest: they go too, so that the clear's IRB is the next
 * the user sees (model: csch()).
 */
static int vfio_ccw_csch(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	int ccode;

	lockdep_assert_held(&sch->lock);
	VFIO_CCW_TRACE_EVENT(2, "clearIO");
	VFIO_CCW_TRACE_EVENT(2, dev_name(&sch->dev));
	ccode = csch(sch->schid);
	VFIO_CCW_HEX_EVENT(2, &ccode, sizeof(ccode));
	if (ccode)
		return -ENODEV;		/* cc 3, csch has no other */
	sch->schib.scsw.cmd.actl |= SCSW_ACTL_CLEAR_PEND;
	vfio_ccw_irb_flush(private);
	return 0;
}

/* sch->lock held: hsch, the answer as an errno, traced as stock's. */
static int vfio_ccw_halt(struct subchannel *sch)
{
	int ccode;

	lockdep_assert_held(&sch->lock);
	VFIO_CCW_TRACE_EVENT(2, "haltIO");
	VFIO_CCW_TRACE_EVENT(2, dev_name(&sch->dev));
	ccode = hsch(sch->schid);
	VFIO_CCW_HEX_EVENT(2, &ccode, sizeof(ccode));
	switch (ccode) {
	case 0:
		sch->schib.scsw.cmd.actl |= SCSW_ACTL_HALT_PEND;
		return 0;
	case 1:		/* status pending */
	case 2:		/* a halt or clear is pending */
		return -EBUSY;
	default:	/* not operational */
		return -ENODEV;
	}
}

/* --------------------------------------------------------- the actions */

/*
 * A new mdev: no guest yet, the subchannel stays disabled. A device gone
 * already is NOT_OPER, and the css is asked to unregister the subchannel,
 * as from any other action (model: commit_state's unreg_due).
 */
enum vfio_ccw_state vfio_ccw_fsm_init(struct vfio_ccw_private *private,
				      enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	bool gone;

	spin_lock_irq(&sch->lock);
	gone = cio_update_schib(sch) != 0;
	/* Left enabled by a driver bound before us: no guest, so disable */
	if (!gone && sch->schib.pmcw.ena)
		gone = cio_disable_subchannel(sch) == -ENODEV;
	spin_unlock_irq(&sch->lock);
	return gone ? vfio_ccw_gone(private) : VFIO_CCW_STATE_STANDBY;
}

/*
 * A guest attached: enable the subchannel for our interrupts. Once it is,
 * IRBs queued after the last guest's disable (an interrupt that lost the
 * race with it) are the last guest's: a final among them would end this
 * guest's first start (model: online_keeps_stale_irbs). An enable that
 * fails keeps them: one may be the interrupt that disables it again.
 */
enum vfio_ccw_state vfio_ccw_fsm_online(struct vfio_ccw_private *private,
					enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	int err;

	spin_lock_irq(&sch->lock);
	sch->isc = VFIO_CCW_ISC;
	/* The interruption parameter leads cio's IRQ code back to @sch */
	err = cio_enable_subchannel(sch, (u32)virt_to_phys(sch));
	if (!err)
		vfio_ccw_irb_flush(private);
	else if (err != -ENODEV)
		/* Whatever msch left behind, no guest may run on it */
		cio_disable_subchannel(sch);
	spin_unlock_irq(&sch->lock);
	if (err == -EBUSY) {
		/* Status pending, taken by an interrupt on another CPU */
		*ret = err;
		return VFIO_CCW_STATE_STANDBY;
	}
	if (err) {
		*ret = err;
		return vfio_ccw_gone(private);
	}
	return VFIO_CCW_STATE_IDLE;
}

/*
 * The guest's channel program, from the request being written: check the
 * function asked for (@scsw, the request's), build and pin the program
 * into @cp. On error @cp holds nothing, the refusal is in the msg area as
 * stock has it, and *@errstr says which step refused, in stock's words.
 */
static int vfio_ccw_translate(struct vfio_ccw_private *private,
			      const struct ccw_io_region *req,
			      const union scsw *scsw, char **errstr)
{
	struct subchannel_id schid = private->sch->schid;
	union orb orb = {};
	int err;

	/* The region holds a command-mode ORB, the first bytes of the union */
	BUILD_BUG_ON(sizeof(orb.cmd) != sizeof(req->orb_area));
	memcpy(&orb, req->orb_area, sizeof(req->orb_area));

	*errstr = "request";
	if (!(scsw->cmd.fctl & SCSW_FCTL_START_FUNC)) {
		/* halt and clear belong to the async region */
		if (scsw->cmd.fctl & SCSW_FCTL_HALT_FUNC) {
			VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: halt on io_region\n",
					   schid.cssid, schid.ssid,
					   schid.sch_no);
			return -EOPNOTSUPP;
		}
		if (scsw->cmd.fctl & SCSW_FCTL_CLEAR_FUNC) {
			VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: clear on io_region\n",
					   schid.cssid, schid.ssid,
					   schid.sch_no);
			return -EOPNOTSUPP;
		}
		return -EINVAL;
	}
	if (orb.tm.b) {
		/* transport mode: no translation for it */
		VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: transport mode\n",
				   schid.cssid, schid.ssid, schid.sch_no);
		*errstr = "transport mode";
		return -EOPNOTSUPP;
	}

	err = cp_init(&private->cp, &orb);
	if (err) {
		VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: cp_init=%d\n",
				   schid.cssid, schid.ssid, schid.sch_no, err);
		*errstr = "cp init";
		return err;
	}
	err = cp_prefetch(&private->cp);
	/* Pinned, if only for a moment: type1 may see it (dma_unmap()) */
	private->unmap_repinned = true;
	if (err) {
		VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: cp_prefetch=%d\n",
				   schid.cssid, schid.ssid, schid.sch_no, err);
		*errstr = "cp prefetch";
		cp_free(&private->cp);
	}
	return err;
}

/*
 * sch->lock held, ssch answered cc 3: the path the ORB chose is not
 * operational. As stock does: drop it from the paths we offer (all of
 * them if the ORB left the choice to the channel), then -EACCES while
 * paths remain, -ENODEV when none do or the device is gone.
 */
static int vfio_ccw_ssch_not_oper(struct subchannel *sch, union orb *orb)
{
	u8 lpm = orb->cmd.lpm;

	sch->lpm = lpm ? sch->lpm & ~lpm : 0;
	if (cio_update_schib(sch))
		return -ENODEV;
	return sch->lpm ? -EACCES : -ENODEV;
}

/*
 * ssch the translated program: 0, or why the subchannel refused it. An
 * IRB queued for the user is status pending to the guest, so the start is
 * refused as ssch's cc 1 would; so is a start while the device end of the
 * last one is owed (device active after its channel end), which the
 * subchannel itself would take and hold pending. Every IRB that reaches
 * BUSY is then the start's own, never that of an earlier halt, clear or
 * device end (model: START_REFUSED; a pending halt or clear is ssch's
 * cc 2).
 */
static int vfio_ccw_ssch(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	union orb *orb;
	int ret;

	spin_lock_irq(&sch->lock);
	if (cio_update_schib(sch)) {
		ret = -ENODEV;
		goto out;
	}
	if (private->irb_count ||
	    (scsw_actl(&sch->schib.scsw) & SCSW_ACTL_DEVACT)) {
		ret = -EBUSY;
		goto out;
	}
	orb = cp_get_orb(&private->cp, sch);
	if (!orb) {
		ret = -EIO;
		goto out;
	}
	VFIO_CCW_TRACE_EVENT(5, "stIO");
	VFIO_CCW_TRACE_EVENT(5, dev_name(&sch->dev));
	ret = ssch(sch->schid, orb);
	VFIO_CCW_HEX_EVENT(5, &ret, sizeof(ret));
	switch (ret) {
	case 0:
		sch->schib.scsw.cmd.actl |= SCSW_ACTL_START_PEND;
		private->path_gone_armed = false;	/* a path-gone is older */
		break;
	case 1:		/* status pending */
	case 2:		/* a start, halt or clear is pending */
		ret = -EBUSY;
		break;
	case 3:		/* not operational */
		ret = vfio_ccw_ssch_not_oper(sch, orb);
		break;
	default:	/* program check: -EIO */
		break;
	}
out:
	spin_unlock_irq(&sch->lock);
	return ret;
}

/*
 * IDLE x IO_REQ: translate the guest's channel program and start it;
 * any refusal frees it and stays IDLE with the reason as the answer, and
 * is traced as stock traces it (vfio_ccw_fsm_io_request).
 */
enum vfio_ccw_state vfio_ccw_fsm_start(struct vfio_ccw_private *private,
				       enum vfio_ccw_event event, int *ret)
{
	const struct ccw_io_region *req = private->req;
	struct subchannel_id schid = private->sch->schid;
	union scsw scsw;
	char *errstr;
	int err;

	if (!req) {
		/* IO_REQ raised outside vfio_ccw_fsm_write() */
		*ret = -EINVAL;
		return VFIO_CCW_STATE_IDLE;
	}
	memcpy(private->io_region.orb_area, req->orb_area,
	       sizeof(req->orb_area));
	memcpy(private->io_region.scsw_area, req->scsw_area,
	       sizeof(req->scsw_area));
	BUILD_BUG_ON(sizeof(scsw) != sizeof(req->scsw_area));
	memcpy(&scsw, req->scsw_area, sizeof(scsw));

	err = vfio_ccw_translate(private, req, &scsw, &errstr);
	if (!err) {
		err = vfio_ccw_ssch(private);
		if (err) {
			VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: fsm_io_helper=%d\n",
					   schid.cssid, schid.ssid,
					   schid.sch_no, err);
			errstr = "cp fsm_io_helper";
			cp_free(&private->cp);
		}
	}
	if (err) {
		trace_vfio_ccw_fsm_io_request(scsw.cmd.fctl, schid, err,
					      errstr);
		*ret = err;
		return VFIO_CCW_STATE_IDLE;
	}
	/*
	 * Our interrupts reach the completion through the work item, which
	 * needs the mutex we hold: resetting it after the ssch is in time.
	 */
	reinit_completion(&private->completion);
	return VFIO_CCW_STATE_BUSY;
}

/* The IRB being dispatched into the I/O region, and the user told. */
static void vfio_ccw_irb_to_user(struct vfio_ccw_private *private)
{
	struct irb *irb = &private->irb;

	VFIO_CCW_TRACE_EVENT(6, "IRQ");
	VFIO_CCW_TRACE_EVENT(6, dev_name(&private->sch->dev));

	/* Linux's IRB leaves out the extended-measurement words at its end */
	BUILD_BUG_ON(sizeof(*irb) > sizeof(private->io_region.irb_area));
	if (scsw_is_solicited(&irb->scsw))
		/* the channel program address the guest knows */
		cp_update_scsw(&private->cp, &irb->scsw);
	memcpy(private->io_region.irb_area, irb, sizeof(*irb));
	if (private->io_trigger)
		eventfd_signal(private->io_trigger);
}

/* Hand the IRB to the user; a final one ends the start in flight. */
enum vfio_ccw_state vfio_ccw_fsm_irq(struct vfio_ccw_private *private,
				     enum vfio_ccw_event event, int *ret)
{
	bool final = vfio_ccw_irb_is_final(&private->irb);

	vfio_ccw_irb_to_user(private);
	if (private->state == VFIO_CCW_STATE_BUSY && final) {
		cp_free(&private->cp);
		/*
		 * Wake one sleeper, to start. If its retry is refused it
		 * wakes the next (vfio_ccw_fsm_write()), or the others would
		 * sleep on with nothing to wake them.
		 */
		complete(&private->completion);
		return VFIO_CCW_STATE_IDLE;
	}
	/* intermediate or unsolicited: the user's alone */
	return private->state;
}

/*
 * IDLE, BUSY, QUIESCING x CLOSE: the guest is going. If a start, halt or
 * clear still owes its interrupt (a halt or clear the guest issued in IDLE
 * too), end it: a halt first; a clear if status is pending, a halt already
 * is, or CLOSE comes again while QUIESCING (vfio_ccw_go_offline() raises
 * it when a wait for the quiesce times out: the halt is escalated); with a
 * clear pending, just wait, the architecture answers every clear unless
 * the device is gone. Then QUIESCING until the interrupt owed. A device
 * done whose status is pending or queued: QUIESCING until the work hands
 * it to the user, whom a dma_unmap or a shutdown leaves there (the disable
 * would drop it; model: start_end_delivered). Nothing owed or queued, or
 * the device gone: shut down at once.
 */
enum vfio_ccw_state vfio_ccw_fsm_quiesce(struct vfio_ccw_private *private,
					 enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	union scsw *scsw = &sch->schib.scsw;
	bool wait;

	/* Sleepers retry and find QUIESCING (or STANDBY) */
	complete_all(&private->completion);

	spin_lock_irq(&sch->lock);
	if (cio_update_schib(sch))	/* gone: nothing more will come */
		wait = false;
	else if (!vfio_ccw_sch_owes(sch))
		wait = vfio_ccw_status_queued(private);
	else if (scsw_actl(scsw) & SCSW_ACTL_CLEAR_PEND)
		wait = true;
	else if (private->state == VFIO_CCW_STATE_QUIESCING ||
		 (scsw_actl(scsw) & SCSW_ACTL_HALT_PEND) ||
		 (scsw_stctl(scsw) & SCSW_STCTL_STATUS_PEND))
		wait = !vfio_ccw_csch(private);
	else	/* a halt that does not take: clear */
		wait = !vfio_ccw_halt(sch) || !vfio_ccw_csch(private);
	spin_unlock_irq(&sch->lock);

	if (wait) {
		reinit_completion(&private->quiesced);
		return VFIO_CCW_STATE_QUIESCING;
	}
	return vfio_ccw_sch_shutdown(private);	/* already quiet, or gone */
}

/*
 * QUIESCING x INTERRUPT: the IRB is the user's, as in IDLE and BUSY: a
 * dma_unmap quiesces under a guest that stays, and the end of its start
 * (the halt's or clear's IRB) must reach it. While the subchannel still
 * owes an interrupt, or a status waits for the work, wait for it; do not
 * issue halt or clear again, which would owe a new one (the upstream loop
 * that never ends). Escalating is go_offline's, on a timeout.
 */
enum vfio_ccw_state vfio_ccw_fsm_quiesce_irq(struct vfio_ccw_private *private,
					     enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	bool wait;

	vfio_ccw_irb_to_user(private);
	spin_lock_irq(&sch->lock);
	wait = !cio_update_schib(sch) &&
	       (vfio_ccw_sch_owes(sch) || vfio_ccw_status_queued(private));
	spin_unlock_irq(&sch->lock);
	if (wait)
		return VFIO_CCW_STATE_QUIESCING;
	return vfio_ccw_sch_shutdown(private);
}

/* An interrupt with no guest: a disable did not take, disable again. */
enum vfio_ccw_state vfio_ccw_fsm_disabled_irq(struct vfio_ccw_private *private,
					      enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;

	spin_lock_irq(&sch->lock);
	cio_disable_subchannel(sch);
	spin_unlock_irq(&sch->lock);
	return private->state;
}

/*
 * The device is gone (or, from vfio_ccw_go_offline(), a clear was never
 * answered): shut down, and have the css unregister the subchannel.
 */
enum vfio_ccw_state vfio_ccw_fsm_not_oper(struct vfio_ccw_private *private,
					  enum vfio_ccw_event event, int *ret)
{
	if (vfio_ccw_sch_shutdown(private) != VFIO_CCW_STATE_NOT_OPER)
		vfio_ccw_gone(private);
	return VFIO_CCW_STATE_NOT_OPER;
}

/*
 * sch->lock held, schib fresh: the device answers, but our I/O went with
 * it: BUSY with nothing owed and no final status pending or queued (an
 * unsolicited status pending ends nothing: SPIN's lockstep found it taken
 * for the end), or QUIESCING with nothing owed, pending or queued. Nothing
 * would ever end it, nor wake its sleepers (model: IO_LOST).
 */
static bool vfio_ccw_io_lost(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	union scsw *scsw = &sch->schib.scsw;
	bool pending = scsw_stctl(scsw) & SCSW_STCTL_STATUS_PEND;

	if (vfio_ccw_sch_owes(sch))
		return false;
	if (private->state == VFIO_CCW_STATE_BUSY)
		return !(pending && vfio_ccw_scsw_is_final(scsw)) &&
		       !vfio_ccw_irb_final_queued(private);
	if (private->state == VFIO_CCW_STATE_QUIESCING)
		return !vfio_ccw_status_queued(private);
	return false;
}

/* The channel subsystem reports a change: re-read the schib. */
enum vfio_ccw_state vfio_ccw_fsm_sch_event(struct vfio_ccw_private *private,
					   enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	bool gone;

	spin_lock_irq(&sch->lock);
	gone = cio_update_schib(sch) || vfio_ccw_io_lost(private);
	spin_unlock_irq(&sch->lock);
	if (gone)
		return vfio_ccw_fsm_not_oper(private, event, ret);
	return private->state;
}

/**
 * vfio_ccw_sch_gone() - sch_event's second look at the schib
 * @private: the current mdev, io_mutex held, SCHIB_CHANGED dispatched
 *
 * Return: true if the device is gone now: NOT_OPER follows. A stale
 * report of a device that answers again raises nothing.
 */
bool vfio_ccw_sch_gone(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	bool gone;

	vfio_ccw_fsm_assert_locked(private);
	spin_lock_irq(&sch->lock);
	gone = cio_update_schib(sch) != 0;
	spin_unlock_irq(&sch->lock);
	return gone;
}

/*
 * sch->lock held: hsch, as the guest asked. An IRB queued for the user is
 * status pending to the guest: cc 1, as ssch answers it.
 */
static int vfio_ccw_hsch(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;

	lockdep_assert_held(&sch->lock);
	if (private->irb_count)
		return cio_update_schib(sch) ? -ENODEV : -EBUSY;
	return vfio_ccw_halt(sch);
}

/**
 * vfio_ccw_path_went() - chp_event found our I/O on a path that went
 * @private: the subchannel, sch->lock held
 *
 * Marks the start running now for the work chp_event queues: that work
 * clears it only, and a newer start disarms the mark (model: the
 * channel's path loss, path_gone_armed).
 */
void vfio_ccw_path_went(struct vfio_ccw_private *private)
{
	lockdep_assert_held(&private->sch->lock);
	private->path_gone_armed = true;
}

/*
 * sch->lock held: a path of the subchannel went (chp_event's work). If the
 * start chp_event found on it still runs, nothing but a clear ends it:
 * clear. Else nothing: that I/O is over, and a newer start runs on another
 * path (model: path_gone_clears_its_io).
 */
static int vfio_ccw_path_gone(struct vfio_ccw_private *private)
{
	struct subchannel *sch = private->sch;
	u32 actl;

	lockdep_assert_held(&sch->lock);
	if (cio_update_schib(sch))
		return -ENODEV;
	actl = scsw_actl(&sch->schib.scsw);
	if (private->state != VFIO_CCW_STATE_BUSY ||
	    !(actl & ~SCSW_ACTL_CLEAR_PEND) || !private->path_gone_armed)
		return 0;
	return vfio_ccw_csch(private);
}

/*
 * IDLE or BUSY x ASYNC_REQ: halt or clear the subchannel, as the user asked
 * through the async region, or clear it for a path gone. The answer is the
 * instruction's condition code as an errno; the state does not change: the
 * interrupt the function owes ends the start, if one runs.
 */
enum vfio_ccw_state vfio_ccw_fsm_async(struct vfio_ccw_private *private,
				       enum vfio_ccw_event event, int *ret)
{
	struct subchannel *sch = private->sch;
	int err;

	spin_lock_irq(&sch->lock);
	switch (private->async_cmd) {
	case VFIO_CCW_ASYNC_CMD_HSCH:
		err = vfio_ccw_hsch(private);
		break;
	case VFIO_CCW_ASYNC_CMD_CSCH:
		err = vfio_ccw_csch(private);
		break;
	case VFIO_CCW_ASYNC_PATH_GONE:
		err = vfio_ccw_path_gone(private);
		break;
	default:	/* raised outside vfio_ccw_async_request() */
		err = -EINVAL;
		break;
	}
	spin_unlock_irq(&sch->lock);
	/* Only here, where the request is acted on, as stock */
	trace_vfio_ccw_fsm_async_request(sch->schid, private->async_cmd, err);
	if (err)
		*ret = err;
	return private->state;
}

/* ------------------------------------------ the dispatcher's hooks */

enum vfio_ccw_state *vfio_ccw_fsm_state(struct vfio_ccw_private *private)
{
	return &private->state;
}

void vfio_ccw_fsm_assert_locked(struct vfio_ccw_private *private)
{
	lockdep_assert_held(&private->io_mutex);
}

/*
 * Every transition the dispatcher writes: the tracepoint, and, for each
 * way into NOT_OPER (a create on a gone device included), the message
 * stock's fsm_notoper() writes, with the event and the state before it
 * (the generated enums' values, not stock's).
 */
void vfio_ccw_fsm_trace(struct vfio_ccw_private *private,
			enum vfio_ccw_state from, enum vfio_ccw_event event,
			enum vfio_ccw_state to, int ret)
{
	struct subchannel_id schid = private->sch->schid;

	trace_vfio_ccw_fsm_event(schid, from, event,
				 vfio_ccw_state_names[from],
				 vfio_ccw_event_names[event],
				 vfio_ccw_state_names[to], ret);
	if (to == VFIO_CCW_STATE_NOT_OPER &&
	    (from != VFIO_CCW_STATE_NOT_OPER || event == VFIO_CCW_EVENT_INIT))
		VFIO_CCW_MSG_EVENT(2, "sch %x.%x.%04x: notoper event %x state %x\n",
				   schid.cssid, schid.ssid, schid.sch_no,
				   event, from);
}

static const char *vfio_ccw_state_name(enum vfio_ccw_state state)
{
	if ((unsigned int)state >= NR_VFIO_CCW_STATES)
		return "?";
	return vfio_ccw_state_names[state];
}

/* A transition the proofs do not allow: a bug in an action. */
void vfio_ccw_fsm_unverified(struct vfio_ccw_private *private,
			     enum vfio_ccw_state from, enum vfio_ccw_event event,
			     enum vfio_ccw_state to)
{
	const char *ev = (unsigned int)event < NR_VFIO_CCW_EVENTS ?
			 vfio_ccw_event_names[event] : "?";

	WARN_ONCE(1,
		  "vfio_ccw: %x.%x.%04x: unverified transition %s(%d) x %s(%d) -> %s(%d)\n",
		  private->sch->schid.cssid, private->sch->schid.ssid,
		  private->sch->schid.sch_no, vfio_ccw_state_name(from), from,
		  ev, event, vfio_ccw_state_name(to), to);
}

/* --------------------------------------------- raising events */

/**
 * vfio_ccw_fsm_event() - raise an event
 * @private: the subchannel, io_mutex not held
 * @event: the event
 *
 * Return: the answer of the cell: 0 or -errno.
 */
int vfio_ccw_fsm_event(struct vfio_ccw_private *private,
		       enum vfio_ccw_event event)
{
	int ret;

	mutex_lock(&private->io_mutex);
	ret = vfio_ccw_fsm_dispatch(private, event);
	mutex_unlock(&private->io_mutex);
	return ret;
}

/**
 * vfio_ccw_fsm_write() - the write path of the I/O region: a start request
 * @private: the subchannel, io_mutex not held
 * @req: the region as the user wrote it
 *
 * Raises IO_REQ; while a start is in flight (the answer is
 * VFIO_CCW_FSM_RETRY) sleeps on the completion, mutex released, and raises
 * it again once woken. The final interrupt wakes one sleeper: if its retry
 * is refused, it wakes the next one in its stead.
 *
 * Return: 0 if the subchannel took the program, -ERESTARTSYS if a signal
 * ended the sleep, else the refusal.
 */
int vfio_ccw_fsm_write(struct vfio_ccw_private *private,
		       const struct ccw_io_region *req)
{
	bool woken;
	int ret;

	for (woken = false;; woken = true) {
		mutex_lock(&private->io_mutex);
		private->req = req;
		ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_IO_REQ);
		private->req = NULL;
		if (ret != VFIO_CCW_FSM_RETRY)
			private->io_region.ret_code = ret;
		mutex_unlock(&private->io_mutex);

		if (ret != VFIO_CCW_FSM_RETRY)
			break;
		if (wait_for_completion_interruptible(&private->completion))
			return -ERESTARTSYS;
	}
	/* woken for a start we did not make: hand the wake-up on */
	if (woken && ret)
		complete(&private->completion);
	return ret;
}

/**
 * vfio_ccw_async_request() - halt or clear the subchannel
 * @private: the subchannel, io_mutex not held
 * @cmd: VFIO_CCW_ASYNC_CMD_HSCH or VFIO_CCW_ASYNC_CMD_CSCH (the async
 *	region's command), or VFIO_CCW_ASYNC_PATH_GONE (chp_event's work: a
 *	path went, clear the I/O in flight on it, if any)
 *
 * Raises ASYNC_REQ. Never sleeps on the completion: a halt or clear of
 * the running program is answered at once, and its interrupt ends the
 * program and wakes the writers asleep behind it.
 *
 * Return: 0 if the function was issued (or, for a path gone, not needed),
 * -EBUSY if status is pending or a halt or clear is (hsch's cc 1 and 2,
 * and in QUIESCING), -ENODEV if the device is gone, -EIO without a guest,
 * -EINVAL for an unknown command.
 */
int vfio_ccw_async_request(struct vfio_ccw_private *private, u32 cmd)
{
	int ret;

	if (cmd != VFIO_CCW_ASYNC_CMD_HSCH && cmd != VFIO_CCW_ASYNC_CMD_CSCH &&
	    cmd != VFIO_CCW_ASYNC_PATH_GONE)
		return -EINVAL;

	mutex_lock(&private->io_mutex);
	private->async_cmd = cmd;
	ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_ASYNC_REQ);
	private->async_cmd = 0;
	mutex_unlock(&private->io_mutex);
	return ret;
}

/**
 * vfio_ccw_quiesce_timeout() - what a quiesce wait that timed out raises
 * @private: the subchannel, io_mutex held
 * @ticks: the waits that timed out before this one
 *
 * The clear is never given up on: the architecture answers it unless the
 * device is gone, and then the css reports that and NOT_OPER ends the
 * wait. Giving up would free the program and have the css free the
 * subchannel while the clear's interrupt may still come (model:
 * nothing_freed_while_owed).
 *
 * Return: CLOSE on the first (the halt escalated to a clear), else
 * NR_VFIO_CCW_EVENTS: nothing. Nothing either once it is no longer
 * QUIESCING.
 */
enum vfio_ccw_event vfio_ccw_quiesce_timeout(struct vfio_ccw_private *private,
					     unsigned int ticks)
{
	vfio_ccw_fsm_assert_locked(private);
	if (private->state != VFIO_CCW_STATE_QUIESCING || ticks)
		return NR_VFIO_CCW_EVENTS;
	return VFIO_CCW_EVENT_CLOSE;
}

/**
 * vfio_ccw_fsm_shutdown() - the css shutdown's look once its wait is over
 * @private: the subchannel, io_mutex held
 *
 * STANDBY: NOT_OPER now. QUIESCING, the bounded wait over with the clear
 * still owed: the program stays pinned and the subchannel registered
 * until the clear is answered, and the quiesce then ends in NOT_OPER. Any
 * other state is NOT_OPER already, or a user's that opened it again. The
 * model's host decides so, the lockstep checks it (shutdown_ends_use).
 */
void vfio_ccw_fsm_shutdown(struct vfio_ccw_private *private)
{
	vfio_ccw_fsm_assert_locked(private);
	if (private->state == VFIO_CCW_STATE_STANDBY)
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_NOT_OPER);
	else if (private->state == VFIO_CCW_STATE_QUIESCING)
		private->not_oper_owed = true;
}

/**
 * vfio_ccw_unmap_count() - count a dma_unmap() call of type1's, decide
 * @private: the subchannel, io_mutex held
 * @iova: the start of the range type1 unmaps
 * @length: its length
 * @pinned: cp_iova_pinned() of the range, read just before
 *
 * type1 calls every device of the container, again and again while any
 * of them pins a page of the range, and BUGs after ten retries for one
 * range. A call is ours when our program in flight holds the range, or
 * when a translation ran since the call before (it may have pinned the
 * range, if only until it failed or its I/O ended: type1 may have seen
 * that). A call that is not ours counts for nothing: a device that shares
 * the container and pins nothing there is left alone. Our program holding
 * the range is ended; the VFIO_CCW_UNMAP_CALLS-th call of ours for one
 * range (our user pins it again each time we let it go) fences the
 * device, before type1's limit. The model's dma_unmap() decides so.
 *
 * Return: what the caller is to do.
 */
enum vfio_ccw_unmap vfio_ccw_unmap_count(struct vfio_ccw_private *private,
					 u64 iova, u64 length, bool pinned)
{
	bool held, ours;

	vfio_ccw_fsm_assert_locked(private);
	if (private->unmap_iova != iova || private->unmap_length != length) {
		private->unmap_iova = iova;
		private->unmap_length = length;
		private->unmap_calls = 0;
		private->unmap_repinned = false;
	}
	held = pinned && (private->state == VFIO_CCW_STATE_BUSY ||
			  private->state == VFIO_CCW_STATE_QUIESCING);
	ours = held || private->unmap_repinned;
	private->unmap_repinned = false;
	if (!ours)
		return VFIO_CCW_UNMAP_NONE;
	if (private->unmap_calls < VFIO_CCW_UNMAP_CALLS)	/* no wrap */
		private->unmap_calls++;
	if (private->unmap_calls == VFIO_CCW_UNMAP_CALLS)
		return VFIO_CCW_UNMAP_FENCE;
	return held ? VFIO_CCW_UNMAP_OFFLINE : VFIO_CCW_UNMAP_NONE;
}

/**
 * vfio_ccw_unmap_verdict() - what a dma_unmap() call asks of us
 * @private: the subchannel, io_mutex not held
 * @iova: the start of the range type1 unmaps
 * @length: its length
 *
 * Takes and drops io_mutex first, which waits out a translation or
 * cp_free() in progress (their pins need type1's lock, free only while it
 * calls us); then cp_iova_pinned(), which takes io_mutex itself; then
 * vfio_ccw_unmap_count() under io_mutex.
 *
 * Return: what the caller is to do.
 */
enum vfio_ccw_unmap vfio_ccw_unmap_verdict(struct vfio_ccw_private *private,
					   u64 iova, u64 length)
{
	enum vfio_ccw_unmap verdict;
	bool pinned;

	mutex_lock(&private->io_mutex);
	mutex_unlock(&private->io_mutex);
	pinned = cp_iova_pinned(&private->cp, iova, length);
	mutex_lock(&private->io_mutex);
	verdict = vfio_ccw_unmap_count(private, iova, length, pinned);
	mutex_unlock(&private->io_mutex);
	return verdict;
}

/**
 * vfio_ccw_go_offline() - raise CLOSE and wait out the quiesce it starts
 * @private: the subchannel, io_mutex not held
 * @closing: the guest is going away: a reset racing with us must not bring
 *	the subchannel back online
 * @limit: stop waiting for the clear this many jiffies after issuing it,
 *	still QUIESCING (the css shutdown); 0: wait until the quiesce ends
 *
 * CLOSE with a function still owing its interrupt leaves QUIESCING until
 * that interrupt arrives; the channel program stays pinned until then, and
 * the VFIO core wants it unpinned before close_device() or dma_unmap()
 * returns. The wait is uninterruptible but wakes every
 * VFIO_CCW_QUIESCE_TICK to look again. The first tick that finds
 * QUIESCING raises CLOSE again, which escalates the halt to a clear (the
 * model's go_offline()); a limit starts counting then, so that no halt is
 * left owed. The architecture answers every clear unless the device is
 * gone, and then the css reports it and NOT_OPER ends the wait; a clear
 * still unanswered is reported every VFIO_CCW_CLEAR_TICKS ticks, and
 * nothing is freed meanwhile (vfio_ccw_quiesce_timeout()).
 *
 * Return: the state reached.
 */
enum vfio_ccw_state vfio_ccw_go_offline(struct vfio_ccw_private *private,
					bool closing, unsigned long limit)
{
	struct subchannel *sch = private->sch;
	unsigned long deadline = 0;
	enum vfio_ccw_event event;
	enum vfio_ccw_state state;
	unsigned int ticks = 0;

	mutex_lock(&private->io_mutex);
	if (closing)
		private->guest_open = false;
	vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_CLOSE);
	state = private->state;
	mutex_unlock(&private->io_mutex);

	while (state == VFIO_CCW_STATE_QUIESCING) {
		unsigned long tick = VFIO_CCW_QUIESCE_TICK;
		bool timed_out;

		if (limit && ticks) {	/* escalated: the clear's wait */
			if (time_after_eq(jiffies, deadline))
				break;
			tick = min(tick, deadline - jiffies);
		}
		timed_out = !wait_for_completion_timeout(&private->quiesced,
							 tick);

		mutex_lock(&private->io_mutex);
		/* Every wait that timed out counts, the limit's last one too */
		event = NR_VFIO_CCW_EVENTS;
		if (timed_out && private->state == VFIO_CCW_STATE_QUIESCING) {
			event = vfio_ccw_quiesce_timeout(private, ticks);
			if (ticks && !(ticks % VFIO_CCW_CLEAR_TICKS))
				dev_err(&sch->dev,
					"the clear is not answered yet, still waiting\n");
			ticks++;
		}
		if (event == VFIO_CCW_EVENT_CLOSE) {
			dev_warn(&sch->dev,
				 "the subchannel does not quiesce, clearing it\n");
			deadline = jiffies + limit;
		}
		if (event != NR_VFIO_CCW_EVENTS)
			vfio_ccw_fsm_dispatch(private, event);
		state = private->state;
		mutex_unlock(&private->io_mutex);
	}
	return state;
}

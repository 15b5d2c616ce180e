// SPDX-License-Identifier: GPL-2.0
/*
 * The hand-written actions of the FSM, on the simulated subchannel: each
 * does what its act_* inline in model/vfio_ccw.pml does. They run with
 * the FSM mutex held, return the next state and never write it.
 */
#include <errno.h>
#include <stdlib.h>

#include "sim.h"

static bool dev_lost(struct vfio_ccw_private *private)
{
	bool lost;

	pthread_mutex_lock(&private->dev_lock);
	lost = private->dev.lost;
	pthread_mutex_unlock(&private->dev_lock);
	return lost;
}

/* Disable, drop stale IRBs, free the program, wake every sleeper. */
static enum vfio_ccw_state sch_shutdown(struct vfio_ccw_private *private)
{
	bool lost;

	pthread_mutex_lock(&private->dev_lock);
	private->dev.enabled = false;
	sim_flush_irbs(private);
	lost = private->dev.lost;
	pthread_mutex_unlock(&private->dev_lock);

	if (private->cp_live)
		sim_cp_free(private);
	complete_all(&private->completion);
	/* msch answers cc 3 when the device is gone */
	return lost ? VFIO_CCW_STATE_NOT_OPER : VFIO_CCW_STATE_STANDBY;
}

enum vfio_ccw_state vfio_ccw_fsm_init(struct vfio_ccw_private *private,
				      enum vfio_ccw_event event, int *ret)
{
	(void)event;
	(void)ret;
	/* No guest yet: the subchannel stays disabled. */
	return dev_lost(private) ? VFIO_CCW_STATE_NOT_OPER :
				   VFIO_CCW_STATE_STANDBY;
}

enum vfio_ccw_state vfio_ccw_fsm_online(struct vfio_ccw_private *private,
					enum vfio_ccw_event event, int *ret)
{
	enum vfio_ccw_state next = VFIO_CCW_STATE_IDLE;

	(void)event;
	pthread_mutex_lock(&private->dev_lock);
	if (private->dev.lost) {
		*ret = -ENODEV;
		next = VFIO_CCW_STATE_NOT_OPER;
	} else if (private->knob.enable_fails > 0) {
		private->knob.enable_fails--;
		*ret = -EIO;
		next = VFIO_CCW_STATE_NOT_OPER;
	} else if (private->knob.enable_busy > 0) {
		/* transient: an interrupt on another CPU took the status */
		private->knob.enable_busy--;
		*ret = -EBUSY;
		next = VFIO_CCW_STATE_STANDBY;
	} else {
		/* the last guest's IRBs, queued after its disable, go */
		sim_flush_irbs(private);
		private->dev.enabled = true;
	}
	pthread_mutex_unlock(&private->dev_lock);
	return next;
}

enum vfio_ccw_state vfio_ccw_fsm_offline(struct vfio_ccw_private *private,
					 enum vfio_ccw_event event, int *ret)
{
	(void)event;
	(void)ret;
	return sch_shutdown(private);
}

/* The guest's channel program: ccwchain, page pinning. Refused on demand. */
static int cp_translate(struct vfio_ccw_private *private)
{
	if (private->knob.translate_fails > 0) {
		private->knob.translate_fails--;
		return -EINVAL;
	}
	return 0;
}

static int cp_intermediates(struct vfio_ccw_private *private)
{
	if (private->knob.pci_random)
		return rand_r(&private->seed) % (private->knob.pci + 1);
	return private->knob.pci;
}

/* ssch: the device takes the program, or is gone (cc 3). */
static int ssch(struct vfio_ccw_private *private)
{
	int pci = cp_intermediates(private);
	struct sim_device *dev = &private->dev;

	pthread_mutex_lock(&private->dev_lock);
	if (dev->lost) {
		pthread_mutex_unlock(&private->dev_lock);
		return -ENODEV;
	}
	if (dev->active || private->state == VFIO_CCW_STATE_BUSY)
		sim_count(&private->bad[BAD_START_BUSY]);
	if (private->state != VFIO_CCW_STATE_IDLE || !dev->enabled)
		sim_count(&private->bad[BAD_START_GUEST]);
	dev->active = true;
	dev->intermediate = pci;
	pthread_mutex_unlock(&private->dev_lock);
	private->starts++;
	/*
	 * Its interrupts reach the completion through the work, which needs
	 * the mutex we hold: resetting the completion after is still in time.
	 */
	reinit_completion(&private->completion);
	return 0;
}

enum vfio_ccw_state vfio_ccw_fsm_start(struct vfio_ccw_private *private,
				       enum vfio_ccw_event event, int *ret)
{
	int err;

	(void)event;
	sim_cp_alloc(private);
	private->cp_translating = true;
	err = cp_translate(private);
	private->cp_translating = false;
	if (!err)
		err = ssch(private);
	if (err) {
		sim_cp_free(private);
		*ret = err;
		return VFIO_CCW_STATE_IDLE;
	}
	return VFIO_CCW_STATE_BUSY;
}

enum vfio_ccw_state vfio_ccw_fsm_irq(struct vfio_ccw_private *private,
				     enum vfio_ccw_event event, int *ret)
{
	(void)event;
	(void)ret;
	private->user_irbs++;	/* the IRB goes to the I/O region */
	/* Only the final ends the I/O: an intermediate leaves it running. */
	if (private->state == VFIO_CCW_STATE_BUSY &&
	    private->cur_irb == IRB_FINAL) {
		sim_cp_free(private);
		complete(&private->completion);	/* one retries, to start */
		return VFIO_CCW_STATE_IDLE;
	}
	return private->state;
}

enum vfio_ccw_state vfio_ccw_fsm_quiesce(struct vfio_ccw_private *private,
					 enum vfio_ccw_event event, int *ret)
{
	bool owed = false;

	(void)event;
	(void)ret;
	/* Sleepers retry and find QUIESCING (or STANDBY) */
	complete_all(&private->completion);
	pthread_mutex_lock(&private->dev_lock);
	if (private->dev.active && !private->dev.lost) {
		private->dev.clears++;	/* csch */
		owed = true;
	}
	pthread_mutex_unlock(&private->dev_lock);
	if (owed)
		return VFIO_CCW_STATE_QUIESCING;
	return sch_shutdown(private);	/* already quiet, or gone */
}

enum vfio_ccw_state vfio_ccw_fsm_quiesce_irq(struct vfio_ccw_private *private,
					     enum vfio_ccw_event event, int *ret)
{
	struct sim_device *dev = &private->dev;
	bool owed;

	(void)event;
	(void)ret;
	/*
	 * Not a new clear: the one issued still owes its interrupt, and a
	 * final racing it must not start the quiesce over (upstream bug 5).
	 */
	pthread_mutex_lock(&private->dev_lock);
	owed = (dev->active || dev->clears > 0) && !dev->lost;
	pthread_mutex_unlock(&private->dev_lock);
	if (owed)
		return VFIO_CCW_STATE_QUIESCING;
	return sch_shutdown(private);
}

enum vfio_ccw_state vfio_ccw_fsm_disabled_irq(struct vfio_ccw_private *private,
					      enum vfio_ccw_event event, int *ret)
{
	(void)event;
	(void)ret;
	pthread_mutex_lock(&private->dev_lock);
	private->dev.enabled = false;
	pthread_mutex_unlock(&private->dev_lock);
	return private->state;
}

enum vfio_ccw_state vfio_ccw_fsm_not_oper(struct vfio_ccw_private *private,
					  enum vfio_ccw_event event, int *ret)
{
	(void)event;
	(void)ret;
	sch_shutdown(private);
	return VFIO_CCW_STATE_NOT_OPER;
}

/*
 * dev_lock held. The device is back, but our I/O went with it: BUSY with
 * nothing running and no final queued, or QUIESCING with nothing running,
 * owed or queued. Nothing would ever end it, nor wake its sleepers.
 */
static bool io_lost(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;

	if (dev->active)
		return false;
	if (private->state == VFIO_CCW_STATE_BUSY)
		return !sim_irb_queued(private, IRB_FINAL);
	if (private->state == VFIO_CCW_STATE_QUIESCING)
		return !dev->clears && !private->ring_count;
	return false;
}

enum vfio_ccw_state vfio_ccw_fsm_sch_event(struct vfio_ccw_private *private,
					   enum vfio_ccw_event event, int *ret)
{
	int forced = private->knob.force_next;
	bool gone;

	/* Test knob: a buggy action, for the dispatcher's guard to catch */
	if (forced >= 0) {
		private->knob.force_next = -1;
		return (enum vfio_ccw_state)forced;
	}
	pthread_mutex_lock(&private->dev_lock);
	gone = private->dev.lost || io_lost(private);
	pthread_mutex_unlock(&private->dev_lock);
	if (gone)
		return vfio_ccw_fsm_not_oper(private, event, ret);
	return private->state;
}

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

/*
 * Disable, drop stale IRBs, free the program, wake every sleeper. msch
 * answers cc 3 when the device is gone, and cc 2 while a function is in
 * progress: only when the glue gives up on a clear never answered
 * (sim_go_offline()). The program goes all the same: the clear ended the
 * subchannel's data transfer when it was issued. The subchannel stays
 * enabled until the late answer's interrupt disables it again.
 */
static enum vfio_ccw_state sch_shutdown(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool lost, running;

	pthread_mutex_lock(&private->dev_lock);
	lost = dev->lost;
	running = !lost && SIM_OWED(dev);
	if (!running) {
		dev->enabled = false;
		dev->pending = IRB_NONE;	/* cio's tsch before the msch */
	}
	sim_flush_irbs(private);
	pthread_mutex_unlock(&private->dev_lock);

	if (private->cp_live)
		sim_cp_free(private);
	complete_all(&private->completion);
	return lost ? VFIO_CCW_STATE_NOT_OPER : VFIO_CCW_STATE_STANDBY;
}

/*
 * dev_lock held: csch. Resets the status pending and any halt, owes one
 * interrupt; the IRBs queued for the user are status pending to the
 * guest: they go, so that the clear's IRB is the next the user sees.
 */
static int csch(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;

	if (dev->lost)
		return -ENODEV;
	dev->pending = IRB_NONE;
	sim_flush_irbs(private);
	dev->halt = false;
	dev->clears = 1;
	private->clears++;
	return 0;
}

/* dev_lock held: hsch, with its condition code as an errno. */
static int hsch(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;

	if (dev->lost)
		return -ENODEV;		/* cc 3 */
	if (dev->pending != IRB_NONE)
		return -EBUSY;		/* cc 1 */
	if (dev->halt || dev->clears)
		return -EBUSY;		/* cc 2 */
	dev->halt = true;
	private->halts++;
	return 0;
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

/*
 * ssch: the device takes the program; or is gone (cc 3); or status is
 * pending, an IRB queued for the user counting as such, or a halt or clear
 * is (cc 1, cc 2: the model's START_REFUSED); or the path chosen is not
 * operational (cc 3): dropped from lpm, -EACCES while paths remain.
 */
static int ssch(struct vfio_ccw_private *private)
{
	int pci = cp_intermediates(private);
	struct sim_device *dev = &private->dev;
	unsigned char path;

	pthread_mutex_lock(&private->dev_lock);
	if (dev->lost) {
		pthread_mutex_unlock(&private->dev_lock);
		return -ENODEV;
	}
	if (dev->pending != IRB_NONE || private->ring_count || dev->halt ||
	    dev->clears) {
		pthread_mutex_unlock(&private->dev_lock);
		return -EBUSY;
	}
	/* the channel's choice: the first path left, leftmost bit first */
	for (path = 0x80; path && !(dev->lpm & path); path >>= 1)
		;
	if (!path || (path & dev->dead_paths)) {
		dev->lpm &= ~path;
		pthread_mutex_unlock(&private->dev_lock);
		return dev->lpm ? -EACCES : -ENODEV;
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
	/*
	 * The final, or the end of a halt or clear, ends the I/O; an
	 * intermediate leaves it running. In IDLE, the IRB of a halt or clear
	 * of an idle subchannel is the user's alone.
	 */
	if (private->state == VFIO_CCW_STATE_BUSY &&
	    SIM_ENDS_START(private->cur_irb)) {
		sim_cp_free(private);
		complete(&private->completion);	/* one retries, to start */
		return VFIO_CCW_STATE_IDLE;
	}
	return private->state;
}

/*
 * IDLE, BUSY, QUIESCING x CLOSE: with a function owing its interrupt, a
 * halt; a clear if status is pending, a halt already is, or this is the
 * escalation (CLOSE again in QUIESCING); with a clear pending, wait.
 */
enum vfio_ccw_state vfio_ccw_fsm_quiesce(struct vfio_ccw_private *private,
					 enum vfio_ccw_event event, int *ret)
{
	struct sim_device *dev = &private->dev;
	bool owed = false;

	(void)event;
	(void)ret;
	/* Sleepers retry and find QUIESCING (or STANDBY) */
	complete_all(&private->completion);
	pthread_mutex_lock(&private->dev_lock);
	if (SIM_OWED(dev) && !dev->lost) {
		if (dev->clears)
			owed = true;
		else if (private->state == VFIO_CCW_STATE_QUIESCING ||
			 dev->halt || dev->pending != IRB_NONE)
			owed = !csch(private);
		else
			owed = !hsch(private) || !csch(private);
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
	 * Not a new halt or clear: the one issued still owes its interrupt,
	 * and an interrupt racing it must not start the quiesce over
	 * (upstream bug 5).
	 */
	pthread_mutex_lock(&private->dev_lock);
	owed = SIM_OWED(dev) && !dev->lost;
	pthread_mutex_unlock(&private->dev_lock);
	if (owed)
		return VFIO_CCW_STATE_QUIESCING;
	return sch_shutdown(private);
}

enum vfio_ccw_state vfio_ccw_fsm_disabled_irq(struct vfio_ccw_private *private,
					      enum vfio_ccw_event event, int *ret)
{
	struct sim_device *dev = &private->dev;
	bool disabled;

	(void)event;
	(void)ret;
	pthread_mutex_lock(&private->dev_lock);
	disabled = dev->lost || !SIM_OWED(dev);	/* msch cc 3, cc 0 */
	if (disabled) {
		dev->enabled = false;
		dev->pending = IRB_NONE;
	}
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
 * nothing owed and nothing that ends the start pending or queued, or
 * QUIESCING with nothing owed, pending or queued. Nothing would ever end
 * it, nor wake its sleepers (the model's IO_LOST).
 */
static bool io_lost(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;

	if (SIM_OWED(dev))
		return false;
	if (private->state == VFIO_CCW_STATE_BUSY)
		return !SIM_ENDS_START(dev->pending) &&
		       !sim_irb_queued(private, IRB_FINAL) &&
		       !sim_irb_queued(private, IRB_HALT_DONE) &&
		       !sim_irb_queued(private, IRB_CLEAR_DONE);
	if (private->state == VFIO_CCW_STATE_QUIESCING)
		return dev->pending == IRB_NONE && !private->ring_count;
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

/*
 * IDLE, BUSY x ASYNC_REQ: hsch or csch as the user asked, or, for a path
 * gone, csch if BUSY with the start still running. The answer is the
 * instruction's condition code; the state does not change.
 */
enum vfio_ccw_state vfio_ccw_fsm_async(struct vfio_ccw_private *private,
				       enum vfio_ccw_event event, int *ret)
{
	struct sim_device *dev = &private->dev;
	int err = 0;

	(void)event;
	pthread_mutex_lock(&private->dev_lock);
	switch (private->async_cmd) {
	case SIM_ASYNC_HSCH:
		/* an IRB queued for the user is status pending: cc 1 */
		if (!dev->lost && private->ring_count)
			err = -EBUSY;
		else
			err = hsch(private);
		break;
	case SIM_ASYNC_CSCH:
		err = csch(private);
		break;
	case SIM_ASYNC_PATH_GONE:
		if (dev->lost)
			err = -ENODEV;
		else if (private->state == VFIO_CCW_STATE_BUSY && dev->active &&
			 !dev->clears)
			err = csch(private);
		break;
	default:
		err = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&private->dev_lock);
	if (err)
		*ret = err;
	return private->state;
}

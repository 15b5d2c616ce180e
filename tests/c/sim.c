// SPDX-License-Identifier: GPL-2.0
/*
 * The world around the kernel's vfio_ccw_private (sim.h): setup, the
 * channel, the IRQ handler, the work item, the css, the trace hook.
 */
#include <stdlib.h>

#include "sim.h"

bool sim_verbose;

const char *const sim_bad_names[NR_SIM_BAD] = {
	[BAD_CP_RELEASED] = "program pinned in STANDBY/NOT_OPER",
	[BAD_NOT_OPER_LEFT] = "NOT_OPER left",
	[BAD_ENABLED] = "subchannel enabled without a guest",
};

/* The one subchannel of the running test, for the trace hook */
static struct sim *sim_current;

const char *sim_state_name(enum vfio_ccw_state state)
{
	if ((unsigned int)state >= NR_VFIO_CCW_STATES)
		return "?";
	return vfio_ccw_state_names[state];
}

static int name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static bool guest_state(enum vfio_ccw_state state)
{
	return state == VFIO_CCW_STATE_IDLE || state == VFIO_CCW_STATE_BUSY ||
	       state == VFIO_CCW_STATE_QUIESCING;
}

/*
 * Every transition the kernel's dispatcher writes, io_mutex held: record
 * it and check the model's state invariants (cp_released,
 * not_oper_final, no_io_without_guest) on the state about to be written.
 */
static void sim_trace(struct subchannel_id schid, const char *from,
		      const char *ev, const char *to, int ret)
{
	struct sim *s = sim_current;
	enum vfio_ccw_state f, t;
	enum vfio_ccw_event e;
	bool enabled;

	if (!s)
		return;
	f = name_index(vfio_ccw_state_names, NR_VFIO_CCW_STATES, from);
	t = name_index(vfio_ccw_state_names, NR_VFIO_CCW_STATES, to);
	e = name_index(vfio_ccw_event_names, NR_VFIO_CCW_EVENTS, ev);

	/*
	 * Enabled is no fault where a disable is owed (the model's
	 * DISABLE_OWED: the interrupt on its way disables again), the
	 * device is gone (msch answers cc 3, nothing runs there) or the
	 * css is to unregister the subchannel (it goes, enabled or not).
	 */
	spin_lock_irq(&s->sch.lock);
	enabled = s->dev.enabled && !s->dev.lost && !s->dev.unreg_due &&
		  !s->dev.pending && !s->dev.taken && !s->private.irb_count;
	spin_unlock_irq(&s->sch.lock);
	if (!guest_state(t) && s->private.cp.initialized)
		s->bad[BAD_CP_RELEASED]++;
	if (!guest_state(t) && enabled)
		s->bad[BAD_ENABLED]++;
	if (f == VFIO_CCW_STATE_NOT_OPER && t != f && s->initialized)
		s->bad[BAD_NOT_OPER_LEFT]++;
	if (e == VFIO_CCW_EVENT_INIT)
		s->initialized = true;

	s->last_from = f;
	s->last_event = e;
	s->last_to = t;
	s->last_ret = ret;
	s->traced++;
	if (t != f)
		s->entered[t]++;
	if (sim_verbose)
		fprintf(stderr, "fsm: %s x %s -> %s ret %d\n", from, ev, to, ret);
}

/* ----------------------------------------------- setup and teardown */

struct sim *sim_create(void)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct vfio_ccw_private *private;

	if (!s) {
		perror("calloc");
		exit(2);
	}
	private = &s->private;
	/* As mdev probe: zeroed (NOT_OPER), then the locks and waits */
	s->sch.dev.name = "0.0.0000";
	s->sch.lpm = 0xc0;		/* two paths */
	spin_lock_init(&s->sch.lock);
	ksim_attach(&s->sch, &s->dev);
	private->vdev.device.name = "vfio_ccw-sim";
	private->sch = &s->sch;
	private->cp.sch = &s->sch;
	mutex_init(&private->io_mutex);
	init_completion(&private->completion);
	init_completion(&private->quiesced);
	private->io_trigger = &s->io_trigger;
	private->guest_open = true;

	pthread_mutex_init(&s->work_lock, NULL);
	pthread_cond_init(&s->work_cond, NULL);
	s->seed = 1;
	kshim_warnings = 0;
	kshim_quiet = !sim_verbose;
	kshim_trace_hook = sim_trace;
	sim_current = s;
	return s;
}

void sim_destroy(struct sim *s)
{
	sim_stop_work(s);
	sim_current = NULL;
	ksim_detach(&s->sch);
	pthread_mutex_destroy(&s->work_lock);
	pthread_cond_destroy(&s->work_cond);
	pthread_mutex_destroy(&s->private.io_mutex.lk.m);
	pthread_mutex_destroy(&s->sch.lock.lk.m);
	pthread_mutex_destroy(&s->private.completion.lock);
	pthread_cond_destroy(&s->private.completion.wait);
	pthread_mutex_destroy(&s->private.quiesced.lock);
	pthread_cond_destroy(&s->private.quiesced.wait);
	free(s);
}

static unsigned int completion_done(struct completion *x, int *sleepers)
{
	unsigned int done;

	pthread_mutex_lock(&x->lock);
	done = x->done;
	if (sleepers)
		*sleepers = x->sleepers;
	pthread_mutex_unlock(&x->lock);
	return done;
}

void sim_snapshot(struct sim *s, struct sim_snapshot *snap)
{
	struct vfio_ccw_private *private = &s->private;

	mutex_lock(&private->io_mutex);
	spin_lock_irq(&s->sch.lock);
	snap->state = private->state;
	snap->dev = s->dev;
	snap->hung = s->hung;
	snap->stalled = s->stalled;
	snap->irb_count = private->irb_count;
	snap->cp_live = private->cp.initialized;
	snap->starts = s->dev.ops[KSIM_OP_SSCH];
	snap->halts = s->dev.ops[KSIM_OP_HSCH];
	snap->clears = s->dev.ops[KSIM_OP_CSCH];
	snap->enables = s->dev.ops[KSIM_OP_ENABLE];
	snap->disables = s->dev.ops[KSIM_OP_DISABLE];
	snap->user_irbs = s->io_trigger.count;
	memcpy(&snap->user_irb, private->io_region.irb_area,
	       sizeof(snap->user_irb));
	snap->lpm = s->sch.lpm;
	snap->unreg_due = s->dev.unreg_due;
	snap->misuse = s->dev.misuse;
	snap->warnings = kshim_warnings;
	snap->traced = s->traced;
	snap->done = completion_done(&private->completion, &snap->sleepers);
	snap->quiesced = completion_done(&private->quiesced, NULL);
	spin_unlock_irq(&s->sch.lock);
	mutex_unlock(&private->io_mutex);
}

unsigned int sim_bad(struct sim *s, enum sim_bad bad)
{
	unsigned int n;

	mutex_lock(&s->private.io_mutex);
	n = s->bad[bad];
	mutex_unlock(&s->private.io_mutex);
	return n;
}

void sim_clear_bad(struct sim *s)
{
	mutex_lock(&s->private.io_mutex);
	memset(s->bad, 0, sizeof(s->bad));
	mutex_unlock(&s->private.io_mutex);
}

/* ---------------------------------------------- the driver's callers */

void sim_req_start(struct ccw_io_region *req, u8 lpm)
{
	union scsw scsw = {};
	union orb orb = {};

	memset(req, 0, sizeof(*req));
	scsw.cmd.fctl = SCSW_FCTL_START_FUNC;
	orb.cmd.lpm = lpm;
	memcpy(req->scsw_area, &scsw, sizeof(req->scsw_area));
	memcpy(req->orb_area, &orb, sizeof(req->orb_area));
}

/* Returning to user space delivers the signal pending, if any. */
int sim_write(struct sim *s, const struct ccw_io_region *req)
{
	int ret = vfio_ccw_fsm_write(&s->private, req);

	pthread_mutex_lock(&s->private.completion.lock);
	kshim_signal_pending = false;
	pthread_mutex_unlock(&s->private.completion.lock);
	return ret;
}

int sim_event(struct sim *s, enum vfio_ccw_event event)
{
	return vfio_ccw_fsm_event(&s->private, event);
}

int sim_async(struct sim *s, u32 cmd)
{
	return vfio_ccw_async_request(&s->private, cmd);
}

/*
 * Mirrors vfio_ccw_css_sch_event() (kernel/vfio_ccw_drv.c, not compiled
 * here) for a bound mdev: SCHIB_CHANGED, then NOT_OPER and the css's
 * unregistration if the device is still gone, under one io_mutex hold.
 */
void sim_css_event(struct sim *s)
{
	struct vfio_ccw_private *private = &s->private;
	struct subchannel *sch = &s->sch;

	mutex_lock(&private->io_mutex);
	vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_SCHIB_CHANGED);
	if (vfio_ccw_sch_gone(private)) {
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_NOT_OPER);
		spin_lock_irq(&sch->lock);
		css_sched_sch_todo(sch, SCH_TODO_UNREG);
		spin_unlock_irq(&sch->lock);
	}
	mutex_unlock(&private->io_mutex);
}

/* ------------------------------------------------- the work item */

/*
 * One round of vfio_ccw_io_work() (kernel/vfio_ccw_drv.c, which needs
 * more shim than it is worth to compile): io_mutex, then sch->lock around
 * the kernel's pop into private->irb, then INTERRUPT if one was popped.
 * The dropped count is kept for the tests instead of a warning.
 */
bool sim_run_work_once(struct sim *s, int *ret)
{
	struct vfio_ccw_private *private = &s->private;
	struct subchannel *sch = private->sch;
	int answer = 0;
	bool popped;

	mutex_lock(&private->io_mutex);
	spin_lock_irq(&sch->lock);
	popped = vfio_ccw_irb_pop(private, &private->irb);
	s->irb_dropped += private->irb_dropped;
	private->irb_dropped = 0;
	spin_unlock_irq(&sch->lock);
	if (popped)
		answer = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_INTERRUPT);
	mutex_unlock(&private->io_mutex);
	if (ret)
		*ret = answer;
	return popped;
}

/* vfio_ccw_io_work(): rounds while one pops */
static void sim_io_work(struct sim *s)
{
	while (sim_run_work_once(s, NULL))
		;
}

/* queue_work(), from the IRQ (sch.lock held) */
static void sim_queue_work(struct sim *s)
{
	pthread_mutex_lock(&s->work_lock);
	s->work_queued = true;
	pthread_cond_signal(&s->work_cond);
	pthread_mutex_unlock(&s->work_lock);
}

static void *work_thread(void *arg)
{
	struct sim *s = arg;

	for (;;) {
		pthread_mutex_lock(&s->work_lock);
		while (!s->work_queued && !s->work_stop)
			pthread_cond_wait(&s->work_cond, &s->work_lock);
		if (!s->work_queued) {
			pthread_mutex_unlock(&s->work_lock);
			return NULL;
		}
		s->work_queued = false;
		pthread_mutex_unlock(&s->work_lock);
		sim_io_work(s);
	}
}

void sim_start_work(struct sim *s)
{
	s->work_stop = false;
	if (pthread_create(&s->work, NULL, work_thread, s)) {
		perror("pthread_create");
		exit(2);
	}
	s->work_running = true;
}

/* Runs what is queued, then ends the work thread (cancel_work_sync) */
void sim_stop_work(struct sim *s)
{
	if (!s->work_running)
		return;
	pthread_mutex_lock(&s->work_lock);
	s->work_stop = true;
	pthread_cond_signal(&s->work_cond);
	pthread_mutex_unlock(&s->work_lock);
	pthread_join(s->work, NULL);
	s->work_running = false;
}

/* ------------------------------------------------- the IRQ handler */

/*
 * sch.lock held: the I/O interrupt. Status another CPU's tsch took (an
 * msch that lost the race, ksim's 'taken') is that CPU's interrupt, run
 * next; else an enabled subchannel's status pending is taken by tsch.
 * Then as vfio_ccw_css_irq(): the kernel's push, and the work queued.
 */
static bool sim_irq_locked(struct sim *s)
{
	struct ksim_dev *dev = &s->dev;
	enum ksim_irb kind;
	struct irb irb;

	if (dev->taken) {
		kind = dev->taken;
		dev->taken = KSIM_IRB_NONE;
	} else if (dev->pending && dev->enabled) {
		kind = dev->pending;
		dev->pending = KSIM_IRB_NONE;
	} else {
		return false;
	}
	ksim_irb_make(&irb, kind);
	vfio_ccw_irb_push(&s->private, &irb);
	sim_queue_work(s);
	return true;
}

bool sim_irq_take(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = sim_irq_locked(s);
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

/* ------------------------------------------------------ the channel */

/* sch.lock held: a start the kernel issued since we last looked */
static void sim_sync_start(struct sim *s)
{
	if (s->dev.ops[KSIM_OP_SSCH] == s->seen_ssch)
		return;
	s->seen_ssch = s->dev.ops[KSIM_OP_SSCH];
	s->pci_left = s->pci_random ? (int)(rand_r(&s->seed) % (s->pci + 1)) :
				      s->pci;
}

/* sch.lock held: nothing pending (the model's sch_status), none taken */
static bool may_present(struct sim *s)
{
	sim_sync_start(s);
	return s->dev.pending == KSIM_IRB_NONE && !s->dev.taken;
}

/*
 * sch.lock held: the status pending. Unless a test holds it, the IRQ
 * takes it at once (an enabled subchannel), atomic with the presentation
 * as in the model.
 */
static void make_pending(struct sim *s, enum ksim_irb kind)
{
	s->dev.pending = kind;
	if (!s->hold)
		sim_irq_locked(s);
}

/* The device answers a start or a halt: not hung, not cut off, no clear */
static bool answers(struct sim *s)
{
	return !s->hung && !s->stalled && !s->dev.clears;
}

bool present_intermediate(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.active && s->pci_left > 0 && answers(s);
	if (ok) {
		s->pci_left--;
		make_pending(s, KSIM_IRB_INTERMEDIATE);
	}
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

/*
 * The program's end: the final interrupt, or (@kind KSIM_IRB_CHANNEL_END)
 * its channel end, the device end to come later
 */
static bool present_end(struct sim *s, enum ksim_irb kind)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.active && !s->pci_left &&
	     !s->dev.halt && answers(s);
	if (ok) {
		s->dev.active = false;
		s->dev.settling = kind == KSIM_IRB_CHANNEL_END;
		make_pending(s, kind);
	}
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

bool present_final(struct sim *s)
{
	return present_end(s, KSIM_IRB_FINAL);
}

bool present_channel_end(struct sim *s)
{
	return present_end(s, KSIM_IRB_CHANNEL_END);
}

bool present_device_end(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.settling && !s->dev.halt && answers(s);
	if (ok) {
		s->dev.settling = false;
		make_pending(s, KSIM_IRB_DEVICE_END);
	}
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

bool present_halt_done(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.halt && answers(s);
	if (ok) {
		s->dev.halt = false;
		s->dev.active = false;
		s->dev.settling = false;
		s->pci_left = 0;
		make_pending(s, KSIM_IRB_HALT_DONE);
	}
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

/* A clear is always answered (unless deaf), resetting the device. */
bool present_clear_done(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.clears && !s->deaf;
	if (ok) {
		s->dev.clears = 0;
		s->dev.active = false;
		s->dev.settling = false;
		s->dev.halt = false;
		s->pci_left = 0;
		s->hung = false;
		s->stalled = false;
		make_pending(s, KSIM_IRB_CLEAR_DONE);
	}
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

bool present_unsolicited(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = may_present(s) && s->dev.enabled && !s->dev.active &&
	     !s->dev.settling &&
	     !s->dev.lost;
	if (ok)
		make_pending(s, KSIM_IRB_UNSOLICITED);
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

void sim_make_pending(struct sim *s, enum ksim_irb kind)
{
	spin_lock_irq(&s->sch.lock);
	make_pending(s, kind);
	spin_unlock_irq(&s->sch.lock);
}

bool hang_device(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = s->dev.active && !s->hung;
	s->hung |= ok;
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

bool lose_path(struct sim *s)
{
	bool ok;

	spin_lock_irq(&s->sch.lock);
	ok = s->dev.active && !s->stalled;
	s->stalled |= ok;
	if (ok)		/* chp_event: our I/O was on it (lpum) */
		vfio_ccw_path_went(&s->private);
	spin_unlock_irq(&s->sch.lock);
	return ok;
}

void sim_set_deaf(struct sim *s, bool deaf)
{
	spin_lock_irq(&s->sch.lock);
	s->deaf = deaf;
	spin_unlock_irq(&s->sch.lock);
}

void sim_hold_irqs(struct sim *s, bool hold)
{
	spin_lock_irq(&s->sch.lock);
	s->hold = hold;
	spin_unlock_irq(&s->sch.lock);
}

/*
 * The device vanishes with its I/O; sim_css_event() reports it. msch
 * answers cc 3 now: the subchannel stays enabled, whatever the kernel
 * tries, until the css unregisters it.
 */
void lose_device(struct sim *s)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.lost = true;
	s->dev.active = false;
	s->dev.settling = false;
	s->dev.halt = false;
	s->dev.clears = 0;
	s->dev.pending = KSIM_IRB_NONE;
	s->pci_left = 0;
	s->hung = false;
	s->stalled = false;
	spin_unlock_irq(&s->sch.lock);
}

void return_device(struct sim *s)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.lost = false;
	spin_unlock_irq(&s->sch.lock);
}

/* A subchannel left enabled (by a driver bound before us, say) */
void sim_set_enabled(struct sim *s, bool on)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.enabled = on;
	spin_unlock_irq(&s->sch.lock);
}

void sim_set_pci(struct sim *s, int pci, bool random)
{
	spin_lock_irq(&s->sch.lock);
	s->pci = pci;
	s->pci_random = random;
	spin_unlock_irq(&s->sch.lock);
}

/* cp_init() reads this oracle under io_mutex only (it runs in IO_REQ) */
void sim_fail_translate(struct sim *s)
{
	mutex_lock(&s->private.io_mutex);
	s->dev.fail_translate = true;
	mutex_unlock(&s->private.io_mutex);
}

void sim_fail_enable(struct sim *s)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.fail_enable = true;
	spin_unlock_irq(&s->sch.lock);
}

void sim_race_msch(struct sim *s)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.race_msch = true;
	spin_unlock_irq(&s->sch.lock);
}

void sim_dead_paths(struct sim *s, u8 paths)
{
	spin_lock_irq(&s->sch.lock);
	s->dev.dead_paths = paths;
	spin_unlock_irq(&s->sch.lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated subchannel: completion, FSM mutex, IRQ handler, work
 * thread, channel, writer path, and the hooks the generated table needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

bool sim_verbose;

const char *const sim_bad_names[NR_SIM_BAD] = {
	[BAD_START_BUSY] = "start while the device is active",
	[BAD_START_GUEST] = "start without a guest",
	[BAD_CP_FREE] = "cp freed while in use, translating, or twice",
	[BAD_CP_RELEASED] = "cp left in STANDBY/NOT_OPER",
	[BAD_NOT_OPER_LEFT] = "NOT_OPER left",
	[BAD_ENABLED] = "subchannel enabled without a guest",
};

const char *sim_state_name(enum vfio_ccw_state state)
{
	if ((unsigned int)state >= NR_VFIO_CCW_STATES)
		return "?";
	return vfio_ccw_state_names[state];
}

const char *sim_event_name(enum vfio_ccw_event event)
{
	if ((unsigned int)event >= NR_VFIO_CCW_EVENTS)
		return "?";
	return vfio_ccw_event_names[event];
}

unsigned int sim_read(unsigned int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

void sim_count(unsigned int *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

static void init_cond(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

static void deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ------------------------------------------------------- completion */

void init_completion(struct completion *x)
{
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->wait, NULL);
	x->done = 0;
	x->sleepers = 0;
}

void reinit_completion(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = 0;
	pthread_mutex_unlock(&x->lock);
}

void complete(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	if (x->done != SIM_DONE_ALL)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = SIM_DONE_ALL;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

/*
 * Take one unit of done if there is one (none from complete_all()'s
 * UINT_MAX); a pending signal ends the wait only while done is 0.
 */
int wait_for_completion_interruptible(struct completion *x, int *sigpending)
{
	int ret = 0;

	pthread_mutex_lock(&x->lock);
	x->sleepers++;
	while (!x->done) {
		if (sigpending && *sigpending) {
			ret = -EINTR;
			break;
		}
		pthread_cond_wait(&x->wait, &x->lock);
	}
	if (!ret && x->done != SIM_DONE_ALL)
		x->done--;
	x->sleepers--;
	pthread_mutex_unlock(&x->lock);
	return ret;
}

/* A signal for one writer: every sleeper rechecks, only that one cares. */
void sim_signal(struct vfio_ccw_private *private, int *sigpending)
{
	struct completion *x = &private->completion;

	pthread_mutex_lock(&x->lock);
	*sigpending = 1;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

/* Returning to user space delivers whatever signal is pending. */
static void deliver_signal(struct vfio_ccw_private *private, int *sigpending)
{
	pthread_mutex_lock(&private->completion.lock);
	*sigpending = 0;
	pthread_mutex_unlock(&private->completion.lock);
}

/* ------------------------------------------------------ FSM mutex */

static int sim_next_tid;
static __thread int sim_tid;

static int current_tid(void)
{
	if (!sim_tid)
		sim_tid = __atomic_add_fetch(&sim_next_tid, 1, __ATOMIC_RELAXED);
	return sim_tid;
}

void sim_lock(struct vfio_ccw_private *private)
{
	pthread_mutex_lock(&private->fsm_mutex);
	__atomic_store_n(&private->fsm_owner, current_tid(), __ATOMIC_RELAXED);
}

void sim_unlock(struct vfio_ccw_private *private)
{
	if (__atomic_load_n(&private->fsm_owner, __ATOMIC_RELAXED) != current_tid())
		sim_count(&private->lock_violations);
	__atomic_store_n(&private->fsm_owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&private->fsm_mutex);
}

int sim_event(struct vfio_ccw_private *private, enum vfio_ccw_event event)
{
	int ret;

	sim_lock(private);
	ret = vfio_ccw_fsm_dispatch(private, event);
	sim_unlock(private);
	return ret;
}

/*
 * The css callbacks for a subchannel event: re-read the schib; for a
 * report that the device is gone, the driver's remove raises NOT_OPER,
 * but only if it is still gone when looked at under the mutex: a stale
 * report must not tear down a device that answers again.
 */
void sim_css_event(struct vfio_ccw_private *private, bool gone)
{
	bool lost;

	sim_event(private, VFIO_CCW_EVENT_SCHIB_CHANGED);
	if (!gone)
		return;
	sim_lock(private);
	pthread_mutex_lock(&private->dev_lock);
	lost = private->dev.lost;
	pthread_mutex_unlock(&private->dev_lock);
	if (lost)
		vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_NOT_OPER);
	sim_unlock(private);
}

/*
 * The I/O region's write: the mutex covers the dispatch only; a busy
 * subchannel answers RETRY and the writer sleeps outside the mutex. A
 * writer woken for a start it then does not make wakes the next sleeper.
 */
int sim_write_ssch(struct vfio_ccw_private *private, int *sigpending)
{
	bool woken;
	int ret;

	for (woken = false;; woken = true) {
		sim_lock(private);
		ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_IO_REQ);
		sim_unlock(private);
		if (ret != VFIO_CCW_FSM_RETRY) {
			if (woken && ret)
				complete(&private->completion);
			break;
		}
		ret = wait_for_completion_interruptible(&private->completion,
							sigpending);
		if (ret)
			break;
	}
	if (sigpending)
		deliver_signal(private, sigpending);
	return ret;
}

/*
 * The async region's write, as vfio_ccw_async_request() does it: the
 * command is stored for the action, ASYNC_REQ dispatched, never a sleep.
 */
int sim_async(struct vfio_ccw_private *private, unsigned int cmd)
{
	int ret;

	if (cmd != SIM_ASYNC_HSCH && cmd != SIM_ASYNC_CSCH &&
	    cmd != SIM_ASYNC_PATH_GONE)
		return -EINVAL;
	sim_lock(private);
	private->async_cmd = cmd;
	ret = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_ASYNC_REQ);
	private->async_cmd = 0;
	sim_unlock(private);
	return ret;
}

static enum vfio_ccw_state sim_state_now(struct vfio_ccw_private *private)
{
	enum vfio_ccw_state state;

	sim_lock(private);
	state = private->state;
	sim_unlock(private);
	return state;
}

/*
 * vfio_ccw_go_offline() with a tick of @tick_ms: the kernel's wait on the
 * quiesced completion is a poll of the state here.
 */
enum vfio_ccw_state sim_go_offline(struct vfio_ccw_private *private,
				   long tick_ms, int give_up)
{
	enum vfio_ccw_state state;
	int ticks = 0;
	double end;

	sim_event(private, VFIO_CCW_EVENT_CLOSE);
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		end = ts.tv_sec + ts.tv_nsec / 1e9 + tick_ms / 1000.0;
		do {
			state = sim_state_now(private);
			if (state != VFIO_CCW_STATE_QUIESCING)
				return state;
			ts.tv_sec = 0;
			ts.tv_nsec = 100000;
			nanosleep(&ts, NULL);
			clock_gettime(CLOCK_MONOTONIC, &ts);
		} while (ts.tv_sec + ts.tv_nsec / 1e9 < end);

		sim_lock(private);
		if (private->state == VFIO_CCW_STATE_QUIESCING) {
			if (!ticks)
				vfio_ccw_fsm_dispatch(private,
						      VFIO_CCW_EVENT_CLOSE);
			else if (ticks == give_up)
				vfio_ccw_fsm_dispatch(private,
						      VFIO_CCW_EVENT_NOT_OPER);
			ticks++;
		}
		sim_unlock(private);
	}
}

/* --------------------------------------------------- channel program */

void sim_cp_alloc(struct vfio_ccw_private *private)
{
	if (private->cp_live)
		sim_count(&private->bad[BAD_CP_FREE]);
	private->cp_live = true;
	private->cp_allocs++;
}

void sim_cp_free(struct vfio_ccw_private *private)
{
	bool active;

	pthread_mutex_lock(&private->dev_lock);
	active = private->dev.active;
	pthread_mutex_unlock(&private->dev_lock);
	if (!private->cp_live || active || private->cp_translating)
		sim_count(&private->bad[BAD_CP_FREE]);
	private->cp_live = false;
	private->cp_frees++;
}

/* ----------------------------------------------------- the IRQ side */

/* dev_lock held: whether an IRB of this kind waits for the work */
bool sim_irb_queued(struct vfio_ccw_private *private, enum sim_irb kind)
{
	unsigned int i;

	for (i = 0; i < private->ring_count; i++)
		if (private->ring[(private->ring_head + i) % SIM_IRB_SLOTS] == kind)
			return true;
	return false;
}

/* dev_lock held: drop IRBs queued before a disable, they are stale. */
void sim_flush_irbs(struct vfio_ccw_private *private)
{
	private->ring_count = 0;
	pthread_cond_broadcast(&private->irb_space);
}

/*
 * dev_lock held. Like a channel with status pending, the device cannot
 * present a new interrupt before the last ones were collected; waits
 * for a slot, and counts an overflow (a test failure) after a second.
 */
static bool ring_wait_space(struct vfio_ccw_private *private)
{
	struct timespec until;

	deadline(&until, 1000);
	while (private->ring_count == SIM_IRB_SLOTS) {
		if (pthread_cond_timedwait(&private->irb_space,
					   &private->dev_lock, &until)) {
			sim_count(&private->irb_overflows);
			return false;
		}
	}
	return true;
}

/* IRQ context, dev_lock held: copy the IRB, wake the work; no FSM. */
static void irq_handler(struct vfio_ccw_private *private, enum sim_irb kind)
{
	unsigned int tail;

	tail = (private->ring_head + private->ring_count) % SIM_IRB_SLOTS;
	private->ring[tail] = kind;
	private->ring_count++;
	pthread_cond_signal(&private->irb_ready);
}

static enum sim_irb ring_pop(struct vfio_ccw_private *private)
{
	enum sim_irb kind;

	if (!private->ring_count)
		return IRB_NONE;
	kind = private->ring[private->ring_head];
	private->ring_head = (private->ring_head + 1) % SIM_IRB_SLOTS;
	private->ring_count--;
	pthread_cond_broadcast(&private->irb_space);
	return kind;
}

/*
 * One round of the work item: the oldest IRB is taken under the FSM
 * mutex, so that a disable flushing the ring cannot race with it.
 */
bool sim_run_work_once(struct vfio_ccw_private *private, int *ret)
{
	enum sim_irb kind;
	int answer = 0;

	sim_lock(private);
	pthread_mutex_lock(&private->dev_lock);
	kind = ring_pop(private);
	pthread_mutex_unlock(&private->dev_lock);
	if (kind != IRB_NONE) {
		private->cur_irb = kind;
		answer = vfio_ccw_fsm_dispatch(private, VFIO_CCW_EVENT_INTERRUPT);
		private->cur_irb = IRB_NONE;
	}
	sim_unlock(private);
	if (ret)
		*ret = answer;
	return kind != IRB_NONE;
}

static void *work_thread(void *arg)
{
	struct vfio_ccw_private *private = arg;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&private->dev_lock);
		while (!private->ring_count && !private->work_stop)
			pthread_cond_wait(&private->irb_ready, &private->dev_lock);
		stop = private->work_stop && !private->ring_count;
		pthread_mutex_unlock(&private->dev_lock);
		if (stop)
			return NULL;
		sim_run_work_once(private, NULL);
	}
}

void sim_start_work(struct vfio_ccw_private *private)
{
	private->work_stop = false;
	if (pthread_create(&private->work, NULL, work_thread, private)) {
		perror("pthread_create");
		exit(2);
	}
	private->work_running = true;
}

/* Drains what is queued, then ends the work thread. */
void sim_stop_work(struct vfio_ccw_private *private)
{
	if (!private->work_running)
		return;
	pthread_mutex_lock(&private->dev_lock);
	private->work_stop = true;
	pthread_cond_broadcast(&private->irb_ready);
	pthread_mutex_unlock(&private->dev_lock);
	pthread_join(private->work, NULL);
	private->work_running = false;
}

/* ------------------------------------------------------ the channel */

/*
 * dev_lock held: the device makes status pending. Unless a test holds
 * them (sim_hold_irqs()), the IRQ takes it at once, atomic with the
 * presentation, as in the model; else it waits for sim_irq_take(), and
 * nothing more is presented meanwhile (the model's sch_status).
 */
static bool may_present(struct vfio_ccw_private *private)
{
	if (private->dev.hold)
		return private->dev.pending == IRB_NONE;
	return ring_wait_space(private);
}

static void make_pending(struct vfio_ccw_private *private, enum sim_irb kind)
{
	if (private->dev.hold)
		private->dev.pending = kind;
	else
		irq_handler(private, kind);
}

/* The device answers a start or a halt: not hung, not cut off, no clear */
static bool answers(struct sim_device *dev)
{
	return !dev->hung && !dev->stalled && !dev->clears;
}

bool present_intermediate(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = dev->active && dev->intermediate > 0 && answers(dev) &&
	     may_present(private);
	if (ok) {
		dev->intermediate--;
		make_pending(private, IRB_INTERMEDIATE);
	}
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

bool present_final(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = dev->active && !dev->intermediate && !dev->halt && answers(dev) &&
	     may_present(private);
	if (ok) {
		dev->active = false;
		make_pending(private, IRB_FINAL);
	}
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

bool present_halt_done(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = dev->halt && answers(dev) && may_present(private);
	if (ok) {
		dev->halt = false;
		dev->active = false;
		dev->intermediate = 0;
		make_pending(private, IRB_HALT_DONE);
	}
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

/* A clear is answered always, resetting a hung or cut-off device. */
bool present_clear_done(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = dev->clears > 0 && !dev->deaf && may_present(private);
	if (ok) {
		dev->clears = 0;
		dev->active = false;
		dev->intermediate = 0;
		dev->hung = false;
		dev->stalled = false;
		make_pending(private, IRB_CLEAR_DONE);
	}
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

bool present_unsolicited(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = dev->enabled && !dev->active && !dev->lost && may_present(private);
	if (ok)
		make_pending(private, IRB_UNSOLICITED);
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

/* The device stops answering, halt included, until a clear. */
bool hang_device(struct vfio_ccw_private *private)
{
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = private->dev.active && !private->dev.hung;
	private->dev.hung |= ok;
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

/* The path the I/O runs on goes: chp_event's work must clear it. */
bool lose_path(struct vfio_ccw_private *private)
{
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = private->dev.active && !private->dev.stalled;
	private->dev.stalled |= ok;
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

void sim_hold_irqs(struct vfio_ccw_private *private, bool hold)
{
	pthread_mutex_lock(&private->dev_lock);
	private->dev.hold = hold;
	pthread_mutex_unlock(&private->dev_lock);
}

/* The IRQ: takes the status pending (tsch) into the ring, if enabled. */
bool sim_irq_take(struct vfio_ccw_private *private)
{
	bool ok;

	pthread_mutex_lock(&private->dev_lock);
	ok = private->dev.pending != IRB_NONE && private->dev.enabled &&
	     ring_wait_space(private);
	if (ok) {
		irq_handler(private, private->dev.pending);
		private->dev.pending = IRB_NONE;
	}
	pthread_mutex_unlock(&private->dev_lock);
	return ok;
}

/* The device vanishes with its I/O; sim_css_event(, true) reports it. */
void lose_device(struct vfio_ccw_private *private)
{
	struct sim_device *dev = &private->dev;

	pthread_mutex_lock(&private->dev_lock);
	dev->lost = true;
	dev->active = false;
	dev->intermediate = 0;
	dev->clears = 0;
	dev->halt = false;
	dev->hung = false;
	dev->stalled = false;
	dev->pending = IRB_NONE;
	pthread_mutex_unlock(&private->dev_lock);
}

/* The device answers again; sim_css_event(, false) reports it. */
void return_device(struct vfio_ccw_private *private)
{
	pthread_mutex_lock(&private->dev_lock);
	private->dev.lost = false;
	pthread_mutex_unlock(&private->dev_lock);
}

/* A stray interrupt, whatever the device state: for the table's corners. */
void sim_irq_inject(struct vfio_ccw_private *private, enum sim_irb kind)
{
	pthread_mutex_lock(&private->dev_lock);
	if (ring_wait_space(private))
		irq_handler(private, kind);
	pthread_mutex_unlock(&private->dev_lock);
}

/* ----------------------------------------------- setup and teardown */

struct vfio_ccw_private *sim_create(void)
{
	struct vfio_ccw_private *private = calloc(1, sizeof(*private));

	if (!private) {
		perror("calloc");
		exit(2);
	}
	private->state = VFIO_CCW_STATE_NOT_OPER;
	pthread_mutex_init(&private->fsm_mutex, NULL);
	pthread_mutex_init(&private->dev_lock, NULL);
	init_cond(&private->irb_ready);
	init_cond(&private->irb_space);
	init_completion(&private->completion);
	private->knob.force_next = -1;
	private->seed = 1;
	private->dev.lpm = 0xc0;	/* two paths */
	return private;
}

void sim_destroy(struct vfio_ccw_private *private)
{
	sim_stop_work(private);
	pthread_mutex_destroy(&private->fsm_mutex);
	pthread_mutex_destroy(&private->dev_lock);
	pthread_cond_destroy(&private->irb_ready);
	pthread_cond_destroy(&private->irb_space);
	pthread_mutex_destroy(&private->completion.lock);
	pthread_cond_destroy(&private->completion.wait);
	free(private);
}

void sim_snapshot(struct vfio_ccw_private *private, struct sim_snapshot *s)
{
	sim_lock(private);
	pthread_mutex_lock(&private->dev_lock);
	pthread_mutex_lock(&private->completion.lock);
	s->state = private->state;
	s->dev = private->dev;
	s->ring_count = private->ring_count;
	s->cp_live = private->cp_live;
	s->halts = private->halts;
	s->clears = private->clears;
	s->cp_allocs = private->cp_allocs;
	s->cp_frees = private->cp_frees;
	s->starts = private->starts;
	s->user_irbs = private->user_irbs;
	s->done = private->completion.done;
	s->sleepers = private->completion.sleepers;
	pthread_mutex_unlock(&private->completion.lock);
	pthread_mutex_unlock(&private->dev_lock);
	sim_unlock(private);
}

/* ------------------------------------- hooks of the generated table */

enum vfio_ccw_state *vfio_ccw_fsm_state(struct vfio_ccw_private *private)
{
	return &private->state;
}

void vfio_ccw_fsm_assert_locked(struct vfio_ccw_private *private)
{
	if (__atomic_load_n(&private->fsm_owner, __ATOMIC_RELAXED) != current_tid()) {
		sim_count(&private->lock_violations);
		if (sim_verbose)
			fprintf(stderr, "fsm: dispatch without the FSM mutex\n");
	}
}

static bool guest_state(enum vfio_ccw_state state)
{
	return state == VFIO_CCW_STATE_IDLE || state == VFIO_CCW_STATE_BUSY ||
	       state == VFIO_CCW_STATE_QUIESCING;
}

/*
 * Called with the next state about to be written: the place to check
 * the model's state invariants (cp_released, not_oper_final,
 * no_io_without_guest) on every transition.
 */
void vfio_ccw_fsm_trace(struct vfio_ccw_private *private,
			enum vfio_ccw_state from, enum vfio_ccw_event event,
			enum vfio_ccw_state to, int ret)
{
	bool enabled;

	pthread_mutex_lock(&private->dev_lock);
	enabled = private->dev.enabled;
	pthread_mutex_unlock(&private->dev_lock);

	if (!guest_state(to) && private->cp_live)
		sim_count(&private->bad[BAD_CP_RELEASED]);
	if (!guest_state(to) && enabled)
		sim_count(&private->bad[BAD_ENABLED]);
	if (from == VFIO_CCW_STATE_NOT_OPER && to != from && private->initialized)
		sim_count(&private->bad[BAD_NOT_OPER_LEFT]);
	if (event == VFIO_CCW_EVENT_INIT)
		private->initialized = true;

	private->last_from = from;
	private->last_event = event;
	private->last_to = to;
	private->last_ret = ret;
	private->traced++;
	if (to != from)
		private->entered[to]++;
	if (sim_verbose)
		fprintf(stderr, "fsm: %s x %s -> %s ret %d\n", sim_state_name(from),
			sim_event_name(event), sim_state_name(to), ret);
}

void vfio_ccw_fsm_unverified(struct vfio_ccw_private *private,
			     enum vfio_ccw_state from, enum vfio_ccw_event event,
			     enum vfio_ccw_state to)
{
	sim_count(&private->unverified);
	if (sim_verbose)
		fprintf(stderr, "fsm: unverified %s(%d) x %s(%d) -> %s(%d)\n",
			sim_state_name(from), from, sim_event_name(event), event,
			sim_state_name(to), to);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kshim: locks, completions, jiffies, messages and eventfds for the
 * kernel's files built in user space (kshim.h says what stands for what).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "ksim.h"

unsigned int kshim_warnings;
unsigned long kshim_transitions;
__thread bool kshim_signal_pending;
bool kshim_quiet;	/* messages counted, not printed (the lockstep) */
unsigned int kshim_messages;
unsigned int kshim_hz_scale = 1;
void (*kshim_trace_hook)(struct subchannel_id schid, const char *from,
			 const char *ev, const char *to, int ret);
struct kshim_trace_last kshim_async_requests, kshim_io_requests,
			kshim_chp_events;

/* The s390dbf areas vfio_ccw_drv.c registers in the kernel */
static debug_info_t kshim_dbf_msg = { .name = "vfio_ccw_msg" };
static debug_info_t kshim_dbf_trace = { .name = "vfio_ccw_trace" };
debug_info_t *vfio_ccw_debug_msg_id = &kshim_dbf_msg;
debug_info_t *vfio_ccw_debug_trace_id = &kshim_dbf_trace;

void kshim_lock_init(struct kshim_lock *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->held = false;
}

void kshim_lock(struct kshim_lock *l)
{
	/*
	 * Taken again by its holder: a deadlock in the kernel. Read without
	 * the lock, as atomics: held is stored (release) after owner, so a
	 * held seen set comes with its holder's owner.
	 */
	if (__atomic_load_n(&l->held, __ATOMIC_ACQUIRE) &&
	    pthread_equal(__atomic_load_n(&l->owner, __ATOMIC_RELAXED),
			  pthread_self())) {
		fprintf(stderr, "kshim: lock taken again by its holder: deadlock\n");
		abort();
	}
	pthread_mutex_lock(&l->m);
	__atomic_store_n(&l->owner, pthread_self(), __ATOMIC_RELAXED);
	__atomic_store_n(&l->held, true, __ATOMIC_RELEASE);
}

void kshim_unlock(struct kshim_lock *l)
{
	kshim_assert_held(l, "the lock being released");
	__atomic_store_n(&l->held, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->m);
}

/* lockdep_assert_held(): a kernel bug, so fatal here */
void kshim_assert_held(struct kshim_lock *l, const char *what)
{
	if (!l->held || !pthread_equal(l->owner, pthread_self())) {
		fprintf(stderr, "kshim: lockdep_assert_held(%s) failed\n", what);
		abort();
	}
}

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
	if (x->done != UINT_MAX)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = UINT_MAX;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

/* Take one unit of done, UINT_MAX stays; true if there was one */
static bool completion_take(struct completion *x)
{
	if (!x->done)
		return false;
	if (x->done != UINT_MAX)
		x->done--;
	return true;
}

/*
 * Sleeps until completed or kshim_signal_pending is set for this thread;
 * a signal is seen within 1 ms (set from another thread, then
 * kshim_kick() the completion to see it at once).
 */
int wait_for_completion_interruptible(struct completion *x)
{
	int ret = 0;

	pthread_mutex_lock(&x->lock);
	x->sleepers++;
	while (!completion_take(x)) {
		struct timespec ts;

		if (kshim_signal_pending) {
			ret = -ERESTARTSYS;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&x->wait, &x->lock, &ts);
	}
	x->sleepers--;
	pthread_mutex_unlock(&x->lock);
	return ret;
}

/* Under @x's lock, which the sleeper reads its signal under */
void kshim_kick(struct completion *x, bool *pending)
{
	pthread_mutex_lock(&x->lock);
	*pending = true;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;
	unsigned long left = 0;

	pthread_mutex_lock(&x->lock);
	x->sleepers++;
	while (!completion_take(x)) {
		struct timespec ts;
		unsigned long now = jiffies;

		if (time_after_eq(now, deadline))
			goto out;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* a jiffy is 1000000 / kshim_hz_scale ns of wall clock */
		ts.tv_nsec += (long)(deadline - now) * (1000000L / kshim_hz_scale);
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&x->wait, &x->lock, &ts);
	}
	left = time_after_eq(jiffies, deadline) ? 1 : deadline - jiffies;
out:
	x->sleepers--;
	pthread_mutex_unlock(&x->lock);
	return left;
}

unsigned long kshim_jiffies(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long)ts.tv_sec * HZ +
		ts.tv_nsec / (1000000000L / HZ)) * kshim_hz_scale;
}

void kshim_message(const struct device *dev, const char *level,
		   const char *fmt, ...)
{
	va_list ap;

	kshim_messages++;
	if (kshim_quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "[%s] %s: ", level, dev && dev->name ? dev->name : "-");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void kshim_debug_sprintf(debug_info_t *id, int level, const char *fmt, ...)
{
	if (id)
		id->entries++;
}

void eventfd_signal(struct eventfd_ctx *ctx)
{
	ctx->count++;
	if (ctx->log)
		ksim_log(ctx->log, ctx->op);
}

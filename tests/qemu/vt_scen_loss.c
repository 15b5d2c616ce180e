// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 5, the device lost under its users. The host
 * (tests/qemu/run.py) unplugs a device through QMP when asked with a
 * "vt: qmp device_del ID" line.
 *
 * Twice, one device each: rng1 with writers starting SENSE IDs in a loop,
 * then rng2 with a writer asleep behind a suspended program, which only
 * the loss can wake. rng0, the device of the other scenarios, stays. Every writer must come back with ENODEV or EIO, the
 * close must not hang, and the subchannel must go away.
 *
 * The guest learns of an unplug from a channel report (CRW), which makes
 * the css call the driver's sch_event(). Should the loss go unnoticed for
 * NUDGE_AFTER seconds, the guest asks for a css rescan (/sys/devices/
 * css0/rescan, as an operator would), which calls it for every
 * subchannel; the run says whether it had to. The FSM tracepoint shows
 * what the driver made of the loss, and the s390 cio one how many CRWs
 * the guest stored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define LOSS_WRITERS	2
#define WAKE_MAX	30.0	/* s: for every writer to return */
#define GONE_MAX	30.0	/* s: for the subchannel to go */
#define NUDGE_AFTER	10.0	/* s: see above */

/* One loss: which device, when asked for, whether a rescan was needed */
struct loss {
	struct vt_env env;
	const char *qmp_id;
	double asked;
	bool nudged;
};

struct loop_writer {
	pthread_t thread;
	struct vt_dev *d;
	int slot;
	int started;
	int ret;		/* the answer that ended the loop */
	int done;
};

static void *loop_run(void *arg)
{
	struct loop_writer *w = arg;
	struct ccw_io_region r;
	int ret;

	for (;;) {
		vt_senseid_prepare(w->slot, 16, &r);
		ret = vt_write_region(w->d, &r);
		if (ret)
			break;
		__atomic_add_fetch(&w->started, 1, __ATOMIC_SEQ_CST);
		vt_msleep(1);
	}
	w->ret = ret;
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The answers a writer may get once the device is gone */
static bool loss_answer(int ret)
{
	return ret == -ENODEV || ret == -EIO;
}

static void unplug(struct loss *l)
{
	printf("vt: qmp device_del %s\n", l->qmp_id);
	fflush(stdout);
	l->asked = vt_now();
}

static void *rescan_run(void *arg)
{
	if (vt_write_file("/sys/devices/css0/rescan", "1"))
		vt_info("device-loss: %s", vt_why);
	return NULL;
}

/*
 * Called while waiting: a rescan once the loss went unnoticed a while. On
 * a thread of its own: the rescan waits for cio's work, whose unregistration
 * of the subchannel may wait for us to close the device (no request
 * eventfd here); done on the thread that closes, both would wait for good.
 */
static void nudge(struct loss *l)
{
	pthread_t thread;
	int err;

	if (l->nudged || vt_now() < l->asked + NUDGE_AFTER)
		return;
	l->nudged = true;
	err = pthread_create(&thread, NULL, rescan_run, NULL);
	if (err) {
		vt_info("device-loss: no thread for the rescan: %s",
			strerror(err));
		return;
	}
	pthread_detach(thread);
}

/* Wait for *@flag (another thread's) to be @value, nudging; -1 at @max s. */
static int wait_flag(struct loss *l, int *flag, int value, double max)
{
	double end = vt_now() + max;

	while (__atomic_load_n(flag, __ATOMIC_SEQ_CST) != value) {
		if (vt_now() > end)
			return -1;
		nudge(l);
		vt_msleep(10);
	}
	return 0;
}

/* Writers in a loop, then the loss: each ends with a loss answer. */
static int lose_under_writers(struct loss *l, struct vt_dev *d)
{
	struct loop_writer w[LOSS_WRITERS];
	double end = vt_now() + 10;
	int i, ret = 0;

	memset(w, 0, sizeof(w));
	for (i = 0; i < LOSS_WRITERS; i++) {
		w[i].d = d;
		w[i].slot = 28 + i;
		if (pthread_create(&w[i].thread, NULL, loop_run, &w[i]))
			return vt_fail("pthread_create: %m");
	}
	/* all running, several requests each */
	for (i = 0; i < LOSS_WRITERS; i++)
		while (__atomic_load_n(&w[i].started, __ATOMIC_SEQ_CST) < 10 &&
		       !__atomic_load_n(&w[i].done, __ATOMIC_SEQ_CST) &&
		       vt_now() < end)
			vt_msleep(10);
	unplug(l);
	for (i = 0; i < LOSS_WRITERS; i++) {
		if (wait_flag(l, &w[i].done, 1, WAKE_MAX)) {
			/* stuck in the kernel: cannot join, report it */
			vt_dump_blocked();
			return vt_fail("writer %d still runs %.0f s after the loss",
				       i, WAKE_MAX);
		}
		pthread_join(w[i].thread, NULL);
		vt_info("device-loss: writer %d: %d started, then %s", i,
			w[i].started, vt_err(w[i].ret));
		if (!ret && !loss_answer(w[i].ret))
			ret = vt_fail("writer %d ended with %s", i,
				      vt_err(w[i].ret));
	}
	return ret;
}

/* A writer asleep behind a suspended program, then the loss. */
static int lose_under_sleeper(struct loss *l, struct vt_dev *d)
{
	struct vt_sleeper s;

	if (vt_start_suspended(d) || vt_start_sleeper(&s, d))
		return -1;
	unplug(l);
	if (wait_flag(l, &s.state, 2, WAKE_MAX)) {
		vt_dump_blocked();
		return vt_fail("the sleeping writer still sleeps %.0f s after the loss",
			       WAKE_MAX);
	}
	pthread_join(s.thread, NULL);
	vt_info("device-loss: the sleeping writer woke %.0f ms after the unplug with %s",
		(vt_now() - l->asked) * 1e3, vt_err(s.ret));
	if (!loss_answer(s.ret))
		return vt_fail("the sleeping writer ended with %s",
			       vt_err(s.ret));
	return 0;
}

static int wait_gone(struct loss *l, const char *path)
{
	double end = vt_now() + GONE_MAX;

	while (vt_exists(path)) {
		if (vt_now() > end) {
			vt_dump_blocked();
			return vt_fail("%s still there %.0f s after the loss",
				       path, GONE_MAX);
		}
		nudge(l);
		vt_msleep(20);
	}
	return 0;
}

/* One loss: open, the loss under @lose, close, the subchannel gone. */
static int loss_round(struct loss *l,
		      int (*lose)(struct loss *l, struct vt_dev *d))
{
	char path[PATH_MAX];
	struct vt_dev d;
	double t;
	int ret;

	if (!l->env.uuid[0] && vt_setup(&l->env))
		return -1;
	vt_trace_start();
	if (vt_open(&d, l->env.uuid, l->env.group_id))
		return vt_at("open");
	ret = lose(l, &d);
	t = vt_now();
	vt_close(&d);
	vt_info("device-loss: close after the loss took %.1f ms",
		(vt_now() - t) * 1e3);
	if (ret)
		return -1;
	/* the mdev goes with its parent, once its user is gone */
	snprintf(path, sizeof(path), "/sys/bus/css/devices/%s", l->env.sch);
	if (wait_gone(l, path))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", l->env.uuid);
	if (wait_gone(l, path))
		return -1;
	l->env.uuid[0] = '\0';
	vt_info("device-loss: %s gone %.1f s after the unplug%s; %d CRWs stored",
		l->env.sch, vt_now() - l->asked,
		l->nudged ? ", once the css was rescanned" :
			    ", on its channel report",
		vt_trace_count("s390_cio_stcrw"));
	/* what the FSM made of the loss */
	snprintf(path, sizeof(path), "schid=%s", l->env.sch);
	vt_trace_lines(path, "NOT_OPER", 4);
	return 0;
}

int vt_scen_device_loss(struct vt_env *env)
{
	struct loss first = { .qmp_id = "rng1" };
	struct loss second = { .qmp_id = "rng2" };

	if (vt_find_sch(VT_DEVNO_2, first.env.sch, sizeof(first.env.sch)) ||
	    vt_find_sch(VT_DEVNO_3, second.env.sch, sizeof(second.env.sch)))
		return vt_at("the devices to unplug");
	if (loss_round(&first, lose_under_writers))
		return vt_at("writers running");
	if (loss_round(&second, lose_under_sleeper))
		return vt_at("writer asleep");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 4, a start and then at once the end of the
 * device: its file closed, or its mdev removed, a few hundred times. The
 * start is a SENSE ID (which may still be completing: its interrupt
 * racing with the close) or a suspended program (in flight for sure: the
 * close must cancel it). Every close must be quick and the next open
 * must always work.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define CLOSE_ROUNDS	300
#define REMOVE_ROUNDS	200
#define SLOT_CHURN	24
#define CLOSE_MAX	2.0	/* seconds a close may take */

/* The failure happened at @step of round @i */
static int round_at(int i, const char *step)
{
	char where[64];

	snprintf(where, sizeof(where), "round %d: %s", i, step);
	return vt_at(where);
}

/* How many closes met a start in flight, as the FSM tracepoint saw it */
static void in_flight_info(const char *name)
{
	if (vt_stock)
		return;
	vt_info("%s: CLOSE in BUSY %d times (%d of them QUIESCING), in IDLE %d times",
		name, vt_trace_count("BUSY x CLOSE"),
		vt_trace_count("BUSY x CLOSE -> QUIESCING"),
		vt_trace_count("IDLE x CLOSE"));
}

/* Round @i starts a SENSE ID (even) or a suspended program (odd). */
static int start_round(struct vt_dev *d, int i)
{
	struct ccw_io_region r;
	int ret;

	if (i % 2)
		vt_suspend_prepare(SLOT_CHURN, &r);
	else
		vt_senseid_prepare(SLOT_CHURN, 16, &r);
	ret = vt_write_region(d, &r);
	if (ret)
		return vt_fail("round %d: start: %s", i, vt_err(ret));
	return 0;
}

int vt_scen_close_after_start(struct vt_env *env)
{
	double t, slowest = 0, t0 = vt_now();
	struct vt_dev d;
	int i;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	vt_close_device(&d);
	vt_trace_start();
	for (i = 0; i < CLOSE_ROUNDS; i++) {
		if (vt_open_device_fd(&d, env->uuid)) {
			vt_close(&d);
			return round_at(i, "open after a close");
		}
		if (start_round(&d, i)) {
			vt_close(&d);
			return -1;
		}
		t = vt_now();
		vt_close_device(&d);
		t = vt_now() - t;
		if (t > slowest)
			slowest = t;
	}
	vt_close(&d);
	vt_info("close-after-start: %d rounds in %.1f s, slowest close %.1f ms",
		CLOSE_ROUNDS, vt_now() - t0, slowest * 1e3);
	in_flight_info("close-after-start");
	if (slowest > CLOSE_MAX)
		return vt_fail("a close took %.1f s", slowest);
	return 0;
}


/*
 * One round: the mdev @uuid open, a start, its removal asked for from
 * another thread (it waits for the close), the close after @delay_ms.
 */
static int remove_round(struct vt_env *env, int i, unsigned int delay_ms)
{
	struct vt_remover rm;
	struct vt_dev d;

	if (vt_open(&d, env->uuid, env->group_id))
		return round_at(i, "open");
	if (start_round(&d, i)) {
		vt_close(&d);
		return -1;
	}
	if (vt_remover_start(&rm, env->uuid)) {
		vt_close(&d);
		return -1;
	}
	vt_msleep(delay_ms);
	vt_close(&d);
	/* the hung-task report (20 s) fails the run first */
	if (vt_remover_join(&rm, 60000))
		return round_at(i, "the removal");
	env->uuid[0] = '\0';
	return 0;
}

int vt_scen_remove_after_start(struct vt_env *env)
{
	double t0 = vt_now();
	int i;

	vt_trace_start();
	for (i = 0; i < REMOVE_ROUNDS; i++) {
		if (!env->uuid[0]) {
			if (vt_mdev_create(env->sch, env->uuid,
					   sizeof(env->uuid)))
				return round_at(i, "mdev create");
			env->group_id = vt_group_id(env->uuid);
			if (env->group_id < 0)
				return vt_at("group");
		}
		if (remove_round(env, i, i % 4))
			return -1;
	}
	vt_info("remove-after-start: %d rounds in %.1f s", REMOVE_ROUNDS,
		vt_now() - t0);
	in_flight_info("remove-after-start");
	/* an mdev again for what follows */
	if (vt_mdev_create(env->sch, env->uuid, sizeof(env->uuid)))
		return vt_at("mdev create");
	env->group_id = vt_group_id(env->uuid);
	return env->group_id < 0 ? vt_at("group") : 0;
}

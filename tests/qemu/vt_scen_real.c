// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the real-client boot (tests/qemu/README.md, "The real
 * client"). QEMU's own vfio-ccw, Debian's qemu-system-s390x, drives our
 * mdev for the nested guest of tests/qemu/nested/, in two runs:
 *   io      the nested guest's checks (relayed as real-client-NAME), then
 *           QMP device_del of the vfio-ccw device under its I/O; once
 *           QEMU has let go, the mdev works for our own VFIO user while
 *           that QEMU still runs (real-client-device-del-release)
 *   remove  the mdev removed from this guest while QEMU holds it
 *           (real-client-mdev-remove-host): QEMU must let go by itself,
 *           asked by the module's request IRQ; if it has not after
 *           REMOVE_GRACE_S, the check fails and a QMP device_del lets go,
 *           as an operator would
 * and then a new mdev on the subchannel works (real-client-after).
 *
 * Before them, our own VFIO user clears the subchannel (async region), so
 * that its last-path-used mask on the host is set; QEMU's own copy starts
 * at 0, and the nested guest's STSCH must show the host's: QEMU reads the
 * schib region on each STSCH.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"

#define RUN_LIMIT_S		150
#define REMOVE_GRACE_S		10
#define RELEASE_LIMIT_S		20

/* Our own VFIO user on @uuid: open, SENSE IDs, close */
static int mdev_works(const char *uuid, int group_id)
{
	struct vt_dev d;
	int i;

	if (vt_open(&d, uuid, group_id))
		return vt_at("open");
	for (i = 0; i < 3; i++) {
		if (vt_senseid(&d, i, 32)) {
			vt_close(&d);
			return vt_at("SENSE ID");
		}
	}
	vt_close(&d);
	return 0;
}

/*
 * Clear the subchannel through the async region and read the schib
 * region: the host's last-path-used mask after the clear, or -1 and why.
 */
static int host_lpum(const char *uuid, int group_id)
{
	struct vt_region async, schib;
	uint8_t buf[sizeof(struct ccw_schib_region)];
	struct vt_dev d;
	int ret;

	if (vt_open(&d, uuid, group_id))
		return vt_at("open");
	if (vt_cap_region(&d, VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD, &async) ||
	    vt_cap_region(&d, VFIO_REGION_SUBTYPE_CCW_SCHIB, &schib)) {
		vt_close(&d);
		return vt_fail("no async or schib region");
	}
	ret = vt_async_cmd(&d, &async, VFIO_CCW_ASYNC_CMD_CSCH);
	if (ret)
		vt_fail("clear: %s", vt_err(ret));
	else if (vt_wait_irq(&d, 2000, NULL))
		ret = vt_fail("no interrupt for the clear");
	else if (vt_region_read(&d, &schib, buf, sizeof(buf)))
		ret = vt_fail("read the schib region");
	vt_close(&d);
	/* struct schib: pmcw.lpum is byte 10 */
	return ret ? -1 : buf[10];
}

/* Poll QEMU's output until @flag is set or @s seconds pass */
static bool wait_flag(struct vt_nq *nq, volatile bool *flag, double s)
{
	double end = vt_now() + vt_wait_ms(s * 1000) / 1000.0;

	while (!*flag && vt_now() < end)
		vt_nq_poll(nq, 100);
	return *flag;
}

/*
 * The nested QEMU's DEVICE_DELETED comes 0.3 to 0.7 s after the unplug as
 * a rule, but twice in about a dozen boots took over 5 s, once after the
 * mdev removal had already completed, i.e. after QEMU had closed our
 * device (tests/qemu/README): the wait is 15 s, and the time is in the report.
 */
#define DEVICE_DELETED_S	15

static int device_del_release(struct vt_nq *nq, struct vt_env *env)
{
	if (vt_nq_device_del(nq))
		return vt_at("device_del");
	if (!wait_flag(nq, &nq->device_deleted, DEVICE_DELETED_S))
		return vt_fail("no DEVICE_DELETED event within %d s",
			       vt_wait_ms(DEVICE_DELETED_S * 1000) / 1000);
	return mdev_works(env->uuid, env->group_id) ? vt_at("after it") : 0;
}

/*
 * One nested QEMU, its guest in @mode: when the guest asks for the
 * unplug, @unplug (reported as @check) takes the device away; the run as
 * a whole is reported as real-client-run-@mode.
 */
static void run_nested(struct vt_env *env, const char *mode, int lpum,
		       const char *check,
		       int (*unplug)(struct vt_nq *nq, struct vt_env *env))
{
	char run_name[64];
	bool asked = false;
	struct vt_nq nq;
	double t0 = vt_now(), t;

	snprintf(run_name, sizeof(run_name), "real-client-run-%s", mode);
	if (vt_nq_start(&nq, env->uuid, mode, lpum)) {
		vt_report(run_name, -1, t0);
		return;
	}
	while (vt_nq_poll(&nq, 200) && vt_now() - nq.t0 < RUN_LIMIT_S) {
		if (!nq.unplug_asked || asked)
			continue;
		asked = true;
		t = vt_now();
		vt_report(check, unplug(&nq, env), t);
	}
	if (!asked)
		vt_result(check, false,
			  "the nested guest never asked for the unplug");
	vt_report(run_name, vt_nq_finish(&nq, RUN_LIMIT_S), t0);
}

struct remover {
	pthread_t thread;
	const char *uuid;
	volatile bool done;
	int ret;
	char why[sizeof(vt_why)];
};

static void *remove_mdev(void *arg)
{
	struct remover *r = arg;

	r->ret = vt_mdev_remove(r->uuid);
	snprintf(r->why, sizeof(r->why), "%s", vt_why);
	r->done = true;
	return NULL;
}

/*
 * Remove the mdev while QEMU holds it: QEMU must let go by itself within
 * REMOVE_GRACE_S (the request IRQ) and say so (DEVICE_DELETED); if not,
 * the check fails, and a QMP device_del still ends the removal. How it
 * went is printed.
 */
static int remove_held(struct vt_nq *nq, struct vt_env *env)
{
	/* static: a removal that never ends outlives this call */
	static struct remover r;
	const char *failed = NULL;
	char path[PATH_MAX];
	double t0, t1;

	memset(&r, 0, sizeof(r));
	r.uuid = env->uuid;
	/* QMP first: QEMU sends events (DEVICE_DELETED) only after it */
	if (vt_nq_qmp(nq, "{\"execute\": \"query-status\"}", 10000))
		return vt_at("QMP");
	t0 = vt_now();
	if (pthread_create(&r.thread, NULL, remove_mdev, &r))
		return vt_fail("pthread_create failed");
	if (wait_flag(nq, &r.done, REMOVE_GRACE_S)) {
		vt_info("real-client: mdev remove done in %.0f ms: QEMU let go by itself (%s)",
			(vt_now() - t0) * 1e3, nq->device_deleted ?
			"it sent DEVICE_DELETED" : "no DEVICE_DELETED yet");
		if (!wait_flag(nq, &nq->device_deleted, DEVICE_DELETED_S))
			failed = "QEMU let go but sent no DEVICE_DELETED in time";
	} else {
		failed = "the removal waited: QEMU did not let go by itself (request IRQ)";
		vt_info("real-client: mdev remove still waiting after %d s (QEMU did not let go): QMP device_del",
			REMOVE_GRACE_S);
		t1 = vt_now();
		if (vt_nq_device_del(nq))
			return vt_at("device_del");
		if (!wait_flag(nq, &r.done, RELEASE_LIMIT_S)) {
			vt_dump_blocked();
			return vt_fail("remove still waiting %d s after device_del",
				       RELEASE_LIMIT_S);
		}
		vt_info("real-client: mdev remove done %.0f ms after device_del",
			(vt_now() - t1) * 1e3);
	}
	pthread_join(r.thread, NULL);
	if (r.ret)
		return vt_fail("remove: %s", r.why);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", env->uuid);
	env->uuid[0] = '\0';
	if (vt_exists(path))
		return vt_fail("%s still there", path);
	return failed ? vt_fail("%s", failed) : 0;
}

/* A new mdev on the subchannel, used and removed */
static int after(struct vt_env *env)
{
	int group;

	if (env->uuid[0])
		return vt_fail("the held mdev was never removed");
	if (vt_mdev_create(env->sch, env->uuid, sizeof(env->uuid)))
		return vt_at("mdev create");
	group = vt_group_id(env->uuid);
	if (group < 0 || mdev_works(env->uuid, group))
		return -1;
	if (vt_mdev_remove(env->uuid))
		return vt_at("mdev remove");
	env->uuid[0] = '\0';
	return 0;
}

void vt_real_client(struct vt_env *env)
{
	double t0 = vt_now();

	int lpum;

	if (vt_setup(env)) {
		vt_report("real-client-setup", -1, t0);
		return;
	}
	lpum = host_lpum(env->uuid, env->group_id);
	if (lpum < 0) {
		vt_report("real-client-setup", vt_at("host clear"), t0);
		return;
	}
	vt_info("real-client: the host's lpum after a clear: %02x", lpum);
	run_nested(env, "io", lpum, "real-client-device-del-release",
		   device_del_release);
	if (env->uuid[0])
		run_nested(env, "remove", lpum, "real-client-mdev-remove-host",
			   remove_held);
	t0 = vt_now();
	vt_report("real-client-after", after(env), t0);
}

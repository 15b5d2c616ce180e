// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the async command region, halt and clear (ASYNC_REQ).
 *
 * The region is not at a fixed index: it is a device-specific region of
 * type VFIO_REGION_TYPE_CCW, subtype VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD,
 * found through the capability chain of VFIO_DEVICE_GET_REGION_INFO. A
 * write of struct ccw_cmd_region issues the command; the write answers
 * the condition code as an errno (0: issued; EBUSY: status pending, or a
 * halt or clear already; ENODEV: gone; EIO: no guest).
 *
 * A suspended channel program (vt_start_suspended()) keeps a start in
 * flight, the FSM in BUSY, for as long as we like: the halt or clear of
 * it must end it with an interrupt whose IRB shows the halt or clear
 * function, nothing left active, and wake the writer asleep behind it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "scsw_bits.h"
#include "vt.h"

#define SLOT_RACE	30
#define RACE_COUNT	16
#define RACE_ROUNDS	100
#define RESET_ROUNDS	60


/* ------------------------------------------------ the async region */

/* Open, find the async region, drop stale interrupt counts. */
static int async_open(struct vt_env *env, struct vt_dev *d,
		      struct vt_region *async)
{
	int ret;

	if (vt_open(d, env->uuid, env->group_id))
		return vt_at("open");
	ret = vt_cap_region(d, VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD, async);
	if (ret) {
		vt_close(d);
		return vt_fail("no async command region: %s", vt_err(ret));
	}
	vt_wait_irq(d, 0, NULL);
	return 0;
}

/* ------------------------------------------------------ the IRBs */

/*
 * The IRB of a halt or clear that ended (what the architecture says):
 * its function in fctl, status pending, no halt, clear, start or resume
 * pending, neither subchannel nor device active.
 */
static int check_end_irb(const struct ccw_io_region *r, unsigned int fctl)
{
	struct vt_scsw s;

	vt_scsw_decode(r, &s);
	vt_info("IRB of the %s: fctl %#x actl %#x stctl %#x dstat %#x cstat %#x",
		fctl == FCTL_HALT ? "halt" : "clear", s.fctl, s.actl, s.stctl,
		s.dstat, s.cstat);
	if (!(s.fctl & fctl))
		return vt_fail("fctl %#x lacks the %s function", s.fctl,
			       fctl == FCTL_HALT ? "halt" : "clear");
	if (fctl == FCTL_CLEAR && s.fctl != FCTL_CLEAR)
		return vt_fail("fctl %#x: more than the clear function",
			       s.fctl);
	if (!(s.stctl & STCTL_PENDING))
		return vt_fail("stctl %#x: not status pending", s.stctl);
	if (s.actl & (ACTL_RESUME_PEND | ACTL_START_PEND | ACTL_HALT_PEND |
		      ACTL_CLEAR_PEND | ACTL_SCH_ACTIVE | ACTL_DEV_ACTIVE))
		return vt_fail("actl %#x: not final", s.actl);
	if (fctl == FCTL_CLEAR && s.actl)
		return vt_fail("actl %#x after a clear", s.actl);
	if (s.cstat)
		return vt_fail("channel status %#x", s.cstat);
	return 0;
}

/* Wait for @count interrupts in all, up to @ms. */
static int wait_irqs(struct vt_dev *d, uint64_t count, int ms)
{
	uint64_t got = 0, n;
	double end;

	ms = vt_wait_ms(ms);
	end = vt_now() + ms / 1000.0;
	while (got < count) {
		if (!vt_wait_irq(d, 50, &n))
			got += n;
		else if (vt_now() > end)
			return vt_fail("%llu interrupts of %llu after %d ms",
				       (unsigned long long)got,
				       (unsigned long long)count, ms);
	}
	if (got > count)
		return vt_fail("%llu interrupts, expected %llu",
			       (unsigned long long)got,
			       (unsigned long long)count);
	return 0;
}

/* ---------------------------------------------------- the scenarios */

/*
 * Halt or clear (@cmd, @fctl) of a suspended program: answered 0, one
 * interrupt, with the IRB of the halt or clear; the device works after.
 * Then a writer asleep behind a new suspended program wakes when it is
 * halted or cleared, and its SENSE ID runs: two interrupts, the last its
 * own. 0; -1 and why; 1 if the writer is stuck (leave the device open).
 */
static int end_suspended(struct vt_dev *d, const struct vt_region *async,
			 uint32_t cmd, unsigned int fctl)
{
	const char *what = fctl == FCTL_HALT ? "halt" : "clear";
	struct vt_sleeper sl;
	struct ccw_io_region r;
	int ret;

	/* Alone: the IRB is the halt's or clear's */
	if (vt_start_suspended(d))
		return vt_at("suspended program");
	ret = vt_async_cmd(d, async, cmd);
	if (vt_expect(what, ret, 0) || wait_irqs(d, 1, 2000))
		return -1;
	if (vt_read_region(d, &r))
		return vt_fail("read region: %m");
	if (check_end_irb(&r, fctl))
		return -1;
	if (vt_senseid(d, VT_SLEEPER_SLOT, VT_SLEEPER_COUNT))
		return vt_at("SENSE ID after it");

	/* A writer asleep behind the program wakes and starts */
	if (vt_start_suspended(d))
		return vt_at("suspended program");
	ret = vt_start_sleeper(&sl, d);
	if (ret)
		return ret > 0 ? (vt_at("sleeper"), 1) : vt_at("sleeper");
	ret = vt_async_cmd(d, async, cmd);
	if (vt_expect(what, ret, 0)) {
		ioctl(d->fd, VFIO_DEVICE_RESET);	/* wakes the sleeper */
		vt_join_sleeper(&sl, 5000);
		return vt_at("with a sleeper");
	}
	if (vt_join_sleeper(&sl, 5000)) {
		ioctl(d->fd, VFIO_DEVICE_RESET);
		return vt_join_sleeper(&sl, 5000) ? 1 : vt_at("the sleeper");
	}
	if (vt_expect("the woken writer's SENSE ID", sl.ret, 0))
		return -1;
	/* the halt's or clear's, then the SENSE ID's */
	if (wait_irqs(d, 2, 2000))
		return vt_at("with a sleeper");
	if (vt_read_region(d, &r))
		return vt_fail("read region: %m");
	if (vt_check_irb(&r, vt_slot_iova(VT_SLEEPER_SLOT)) ||
	    vt_check_senseid(VT_SLEEPER_SLOT, VT_SLEEPER_COUNT))
		return vt_at("the woken writer's IRB");
	return 0;
}

/*
 * Halt, then clear, of a suspended program, each alone and with a writer
 * asleep behind it; the FSM tracepoint shows BUSY x ASYNC_REQ for each.
 */
int vt_scen_async_suspended(struct vt_env *env)
{
	struct vt_region async;
	struct vt_dev d;
	int ret, busy;

	if (async_open(env, &d, &async))
		return -1;
	vt_trace_start();
	ret = end_suspended(&d, &async, VFIO_CCW_ASYNC_CMD_HSCH, FCTL_HALT);
	if (ret > 0)
		return -1;	/* a writer stuck in write: leave it open */
	if (ret) {
		vt_close(&d);
		return vt_at("halt");
	}
	ret = end_suspended(&d, &async, VFIO_CCW_ASYNC_CMD_CSCH, FCTL_CLEAR);
	if (ret > 0)
		return -1;
	if (ret) {
		vt_close(&d);
		return vt_at("clear");
	}
	busy = vt_trace_count("BUSY x ASYNC_REQ -> BUSY ret=0");
	vt_info("async-suspended: %d BUSY x ASYNC_REQ in the trace", busy);
	if (!vt_stock && busy != 4)
		ret = vt_fail("%d BUSY x ASYNC_REQ answered 0 in the trace, "
			      "expected 4", busy);
	vt_close(&d);
	return ret;
}

/*
 * A clear of the idle subchannel, then at once a start: the start is
 * refused (EBUSY) until the user had the clear's IRB, or taken after it;
 * either way the next IRB is the start's own and its data are right: the
 * clear's interrupt never ends a later program.
 */
int vt_scen_clear_racing_start(struct vt_env *env)
{
	int refused = 0, taken = 0, i, ret;
	struct ccw_io_region r;
	struct vt_region async;
	struct vt_dev d;

	if (async_open(env, &d, &async))
		return -1;
	for (i = 0; i < RACE_ROUNDS; i++) {
		uint64_t before = 0;
		int owed = 1;	/* interrupts still to come: the start's */

		ret = vt_async_cmd(&d, &async, VFIO_CCW_ASYNC_CMD_CSCH);
		if (vt_expect("clear", ret, 0))
			goto fail;
		vt_senseid_prepare(SLOT_RACE, RACE_COUNT, &r);
		ret = vt_write_region(&d, &r);
		if (ret == -EBUSY) {
			refused++;
			/* the clear's IRB, then the start goes */
			if (wait_irqs(&d, 1, 2000))
				goto fail;
			ret = vt_write_region(&d, &r);
			if (vt_expect("start after the clear's IRB", ret, 0))
				goto fail;
		} else if (!ret) {
			taken++;
			/* the user had the clear's IRB before the start */
			if (vt_wait_irq(&d, 0, &before) || !before) {
				vt_fail("round %d: start taken before the "
					"clear's IRB was handed over", i);
				goto fail;
			}
			if (before > 2) {
				vt_fail("round %d: %llu interrupts", i,
					(unsigned long long)before);
				goto fail;
			}
			owed = before == 2 ? 0 : 1;	/* the start's own? */
		} else {
			vt_expect("start after a clear", ret, 0);
			goto fail;
		}
		if (wait_irqs(&d, owed, 2000))
			goto fail;
		if (vt_read_region(&d, &r)) {
			vt_fail("read region: %m");
			goto fail;
		}
		if (vt_check_irb(&r, vt_slot_iova(SLOT_RACE)) ||
		    vt_check_senseid(SLOT_RACE, RACE_COUNT)) {
			vt_at("the start after the clear");
			goto fail;
		}
	}
	vt_info("clear-racing-start: %d rounds, start refused %d times, "
		"taken after the clear's IRB %d times", RACE_ROUNDS, refused,
		taken);
	vt_close(&d);
	return 0;

fail:
	vt_at("round");
	vt_close(&d);
	return -1;
}

/* A writer of the async region, looping until told to stop */
struct async_writer {
	pthread_t thread;
	struct vt_dev *d;
	struct vt_region async;
	int stop;
	int answers[4];		/* 0, EBUSY, EIO, ENODEV */
	int bad;		/* any other answer */
};

static void *async_writer_run(void *arg)
{
	struct async_writer *w = arg;
	int i = 0, ret;

	while (!__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST)) {
		ret = vt_async_cmd(w->d, &w->async, i++ % 2 ?
				VFIO_CCW_ASYNC_CMD_HSCH :
				VFIO_CCW_ASYNC_CMD_CSCH);
		if (!ret)
			w->answers[0]++;
		else if (ret == -EBUSY)
			w->answers[1]++;
		else if (ret == -EIO)
			w->answers[2]++;
		else if (ret == -ENODEV)
			w->answers[3]++;
		else if (!w->bad)
			w->bad = ret;
	}
	return NULL;
}

/*
 * Halts and clears from a thread while the device is reset again and
 * again under a suspended program: each reset quiesces (QUIESCING: the
 * async write is refused, EBUSY), goes offline (STANDBY: no guest, EIO)
 * and online again. Every answer must be one of those, the resets must
 * complete, no kernel report, and the device works after.
 */
int vt_scen_async_offline(struct vt_env *env)
{
	struct async_writer w = { 0 };
	struct vt_dev d;
	int i, ret = 0, standby, quiescing;

	if (async_open(env, &d, &w.async))
		return -1;
	vt_trace_start();
	w.d = &d;
	if (pthread_create(&w.thread, NULL, async_writer_run, &w)) {
		vt_close(&d);
		return vt_fail("pthread_create: %m");
	}
	for (i = 0; i < RESET_ROUNDS && !ret; i++) {
		struct ccw_io_region r;
		double t0;

		/* a start that stays in flight, unless a clear got it first */
		vt_suspend_prepare(10, &r);
		vt_write_region(&d, &r);
		t0 = vt_now();
		if (ioctl(d.fd, VFIO_DEVICE_RESET))
			ret = vt_fail("VFIO_DEVICE_RESET: %m");
		else if (vt_now() - t0 > 2)
			ret = vt_fail("a reset took %.1f s", vt_now() - t0);
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(w.thread, NULL);
	standby = vt_trace_count("STANDBY x ASYNC_REQ");
	quiescing = vt_trace_count("QUIESCING x ASYNC_REQ");
	vt_info("async-offline: %d resets; halts and clears answered: 0 %d, "
		"EBUSY %d, EIO %d, ENODEV %d; the trace: %d in STANDBY, %d in "
		"QUIESCING", i, w.answers[0], w.answers[1], w.answers[2],
		w.answers[3], standby, quiescing);
	if (ret)
		goto out;
	if (w.bad) {
		ret = vt_fail("an async write answered %s", vt_err(w.bad));
		goto out;
	}
	if (w.answers[3]) {
		ret = vt_fail("%d async writes answered ENODEV", w.answers[3]);
		goto out;
	}
	if (ioctl(d.fd, VFIO_DEVICE_RESET)) {
		ret = vt_fail("VFIO_DEVICE_RESET: %m");
		goto out;
	}
	if (vt_senseid(&d, SLOT_RACE, RACE_COUNT))
		ret = vt_at("SENSE ID after");
out:
	vt_close(&d);
	return ret;
}

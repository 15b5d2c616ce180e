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

#include "vt.h"

#define SLOT_SLEEPER	11	/* vt_start_sleeper()'s SENSE ID, 24 bytes */
#define SLEEPER_COUNT	24
#define SLOT_RACE	30
#define RACE_COUNT	16
#define RACE_ROUNDS	100
#define RESET_ROUNDS	60

/* SCSW activity control, as vt_scsw_decode() gives it (7 bits) */
#define ACTL_RESUME_PEND	0x40
#define ACTL_START_PEND		0x20
#define ACTL_HALT_PEND		0x10
#define ACTL_CLEAR_PEND		0x08
#define ACTL_SCH_ACTIVE		0x04
#define ACTL_DEV_ACTIVE		0x02
#define ACTL_SUSPENDED		0x01
/* Function control (3 bits) and status control (5 bits) */
#define FCTL_START		0x4
#define FCTL_HALT		0x2
#define FCTL_CLEAR		0x1
#define STCTL_PENDING		0x01

/* ------------------------------------------------ the async region */

/* The file offset of the async region of @d: 0, or -1 and why. */
static int async_region(struct vt_dev *d, uint64_t *off)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned int index;

	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info))
		return vt_fail("VFIO_DEVICE_GET_INFO: %m");
	for (index = VFIO_CCW_CONFIG_REGION_INDEX + 1;
	     index < info.num_regions; index++) {
		struct vfio_region_info *reg;
		struct vfio_info_cap_header *cap;
		size_t size = sizeof(*reg);
		uint32_t next;
		bool found = false;

		reg = calloc(1, size);
		if (!reg)
			return vt_fail("calloc");
		reg->argsz = size;
		reg->index = index;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, reg)) {
			free(reg);
			return vt_fail("VFIO_DEVICE_GET_REGION_INFO %u: %m",
				       index);
		}
		if (reg->argsz > size) {	/* room for the capabilities */
			size = reg->argsz;
			free(reg);
			reg = calloc(1, size);
			if (!reg)
				return vt_fail("calloc");
			reg->argsz = size;
			reg->index = index;
			if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, reg)) {
				free(reg);
				return vt_fail("VFIO_DEVICE_GET_REGION_INFO %u: %m",
					       index);
			}
		}
		next = (reg->flags & VFIO_REGION_INFO_FLAG_CAPS) ?
		       reg->cap_offset : 0;
		while (next && next + sizeof(*cap) <= size) {
			cap = (void *)((char *)reg + next);
			if (cap->id == VFIO_REGION_INFO_CAP_TYPE &&
			    next + sizeof(struct vfio_region_info_cap_type) <=
			    size) {
				struct vfio_region_info_cap_type *type =
					(void *)cap;

				found = type->type == VFIO_REGION_TYPE_CCW &&
					type->subtype ==
					VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD;
			}
			if (found || cap->next <= next)
				break;
			next = cap->next;
		}
		if (found) {
			bool rw = (reg->flags & (VFIO_REGION_INFO_FLAG_READ |
						 VFIO_REGION_INFO_FLAG_WRITE)) ==
				  (VFIO_REGION_INFO_FLAG_READ |
				   VFIO_REGION_INFO_FLAG_WRITE);
			uint64_t rsize = reg->size;

			*off = reg->offset;
			free(reg);
			if (rsize < sizeof(struct ccw_cmd_region) || !rw)
				return vt_fail("async region %u: size %llu, %s",
					       index,
					       (unsigned long long)rsize,
					       rw ? "read-write" :
					       "not read-write");
			return 0;
		}
		free(reg);
	}
	return vt_fail("no async command region among %u regions",
		       info.num_regions);
}

/* Issue @cmd through the async region at @off: 0 or -errno. */
static int async_cmd(struct vt_dev *d, uint64_t off, uint32_t cmd)
{
	struct ccw_cmd_region r = { .command = cmd };
	long n;

	n = pwrite(d->fd, &r, sizeof(r), off);
	if (n < 0)
		return -errno;
	if (n != sizeof(r))
		return -ENOSPC;
	return 0;
}

/* Open, find the async region, drop stale interrupt counts. */
static int async_open(struct vt_env *env, struct vt_dev *d, uint64_t *off)
{
	uint64_t n;

	if (vt_open(d, env->uuid, env->group_id))
		return vt_at("open");
	if (async_region(d, off)) {
		vt_close(d);
		return vt_at("async region");
	}
	vt_wait_irq(d, 0, &n);
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
	double end = vt_now() + ms / 1000.0;
	uint64_t got = 0, n;

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
 * interrupt with the IRB of the halt or clear; a second halt or clear is
 * refused or taken as the architecture says; then a writer asleep behind
 * a new suspended program wakes when it is halted or cleared, and its
 * SENSE ID runs.
 */
static int end_suspended(struct vt_env *env, uint32_t cmd, unsigned int fctl)
{
	const char *what = fctl == FCTL_HALT ? "halt" : "clear";
	struct vt_sleeper sl;
	struct ccw_io_region r;
	struct vt_dev d;
	uint64_t off;
	int ret;

	if (async_open(env, &d, &off))
		return -1;
	vt_trace_start();

	/* Alone: the IRB is the halt's or clear's */
	if (vt_start_suspended(&d))
		goto fail_at_start;
	ret = async_cmd(&d, off, cmd);
	if (vt_expect(what, ret, 0))
		goto fail;
	if (wait_irqs(&d, 1, 2000))
		goto fail;
	if (vt_read_region(&d, &r)) {
		vt_fail("read region: %m");
		goto fail;
	}
	if (check_end_irb(&r, fctl))
		goto fail;
	if (vt_senseid(&d, SLOT_SLEEPER, SLEEPER_COUNT)) {
		vt_at("SENSE ID after it");
		goto fail;
	}

	/* A writer asleep behind the program wakes and starts */
	if (vt_start_suspended(&d))
		goto fail_at_start;
	ret = vt_start_sleeper(&sl, &d);
	if (ret) {
		if (ret > 0)	/* a thread we cannot join: leave it */
			return vt_at("sleeper");
		goto fail;
	}
	ret = async_cmd(&d, off, cmd);
	if (vt_expect(what, ret, 0)) {
		vt_close(&d);	/* the close wakes the sleeper */
		vt_join_sleeper(&sl, 5000);
		return vt_at("with a sleeper");
	}
	if (vt_join_sleeper(&sl, 5000)) {
		vt_close(&d);
		vt_join_sleeper(&sl, 5000);
		return vt_at("the sleeper");
	}
	if (vt_expect("the woken writer's SENSE ID", sl.ret, 0))
		goto fail;
	/* the halt's or clear's, then the SENSE ID's */
	if (wait_irqs(&d, 2, 2000))
		goto fail;
	if (vt_read_region(&d, &r)) {
		vt_fail("read region: %m");
		goto fail;
	}
	if (vt_check_irb(&r, vt_slot_iova(SLOT_SLEEPER)) ||
	    vt_check_senseid(SLOT_SLEEPER, SLEEPER_COUNT)) {
		vt_at("the woken writer's IRB");
		goto fail;
	}
	vt_info("%s: %d BUSY x ASYNC_REQ, %d IDLE x ASYNC_REQ in the trace",
		what, vt_trace_count("BUSY x ASYNC_REQ -> BUSY ret=0"),
		vt_trace_count("IDLE x ASYNC_REQ"));
	if (vt_trace_count("BUSY x ASYNC_REQ -> BUSY ret=0") < 2 && !vt_stock) {
		vt_fail("the FSM tracepoint shows no BUSY x ASYNC_REQ");
		goto fail;
	}
	vt_close(&d);
	return 0;

fail_at_start:
	vt_at("suspended program");
fail:
	vt_close(&d);
	return -1;
}

int vt_scen_halt_suspended(struct vt_env *env)
{
	return end_suspended(env, VFIO_CCW_ASYNC_CMD_HSCH, FCTL_HALT);
}

int vt_scen_clear_suspended(struct vt_env *env)
{
	return end_suspended(env, VFIO_CCW_ASYNC_CMD_CSCH, FCTL_CLEAR);
}

/*
 * A clear of the idle subchannel, then at once a start: the start is
 * refused (EBUSY) until the user had the clear's IRB, or taken after it;
 * either way the next IRB is the start's own and its data are right: the
 * clear's interrupt never ends a later program. Also the halt of an idle
 * subchannel, and an unknown command.
 */
int vt_scen_clear_racing_start(struct vt_env *env)
{
	struct ccw_io_region r;
	int refused = 0, taken = 0, i, ret;
	struct vt_dev d;
	uint64_t off, n;

	if (async_open(env, &d, &off))
		return -1;
	for (i = 0; i < RACE_ROUNDS; i++) {
		uint64_t before = 0;
		int owed = 1;	/* interrupts still to come: the start's */

		ret = async_cmd(&d, off, VFIO_CCW_ASYNC_CMD_CSCH);
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
			owed = before > 1 ? 0 : 1;	/* the start's own? */
			if (before > 2) {
				vt_fail("round %d: %llu interrupts", i,
					(unsigned long long)before);
				goto fail;
			}
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

	/* The halt of an idle subchannel owes an interrupt too */
	ret = async_cmd(&d, off, VFIO_CCW_ASYNC_CMD_HSCH);
	if (vt_expect("halt of the idle subchannel", ret, 0))
		goto fail;
	if (wait_irqs(&d, 1, 2000) || vt_read_region(&d, &r))
		goto fail_at_halt;
	if (check_end_irb(&r, FCTL_HALT))
		goto fail_at_halt;
	ret = async_cmd(&d, off, 0);
	if (vt_expect("no command", ret, -EINVAL))
		goto fail;
	ret = async_cmd(&d, off,
			VFIO_CCW_ASYNC_CMD_HSCH | VFIO_CCW_ASYNC_CMD_CSCH);
	if (vt_expect("two commands", ret, -EINVAL))
		goto fail;
	if (!vt_wait_irq(&d, 100, &n)) {
		vt_fail("%llu interrupts after refused commands",
			(unsigned long long)n);
		goto fail;
	}
	if (vt_senseid(&d, SLOT_RACE, RACE_COUNT)) {
		vt_at("SENSE ID after");
		goto fail;
	}
	vt_close(&d);
	return 0;

fail_at_halt:
	vt_at("halt of the idle subchannel");
fail:
	vt_close(&d);
	return -1;
}

/* A writer of the async region, looping until told to stop */
struct async_writer {
	pthread_t thread;
	struct vt_dev *d;
	uint64_t off;
	int stop;
	int answers[4];		/* 0, EBUSY, EIO, ENODEV */
	int bad;		/* any other answer */
};

static void *async_writer_run(void *arg)
{
	struct async_writer *w = arg;
	int i = 0, ret;

	while (!__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST)) {
		ret = async_cmd(w->d, w->off, i++ % 2 ?
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

	if (async_open(env, &d, &w.off))
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

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 3, a writer asleep in write() and what ends its
 * sleep: a signal (-EINTR), or a device reset.
 *
 * An emulated device ends a SENSE ID inside the ssch, so a writer rarely
 * sleeps for long. A suspended channel program does better: QEMU stops it
 * before its first CCW and, with nobody to resume it, it stays in flight,
 * the FSM in BUSY, until it is cancelled. The next writer then sleeps
 * for as long as we like, which /proc shows: the thread in state S,
 * inside pwrite64.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vt.h"

#define SLOT_SUSPEND	10
#define SLOT_SLEEPER	VT_SLEEPER_SLOT
#define SLEEPER_COUNT	VT_SLEEPER_COUNT

static int restart_signals;

static void on_signal(int sig)
{
}

static void on_restart_signal(int sig)
{
	__atomic_add_fetch(&restart_signals, 1, __ATOMIC_SEQ_CST);
}

static void *sleeper_run(void *arg)
{
	struct vt_sleeper *s = arg;
	struct ccw_io_region r;
	double t0, c0;

	__atomic_store_n(&s->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	vt_senseid_prepare(SLOT_SLEEPER, SLEEPER_COUNT, &r);
	__atomic_store_n(&s->state, 1, __ATOMIC_SEQ_CST);
	t0 = vt_now();
	c0 = vt_thread_cpu();
	s->ret = vt_write_region(s->d, &r);
	s->cpu = vt_thread_cpu() - c0;
	s->wall = vt_now() - t0;
	__atomic_store_n(&s->state, 2, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The thread sleeps (state S) inside pwrite64, as /proc tells. */
static bool in_write_asleep(int tid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (vt_read_file(path, buf, sizeof(buf)))
		return false;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	if (!vt_exists(path))
		return true;	/* no syscall file: state S must do */
	if (vt_read_file(path, buf, sizeof(buf)))
		return false;
	return atoi(buf) == SYS_pwrite64;
}

/*
 * Start a writer and see it fall asleep in write(): 0; -1 and why if it
 * returned; 1 if it runs on but is not asleep (not joinable).
 */
int vt_start_sleeper(struct vt_sleeper *s, struct vt_dev *d)
{
	double end = vt_now() + 5;
	int stable = 0;

	memset(s, 0, sizeof(*s));
	s->d = d;
	if (pthread_create(&s->thread, NULL, sleeper_run, s))
		return vt_fail("pthread_create: %m");
	/* asleep, and still so 100 ms later */
	while (stable < 10) {
		if (__atomic_load_n(&s->state, __ATOMIC_SEQ_CST) == 2) {
			pthread_join(s->thread, NULL);
			return vt_fail("the writer did not sleep: write answered %s",
				       vt_err(s->ret));
		}
		if (vt_now() > end) {
			vt_fail("the writer is not asleep in write after 5 s");
			return 1;	/* still running: not joinable */
		}
		stable = __atomic_load_n(&s->state, __ATOMIC_SEQ_CST) == 1 &&
			 in_write_asleep(s->tid) ? stable + 1 : 0;
		vt_msleep(10);
	}
	return 0;
}

/* Wait for the writer to return, up to @ms; -1 if it does not. */
int vt_join_sleeper(struct vt_sleeper *s, unsigned int ms)
{
	double end;

	ms = vt_wait_ms(ms);
	end = vt_now() + ms / 1000.0;
	while (__atomic_load_n(&s->state, __ATOMIC_SEQ_CST) != 2) {
		if (vt_now() > end)
			return vt_fail("the writer still sleeps after %u ms", ms);
		vt_msleep(5);
	}
	pthread_join(s->thread, NULL);
	return 0;
}

/* A start that stays in flight: the FSM stays BUSY until a cancel. */
int vt_start_suspended(struct vt_dev *d)
{
	struct ccw_io_region r;
	uint64_t n;
	int ret;

	vt_suspend_prepare(SLOT_SUSPEND, &r);
	ret = vt_write_region(d, &r);
	if (ret)
		return vt_fail("suspended program: write: %s", vt_err(ret));
	if (!vt_wait_irq(d, 200, &n)) {
		vt_read_region(d, &r);
		return vt_fail("the suspended program ended: IRB dstat %#x",
			       r.irb_area[8]);
	}
	return 0;
}

/* After the device went through a close or reset: it still works. */
static int senseid_again(struct vt_env *env)
{
	struct vt_dev d;
	int ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("reopen");
	ret = vt_senseid(&d, SLOT_SLEEPER, SLEEPER_COUNT);
	vt_close(&d);
	return ret ? vt_at("SENSE ID after") : 0;
}

/*
 * Open the device, start a suspended program and a writer that sleeps
 * behind it. 0 on success; on failure the device is closed, unless the
 * writer is still asleep in it (the close could not free it then).
 */
static int open_with_sleeper(struct vt_env *env, struct vt_dev *d,
			     struct vt_sleeper *s)
{
	int ret;

	if (vt_open(d, env->uuid, env->group_id))
		return vt_at("open");
	if (vt_start_suspended(d)) {
		vt_close(d);
		return -1;
	}
	ret = vt_start_sleeper(s, d);
	if (ret < 0)
		vt_close(d);
	return ret ? -1 : 0;
}

/*
 * A signal whose handler asks for SA_RESTART: the write is restarted,
 * so the writer is asleep in it again once the handler ran.
 */
static int restarted(struct vt_sleeper *s)
{
	struct sigaction sa = {
		.sa_handler = on_restart_signal,
		.sa_flags = SA_RESTART,
	};
	double end = vt_now() + 5;

	sigaction(SIGUSR2, &sa, NULL);
	pthread_kill(s->thread, SIGUSR2);
	while (!__atomic_load_n(&restart_signals, __ATOMIC_SEQ_CST)) {
		if (vt_now() > end)
			return vt_fail("SIGUSR2 never handled");
		vt_msleep(5);
	}
	vt_msleep(200);
	if (__atomic_load_n(&s->state, __ATOMIC_SEQ_CST) != 1 ||
	    !in_write_asleep(s->tid))
		return vt_fail("after a SA_RESTART signal the writer is not asleep in write again");
	return 0;
}

/*
 * A signal with SA_RESTART: the writer handles it and sleeps again. One
 * without: its sleep ends with -EINTR. The close then cancels the
 * suspended program without a hang.
 */
int vt_scen_signal(struct vt_env *env)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct vt_sleeper s;
	struct vt_dev d;
	double t0;

	sigaction(SIGUSR1, &sa, NULL);
	if (open_with_sleeper(env, &d, &s))
		return -1;
	if (restarted(&s)) {
		pthread_kill(s.thread, SIGUSR1);
		if (!vt_join_sleeper(&s, 5000))
			vt_close(&d);
		return -1;
	}
	t0 = vt_now();
	pthread_kill(s.thread, SIGUSR1);
	if (vt_join_sleeper(&s, 5000))
		return vt_at("after SIGUSR1");
	vt_info("signal: the sleeping writer returned %s %.1f ms after SIGUSR1",
		vt_err(s.ret), (vt_now() - t0) * 1e3);
	if (s.ret != -EINTR) {
		vt_close(&d);
		return vt_fail("write answered %s, not EINTR",
			       vt_err(s.ret));
	}
	t0 = vt_now();
	vt_close(&d);
	vt_info("signal: close with the suspended program in flight took %.1f ms",
		(vt_now() - t0) * 1e3);
	return senseid_again(env);
}

/*
 * VFIO_DEVICE_RESET while a writer sleeps: the reset cancels the program
 * in flight and wakes the writer, which either starts once the device is
 * back (and its SENSE ID completes) or is refused; it does not sleep on.
 */
int vt_scen_reset_wakes(struct vt_env *env)
{
	struct vt_sleeper s;
	struct vt_dev d;
	uint64_t n;
	double t0;
	int ret;

	if (open_with_sleeper(env, &d, &s))
		return -1;
	t0 = vt_now();
	if (ioctl(d.fd, VFIO_DEVICE_RESET)) {
		vt_fail("VFIO_DEVICE_RESET: %m");
		vt_join_sleeper(&s, 5000);
		vt_close(&d);
		return -1;
	}
	if (vt_join_sleeper(&s, 5000))
		return vt_at("after the reset");
	vt_info("reset: the sleeping writer returned %s %.1f ms after the reset began",
		vt_err(s.ret), (vt_now() - t0) * 1e3);
	ret = 0;
	if (s.ret == 0) {
		/* it started on the reset device: its program completes */
		if (vt_wait_irq(&d, 5000, &n))
			ret = vt_fail("the woken writer's start never ended");
		else
			ret = vt_check_senseid(SLOT_SLEEPER, SLEEPER_COUNT);
	} else if (s.ret == -EINTR || s.ret == -ERESTART) {
		ret = vt_fail("write answered %s with no signal",
			      vt_err(s.ret));
	}
	if (!ret && vt_senseid(&d, SLOT_SUSPEND, 16))
		ret = vt_at("SENSE ID after the reset");
	vt_close(&d);
	return ret;
}

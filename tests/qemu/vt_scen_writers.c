// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 2, several writers on one device file at once.
 *
 * Each writer has its own slot and its own SENSE ID length, so its data
 * tells whether its own program ran into its own buffer. A writer that
 * finds the device busy must sleep in the kernel until it may start: no
 * -EBUSY, and no CPU spent waiting. getrusage() of the thread measures
 * each write(): at once, a write may cost no more than a few times the
 * CPU of a write alone (the waits there are short, TCG is noisy). The
 * FSM tracepoint counts the sleeps: each final interrupt wakes every
 * sleeper once, so there can be no more than (writers - 1) per request.
 * Last, the same writers asleep for a second behind a program that does
 * not end: there the CPU of a wait is measured alone, and must be ~0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define NR_WRITERS	4
#define PER_WRITER	60
/* A write at once may cost this much more CPU than one alone (TCG noise) */
#define CPU_FACTOR_MAX	3
#define LONG_WAIT_MS	1000
/* CPU a long wait may cost, as a share of the time waited */
#define WAIT_CPU_MAX	0.01
/* Tries of the long wait over that bound before it fails (below) */
#define LONG_WAIT_TRIES	3


/* The device writes the data before the final interrupt: wait for it. */
static int wait_data(int slot, uint16_t count)
{
	double end = vt_now() + 5;

	while (vt_check_senseid(slot, count)) {
		if (vt_now() > end)
			return -1;
		vt_msleep(1);
	}
	return 0;
}

static void on_signal(int sig)
{
}

static void *writer_run(void *arg)
{
	struct vt_writer *w = arg;
	double c_start = vt_thread_cpu();
	struct ccw_io_region r;
	bool busy;
	int i, ret;

	for (i = 0; i < w->requests; i++) {
		double t0, c0;

		vt_senseid_prepare(w->slot, w->count, &r);
		do {
			t0 = vt_now();
			c0 = vt_thread_cpu();
			ret = vt_write_region(w->d, &r);
			w->cpu += vt_thread_cpu() - c0;
			w->wall += vt_now() - t0;
			/* the stock module answers so: count, retry */
			busy = ret == -EBUSY || ret == -EAGAIN;
			w->ebusy += busy;
		} while (busy && w->ebusy < 1000000);
		if (ret) {
			snprintf(w->why, sizeof(w->why), "request %d: write: %s",
				 i, vt_err(ret));
			w->failed = -1;
			break;
		}
		w->started++;
		if (wait_data(w->slot, w->count)) {
			snprintf(w->why, sizeof(w->why), "request %d: %.480s", i,
				 vt_why);
			w->failed = -1;
			break;
		}
	}
	w->cpu_thread = vt_thread_cpu() - c_start;
	return NULL;
}

/*
 * Run @n writers of @requests SENSE IDs each on @d, one thread each,
 * described in @w[0..n-1]. 0 if every request started and brought its
 * data back.
 */
int vt_run_writers(struct vt_dev *d, int n, int requests,
		       struct vt_writer *w)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].d = d;
		w[i].slot = 2 + i;
		w[i].count = 8 + 4 * i;
		w[i].requests = requests;
		if (pthread_create(&w[i].thread, NULL, writer_run, &w[i]))
			return vt_fail("pthread_create: %m");
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].failed && !bad++)
			vt_fail("writer %d: %s", i, w[i].why);
	}
	return bad ? -1 : 0;
}

/* Every start must come back as one interrupt, no more, no fewer. */
int vt_count_irqs(struct vt_dev *d, int expected)
{
	double end = vt_now() + 5;
	uint64_t got = 0, n;

	while (got < (uint64_t)expected && vt_now() < end)
		if (!vt_wait_irq(d, 100, &n))
			got += n;
	if (!vt_wait_irq(d, 200, &n))
		got += n;
	if (got != (uint64_t)expected)
		return vt_fail("%llu interrupts signalled for %d starts",
			       (unsigned long long)got, expected);
	return 0;
}

/* Sums over @n writers in @sum */
void vt_writers_sum(struct vt_writer *w, int n, struct vt_writer *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		sum->started += w[i].started;
		sum->ebusy += w[i].ebusy;
		sum->wall += w[i].wall;
		sum->cpu += w[i].cpu;
		sum->cpu_thread += w[i].cpu_thread;
	}
}

/*
 * NR_WRITERS asleep behind a program that does not end, for LONG_WAIT_MS:
 * the CPU each spends in write() is the cost of its wait, to the
 * microsecond (getrusage of the thread). A signal then ends each wait.
 * Returns LONG_WAIT_CPU when only the CPU bound failed.
 */
#define LONG_WAIT_CPU	1
static int long_wait(struct vt_env *env)
{
	struct vt_sleeper s[NR_WRITERS];
	struct vt_dev d;
	int i, n, ret = 0;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	if (vt_start_suspended(&d)) {
		vt_close(&d);
		return -1;
	}
	for (n = 0; n < NR_WRITERS; n++) {
		ret = vt_start_sleeper(&s[n], &d);
		if (ret)
			break;
	}
	if (!ret)
		vt_msleep(LONG_WAIT_MS);
	for (i = 0; i < n; i++)
		pthread_kill(s[i].thread, SIGUSR1);
	for (i = 0; i < n; i++) {
		if (vt_join_sleeper(&s[i], 5000))
			return vt_at("long wait");	/* leaves it asleep */
		vt_info("writers: sleeper %d: %.0f ms in write, %.2f ms CPU, then %s",
			i, s[i].wall * 1e3, s[i].cpu * 1e3, vt_err(s[i].ret));
		if (!ret && s[i].ret != -EINTR)
			ret = vt_fail("sleeper %d: write answered %s, not EINTR",
				      i, vt_err(s[i].ret));
		if (!ret && s[i].cpu > WAIT_CPU_MAX * s[i].wall) {
			vt_fail("sleeper %d: %.1f ms CPU in %.0f ms of waiting",
				i, s[i].cpu * 1e3, s[i].wall * 1e3);
			ret = LONG_WAIT_CPU;
		}
	}
	vt_close(&d);
	if (!ret)
		return 0;
	vt_at("long wait");
	return ret == LONG_WAIT_CPU ? LONG_WAIT_CPU : -1;
}

/*
 * One writer alone first: what a write() costs without waiting. Then
 * NR_WRITERS at once; then NR_WRITERS asleep for a long wait.
 */
int vt_scen_writers(struct vt_env *env)
{
	struct vt_writer w[NR_WRITERS], solo, all;
	double cpu_solo, wall_solo, cpu_all, wall_all;
	int i, sleeps = -1, ret;
	struct sigaction sa = { .sa_handler = on_signal };
	struct vt_dev d;

	sigaction(SIGUSR1, &sa, NULL);
	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = vt_run_writers(&d, 1, PER_WRITER, &solo);
	if (!ret)
		ret = vt_count_irqs(&d, solo.started);
	if (ret) {
		vt_close(&d);
		return vt_at("alone");
	}
	if (!vt_stock && !vt_trace_start())
		sleeps = 0;
	ret = vt_run_writers(&d, NR_WRITERS, PER_WRITER, w);
	vt_writers_sum(w, NR_WRITERS, &all);
	for (i = 0; i < NR_WRITERS; i++)
		vt_info("writers: writer %d: %d started, %d EBUSY/EAGAIN, %.3f s in write, %.3f s CPU",
			i, w[i].started, w[i].ebusy, w[i].wall, w[i].cpu);
	if (!ret)
		ret = vt_count_irqs(&d, all.started);
	vt_close(&d);
	if (sleeps == 0)
		sleeps = vt_trace_count("BUSY x IO_REQ -> BUSY");
	if (ret)
		return vt_at("at once");

	cpu_solo = solo.cpu / solo.started;
	wall_solo = solo.wall / solo.started;
	cpu_all = all.cpu / all.started;
	wall_all = all.wall / all.started;
	vt_info("writers: per write, alone %.1f ms (%.1f ms CPU); %d at once %.1f ms (%.1f ms CPU); %d requests, %d sleeps, %d EBUSY/EAGAIN",
		wall_solo * 1e3, cpu_solo * 1e3, NR_WRITERS, wall_all * 1e3,
		cpu_all * 1e3, all.started, sleeps, all.ebusy);
	if (all.ebusy)
		return vt_fail("%d writes answered EBUSY or EAGAIN", all.ebusy);
	/* each final interrupt wakes every sleeper once: no more retries */
	if (sleeps > all.started * (NR_WRITERS - 1) + NR_WRITERS)
		return vt_fail("%d sleeps for %d requests: writers spin",
			       sleeps, all.started);
	if (cpu_all > CPU_FACTOR_MAX * cpu_solo + 0.002)
		return vt_fail("%.1f ms CPU per write at once, %.1f ms alone",
			       cpu_all * 1e3, cpu_solo * 1e3);
	/*
	 * The guest's clock follows the host's: a host that preempts the
	 * vCPU while a sleeper is current (on the way into or out of its
	 * sleep) charges it the time. On a loaded host a wait may thus go
	 * over the CPU bound once; one that spins or polls goes over it on
	 * every try.
	 */
	for (i = 1;; i++) {
		ret = long_wait(env);
		if (ret != LONG_WAIT_CPU || i == LONG_WAIT_TRIES)
			break;
		vt_info("writers: long wait, try %d: %s; again", i, vt_why);
	}
	return ret ? -1 : 0;
}

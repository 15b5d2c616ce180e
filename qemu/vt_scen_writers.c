// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 2, several writers on one device file at once.
 *
 * Each writer has its own slot and its own SENSE ID length, so its data
 * tells whether its own program ran into its own buffer. A writer that
 * finds the device busy must sleep in the kernel until it may start: no
 * -EBUSY, and no CPU time spent waiting: getrusage() of the thread
 * measures each write(), and a write() that waited may cost no more CPU
 * than one of a writer alone, give or take a tenth of its wait. The FSM
 * tracepoint counts the sleeps, so the run says whether writers did meet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "vt.h"

#define NR_WRITERS	4
#define PER_WRITER	60
/* CPU a wait may cost, as a share of the time waited */
#define CPU_SHARE_MAX	0.10

struct writer {
	pthread_t thread;
	struct vt_dev *d;
	int slot;
	uint16_t count;
	int requests;
	int started;
	int ebusy;
	int failed;		/* -1 and ->why once anything else went wrong */
	double wall;		/* in write() */
	double cpu;		/* in write() */
	char why[512];
};

static double thread_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

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

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct ccw_io_region r;
	int i, ret;

	for (i = 0; i < w->requests; i++) {
		double t0, c0;

		vt_senseid_prepare(w->slot, w->count, &r);
		do {
			t0 = vt_now();
			c0 = thread_cpu();
			ret = vt_write_region(w->d, &r);
			w->cpu += thread_cpu() - c0;
			w->wall += vt_now() - t0;
			/* the stock module answers -EBUSY: count, retry */
			w->ebusy += ret == -EBUSY;
		} while (ret == -EBUSY && w->ebusy < 1000000);
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
	return NULL;
}

/*
 * Run @n writers of @requests SENSE IDs each on @d, one thread each,
 * described in @w[0..n-1]. 0 if every request started and brought its
 * data back.
 */
static int run_writers(struct vt_dev *d, int n, int requests,
		       struct writer *w)
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
static int count_irqs(struct vt_dev *d, int expected)
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

/* Sums over @n writers */
static void add_up(struct writer *w, int n, struct writer *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		sum->started += w[i].started;
		sum->ebusy += w[i].ebusy;
		sum->wall += w[i].wall;
		sum->cpu += w[i].cpu;
	}
}

/*
 * One writer alone first: what a write() costs without waiting. Then
 * NR_WRITERS at once: each request costs the same CPU plus what its
 * wait costs, which must be next to nothing against the wait itself.
 */
int vt_scen_writers(struct vt_env *env)
{
	struct writer w[NR_WRITERS], solo, all;
	double cpu_solo, wall_solo, wait, cpu_extra;
	int i, sleeps = -1, ret;
	struct vt_dev d;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = run_writers(&d, 1, PER_WRITER, &solo);
	if (!ret)
		ret = count_irqs(&d, solo.started);
	if (ret) {
		vt_close(&d);
		return vt_at("alone");
	}
	cpu_solo = solo.cpu / solo.started;
	wall_solo = solo.wall / solo.started;

	if (!vt_stock && !vt_trace_start())
		sleeps = 0;
	ret = run_writers(&d, NR_WRITERS, PER_WRITER, w);
	add_up(w, NR_WRITERS, &all);
	for (i = 0; i < NR_WRITERS; i++)
		vt_info("writer %d: %d started, %d EBUSY, %.3f s in write, %.3f s CPU",
			i, w[i].started, w[i].ebusy, w[i].wall, w[i].cpu);
	if (!ret)
		ret = count_irqs(&d, all.started);
	vt_close(&d);
	if (sleeps == 0)
		sleeps = vt_trace_count("BUSY x SSCH_REQ -> BUSY");
	if (ret)
		return -1;

	/* per request: the wait, and the CPU spent beyond a solo write */
	wait = all.wall / all.started - wall_solo;
	cpu_extra = all.cpu / all.started - cpu_solo;
	vt_info("writers: alone %.1f ms per write (%.1f ms CPU); %d at once: %d requests, %d sleeps, %d EBUSY, %.1f ms waited per write, %.2f ms CPU beyond a solo write",
		wall_solo * 1e3, cpu_solo * 1e3, NR_WRITERS, all.started,
		sleeps, all.ebusy, wait * 1e3, cpu_extra * 1e3);
	if (all.ebusy)
		return vt_fail("%d writes answered EBUSY", all.ebusy);
	if (cpu_extra > CPU_SHARE_MAX * wait + cpu_solo / 2)
		return vt_fail("%.2f ms CPU per %.2f ms of waiting: writers spin",
			       cpu_extra * 1e3, wait * 1e3);
	return 0;
}

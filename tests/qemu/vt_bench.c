// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: bench mode, for bench/qemu_bench.py, the same for our
 * module and the stock one. Two measures, printed as "# bench: key=value"
 * lines:
 *   sequential  SENSE ID round trips one after the other (start, wait for
 *               the interrupt, read and check the IRB and the data)
 *   concurrent  BENCH_WRITERS writers at once on one device file, each
 *               retrying what the module answers EBUSY or EAGAIN
 * Every request is checked as in the scenarios; the counts of EBUSY and
 * EAGAIN answers say how often a writer was sent back to spin.
 */
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define BENCH_WARMUP		20
#define BENCH_SEQUENTIAL	2000
#define BENCH_WRITERS		4
#define BENCH_PER_WRITER	1000

static int sequential(struct vt_dev *d)
{
	double t0;
	int i, busy = 0;

	for (i = 0; i < BENCH_WARMUP; i++)
		if (vt_senseid_busy(d, 0, 32, &busy))
			return vt_at("warm-up");
	busy = 0;
	t0 = vt_now();
	for (i = 0; i < BENCH_SEQUENTIAL; i++)
		if (vt_senseid_busy(d, 0, 32, &busy))
			return vt_at("sequential");
	t0 = vt_now() - t0;
	printf("# bench: sequential requests=%d seconds=%.3f per_s=%.0f busy=%d\n",
	       BENCH_SEQUENTIAL, t0, BENCH_SEQUENTIAL / t0, busy);
	return 0;
}

static int concurrent(struct vt_dev *d)
{
	struct vt_writer w[BENCH_WRITERS], all;
	double t0;

	t0 = vt_now();
	if (vt_run_writers(d, BENCH_WRITERS, BENCH_PER_WRITER, w))
		return vt_at("concurrent");
	t0 = vt_now() - t0;
	vt_writers_sum(w, BENCH_WRITERS, &all);
	if (vt_count_irqs(d, all.started))
		return vt_at("concurrent");
	printf("# bench: concurrent writers=%d requests=%d seconds=%.3f per_s=%.0f busy=%d write_ms=%.2f cpu_ms=%.2f thread_cpu_ms=%.2f\n",
	       BENCH_WRITERS, all.started, t0, all.started / t0, all.ebusy,
	       all.wall * 1e3 / all.started, all.cpu * 1e3 / all.started,
	       all.cpu_thread * 1e3 / all.started);
	return 0;
}

int vt_bench(struct vt_env *env)
{
	struct vt_dev d;
	int ret;

	if (vt_setup(env))
		return -1;
	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = sequential(&d) || concurrent(&d) ? -1 : 0;
	vt_close(&d);
	if (!ret && vt_teardown(env))
		return -1;
	return ret;
}

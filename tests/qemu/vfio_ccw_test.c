// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: /init of the QEMU guest that tests the vfio_ccw module.
 *
 * Mounts what it needs, loads /vfio_ccw.ko, runs the scenarios in order
 * and prints one line each, "ok NAME" or "FAIL NAME: reason", then
 * "N passed, M failed", and powers the machine off. Lines starting with
 * "# " are information; "vt: qmp ..." lines are requests to the host
 * (tests/qemu/run.py), which drives QEMU's monitor.
 *
 * Arguments (the kernel command line after "--"):
 *   check [stock] [NAME...]   the scenarios (all, or the ones named)
 *   bench [stock]             the benchmark of bench/qemu_bench.py
 *   real-client [stock]       QEMU's own vfio-ccw as the user (vt_scen_real.c)
 * "stock": the module is upstream's vfio_ccw (no FSM tracepoint).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vt.h"

__thread char vt_why[512];
bool vt_stock;

static int vt_passed, vt_failed;

int vt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vt_why, sizeof(vt_why), fmt, ap);
	va_end(ap);
	return -1;
}

/* The failure happened at @step: say so in front of the reason. */
int vt_at(const char *step)
{
	char why[sizeof(vt_why)];

	snprintf(why, sizeof(why), "%s", vt_why);
	snprintf(vt_why, sizeof(vt_why), "%s: %.400s", step, why);
	return -1;
}

/* An answer as its name: "0", "EINVAL", ... */
const char *vt_err(int ret)
{
	const char *name;

	if (!ret)
		return "0";
	name = strerrorname_np(ret < 0 ? -ret : ret);
	return name ? name : "E?";
}

/* 0 if @what was answered @expected, else -1 and why */
int vt_expect(const char *what, int ret, int expected)
{
	if (ret == expected)
		return 0;
	return vt_fail("%s: answered %s, expected %s", what, vt_err(ret),
		       vt_err(expected));
}

void vt_info(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
}

double vt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread, user and system */
double vt_thread_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void vt_msleep(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);
}

/*
 * The guest's speed, against an idle host: TCG slows down sharply when
 * the host is busy, and a wait that an idle guest meets in 10 ms can then
 * take seconds. A fixed loop is timed at boot; every wait for the module
 * (an interrupt, a removal, a sleeper) is stretched by the ratio, never
 * shrunk, and at most VT_SLOWEST times.
 */
#define VT_CALIBRATE_LOOPS	20000000u
#define VT_CALIBRATE_IDLE_MS	180.0	/* TCG on an idle 2-core host */
#define VT_SLOWEST		10.0

static double vt_slowness = 1.0;

void vt_calibrate(void)
{
	volatile uint32_t x = 1;
	double t = vt_now(), ms;
	uint32_t i;

	for (i = 0; i < VT_CALIBRATE_LOOPS; i++)
		x = x * 1664525u + 1013904223u;
	ms = (vt_now() - t) * 1e3;
	vt_slowness = ms / VT_CALIBRATE_IDLE_MS;
	if (vt_slowness < 1.0)
		vt_slowness = 1.0;
	if (vt_slowness > VT_SLOWEST)
		vt_slowness = VT_SLOWEST;
	/* run.py reads this line: it stretches its own deadline as much */
	printf("# guest speed: loop %.0f ms (idle %.0f), waits x%.2f\n",
	       ms, VT_CALIBRATE_IDLE_MS, vt_slowness);
}

int vt_wait_ms(int ms)
{
	return ms > 0 ? (int)(ms * vt_slowness) : ms;
}

/* The running kernel is @version ("6.1": 6.1.x), as uname says */
bool vt_kernel_is(const char *version)
{
	struct utsname u;
	size_t n = strlen(version);

	return !uname(&u) && !strncmp(u.release, version, n) &&
	       (u.release[n] == '.' || u.release[n] == '-' || !u.release[n]);
}

/* One verdict line, counted: "ok NAME (detail)" or "FAIL NAME: detail" */
void vt_result(const char *name, bool ok, const char *detail)
{
	if (!ok)
		printf("FAIL %s: %s\n", name, detail);
	else if (detail[0])
		printf("ok %s (%s)\n", name, detail);
	else
		printf("ok %s\n", name);
	vt_passed += ok;
	vt_failed += !ok;
}

void vt_report(const char *name, int ret, double t0)
{
	char took[32];

	snprintf(took, sizeof(took), "%.1f s", vt_now() - t0);
	vt_result(name, !ret, ret ? vt_why : took);
}

/* Flush the console, then power off: init must never exit. */
static void __attribute__((noreturn)) vt_power_off(void)
{
	fflush(stdout);
	/* the SCLP console writes asynchronously: let it drain */
	tcdrain(STDOUT_FILENO);
	sync();
	vt_msleep(1500);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

struct vt_scenario {
	const char *name;
	int (*run)(struct vt_env *env);
	bool needs_setup;	/* works on the bound subchannel and its mdev */
};

static const struct vt_scenario vt_scenarios[] = {
	{ "lifecycle", vt_scen_lifecycle, false },
	{ "writers", vt_scen_writers, true },
	{ "signal", vt_scen_signal, true },
	{ "reset-wakes-sleeper", vt_scen_reset_wakes, true },
	{ "bad-input", vt_scen_bad_input, true },
	{ "regions", vt_scen_regions, true },
	{ "async-halt-clear", vt_scen_async, true },
	{ "request-irq", vt_scen_request, true },
	{ "mdev-recreate", vt_scen_mdev_recreate, true },
	{ "close-after-start", vt_scen_close_after_start, true },
	{ "remove-after-start", vt_scen_remove_after_start, true },
	{ "async-suspended", vt_scen_async_suspended, true },
	{ "clear-racing-start", vt_scen_clear_racing_start, true },
	{ "async-offline", vt_scen_async_offline, true },
	{ "device-loss", vt_scen_device_loss, true },
	/* after device-loss: a vary reaches every device on the path */
	{ "path-vary", vt_scen_path, true },
	/* after device-loss: rng1 plugged in again */
	{ "device-return", vt_scen_device_return, true },
	/* last: lockdep reports once per boot, and this one finds a cycle */
	{ "unmap-while-pinned", vt_scen_unmap_pinned, true },
	/* after device-return: rng1 is back, on io_subchannel */
	{ "unmap-bystander", vt_scen_unmap_bystander, true },
};

/* @names: the scenarios asked for, all if none */
static bool vt_wanted(const char *name, int nr_names, char **names)
{
	int i;

	if (!nr_names)
		return true;
	for (i = 0; i < nr_names; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static void vt_check(struct vt_env *env, int nr_names, char **names)
{
	bool set_up = false, setup_failed = false;
	char setup_why[sizeof(vt_why)] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vt_scenarios); i++) {
		const struct vt_scenario *s = &vt_scenarios[i];
		double t0 = vt_now();

		if (!vt_wanted(s->name, nr_names, names))
			continue;
		if (s->needs_setup && !set_up && !setup_failed) {
			if (vt_setup(env)) {
				snprintf(setup_why, sizeof(setup_why), "%s",
					 vt_why);
				setup_failed = true;
			}
			set_up = !setup_failed;
		}
		if (s->needs_setup && setup_failed) {
			vt_fail("setup: %s", setup_why);
			vt_report(s->name, -1, t0);
			continue;
		}
		vt_report(s->name, s->run(env), t0);
	}
	/*
	 * Give the subchannel back, unless a failure may have left a device
	 * open: the mdev removal would wait for it for good.
	 */
	if (!set_up)
		return;
	if (vt_failed)
		vt_info("teardown skipped after a failure");
	else if (vt_teardown(env))
		vt_report("teardown", -1, vt_now());
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "check";
	struct vt_env env = { .group_id = -1 };
	int nr_names = argc > 2 ? argc - 2 : 0;
	char **names = argv + 2;
	double t0 = vt_now();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nr_names && !strcmp(names[0], "stock")) {
		vt_stock = true;
		nr_names--;
		names++;
	}
	printf("# vfio_ccw_test: %s\n", mode);
	vt_calibrate();
	if (vt_mount_all() || vt_buf_map() || vt_insmod(VT_MODULE) ||
	    vt_find_sch(VT_DEVNO, env.sch, sizeof(env.sch))) {
		vt_report("boot", -1, t0);
		goto out;
	}
	if (vt_cells_start())
		vt_info("FSM cells not counted: %s", vt_why);
	/* A task stuck for 20 s is reported (and fails the run) */
	vt_write_file("/proc/sys/kernel/hung_task_timeout_secs", "20");
	vt_info("device %s on subchannel %s", VT_DEVNO, env.sch);

	if (!strcmp(mode, "bench")) {
		vt_report("bench", vt_bench(&env), t0);
		goto out;
	}
	if (!strcmp(mode, "real-client")) {
		vt_real_client(&env);
		goto out;
	}
	vt_check(&env, nr_names, names);
out:
	vt_cells_report();
	printf("%d passed, %d failed\n", vt_passed, vt_failed);
	vt_power_off();
}

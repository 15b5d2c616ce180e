// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the user's memory unmapped (VFIO_IOMMU_UNMAP_DMA) under
 * starts that hold pages of it pinned. The VFIO core asks the module
 * (dma_unmap) to unpin them before the unmap may go on; the module takes
 * the device offline to end the I/O, then online again: the user goes on
 * without a reset (unless type1 had to ask five times in a row for one
 * range: then the device stays offline until a reset, so that no start
 * can pin the range again). Runs last: 6.1's type1 takes its iommu->lock
 * under its device_list_lock when a driver unpins there, which lockdep
 * reports (once per boot; run.py knows that report, tests/qemu/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "scsw_bits.h"
#include "vt.h"

#define SLOT_PINNED	21
#define UNMAP_ROUNDS	200
#define UNMAP_WRITERS	3

struct unmap_writer {
	pthread_t thread;
	struct vt_dev *d;
	int index;
	int stop;
	int done;
	int started, refused;
	int bad;		/* an answer no unmap explains */
};

/*
 * A SENSE ID with the suspend flag, in an ORB allowing suspension: QEMU
 * suspends it before the CCW, so its data page stays pinned until the
 * start is cancelled.
 */
static void pinned_senseid_prepare(int slot, struct ccw_io_region *r)
{
	vt_senseid_prepare(slot, 16, r);
	vt_ccw_put(slot, 0, CCW_CMD_SENSE_ID, CCW_FLAG_SLI | CCW_FLAG_SUSPEND,
		   16, vt_slot_iova(slot) + VT_DATA_OFF);
	vt_region_start(r, ORB_SPND | ORB_FMT | ORB_PFCH | ORB_LPM_ANY,
			vt_slot_iova(slot));
}

/*
 * Starts that pin pages, while the memory comes and goes: plain SENSE
 * IDs (even writers: pinned until their interrupt is handled) and
 * suspended ones (odd writers: pinned until a reset). Any answer an
 * unmap or a reset explains will do.
 */
static void *unmap_writer_run(void *arg)
{
	struct unmap_writer *w = arg;
	struct ccw_io_region r;
	int ret;

	while (!__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST)) {
		if (w->index % 2)
			pinned_senseid_prepare(SLOT_PINNED + 1 + w->index, &r);
		else
			vt_senseid_prepare(SLOT_PINNED + 1 + w->index, 16, &r);
		ret = vt_write_region(w->d, &r);
		if (!ret)
			w->started++;
		/* memory unmapped, device offline, racing a reset */
		else if (ret == -EINVAL || ret == -EIO || ret == -EBUSY)
			w->refused++;
		else if (!w->bad)
			w->bad = ret;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Wake the writers (asleep behind a suspended start) until all ended. */
static int stop_writers(struct vt_dev *d, struct unmap_writer *w)
{
	double end = vt_now() + 10;
	int i, alive;

	for (i = 0; i < UNMAP_WRITERS; i++)
		__atomic_store_n(&w[i].stop, 1, __ATOMIC_SEQ_CST);
	do {
		if (ioctl(d->fd, VFIO_DEVICE_RESET))
			return vt_fail("VFIO_DEVICE_RESET: %m");
		vt_msleep(10);
		for (alive = 0, i = 0; i < UNMAP_WRITERS; i++)
			alive += !__atomic_load_n(&w[i].done, __ATOMIC_SEQ_CST);
	} while (alive && vt_now() < end);
	if (alive)
		return vt_fail("%d writers still asleep after resets", alive);
	for (i = 0; i < UNMAP_WRITERS; i++)
		pthread_join(w[i].thread, NULL);
	/* the last start of a writer may still be in flight */
	return ioctl(d->fd, VFIO_DEVICE_RESET) ? vt_fail("reset: %m") : 0;
}

/*
 * The start the unmap ended was answered 0: its end (the halt's or the
 * clear's IRB) is the user's, in the region and signalled on the eventfd,
 * by the time the unmap returns (the quiesce waits for the work to hand
 * it over; model: start_end_delivered). Upstream's quiesce dropped it.
 */
static int unmap_end_delivered(struct vt_dev *d)
{
	struct ccw_io_region r;
	struct vt_scsw s;
	uint64_t n = 0;
	int ret;

	ret = vt_wait_irq(d, 0, &n);
	if (ret)
		return vt_fail("no interrupt for the start the unmap ended: %s",
			       vt_err(ret));
	ret = vt_read_region(d, &r);
	if (ret)
		return vt_fail("reading the IRB: %s", vt_err(ret));
	vt_scsw_decode(&r, &s);
	vt_info("unmap-while-pinned: %llu interrupt(s), the IRB's fctl %#x actl %#x stctl %#x",
		(unsigned long long)n, s.fctl, s.actl, s.stctl);
	if (!(s.fctl & (FCTL_HALT | FCTL_CLEAR)) || !(s.stctl & STCTL_PENDING))
		return vt_fail("the IRB is not the end of a halt or clear: fctl %#x stctl %#x",
			       s.fctl, s.stctl);
	return 0;
}

/*
 * The user unmaps its memory while a start holds pages of it pinned: the
 * module must unpin them (ending the I/O) before the unmap returns, and
 * the device stays usable: a start on the unmapped memory is refused as
 * any start on unmapped memory, and once mapped again the device works,
 * with no reset. Then unmap and map (and reset, every other round) in a
 * loop while writers keep starting programs that pin pages and stay in
 * flight: every unmap must still get its pages back (type1 asks ten times,
 * then BUGs).
 */
int vt_scen_unmap_pinned(struct vt_env *env)
{
	struct unmap_writer w[UNMAP_WRITERS], all = { 0 };
	struct ccw_io_region r;
	struct vt_dev d;
	double t;
	int i, n, ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	pinned_senseid_prepare(SLOT_PINNED, &r);
	ret = vt_write_region(&d, &r);
	if (ret) {
		vt_close(&d);
		return vt_fail("suspended SENSE ID: write: %s", vt_err(ret));
	}
	t = vt_now();
	ret = vt_dma_map(&d, false);
	t = vt_now() - t;
	if (ret) {
		vt_close(&d);
		return vt_fail("unmap with pages pinned: %s", vt_err(ret));
	}
	vt_info("unmap-while-pinned: the unmap with a start in flight took %.1f ms",
		t * 1e3);
	ret = unmap_end_delivered(&d);
	if (ret) {
		vt_close(&d);
		return ret;
	}
	vt_senseid_prepare(SLOT_PINNED, 16, &r);
	ret = vt_expect("start on the unmapped memory, no reset",
			vt_write_region(&d, &r), -EINVAL);
	if (!ret && (vt_dma_map(&d, true) || vt_senseid(&d, SLOT_PINNED, 16)))
		ret = vt_at("map again, SENSE ID with no reset");
	if (ret) {
		vt_close(&d);
		return -1;
	}

	memset(w, 0, sizeof(w));
	for (n = 0; n < UNMAP_WRITERS; n++) {
		w[n].d = &d;
		w[n].index = n;
		if (pthread_create(&w[n].thread, NULL, unmap_writer_run,
				   &w[n]))
			break;
	}
	for (i = 0; i < UNMAP_ROUNDS && !ret; i++) {
		ret = vt_dma_map(&d, false);
		if (!ret)
			ret = vt_dma_map(&d, true);
		if (!ret && i % 2 && ioctl(d.fd, VFIO_DEVICE_RESET))
			ret = -errno;
		vt_msleep(1);	/* for the writers to start on mapped memory */
		if (ret)
			vt_fail("round %d: %s: %s", i, ret == -ENOSPC ?
				"unmap" : "unmap/map/reset", vt_err(ret));
	}
	if (n < UNMAP_WRITERS || stop_writers(&d, w)) {
		/* writers left asleep: the device file cannot be closed */
		return ret ? -1 : vt_fail("writers: %.400s", vt_why);
	}
	for (i = 0; i < UNMAP_WRITERS; i++) {
		all.started += w[i].started;
		all.refused += w[i].refused;
		if (!all.bad)
			all.bad = w[i].bad;
	}
	vt_info("unmap-while-pinned: %d unmap/map rounds; %d writers: %d started, %d refused",
		UNMAP_ROUNDS, UNMAP_WRITERS, all.started, all.refused);
	if (!ret && all.bad)
		ret = vt_fail("a writer got %s", vt_err(all.bad));
	if (!ret && vt_senseid(&d, SLOT_PINNED, 16))
		ret = vt_at("SENSE ID after");
	vt_close(&d);
	return ret;
}

/* More unmaps than the module fences at (VFIO_CCW_UNMAP_CALLS, 5) */
#define BYSTANDER_ROUNDS	8

/* One round: @a pins the buffer, the unmap makes it let go, map, reset */
static int unmap_round_of(struct vt_dev *a, int round)
{
	struct ccw_io_region r;
	int ret;

	pinned_senseid_prepare(SLOT_PINNED, &r);
	ret = vt_write_region(a, &r);
	if (ret)
		return vt_fail("round %d: suspended SENSE ID: %s", round,
			       vt_err(ret));
	ret = vt_dma_map(a, false);
	if (!ret)
		ret = vt_dma_map(a, true);
	if (ret)
		return vt_fail("round %d: unmap/map: %s", round, vt_err(ret));
	/* a's own count is forgotten: only the bystander's is at stake */
	if (ioctl(a->fd, VFIO_DEVICE_RESET))
		return vt_fail("round %d: reset: %m", round);
	vt_wait_irq(a, 0, NULL);
	return 0;
}

/*
 * Two devices in one container, only one of them pinned: type1 calls the
 * dma_unmap of every device of the container while any pins the range,
 * and the one that holds nothing must not count those calls (review bug
 * 4: after five it was fenced, -EIO to every start until a reset; model:
 * unmap_spares_bystanders). Then the bystander still starts I/O.
 */
int vt_scen_unmap_bystander(struct vt_env *env)
{
	struct vt_env other = { .group_id = -1 };
	struct vt_dev a, b;
	int i, ret = 0;

	if (vt_find_sch(VT_DEVNO_2, other.sch, sizeof(other.sch)))
		return vt_at("the second device");
	if (vt_setup(&other))
		return vt_at("second device: bind and create");
	if (vt_open(&a, env->uuid, env->group_id)) {
		ret = vt_at("open the pinning device");
		goto out_env;
	}
	if (vt_open_shared(&b, &a, other.uuid, other.group_id)) {
		ret = vt_at("open the bystander in the same container");
		goto out_a;
	}
	ret = vt_senseid(&b, SLOT_PINNED + 8, 16);
	if (ret) {
		ret = vt_at("bystander's SENSE ID before");
		goto out_b;
	}
	for (i = 0; i < BYSTANDER_ROUNDS && !ret; i++)
		ret = unmap_round_of(&a, i);
	if (!ret && vt_senseid(&b, SLOT_PINNED + 8, 16))
		ret = vt_at("the bystander after the unmaps it held nothing of");
	if (!ret && vt_senseid(&a, SLOT_PINNED, 16))
		ret = vt_at("the pinning device's SENSE ID after");
	if (!ret)
		vt_info("unmap-bystander: %d unmaps with the other device pinned: the bystander still starts",
			BYSTANDER_ROUNDS);
out_b:
	vt_close(&b);		/* its group; the container is a's */
out_a:
	vt_close(&a);
out_env:
	if (vt_teardown(&other) && !ret)
		ret = vt_at("second device: teardown");
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the mdev's lifetime. Since Linux 6.2 (and in our module
 * on 6.1 too) the FSM belongs to the mdev, not to the subchannel: each new
 * mdev starts from NOT_OPER with INIT, whatever the last one ended in.
 *
 * mdev-recreate: on the live subchannel, the mdev is removed after a start
 * it had in flight (its close quiesced it) and a new one is created, which
 * works; then remove, create, open, SENSE ID, close, 20 times. The FSM
 * tracepoint must count one NOT_OPER x INIT per mdev created.
 *
 * device-return: after device-loss (rng1's mdev went NOT_OPER and the css
 * unregistered its subchannel with it), the host plugs rng1 in again
 * ("vt: qmp device_add rng1"); the subchannel comes back, is bound to
 * vfio_ccw, and a new mdev on it starts fresh and works.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define SLOT_RECREATE	44
#define RECREATE_ROUNDS	20
#define RETURN_MAX	30.0	/* s: for the plugged device's subchannel */
#define NUDGE_AFTER	10.0	/* s: then ask for a css rescan */

/* INIT dispatched so far, as the FSM tracepoint counted it */
static unsigned long inits(void)
{
	return vt_cells_count_of("NOT_OPER", "INIT");
}

/* The tracepoint's count of INIT reaches @want within 2 s (drained late) */
static int expect_inits(const char *name, unsigned long want)
{
	double end = vt_now() + vt_wait_ms(2000) / 1000.0;

	if (vt_stock)
		return 0;
	while (inits() < want && vt_now() < end)
		vt_msleep(20);
	if (inits() != want)
		return vt_fail("%lu NOT_OPER x INIT seen, %lu expected: not one fresh FSM per mdev",
			       inits(), want);
	vt_info("%s: %lu NOT_OPER x INIT in the boot so far, one per mdev",
		name, want);
	return 0;
}

static int remove_mdev(struct vt_env *env)
{
	if (vt_mdev_remove(env->uuid))
		return vt_at("mdev remove");
	env->uuid[0] = '\0';
	return 0;
}

static int create_mdev(struct vt_env *env)
{
	if (vt_mdev_create(env->sch, env->uuid, sizeof(env->uuid)))
		return vt_at("mdev create");
	env->group_id = vt_group_id(env->uuid);
	return env->group_id < 0 ? vt_at("group") : 0;
}

/* Open the mdev, one SENSE ID, close. */
static int senseid_once(struct vt_env *env)
{
	struct vt_dev d;
	int ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = vt_senseid(&d, SLOT_RECREATE, 16);
	vt_close(&d);
	return ret ? vt_at("SENSE ID") : 0;
}

int vt_scen_mdev_recreate(struct vt_env *env)
{
	unsigned long first = inits();
	struct vt_dev d;
	char where[64];
	int i;

	/* the last mdev had a start in flight when it was closed */
	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	if (vt_start_suspended(&d)) {
		vt_close(&d);
		return -1;
	}
	vt_close(&d);
	if (remove_mdev(env) || create_mdev(env))
		return -1;
	if (senseid_once(env))
		return vt_at("the new mdev");
	for (i = 0; i < RECREATE_ROUNDS; i++) {
		snprintf(where, sizeof(where), "round %d", i);
		if (remove_mdev(env) || create_mdev(env) || senseid_once(env))
			return vt_at(where);
	}
	return expect_inits("mdev-recreate", first + RECREATE_ROUNDS + 1);
}

/* Wait for @devno's subchannel, nudging the css once; 0 when found. */
static int wait_sch(const char *devno, char *sch, size_t len)
{
	double asked = vt_now(), end = asked + RETURN_MAX;
	bool nudged = false;

	while (vt_find_sch(devno, sch, len)) {
		if (vt_now() > end)
			return vt_fail("no subchannel for %s %.0f s after the plug",
				       devno, RETURN_MAX);
		if (!nudged && vt_now() > asked + NUDGE_AFTER) {
			nudged = true;
			if (vt_write_file("/sys/devices/css0/rescan", "1"))
				vt_info("device-return: %s", vt_why);
		}
		vt_msleep(50);
	}
	/*
	 * Registered, but io_subchannel may still be recognizing the device
	 * (its own SENSE ID): let the css finish its work before the bind.
	 */
	if (vt_write_file("/proc/cio_settle", "1"))
		vt_info("device-return: %s", vt_why);
	vt_info("device-return: %s back on %s after %.1f s%s", devno, sch,
		vt_now() - asked, nudged ? ", once the css was rescanned" : "");
	return 0;
}

int vt_scen_device_return(struct vt_env *env)
{
	struct vt_env back = { .group_id = -1 };
	unsigned long first = inits();
	int ret;

	if (!vt_find_sch(VT_DEVNO_2, back.sch, sizeof(back.sch)))
		return vt_fail("%s is still there: device-loss did not run",
			       VT_DEVNO_2);
	printf("vt: qmp device_add rng1\n");
	fflush(stdout);
	if (wait_sch(VT_DEVNO_2, back.sch, sizeof(back.sch)))
		return -1;
	if (vt_setup(&back))
		return vt_at("bind and create");
	ret = senseid_once(&back);
	if (!ret)
		ret = expect_inits("device-return", first + 1);
	if (vt_teardown(&back) && !ret)
		ret = vt_at("teardown");
	return ret;
}

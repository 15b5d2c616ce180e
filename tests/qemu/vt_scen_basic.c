// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 1, the whole life of a vfio-ccw device, and the
 * setup and teardown the other scenarios share.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vt.h"

#define IO_SUBCHANNEL	"io_subchannel"

/* Poll for @path to appear (@present) or go, up to @ms milliseconds. */
static int wait_path(const char *path, bool present, unsigned int ms)
{
	double end;

	ms = vt_wait_ms(ms);
	end = vt_now() + ms / 1000.0;
	while (vt_exists(path) != present) {
		if (vt_now() > end)
			return vt_fail("%s did not %s in %u ms", path,
				       present ? "appear" : "go away", ms);
		vt_msleep(10);
	}
	return 0;
}

/* Append "@what N ms" to @buf: the time since *@t, which moves on. */
static void lap(char *buf, size_t len, const char *what, double *t)
{
	double now = vt_now();
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s %.0f ms", used ? ", " : "",
		 what, (now - *t) * 1e3);
	*t = now;
}

/*
 * Bind to vfio_ccw, create the mdev, open it, SENSE ID twice (the full
 * answer, then 7 bytes: nothing past them written), close, remove the
 * mdev, give the subchannel back to io_subchannel and see the I/O device
 * come back.
 */
int vt_scen_lifecycle(struct vt_env *env)
{
	char uuid[40], path[PATH_MAX], steps[256] = "";
	double t = vt_now();
	struct vt_dev d;
	int group;

	if (vt_bind(env->sch, VT_MODULE_NAME))
		return vt_at("bind");
	lap(steps, sizeof(steps), "bind", &t);
	if (vt_mdev_create(env->sch, uuid, sizeof(uuid)))
		return vt_at("mdev create");
	group = vt_group_id(uuid);
	if (group < 0)
		return vt_at("group");
	lap(steps, sizeof(steps), "create", &t);
	if (vt_open(&d, uuid, group))
		return vt_at("open");
	lap(steps, sizeof(steps), "open", &t);
	if (vt_senseid(&d, 0, 32)) {
		vt_close(&d);
		return vt_at("SENSE ID");
	}
	if (vt_senseid(&d, 1, 7)) {
		vt_close(&d);
		return vt_at("SENSE ID 7 bytes");
	}
	lap(steps, sizeof(steps), "2 SENSE IDs", &t);
	vt_close(&d);
	lap(steps, sizeof(steps), "close", &t);
	if (vt_mdev_remove(uuid))
		return vt_at("mdev remove");
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	if (wait_path(path, false, 5000))
		return vt_at("mdev remove");
	lap(steps, sizeof(steps), "remove", &t);
	if (vt_bind(env->sch, IO_SUBCHANNEL))
		return vt_at("rebind to io_subchannel");
	lap(steps, sizeof(steps), "unbind+bind", &t);
	snprintf(path, sizeof(path), "/sys/bus/css/devices/%s/%s", env->sch,
		 VT_DEVNO);
	/*
	 * cio's recognition takes 7 to 9 s here (the same with the main
	 * branch's kernel) and passed 10 s in 2 of 4 runs with the host busy
	 */
	if (wait_path(path, true, 30000))
		return vt_at("rebind to io_subchannel");
	lap(steps, sizeof(steps), "device back", &t);
	vt_info("lifecycle: %s", steps);
	return 0;
}

/* The subchannel bound to vfio_ccw with one mdev, for what follows. */
int vt_setup(struct vt_env *env)
{
	if (vt_bind(env->sch, VT_MODULE_NAME))
		return vt_at("bind");
	if (vt_mdev_create(env->sch, env->uuid, sizeof(env->uuid)))
		return vt_at("mdev create");
	env->group_id = vt_group_id(env->uuid);
	if (env->group_id < 0)
		return vt_at("group");
	return 0;
}

int vt_teardown(struct vt_env *env)
{
	if (env->uuid[0] && vt_mdev_remove(env->uuid))
		return vt_at("mdev remove");
	env->uuid[0] = '\0';
	if (vt_bind(env->sch, IO_SUBCHANNEL))
		return vt_at("rebind to io_subchannel");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the system side. Mounts, module loading, and the sysfs
 * steps of a vfio-ccw setup: find the subchannel of a device number, bind
 * it to a css driver, create and remove the mdev, find its IOMMU group.
 * Every function returns 0 (or a value) on success, -1 with vt_why set.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vt.h"

#define CSS_DEVICES	"/sys/bus/css/devices"
#define CSS_DRIVERS	"/sys/bus/css/drivers"
#define MDEV_DEVICES	"/sys/bus/mdev/devices"
#define TRACING		"/sys/kernel/tracing"
#define FSM_EVENT	TRACING "/events/vfio_ccw/vfio_ccw_fsm_event/enable"
#define STCRW_EVENT	TRACING "/events/s390/s390_cio_stcrw/enable"
#define CIO_EVENTS	TRACING "/events/s390/enable"
#define VFIO_CCW_EVENTS	TRACING "/events/vfio_ccw/enable"
#define WQ_EVENTS	TRACING "/events/workqueue/enable"

static int do_mount(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		return vt_fail("mount %s on %s: %m", type, dir);
	return 0;
}

int vt_mount_all(void)
{
	if (do_mount("proc", "/proc", "proc") ||
	    do_mount("sysfs", "/sys", "sysfs") ||
	    do_mount("devtmpfs", "/dev", "devtmpfs"))
		return -1;
	/* Only for the FSM tracepoint: a missing tracefs is no failure */
	mkdir(TRACING, 0755);
	mount("tracefs", TRACING, "tracefs", 0, NULL);
	return 0;
}

int vt_insmod(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return vt_fail("open %s: %m", path);
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	if (ret)
		return vt_fail("finit_module %s: %m", path);
	return 0;
}

int vt_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vt_fail("open %s: %m", path);
	n = write(fd, s, len);
	if (n != (ssize_t)len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		errno = err;
		return vt_fail("write '%s' to %s: %m", s, path);
	}
	if (close(fd))
		return vt_fail("close %s: %m", path);
	return 0;
}

/* Reads a small file; strips the trailing newline. */
int vt_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vt_fail("open %s: %m", path);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return vt_fail("read %s: %m", path);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

bool vt_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The subchannel whose I/O device is @devno: its child, or dev_busid. */
int vt_find_sch(const char *devno, char *sch, size_t len)
{
	char path[PATH_MAX], busid[32];
	struct dirent *de;
	DIR *dir;

	dir = opendir(CSS_DEVICES);
	if (!dir)
		return vt_fail("opendir %s: %m", CSS_DEVICES);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), CSS_DEVICES "/%s/%s",
			 de->d_name, devno);
		if (!vt_exists(path)) {
			snprintf(path, sizeof(path), CSS_DEVICES "/%s/dev_busid",
				 de->d_name);
			if (vt_read_file(path, busid, sizeof(busid)) ||
			    strcmp(busid, devno))
				continue;
		}
		snprintf(sch, len, "%s", de->d_name);
		closedir(dir);
		return 0;
	}
	closedir(dir);
	return vt_fail("no subchannel has device %s", devno);
}

/* The css driver @sch is bound to, "" if none. */
static int sch_driver(const char *sch, char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), CSS_DEVICES "/%s/driver", sch);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return vt_fail("readlink %s: %m", path);
		drv[0] = '\0';
		return 0;
	}
	link[n] = '\0';
	snprintf(drv, len, "%s", strrchr(link, '/') + 1);
	return 0;
}

/*
 * Bind @sch to the css driver @driver: driver_override, unbind from the
 * current one, bind. The override is left for vfio_ccw (a rescan would
 * otherwise hand the subchannel back) and cleared for anything else.
 */
int vt_bind(const char *sch, const char *driver)
{
	char path[PATH_MAX], cur[64];
	bool keep = !strcmp(driver, VT_MODULE_NAME);

	snprintf(path, sizeof(path), CSS_DEVICES "/%s/driver_override", sch);
	if (vt_write_file(path, driver))
		return -1;
	if (sch_driver(sch, cur, sizeof(cur)))
		return -1;
	if (!strcmp(cur, driver))
		goto out;
	if (cur[0]) {
		snprintf(path, sizeof(path), CSS_DRIVERS "/%s/unbind", cur);
		if (vt_write_file(path, sch))
			return -1;
	}
	snprintf(path, sizeof(path), CSS_DRIVERS "/%s/bind", driver);
	if (vt_write_file(path, sch))
		return -1;
	if (sch_driver(sch, cur, sizeof(cur)))
		return -1;
	if (strcmp(cur, driver))
		return vt_fail("%s is bound to '%s', not %s", sch, cur, driver);
out:
	if (!keep) {
		snprintf(path, sizeof(path), CSS_DEVICES "/%s/driver_override",
			 sch);
		return vt_write_file(path, "\n");
	}
	return 0;
}

/* A new mdev of type vfio_ccw-io on @sch; its UUID in @uuid. */
int vt_mdev_create(const char *sch, char *uuid, size_t len)
{
	static unsigned int serial;
	char path[PATH_MAX];

	snprintf(uuid, len, "6d0b5c2e-1f4a-4c3b-9e7d-%012x", ++serial);
	snprintf(path, sizeof(path),
		 CSS_DEVICES "/%s/mdev_supported_types/" VT_MDEV_TYPE "/create",
		 sch);
	if (vt_write_file(path, uuid)) {
		uuid[0] = '\0';
		return -1;
	}
	return 0;
}

/* Blocks while the device is open: the core waits for its last user. */
int vt_mdev_remove(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/remove", uuid);
	return vt_write_file(path, "1");
}

static void *vt_remover_run(void *arg)
{
	struct vt_remover *rm = arg;

	rm->ret = vt_mdev_remove(rm->uuid);
	if (rm->ret)
		snprintf(rm->why, sizeof(rm->why), "%s", vt_why);
	__atomic_store_n(&rm->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int vt_remover_start(struct vt_remover *rm, const char *uuid)
{
	memset(rm, 0, sizeof(*rm));
	rm->uuid = uuid;
	if (pthread_create(&rm->thread, NULL, vt_remover_run, rm))
		return vt_fail("pthread_create: %m");
	return 0;
}

/* The removal completes within @ms, and the mdev is gone */
int vt_remover_join(struct vt_remover *rm, int ms)
{
	char path[PATH_MAX];
	double end;

	ms = vt_wait_ms(ms);
	end = vt_now() + ms / 1000.0;
	while (!__atomic_load_n(&rm->done, __ATOMIC_SEQ_CST)) {
		if (vt_now() > end)
			return vt_fail("the removal did not complete within %d ms",
				       ms);
		vt_msleep(5);
	}
	pthread_join(rm->thread, NULL);
	if (rm->ret)
		return vt_fail("remove: %s", rm->why);
	snprintf(path, sizeof(path), MDEV_DEVICES "/%s", rm->uuid);
	if (vt_exists(path))
		return vt_fail("%s is still there", path);
	return 0;
}

int vt_group_id(const char *uuid)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return vt_fail("readlink %s: %m", path);
	link[n] = '\0';
	return atoi(strrchr(link, '/') + 1);
}

/*
 * Print every task asleep uninterruptibly (state D) or running (R: a CPU
 * hog delays bound work), and every task asleep in vfio, mdev or cio
 * code, with its kernel stack: for a failure that looks like a hang.
 */
void vt_dump_blocked(void)
{
	char path[PATH_MAX], stat[512], stack[2048], *p, *q;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (vt_read_file(path, stat, sizeof(stat)))
			continue;
		p = strrchr(stat, ')');
		if (!p || p[1] != ' ')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stack", de->d_name);
		if (vt_read_file(path, stack, sizeof(stack)))
			snprintf(stack, sizeof(stack), "(no stack)");
		if (atoi(de->d_name) == getpid())
			continue;
		if (p[2] != 'D' && p[2] != 'R' && !strstr(stack, "vfio") &&
		    !strstr(stack, "mdev") && !strstr(stack, "css_") &&
		    !strstr(stack, "cio_"))
			continue;
		/* one line: the frames' names, innermost first */
		for (q = stack; (q = strchr(q, '\n')); )
			*q = '<';
		*p = '\0';
		vt_info("blocked: %s %s): %s", de->d_name,
			strchr(stat, '('), stack);
	}
	closedir(dir);
}

/* A group of events on or off, if the kernel has it */
static int trace_group(const char *path, const char *on)
{
	return vt_exists(path) ? vt_write_file(path, on) : -1;
}

/*
 * Turn the FSM tracepoint on, and the s390 cio one that logs each CRW
 * the guest stores, the others of vt_trace_hand_off() off; empty the
 * buffer. -1 if the FSM one is unavailable.
 */
int vt_trace_start(void)
{
	int fd;

	trace_group(WQ_EVENTS, "0");
	trace_group(CIO_EVENTS, "0");
	trace_group(VFIO_CCW_EVENTS, "0");
	if (vt_exists(STCRW_EVENT))
		vt_write_file(STCRW_EVENT, "1");
	if (!vt_exists(FSM_EVENT) || vt_write_file(FSM_EVENT, "1"))
		return -1;
	fd = open(TRACING "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return vt_fail("open %s/trace: %m", TRACING);
	close(fd);
	return 0;
}

/*
 * Lines of the trace buffer that contain @needle and @also (unless NULL),
 * -1 if unreadable; the first @print of them printed as information,
 * from the event name on.
 */
int vt_trace_lines(const char *needle, const char *also, int print)
{
	FILE *f = fopen(TRACING "/trace", "re");
	char line[512], *p;
	int count = 0;

	if (!f)
		return vt_fail("open %s/trace: %m", TRACING);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, needle) ||
		    (also && !strstr(line, also)))
			continue;
		if (count++ < print) {
			line[strcspn(line, "\n")] = '\0';
			p = strstr(line, ": ");
			vt_info("trace: %s", p ? p + 2 : line);
		}
	}
	fclose(f);
	return count;
}

/*
 * Also trace cio (csch, interrupt, tsch) and the workqueues: how long an
 * interrupt's IRB waited for the work item. -1 if unavailable.
 */
int vt_trace_hand_off(void)
{
	if (vt_trace_start() || trace_group(CIO_EVENTS, "1") ||
	    trace_group(VFIO_CCW_EVENTS, "1") || trace_group(WQ_EVENTS, "1"))
		return -1;
	return 0;
}

/* After a failure: the running and blocked tasks, the whole trace */
void vt_trace_dump(void)
{
	FILE *f = fopen(TRACING "/trace", "re");
	char line[512];

	vt_dump_blocked();
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#') {
			line[strcspn(line, "\n")] = '\0';
			vt_info("trace: %s", line);
		}
	fclose(f);
}

int vt_trace_count(const char *needle)
{
	return vt_trace_lines(needle, NULL, 0);
}

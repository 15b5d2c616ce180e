// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: what stock 6.1 offers beyond the I/O region, as QEMU's
 * hw/vfio/ccw.c uses it. The regions after the I/O region, found through
 * their capability (async command, schib, CRW) and the interrupts (I/O,
 * CRW, request); halt and clear through the async region; the request
 * interrupt when the mdev is removed under its user; a channel path
 * varied off and on under a start (the one path event QEMU's TCG lets the
 * guest cause: it emulates no channel-path CRW and no SCLP channel-path
 * reconfiguration).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vt.h"

#define SLOT_REGIONS	40
#define SLOT_PATH	41

/* The schib as the schib region has it (struct schib, big-endian) */
struct vt_schib {
	uint8_t isc;
	bool ena, dnv;
	uint16_t devno;
	uint8_t lpm, pnom, lpum, pim, pom, pam;
	uint8_t chpid[8];
	unsigned int fctl, actl, stctl, cc;
};

static void schib_decode(const uint8_t *p, struct vt_schib *s)
{
	uint32_t w0 = (uint32_t)p[28] << 24 | (uint32_t)p[29] << 16 |
		      (uint32_t)p[30] << 8 | p[31];

	s->isc = (p[4] >> 3) & 7;
	s->ena = p[5] & 0x80;
	s->dnv = p[5] & 0x01;
	s->devno = (uint16_t)(p[6] << 8 | p[7]);
	s->lpm = p[8];
	s->pnom = p[9];
	s->lpum = p[10];
	s->pim = p[11];
	s->pom = p[14];
	s->pam = p[15];
	memcpy(s->chpid, p + 16, sizeof(s->chpid));
	s->cc = (w0 >> 24) & 3;
	s->fctl = (w0 >> 12) & 7;
	s->actl = (w0 >> 5) & 0x7f;
	s->stctl = w0 & 0x1f;
}

static int read_schib(struct vt_dev *d, const struct vt_region *r,
		      struct vt_schib *s)
{
	uint8_t buf[sizeof(struct ccw_schib_region)];
	int ret;

	ret = vt_region_read(d, r, buf, sizeof(buf));
	if (ret)
		return vt_fail("read the schib region: %s", vt_err(ret));
	schib_decode(buf, s);
	return 0;
}

static void schib_info(const char *when, const struct vt_schib *s)
{
	vt_info("schib %s: ena %d isc %u devno %04x lpm %02x lpum %02x pim %02x pam %02x pom %02x chpid0 %02x; scsw fctl %x actl %02x stctl %02x cc %u",
		when, s->ena, s->isc, s->devno, s->lpm, s->lpum, s->pim,
		s->pam, s->pom, s->chpid[0], s->fctl, s->actl, s->stctl,
		s->cc);
}

/* Diagnosis: the subchannel as the schib region reads it now */
void vt_schib_dump(struct vt_dev *d, const char *when)
{
	char why[sizeof(vt_why)];
	struct vt_region r;
	struct vt_schib s;

	memcpy(why, vt_why, sizeof(why));	/* keep the caller's reason */
	if (!vt_cap_region(d, VFIO_REGION_SUBTYPE_CCW_SCHIB, &r) &&
	    !read_schib(d, &r, &s))
		schib_info(when, &s);
	memcpy(vt_why, why, sizeof(why));
}

/* The three regions of a device, as QEMU finds them */
struct vt_regions {
	struct vt_region async, schib, crw;
};

static int find_regions(struct vt_dev *d, struct vt_regions *r)
{
	if (vt_cap_region(d, VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD, &r->async))
		return vt_fail("no async command region");
	if (vt_cap_region(d, VFIO_REGION_SUBTYPE_CCW_SCHIB, &r->schib))
		return vt_fail("no schib region");
	if (vt_cap_region(d, VFIO_REGION_SUBTYPE_CCW_CRW, &r->crw))
		return vt_fail("no CRW region");
	return 0;
}

/* The next IRB for the user: the I/O eventfd within @ms, then the region */
static int next_irb(struct vt_dev *d, int ms, struct ccw_io_region *io,
		    struct vt_scsw *s)
{
	int ret;

	ret = vt_wait_irq(d, ms, NULL);
	if (ret)
		return vt_fail("no interrupt within %d ms: %s", vt_wait_ms(ms),
			       vt_err(ret));
	ret = vt_read_region(d, io);
	if (ret)
		return vt_fail("read the I/O region: %s", vt_err(ret));
	vt_scsw_decode(io, s);
	return 0;
}

/* ------------------------------------------------------------ regions */

static const struct {
	uint32_t subtype;
	uint64_t size;
	uint32_t flags;
	const char *name;
} cap_regions[] = {
	{ VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD, sizeof(struct ccw_cmd_region),
	  VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, "async" },
	{ VFIO_REGION_SUBTYPE_CCW_SCHIB, sizeof(struct ccw_schib_region),
	  VFIO_REGION_INFO_FLAG_READ, "schib" },
	{ VFIO_REGION_SUBTYPE_CCW_CRW, sizeof(struct ccw_crw_region),
	  VFIO_REGION_INFO_FLAG_READ, "crw" },
};

/* Region @i (1..3) says what it is, through its capability, as stock */
static int check_region_info(struct vt_dev *d, unsigned int i)
{
	struct vfio_region_info small = { .argsz = sizeof(small), .index = i };
	struct vfio_region_info_cap_type cap;
	struct vfio_region_info info;
	unsigned int k = i - 1;
	int ret;

	/* argsz with no room for the capability: told how much is needed */
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &small))
		return vt_fail("region %u info: %m", i);
	if (!(small.flags & VFIO_REGION_INFO_FLAG_CAPS) ||
	    small.argsz <= sizeof(small) || small.cap_offset)
		return vt_fail("region %u, short argsz: flags %#x argsz %u cap_offset %u",
			       i, small.flags, small.argsz, small.cap_offset);
	ret = vt_region_info(d, i, &info, &cap);
	if (ret)
		return vt_fail("region %u info: %s", i, vt_err(ret));
	if (cap.header.version != 1 || cap.type != VFIO_REGION_TYPE_CCW ||
	    cap.subtype != cap_regions[k].subtype)
		return vt_fail("region %u: capability version %u type %u subtype %u, expected the %s region",
			       i, cap.header.version, cap.type, cap.subtype,
			       cap_regions[k].name);
	if (info.size != cap_regions[k].size ||
	    (info.flags & ~VFIO_REGION_INFO_FLAG_CAPS) != cap_regions[k].flags)
		return vt_fail("%s region: size %llu flags %#x",
			       cap_regions[k].name,
			       (unsigned long long)info.size, info.flags);
	if (info.offset != (uint64_t)i << 10)
		return vt_fail("%s region at offset %#llx, stock has %#llx",
			       cap_regions[k].name,
			       (unsigned long long)info.offset,
			       (unsigned long long)i << 10);
	return 0;
}

static int check_infos(struct vt_dev *d)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	unsigned int i;

	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &dinfo))
		return vt_fail("VFIO_DEVICE_GET_INFO: %m");
	if (dinfo.num_regions != 4 || dinfo.num_irqs != 3)
		return vt_fail("device info: %u regions, %u irqs (stock: 4, 3)",
			       dinfo.num_regions, dinfo.num_irqs);
	for (i = 1; i < 4; i++)
		if (check_region_info(d, i))
			return -1;
	reg.index = 4;
	if (vt_expect("region info, index 4",
		      vt_io(ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &reg)),
		      -EINVAL))
		return -1;
	for (i = 0; i < 3; i++) {
		irq.index = i;
		if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq))
			return vt_fail("irq %u info: %m", i);
		if (irq.count != 1 || irq.flags != VFIO_IRQ_INFO_EVENTFD)
			return vt_fail("irq %u: count %u flags %#x", i,
				       irq.count, irq.flags);
	}
	irq.index = 3;
	return vt_expect("irq info, index 3",
			 vt_io(ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq)),
			 -EINVAL);
}

/* The CRW and request eventfds come and go as the I/O one does */
static int check_irqs(struct vt_dev *d)
{
	unsigned int i;
	int fd;

	for (i = VFIO_CCW_CRW_IRQ_INDEX; i <= VFIO_CCW_REQ_IRQ_INDEX; i++) {
		fd = vt_irq_eventfd(d, i);
		if (fd < 0)
			return -1;
		if (vt_expect("eventfd off", vt_set_irq_eventfd(d, i, -1), 0)) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return vt_expect("set irqs, index 3", vt_set_irq_eventfd(d, 3, -1),
			 -EINVAL);
}

/* Reads, writes, and the answers of each region */
static int check_access(struct vt_dev *d, const struct vt_regions *r)
{
	struct ccw_cmd_region cmd = { 0 };
	struct ccw_crw_region crw;
	uint8_t buf[64] = { 0 };
	struct vt_schib s;

	if (vt_expect("schib region write",
		      vt_io(pwrite(d->fd, buf, 4, r->schib.off)), -EINVAL) ||
	    vt_expect("read past the schib region",
		      vt_io(pread(d->fd, buf, 1, r->schib.off + r->schib.size)),
		      -EINVAL) ||
	    vt_expect("CRW region write",
		      vt_io(pwrite(d->fd, buf, 4, r->crw.off)), -EINVAL) ||
	    vt_expect("async region, 12 bytes",
		      vt_io(pwrite(d->fd, buf, 12, r->async.off)), -EINVAL) ||
	    vt_expect("async region, 8 bytes at offset 4",
		      vt_io(pwrite(d->fd, buf, 8, r->async.off + 4)), -EINVAL) ||
	    vt_expect("async command 0", vt_async_cmd(d, &r->async, 0),
		      -EINVAL) ||
	    vt_expect("async command HSCH|CSCH",
		      vt_async_cmd(d, &r->async, VFIO_CCW_ASYNC_CMD_HSCH |
						 VFIO_CCW_ASYNC_CMD_CSCH),
		      -EINVAL) ||
	    vt_expect("async command bit 31",
		      vt_async_cmd(d, &r->async, 1u << 31), -EINVAL))
		return -1;
	if (vt_region_read(d, &r->async, &cmd, sizeof(cmd)))
		return vt_fail("read the async region");
	if ((int)cmd.ret_code != -EINVAL || cmd.command != 1u << 31)
		return vt_fail("async region: command %#x ret_code %s",
			       cmd.command, vt_err((int)cmd.ret_code));
	if (vt_region_read(d, &r->crw, &crw, sizeof(crw)))
		return vt_fail("read the CRW region");
	if (crw.crw || crw.pad)
		return vt_fail("CRW %#x with no channel-path event", crw.crw);
	if (read_schib(d, &r->schib, &s))
		return -1;
	schib_info("at open", &s);
	if (!s.dnv || !s.ena || s.isc != 3 || s.devno != 0x0002 || !s.pim)
		return vt_fail("schib: dnv %d ena %d isc %u devno %04x pim %02x",
			       s.dnv, s.ena, s.isc, s.devno, s.pim);
	return 0;
}

/*
 * The device says what stock 6.1 says: 4 regions, 3 interrupts, each
 * region after the I/O one with its type capability, sizes, flags and
 * offsets; the answers of each region to reads and writes; and the I/O
 * region works as before.
 */
int vt_scen_regions(struct vt_env *env)
{
	struct vt_regions r;
	struct vt_dev d;
	int ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = check_infos(&d);
	if (!ret)
		ret = find_regions(&d, &r) || check_irqs(&d) ||
		      check_access(&d, &r) ? -1 : 0;
	if (!ret && vt_senseid(&d, SLOT_REGIONS, 16))
		ret = vt_at("SENSE ID");
	vt_close(&d);
	return ret;
}

/* ------------------------------------------------- async: halt, clear */

/* @cmd answered 0, then the IRB of the function: its fctl bit, no start */
static int async_irb(struct vt_dev *d, const struct vt_region *r,
		     uint32_t cmd, const char *what)
{
	unsigned int bit = cmd == VFIO_CCW_ASYNC_CMD_CSCH ? 1 : 2;
	struct ccw_cmd_region c;
	struct ccw_io_region io;
	struct vt_scsw s;
	int ret;

	vt_wait_irq(d, 0, NULL);	/* drop stale signals */
	ret = vt_async_cmd(d, r, cmd);
	if (ret)
		return vt_fail("%s: write: %s", what, vt_err(ret));
	if (vt_region_read(d, r, &c, sizeof(c)) || c.ret_code ||
	    c.command != cmd)
		return vt_fail("%s: region reads command %#x ret_code %s",
			       what, c.command, vt_err((int)c.ret_code));
	if (next_irb(d, 2000, &io, &s))
		return vt_at(what);
	if (!(s.fctl & bit) || (s.fctl & 4) || !(s.stctl & 1))
		return vt_fail("%s: IRB fctl %#x actl %#x stctl %#x", what,
			       s.fctl, s.actl, s.stctl);
	return 0;
}

/*
 * The start that the sleeper made once woken completes: IRBs until its
 * own final one, then its data.
 */
static int sleeper_start_ends(struct vt_dev *d)
{
	uint32_t ccw = vt_slot_iova(VT_SLEEPER_SLOT);
	struct ccw_io_region io;
	double end = vt_now() + 5;
	struct vt_scsw s;

	do {
		if (vt_read_region(d, &io))
			return vt_fail("read the I/O region");
		vt_scsw_decode(&io, &s);
		if (s.fctl == 4 && s.cpa == ccw + 8)
			return vt_check_irb(&io, ccw) ||
			       vt_check_senseid(VT_SLEEPER_SLOT,
						VT_SLEEPER_COUNT) ? -1 : 0;
		vt_wait_irq(d, 200, NULL);
	} while (vt_now() < end);
	return vt_fail("the woken writer's start never ended");
}

/*
 * Halt and clear through the async region, as QEMU issues a guest's HSCH
 * and CSCH: of an idle subchannel (the function's own interrupt), of a
 * start in flight (its interrupt ends the start: the next SENSE ID runs),
 * and a clear that wakes a writer asleep behind the start.
 */
int vt_scen_async(struct vt_env *env)
{
	struct vt_sleeper sl;
	struct vt_regions r;
	struct vt_dev d;
	int ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	ret = find_regions(&d, &r) ||
	      async_irb(&d, &r.async, VFIO_CCW_ASYNC_CMD_CSCH, "clear, idle") ||
	      async_irb(&d, &r.async, VFIO_CCW_ASYNC_CMD_HSCH, "halt, idle") ||
	      vt_start_suspended(&d) ||
	      async_irb(&d, &r.async, VFIO_CCW_ASYNC_CMD_HSCH,
			"halt, start in flight") ||
	      vt_senseid(&d, SLOT_REGIONS, 16) ||
	      vt_start_suspended(&d) ||
	      async_irb(&d, &r.async, VFIO_CCW_ASYNC_CMD_CSCH,
			"clear, start in flight") ||
	      vt_senseid(&d, SLOT_REGIONS, 16) ? -1 : 0;
	if (ret || vt_stock) {
		/* stock answers a start in flight EBUSY: nobody sleeps */
		vt_close(&d);
		return ret;
	}

	if (vt_start_suspended(&d)) {
		vt_close(&d);
		return -1;
	}
	ret = vt_start_sleeper(&sl, &d);
	if (ret) {
		if (ret < 0)
			vt_close(&d);
		return vt_at("sleeper");
	}
	ret = vt_async_cmd(&d, &r.async, VFIO_CCW_ASYNC_CMD_CSCH);
	if (ret) {
		vt_fail("clear under a sleeper: %s", vt_err(ret));
		ioctl(d.fd, VFIO_DEVICE_RESET);
	}
	if (vt_join_sleeper(&sl, 5000))
		return vt_at("the sleeper after the clear");
	if (!ret && sl.ret)
		ret = vt_fail("the woken writer's start: %s", vt_err(sl.ret));
	if (!ret)
		ret = sleeper_start_ends(&d);
	vt_close(&d);
	return ret;
}

/* ----------------------------------------------------- request IRQ */


static int new_mdev(struct vt_env *env)
{
	if (vt_mdev_create(env->sch, env->uuid, sizeof(env->uuid)))
		return vt_at("mdev create");
	env->group_id = vt_group_id(env->uuid);
	return env->group_id < 0 ? vt_at("group") : 0;
}

/*
 * With the request eventfd: the removal signals it at once and waits for
 * the close, the device works meanwhile, the close lets the removal
 * complete. Without it: the removal waits for the close all the same.
 */
static int removal(struct vt_env *env, bool with_eventfd)
{
	struct vt_remover rm;
	struct vt_dev d;
	double t0;
	int efd = -1, ret;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	if (with_eventfd) {
		efd = vt_irq_eventfd(&d, VFIO_CCW_REQ_IRQ_INDEX);
		if (efd < 0) {
			vt_close(&d);
			return -1;
		}
	}
	if (vt_remover_start(&rm, env->uuid)) {
		vt_close(&d);
		return -1;
	}
	t0 = vt_now();
	if (with_eventfd) {
		ret = vt_wait_eventfd(efd, 5000, NULL);
		if (ret)
			vt_fail("no request within 5 s of the removal: %s",
				vt_err(ret));
		else
			vt_info("request-irq: the request came %.1f ms after the removal began",
				(vt_now() - t0) * 1e3);
	} else {
		vt_msleep(1000);
		ret = 0;
	}
	if (!ret && __atomic_load_n(&rm.done, __ATOMIC_SEQ_CST))
		ret = vt_fail("the removal completed with the device open");
	if (!ret && vt_senseid(&d, SLOT_REGIONS, 16))
		ret = vt_at("SENSE ID while the removal waits");
	t0 = vt_now();
	vt_close(&d);
	if (efd >= 0)
		close(efd);
	if (vt_remover_join(&rm, 5000))
		return ret ? -1 : vt_at("after the close");
	env->uuid[0] = '\0';
	vt_info("request-irq: %s eventfd, the removal completed %.1f ms after the close",
		with_eventfd ? "with the" : "without a", (vt_now() - t0) * 1e3);
	if (ret)
		return -1;
	return new_mdev(env);
}

int vt_scen_request(struct vt_env *env)
{
	return removal(env, true) || removal(env, false) ? -1 : 0;
}

/* ------------------------------------------------- a path varied off */

/* "on" or "off" to the status of channel path @chpid (css 0) */
static int vary(uint8_t chpid, const char *how)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "/sys/devices/css0/chp0.%02x/status",
		 chpid);
	if (vt_write_file(path, how))
		return -1;
	if (vt_read_file(path, buf, sizeof(buf)))
		return -1;
	if (strcmp(buf, !strcmp(how, "on") ? "online" : "offline"))
		return vt_fail("%s reads '%s' after '%s'", path, buf, how);
	return 0;
}

/* A SENSE ID whose ORB leaves the path to the subchannel (LPM 0) */
static int start_lpm0(struct vt_dev *d, struct ccw_io_region *io)
{
	vt_wait_irq(d, 0, NULL);
	vt_senseid_prepare(SLOT_PATH, 16, io);
	io->orb_area[6] = 0;	/* ORB word 1, bits 16-23: LPM */
	return vt_write_region(d, io);
}

/* No CRW for a vary, as stock: its region reads 0, its eventfd is quiet */
static int no_crw(struct vt_dev *d, const struct vt_regions *r, int crw_fd)
{
	struct ccw_crw_region crw;

	if (!vt_wait_eventfd(crw_fd, 0, NULL))
		return vt_fail("the CRW eventfd was signalled");
	if (vt_region_read(d, &r->crw, &crw, sizeof(crw)))
		return vt_fail("read the CRW region");
	if (crw.crw)
		return vt_fail("CRW %#x", crw.crw);
	return 0;
}

/*
 * The path of a start in flight varied off: the module clears it (the
 * path-gone work: ASYNC_REQ), the user gets the clear's interrupt; starts
 * that leave the path to the subchannel then find none (a deferred cc 3
 * from QEMU); varied on again, they work. The schib region reads the
 * subchannel as it is each time (the start's function, then none). A
 * vary queues no CRW (stock queues CRWs only for paths that go or come
 * in the channel subsystem, which QEMU's TCG cannot make happen).
 */
static int path_off_on(struct vt_dev *d, const struct vt_regions *r,
		       int crw_fd, uint8_t chpid, uint8_t mask)
{
	struct ccw_io_region io;
	struct vt_schib s;
	struct vt_scsw sc;
	int ret;

	/* a clear first: QEMU sets lpum, which chp_event looks at */
	if (async_irb(d, &r->async, VFIO_CCW_ASYNC_CMD_CSCH, "clear") ||
	    vt_start_suspended(d) || read_schib(d, &r->schib, &s))
		return -1;
	schib_info("start in flight", &s);
	if (!(s.fctl & 4) || !(s.actl & 1))
		return vt_fail("schib region: no suspended start (fctl %x actl %02x)",
			       s.fctl, s.actl);
	if (!(s.lpum & mask) && !vt_stock)
		return vt_fail("lpum %02x after a clear: QEMU sets it", s.lpum);

	if (vary(chpid, "off"))
		return -1;
	ret = next_irb(d, 3000, &io, &sc);
	if (ret && vt_stock) {
		/* stock cancels a suspended start: no interrupt is owed */
		vt_info("path-vary: stock: %s", vt_why);
		ioctl(d->fd, VFIO_DEVICE_RESET);
	} else if (ret) {
		return vt_at("the start on the path varied off");
	} else if (!(sc.fctl & 1)) {
		return vt_fail("IRB after the vary: fctl %#x, not a clear",
			       sc.fctl);
	}
	if (read_schib(d, &r->schib, &s))
		return -1;
	schib_info("path varied off", &s);
	if (s.actl)
		return vt_fail("schib: actl %02x after the clear", s.actl);
	if (no_crw(d, r, crw_fd))
		return vt_at("vary off");

	ret = start_lpm0(d, &io);
	if (!ret) {
		ret = next_irb(d, 3000, &io, &sc);
		if (ret)
			return vt_at("a start with no path");
		vt_info("path-vary: start (LPM 0) with the path off: IRB cc %u fctl %x actl %02x stctl %02x",
			sc.cc, sc.fctl, sc.actl, sc.stctl);
		if (sc.cc != 3)
			return vt_fail("a start with the path off: IRB cc %u, not a deferred cc 3",
				       sc.cc);
	} else {
		vt_info("path-vary: start (LPM 0) with the path off: %s",
			vt_err(ret));
		if (ret != -EACCES && ret != -ENODEV)
			return vt_fail("a start with the path off: %s",
				       vt_err(ret));
	}

	if (vary(chpid, "on") || no_crw(d, r, crw_fd))
		return vt_at("vary on");
	ret = start_lpm0(d, &io);
	if (ret)
		return vt_fail("start (LPM 0) with the path on: %s",
			       vt_err(ret));
	if (next_irb(d, 3000, &io, &sc) ||
	    vt_check_irb(&io, vt_slot_iova(SLOT_PATH)) ||
	    vt_check_senseid(SLOT_PATH, 16))
		return vt_at("start (LPM 0) with the path on");
	return 0;
}

int vt_scen_path(struct vt_env *env)
{
	struct vt_regions r;
	struct vt_schib s;
	struct vt_dev d;
	int crw_fd, i, ret;
	uint8_t mask = 0;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	if (find_regions(&d, &r) || read_schib(&d, &r.schib, &s)) {
		vt_close(&d);
		return -1;
	}
	for (i = 0; i < 8 && !mask; i++)
		if (s.pim & (0x80 >> i))
			mask = 0x80 >> i;
	crw_fd = vt_irq_eventfd(&d, VFIO_CCW_CRW_IRQ_INDEX);
	if (!mask || crw_fd < 0) {
		vt_close(&d);
		return mask ? -1 : vt_fail("no path installed");
	}
	vt_trace_hand_off();
	ret = path_off_on(&d, &r, crw_fd, s.chpid[i - 1], mask);
	if (ret) {
		/* leave the path on for what follows */
		char why[sizeof(vt_why)];

		vt_trace_dump();
		snprintf(why, sizeof(why), "%s", vt_why);
		vary(s.chpid[i - 1], "on");
		snprintf(vt_why, sizeof(vt_why), "%s", why);
	}
	if (!ret && vt_senseid(&d, SLOT_PATH, 16))
		ret = vt_at("SENSE ID after");
	close(crw_fd);
	vt_close(&d);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: scenario 6, bad input through the UAPI. Each case must
 * get its own clear answer; a refused start must also leave its answer in
 * the region's ret_code and raise no interrupt; and the device must work
 * as before afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vt.h"

#define SLOT_BAD	20
#define SLOT_LONG	32	/* a chain longer than 256 CCWs: 3 KiB */
#define LONG_CHAIN	300

/* What a start request of each case looks like */
enum start_case {
	ORB_UNMAPPED,
	DATA_UNMAPPED,
	DATA_PAST_MAPPING,
	TRANSPORT_MODE,
	NO_FUNCTION,
	HALT_FUNCTION,
	CLEAR_FUNCTION,
	IDA_WITHOUT_C64,
	CHAIN_TOO_LONG,
};

static const struct {
	const char *name;
	enum start_case what;
	int expected;
} start_cases[] = {
	{ "ORB at unmapped memory", ORB_UNMAPPED, -EINVAL },
	{ "CCW data at unmapped memory", DATA_UNMAPPED, -EINVAL },
	{ "CCW data past the mapping", DATA_PAST_MAPPING, -EINVAL },
	{ "transport-mode ORB", TRANSPORT_MODE, -EOPNOTSUPP },
	{ "no function in the SCSW", NO_FUNCTION, -EINVAL },
	{ "halt function", HALT_FUNCTION, -EOPNOTSUPP },
	{ "clear function", CLEAR_FUNCTION, -EOPNOTSUPP },
	{ "IDA flag without 64-bit IDAWs", IDA_WITHOUT_C64, -EOPNOTSUPP },
	{ "chain of 300 CCWs", CHAIN_TOO_LONG, -EINVAL },
};

static void build_start(enum start_case what, struct ccw_io_region *r)
{
	uint32_t orb = ORB_FMT | ORB_PFCH | ORB_LPM_ANY;
	uint32_t idaw = VT_UNMAPPED_IOVA;
	int i;

	vt_senseid_prepare(SLOT_BAD, 16, r);
	switch (what) {
	case ORB_UNMAPPED:
		vt_region_start(r, orb, VT_UNMAPPED_IOVA);
		break;
	case DATA_UNMAPPED:
		vt_ccw_put(SLOT_BAD, 0, CCW_CMD_SENSE_ID, CCW_FLAG_SLI, 16,
			   VT_UNMAPPED_IOVA);
		break;
	case DATA_PAST_MAPPING:
		vt_ccw_put(SLOT_BAD, 0, CCW_CMD_SENSE_ID, CCW_FLAG_SLI, 64,
			   VT_IOVA + VT_BUF_SIZE - 32);
		break;
	case TRANSPORT_MODE:
		vt_region_start(r, orb | ORB_TM, vt_slot_iova(SLOT_BAD));
		break;
	case NO_FUNCTION:
		memset(r->scsw_area, 0, sizeof(r->scsw_area));
		break;
	case HALT_FUNCTION:
	case CLEAR_FUNCTION:
		memset(r->scsw_area, 0, sizeof(r->scsw_area));
		r->scsw_area[2] = (what == HALT_FUNCTION ? SCSW_FCTL_HALT :
				   SCSW_FCTL_CLEAR) >> 8;
		break;
	case IDA_WITHOUT_C64:
		/* a format-1 IDAW (31 bits; s390x is big-endian) at unmapped memory */
		memcpy(vt_slot_data(SLOT_BAD), &idaw, sizeof(idaw));
		vt_ccw_put(SLOT_BAD, 0, CCW_CMD_SENSE_ID,
			   CCW_FLAG_SLI | CCW_FLAG_IDA, 16,
			   vt_slot_iova(SLOT_BAD) + VT_DATA_OFF);
		break;
	case CHAIN_TOO_LONG:
		for (i = 0; i < LONG_CHAIN; i++)
			vt_ccw_put(SLOT_LONG, i, CCW_CMD_NOOP,
				   i + 1 < LONG_CHAIN ? CCW_FLAG_CC : 0, 0, 0);
		vt_region_start(r, orb, vt_slot_iova(SLOT_LONG));
		break;
	}
}

/* A refused start: its answer, then ret_code in the region. */
static int try_start(struct vt_dev *d, int i)
{
	struct ccw_io_region r;
	int ret, expected = start_cases[i].expected;

	/*
	 * 6.1's vfio_ccw_cp.c refuses format-1 IDALs (no 64-bit IDAWs in
	 * the ORB); 6.12's translates them, and then finds this one's IDAW
	 * outside the mapping.
	 */
	if (start_cases[i].what == IDA_WITHOUT_C64 && !vt_kernel_is("6.1"))
		expected = -EINVAL;
	build_start(start_cases[i].what, &r);
	ret = vt_write_region(d, &r);
	if (ret != expected)
		return vt_fail("%s: write answered %s, expected %s",
			       start_cases[i].name, vt_err(ret),
			       vt_err(expected));
	ret = vt_read_region(d, &r);
	if (ret)
		return vt_fail("%s: read region: %s", start_cases[i].name,
			       vt_err(ret));
	if ((int)r.ret_code != expected)
		return vt_fail("%s: region ret_code %s, expected %s",
			       start_cases[i].name, vt_err((int)r.ret_code),
			       vt_err(expected));
	return 0;
}

/* Wrong sizes and offsets: the region is read and written whole. */
static int try_sizes(struct vt_dev *d)
{
	uint8_t big[sizeof(struct ccw_io_region) + 8];
	size_t size = sizeof(struct ccw_io_region);
	uint64_t off = d->region_off;

	vt_senseid_prepare(SLOT_BAD, 16, (struct ccw_io_region *)big);
	if (vt_expect("short write", vt_io(pwrite(d->fd, big, size - 1, off)),
		   -EINVAL) ||
	    vt_expect("long write", vt_io(pwrite(d->fd, big, size + 1, off)),
		   -EINVAL) ||
	    vt_expect("write at offset 1", vt_io(pwrite(d->fd, big, size, off + 1)),
		   -EINVAL) ||
	    vt_expect("write past the region",
		   vt_io(pwrite(d->fd, big, 4, off + size)), -EINVAL) ||
	    vt_expect("read past the region",
		   vt_io(pread(d->fd, big, size, off + 1)), -EINVAL) ||
	    vt_expect("long read", vt_io(pread(d->fd, big, size + 1, off)),
		   -EINVAL))
		return -1;
	return 0;
}

/* Region, interrupt and command numbers the device does not have. */
static int try_ioctls(struct vt_dev *d)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 4 };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 3 };

	if (vt_expect("region info, index 4",
		   vt_io(ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &reg)),
		   -EINVAL) ||
	    vt_expect("irq info, index 3",
		   vt_io(ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq)), -EINVAL) ||
	    vt_expect("set irqs, index 3",
		   vt_set_irq_eventfd(d, 3, -1), -EINVAL) ||
	    vt_expect("read at region 4",
		   vt_io(pread(d->fd, &reg, 4, 4 << 10)), -EINVAL) ||
	    vt_expect("unknown ioctl", vt_io(ioctl(d->fd, VFIO_DEVICE_FEATURE + 40)),
		   -ENOTTY))
		return -1;
	return 0;
}

int vt_scen_bad_input(struct vt_env *env)
{
	struct ccw_io_region r;
	struct vt_dev d;
	size_t i;
	uint64_t n;
	int fd, ret = 0;

	if (vt_open(&d, env->uuid, env->group_id))
		return vt_at("open");
	if (vt_expect("device fd of an unknown mdev",
		   vt_io(ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, "no-such-mdev")),
		   -ENODEV))
		goto out;
	ret = try_sizes(&d) || try_ioctls(&d) ? -1 : 0;
	for (i = 0; !ret && i < ARRAY_SIZE(start_cases);
	     i++)
		ret = try_start(&d, i);
	if (ret)
		goto out;
	if (!vt_wait_irq(&d, 100, &n)) {
		ret = vt_fail("%llu interrupts after refused starts only",
			      (unsigned long long)n);
		goto out;
	}
	if (vt_senseid(&d, SLOT_BAD, 16)) {
		ret = vt_at("SENSE ID after the bad input");
		goto out;
	}
	/* a write on the device file after its close */
	fd = dup(d.fd);
	close(fd);
	vt_senseid_prepare(SLOT_BAD, 16, &r);
	ret = vt_expect("write after close",
		     vt_io(pwrite(fd, &r, sizeof(r), d.region_off)), -EBADF);
out:
	vt_close(&d);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the VFIO user. A type1v2 container with the DMA buffer
 * mapped at iova == its address, the mdev's group, the device file with
 * the I/O interrupt's eventfd, and the I/O region's read and write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vt.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

static uint8_t *vt_dma_buf;

uint8_t *vt_buf(void)
{
	return vt_dma_buf;
}

/* The buffer the device reads CCWs from and writes data to, once. */
int vt_buf_map(void)
{
	void *p;

	p = mmap((void *)VT_IOVA, VT_BUF_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return vt_fail("mmap at %#lx: %m", VT_IOVA);
	if (p != (void *)VT_IOVA)
		return vt_fail("mmap gave %p, not %#lx", p, VT_IOVA);
	memset(p, 0, VT_BUF_SIZE);
	vt_dma_buf = p;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The device file alone (closing it takes the subchannel offline) */
void vt_close_device(struct vt_dev *d)
{
	close_fd(&d->fd);
	close_fd(&d->efd);
}

void vt_close(struct vt_dev *d)
{
	vt_close_device(d);
	close_fd(&d->group);
	close_fd(&d->container);
}

/*
 * VFIO_DEVICE_SET_IRQS: eventfd @fd to trigger on interrupt @index; 0 or
 * -errno.
 */
int vt_set_irq_eventfd(struct vt_dev *d, unsigned int index, int fd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} __attribute__((packed)) irq = {
		.set.argsz = sizeof(irq),
		.set.flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
		.set.index = index,
		.set.start = 0,
		.set.count = 1,
		.fd = fd,
	};

	return vt_io(ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &irq));
}

static int set_io_eventfd(struct vt_dev *d)
{
	int ret;

	d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->efd < 0)
		return vt_fail("eventfd: %m");
	ret = vt_set_irq_eventfd(d, VFIO_CCW_IO_IRQ_INDEX, d->efd);
	if (ret)
		return vt_fail("VFIO_DEVICE_SET_IRQS: %s", vt_err(ret));
	return 0;
}

static int device_setup(struct vt_dev *d, const char *uuid)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_CCW_CONFIG_REGION_INDEX,
	};

	d->efd = -1;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (d->fd < 0)
		return vt_fail("VFIO_GROUP_GET_DEVICE_FD: %m");
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info))
		return vt_fail("VFIO_DEVICE_GET_INFO: %m");
	if (!(info.flags & VFIO_DEVICE_FLAGS_CCW) || info.num_regions < 1 ||
	    info.num_irqs < 1)
		return vt_fail("device info: flags %#x, %u regions, %u irqs",
			       info.flags, info.num_regions, info.num_irqs);
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &reg))
		return vt_fail("VFIO_DEVICE_GET_REGION_INFO: %m");
	if (reg.size < sizeof(struct ccw_io_region) ||
	    (reg.flags & (VFIO_REGION_INFO_FLAG_READ |
			  VFIO_REGION_INFO_FLAG_WRITE)) !=
	    (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE))
		return vt_fail("I/O region: size %llu, flags %#x",
			       (unsigned long long)reg.size, reg.flags);
	d->region_off = reg.offset;
	return set_io_eventfd(d);
}

/*
 * The device file of the open group (@d->group): opening it is what
 * brings the subchannel online. Checks what the device says it offers,
 * sets the eventfd; all or nothing.
 */
int vt_open_device_fd(struct vt_dev *d, const char *uuid)
{
	if (device_setup(d, uuid)) {
		vt_close_device(d);
		return -1;
	}
	return 0;
}

/*
 * Map (@map) or unmap the test buffer, identity-mapped at VT_IOVA: 0 or
 * -errno; -ENOSPC if the unmap took less than the whole buffer.
 */
int vt_dma_map(struct vt_dev *d, bool map)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = VT_IOVA,
		.iova = VT_IOVA,
		.size = VT_BUF_SIZE,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = VT_IOVA,
		.size = VT_BUF_SIZE,
	};

	if (map)
		return vt_io(ioctl(d->container, VFIO_IOMMU_MAP_DMA, &m));
	if (ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	return u.size == VT_BUF_SIZE ? 0 : -ENOSPC;
}

/* @d->group: group @group_id, viable, in @container; 0 or -1 and why */
static int join_container(struct vt_dev *d, int group_id, int container)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		return vt_fail("open %s: %m", path);
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status))
		return vt_fail("VFIO_GROUP_GET_STATUS: %m");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return vt_fail("group %d is not viable", group_id);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &container))
		return vt_fail("VFIO_GROUP_SET_CONTAINER: %m");
	return 0;
}

static int open_container(struct vt_dev *d, int group_id)
{
	int ret;

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		return vt_fail("open /dev/vfio/vfio: %m");
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return vt_fail("VFIO API version is not %d", VFIO_API_VERSION);
	if (ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return vt_fail("no VFIO_TYPE1v2_IOMMU");
	if (join_container(d, group_id, d->container))
		return -1;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return vt_fail("VFIO_SET_IOMMU: %m");
	ret = vt_dma_map(d, true);
	if (ret)
		return vt_fail("VFIO_IOMMU_MAP_DMA: %s", vt_err(ret));
	return 0;
}

/*
 * Group @group_id joins @with's container (and its DMA map), then the
 * device file and eventfd; @d owns no container. All or nothing.
 */
int vt_open_shared(struct vt_dev *d, const struct vt_dev *with,
		   const char *uuid, int group_id)
{
	d->container = d->group = d->fd = d->efd = -1;
	if (join_container(d, group_id, with->container) ||
	    vt_open_device_fd(d, uuid)) {
		vt_close(d);
		return -1;
	}
	return 0;
}

/* Container, group, DMA map, device file, eventfd; all or nothing. */
int vt_open(struct vt_dev *d, const char *uuid, int group_id)
{
	d->container = d->group = d->fd = d->efd = -1;
	if (open_container(d, group_id) || vt_open_device_fd(d, uuid)) {
		vt_close(d);
		return -1;
	}
	return 0;
}

/* A start request: 0 or -errno, as the kernel answered. */
int vt_write_region(struct vt_dev *d, const struct ccw_io_region *r)
{
	ssize_t n = pwrite(d->fd, r, sizeof(*r), d->region_off);

	if (n < 0)
		return -errno;
	return n == sizeof(*r) ? 0 : -EIO;
}

int vt_read_region(struct vt_dev *d, struct ccw_io_region *r)
{
	ssize_t n = pread(d->fd, r, sizeof(*r), d->region_off);

	if (n < 0)
		return -errno;
	return n == sizeof(*r) ? 0 : -EIO;
}

/*
 * Wait for the I/O interrupt's eventfd: 0 and the number of signals
 * since the last read in @count, or -ETIMEDOUT.
 */
int vt_wait_irq(struct vt_dev *d, int timeout_ms, uint64_t *count)
{
	return vt_wait_eventfd(d->efd, timeout_ms, count);
}

/*
 * VFIO_DEVICE_GET_REGION_INFO of region @index, with its capability chain:
 * the type capability, if the region has one, in @cap (zeroed if not).
 * 0 or -errno; -EPROTO if the chain is not what the UAPI says.
 */
int vt_region_info(struct vt_dev *d, unsigned int index,
		   struct vfio_region_info *info,
		   struct vfio_region_info_cap_type *cap)
{
	struct {
		struct vfio_region_info info;
		uint8_t caps[256];
	} buf;
	struct vfio_info_cap_header *hdr;
	uint32_t off;

	memset(cap, 0, sizeof(*cap));
	memset(&buf, 0, sizeof(buf));
	buf.info.argsz = sizeof(buf);
	buf.info.index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &buf))
		return -errno;
	*info = buf.info;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return 0;
	for (off = info->cap_offset; off; off = hdr->next) {
		if (off < sizeof(buf.info) ||
		    off + sizeof(*cap) > sizeof(buf))
			return vt_fail("capability at offset %u", off), -EPROTO;
		hdr = (struct vfio_info_cap_header *)((uint8_t *)&buf + off);
		if (hdr->id == VFIO_REGION_INFO_CAP_TYPE) {
			memcpy(cap, hdr, sizeof(*cap));
			return 0;
		}
	}
	return vt_fail("capabilities but no type"), -EPROTO;
}

/* The region of type VFIO_REGION_TYPE_CCW and @subtype: 0 or -ENOENT. */
int vt_cap_region(struct vt_dev *d, uint32_t subtype, struct vt_region *r)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info_cap_type cap;
	struct vfio_region_info info;
	unsigned int i;

	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &dinfo))
		return -errno;
	for (i = VFIO_CCW_CONFIG_REGION_INDEX + 1; i < dinfo.num_regions;
	     i++) {
		if (vt_region_info(d, i, &info, &cap))
			continue;
		if (cap.type == VFIO_REGION_TYPE_CCW &&
		    cap.subtype == subtype) {
			r->off = info.offset;
			r->size = info.size;
			r->flags = info.flags;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The async command region: write @cmd, as QEMU does (the whole region,
 * ret_code 0). The answer of the write: 0 (all of it written) or -errno.
 */
int vt_async_cmd(struct vt_dev *d, const struct vt_region *r, uint32_t cmd)
{
	struct ccw_cmd_region c = { .command = cmd };
	ssize_t n = pwrite(d->fd, &c, sizeof(c), r->off);

	if (n < 0)
		return -errno;
	return n == sizeof(c) ? 0 : -EIO;
}

/* Read a whole region of @len bytes: 0 or -errno. */
int vt_region_read(struct vt_dev *d, const struct vt_region *r, void *buf,
		   size_t len)
{
	ssize_t n = pread(d->fd, buf, len, r->off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* An eventfd for interrupt @index of the device: the fd, or -1 and why. */
int vt_irq_eventfd(struct vt_dev *d, unsigned int index)
{
	int fd, ret;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return vt_fail("eventfd: %m");
	ret = vt_set_irq_eventfd(d, index, fd);
	if (ret) {
		close(fd);
		return vt_fail("VFIO_DEVICE_SET_IRQS index %u: %s", index,
			       vt_err(ret));
	}
	return fd;
}

/* Wait for eventfd @fd: 0 and its count in @count, or -ETIMEDOUT. */
int vt_wait_eventfd(int fd, int timeout_ms, uint64_t *count)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t val;
	int ret;

	ret = poll(&pfd, 1, vt_wait_ms(timeout_ms));
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	if (read(fd, &val, sizeof(val)) != sizeof(val))
		return -errno;
	if (count)
		*count = val;
	return 0;
}

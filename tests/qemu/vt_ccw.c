// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: channel programs in the DMA buffer and what comes back.
 * s390 is big-endian, but every field is stored byte by byte anyway, in
 * the architecture's order, so the layout reads off the code.
 */
#include <errno.h>
#include <string.h>

#include "vt.h"

/* The SENSE ID data of the first full answer, to compare later ones to */
static uint8_t vt_ref[256];
static unsigned int vt_ref_len;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint32_t vt_slot_iova(int slot)
{
	return VT_IOVA + (uint32_t)slot * VT_SLOT_SIZE;
}

uint8_t *vt_slot_data(int slot)
{
	return vt_buf() + slot * VT_SLOT_SIZE + VT_DATA_OFF;
}

/* Format-1 CCW number @index of @slot: command, flags, count, address. */
void vt_ccw_put(int slot, int index, uint8_t cmd, uint8_t flags,
		uint16_t count, uint32_t cda)
{
	uint8_t *p = vt_buf() + slot * VT_SLOT_SIZE + index * 8;

	p[0] = cmd;
	p[1] = flags;
	p[2] = count >> 8;
	p[3] = count;
	put32(p + 4, cda);
}

/* A start request: the ORB (intparm, flags, program address), start. */
void vt_region_start(struct ccw_io_region *r, uint32_t orb_flags,
		     uint32_t cpa)
{
	memset(r, 0, sizeof(*r));
	put32(r->orb_area, 0x76740000);	/* intparm: cio puts its own */
	put32(r->orb_area + 4, orb_flags);
	put32(r->orb_area + 8, cpa);
	put32(r->scsw_area, SCSW_FCTL_START);
}

/*
 * SENSE ID of @count bytes (SLI) into the slot's data area, which is
 * filled with the canary first: what the device does not write stays so.
 */
void vt_senseid_prepare(int slot, uint16_t count, struct ccw_io_region *r)
{
	uint32_t data = vt_slot_iova(slot) + VT_DATA_OFF;

	memset(vt_slot_data(slot), VT_CANARY, VT_SLOT_SIZE - VT_DATA_OFF);
	vt_ccw_put(slot, 0, CCW_CMD_SENSE_ID, CCW_FLAG_SLI, count, data);
	vt_region_start(r, ORB_FMT | ORB_PFCH | ORB_LPM_ANY,
			vt_slot_iova(slot));
}

/*
 * A program that never ends by itself: a NOOP with the suspend flag, in
 * an ORB that allows suspension. The channel suspends it before the
 * NOOP and, without a resume, the start stays in flight until cancelled.
 */
void vt_suspend_prepare(int slot, struct ccw_io_region *r)
{
	vt_ccw_put(slot, 0, CCW_CMD_NOOP, CCW_FLAG_SUSPEND | CCW_FLAG_SLI,
		   0, 0);
	vt_region_start(r, ORB_SPND | ORB_FMT | ORB_PFCH | ORB_LPM_ANY,
			vt_slot_iova(slot));
}

/* The SCSW at the head of the region's IRB */
void vt_scsw_decode(const struct ccw_io_region *r, struct vt_scsw *s)
{
	uint32_t w0 = get32(r->irb_area);
	uint32_t w2 = get32(r->irb_area + 8);

	s->cc = (w0 >> 24) & 3;
	s->fctl = (w0 >> 12) & 7;
	s->actl = (w0 >> 5) & 0x7f;
	s->stctl = w0 & 0x1f;
	s->cpa = get32(r->irb_area + 4);
	s->dstat = w2 >> 24;
	s->cstat = (w2 >> 16) & 0xff;
	s->count = w2 & 0xffff;
}

/*
 * The final IRB of a one-CCW program at @ccw_iova: start function,
 * primary and secondary status, channel end and device end, no unit
 * check, no channel status, and the CCW address the guest knows.
 */
int vt_check_irb(const struct ccw_io_region *r, uint32_t ccw_iova)
{
	struct vt_scsw s;

	vt_scsw_decode(r, &s);
	if (r->ret_code)
		return vt_fail("region ret_code %d", (int)r->ret_code);
	if (s.dstat & DEV_STAT_UNIT_CHECK)
		return vt_fail("unit check (dstat %#x)", s.dstat);
	if (s.cstat)
		return vt_fail("channel status %#x", s.cstat);
	if ((s.dstat & (DEV_STAT_CHN_END | DEV_STAT_DEV_END)) !=
	    (DEV_STAT_CHN_END | DEV_STAT_DEV_END))
		return vt_fail("dstat %#x: no channel end + device end",
			       s.dstat);
	if (s.fctl != 4 || (s.stctl & 0x07) != 0x07)
		return vt_fail("not a final start IRB: fctl %#x stctl %#x",
			       s.fctl, s.stctl);
	if (s.cpa != ccw_iova + 8)
		return vt_fail("IRB cpa %#x, expected %#x", s.cpa,
			       ccw_iova + 8);
	return 0;
}

/*
 * The slot's data: @count bytes of SENSE ID (0xff, control unit type
 * 0x3832, the rest as the first full answer), then the canary untouched.
 */
int vt_check_senseid(int slot, uint16_t count)
{
	const uint8_t *p = vt_slot_data(slot);
	unsigned int i, cu;

	if (p[0] != 0xff)
		return vt_fail("SENSE ID byte 0 is %#x, not 0xff", p[0]);
	cu = (unsigned int)p[1] << 8 | p[2];
	if (cu != VT_CU_TYPE)
		return vt_fail("control unit type %#x, not %#x", cu,
			       VT_CU_TYPE);
	if (!vt_ref_len && count >= 8 && count <= sizeof(vt_ref)) {
		memcpy(vt_ref, p, count);
		vt_ref_len = count;
	}
	for (i = 0; i < count && i < vt_ref_len; i++)
		if (p[i] != vt_ref[i])
			return vt_fail("SENSE ID byte %u is %#x, not %#x", i,
				       p[i], vt_ref[i]);
	for (i = count; i < count + 32u; i++)
		if (p[i] != VT_CANARY)
			return vt_fail("byte %u past the %u asked for was written",
				       i, count);
	return 0;
}

/*
 * One SENSE ID round trip: start, interrupt, IRB, data. With @busy, a
 * start answered EBUSY or EAGAIN (as the stock module does when the last
 * interrupt is not handled yet) is retried and counted there.
 */
int vt_senseid_busy(struct vt_dev *d, int slot, uint16_t count, int *busy)
{
	struct ccw_io_region r;
	uint64_t n;
	int ret;

	vt_wait_irq(d, 0, &n);		/* drop stale signals */
	vt_senseid_prepare(slot, count, &r);
	for (;;) {
		ret = vt_write_region(d, &r);
		if (!busy || (ret != -EBUSY && ret != -EAGAIN) ||
		    ++*busy > 1000000)
			break;
	}
	if (ret)
		return vt_fail("start: write: %s", vt_err(ret));
	ret = vt_wait_irq(d, 5000, &n);
	if (ret) {
		struct vt_scsw s;

		/*
		 * Diagnosis: the last IRB handed over, the subchannel now,
		 * and whether the interrupt is late or lost.
		 */
		if (!vt_read_region(d, &r)) {
			vt_scsw_decode(&r, &s);
			vt_info("no interrupt: the region's IRB: fctl %#x actl %#x stctl %#x cpa %#x dstat %#x, ret_code %d",
				s.fctl, s.actl, s.stctl, s.cpa, s.dstat,
				(int)r.ret_code);
		}
		vt_schib_dump(d, "with no interrupt");
		if (!vt_wait_irq(d, 10000, &n))
			vt_info("no interrupt: it came within 10 s more");
		else
			vt_info("no interrupt: none within 10 s more either");
		vt_schib_dump(d, "10 s later");
		return vt_fail("no interrupt: %s", vt_err(ret));
	}
	ret = vt_read_region(d, &r);
	if (ret)
		return vt_fail("read region: %s", vt_err(ret));
	if (vt_check_irb(&r, vt_slot_iova(slot)))
		return -1;
	return vt_check_senseid(slot, count);
}

int vt_senseid(struct vt_dev *d, int slot, uint16_t count)
{
	return vt_senseid_busy(d, slot, count, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The nested guest's channel-subsystem instructions, each returning its
 * condition code, and the wait for an I/O interruption with a deadline.
 * The subchannel id goes in general register 1; the operand address is
 * taken as given, so a test can name memory the guest does not have.
 */
#include "ng.h"

#define CC_OF(insn, addr, schid)					\
	({								\
		register uint32_t r1 asm("1") = (schid);		\
		int cc;							\
		asm volatile("	" insn "	0(%[a])\n"		\
			     "	ipm	%[cc]\n"			\
			     "	srl	%[cc],28\n"			\
			     : [cc] "=d" (cc)				\
			     : [a] "a" (addr), "d" (r1)			\
			     : "cc", "memory");				\
		cc;							\
	})

int ng_stsch(uint32_t schid, struct schib *schib)
{
	return CC_OF("stsch", schib, schid);
}

int ng_msch(uint32_t schid, struct schib *schib)
{
	return CC_OF("msch", schib, schid);
}

int ng_ssch(uint32_t schid, const void *orb)
{
	return CC_OF("ssch", orb, schid);
}

int ng_tsch(uint32_t schid, struct irb *irb)
{
	return CC_OF("tsch", irb, schid);
}

int ng_stcrw(uint32_t *crw)
{
	return CC_OF("stcrw", crw, 0);
}

/* HSCH and CSCH: no operand, the subchannel id in register 1 */
#define CC_OF_SCH(insn, schid)						\
	({								\
		register uint32_t r1 asm("1") = (schid);		\
		int cc;							\
		asm volatile("	" insn "\n"				\
			     "	ipm	%[cc]\n"			\
			     "	srl	%[cc],28\n"			\
			     : [cc] "=d" (cc)				\
			     : "d" (r1)					\
			     : "cc", "memory");				\
		cc;							\
	})

int ng_hsch(uint32_t schid)
{
	return CC_OF_SCH("hsch", schid);
}

int ng_csch(uint32_t schid)
{
	return CC_OF_SCH("csch", schid);
}

/*
 * Wait up to @timeout_ms for one more I/O interruption (ng_irq.io moves
 * on): 0 if it came, -1 on timeout. I/O interruptions of ISC 3 only.
 */
int ng_wait_io(unsigned int timeout_ms)
{
	unsigned int seen = ng_irq.io, alarms = ng_irq.clock;

	ng_set_isc_mask(0x10);
	ng_clock_alarm((uint64_t)timeout_ms * 1000);
	while (ng_irq.io == seen && ng_irq.clock == alarms)
		ng_wait(PSW_IO | PSW_EXT);
	ng_clock_off();
	ng_set_isc_mask(0);
	return ng_irq.io != seen ? 0 : -1;
}

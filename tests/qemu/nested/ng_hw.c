// SPDX-License-Identifier: GPL-2.0
/*
 * The nested guest's machine: lowcore new PSWs, the interruption
 * handlers' C halves, the enabled wait, the TOD clock and its
 * comparator, the SCLP VT220 console (Write Event Data), line output.
 */
#include "ng.h"

/* Lowcore (absolute addresses; the prefix is 0) */
#define LC_EXT_PARAMS		0x080
#define LC_EXT_CODE		0x086
#define LC_PGM_CODE		0x08e
#define LC_SCHID		0x0b8
#define LC_IO_INTPARM		0x0bc
#define LC_PGM_OLD_PSW		0x150
#define LC_EXT_NEW_PSW		0x1b0
#define LC_PGM_NEW_PSW		0x1d0
#define LC_MCCK_NEW_PSW		0x1e0
#define LC_IO_NEW_PSW		0x1f0

/* Control register 0: external interruption subclass masks */
#define CR0_CLOCK_COMP		0x800
#define CR0_SERVICE		0x200

#define SCLP_WRITE_EVENT_DATA	0x00760005
#define SCLP_RC_NORMAL		0x0020
#define EVENT_VT220		0x1a

/* The command line QEMU copies there from -append */
#define PARM_CMDLINE		0x10480

struct psw {
	uint64_t mask;
	uint64_t addr;
} __attribute__((aligned(8)));

volatile struct ng_irqs ng_irq;

extern char ng_ext_entry[], ng_io_entry[], ng_pgm_entry[];

/*
 * A pointer to an absolute address, hidden from the compiler: it would
 * otherwise take a small constant for a null pointer plus an offset.
 */
static inline void *abs_ptr(unsigned long addr)
{
	void *p;

	asm("" : "=r" (p) : "0" (addr));
	return p;
}

static void set_new_psw(unsigned long lc, uint64_t mask, void *handler)
{
	struct psw *psw = abs_ptr(lc);

	psw->mask = mask;
	psw->addr = (unsigned long)handler;
}

static uint64_t get_cr0(void)
{
	uint64_t cr0;

	asm volatile("stctg 0,0,%0" : "=Q" (cr0));
	return cr0;
}

static void set_cr0(uint64_t cr0)
{
	asm volatile("lctlg 0,0,%0" : : "Q" (cr0) : "memory");
}

void ng_set_isc_mask(uint8_t isc_mask)
{
	uint64_t cr6 = (uint64_t)isc_mask << 24;	/* bits 32-39 */

	asm volatile("lctlg 6,6,%0" : : "Q" (cr6) : "memory");
}

void ng_init(void)
{
	set_new_psw(LC_EXT_NEW_PSW, PSW_64BIT, ng_ext_entry);
	set_new_psw(LC_IO_NEW_PSW, PSW_64BIT, ng_io_entry);
	set_new_psw(LC_PGM_NEW_PSW, PSW_64BIT, ng_pgm_entry);
	/* machine checks stay disabled (PSW bit 13 is never set) */
	set_new_psw(LC_MCCK_NEW_PSW, PSW_64BIT | PSW_WAIT, abs_ptr(0x7ee));
	set_cr0(get_cr0() | CR0_SERVICE);
}

/*
 * Wait, enabled for @enable (PSW_IO, PSW_EXT), until one interruption has
 * been taken: its handler resumes right after the lpswe.
 */
void ng_wait(uint64_t enable)
{
	static struct psw psw;

	psw.mask = PSW_64BIT | PSW_WAIT | enable;
	asm volatile("	larl	%%r1,0f\n"
		     "	stg	%%r1,%[addr]\n"
		     "	lpswe	%[psw]\n"
		     "0:\n"
		     : [addr] "=Q" (psw.addr)
		     : [psw] "Q" (psw)
		     : "r1", "cc", "memory");
}

void ng_on_io(void)
{
	ng_irq.io_schid = *(volatile uint32_t *)abs_ptr(LC_SCHID);
	ng_irq.io_intparm = *(volatile uint32_t *)abs_ptr(LC_IO_INTPARM);
	ng_irq.io++;
}

void ng_on_ext(void)
{
	uint16_t code = *(volatile uint16_t *)abs_ptr(LC_EXT_CODE);

	if (code == EXT_CLOCK_COMP) {
		ng_irq.clock++;
		/* the condition stays while TOD > comparator: mask it */
		set_cr0(get_cr0() & ~CR0_CLOCK_COMP);
	} else if (code == EXT_SERVICE) {
		ng_irq.service++;
	} else {
		ng_irq.other_ext++;
	}
}

void ng_on_pgm(void)
{
	struct psw *old = abs_ptr(LC_PGM_OLD_PSW);

	ng_irq.pgm_code = *(volatile uint16_t *)abs_ptr(LC_PGM_CODE);
	ng_irq.pgm++;
	if (!ng_irq.pgm_expected) {
		ng_print("FAIL guest: program check %#x at %#lx",
			 ng_irq.pgm_code, (unsigned long)old->addr);
		ng_stop();
	}
}

uint64_t ng_tod(void)
{
	uint64_t tod;

	asm volatile("stck %0" : "=Q" (tod) : : "cc");
	return tod;
}

/* Bit 51 of the TOD clock is one microsecond */
uint64_t ng_us_since(uint64_t tod)
{
	return (ng_tod() - tod) >> 12;
}

/* A clock-comparator interruption @us from now (ng_irq.clock counts) */
void ng_clock_alarm(uint64_t us)
{
	uint64_t when = ng_tod() + (us << 12);

	asm volatile("sckc %0" : : "Q" (when));
	set_cr0(get_cr0() | CR0_CLOCK_COMP);
}

void ng_clock_off(void)
{
	set_cr0(get_cr0() & ~CR0_CLOCK_COMP);
}

const char *ng_cmdline(void)
{
	return abs_ptr(PARM_CMDLINE);
}

/* ---------------------------------------------------------- console */

static struct {
	/* SCCB header */
	uint16_t length;
	uint8_t function;
	uint8_t control[3];
	uint16_t response;
	/* one event buffer */
	uint16_t ev_length;
	uint8_t ev_type;
	uint8_t ev_flags;
	uint16_t ev_reserved;
	char text[512];
} __attribute__((packed, aligned(4096))) sccb;

static int servc(uint32_t command, void *block)
{
	int cc;

	asm volatile("	.insn	rre,0xb2200000,%[cmd],%[blk]\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     : [cc] "=d" (cc)
		     : [cmd] "d" (command), [blk] "a" (block)
		     : "cc", "memory");
	return cc;
}

/*
 * One Write Event Data of @len bytes; the SCCB is ours again once the
 * service signal came. A busy SCLP (cc 2) is waited for and retried.
 */
static void sclp_write(const char *text, size_t len)
{
	unsigned int seen;
	int cc;

	do {
		memset(&sccb, 0, 14);
		sccb.length = 14 + len;
		sccb.ev_length = 6 + len;
		sccb.ev_type = EVENT_VT220;
		memcpy(sccb.text, text, len);
		seen = ng_irq.service;
		cc = servc(SCLP_WRITE_EVENT_DATA, &sccb);
		if (cc == 3)
			ng_stop();		/* no console: nothing to tell */
		while (ng_irq.service == seen)
			ng_wait(PSW_EXT);
	} while (cc == 2);
}

void ng_print(const char *fmt, ...)
{
	char line[sizeof(sccb.text)];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = ng_format(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[len++] = '\n';
	sclp_write(line, len);
}

/* The special wait address 0xfff: QEMU shuts down instead of panicking */
void ng_stop(void)
{
	static struct psw stop = { PSW_64BIT | PSW_WAIT, 0xfff };

	for (;;)
		asm volatile("lpswe %0" : : "Q" (stop) : "memory");
}

/* ------------------------------------------------ what libc would give */

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nested guest: a bare-metal s390x program that QEMU's vfio-ccw
 * passes our module's subchannel to (tests/qemu/README.md, "The real client").
 *   head.S      entry, parameter area, interruption handlers
 *   ng_hw.c     lowcore, interruptions, TOD clock, SCLP console, output
 *   ng_io.c     channel-subsystem instructions and the I/O wait
 *   ng_main.c   the checks
 * It prints "ok NAME (detail)" or "FAIL NAME: why" per check, "# ..."
 * information, "vt: unplug" when the host is to take the device away, and
 * "N passed, M failed", then stops QEMU with a special disabled wait.
 */
#ifndef NG_H
#define NG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../scsw_bits.h"

#define NG_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ ng_hw.c */

/* PSW mask bits (z/Architecture) */
#define PSW_IO			0x0200000000000000UL
#define PSW_EXT			0x0100000000000000UL
#define PSW_WAIT		0x0002000000000000UL
#define PSW_64BIT		0x0000000180000000UL	/* EA and BA */

/* External interruption codes */
#define EXT_CLOCK_COMP		0x1004
#define EXT_SERVICE		0x2401

struct ng_irqs {
	unsigned int io;		/* I/O interruptions taken */
	uint32_t io_schid;		/* of the last one */
	uint32_t io_intparm;
	unsigned int clock;		/* clock comparator */
	unsigned int service;		/* SCLP service signal */
	unsigned int other_ext;
	uint16_t pgm_code;		/* last program interruption */
	unsigned int pgm;
	int pgm_expected;		/* a program check is what we test */
};

extern volatile struct ng_irqs ng_irq;

void ng_init(void);
void ng_wait(uint64_t enable);
uint64_t ng_tod(void);
uint64_t ng_us_since(uint64_t tod);
void ng_clock_alarm(uint64_t us);
void ng_clock_off(void);
void ng_set_isc_mask(uint8_t isc_mask);
const char *ng_cmdline(void);
void ng_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ng_format(char *buf, size_t len, const char *fmt, va_list ap);
void __attribute__((noreturn)) ng_stop(void);

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ------------------------------------------------------------ ng_io.c */

struct pmcw {
	uint32_t intparm;
	uint16_t flags;
	uint16_t devno;
	uint8_t lpm, pnom, lpum, pim;
	uint16_t mbi;
	uint8_t pom, pam;
	uint8_t chpid[8];
	uint32_t chars;
} __attribute__((packed));

#define PMCW_ISC_SHIFT		11
#define PMCW_ISC		(7 << PMCW_ISC_SHIFT)
#define PMCW_ENABLED		0x0080
#define PMCW_DNV		0x0001

struct scsw {
	uint32_t ctrl;		/* key, flags, cc, function/activity/status */
	uint32_t cpa;
	uint8_t dstat, cstat;
	uint16_t count;
} __attribute__((packed));

#define SCSW_CC(ctrl)		(((ctrl) >> 24) & 3)
#define DSTAT_CE		0x08
#define DSTAT_DE		0x04
#define DSTAT_UC		0x02
#define DSTAT_UX		0x01
#define CSTAT_PROG_CHECK	0x20

struct schib {
	struct pmcw pmcw;
	struct scsw scsw;
	uint64_t mba;
	uint8_t mda[4];
} __attribute__((packed, aligned(4)));

struct orb {
	uint32_t intparm;
	uint32_t flags;
	uint32_t cpa;
	uint32_t reserved[5];
} __attribute__((aligned(4)));

/* ORB word 1: suspend control, format-1 CCWs, prefetch allowed, any path */
#define ORB_SPND		(1u << 27)
#define ORB_FMT1		(1u << 23)
#define ORB_PFCH		(1u << 22)
#define ORB_LPM_ANY		(0xffu << 8)

struct ccw1 {
	uint8_t cmd;
	uint8_t flags;
	uint16_t count;
	uint32_t cda;
} __attribute__((aligned(8)));

#define CCW_SENSE_ID		0xe4
#define CCW_NOOP		0x03
#define CCW_FLAG_CC		0x40
#define CCW_FLAG_SLI		0x20
#define CCW_FLAG_SUSPEND	0x02

struct irb {
	struct scsw scsw;
	uint8_t esw[20];
	uint8_t ecw[32];
	uint8_t emw[32];
} __attribute__((aligned(4)));

/* Subchannel ids in register 1: the "one" bit, subchannel set 0 */
#define SCHID(nr)		(0x00010000u | (nr))

int ng_stsch(uint32_t schid, struct schib *schib);
int ng_msch(uint32_t schid, struct schib *schib);
int ng_ssch(uint32_t schid, const void *orb);
int ng_tsch(uint32_t schid, struct irb *irb);
int ng_stcrw(uint32_t *crw);
int ng_hsch(uint32_t schid);
int ng_csch(uint32_t schid);
int ng_wait_io(unsigned int timeout_ms);

#endif /* NG_H */

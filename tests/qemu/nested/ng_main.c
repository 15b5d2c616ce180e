// SPDX-License-Identifier: GPL-2.0
/*
 * The nested guest's checks on the subchannel QEMU's vfio-ccw passes
 * through (tests/qemu/README.md, "The real client"). The command line (QEMU's
 * -append) is "MODE DEVNO [LPUM]": MODE "io" runs every check and ends
 * with device-del, MODE "remove" sets the subchannel up and ends with
 * mdev-remove; DEVNO (hex) is the device number QEMU gave the device;
 * LPUM (hex), if given, is the last-path-used mask the subchannel has on
 * the host, which STSCH must show: QEMU refreshes it from the host on
 * each STSCH (the schib region), where its own would be 0.
 * Both unplug checks print "vt: unplug", which asks the test guest to
 * take the device away, and go on starting I/O until it is gone.
 */
#include "ng.h"

#define ROUND_TRIPS		300
#define IO_TIMEOUT_MS		5000
#define UNPLUG_TIMEOUT_S	90
#define ISC			3
#define CU_TYPE_VIRTIO		0x3832
#define CANARY			0xa5
#define PAGE			4096
/* 2 GiB - 1 MiB: 31-bit, doubleword aligned, far above our 32 MiB */
#define NOT_OUR_MEMORY		0x7ff00000UL
#define PGM_ADDRESSING		0x0005

static char why[256];
static int passed, failed;
static uint32_t schid;
static uint16_t devno;
static int host_lpum = -1;	/* LPUM of the command line, -1 if none */
static uint32_t next_intparm = 0x4e470000;	/* "NG", then a count */

static struct schib schib;
static struct orb orb;
static struct ccw1 ccw[3];
static struct irb irb;
static uint8_t id_buf[64] __attribute__((aligned(8)));
static uint8_t pages[3 * PAGE] __attribute__((aligned(PAGE)));

static int fail(const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = ng_format(why, sizeof(why) - 1, fmt, ap);
	va_end(ap);
	why[len] = '\0';
	return -1;
}

static void report(const char *name, int ret, const char *detail)
{
	if (ret) {
		ng_print("FAIL %s: %s", name, why);
		failed++;
	} else {
		ng_print("ok %s%s%s%s", name, detail[0] ? " (" : "", detail,
			 detail[0] ? ")" : "");
		passed++;
	}
}

/* Format into @buf (a detail or why string); the length written */
static size_t say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ng_format(buf, len - 1, fmt, ap);
	va_end(ap);
	buf[n] = '\0';
	return n;
}

static uint32_t addr31(const void *p)
{
	return (uint32_t)(unsigned long)p;
}

static void put_ccw(int i, uint8_t cmd, uint8_t flags, uint16_t count,
		    uint32_t cda)
{
	ccw[i].cmd = cmd;
	ccw[i].flags = flags;
	ccw[i].count = count;
	ccw[i].cda = cda;
}

/* Start the program at @cpa with ORB flags @extra too; 0 or -1 with why */
static int start_orb(uint32_t cpa, uint32_t extra, int *cc_out)
{
	int cc;

	memset(&orb, 0, sizeof(orb));
	orb.intparm = ++next_intparm;
	orb.flags = ORB_FMT1 | ORB_PFCH | ORB_LPM_ANY | extra;
	orb.cpa = cpa;
	cc = ng_ssch(schid, &orb);
	if (cc_out)
		*cc_out = cc;
	return cc ? fail("ssch: cc %d", cc) : 0;
}

/* Start the program at @cpa; 0 or -1 with why (cc on @cc_out if set) */
static int start(uint32_t cpa, int *cc_out)
{
	return start_orb(cpa, 0, cc_out);
}

/*
 * The interruption of the start just made, then TSCH: the interruption
 * names our subchannel and the ORB's parameter, TSCH stores the IRB.
 */
static int interrupted(void)
{
	int cc;

	if (ng_wait_io(IO_TIMEOUT_MS))
		return fail("no I/O interruption within %u ms", IO_TIMEOUT_MS);
	if (ng_irq.io_schid != schid || ng_irq.io_intparm != orb.intparm)
		return fail("interruption for %#x parameter %#x, expected %#x %#x",
			    ng_irq.io_schid, ng_irq.io_intparm, schid,
			    orb.intparm);
	memset(&irb, 0, sizeof(irb));
	cc = ng_tsch(schid, &irb);
	if (cc)
		return fail("tsch after the interruption: cc %d", cc);
	return 0;
}

static int run(uint32_t cpa)
{
	return start(cpa, NULL) ? -1 : interrupted();
}

/* A clean end of the program whose last CCW is @last */
static int check_final(const struct ccw1 *last)
{
	const struct scsw *s = &irb.scsw;
	uint32_t want = STCTL_PRIMARY | STCTL_SECONDARY | STCTL_PENDING;

	if (SCSW_FCTL(s->ctrl) != FCTL_START || SCSW_STCTL(s->ctrl) != want ||
	    s->dstat != (DSTAT_CE | DSTAT_DE) || s->cstat || s->count)
		return fail("scsw %08x cpa %08x dstat %02x cstat %02x residual %u",
			    s->ctrl, s->cpa, s->dstat, s->cstat, s->count);
	if (s->cpa != addr31(last + 1))
		return fail("scsw cpa %08x, expected %08x", s->cpa,
			    addr31(last + 1));
	return 0;
}

/* SENSE ID data at @buf of @count bytes, canaries around it untouched */
static int check_id(const uint8_t *buf, uint16_t count)
{
	unsigned int i;

	if (buf[0] != 0xff || (buf[1] << 8 | buf[2]) != CU_TYPE_VIRTIO)
		return fail("sense id data %02x %02x%02x, expected ff %04x",
			    buf[0], buf[1], buf[2], CU_TYPE_VIRTIO);
	if (buf[-1] != CANARY)
		return fail("byte before the data written");
	for (i = count; i < count + 8u; i++)
		if (buf[i] != CANARY)
			return fail("byte %u past the count written", i);
	return 0;
}

static void prepare_id(uint8_t *buf, uint16_t count)
{
	memset(buf - 1, CANARY, count + 9);
	put_ccw(0, CCW_SENSE_ID, CCW_FLAG_SLI, count, addr31(buf));
}

/* One SENSE ID of 8 bytes, all of it checked */
static int sense_id(void)
{
	uint8_t *buf = id_buf + 8;

	prepare_id(buf, 8);
	if (run(addr31(ccw)) || check_final(&ccw[0]))
		return -1;
	return check_id(buf, 8);
}

/* ---------------------------------------------------------- the checks */

static int check_stsch(char *detail, size_t len)
{
	unsigned int nr, found = 0, valid = 0;
	struct pmcw *p = &schib.pmcw;
	int cc;

	for (nr = 0; nr < 256; nr++) {
		cc = ng_stsch(SCHID(nr), &schib);
		if (cc == 3)
			continue;
		if (cc)
			return fail("stsch 0.0.%04x: cc %d", nr, cc);
		if (!(p->flags & PMCW_DNV))
			continue;
		valid++;
		if (p->devno == devno && !found) {
			found = 1;
			schid = SCHID(nr);
		}
	}
	if (!found)
		return fail("no subchannel with device %04x (%u valid)",
			    devno, valid);
	if (ng_stsch(schid, &schib))
		return fail("stsch again: not cc 0");
	if (p->flags & PMCW_ENABLED)
		return fail("enabled before any msch");
	if (!p->pim || SCSW_FCTL(schib.scsw.ctrl))
		return fail("pim %02x, function %x", p->pim,
			    SCSW_FCTL(schib.scsw.ctrl));
	if (host_lpum >= 0 && p->lpum != host_lpum)
		return fail("lpum %02x, the host's is %02x: not a fresh schib",
			    p->lpum, host_lpum);
	say(detail, len, "0.0.%04x devno %04x pim %02x pam %02x pom %02x lpum %02x%s chpid0 %02x, %u subchannel(s)",
	    schid & 0xffff, p->devno, p->pim, p->pam, p->pom, p->lpum,
	    host_lpum >= 0 ? " (the host's)" : "", p->chpid[0], valid);
	return 0;
}

static int check_msch(char *detail, size_t len)
{
	struct pmcw *p = &schib.pmcw;
	uint32_t intparm = 0x4e475343;		/* "NGSC" */
	int cc;

	if (ng_stsch(schid, &schib))
		return fail("stsch: not cc 0");
	p->intparm = intparm;
	p->flags = (p->flags & ~PMCW_ISC) | ISC << PMCW_ISC_SHIFT |
		   PMCW_ENABLED;
	p->lpm = p->pim;
	cc = ng_msch(schid, &schib);
	if (cc)
		return fail("msch: cc %d", cc);
	memset(&schib, 0, sizeof(schib));
	if (ng_stsch(schid, &schib))
		return fail("stsch after msch: not cc 0");
	if (!(p->flags & PMCW_ENABLED) ||
	    (p->flags & PMCW_ISC) >> PMCW_ISC_SHIFT != ISC ||
	    p->intparm != intparm)
		return fail("after msch: flags %04x intparm %08x", p->flags,
			    p->intparm);
	say(detail, len, "enabled, isc %d, lpm %02x", ISC, p->lpm);
	return 0;
}

static int check_sense_id(char *detail, size_t len)
{
	struct irb again;
	int cc;

	if (sense_id())
		return -1;
	cc = ng_tsch(schid, &again);
	if (cc != 1)
		return fail("second tsch: cc %d, expected 1 (nothing pending)",
			    cc);
	say(detail, len, "ff %04x, CE+DE, residual 0, second tsch cc 1",
	    CU_TYPE_VIRTIO);
	return 0;
}

/*
 * SENSE ID -> NOOP -> SENSE ID, command chained, each SENSE ID's data
 * across a page boundary: 8 bytes from 3 before the first one, 16 from
 * 6 before the second.
 */
static int check_page_cross(char *detail, size_t len)
{
	uint8_t *a = pages + PAGE - 3, *b = pages + 2 * PAGE - 6;

	memset(pages, CANARY, sizeof(pages));
	put_ccw(0, CCW_SENSE_ID, CCW_FLAG_CC | CCW_FLAG_SLI, 8, addr31(a));
	put_ccw(1, CCW_NOOP, CCW_FLAG_CC | CCW_FLAG_SLI, 0, 0);
	put_ccw(2, CCW_SENSE_ID, CCW_FLAG_SLI, 16, addr31(b));
	if (run(addr31(ccw)) || check_final(&ccw[2]))
		return -1;
	if (check_id(a, 8) || check_id(b, 16))
		return -1;
	say(detail, len, "3 CCWs, data at %08x+8 and %08x+16",
	    addr31(a), addr31(b));
	return 0;
}

static int check_orb_outside(char *detail, size_t len)
{
	unsigned int before = ng_irq.pgm;
	struct irb none;
	int cc;

	ng_irq.pgm_expected = 1;
	cc = ng_ssch(schid, (const void *)NOT_OUR_MEMORY);
	ng_irq.pgm_expected = 0;
	if (ng_irq.pgm == before)
		return fail("ssch of an ORB at %#lx: cc %d, no program check",
			    NOT_OUR_MEMORY, cc);
	if (ng_irq.pgm_code != PGM_ADDRESSING)
		return fail("program check %#x, expected addressing (%#x)",
			    ng_irq.pgm_code, PGM_ADDRESSING);
	cc = ng_tsch(schid, &none);
	if (cc != 1)
		return fail("tsch after it: cc %d, expected 1 (nothing started)",
			    cc);
	if (sense_id())
		return fail("the device after it: %s", why);
	say(detail, len, "addressing exception, nothing started, device works after");
	return 0;
}

/*
 * A start the channel cannot carry out: @cpa or the data at memory we do
 * not have. Architected: a channel program check. QEMU 7.2's vfio-ccw
 * answers a start the host refuses with a unit exception instead. Either
 * is an answer; a hang, a cc or a clean end is not.
 */
static int check_bad_start(uint32_t cpa, char *detail, size_t len)
{
	struct scsw s;
	const char *what;

	if (run(cpa))
		return -1;
	s = irb.scsw;		/* the SENSE ID after it stores its own */
	if (!(SCSW_STCTL(s.ctrl) & STCTL_PENDING))
		return fail("scsw %08x: no status pending", s.ctrl);
	if (s.cstat & CSTAT_PROG_CHECK)
		what = "channel program check";
	else if (s.dstat & DSTAT_UX)
		what = "unit exception (QEMU's answer to a refused start)";
	else
		return fail("scsw %08x dstat %02x cstat %02x: no error shown",
			    s.ctrl, s.dstat, s.cstat);
	if (sense_id())
		return fail("the device after it: %s", why);
	say(detail, len, "cc 0, %s, scsw %08x dstat %02x cstat %02x, device works after",
	    what, s.ctrl, s.dstat, s.cstat);
	return 0;
}

static int check_ccw_outside(char *detail, size_t len)
{
	return check_bad_start(NOT_OUR_MEMORY, detail, len);
}

static int check_data_outside(char *detail, size_t len)
{
	put_ccw(0, CCW_SENSE_ID, CCW_FLAG_SLI, 8, NOT_OUR_MEMORY);
	return check_bad_start(addr31(ccw), detail, len);
}

static int check_round_trips(char *detail, size_t len)
{
	uint64_t t0 = ng_tod(), us;
	unsigned int i;

	for (i = 0; i < ROUND_TRIPS; i++)
		if (sense_id())
			return fail("SENSE ID %u: %s", i + 1, why);
	us = ng_us_since(t0);
	if (!us)
		us = 1;
	ng_print("# round trips: %u in %lu us", ROUND_TRIPS,
		 (unsigned long)us);
	say(detail, len, "%u SENSE IDs, %lu.%lu/s", ROUND_TRIPS,
	    ROUND_TRIPS * 1000000UL / us,
	    ROUND_TRIPS * 10000000UL / us % 10);
	return 0;
}

/*
 * A start that stays in flight: a NOOP with the suspend flag, in an ORB
 * that allows suspension. The channel suspends it before the NOOP, and
 * nothing resumes it: no interruption comes.
 */
static int start_suspended(void)
{
	put_ccw(0, CCW_NOOP, CCW_FLAG_SUSPEND | CCW_FLAG_SLI, 0, 0);
	if (start_orb(addr31(ccw), ORB_SPND, NULL))
		return -1;
	if (!ng_wait_io(200)) {
		ng_tsch(schid, &irb);
		return fail("the suspended program ended: scsw %08x",
			    irb.scsw.ctrl);
	}
	return 0;
}

/*
 * HSCH or CSCH of a suspended program, through QEMU's vfio-ccw and the
 * module's async region: cc 0, then one interruption whose IRB shows
 * the halt or clear function (a clear: that alone, and no activity left
 * at all), status pending, nothing pending or active; nothing more is
 * pending after it, and the device works.
 */
static int check_end(int (*insn)(uint32_t schid), unsigned int fctl,
		     char *detail, size_t len)
{
	const char *name = fctl == FCTL_HALT ? "hsch" : "csch";
	uint32_t busy = ACTL_RESUME_PEND | ACTL_START_PEND | ACTL_HALT_PEND |
			ACTL_CLEAR_PEND | ACTL_SCH_ACTIVE | ACTL_DEV_ACTIVE;
	struct irb again;
	uint32_t ctrl;
	int cc;

	if (start_suspended())
		return -1;
	/* QEMU's own SCSW: start pending, it never learns of the suspension */
	if (ng_stsch(schid, &schib) || SCSW_FCTL(schib.scsw.ctrl) != FCTL_START)
		return fail("stsch of the suspended start: scsw %08x",
			    schib.scsw.ctrl);
	cc = insn(schid);
	if (cc)
		return fail("%s of the suspended program: cc %d", name, cc);
	if (interrupted())
		return -1;
	ctrl = irb.scsw.ctrl;
	if (!(SCSW_FCTL(ctrl) & fctl) || (SCSW_FCTL(ctrl) & FCTL_START) ||
	    (fctl == FCTL_CLEAR && SCSW_FCTL(ctrl) != FCTL_CLEAR))
		return fail("%s: scsw %08x: function %x", name, ctrl,
			    SCSW_FCTL(ctrl));
	if (!(SCSW_STCTL(ctrl) & STCTL_PENDING) || (SCSW_ACTL(ctrl) & busy) ||
	    (fctl == FCTL_CLEAR && SCSW_ACTL(ctrl)) || irb.scsw.cstat)
		return fail("%s: scsw %08x cstat %02x: not the end of the function",
			    name, ctrl, irb.scsw.cstat);
	cc = ng_tsch(schid, &again);
	if (cc != 1)
		return fail("%s: second tsch cc %d, expected 1", name, cc);
	if (sense_id())
		return fail("the device after the %s: %s", name, why);
	say(detail, len, "cc 0, scsw %08x dstat %02x, SENSE ID after", ctrl,
	    irb.scsw.dstat);
	return 0;
}

static int check_hsch(char *detail, size_t len)
{
	return check_end(ng_hsch, FCTL_HALT, detail, len);
}

static int check_csch(char *detail, size_t len)
{
	return check_end(ng_csch, FCTL_CLEAR, detail, len);
}

/*
 * Ask the host to take the device away, then keep starting SENSE IDs
 * until the subchannel is gone (cc 3), for UNPLUG_TIMEOUT_S at most;
 * then fetch the channel report word, if any. What is seen on the way
 * is counted: clean ends (data checked), other ends, starts that got no
 * interruption.
 */
static int check_unplug(char *detail, size_t len)
{
	unsigned int clean = 0, other = 0, lost = 0;
	uint32_t last_ctrl = 0, crw = 0;
	const char *how = NULL;
	uint64_t t0;
	size_t n;
	int cc;

	ng_print("vt: unplug");
	t0 = ng_tod();
	while (!how) {
		uint8_t *buf = id_buf + 8;

		if (ng_us_since(t0) > UNPLUG_TIMEOUT_S * 1000000UL)
			return fail("still there after %u s: %u clean, %u other ends, %u lost",
				    UNPLUG_TIMEOUT_S, clean, other, lost);
		if (ng_stsch(schid, &schib) == 3) {
			how = "stsch cc 3";
			break;
		}
		prepare_id(buf, 8);
		start(addr31(ccw), &cc);
		if (cc == 3) {
			how = "ssch cc 3";
		} else if (cc == 1) {			/* status pending */
			ng_tsch(schid, &irb);
		} else if (cc == 2) {		/* a start still in flight */
			ng_wait_io(100);
		} else if (cc == 0 && ng_wait_io(3000)) {
			lost++;
		} else if (cc == 0) {
			cc = ng_tsch(schid, &irb);
			if (cc == 3) {
				how = "tsch cc 3";
			} else if (irb.scsw.dstat == (DSTAT_CE | DSTAT_DE) &&
				   !irb.scsw.cstat) {
				if (check_id(buf, 8))
					return fail("a clean end with bad data: %s",
						    why);
				clean++;
			} else {
				other++;
				last_ctrl = irb.scsw.ctrl;
			}
		}
	}
	n = say(detail, len, "gone after %lu ms (%s); meanwhile %u clean ends, %u starts without interruption",
		(unsigned long)(ng_us_since(t0) / 1000), how, clean, lost);
	if (other)
		n += say(detail + n, len - n, ", %u other ends (last scsw %08x)",
			 other, last_ctrl);
	/* channel report word: RSC bits 4-7, ERC 10-15, RSID 16-31 */
	if (ng_stcrw(&crw) == 0)
		say(detail + n, len - n, "; crw rsc %u erc %u rsid %04x",
		    crw >> 24 & 0xf, crw >> 16 & 0x3f, crw & 0xffff);
	else
		say(detail + n, len - n, "; no crw");
	return 0;
}

struct check {
	const char *name;
	int (*run)(char *detail, size_t len);
};

static const struct check io_checks[] = {
	{ "stsch", check_stsch },
	{ "msch", check_msch },
	{ "sense-id", check_sense_id },
	{ "chain-page-cross", check_page_cross },
	{ "orb-outside-memory", check_orb_outside },
	{ "ccw-outside-memory", check_ccw_outside },
	{ "data-outside-memory", check_data_outside },
	{ "round-trips", check_round_trips },
	{ "hsch", check_hsch },
	{ "csch", check_csch },
	{ "device-del", check_unplug },
};

static int remove_setup(char *detail, size_t len)
{
	if (check_stsch(detail, len) || check_msch(detail, len) ||
	    sense_id())
		return -1;
	return check_unplug(detail, len);
}

static const struct check remove_checks[] = {
	{ "mdev-remove", remove_setup },
};

/* A hex number at *@s, which moves past it; -1 if there is none */
static int parse_hex(const char **s)
{
	const char *p = *s;
	unsigned int v = 0;

	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			v = v * 16 + *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = v * 16 + *p - 'a' + 10;
		else
			break;
	}
	if (p == *s)
		return -1;
	*s = p;
	return (int)v;
}

void ng_main(void)
{
	const char *cmd = ng_cmdline(), *arg = cmd;
	const struct check *checks = NULL;
	char detail[256];
	size_t i, n = 0;

	ng_init();
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		arg++;
	devno = (uint16_t)parse_hex(&arg);
	if (*arg == ' ') {
		arg++;
		host_lpum = parse_hex(&arg);
	}
	if (!memcmp(cmd, "io ", 3)) {
		checks = io_checks;
		n = NG_ARRAY_SIZE(io_checks);
	} else if (!memcmp(cmd, "remove ", 7)) {
		checks = remove_checks;
		n = NG_ARRAY_SIZE(remove_checks);
	}
	if (!checks || !devno) {
		ng_print("FAIL guest: command line '%s': expected 'io|remove DEVNO [LPUM]'",
			 cmd);
		failed++;
	}
	ng_print("# nested guest: %s", cmd);
	for (i = 0; i < n; i++) {
		int ret;

		detail[0] = '\0';
		ret = checks[i].run(detail, sizeof(detail));
		report(checks[i].name, ret, detail);
		/* without the subchannel, the checks after it mean nothing */
		if (ret && i < 2)
			break;
	}
	ng_print("%d passed, %d failed", passed, failed);
	ng_stop();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ksim: cio's instructions on a simulated subchannel, answered as the
 * channel subsystem answers them (condition codes of the Principles of
 * Operation, cio's retry of msch after a tsch), on the model's device
 * state (ksim.h). cio.c is not compiled: these stand for
 * cio_update_schib(), cio_enable_subchannel(), cio_disable_subchannel()
 * and the ioasm.h instructions.
 */
#include "ksim.h"
#include "vfio_ccw_private.h"	/* cp_iova_pinned() takes its io_mutex */

/* Subchannels attached, by subchannel number: ssch() & co. get a schid */
#define KSIM_SCHS	8
static struct subchannel *ksim_schs[KSIM_SCHS];

void ksim_attach(struct subchannel *sch, struct ksim_dev *dev)
{
	sch->sim = dev;
	ksim_schs[sch->schid.sch_no % KSIM_SCHS] = sch;
}

void ksim_detach(struct subchannel *sch)
{
	ksim_schs[sch->schid.sch_no % KSIM_SCHS] = NULL;
	sch->sim = NULL;
}

static struct ksim_dev *ksim_by_schid(struct subchannel_id schid)
{
	return ksim_schs[schid.sch_no % KSIM_SCHS]->sim;
}

void ksim_log(struct ksim_dev *dev, enum ksim_op op)
{
	if (dev->nlog < KSIM_LOG_MAX)
		dev->log[dev->nlog] = op;
	dev->nlog++;
	if (op < NR_KSIM_OPS)
		dev->ops[op]++;
}

void ksim_misuse(struct ksim_dev *dev, const char *what)
{
	if (!dev->misuse)
		dev->misuse = what;
}

const char *ksim_op_name(unsigned int op)
{
	static const char *const names[NR_KSIM_OPS] = {
		[KSIM_OP_ENABLE] = "enable", [KSIM_OP_DISABLE] = "disable",
		[KSIM_OP_SSCH] = "ssch", [KSIM_OP_HSCH] = "hsch",
		[KSIM_OP_CSCH] = "csch", [KSIM_OP_USER_IRB] = "irb-to-user",
	};

	return op < NR_KSIM_OPS && names[op] ? names[op] : "?";
}

/* A function in progress: ssch's cc 2 */
static bool ksim_function(const struct ksim_dev *dev)
{
	return dev->active || dev->halt || dev->clears;
}

/* An interrupt is owed (the model's OWED): msch's cc 2 */
static bool ksim_owes(const struct ksim_dev *dev)
{
	return ksim_function(dev) || dev->settling;
}

/* The status word of an IRB of @kind, as the channel stores it */
void ksim_irb_make(struct irb *irb, enum ksim_irb kind)
{
	struct cmd_scsw *s = &irb->scsw.cmd;

	memset(irb, 0, sizeof(*irb));
	s->stctl = SCSW_STCTL_STATUS_PEND;
	switch (kind) {
	case KSIM_IRB_INTERMEDIATE:	/* PCI: the program goes on */
		s->fctl = SCSW_FCTL_START_FUNC;
		s->actl = SCSW_ACTL_SCHACT | SCSW_ACTL_DEVACT;
		s->stctl |= SCSW_STCTL_INTER_STATUS;
		break;
	case KSIM_IRB_FINAL:
		s->fctl = SCSW_FCTL_START_FUNC;
		s->stctl |= SCSW_STCTL_PRIM_STATUS | SCSW_STCTL_SEC_STATUS;
		break;
	case KSIM_IRB_CHANNEL_END:	/* the program over, the device busy */
		s->fctl = SCSW_FCTL_START_FUNC;
		s->actl = SCSW_ACTL_DEVACT;
		s->stctl |= SCSW_STCTL_PRIM_STATUS;
		break;
	case KSIM_IRB_DEVICE_END:
		s->fctl = SCSW_FCTL_START_FUNC;
		s->stctl |= SCSW_STCTL_SEC_STATUS;
		break;
	case KSIM_IRB_HALT_DONE:
		s->fctl = SCSW_FCTL_START_FUNC | SCSW_FCTL_HALT_FUNC;
		s->stctl |= SCSW_STCTL_PRIM_STATUS;
		break;
	case KSIM_IRB_CLEAR_DONE:
		s->fctl = SCSW_FCTL_CLEAR_FUNC;
		s->stctl |= SCSW_STCTL_PRIM_STATUS;
		break;
	case KSIM_IRB_UNSOLICITED:
		s->stctl |= SCSW_STCTL_ALERT_STATUS;
		break;
	default:
		s->stctl = 0;
		break;
	}
}

/* The kind of an IRB ksim_irb_make() made */
enum ksim_irb ksim_irb_kind(const struct irb *irb)
{
	const struct cmd_scsw *s = &irb->scsw.cmd;

	if (!(s->stctl & SCSW_STCTL_STATUS_PEND))
		return KSIM_IRB_NONE;
	if (s->fctl & SCSW_FCTL_CLEAR_FUNC)
		return KSIM_IRB_CLEAR_DONE;
	if (s->fctl & SCSW_FCTL_HALT_FUNC)
		return KSIM_IRB_HALT_DONE;
	if (s->stctl & SCSW_STCTL_ALERT_STATUS)
		return KSIM_IRB_UNSOLICITED;
	if (s->stctl & SCSW_STCTL_INTER_STATUS)
		return KSIM_IRB_INTERMEDIATE;
	if (!(s->stctl & SCSW_STCTL_SEC_STATUS))
		return KSIM_IRB_CHANNEL_END;
	if (!(s->stctl & SCSW_STCTL_PRIM_STATUS))
		return KSIM_IRB_DEVICE_END;
	return KSIM_IRB_FINAL;
}

/* stsch: cc 3 if the device is gone, else the schib as it stands */
int cio_update_schib(struct subchannel *sch)
{
	struct ksim_dev *dev = sch->sim;
	union scsw *scsw = &sch->schib.scsw;
	struct irb irb;

	kshim_assert_held(&sch->lock.lk, "&sch->lock (stsch)");
	if (dev->lost)
		return -ENODEV;
	ksim_irb_make(&irb, dev->pending);
	*scsw = irb.scsw;
	scsw->cmd.actl = (dev->active ? SCSW_ACTL_SCHACT | SCSW_ACTL_DEVACT : 0) |
			 (dev->settling ? SCSW_ACTL_DEVACT : 0) |
			 (dev->halt ? SCSW_ACTL_HALT_PEND : 0) |
			 (dev->clears ? SCSW_ACTL_CLEAR_PEND : 0);
	if (dev->active)
		scsw->cmd.fctl |= SCSW_FCTL_START_FUNC;
	sch->schib.pmcw.ena = dev->enabled;
	return 0;
}

/*
 * msch, as cio_commit_config() drives it: cc 1 (status pending) makes cio
 * take the status with tsch, drop it and try again, unless another CPU's
 * interrupt took it first (the race_msch oracle): -EBUSY, and that
 * interrupt runs our handler next. cc 2 (a function in progress): -EBUSY.
 */
static int ksim_msch(struct subchannel *sch, bool enable)
{
	struct ksim_dev *dev = sch->sim;

	if (dev->lost)
		return -ENODEV;
	if (dev->status_in_window) {
		dev->status_in_window = false;
		dev->pending = KSIM_IRB_UNSOLICITED;
	}
	if (dev->pending && dev->race_msch && !dev->taken) {
		dev->race_msch = false;
		dev->taken = dev->pending;
		dev->pending = KSIM_IRB_NONE;
		return -EBUSY;
	}
	if (enable && dev->fail_enable) {
		dev->fail_enable = false;
		return -EIO;
	}
	dev->pending = KSIM_IRB_NONE;	/* cio's tsch, the status dropped */
	if (ksim_owes(dev))
		return -EBUSY;
	dev->enabled = enable;
	ksim_log(dev, enable ? KSIM_OP_ENABLE : KSIM_OP_DISABLE);
	return 0;
}

int cio_enable_subchannel(struct subchannel *sch, u32 intparm)
{
	int ret;

	kshim_assert_held(&sch->lock.lk, "&sch->lock (msch)");
	ret = cio_update_schib(sch);
	if (ret)
		return ret;
	sch->schib.pmcw.intparm = intparm;
	sch->schib.pmcw.isc = sch->isc;
	ret = ksim_msch(sch, true);
	if (!ret)
		sch->schib.pmcw.ena = 1;
	return ret;
}

/* As cio's: a subchannel already disabled is left alone (no msch) */
int cio_disable_subchannel(struct subchannel *sch)
{
	int ret;

	kshim_assert_held(&sch->lock.lk, "&sch->lock (msch)");
	ret = cio_update_schib(sch);
	if (ret)
		return ret;
	if (!sch->schib.pmcw.ena)
		return 0;
	ret = ksim_msch(sch, false);
	if (!ret)
		sch->schib.pmcw.ena = 0;
	return ret;
}

void css_sched_sch_todo(struct subchannel *sch, int todo)
{
	kshim_assert_held(&sch->lock.lk, "&sch->lock (css todo)");
	if (todo == SCH_TODO_UNREG)
		sch->sim->unreg_due = true;
}

/*
 * ssch: cc 3 gone, 1 status pending, 2 a function in progress, 0 taken;
 * taken, and held pending by the subchannel, while only the device end of
 * the last start is owed (the glue must not ask)
 */
int ssch(struct subchannel_id schid, union orb *orb)
{
	struct ksim_dev *dev = ksim_by_schid(schid);
	u8 lpm = orb->cmd.lpm ? orb->cmd.lpm : 0xff;

	if (dev->lost)
		return 3;
	if (dev->dead_paths && !(lpm & ~dev->dead_paths))
		return 3;	/* no path the ORB allows answers */
	if (dev->pending)
		return 1;
	if (ksim_function(dev))
		return 2;
	if (!dev->enabled)
		ksim_misuse(dev, "ssch on a disabled subchannel");
	if (dev->settling)
		ksim_misuse(dev, "ssch while the device end is owed");
	dev->active = true;
	ksim_log(dev, KSIM_OP_SSCH);
	return 0;
}

/* hsch: cc 3 gone, 1 status pending, 2 a halt or clear pending, 0 taken */
int hsch(struct subchannel_id schid)
{
	struct ksim_dev *dev = ksim_by_schid(schid);

	if (dev->lost)
		return 3;
	if (dev->pending)
		return 1;
	if (dev->halt || dev->clears)
		return 2;
	dev->halt = true;
	ksim_log(dev, KSIM_OP_HSCH);
	return 0;
}

/* csch: cc 3 gone, else 0: the status pending and any halt are reset */
int csch(struct subchannel_id schid)
{
	struct ksim_dev *dev = ksim_by_schid(schid);

	if (dev->lost)
		return 3;
	dev->pending = KSIM_IRB_NONE;
	dev->halt = false;
	dev->clears = 1;
	ksim_log(dev, KSIM_OP_CSCH);
	return 0;
}

/* ---------------------------------------- the channel program */
/*
 * A program is translated and pinned, or not: the shim's cp_prefetch()
 * refuses it when the fail_translate oracle says so, as upstream's does
 * for a bad CCW or a page it cannot pin (after pinning the pages before
 * it: the model's act_start() counts the pin either way). Freeing it
 * while the device still runs it is the use-after-unpin the VFIO core
 * forbids.
 */
int cp_init(struct channel_program *cp, union orb *orb)
{
	struct ksim_dev *dev = cp->sch->sim;

	if (cp->initialized)
		ksim_misuse(dev, "cp_init over a live channel program");
	cp->orb = *orb;
	cp->initialized = true;
	return 0;
}

int cp_prefetch(struct channel_program *cp)
{
	struct ksim_dev *dev = cp->sch->sim;

	if (!cp->initialized)
		return -EINVAL;
	if (dev->fail_translate) {
		dev->fail_translate = false;
		return -EINVAL;
	}
	return 0;
}

/*
 * The shim's program pins one page: the one its CCWs are at (the cpa).
 * Like upstream's, it takes the private's io_mutex (a caller holding it
 * deadlocks, which kshim_lock() reports).
 */
bool cp_iova_pinned(struct channel_program *cp, u64 iova, u64 length)
{
	struct vfio_ccw_private *private =
		container_of(cp, struct vfio_ccw_private, cp);
	u64 page;
	bool pinned;

	if (!cp->initialized)
		return false;
	mutex_lock(&private->io_mutex);
	page = cp->orb.cmd.cpa & ~(u64)(KSIM_PAGE_SIZE - 1);
	pinned = cp->initialized && iova < page + KSIM_PAGE_SIZE &&
		 page < iova + length;
	mutex_unlock(&private->io_mutex);
	return pinned;
}

/*
 * The device's state is the channel's, under sch->lock: look at it under
 * the lock. The kernel never frees a program with it held (the unpinning
 * sleeps).
 */
void cp_free(struct channel_program *cp)
{
	bool active;

	if (!cp->initialized)
		return;
	kshim_lock(&cp->sch->lock.lk);
	active = cp->sch->sim->active;
	kshim_unlock(&cp->sch->lock.lk);
	if (active)
		ksim_misuse(cp->sch->sim, "channel program freed while the device runs it");
	cp->initialized = false;
}

union orb *cp_get_orb(struct channel_program *cp, struct subchannel *sch)
{
	(void)sch;
	return cp->initialized ? &cp->orb : NULL;
}

void cp_update_scsw(struct channel_program *cp, union scsw *scsw)
{
	(void)cp;
	(void)scsw;
}

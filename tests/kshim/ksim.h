/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksim: the simulated subchannel behind kshim's cio calls. The device's
 * state is the model's (model/vfio_ccw.pml, "The subchannel and the device
 * behind it"), field for field, so that the lockstep can set it from a
 * state SPIN explores and read it back. The faults the model chooses
 * nondeterministically inside an action (an msch that loses the status to
 * another CPU's interrupt, an enable that fails, a translation refused) are
 * oracles here: set before the action, used by the next such call.
 */
#ifndef _KSIM_H_
#define _KSIM_H_

#include <kshim.h>

/* Kinds of IRB: the model's IRB_* values */
enum ksim_irb {
	KSIM_IRB_NONE,
	KSIM_IRB_INTERMEDIATE,
	KSIM_IRB_FINAL,
	KSIM_IRB_CLEAR_DONE,
	KSIM_IRB_UNSOLICITED,
	KSIM_IRB_HALT_DONE,
	KSIM_IRB_CHANNEL_END,	/* primary status alone: device end to come */
	KSIM_IRB_DEVICE_END,	/* secondary status alone */
};

/* What the FSM did to the world, in order: the op log */
enum ksim_op {
	KSIM_OP_ENABLE = 1,	/* msch enabled the subchannel */
	KSIM_OP_DISABLE,	/* msch disabled it */
	KSIM_OP_SSCH,		/* a start the subchannel took (cc 0) */
	KSIM_OP_HSCH,		/* a halt it took */
	KSIM_OP_CSCH,		/* a clear it took */
	KSIM_OP_USER_IRB,	/* an IRB handed to the user (region, eventfd) */
	NR_KSIM_OPS
};

#define KSIM_LOG_MAX	16
#define KSIM_PAGE_SIZE	4096	/* what cp_iova_pinned() counts in */

struct ksim_dev {
	/* the device and the subchannel, as the model's variables */
	bool enabled;		/* sch_enabled */
	bool lost;		/* dev_lost */
	bool active;		/* dev_active: the device runs the program */
	bool settling;		/* dev_settling: channel end given, device
				 * end owed (device active) */
	bool halt;		/* dev_halt */
	u8 clears;		/* dev_clears */
	u8 pending;		/* sch_status: status pending, a ksim_irb */
	u8 taken;		/* irq_taken: status another CPU's tsch took */
	bool unreg_due;		/* css_sched_sch_todo(SCH_TODO_UNREG) asked */

	/* oracles, each used by the next call that can fail so */
	bool race_msch;		/* msch with status pending loses it */
	bool fail_enable;	/* the enable's msch fails: -EIO */
	bool fail_translate;	/* cp_prefetch refuses the program: -EINVAL */
	bool status_in_window;	/* an unsolicited status comes before the
				 * next msch (after the caller's look) */
	u8 dead_paths;		/* ssch answers cc 3 when the ORB's paths
				 * (all of them for lpm 0) are all in here */

	u8 log[KSIM_LOG_MAX];	/* enum ksim_op */
	unsigned int nlog;
	unsigned long ops[NR_KSIM_OPS];	/* the log's ops, counted: it keeps
					 * only KSIM_LOG_MAX of them */
	const char *misuse;	/* first thing done that the hardware or the
				 * VFIO core forbids, NULL if none */
};

void ksim_attach(struct subchannel *sch, struct ksim_dev *dev);
void ksim_detach(struct subchannel *sch);
void ksim_log(struct ksim_dev *dev, enum ksim_op op);
void ksim_misuse(struct ksim_dev *dev, const char *what);
void ksim_irb_make(struct irb *irb, enum ksim_irb kind);
enum ksim_irb ksim_irb_kind(const struct irb *irb);
const char *ksim_op_name(unsigned int op);

#endif /* _KSIM_H_ */

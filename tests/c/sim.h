/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world around the kernel's struct vfio_ccw_private: a subchannel on
 * the shim's simulated channel (tests/kshim/ksim.h), the channel
 * presenting interrupts, the IRQ handler and the work item, the css
 * reporting a change. Every decision (the next state, the answer, which
 * instruction is issued) is kernel/vfio_ccw_fsm.c's; this file only moves
 * the world the way the hardware and the rest of the driver would.
 *
 * Locks, outermost first: private.io_mutex, sch.lock, then a completion's
 * lock or work_lock. The channel's state (struct ksim_dev and the extras
 * below) is under sch.lock, as the kernel's cio calls see it.
 */
#ifndef _SIM_H_
#define _SIM_H_

#include "ksim.h"
#include "vfio_ccw_private.h"

/* Broken properties of the model, counted at each transition */
enum sim_bad {
	BAD_CP_RELEASED,	/* a program pinned in STANDBY/NOT_OPER */
	BAD_NOT_OPER_LEFT,	/* NOT_OPER left after INIT */
	BAD_ENABLED,		/* enabled outside IDLE/BUSY/QUIESCING */
	NR_SIM_BAD
};

extern const char *const sim_bad_names[NR_SIM_BAD];

struct sim {
	struct vfio_ccw_private private;	/* the kernel's */
	struct subchannel sch;
	struct ksim_dev dev;			/* the channel, sch.lock */
	struct eventfd_ctx io_trigger;

	/* The device beyond the model's variables, under sch.lock */
	int pci;		/* intermediate interrupts a start brings */
	bool pci_random;	/* 0..pci of them instead */
	unsigned int seed;
	int pci_left;		/* still to come for the start running */
	unsigned long seen_ssch;	/* dev.ops[KSIM_OP_SSCH] last seen */
	bool hung;		/* answers nothing but a clear (model: HANGS) */
	bool stalled;		/* the I/O's path went: only a clear ends it */
	bool deaf;		/* not even a clear is answered */
	bool hold;		/* status stays pending until sim_irq_take() */
	unsigned long irb_dropped;	/* the kernel's ring was full */

	/* The workqueue: one work item, private.io_work */
	pthread_mutex_t work_lock;
	pthread_cond_t work_cond;
	bool work_queued;
	bool work_stop;
	bool work_running;
	pthread_t work;

	/* What the trace hook saw, under io_mutex */
	bool initialized;
	enum vfio_ccw_state last_from;
	enum vfio_ccw_event last_event;
	enum vfio_ccw_state last_to;
	int last_ret;
	unsigned long traced;
	unsigned long entered[NR_VFIO_CCW_STATES];
	unsigned int bad[NR_SIM_BAD];
};

/* What a test may look at, read under all the locks at once */
struct sim_snapshot {
	enum vfio_ccw_state state;
	struct ksim_dev dev;
	bool hung;
	bool stalled;
	unsigned int irb_count;
	bool cp_live;
	unsigned long starts, halts, clears, enables, disables;
	unsigned long user_irbs;	/* io_trigger signals */
	struct irb user_irb;		/* the I/O region's irb_area */
	unsigned int done;		/* private.completion */
	unsigned int quiesced;		/* private.quiesced */
	int sleepers;			/* writers on private.completion */
	u8 lpm;
	bool unreg_due;
	const char *misuse;
	unsigned int warnings;		/* kshim's WARN_ONCE()s */
	unsigned long traced;
};

extern bool sim_verbose;

struct sim *sim_create(void);
void sim_destroy(struct sim *s);
void sim_snapshot(struct sim *s, struct sim_snapshot *snap);
unsigned int sim_bad(struct sim *s, enum sim_bad bad);
void sim_clear_bad(struct sim *s);
const char *sim_state_name(enum vfio_ccw_state state);

/* A start request as the user writes it: a command-mode ORB on @lpm */
void sim_req_start(struct ccw_io_region *req, u8 lpm);
/* The I/O region's write: vfio_ccw_fsm_write(), the signal delivered */
int sim_write(struct sim *s, const struct ccw_io_region *req);
/* vfio_ccw_fsm_event() */
int sim_event(struct sim *s, enum vfio_ccw_event event);
/* The async region's write: vfio_ccw_async_request() */
int sim_async(struct sim *s, u32 cmd);
/* The css's sch_event callback, as vfio_ccw_css_sch_event() does it */
void sim_css_event(struct sim *s);

/* Work side: the work thread, or one round of vfio_ccw_io_work by hand */
void sim_start_work(struct sim *s);
void sim_stop_work(struct sim *s);
bool sim_run_work_once(struct sim *s, int *ret);

/* The channel: each returns false if the device state forbids it */
bool present_intermediate(struct sim *s);
bool present_final(struct sim *s);
bool present_clear_done(struct sim *s);
bool present_unsolicited(struct sim *s);
bool present_halt_done(struct sim *s);
bool present_channel_end(struct sim *s);	/* device end to come */
bool present_device_end(struct sim *s);
/* Status made pending on the subchannel whatever its state */
void sim_make_pending(struct sim *s, enum ksim_irb kind);
bool hang_device(struct sim *s);	/* while it runs I/O */
bool lose_path(struct sim *s);		/* the I/O's path goes */
void sim_set_deaf(struct sim *s, bool deaf);
void sim_hold_irqs(struct sim *s, bool hold);
bool sim_irq_take(struct sim *s);	/* the IRQ: tsch, push, queue */
void lose_device(struct sim *s);	/* and its I/O */
void return_device(struct sim *s);	/* answers again */
void sim_set_enabled(struct sim *s, bool on);
void sim_set_pci(struct sim *s, int pci, bool random);

/* The oracles of the shim's channel, set for the next call */
void sim_fail_translate(struct sim *s);	/* io_mutex: cp_init reads it */
void sim_fail_enable(struct sim *s);
void sim_race_msch(struct sim *s);
void sim_dead_paths(struct sim *s, u8 paths);

#endif /* _SIM_H_ */

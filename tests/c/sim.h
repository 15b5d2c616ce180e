/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated subchannel and the driver's private data around the
 * generated FSM table: the environment of model/vfio_ccw.pml in C.
 *
 * Locks, outermost first: fsm_mutex, then dev_lock, then the
 * completion's lock. Nobody sleeps with fsm_mutex held.
 */
#ifndef _SIM_H_
#define _SIM_H_

#include <pthread.h>
#include <stdbool.h>

#include "vfio_ccw_fsm_table.h"

/* Kinds of IRB the channel presents (the model's IRB_*) */
enum sim_irb {
	IRB_NONE,
	IRB_INTERMEDIATE,
	IRB_FINAL,
	IRB_CLEAR_DONE,
	IRB_UNSOLICITED,
	IRB_HALT_DONE,
};

/* The IRB ends the start function: the model's ENDS_START() */
#define SIM_ENDS_START(k) \
	((k) == IRB_FINAL || (k) == IRB_HALT_DONE || (k) == IRB_CLEAR_DONE)

/* vfio_ccw_async_request()'s commands: the UAPI's values, and ours */
#define SIM_ASYNC_HSCH		(1U << 0)	/* VFIO_CCW_ASYNC_CMD_HSCH */
#define SIM_ASYNC_CSCH		(1U << 1)	/* VFIO_CCW_ASYNC_CMD_CSCH */
#define SIM_ASYNC_PATH_GONE	(1U << 31)	/* VFIO_CCW_ASYNC_PATH_GONE */

#define SIM_IRB_SLOTS	4	/* IRBs the IRQ handler may queue */
#define SIM_DONE_ALL	(~0U)	/* complete_all(): UINT_MAX */

/* A kernel completion: a counter and a wait queue */
struct completion {
	pthread_mutex_t lock;
	pthread_cond_t wait;
	unsigned int done;
	int sleepers;
};

void init_completion(struct completion *x);
void reinit_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
int wait_for_completion_interruptible(struct completion *x, int *sigpending);

/* Broken properties of the model, counted where they would happen */
enum sim_bad {
	BAD_START_BUSY,		/* ssch while the device runs a program */
	BAD_START_GUEST,	/* ssch outside IDLE or on a disabled sch */
	BAD_CP_FREE,		/* cp freed while in use, translating, twice */
	BAD_CP_RELEASED,	/* cp left in STANDBY/NOT_OPER */
	BAD_NOT_OPER_LEFT,	/* NOT_OPER left after INIT */
	BAD_ENABLED,		/* sch enabled outside IDLE/BUSY/QUIESCING */
	NR_SIM_BAD
};

extern const char *const sim_bad_names[NR_SIM_BAD];

/* The device behind the subchannel, under dev_lock */
struct sim_device {
	bool enabled;		/* the subchannel is enabled */
	bool active;		/* the device runs a channel program */
	int intermediate;	/* intermediate interrupts still to come */
	int clears;		/* clear functions whose interrupt is owed */
	bool halt;		/* a halt function owes its interrupt */
	bool hung;		/* answers nothing but a clear (model: HANGS) */
	bool stalled;		/* the I/O's path went: only a clear ends it */
	bool deaf;		/* test knob: not even a clear is answered */
	bool hold;		/* test knob: status stays pending in the
				 * subchannel until sim_irq_take() */
	enum sim_irb pending;	/* status pending, not taken by the IRQ yet */
	unsigned char lpm;	/* paths the driver lets the channel use */
	unsigned char dead_paths; /* paths that answer ssch with cc 3 */
	bool lost;
};

/* A function owes an interrupt: a start, a halt or a clear (model: OWED) */
#define SIM_OWED(dev)	((dev)->active || (dev)->halt || (dev)->clears > 0)

/* Test knobs, under fsm_mutex */
struct sim_knobs {
	int translate_fails;	/* the next N translations are refused */
	int enable_fails;	/* the next N enables fail */
	int enable_busy;	/* the next N enables lose the status to an IRQ */
	int pci;		/* intermediate interrupts each start brings */
	int pci_random;		/* if set: random 0..pci instead */
	int force_next;		/* >= 0: sch_event returns this state once */
};

struct vfio_ccw_private {
	enum vfio_ccw_state state;	/* written by the dispatcher only */
	pthread_mutex_t fsm_mutex;
	int fsm_owner;			/* thread id holding it, 0: none */
	struct completion completion;

	/* The IRQ side: device and IRB ring, under dev_lock (a spinlock) */
	pthread_mutex_t dev_lock;
	pthread_cond_t irb_ready;	/* wakes the work thread */
	pthread_cond_t irb_space;	/* wakes a channel waiting on a full ring */
	struct sim_device dev;
	enum sim_irb ring[SIM_IRB_SLOTS];
	unsigned int ring_head;
	unsigned int ring_count;
	bool work_stop;
	bool work_running;
	pthread_t work;

	/* Under fsm_mutex */
	enum sim_irb cur_irb;		/* the IRB INTERRUPT is dispatched for */
	unsigned int async_cmd;		/* the command ASYNC_REQ is for */
	unsigned long halts;		/* hsch issued */
	unsigned long clears;		/* csch issued */
	bool cp_live;
	bool cp_translating;
	unsigned long cp_allocs;
	unsigned long cp_frees;
	unsigned long starts;		/* ssch issued */
	unsigned long user_irbs;	/* IRBs handed to user space */
	bool initialized;		/* INIT was dispatched */
	struct sim_knobs knob;
	unsigned int seed;		/* for knob.pci_random */
	enum vfio_ccw_state last_from;	/* last transition traced */
	enum vfio_ccw_event last_event;
	enum vfio_ccw_state last_to;
	int last_ret;
	unsigned long traced;
	unsigned long entered[NR_VFIO_CCW_STATES];	/* transitions into */

	/* Counters read without fsm_mutex: atomic */
	unsigned int bad[NR_SIM_BAD];
	unsigned int lock_violations;
	unsigned int unverified;
	unsigned int irb_overflows;	/* ring full for too long */
};

/* What a test may look at, read under all the locks at once */
struct sim_snapshot {
	enum vfio_ccw_state state;
	struct sim_device dev;
	unsigned int ring_count;
	bool cp_live;
	unsigned long halts;
	unsigned long clears;
	unsigned long cp_allocs;
	unsigned long cp_frees;
	unsigned long starts;
	unsigned long user_irbs;
	unsigned int done;
	int sleepers;
};

extern bool sim_verbose;

struct vfio_ccw_private *sim_create(void);
void sim_destroy(struct vfio_ccw_private *private);
void sim_snapshot(struct vfio_ccw_private *private, struct sim_snapshot *s);
unsigned int sim_read(unsigned int *counter);
void sim_count(unsigned int *counter);

/* FSM mutex, with the owner tracked for vfio_ccw_fsm_assert_locked() */
void sim_lock(struct vfio_ccw_private *private);
void sim_unlock(struct vfio_ccw_private *private);

/* Admin side: lock, dispatch, unlock */
int sim_event(struct vfio_ccw_private *private, enum vfio_ccw_event event);

/* css side: SCHIB_CHANGED, then NOT_OPER if @gone and still gone */
void sim_css_event(struct vfio_ccw_private *private, bool gone);

/* Writer side: the I/O region's write, as the kernel's path does it */
int sim_write_ssch(struct vfio_ccw_private *private, int *sigpending);
/* The async region's write (or chp_event's work): vfio_ccw_async_request() */
int sim_async(struct vfio_ccw_private *private, unsigned int cmd);
/*
 * vfio_ccw_go_offline(): CLOSE, then wait while QUIESCING, polling every
 * @tick_ms; the first tick that finds it still quiescing raises CLOSE
 * again (escalation to a clear), @give_up ticks later NOT_OPER. Returns
 * the state reached.
 */
enum vfio_ccw_state sim_go_offline(struct vfio_ccw_private *private,
				   long tick_ms, int give_up);
void sim_signal(struct vfio_ccw_private *private, int *sigpending);

/* Work side: the work thread, or one of its rounds run by hand */
void sim_start_work(struct vfio_ccw_private *private);
void sim_stop_work(struct vfio_ccw_private *private);
bool sim_run_work_once(struct vfio_ccw_private *private, int *ret);

/* The channel: each returns false if the device state forbids it */
bool present_intermediate(struct vfio_ccw_private *private);
bool present_final(struct vfio_ccw_private *private);
bool present_clear_done(struct vfio_ccw_private *private);
bool present_unsolicited(struct vfio_ccw_private *private);
bool present_halt_done(struct vfio_ccw_private *private);
bool hang_device(struct vfio_ccw_private *private);	/* while it runs I/O */
bool lose_path(struct vfio_ccw_private *private);	/* the I/O's path */
void sim_hold_irqs(struct vfio_ccw_private *private, bool hold);
bool sim_irq_take(struct vfio_ccw_private *private);	/* the IRQ: tsch */
void lose_device(struct vfio_ccw_private *private);	/* and its I/O */
void return_device(struct vfio_ccw_private *private);	/* answers again */
void sim_irq_inject(struct vfio_ccw_private *private, enum sim_irb kind);

/* For the actions (actions.c), fsm_mutex held */
void sim_cp_alloc(struct vfio_ccw_private *private);
void sim_cp_free(struct vfio_ccw_private *private);
void sim_flush_irbs(struct vfio_ccw_private *private);	/* and dev_lock */
bool sim_irb_queued(struct vfio_ccw_private *private, enum sim_irb kind);

const char *sim_state_name(enum vfio_ccw_state state);
const char *sim_event_name(enum vfio_ccw_event event);

#endif /* _SIM_H_ */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lockstep between model/vfio_ccw.pml and kernel/vfio_ccw_fsm.c: what
 * pan hands over at each dispatch it explores (plain C, no kernel or pan
 * header on either side). proofs/lockstep.c runs the kernel's dispatcher
 * on the same pre-state and compares what it did with what the model did.
 */
#ifndef _LOCKSTEP_H_
#define _LOCKSTEP_H_

#define LS_SLOTS	8	/* >= the model's IRB_SLOTS (it checks) */
#define LS_LOG		16
#define LS_UNTRACKED	2	/* struct ls_world's repinned */

/* The world the FSM acts on, as the model's variables */
struct ls_world {
	unsigned char state;	/* ST_* */
	unsigned char enabled, lost, active, settling, halt, clears, pending, taken;
	unsigned char unreg_due, cp_live;
	unsigned char repinned;	/* a translation since dma_unmap's last call,
				 * or LS_UNTRACKED: the model tracks it only
				 * while an unmap is under way */
	unsigned char not_oper_owed;	/* a shutdown left the clear owed */
	unsigned char path_armed;	/* chp_event saw our start's path go */
	unsigned char done;	/* 255: complete_all() */
	unsigned char nirbs, irbs[LS_SLOTS];	/* the IRB ring, oldest first */
};

/*
 * One dispatch: kept on pan's stack (c_track), so that a choice inside an
 * action, taken again when the search backtracks to it, finds its frame.
 */
struct ls_frame {
	struct ls_world pre;
	unsigned char event;	/* EV_* */
	unsigned char cmd;	/* the model's CMD_* for ASYNC_REQ */
	unsigned char irb;	/* the IRB kind INTERRUPT is dispatched for */
	unsigned char cell_start; /* IO_REQ's cell runs ACT_START: the model
				   * pinned the program in its first step */
	/* the model's choices inside the action (oracles for the kernel's) */
	unsigned char race_msch, fail_enable, fail_translate, status_in_window;
	unsigned char log[LS_LOG];	/* the model's ops, LS_OP_* */
	unsigned char nlog;
};

/* The ops both sides log: enum ksim_op's values */
#define LS_OP_ENABLE	1
#define LS_OP_DISABLE	2
#define LS_OP_SSCH	3
#define LS_OP_HSCH	4
#define LS_OP_CSCH	5
#define LS_OP_USER_IRB	6

static inline void ls_log(struct ls_frame *f, unsigned char op)
{
	if (f->nlog < LS_LOG)
		f->log[f->nlog] = op;
	f->nlog++;
}

/*
 * Run the kernel's vfio_ccw_fsm_dispatch() on f->pre and compare with
 * @post, the model's answer @ans and its log. Returns 0 if they agree,
 * else 1 after printing the first few disagreements ("@lockstep ...").
 */
int ls_check(const struct ls_frame *f, const struct ls_world *post, int ans);

/*
 * The IRQ handler's queueing: the model queued the last IRB of @post's
 * ring; the kernel's vfio_ccw_irb_push() must leave the same ring and do
 * nothing else (no IRB to the user from IRQ context). 0 if they agree.
 */
int ls_check_irq(const struct ls_world *post);

/*
 * A quiesce wait's first timeout, io_mutex held, in @state: the kernel's
 * vfio_ccw_quiesce_timeout() must raise CLOSE exactly where the model's
 * go_offline() escalates, in QUIESCING. 0 if they agree.
 */
int ls_check_escalation(unsigned char state);
int ls_check_shutdown(unsigned char state, unsigned char post_state,
		      unsigned char owed);

/*
 * sch_event's second look, io_mutex held, SCHIB_CHANGED dispatched: the
 * kernel's vfio_ccw_sch_gone() must see the device gone exactly where the
 * model raises NOT_OPER, @lost. 0 if they agree.
 */
int ls_check_sch_gone(unsigned char lost);

/* dma_unmap's count: the model's variables before it */
struct ls_unmap {
	unsigned char state;	/* ST_* */
	unsigned char pinned;	/* cp_iova_pinned() of the range */
	unsigned char repinned;	/* a translation since the last call */
	unsigned char calls;	/* calls of ours counted */
	unsigned char known;	/* the range is the last call's */
};

/*
 * dma_unmap's count, io_mutex held: the kernel's vfio_ccw_unmap_count()
 * on @pre must answer the model's @verdict (VFIO_CCW_UNMAP_*) and leave
 * its count at @calls. The model fences at @fence_at calls, the kernel at
 * VFIO_CCW_UNMAP_CALLS: the kernel's count runs the difference ahead. 0
 * if they agree.
 */
int ls_check_unmap(const struct ls_unmap *pre, unsigned char fence_at,
		   unsigned char verdict, unsigned char calls);
/* The cells whose kernel action the lockstep ran: printed at exit */
void ls_report(void);

#endif /* _LOCKSTEP_H_ */

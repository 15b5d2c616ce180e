/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw finite state machine: the Promela model SPIN verifies.
 *
 * This file is the single source of truth for the FSM. The blocks between
 * "@fsm <name>" and "@fsm end" markers (states, events, fixed answers,
 * actions, table) are read by codegen/fsmgen.py, which emits the C jump
 * table and guards in generated/ from exactly these lines. The rest of the
 * file models what runs around the table: the FSM mutex, the completion,
 * the IRQ handler and its work item, concurrent writers, the channel and
 * the admin side. proofs/properties.toml lists the properties checked.
 *
 * Intent: ../shared/fsm-intent.md. A cell that departs from its starting
 * table says why, beside the cell.
 */

/* ---------------------------------------------------------------- sizes */
#ifndef N_USERS
#define N_USERS		2	/* writer threads issuing start requests */
#endif
#define MAX_INTERMEDIATE 1	/* program-controlled interrupts per start */

/* Budgets of the environment's nondeterministic faults, over the whole run */
#ifndef SIGNALS
#define SIGNALS	1	/* a signal ending a writer's sleep */
#endif
#ifndef DEVICE_LOSSES
#define DEVICE_LOSSES	1	/* the device disappears */
#endif
#ifndef DEVICE_RETURNS
#define DEVICE_RETURNS	1	/* a lost device answers again */
#endif
#ifndef SCHIB_CHANGES
#define SCHIB_CHANGES	1	/* a CRW for a device that stays (a path) */
#endif
#ifndef UNSOLICITED
#define UNSOLICITED	1	/* an unsolicited interrupt while idle */
#endif
#ifndef ENABLE_FAILS
#define ENABLE_FAILS	1	/* enabling the subchannel fails */
#endif
#ifndef TRANSLATE_FAILS
#define TRANSLATE_FAILS	1	/* the guest's channel program is refused */
#endif
#ifndef ASYNC_WRITES
#define ASYNC_WRITES	1	/* halts and clears the writers issue: a
				 * guest clearing forever would never let
				 * its own I/O end, as on hardware */
#endif
#ifndef HANGS
#define HANGS	1	/* the device stops answering, halt included,
			 * until a clear */
#endif
#ifndef PATH_LOSSES
#define PATH_LOSSES	1	/* the path an I/O runs on goes (chp event) */
#endif
#ifndef REMOVALS
#define REMOVALS	1	/* the host asks for the device back */
#endif
#ifndef CHANNEL_ENDS
#define CHANNEL_ENDS	1	/* a start ends in two interrupts: channel
				 * end (primary status), the device end later */
#endif
#ifndef RECREATES
#define RECREATES	1	/* the user's mdev removed and created anew,
				 * the subchannel still registered */
#endif

/*
 * IRBs the channel can present while the work does not run: a start's
 * intermediates, its final (or its channel end and device end), the
 * unsolicited ones (a new start, halt or clear waits for the ring to
 * empty, or empties it). The IRQ handler may queue them all
 * (irq_never_waits); the kernel's ring has 16 slots and, full, drops all
 * but a final IRB.
 */
#define IRB_SLOTS	(MAX_INTERMEDIATE + 2 + UNSOLICITED)
#if MAX_INTERMEDIATE + 2 + UNSOLICITED > 8
#error the ring outgrows the lockstep copy of it: LS_SLOTS in proofs/lockstep.h
#endif

/* --------------------------------------------------------------- errnos */
#define EINTR		4
#define EIO		5
#define EAGAIN		11
#define EACCES		13
#define EBUSY		16
#define ENODEV		19
#define EINVAL		22

/* ------------------------------------------------------------- the FSM */
/* @fsm states */
#define ST_NOT_OPER	0
#define ST_STANDBY	1
#define ST_IDLE		2
#define ST_BUSY		3
#define ST_QUIESCING	4
/* @fsm end */
#define NR_STATES	5

/* @fsm events */
#define EV_INIT		0
#define EV_OPEN	1
#define EV_CLOSE	2
#define EV_IO_REQ	3
#define EV_INTERRUPT	4
#define EV_SCHIB_CHANGED 5
#define EV_NOT_OPER	6
#define EV_ASYNC_REQ	7
/* @fsm end */
#define NR_EVENTS	8

/* Cells whose answer is fixed: no hand-written action behind them. */
/* @fsm fixed */
#define ACT_NOP		1	/* answer 0, state unchanged */
#define ACT_ERROR	2	/* answer -errno of the cell, state unchanged */
#define ACT_WAIT	3	/* sleep on the completion outside the mutex, retry */
/* @fsm end */

/* Hand-written actions: each returns the next state, none writes it. */
/* @fsm actions */
#define ACT_INIT	4	/* probe: set up, subchannel left disabled */
#define ACT_ONLINE	5	/* guest attached: enable the subchannel */
#define ACT_START	6	/* translate the channel program, ssch */
#define ACT_IRQ		7	/* hand an IRB to the user; free on final */
#define ACT_QUIESCE	8	/* guest gone: halt, then clear, then disable */
#define ACT_QUIESCE_IRQ	9	/* interrupt while quiescing */
#define ACT_DISABLED_IRQ 10	/* interrupt with no guest: disable again */
#define ACT_SCH_EVENT	11	/* re-read the schib */
#define ACT_NOT_OPER	12	/* the device is gone */
#define ACT_ASYNC	13	/* halt or clear the subchannel (hsch, csch) */
/* @fsm end */

#define TO(s)		(1 << (s))
#define CELL(s, e, act, err, next) \
	cell_action[(s) * NR_EVENTS + (e)] = act; \
	cell_errno[(s) * NR_EVENTS + (e)] = err; \
	cell_next[(s) * NR_EVENTS + (e)] = next
/* A cell the environment never dispatches, and why: the model asserts it */
#define UNREACHABLE(s, e, why) \
	cell_unreachable[(s) * NR_EVENTS + (e)] = 1

/* Constant once init has filled them: kept out of the state vector. */
hidden byte cell_action[NR_STATES * NR_EVENTS];	/* 0: no cell */
hidden byte cell_errno[NR_STATES * NR_EVENTS];
hidden byte cell_next[NR_STATES * NR_EVENTS];	/* next states allowed */
hidden byte cell_unreachable[NR_STATES * NR_EVENTS];

/*
 * The table: state x event -> action, errno for ACT_ERROR, and the next
 * states the action may return (the guard the generated dispatcher checks).
 */
inline fsm_table_init()
{
/* @fsm table */
	CELL(ST_NOT_OPER, EV_INIT, ACT_INIT, 0, TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_OPEN, ACT_ERROR, ENODEV, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_CLOSE, ACT_NOP, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_IO_REQ, ACT_ERROR, ENODEV, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_INTERRUPT, ACT_DISABLED_IRQ, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_SCHIB_CHANGED, ACT_NOP, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_NOT_OPER, ACT_NOP, 0, TO(ST_NOT_OPER));
	/* Departs from stock (-EIO): the device is gone, so cc 3 is the answer. */
	CELL(ST_NOT_OPER, EV_ASYNC_REQ, ACT_ERROR, ENODEV, TO(ST_NOT_OPER));

	CELL(ST_STANDBY, EV_INIT, ACT_NOP, 0, TO(ST_STANDBY));
	UNREACHABLE(ST_STANDBY, EV_INIT, "INIT is raised once per mdev, at its create, on a fresh private still NOT_OPER");
	/* Departs from the starting table: an enable that loses the status
	 * pending to an interrupt on another CPU is transient (-EBUSY). */
	CELL(ST_STANDBY, EV_OPEN, ACT_ONLINE, 0, TO(ST_STANDBY) | TO(ST_IDLE) | TO(ST_NOT_OPER));
	CELL(ST_STANDBY, EV_CLOSE, ACT_NOP, 0, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_IO_REQ, ACT_ERROR, EIO, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_INTERRUPT, ACT_DISABLED_IRQ, 0, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_STANDBY, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));
	/* No guest: nothing of the user's to halt or clear (stock: -EIO). */
	CELL(ST_STANDBY, EV_ASYNC_REQ, ACT_ERROR, EIO, TO(ST_STANDBY));

	CELL(ST_IDLE, EV_INIT, ACT_NOP, 0, TO(ST_IDLE));
	UNREACHABLE(ST_IDLE, EV_INIT, "INIT is raised once per mdev, at its create, on a fresh private still NOT_OPER");
	CELL(ST_IDLE, EV_OPEN, ACT_NOP, 0, TO(ST_IDLE));
	UNREACHABLE(ST_IDLE, EV_OPEN, "only open and reset raise OPEN, one at a time, after a CLOSE waited out");
	/* A halt or clear the guest issued may still owe its interrupt:
	 * quiesce as BUSY does rather than disable under it. */
	CELL(ST_IDLE, EV_CLOSE, ACT_QUIESCE, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_IDLE, EV_IO_REQ, ACT_START, 0, TO(ST_BUSY) | TO(ST_IDLE));
	CELL(ST_IDLE, EV_INTERRUPT, ACT_IRQ, 0, TO(ST_IDLE));
	CELL(ST_IDLE, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_IDLE) | TO(ST_NOT_OPER));
	CELL(ST_IDLE, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));
	/* Halt or clear of an idle subchannel: the interrupt it owes is the
	 * user's. Stock also takes it here. */
	CELL(ST_IDLE, EV_ASYNC_REQ, ACT_ASYNC, 0, TO(ST_IDLE));

	CELL(ST_BUSY, EV_INIT, ACT_NOP, 0, TO(ST_BUSY));
	UNREACHABLE(ST_BUSY, EV_INIT, "INIT is raised once per mdev, at its create, on a fresh private still NOT_OPER");
	CELL(ST_BUSY, EV_OPEN, ACT_NOP, 0, TO(ST_BUSY));
	UNREACHABLE(ST_BUSY, EV_OPEN, "only open and reset raise OPEN, one at a time, after a CLOSE waited out");
	/* Departs from the starting table: a lost device cannot be quiesced,
	 * the disable answers cc 3, so CLOSE may also end in NOT_OPER. */
	CELL(ST_BUSY, EV_CLOSE, ACT_QUIESCE, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_BUSY, EV_IO_REQ, ACT_WAIT, 0, TO(ST_BUSY));
	CELL(ST_BUSY, EV_INTERRUPT, ACT_IRQ, 0, TO(ST_BUSY) | TO(ST_IDLE));
	CELL(ST_BUSY, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_BUSY) | TO(ST_NOT_OPER));
	CELL(ST_BUSY, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));
	/* Halt or clear of the running program: BUSY until the interrupt that
	 * ends it, which frees the program and wakes the sleepers. Stock's
	 * CP_PROCESSING (-EAGAIN) has no twin: the translation holds the
	 * mutex, so the request waits for it instead of being refused. */
	CELL(ST_BUSY, EV_ASYNC_REQ, ACT_ASYNC, 0, TO(ST_BUSY));

	CELL(ST_QUIESCING, EV_INIT, ACT_NOP, 0, TO(ST_QUIESCING));
	UNREACHABLE(ST_QUIESCING, EV_INIT, "INIT is raised once per mdev, at its create, on a fresh private still NOT_OPER");
	/* Departs from the starting table: an open while the last close still
	 * quiesces is refused, not taken as done (it would end in STANDBY). */
	CELL(ST_QUIESCING, EV_OPEN, ACT_ERROR, EBUSY, TO(ST_QUIESCING));
	UNREACHABLE(ST_QUIESCING, EV_OPEN, "open and reset raise OPEN only after their CLOSE left QUIESCING");
	/* Departs from the starting table: raised again when a wait for the
	 * quiesce times out, it escalates the halt to a clear. */
	CELL(ST_QUIESCING, EV_CLOSE, ACT_QUIESCE, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_QUIESCING, EV_IO_REQ, ACT_ERROR, EBUSY, TO(ST_QUIESCING));
	/* Departs from the starting table: an interrupt that is not the
	 * clear's does not retry cancel/halt/clear (upstream bug 5: a new
	 * clear owes a new interrupt, and the loop never ends); it waits for
	 * the interrupt still owed. Ends in NOT_OPER if the device is lost. */
	CELL(ST_QUIESCING, EV_INTERRUPT, ACT_QUIESCE_IRQ, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_QUIESCING, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_QUIESCING) | TO(ST_NOT_OPER));
	CELL(ST_QUIESCING, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));
	/* Departs from the starting table (-EBUSY, which QEMU turns into a
	 * unit exception for a clear): answered as the subchannel answers, a
	 * clear always taken (cc 0; its interrupt ends the quiesce too), a
	 * halt meeting the quiesce's halt, clear or status pending (cc 2 or 1). */
	CELL(ST_QUIESCING, EV_ASYNC_REQ, ACT_ASYNC, 0, TO(ST_QUIESCING));
/* @fsm end */
}


/* ------------------------------------------------------ shared variables */
#define NOBODY		255
#define FSM_RETRY	1	/* dispatcher's answer for ACT_WAIT */

/*
 * The lifetime (Linux 6.2+, the glue's on 6.1 and 6.12 alike): the css
 * probe binds a parent to the subchannel, with no FSM state; everything
 * below marked "per mdev" is the private, allocated when an mdev is
 * created (vfio_alloc_device: zeroed, state NOT_OPER) and freed when it is
 * removed, after the user closed it. The subchannel, the device, the
 * css's work and the fault budgets outlive it. mdev_present: the parent
 * points at a private (under sch->lock), which the IRQ handler, sch_event
 * and chp_event find there.
 */
bit mdev_present = 1;		/* the first mdev exists from the start */
byte state = ST_NOT_OPER;	/* per mdev */
byte fsm_owner = NOBODY;	/* pid holding the FSM mutex (per mdev) */
bit initialized;		/* INIT has been dispatched (per mdev) */
bit unreg_due;			/* a NOT_OPER scheduled the subchannel's
				 * unregistration (sticky: the css's todo) */
bit unregistered;		/* it ran: no sch_event, no mdev create */
bit sch_work_queued;		/* sch_event queued the mdev's sch_work, which
				 * dispatches the CRW under the mutex (per mdev) */

/* The completion, with the kernel's counter semantics (per mdev) */
#define DONE_ALL	255	/* complete_all(): UINT_MAX in the kernel */
byte done;

/* The subchannel and the device behind it */
bit sch_enabled;
byte sch_status;		/* status pending in the subchannel: an IRB_* */
byte irq_taken;			/* status another CPU took (tsch), its handler
				 * not run yet: an IRB_* */
bit dev_active;			/* the device runs the channel program */
byte dev_intermediate;		/* intermediate interrupts still to come */
byte dev_clears;		/* clear functions whose interrupt is owed */
bit dev_halt;			/* a halt function owes its interrupt */
bit dev_hung;			/* answers nothing but a clear (HANGS) */
bit dev_stalled;		/* the I/O's path is gone: only a clear ends it */
bit dev_settling;		/* channel end presented, device end owed: the
				 * program is over, the device still active */
bit path_gone_armed;		/* chp_event found our start on the path that
				 * went; the next start disarms it (per mdev) */
bit dev_lost;
/* A function owes an interrupt: a start, a halt or a clear */
#define OWED		(dev_active || dev_settling || dev_halt || dev_clears > 0)

/* The channel program: at most one per subchannel */
bit cp_live;
bit cp_translating;

/* IRQ handler -> work item hand-off, and css events */
#define IRB_INTERMEDIATE 1
#define IRB_FINAL	2
#define IRB_CLEAR_DONE	3
#define IRB_UNSOLICITED	4
#define IRB_HALT_DONE	5
#define IRB_CHANNEL_END	6	/* primary status alone: device end to come */
#define IRB_DEVICE_END	7	/* secondary status alone, after a channel end */
/* The IRB ends the start function: the program is over */
/*
 * Ends a start in BUSY. A channel end does, as the guest sees it: QEMU
 * clears the function at TSCH of any status but an intermediate one, and
 * may issue the next SSCH. A device end does too: the kernel cannot tell it
 * from the end of a newer start, which START_REFUSED keeps from running.
 */
#define ENDS_START(k)	((k) == IRB_FINAL || (k) == IRB_HALT_DONE || (k) == IRB_CLEAR_DONE || \
			 (k) == IRB_CHANNEL_END || (k) == IRB_DEVICE_END)

/* The command of an ASYNC_REQ, as the async region carries it */
#define CMD_HALT	1
#define CMD_CLEAR	2
#define CMD_PATH_GONE	3	/* the chp event: clear if I/O is in flight */
byte cur_cmd;			/* the command ASYNC_REQ dispatches */
chan irbq = [IRB_SLOTS] of { byte };
byte cur_irb;			/* the IRB the work item dispatches */
chan css_q = [3] of { bit };	/* a CRW: the css calls sch_event */
chan chp_q = [1] of { bit };	/* a path went: chp_event's work */

/* Fault budgets; those that would rescue a liveness proof are chosen up front */
byte signals = SIGNALS;
byte recreates = RECREATES;
byte losses;			/* DEVICE_LOSSES or 0, chosen by init */
byte returns;			/* DEVICE_RETURNS or 0, chosen by init */
byte schib_changes = SCHIB_CHANGES;
byte unsolicited = UNSOLICITED;
byte enable_fails = ENABLE_FAILS;
byte translate_fails = TRANSLATE_FAILS;
byte hangs = HANGS;
byte async_writes = ASYNC_WRITES;
byte path_losses = PATH_LOSSES;
byte channel_ends = CHANNEL_ENDS;
#ifndef HOST_EVENTS
#define HOST_EVENTS	1	/* 0: no dma_unmap or shutdown */
#endif
#define HOST_NONE	0
#define HOST_UNMAP	1	/* type1's dma_unmap of pinned memory */
#define HOST_SHUTDOWN	2	/* css shutdown (reboot, kexec) */
#define HOST_REMOVE	3	/* mdev removal while the user holds it */
byte host_does;			/* chosen by init */
bit removal_asked;		/* the request IRQ was signalled */
/*
 * dma_unmap (HOST_UNMAP): type1 calls every device of the container, its
 * lock dropped, while any of them pins a page of the range; ours counts
 * the calls that were its own (vfio_ccw_unmap_count()) and fences the
 * device at UNMAP_FENCE_AT of them: the kernel's VFIO_CCW_UNMAP_CALLS, 5,
 * scaled (the lockstep shifts its count by the difference).
 */
#define UNMAP_FENCE_AT	2
#define OTHER_REPINS	1	/* the other device pins the range again */
/* type1's calls for the range: enough for a fence, the second after our
 * user pinned again or after the other device did; the kernel's type1
 * BUGs after eleven */
#define TYPE1_CALLS	UNMAP_FENCE_AT
byte type1_calls;
bit range_ours;			/* our user's programs pin the unmapped
				 * range (init); else another device of the
				 * container does (both at once: not
				 * searched, for its states: the count of
				 * ours reads our pins alone) */
bit other_pins;			/* the other device pins it now */
byte other_repins = OTHER_REPINS;
bit unmap_under_way;		/* type1 is calling: from its first call
				 * to its last look */
bit unmap_held;			/* cp_iova_pinned() of the range, just read */
bit unmap_pinned;		/* unmap_repinned: a translation ran since
				 * the last call (per mdev; tracked while
				 * the unmap is under way: the first call
				 * forgets it, no call after the last
				 * reads it) */
byte unmap_calls;		/* calls that were ours (per mdev) */
bit unmap_fenced;		/* offline until reset or reopen (per mdev) */
byte unmap_verdict;		/* VFIO_CCW_UNMAP_*: the count's answer */
#define UNMAP_NONE	0
#define UNMAP_OFFLINE	1
#define UNMAP_FENCE	2
bit repinned_in_unmap;		/* our user translated since type1's first
				 * call: what a fence needs */
bit guest_open;			/* the VFIO user has the device open */
bit honours;			/* the user will close on request (init) */
bit removal_started;		/* the host began removing the mdev */
bit released;			/* the user closed for good (removal asked) */
bit removed;			/* the mdev removal completed */
/* The user honours the request: QEMU unplugs the device, its guest's I/O
 * to it stops, and it closes the device for good */
#define LETS_GO		(removal_asked && honours)

/* What the liveness claims talk about */
bit asking[N_USERS];		/* writer i's request awaits its answer */
#if N_USERS == 1
#define NO_REQUEST	(!asking[0])
#elif N_USERS == 2
#define NO_REQUEST	(!asking[0] && !asking[1])
#else
#define NO_REQUEST	(!asking[0] && !asking[1] && !asking[2])
#endif
bit asleep[N_USERS];		/* writer i sleeps on the completion */
bit shutdown_looked;		/* the shutdown's last look found the device
				 * NOT_OPER or QUIESCING, not a user's */
bit start_flip;			/* toggled by each start accepted while
				 * writer 0 asks (0 while it does not) */
/*
 * asleep[] and start_flip are read by the liveness claims alone: the
 * safety and progress searches leave them out (-DSAFETY_SEARCH), which
 * changes no behaviour and spares them states.
 *
 * MUTEX_HELD_ACROSS splits a step where the kernel holds the FSM mutex
 * while hardware or other threads act (the translation before the ssch,
 * the schib re-read between SCHIB_CHANGED and NOT_OPER). The liveness
 * searches take each as one step: a taker of a mutex held across steps
 * is enabled only now and then, and weak fairness, all SPIN offers,
 * would let it starve there, which the kernel's mutex does not (it hands
 * off to a waiter passed over). The safety searches keep the split.
 */
#ifdef SAFETY_SEARCH
#define GHOST(x)
#define MUTEX_HELD_ACROSS	}; atomic { irq_taken == 0 ->
#else
#define GHOST(x)	x
#define MUTEX_HELD_ACROSS	;
#endif

/* Violation flags: each is set where a safety property would be broken */
bit bad_state_write;		/* state written without the mutex */
bit bad_transition;		/* action returned a state its cell forbids */
bit bad_start_busy;		/* ssch while an I/O is in flight */
bit bad_start_guest;		/* ssch without a guest */
bit bad_cp_free;		/* freed while in use, translating, twice, or
				 * overwritten while live */
bit bad_answer;			/* a start request answered twice */
bit bad_left_not_oper;		/* NOT_OPER left after INIT, by the same
				 * mdev: only a new one's INIT leaves it */
bit bad_unreachable_cell;	/* a cell marked UNREACHABLE() dispatched */
bit bad_irb_overflow;		/* the IRQ handler found the IRB ring full */
bit bad_stale_irb;		/* the work dispatched an IRB queued for a
				 * removed mdev */
bit bad_cio_wait;		/* cio's work queue took the FSM mutex */
bit bad_fence;			/* dma_unmap fenced the device though our
				 * user pinned nothing while type1 called */
bit bad_stale_path_clear;	/* a path-gone work cleared an I/O whose
				 * path did not go (a newer start) */
bit bad_freed_owed;		/* a program unpinned, or the subchannel
				 * unregistered, while a start, halt or clear
				 * may still interrupt */
bit bad_end_lost;		/* a start ended without its end (final,
				 * halt or clear IRB) reaching the user */
bit bad_sleep_guest_idle;	/* a write slept though the user had been
				 * handed its start's end as the guest sees
				 * it (QEMU: a vCPU asleep, the VM stopped) */
bit bad_old_open_irb;		/* the user was handed an IRB queued before
				 * its open: the last guest's */
byte old_open_irbs;		/* IRBs at the ring's head queued before the
				 * last OPEN (0 unless the enable keeps them) */
hidden byte cur_irb_old;	/* the IRB being dispatched is one of them */
bit guest_saw_end;		/* BUSY, and the user was handed a status
				 * QEMU's TSCH ends the function at: any but
				 * an intermediate one (0 outside BUSY, where
				 * no write sleeps: no states for nothing) */
bit end_owed;			/* the user was told its start went (ssch
				 * cc 0) and has not seen its end yet; the
				 * user's close and the device's loss excuse
				 * it (per mdev) */
hidden byte cio_pid = NOBODY;	/* the css process: cio's work queue */
byte stale_irbs;		/* IRBs in the ring when the mdev was created:
				 * a removed one's (0 unless the ring outlives
				 * its private) */
bit not_oper_cause;		/* the device was lost, an enable failed, or
				 * the system shuts down: NOT_OPER is due (per
				 * mdev: a new one starts with the device's
				 * state then) */
bit not_oper_owed;		/* a shutdown gave up waiting for the clear:
				 * the quiesce ends in NOT_OPER (per mdev) */

/*
 * Cell coverage: counted by pan outside the state vector, printed at exit
 * (atexit, not a destructor: tcc, which builds the safety searches' pans,
 * has none)
 */
hidden byte hit_cell;
c_decl {
	/*
	 * Triggers of properties, counted as the cells are: a property whose
	 * trigger no search reached holds for want of it, and make verify
	 * fails it (proofs/properties.toml, trigger).
	 */
	enum { W_CRW_WHILE_LOCKED, W_UNMAP_BYSTANDER, W_UNREG_DEVICE_THERE,
	       W_PATH_WORK_NEWER_START, W_END_PENDING_AT_HOST_QUIESCE,
	       W_WRITE_BEFORE_DEVICE_END, W_OPEN_OVER_QUEUED_IRBS, NR_WITNESSES };
	static const char *witness_name[NR_WITNESSES] = {
		"crw_while_mutex_held",	/* cio_work_never_waits */
		"unmap_call_of_a_bystander",	/* unmap_spares_bystanders */
		"unreg_of_an_answering_device",	/* nothing_freed_while_owed */
		"path_work_under_a_newer_start",	/* path_gone_clears_its_io */
		"end_pending_at_a_host_quiesce",	/* start_end_delivered */
		"write_before_the_device_end",	/* no_sleep_guest_sees_idle */
		"open_over_queued_irbs",	/* no_irb_of_an_earlier_open */
	};
	static unsigned long witness_hits[NR_WITNESSES];
	static void witness(int w)
	{
		witness_hits[w]++;
	}

	static unsigned long cell_hits[NR_STATES * NR_EVENTS];	/* by hit_cell */
	static void print_cell_hits(void)
	{
		int i;

		for (i = 0; i < NR_STATES * NR_EVENTS; i++)
			printf("@cell %d %d %lu\n", i / NR_EVENTS, i % NR_EVENTS, cell_hits[i]);
		for (i = 0; i < NR_WITNESSES; i++)
			printf("@witness %s %lu\n", witness_name[i], witness_hits[i]);
	}
	static void count_cell(int cell)
	{
		static int registered;

		if (!registered) {
			registered = 1;
			atexit(print_cell_hits);
		}
		cell_hits[cell]++;
	}
}

/*
 * The lockstep with the kernel's code (proofs/lockstep.c): at every
 * dispatch, the kernel's vfio_ccw_fsm_dispatch() and action run on this
 * pre-state, and must do what the model's action did. The frame lives on
 * pan's stack (c_track, not matched: it never tells two states apart).
 * The model's ops and choices inside an action are logged into it.
 * proofs/spinrun.py defines LOCKSTEP and links the kernel's code; without
 * it (tools/vfio-ccw, bench/lockstep_bench.py's baseline) the model runs
 * alone and kernel_refines_model holds trivially.
 */
bit bad_refinement;		/* the kernel did otherwise (kernel_refines_model) */
hidden byte ls_ev;		/* the event being dispatched */
hidden short ls_ans;		/* the model's answer */
#ifdef LOCKSTEP
c_decl {
\#include "lockstep.h"
	struct ls_frame ls;
}
c_track "&ls" "sizeof(struct ls_frame)" "UnMatched";
#define LS_OP(op)	c_code { ls_log(&ls, op); }
#define LS_ORACLE(f)	c_code { ls.f = 1; }
/* start: the cell is IDLE x IO_REQ's second step (the program pinned) */
#define LS_BEGIN(start)	c_code { ls_begin(start); }
#define LS_END		ls_ans = ans; c_code { ls_end(); }
/* one of lockstep.c's checks of a glue decision, ls_*() below */
#define LS_CHECK(check)	c_code { check(); }
#else
#define LS_OP(op)	skip
#define LS_ORACLE(f)	skip
#define LS_BEGIN(start)	skip
#define LS_END		skip
#define LS_CHECK(check)	skip
#endif

/* ------------------------------------------------------------ mutex */
/* Free for the next taker: an interrupt handler spinning on sch->lock runs first */
#define MUTEX_FREE	(fsm_owner == NOBODY && irq_taken == 0)

/*
 * cio's work queue (the css process) must never wait for the mutex: a
 * translation holds it while it pins pages the user controls, and that
 * queue evaluates every subchannel of the host, one item at a time. A
 * take is a wait in the making, so any take from there is the violation.
 */
inline fsm_lock()
{
	atomic { fsm_owner == NOBODY -> fsm_owner = _pid;
		bad_cio_wait = bad_cio_wait || _pid == cio_pid }
}

inline fsm_unlock()
{
	assert(fsm_owner == _pid);
	fsm_owner = NOBODY
}

/* ------------------------------------------------------- completion */
inline reinit_completion()
{
	done = 0
}

/* The final interrupt wakes one sleeper (act_irq), who may pass it on. */
inline complete()
{
	if
	:: done < DONE_ALL - 1 -> done++
	:: else
	fi
}

inline complete_all()
{
	done = DONE_ALL
}

/*
 * wait_for_completion_interruptible(): a waiter takes one unit of done
 * when there is one; only with none left can a pending signal end the
 * wait. Woken, the writer retries its request (label retry), woken = 1;
 * interrupted, it answers -EINTR, woken = 0. The caller marked itself
 * asleep when it decided to sleep. The retry is decided in the wake's own
 * step: a local branch, folded (docs/proofs.md, "Modelling choices").
 */
inline wait_for_completion_interruptible(woken, signal_pending)
{
	if
	:: atomic { done > 0 ->
		if
		:: done != DONE_ALL -> done--
		:: else
		fi;
		GHOST(asleep[me] = 0); woken = 1; goto retry }
	:: atomic { done == 0 && signal_pending ->
		printf("@user pid=%d signalled\n", _pid);
		GHOST(asleep[me] = 0); woken = 0; ans = -EINTR }
	fi
}

/*
 * Whether a signal will reach this sleep is chosen when the writer goes
 * to sleep, not offered at every moment of it: under weak fairness an
 * always-enabled "signal now" move would be forced to happen, and every
 * sleeper would be rescued by a signal.
 */
inline choose_signal(signal_pending)
{
	if
	:: signals > 0 && !signal_pending -> signals--; signal_pending = 1
	:: true
	fi
}

/* ------------------------------------------------ channel program */
inline cp_alloc()
{
	if
	:: cp_live -> bad_cp_free = 1	/* would overwrite a live program */
	:: else
	fi;
	cp_live = 1
}

inline cp_free()
{
	if
	:: !cp_live || dev_active || cp_translating -> bad_cp_free = 1
	:: else
	fi;
	if	/* its start, or the halt or clear ending it, owes an interrupt */
	:: dev_active -> bad_freed_owed = 1
	:: else
	fi;
	cp_live = 0
}

/* ----------------------------------------------------- the subchannel */
/* IRQ context, sch->lock held: tsch, copy the IRB, queue the work. */
inline irq_handler(kind)
{
	if
	:: !mdev_present ->	/* no private behind the parent: disable
				 * again (cio_disable_subchannel), as upstream */
		printf("@irq no mdev: the subchannel disabled again\n");
		sch_status = 0; sch_enabled = 0
	:: mdev_present && full(irbq) -> bad_irb_overflow = 1	/* IRB_SLOTS too few */
	:: mdev_present && nfull(irbq) -> irbq ! kind;
		LS_CHECK(ls_irq)	/* the kernel's vfio_ccw_irb_push() */
	fi
}

/* Drop IRBs queued before the disable: they belong to a dead I/O. */
inline flush_irbs()
{
	stale_irbs = 0; old_open_irbs = 0;
	do
	:: irbq ? _
	:: empty(irbq) -> break
	od
}

/*
 * cio's msch (cio_commit_config): cc 3 if the device is gone; on cc 1
 * (status pending) cio takes the status with tsch, drops it and retries,
 * unless another CPU's interrupt took it first: then cio gives up with
 * -EBUSY and that interrupt reaches our handler right after.
 */
#define MSCH_RACES_IRQ	(!dev_lost && sch_status != 0 && irq_taken == 0)
inline msch_lost_to_irq()
{
	irq_taken = sch_status; sch_status = 0
}

/*
 * Disable; if it fails, the interrupt on its way disables again. msch
 * answers cc 2 while a start, halt or clear is pending: cio drops the
 * status and the subchannel stays enabled. The glue disables when
 * nothing is owed, but for the quiesce a mutation gives up on.
 */
inline sch_disable()
{
	if
	:: sch_enabled && !dev_lost && !OWED ->
		LS_OP(LS_OP_DISABLE); sch_status = 0; sch_enabled = 0
	:: sch_enabled && !dev_lost && OWED ->
		sch_status = 0	/* cc 2, a function pending: still enabled */
	:: !sch_enabled || dev_lost ->	/* disabled already, no msch; lost: cc 3 */
		sch_status = 0; sch_enabled = 0
	:: MSCH_RACES_IRQ -> LS_ORACLE(race_msch); msch_lost_to_irq()
	fi
}

/* ------------------------------------------------------ actions */
/* Every action runs with the FSM mutex held, sets nx (and ans), returns. */

/* Disable, drop stale IRBs, free the program, wake every sleeper. */
inline sch_shutdown()
{
	if	/* the look was under sch->lock, the msch takes it again: an
		 * unsolicited status may come in between */
	:: sch_enabled && !dev_lost && !OWED && sch_status == 0 && unsolicited > 0 ->
		LS_ORACLE(status_in_window); unsolicited--; sch_status = IRB_UNSOLICITED
	:: true
	fi;
	sch_disable();
	flush_irbs();
	if
	:: cp_live -> cp_free()
	:: else
	fi;
	complete_all();
	if
	:: dev_lost -> nx = ST_NOT_OPER	/* msch answered cc 3 */
	:: !dev_lost && not_oper_owed -> nx = ST_NOT_OPER /* the shutdown's */
	:: else -> nx = ST_STANDBY
	fi
}

/*
 * No guest yet: the subchannel stays disabled, and is disabled if the last
 * mdev's release lost its disable to an interrupt (the lockstep found the
 * kernel's INIT disabling it, the model's not).
 */
inline act_init()
{
	if
	:: dev_lost -> nx = ST_NOT_OPER
	:: else ->
		if
		:: sch_enabled -> sch_disable()
		:: else
		fi;
		nx = ST_STANDBY
	fi
}

/*
 * An enable that failed leaves no subchannel enabled for a guest that is
 * not there: disable, whatever msch left (the lockstep found the kernel
 * doing it, the model not). The status, if any, went with the failed msch.
 */
inline online_failed()
{
	if
	:: sch_enabled -> sch_status = 0; sch_enabled = 0; LS_OP(LS_OP_DISABLE)
	:: else
	fi
}

/*
 * Enable. Once enabled, IRBs of the last guest, queued after its disable,
 * go (under sch->lock, with the msch: no interrupt comes in between); an
 * enable that fails keeps them, one may be the interrupt that disables
 * the subchannel again. Losing the status to an interrupt is transient:
 * -EBUSY, retry.
 */
inline act_online()
{
	if
	:: dev_lost -> ans = -ENODEV; nx = ST_NOT_OPER
	:: !dev_lost && enable_fails > 0 ->
		LS_ORACLE(fail_enable);
		enable_fails--; not_oper_cause = 1; online_failed(); ans = -EIO; nx = ST_NOT_OPER
	:: MSCH_RACES_IRQ -> LS_ORACLE(race_msch); msch_lost_to_irq(); online_failed();
		ans = -EBUSY; nx = ST_STANDBY
	:: !dev_lost -> sch_status = 0; sch_enabled = 1; LS_OP(LS_OP_ENABLE);
		c_code { if (q_len(now.irbq)) witness(W_OPEN_OVER_QUEUED_IRBS); };
		flush_irbs();
		old_open_irbs = len(irbq);	/* the last guest's, if any are left */
		nx = ST_IDLE
	fi
}

inline act_offline()
{
	sch_shutdown()
}

/*
 * ssch answers cc 1 with status pending, cc 2 with a halt or clear still
 * owing its interrupt; and an IRB queued for the user is status pending
 * to the guest. A device end still owed refuses it too (the glue asks the
 * schib: the subchannel itself would take the start and hold it pending).
 * Refusing the start then keeps every IRB that reaches BUSY the start's
 * own: the interrupt of an earlier halt or clear, or an earlier start's
 * device end, cannot end (and free) a newer program.
 */
#define STATUS_PENDING	(sch_status != 0 || len(irbq) > 0)
#define START_REFUSED	(STATUS_PENDING || dev_halt || dev_clears > 0 || dev_settling)

/*
 * IDLE x IO_REQ in two steps: the translation (ccwchain, page pinning)
 * is a window where others may run if they can, then the ssch.
 */
inline act_start_translate()
{
	cp_alloc();
	cp_translating = 1
}

inline act_start()
{
	if	/* pinned (after cp_prefetch): type1 may have seen it */
	:: unmap_under_way -> unmap_pinned = 1; repinned_in_unmap = 1
	:: else
	fi;
	/*
	 * A refused program fails in cp_prefetch(), after the pin (a bad
	 * CCW, a page it cannot pin). cp_init()'s refusals come before any
	 * pin: to the FSM they are a write that never reached it.
	 */
	if
	:: translate_fails > 0 -> LS_ORACLE(fail_translate); translate_fails--; ans = -EINVAL
	:: true
	fi;
	cp_translating = 0;
	if
	:: ans != 0 -> cp_free(); nx = ST_IDLE
	:: ans == 0 && dev_lost -> cp_free(); ans = -ENODEV; nx = ST_IDLE
	:: ans == 0 && !dev_lost && START_REFUSED ->
		cp_free(); ans = -EBUSY; nx = ST_IDLE
	:: ans == 0 && !dev_lost && !START_REFUSED ->
		if
		:: dev_active || state == ST_BUSY -> bad_start_busy = 1
		:: else
		fi;
		if
		:: state != ST_IDLE || !sch_enabled -> bad_start_guest = 1
		:: else
		fi;
		reinit_completion();
		/* only an overtaking of writer 0 counts: 0 while it asks nothing */
		GHOST(start_flip = (asking[0] && !start_flip));
		dev_active = 1; path_gone_armed = 0; end_owed = 1; LS_OP(LS_OP_SSCH);
		if
		:: dev_intermediate = 0
		:: dev_intermediate = MAX_INTERMEDIATE
		fi;
		nx = ST_BUSY
	fi
}

/* The IRB being dispatched into the I/O region, the eventfd signalled */
inline irb_to_user()
{
	LS_OP(LS_OP_USER_IRB);
	bad_old_open_irb = bad_old_open_irb || cur_irb_old;
	end_owed = end_owed && !ENDS_START(cur_irb);
	guest_saw_end = guest_saw_end || cur_irb != IRB_INTERMEDIATE
}

inline act_irq()
{
	irb_to_user();
	if
	:: state == ST_BUSY && ENDS_START(cur_irb) ->
		/* Wake one sleeper, to start. If its retry is refused it
		 * wakes the next (user()): without that the others sleep on
		 * with no I/O to wake them. complete_all() cost a wake-up
		 * per sleeper for each start (bench/qemu_results.md). */
		cp_free(); complete(); nx = ST_IDLE
	:: else -> nx = state	/* intermediate, unsolicited, of an idle
				 * halt or clear: the user's */
	fi
}

/*
 * csch: resets the status pending and any halt, owes one interrupt. The
 * IRBs queued for the user are status pending to the guest: they go too,
 * so the clear's IRB is the next the guest sees.
 */
inline csch()
{
	sch_status = 0; flush_irbs(); dev_halt = 0; dev_clears = 1; LS_OP(LS_OP_CSCH)
}

/*
 * The guest is going: end what still owes an interrupt, as cio's
 * cancel/halt/clear does, then disable. First a halt (a clear if status
 * is pending or a halt already is); raised again when the wait for the
 * quiesce times out, a clear, which the architecture always answers
 * unless the device is gone; after that, nothing but waiting. A device
 * done whose status is pending or queued: wait for the work to hand it
 * to the user (a dma_unmap's or shutdown's guest is still there; the
 * disable would drop it: start_end_delivered).
 */
inline act_quiesce()
{
	complete_all();		/* sleepers retry and find QUIESCING */
	c_code { if (now.end_owed && now.guest_open && !now.dev_lost &&
		     !(now.dev_active || now.dev_halt || now.dev_clears))
			witness(W_END_PENDING_AT_HOST_QUIESCE); };
	if
	:: OWED && !dev_lost ->
		if
		:: dev_clears > 0	/* answered for sure: wait */
		:: dev_clears == 0 && (state == ST_QUIESCING || dev_halt || sch_status != 0) -> csch()
		:: dev_clears == 0 && state != ST_QUIESCING && !dev_halt && sch_status == 0 ->
			dev_halt = 1; LS_OP(LS_OP_HSCH)	/* hsch */
		fi;
		nx = ST_QUIESCING
	:: !OWED && !dev_lost && STATUS_PENDING -> nx = ST_QUIESCING
	:: else -> sch_shutdown()	/* already quiet, or gone */
	fi
}

/* The IRB is the user's (a dma_unmap's guest stays), then as act_quiesce */
inline act_quiesce_irq()
{
	irb_to_user();
	if
	:: (OWED || STATUS_PENDING) && !dev_lost ->
		nx = ST_QUIESCING	/* an interrupt is still owed, or queued */
	:: else -> sch_shutdown()
	fi
}

/* An interrupt with no guest: a disable did not take, disable again. */
inline act_disabled_irq()
{
	sch_disable();
	nx = state
}

inline act_not_oper()
{
	sch_shutdown();
	nx = ST_NOT_OPER
}

/*
 * Re-read the schib. Gone: NOT_OPER. Back, but BUSY with no start running
 * and no final IRB pending or queued, or QUIESCING with nothing running,
 * owed, pending or queued: our I/O was lost with the device and will never
 * end, so NOT_OPER too (SPIN found writers asleep forever without this).
 */
#define END_QUEUED	((irbq ?? [IRB_FINAL]) || (irbq ?? [IRB_HALT_DONE]) || \
			 (irbq ?? [IRB_CLEAR_DONE]) || (irbq ?? [IRB_CHANNEL_END]) || \
			 (irbq ?? [IRB_DEVICE_END]))
#define IO_LOST	(!OWED && \
		 ((state == ST_BUSY && !ENDS_START(sch_status) && !END_QUEUED) || \
		  (state == ST_QUIESCING && sch_status == 0 && len(irbq) == 0)))

inline act_sch_event()
{
	if
	:: dev_lost || IO_LOST -> act_not_oper()
	:: else -> nx = state
	fi
}

/*
 * A write of the async command region (halt or clear), or the chp event's
 * work for a path gone under an I/O, which clears only if I/O is in
 * flight. The answer is hsch's or csch's condition code, status pending
 * counting the IRBs queued for the user as ssch does. Nothing changes
 * state here: the interrupt the function owes ends the start, if any.
 */
/* The start chp_event saw on the path that went still runs: clear it */
#define PATH_GONE_CLEARS	(state == ST_BUSY && dev_active && path_gone_armed)
inline act_async()
{
	nx = state;
	if
	:: dev_lost -> ans = -ENODEV	/* cc 3 */
	:: !dev_lost && cur_cmd == CMD_PATH_GONE && !PATH_GONE_CLEARS
	:: !dev_lost && (cur_cmd == CMD_CLEAR || (cur_cmd == CMD_PATH_GONE && PATH_GONE_CLEARS)) ->
		if	/* a path-gone clear of an I/O whose path is there */
		:: cur_cmd == CMD_PATH_GONE && !dev_stalled -> bad_stale_path_clear = 1
		:: else
		fi;
		csch()	/* cc 0, always */
	:: !dev_lost && cur_cmd == CMD_HALT && STATUS_PENDING -> ans = -EBUSY	/* cc 1 */
	:: !dev_lost && cur_cmd == CMD_HALT && !STATUS_PENDING && (dev_halt || dev_clears > 0) ->
		ans = -EBUSY	/* cc 2 */
	:: !dev_lost && cur_cmd == CMD_HALT && !STATUS_PENDING && !dev_halt && dev_clears == 0 ->
		dev_halt = 1; LS_OP(LS_OP_HSCH)	/* cc 0 */
	fi
}

/* ---------------------------------------------------- dispatcher */
/* Locals every dispatching process declares. */
#define DISPATCH_LOCALS	byte cell; byte nx; short ans

inline run_action(ev)
{
	if	/* the table's UNREACHABLE(): proved by unreachable_cells */
	:: cell_unreachable[cell] -> bad_unreachable_cell = 1
	:: else
	fi;
	hit_cell = cell; c_code { count_cell(hit_cell); };
	if
	:: cell_action[cell] == ACT_NOP -> nx = state
	:: cell_action[cell] == ACT_ERROR -> nx = state; ans = -cell_errno[cell]
	:: cell_action[cell] == ACT_WAIT -> nx = state; ans = FSM_RETRY
	:: cell_action[cell] == ACT_INIT -> act_init()
	:: cell_action[cell] == ACT_ONLINE -> act_online()
	:: cell_action[cell] == ACT_START -> act_start()
	:: cell_action[cell] == ACT_IRQ -> act_irq()
	:: cell_action[cell] == ACT_QUIESCE -> act_quiesce()
	:: cell_action[cell] == ACT_QUIESCE_IRQ -> act_quiesce_irq()
	:: cell_action[cell] == ACT_DISABLED_IRQ -> act_disabled_irq()
	:: cell_action[cell] == ACT_SCH_EVENT -> act_sch_event()
	:: cell_action[cell] == ACT_NOT_OPER -> act_not_oper()
	:: cell_action[cell] == ACT_ASYNC -> act_async()
	:: else -> nx = state; bad_transition = 1	/* missing cell */
	fi
}

/* The only place that writes state. */
inline set_state(next)
{
	if
	:: fsm_owner != _pid -> bad_state_write = 1
	:: else
	fi;
	if
	:: initialized && state == ST_NOT_OPER && next != ST_NOT_OPER ->
		bad_left_not_oper = 1
	:: else
	fi;
	state = next
}

/* Check the returned state against the cell's guard and write it. */
inline commit_state(ev)
{
	printf("@fsm pid=%d event=%d from=%d to=%d ans=%d\n", _pid, ev, state, nx, ans);
	if
	:: (cell_next[cell] >> nx) & 1 -> set_state(nx)
	:: else -> bad_transition = 1
	fi;
	if
	:: ev == EV_INIT -> initialized = 1
	:: else
	fi;
	if	/* the start is over: its end must have reached the user */
	:: end_owed && state != ST_BUSY && state != ST_QUIESCING -> bad_end_lost = 1
	:: else
	fi;
	guest_saw_end = guest_saw_end && state == ST_BUSY;
	if	/* NOT_OPER, from wherever, schedules the unregistration */
	:: initialized && state == ST_NOT_OPER -> unreg_due = 1
	:: else
	fi;
	cell = 0;
	nx = 0
}

/* Mutex held: look the cell up, run its action, commit. Answer in ans. */
inline dispatch(ev)
{
	cell = state * NR_EVENTS + ev;
	ans = 0;
	ls_ev = ev; LS_BEGIN(0);
	run_action(ev);
	commit_state(ev);
	LS_END
}

/*
 * vfio_ccw_fsm_event() with the FSM mutex taken around it.
 *
 * Granularity: lock, action, unlock form one atomic step (Lipton: taking
 * a mutex is a right mover, releasing it a left mover), and an action is
 * one step per channel instruction it issues (ssch, csch, msch are atomic
 * to the channel). Where the kernel holds the mutex across a window in
 * which hardware or other threads act (the translation, the schib re-read
 * between SCHIB_CHANGED and NOT_OPER), the model splits the step there.
 */
inline fsm_event(ev)
{
	atomic { MUTEX_FREE -> fsm_lock(); dispatch(ev); fsm_unlock() }
}

#define STARTS(ev)	(cell_action[state * NR_EVENTS + (ev)] == ACT_START)

/* A write dispatched while the last start's device end is owed */
inline count_write_witness()
{
	c_code { if (now.dev_settling) witness(W_WRITE_BEFORE_DEVICE_END); }
}

/*
 * fsm_event(EV_IO_REQ), except that a start takes two steps, the
 * translation window and the ssch, and holds the mutex across them: there
 * the mutex is what keeps other dispatchers out (bad_state_write checks
 * that it does). What the writer does with the answer is decided in the
 * dispatch's own step (local branches, folded: docs/proofs.md, "Modelling
 * choices"): -EAGAIN retries at once (label retry), as QEMU does;
 * FSM_RETRY sleeps on the completion; any other answer is returned
 * (label progress_answer).
 */
inline fsm_io_req()
{
	if
	:: atomic { MUTEX_FREE && STARTS(EV_IO_REQ) ->
		fsm_lock();
		count_write_witness();
		cell = state * NR_EVENTS + EV_IO_REQ;
		ans = 0;
		hit_cell = cell; c_code { count_cell(hit_cell); };
		act_start_translate()
		MUTEX_HELD_ACROSS
		ls_ev = EV_IO_REQ; LS_BEGIN(1);
		act_start(); commit_state(EV_IO_REQ); LS_END; fsm_unlock();
		if
		:: ans == -EAGAIN -> goto retry
		:: else
		fi }
	:: atomic { MUTEX_FREE && !STARTS(EV_IO_REQ) ->
		fsm_lock();
		count_write_witness();
		dispatch(EV_IO_REQ); fsm_unlock();
		if
		:: ans == -EAGAIN -> goto retry
		:: ans == FSM_RETRY ->	/* about to sleep */
			printf("@user pid=%d waits\n", _pid); GHOST(asleep[me] = 1);
			/* its start still runs: not lost with the device,
			 * whose CRW's NOT_OPER ends the sleep */
			bad_sleep_guest_idle = bad_sleep_guest_idle || (guest_saw_end && end_owed);
			choose_signal(signal_pending)
		:: else -> goto progress_answer
		fi };
		wait_for_completion_interruptible(woken, signal_pending)
	fi
}

/*
 * go_offline(): raise CLOSE; the state it leaves is read under the same
 * mutex hold, and while it is QUIESCING the caller waits outside the
 * mutex: the kernel sleeps on the quiesced completion and re-reads the
 * state under the mutex. The model reads it without: only a start holds
 * the mutex across steps, and its IDLE and BUSY end the wait alike.
 * offline_completes says that the wait ends. Callers: the VFIO user
 * (close, reset) and the host (dma_unmap; shutdown, which may give up).
 * closing: the VFIO user closes (guest_open cleared in the same hold).
 */
inline raise_offline(closing)
{
	atomic { MUTEX_FREE -> fsm_lock();
		guest_open = guest_open && !closing;
		end_owed = end_owed && !closing;	/* the user ended it */
		dispatch(EV_CLOSE); fsm_unlock(); ans = 0 }
}

/*
 * A wait for the quiesce timed out: under one mutex hold, CLOSE again if
 * still QUIESCING, which escalates the halt to a clear (the kernel's
 * vfio_ccw_quiesce_timeout(), run here by the lockstep). Read outside the
 * mutex, a QUIESCING already over would land a CLOSE on a later BUSY.
 */
inline escalate_offline()
{
	atomic { MUTEX_FREE ->
		fsm_lock();
		LS_CHECK(ls_escalation);
		if
		:: state == ST_QUIESCING -> dispatch(EV_CLOSE)
		:: else
		fi;
		fsm_unlock(); ans = 0 }
}

/*
 * Waits only if QUIESCING. A wait that times out escalates; after that it
 * waits for good: the architecture answers every clear unless the device
 * is gone, and the css reports that (NOT_OPER ends the wait). Giving up
 * would free what the channel may still answer for (the glue's 30 s
 * give-up before issue 17: mutation quiesce_gives_up).
 */
inline go_offline(closing)
{
	raise_offline(closing);
	do
	:: state != ST_QUIESCING -> break
	:: state == ST_QUIESCING && !escalated -> escalated = 1; escalate_offline()
	od;
	escalated = 0
}

#ifdef LOCKSTEP
/* The lockstep's two ends, in pan (they read the state vector, now) */
c_code {
static void ls_world_of(struct ls_world *w)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->state = now.state;
	w->enabled = now.sch_enabled;
	w->lost = now.dev_lost;
	w->active = now.dev_active;
	w->settling = now.dev_settling;
	w->halt = now.dev_halt;
	w->clears = now.dev_clears;
	w->pending = now.sch_status;
	w->taken = now.irq_taken;
	w->unreg_due = now.unreg_due;
	w->cp_live = now.cp_live;
	w->repinned = now.unmap_under_way ? now.unmap_pinned : LS_UNTRACKED;
	w->not_oper_owed = now.not_oper_owed;
	w->path_armed = now.path_gone_armed;
	w->done = now.done;
	w->nirbs = q_len(now.irbq);
	for (i = 0; i < w->nirbs && i < LS_SLOTS; i++)
		w->irbs[i] = qrecv(now.irbq, i, 0, 0);
}

static void ls_begin(int start)
{
	memset(&ls, 0, sizeof(ls));
	ls_world_of(&ls.pre);
	ls.event = ls_ev;
	ls.cmd = now.cur_cmd;
	ls.irb = now.cur_irb;
	ls.cell_start = start;
}

static void ls_irq(void)
{
	struct ls_world post;

	ls_world_of(&post);
	if (ls_check_irq(&post))
		now.bad_refinement = 1;
}

static void ls_sch_gone(void)
{
	if (ls_check_sch_gone(now.dev_lost))
		now.bad_refinement = 1;
}

static void ls_escalation(void)
{
	if (ls_check_escalation(now.state))
		now.bad_refinement = 1;
}

/* The shutdown's last look: the state it found, kept for the check after */
static unsigned char ls_shutdown_state;

static void ls_shutdown_pre(void)
{
	ls_shutdown_state = now.state;
}

static void ls_shutdown_post(void)
{
	if (ls_check_shutdown(ls_shutdown_state, now.state, now.not_oper_owed))
		now.bad_refinement = 1;
}

/* dma_unmap's count: its pre-state, kept for the check after the step */
static struct ls_unmap ls_unmap;

static void ls_unmap_pre(void)
{
	ls_unmap.state = now.state;
	ls_unmap.pinned = now.unmap_held;
	ls_unmap.repinned = now.unmap_pinned;
	ls_unmap.calls = now.unmap_calls;
	ls_unmap.known = now.type1_calls > 1;
}

static void ls_unmap_post(void)
{
	if (ls_check_unmap(&ls_unmap, UNMAP_FENCE_AT, now.unmap_verdict,
			   now.unmap_calls))
		now.bad_refinement = 1;
}

static void ls_end(void)
{
	struct ls_world post;

	ls_world_of(&post);
	if (ls_check(&ls, &post, ls_ans))
		now.bad_refinement = 1;
}
}
#endif

/* -------------------------------------------------------- processes */
/*
 * Answer the writer's request: the pwrite() returns ans. Woken for a start
 * it did not make, the writer first wakes the next sleeper (outside the
 * mutex, as the kernel's write path does before it returns).
 */
inline answer_request()
{
	d_step {
		if
		:: woken && ans != 0 -> complete()
		:: else
		fi;
		woken = 0;
		if
		:: !asking[me] -> bad_answer = 1
		:: else
		fi;
		asking[me] = 0;
		GHOST(start_flip = (me != 0 && start_flip));
		signal_pending = 0;	/* delivered on return to user space */
		printf("@user pid=%d answer=%d\n", _pid, ans);
		ans = 0
	}
}

/*
 * A writer: pwrite() of the I/O region, as QEMU issues it, again and
 * again, until it may stop for good (then the others go on without it).
 */
proctype user(byte me)
{
	DISPATCH_LOCALS;
	bit woken;
	bit signal_pending;	/* a signal is on its way to this writer */

	do
	:: atomic { mdev_present && !LETS_GO -> asking[me] = 1 };	/* pwrite() of a new request */
retry:
		fsm_io_req();	/* goes to retry, or answers */
progress_answer:
		answer_request()
	:: atomic { mdev_present && !LETS_GO && async_writes > 0 -> async_writes--;
		asking[me] = 1 };	/* pwrite() of the async region */
		atomic { MUTEX_FREE ->
			fsm_lock();
			if
			:: cur_cmd = CMD_HALT
			:: cur_cmd = CMD_CLEAR
			fi;
			dispatch(EV_ASYNC_REQ); cur_cmd = 0; fsm_unlock() };
progress_async:
		answer_request()
	:: break
	od
}

/*
 * The work item: takes the oldest IRB under the mutex (so a disable can
 * drop stale ones first) and dispatches INTERRUPT for it.
 */
proctype work()
{
	DISPATCH_LOCALS;

end_idle:
	do
	:: atomic { MUTEX_FREE && nempty(irbq) ->
		fsm_lock();
		irbq ? cur_irb;
		if
		:: stale_irbs > 0 -> stale_irbs--; bad_stale_irb = 1
		:: else
		fi;
		if
		:: old_open_irbs > 0 -> old_open_irbs--; cur_irb_old = 1
		:: else
		fi;
		dispatch(EV_INTERRUPT);
		cur_irb = 0; cur_irb_old = 0;
		fsm_unlock() }
	od
}

/*
 * The IRQ, on another CPU: cio takes the pending status (tsch), then our
 * handler queues it under sch->lock. A CPU spinning on that lock gets it
 * before the next FSM action does (queued spinlocks are FIFO): the model
 * holds the FSM mutex back until the handler ran (fsm_lock). Linux 6.1
 * and 6.12 take sch->lock before the tsch: the two steps are a superset
 * of what they do (docs/proofs.md, "Modelling choices").
 */
proctype irq()
{
end_idle:
	do
	:: atomic { sch_status != 0 && sch_enabled && irq_taken == 0 ->
		irq_taken = sch_status; sch_status = 0 }
	:: atomic { irq_taken != 0 -> irq_handler(irq_taken); irq_taken = 0 }
	od
}

/*
 * The css side: cio's work queue, single-threaded and shared by every
 * subchannel of the host, so nothing here may wait for the FSM mutex
 * (cio_work_never_waits). sch_event, for any CRW, takes only sch->lock:
 * with an mdev it queues the mdev's sch_work (a work item already queued
 * takes the new report with it: the work reads the schib when it runs);
 * with none there is nothing to dispatch, and a loss schedules the
 * unregistration at once (a create before it ran finds the device gone:
 * INIT -> NOT_OPER). NOT_OPER, from wherever, schedules the
 * unregistration: until it runs, CRWs still come; once it ran, no
 * sch_event and no mdev create. Its remove waits for the user's close,
 * which is the admin's CLOSE. chp_event, for a path gone, queues work
 * that raises ASYNC_REQ to clear the I/O running on it (chp_event runs
 * under sch->lock, the work on our own queue, not cio's). Left out: the
 * unregistration removing a live re-created mdev (that removal waits for
 * the user's close, as in the removal configuration); the unregistration
 * waits instead until that mdev is NOT_OPER (SPIN found it freeing the
 * subchannel under the new mdev's I/O when it did not).
 */
proctype css()
{
end_idle:
	do
	:: atomic { !unregistered && nempty(css_q) && !mdev_present ->
		css_q ? _;	/* no private: nothing to dispatch */
		if
		:: dev_lost -> unreg_due = 1	/* gone: unregister it */
		:: else
		fi }
	:: atomic { !unregistered && nempty(css_q) && mdev_present ->
		css_q ? _;
		c_code { if (now.fsm_owner != NOBODY) witness(W_CRW_WHILE_LOCKED); };
		sch_work_queued = 1 }
	/* Unregistered: cio evaluates the subchannel itself, nothing of ours */
	:: atomic { unregistered && nempty(css_q) -> css_q ? _ }
	/*
	 * The unregistration: the remove disables under sch->lock, so an
	 * interrupt handler spinning on it (a status taken) runs first; then
	 * cio frees the subchannel its intparm names. An mdev created anew
	 * before it ran and not NOT_OPER after its INIT is removed first,
	 * which waits for its user's close (left out, see above): the
	 * unregistration waits here (a fresh private is NOT_OPER before its
	 * INIT: SPIN found the css stopped under the new mdev's I/O when the
	 * wait took that for the end).
	 */
	:: atomic { !unregistered && unreg_due && irq_taken == 0 &&
		    (!mdev_present || (initialized && state == ST_NOT_OPER)) ->
		if
		:: !dev_lost && OWED -> bad_freed_owed = 1
		:: else
		fi;
		c_code { if (!now.dev_lost) witness(W_UNREG_DEVICE_THERE); };
		unregistered = 1 }
	od
}

/*
 * The work items the css callbacks queue, on our own work queue. The
 * mdev's sch_work: SCHIB_CHANGED, then, under the same mutex hold, the
 * schib read again and NOT_OPER if the device is gone by then (which
 * schedules the unregistration). The device may go between the two: the
 * step is split there. A stale report of a device that answers again
 * raises no NOT_OPER (SPIN found the program a device runs freed when
 * NOT_OPER was raised unconditionally). Queued before the unregistration
 * ran, it may run after. The chp_work: ASYNC_REQ, path gone. The mdev's
 * removal cancels both. One process for the two: each holds the mutex
 * from its first step to its last, so running them one after the other
 * loses no interleaving.
 */
proctype css_work()
{
	DISPATCH_LOCALS;

end_idle:
	do
	:: atomic { sch_work_queued && MUTEX_FREE ->
		sch_work_queued = 0;
		fsm_lock(); dispatch(EV_SCHIB_CHANGED)
		MUTEX_HELD_ACROSS
			LS_CHECK(ls_sch_gone);	/* vfio_ccw_sch_gone() */
			if
			:: dev_lost -> dispatch(EV_NOT_OPER)
			:: else
			fi;
			ans = 0;
			fsm_unlock() }
	:: atomic { nempty(chp_q) && !mdev_present -> chp_q ? _ }
	:: atomic { nempty(chp_q) && MUTEX_FREE && mdev_present ->
		chp_q ? _;
		c_code { if (now.state == ST_BUSY && now.dev_active && !now.dev_stalled)
				witness(W_PATH_WORK_NEWER_START); };
		fsm_lock(); cur_cmd = CMD_PATH_GONE; dispatch(EV_ASYNC_REQ);
		cur_cmd = 0; ans = 0; fsm_unlock() }
	od
}

/*
 * The channel and device: after an accepted start, zero or more
 * intermediate interrupts then one final, or (CHANNEL_ENDS) a channel end,
 * the program over, and later a device end, the device free; a clear ends
 * the I/O with one interrupt of its own, always, and resets a hung or
 * cut-off device; a halt ends it with one interrupt too, unless the
 * device hangs (then only a clear is answered). Unsolicited status comes
 * only with no function in progress: a pending start, halt or clear owns
 * the status (SPIN found a guest shown idle by QEMU's TSCH of one, under a
 * clear). Each makes status pending in the subchannel, and the next waits
 * until the IRQ has taken it (tsch). The device can vanish at any moment,
 * answer again later, and the schib can change while it stays (a path
 * comes or goes): each raises a CRW.
 */
/* The device answers a start or a halt: neither hung nor cut off, no clear under way */
#define ANSWERS		(!dev_hung && !dev_stalled && dev_clears == 0)

proctype channel()
{
end_idle:
	do
	:: atomic { sch_status == 0 && dev_active && dev_intermediate > 0 && ANSWERS ->
		printf("@dev intermediate interrupt\n");
		dev_intermediate--; sch_status = IRB_INTERMEDIATE }
	:: atomic { sch_status == 0 && dev_active && dev_intermediate == 0 && !dev_halt && ANSWERS ->
		printf("@dev final interrupt\n");
		dev_active = 0; sch_status = IRB_FINAL }
	:: atomic { sch_status == 0 && dev_active && dev_intermediate == 0 && !dev_halt && ANSWERS &&
		    channel_ends > 0 ->
		printf("@dev channel end, device end to come\n");
		channel_ends--; dev_active = 0; dev_settling = 1; sch_status = IRB_CHANNEL_END }
	:: atomic { sch_status == 0 && dev_settling && !dev_halt && ANSWERS ->
		printf("@dev device end\n");
		dev_settling = 0; sch_status = IRB_DEVICE_END }
	:: atomic { sch_status == 0 && dev_halt && ANSWERS ->
		printf("@dev halt done interrupt\n");
		dev_halt = 0; dev_active = 0; dev_intermediate = 0; dev_settling = 0;
		sch_status = IRB_HALT_DONE }
	:: atomic { sch_status == 0 && dev_clears > 0 ->
		printf("@dev clear done interrupt\n");
		dev_clears = 0; dev_active = 0; dev_intermediate = 0; dev_settling = 0;
		dev_hung = 0; dev_stalled = 0; sch_status = IRB_CLEAR_DONE }
	:: atomic { hangs > 0 && dev_active && !dev_hung ->
		printf("@dev device hangs\n");
		hangs--; dev_hung = 1 }
	:: atomic { path_losses > 0 && dev_active && !dev_stalled ->
		printf("@dev the I/O's path goes\n");
		path_losses--; dev_stalled = 1;
		if	/* chp_event, under sch->lock: our start ran there */
		:: mdev_present -> path_gone_armed = 1
		:: else
		fi;
		chp_q ! 0 }
	:: atomic { sch_status == 0 && unsolicited > 0 && sch_enabled && !OWED && !dev_lost ->
		printf("@dev unsolicited interrupt\n");
		unsolicited--; sch_status = IRB_UNSOLICITED }
	:: atomic { schib_changes > 0 && !dev_lost ->
		printf("@dev schib changed, device still there\n");
		schib_changes--; css_q ! 0 }
	:: atomic { returns > 0 && dev_lost ->
		printf("@dev device answers again\n");
		returns--; dev_lost = 0; css_q ! 0 }
	:: atomic { losses > 0 ->
		printf("@dev device lost\n");
		losses--; dev_lost = 1; not_oper_cause = 1; dev_active = 0;
		end_owed = 0;	/* the I/O went with the device */
		dev_intermediate = 0; dev_clears = 0; dev_halt = 0; dev_hung = 0;
		dev_stalled = 0; dev_settling = 0; sch_status = 0; css_q ! 1 }
	od
}

/*
 * The guest's missing-interrupt handler: an I/O that does not end in time
 * is cleared (Linux's cio does so). A guest without one leaves a hung
 * device, its I/O and whoever sleeps behind it hung for good: no driver
 * can end an I/O but by a clear. The guest issues it through the async
 * region, from another vCPU (docs/proofs.md: QEMU and the sleeping write).
 */
proctype mih()
{
	DISPATCH_LOCALS;

end_idle:
	do
	:: atomic { dev_hung && state == ST_BUSY && dev_clears == 0 && MUTEX_FREE ->
		fsm_lock(); cur_cmd = CMD_CLEAR; dispatch(EV_ASYNC_REQ);
		cur_cmd = 0; ans = 0; fsm_unlock() }
	od
}

/*
 * vfio_ccw_dma_unmap(): cp_iova_pinned() of the range (it takes the
 * mutex itself), then the count under the mutex (vfio_ccw_unmap_count(),
 * run by the lockstep on the same pre-state). A call is ours when our
 * program in flight holds the range or a translation ran since the call
 * before; the UNMAP_FENCE_AT-th of ours fences. Our program holding the
 * range is ended by going offline, and the device goes online again
 * unless fenced or the user closed it.
 */
#define PINS_OURS	(cp_live && range_ours)
inline dma_unmap()
{
	atomic { MUTEX_FREE -> unmap_held = PINS_OURS };
	atomic { MUTEX_FREE ->
		fsm_lock();
		LS_CHECK(ls_unmap_pre);
		if
		:: type1_calls == 1 ->	/* a new range: a new count */
			unmap_calls = 0; unmap_pinned = 0
		:: else
		fi;
		unmap_held = unmap_held && (state == ST_BUSY || state == ST_QUIESCING);
		if
		:: !unmap_held && !unmap_pinned ->
			c_code { witness(W_UNMAP_BYSTANDER); };
			unmap_verdict = UNMAP_NONE
		:: else ->
			if	/* saturated: no wrap */
			:: unmap_calls < UNMAP_FENCE_AT -> unmap_calls++
			:: else
			fi;
			if
			:: unmap_calls == UNMAP_FENCE_AT ->
				unmap_verdict = UNMAP_FENCE;
				if
				:: !repinned_in_unmap -> bad_fence = 1
				:: else
				fi
			:: unmap_calls < UNMAP_FENCE_AT && unmap_held ->
				unmap_verdict = UNMAP_OFFLINE
			:: else -> unmap_verdict = UNMAP_NONE
			fi
		fi;
		unmap_pinned = 0;
		LS_CHECK(ls_unmap_post);
		unmap_held = 0;
		fsm_unlock() };
	if
	:: unmap_verdict != UNMAP_NONE ->
		go_offline(0);
		atomic { MUTEX_FREE ->
			fsm_lock();
			if
			:: unmap_verdict == UNMAP_FENCE -> unmap_fenced = 1
			:: unmap_verdict != UNMAP_FENCE && guest_open &&
			   !unmap_fenced && state == ST_STANDBY -> dispatch(EV_OPEN)
			:: else
			fi;
			unmap_verdict = UNMAP_NONE;
			fsm_unlock(); ans = 0 }
	:: else
	fi
}

/*
 * type1's unmap of a range someone pins: while any device of the
 * container pins a page of it, it calls every device's dma_unmap with its
 * lock dropped, then looks again. The other device lets go when called,
 * or pins the range again before type1 looks (OTHER_REPINS). Bounded at
 * TYPE1_CALLS calls: not modelled, type1's BUG after ten retries for one
 * range (docs/proofs.md).
 */
/* After type1's last look nothing reads these (one unmap per run): zeroed */
#define TYPE1_DONE	unmap_under_way = 0; unmap_pinned = 0; unmap_calls = 0; \
			repinned_in_unmap = 0; other_pins = 0; other_repins = 0; \
			type1_calls = 0
inline type1_unmap()
{
	do
	:: atomic { !PINS_OURS && !other_pins -> TYPE1_DONE; break }	/* unmapped */
	:: atomic { type1_calls == TYPE1_CALLS -> TYPE1_DONE; break }	/* enough */
	:: atomic { (PINS_OURS || other_pins) && type1_calls < TYPE1_CALLS ->
		unmap_under_way = 1; type1_calls++;
		if
		:: other_pins && other_repins > 0 -> other_repins--
		:: else -> other_pins = 0
		fi };
		dma_unmap()
	od
}

/*
 * The host side of the kernel, once, if init chose it: type1's unmap of
 * a range pinned by us, by another device of the container or by both
 * (type1_unmap() above), the css shutdown (go offline waiting at most
 * 3 s, then NOT_OPER unless still quiescing), or the removal of the mdev while the user holds it: the request IRQ asks
 * the user to let go, and the removal completes once the user closed.
 */
proctype host()
{
	DISPATCH_LOCALS;
	bit escalated;

end_unbound:	/* no mdev got its INIT before it went (RECREATES) */
	initialized;	/* bound to the subchannel */
	if
	:: host_does == HOST_UNMAP -> type1_unmap()
	:: host_does == HOST_SHUTDOWN ->
		raise_offline(0);
		escalate_offline();	/* the halt's tick timed out */
		/*
		 * The clear's wait is bounded: the step below may come at any
		 * time. Under one mutex hold: a user may have opened it again;
		 * a clear still owed keeps the program and the subchannel,
		 * and its end is NOT_OPER.
		 */
		atomic { MUTEX_FREE ->
			fsm_lock();
			LS_CHECK(ls_shutdown_pre);
			if
			:: state == ST_STANDBY ->
				not_oper_cause = 1; dispatch(EV_NOT_OPER)
			:: state == ST_QUIESCING ->
				not_oper_cause = 1; not_oper_owed = 1
			:: else
			fi;
			LS_CHECK(ls_shutdown_post);
			GHOST(shutdown_looked = (state == ST_NOT_OPER || state == ST_QUIESCING));
			fsm_unlock(); ans = 0 }
	:: host_does == HOST_REMOVE ->
		removal_started = 1;
		removal_asked = 1;	/* .request: eventfd of the request IRQ */
end_removal:
		released -> removed = 1
	:: else
	fi
}

/*
 * The user's mdev removed and a new one created on the same subchannel
 * (the sysfs remove and create of mdev types), after a close waited out:
 * STANDBY or NOT_OPER, no request of a writer under way (each write holds
 * the device's fd, and the removal waits for the last one to go). The
 * removal cancels the work and frees the private: the IRBs in its ring go
 * with it, and, since one of them may be the interrupt that was to
 * disable the subchannel again (a disable lost to the IRQ), the release
 * disables the subchannel itself (cio_disable_subchannel, under
 * sch->lock; SPIN found it left enabled without). Every variable "per
 * mdev" returns to vfio_alloc_device's zero: NOT_OPER, not initialized,
 * the completion at 0. One step: the mutex is free and nothing else
 * holds a reference to the private.
 */
inline remove_mdev()
{
	flush_irbs();
	if
	:: sch_enabled -> sch_disable()
	:: else
	fi;
	mdev_present = 0;
	state = ST_NOT_OPER;
	sch_work_queued = 0;	/* cancel_work_sync() */
	unmap_pinned = 0; unmap_calls = 0; unmap_fenced = 0;
	not_oper_owed = 0; path_gone_armed = 0; end_owed = 0;
	initialized = 0;
	done = 0;
	printf("@mdev removed\n")
}

/*
 * mdev probe: a zeroed private published in the parent (the IRQ handler,
 * sch_event and chp_event find it from now on; their events meet a
 * NOT_OPER that no INIT reached yet), then INIT under its mutex. The
 * cause of a NOT_OPER is the new instance's own: the device gone now.
 */
inline create_mdev()
{
	mdev_present = 1;
	stale_irbs = len(irbq);
	not_oper_cause = dev_lost;
	printf("@mdev created\n")
}

/*
 * init starts the others, then is the VFIO user: its mdev's probe (INIT),
 * then open (OPEN) and close (CLOSE waited out), again and again, the mdev
 * removed and created anew after a close (RECREATES); it may
 * keep the device open for good, so that no liveness proof leans on an
 * CLOSE rescuing a writer. VFIO_DEVICE_RESET raises the same two events
 * (CLOSE waited out, then OPEN) from the same process, so to the FSM
 * it is a close and an open. Reset and close never overlap: VFIO holds a
 * file reference across an ioctl, and close_device runs only after the
 * last one is dropped; so the kernel's guest_open is always set where a
 * reset raises OPEN, and is not modelled. Asked to give the device back
 * (REMOVALS), the user closes for good if it honours the request.
 */
init
{
	DISPATCH_LOCALS;
	bit escalated;
	byte i;

	atomic {
		fsm_table_init();
		/*
		 * Faults that would rescue a liveness proof are chosen up
		 * front: an always-enabled "lose it now" or "go offline now"
		 * move would be forced by weak fairness, and would wake every
		 * sleeper.
		 */
		if
		:: losses = DEVICE_LOSSES
		:: losses = 0
		fi;
		if
		:: returns = DEVICE_RETURNS
		:: returns = 0	/* gone for good */
		fi;
		if
		:: host_does = HOST_NONE
		:: HOST_EVENTS -> host_does = HOST_UNMAP; range_ours = 1
		:: HOST_EVENTS -> host_does = HOST_UNMAP; other_pins = 1
		:: HOST_EVENTS -> host_does = HOST_SHUTDOWN
		:: REMOVALS -> host_does = HOST_REMOVE
		fi;
		if
		:: REMOVALS -> honours = 1
		:: true	/* a user that ignores the request */
		fi;
		/* pid -> process name, for readable counterexamples */
		printf("@proc pid=%d name=admin\n", _pid);
		printf("@proc pid=%d name=work\n", run work());
		printf("@proc pid=%d name=irq\n", run irq());
		cio_pid = run css();
		printf("@proc pid=%d name=css\n", cio_pid);
		printf("@proc pid=%d name=css_work\n", run css_work());
		printf("@proc pid=%d name=channel\n", run channel());
		printf("@proc pid=%d name=host\n", run host());
		if
		:: HANGS -> printf("@proc pid=%d name=mih\n", run mih())
		:: else
		fi;
		for (i : 0 .. N_USERS - 1) {
			printf("@proc pid=%d name=user%d\n", run user(i), i)
		}
		i = 0
	}
	fsm_event(EV_INIT);
	do
	:: LETS_GO -> break
	:: !LETS_GO ->
progress_open:
		atomic { MUTEX_FREE ->
			fsm_lock();
			/* vfio_ccw_unmap_forget(): no unmap of the last user's counts */
			unmap_pinned = 0; unmap_calls = 0; unmap_fenced = 0;
			dispatch(EV_OPEN);
			guest_open = (ans == 0);
			fsm_unlock();
			if
			:: ans == 0 -> goto end_open	/* the guest keeps it open for good */
			:: true -> ans = 0
			fi };
progress_close:
		go_offline(1);
		/*
		 * Remove the mdev and create a new one (RECREATES). The
		 * writers are the same user's threads: after the removal they
		 * write to the new mdev (an over-approximation: QEMU would
		 * open it first), and none while there is none.
		 */
		if
		:: atomic { recreates > 0 && NO_REQUEST && MUTEX_FREE ->
			recreates--; remove_mdev() };
			if
			:: atomic { !unregistered -> create_mdev() };
				fsm_event(EV_INIT)
			:: atomic { unregistered -> skip };	/* create refused */
				goto end_released
			fi
		:: true
		fi
	od;
	released = 1;
	goto end_released;
end_open:	/* kept open for good, unless it honours a removal */
	LETS_GO;
	go_offline(1);
	released = 1;
end_released:	/* or no mdev any more: the create was refused */
	skip
}

/* ---------------------------------------------------------- properties */
/* Invariants over the FSM's variables hold whenever no dispatch runs. */
#define SETTLED		(fsm_owner == NOBODY)
#define GUEST_STATE	(state == ST_IDLE || state == ST_BUSY || state == ST_QUIESCING)
/* Implication that Promela expressions (the monitor's) read too */
#define IMPLIES(a, b)	(!(a) || (b))
/* The status presented next will disable the subchannel again */
#define DISABLE_OWED	(sch_status != 0 || irq_taken != 0 || len(irbq) > 0)

/*
 * Safety: invariants. `make verify` asserts all of them in one search (a
 * monitor process it adds), not one pan run per claim.
 */
ltl state_under_lock { [] !bad_state_write }
ltl table_guard { [] !bad_transition }
ltl no_start_while_busy { [] !bad_start_busy }
ltl no_io_without_guest { [] (!bad_start_guest && IMPLIES(SETTLED && sch_enabled && !GUEST_STATE, DISABLE_OWED)) }
ltl cp_lifetime { [] !bad_cp_free }
ltl cp_released { [] IMPLIES(SETTLED && (state == ST_STANDBY || state == ST_NOT_OPER), !cp_live) }
ltl not_oper_final { [] !bad_left_not_oper }
ltl not_oper_has_cause { [] IMPLIES(initialized && state == ST_NOT_OPER, not_oper_cause) }
ltl answered_once { [] !bad_answer }
ltl unreachable_cells { [] !bad_unreachable_cell }
ltl irq_never_waits { [] !bad_irb_overflow }
ltl no_stale_irb { [] !bad_stale_irb }
ltl cio_work_never_waits { [] !bad_cio_wait }
ltl unmap_spares_bystanders { [] !bad_fence }
ltl nothing_freed_while_owed { [] !bad_freed_owed }
ltl path_gone_clears_its_io { [] !bad_stale_path_clear }
ltl start_end_delivered { [] !bad_end_lost }
ltl no_sleep_guest_sees_idle { [] !bad_sleep_guest_idle }
ltl no_irb_of_an_earlier_open { [] !bad_old_open_irb }
ltl kernel_refines_model { [] !bad_refinement }

/*
 * Liveness, under weak fairness, on runs that never end. Writer 0 stands
 * for every writer (they are identical). A writer may be overtaken by
 * another writer's start (the woken one and a newcomer race for the
 * mutex, and the newcomer may win): each overtaking toggles start_flip,
 * so "until the flip" reads "unless another start got in first".
 */
#define OVERTAKEN(p)	(((p) && !start_flip) -> <> (!(p) || start_flip)) && \
			[] (((p) && start_flip) -> <> (!(p) || !start_flip))
/* Once a clear is issued, writer 0 wakes, unless overtaken */
#define WAKES_AFTER_CLEAR \
	(((asleep[0] && dev_clears > 0) && !start_flip) -> <> (!asleep[0] || start_flip)) && \
	[] (((asleep[0] && dev_clears > 0) && start_flip) -> <> (!asleep[0] || !start_flip))
/* A hung device (HANGS) answers nothing but a clear, which the guest's
 * missing-interrupt handler issues; a path gone (PATH_LOSSES), chp_event's. */
ltl every_request_answered { [] OVERTAKEN(asking[0]) }
ltl sleepers_wake { [] OVERTAKEN(asleep[0]) }
ltl clear_wakes_sleepers { [] WAKES_AFTER_CLEAR }
ltl clear_ends_io { [] ((state == ST_BUSY && dev_clears > 0) -> <> (state != ST_BUSY)) }
ltl offline_completes { [] ((state == ST_QUIESCING) -> <> (state != ST_QUIESCING)) }
/* The shutdown ends the device's use: it is unregistered, once the clear
 * it may have left owed is answered. */
ltl shutdown_ends_use { [] (shutdown_looked -> <> unregistered) }
ltl removal_completes { [] ((removal_started && honours) -> <> removed) }
/* An mdev, created at the start or anew, comes to be used: its INIT and
 * the user's OPEN take it to IDLE, unless the device goes first (NOT_OPER)
 * or the host asks for it back before the user opened it. */
ltl mdev_usable { [] ((mdev_present && !initialized) -> <> (state == ST_IDLE || (initialized && state == ST_NOT_OPER) || removal_asked)) }
/* Known limit, refuted on purpose: a writer can be overtaken forever. */
ltl starvation_free { [] (asking[0] -> <> !asking[0]) }

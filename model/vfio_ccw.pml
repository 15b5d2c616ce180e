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
#ifndef REQUESTS
#define REQUESTS	1	/* start requests per writer */
#endif
#ifndef CYCLES
#define CYCLES		2	/* ONLINE/OFFLINE cycles of the admin */
#endif
#define MAX_INTERMEDIATE 1	/* program-controlled interrupts per start */
#define IRB_SLOTS	4	/* IRBs the IRQ handler may queue for the work */

/* Budgets of the environment's nondeterministic faults, over the whole run */
#define SIGNALS		1	/* a signal ending a writer's sleep */
#define DEVICE_LOSSES	1	/* the device disappears */
#define UNSOLICITED	1	/* an unsolicited interrupt while idle */
#define DEVICE_RETURNS	1	/* a lost device answers again */
#define ENABLE_FAILS	1	/* enabling the subchannel fails */
#define TRANSLATE_FAILS	1	/* the guest's channel program is refused */

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
#define EV_ONLINE	1
#define EV_OFFLINE	2
#define EV_SSCH_REQ	3
#define EV_INTERRUPT	4
#define EV_SCHIB_CHANGED 5
#define EV_NOT_OPER	6
/* @fsm end */
#define NR_EVENTS	7

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
#define ACT_OFFLINE	6	/* guest gone, no I/O: disable */
#define ACT_START	7	/* translate the channel program, ssch */
#define ACT_IRQ		8	/* hand an IRB to the user; free on final */
#define ACT_QUIESCE	9	/* offline with I/O in flight: clear */
#define ACT_QUIESCE_IRQ	10	/* interrupt while quiescing */
#define ACT_DISABLED_IRQ 11	/* interrupt with no guest: disable again */
#define ACT_SCH_EVENT	12	/* re-read the schib */
#define ACT_NOT_OPER	13	/* the device is gone */
/* @fsm end */

#define TO(s)		(1 << (s))
#define CELL(s, e, act, err, next) \
	cell_action[(s) * NR_EVENTS + (e)] = act; \
	cell_errno[(s) * NR_EVENTS + (e)] = err; \
	cell_next[(s) * NR_EVENTS + (e)] = next

/* Constant once init has filled them: kept out of the state vector. */
hidden byte cell_action[NR_STATES * NR_EVENTS];	/* 0: no cell */
hidden byte cell_errno[NR_STATES * NR_EVENTS];
hidden byte cell_next[NR_STATES * NR_EVENTS];	/* next states allowed */

/*
 * The table: state x event -> action, errno for ACT_ERROR, and the next
 * states the action may return (the guard the generated dispatcher checks).
 */
inline fsm_table_init()
{
/* @fsm table */
	CELL(ST_NOT_OPER, EV_INIT, ACT_INIT, 0, TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_ONLINE, ACT_ERROR, ENODEV, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_OFFLINE, ACT_NOP, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_SSCH_REQ, ACT_ERROR, ENODEV, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_INTERRUPT, ACT_DISABLED_IRQ, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_SCHIB_CHANGED, ACT_NOP, 0, TO(ST_NOT_OPER));
	CELL(ST_NOT_OPER, EV_NOT_OPER, ACT_NOP, 0, TO(ST_NOT_OPER));

	CELL(ST_STANDBY, EV_INIT, ACT_NOP, 0, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_ONLINE, ACT_ONLINE, 0, TO(ST_IDLE) | TO(ST_NOT_OPER));
	CELL(ST_STANDBY, EV_OFFLINE, ACT_NOP, 0, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_SSCH_REQ, ACT_ERROR, EIO, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_INTERRUPT, ACT_DISABLED_IRQ, 0, TO(ST_STANDBY));
	CELL(ST_STANDBY, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_STANDBY, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));

	CELL(ST_IDLE, EV_INIT, ACT_NOP, 0, TO(ST_IDLE));
	CELL(ST_IDLE, EV_ONLINE, ACT_NOP, 0, TO(ST_IDLE));
	CELL(ST_IDLE, EV_OFFLINE, ACT_OFFLINE, 0, TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_IDLE, EV_SSCH_REQ, ACT_START, 0, TO(ST_BUSY) | TO(ST_IDLE));
	CELL(ST_IDLE, EV_INTERRUPT, ACT_IRQ, 0, TO(ST_IDLE));
	CELL(ST_IDLE, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_IDLE) | TO(ST_NOT_OPER));
	CELL(ST_IDLE, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));

	CELL(ST_BUSY, EV_INIT, ACT_NOP, 0, TO(ST_BUSY));
	CELL(ST_BUSY, EV_ONLINE, ACT_NOP, 0, TO(ST_BUSY));
	/* Departs from the starting table: a lost device cannot be quiesced,
	 * the disable answers cc 3, so OFFLINE may also end in NOT_OPER. */
	CELL(ST_BUSY, EV_OFFLINE, ACT_QUIESCE, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_BUSY, EV_SSCH_REQ, ACT_WAIT, 0, TO(ST_BUSY));
	CELL(ST_BUSY, EV_INTERRUPT, ACT_IRQ, 0, TO(ST_BUSY) | TO(ST_IDLE));
	CELL(ST_BUSY, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_BUSY) | TO(ST_NOT_OPER));
	CELL(ST_BUSY, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));

	CELL(ST_QUIESCING, EV_INIT, ACT_NOP, 0, TO(ST_QUIESCING));
	/* Departs from the starting table: an open while the last close still
	 * quiesces is refused, not taken as done (it would end in STANDBY). */
	CELL(ST_QUIESCING, EV_ONLINE, ACT_ERROR, EBUSY, TO(ST_QUIESCING));
	CELL(ST_QUIESCING, EV_OFFLINE, ACT_NOP, 0, TO(ST_QUIESCING));
	CELL(ST_QUIESCING, EV_SSCH_REQ, ACT_ERROR, EBUSY, TO(ST_QUIESCING));
	/* Departs from the starting table: an interrupt that is not the
	 * clear's does not retry cancel/halt/clear (upstream bug 5: a new
	 * clear owes a new interrupt, and the loop never ends); it waits for
	 * the interrupt still owed. Ends in NOT_OPER if the device is lost. */
	CELL(ST_QUIESCING, EV_INTERRUPT, ACT_QUIESCE_IRQ, 0, TO(ST_QUIESCING) | TO(ST_STANDBY) | TO(ST_NOT_OPER));
	CELL(ST_QUIESCING, EV_SCHIB_CHANGED, ACT_SCH_EVENT, 0, TO(ST_QUIESCING) | TO(ST_NOT_OPER));
	CELL(ST_QUIESCING, EV_NOT_OPER, ACT_NOT_OPER, 0, TO(ST_NOT_OPER));
/* @fsm end */
}

/* ------------------------------------------------------ shared variables */
#define NOBODY		255
#define FSM_RETRY	1	/* dispatcher's answer for ACT_WAIT */

byte state = ST_NOT_OPER;
byte fsm_owner = NOBODY;	/* pid holding the FSM mutex */
bit initialized;		/* INIT has been dispatched */
bit offline_pending;		/* admin asked for OFFLINE, not yet there */

/* The completion, with the kernel's counter semantics */
#define DONE_ALL	255	/* complete_all(): UINT_MAX in the kernel */
byte done;
byte sleepers;			/* writers inside wait_for_completion */

/* The subchannel and the device behind it */
bit sch_enabled;
bit dev_active;			/* the device runs the channel program */
byte dev_intermediate;		/* intermediate interrupts still to come */
byte dev_clears;		/* clear functions whose interrupt is owed */
bit dev_lost;

/* The channel program: at most one per subchannel */
bit cp_live;
bit cp_translating;

/* IRQ handler -> work item hand-off, and css events */
#define IRB_INTERMEDIATE 1
#define IRB_FINAL	2
#define IRB_CLEAR_DONE	3
#define IRB_UNSOLICITED	4
chan irbq = [IRB_SLOTS] of { byte };
byte cur_irb;			/* the IRB the work item dispatches */
#define CSS_CHANGED	1
#define CSS_GONE	2
chan css_q = [2] of { byte };

/* Fault budgets */
byte signals = SIGNALS;
byte losses;			/* DEVICE_LOSSES or 0, chosen by init */
byte unsolicited = UNSOLICITED;
byte returns = DEVICE_RETURNS;
byte enable_fails = ENABLE_FAILS;
byte translate_fails = TRANSLATE_FAILS;

/* Writers' bookkeeping */
byte answered;			/* answers given to start requests */

/* Violation flags: each is set where a property would be broken */
bit bad_state_write;		/* state written without the mutex */
bit bad_transition;		/* action returned a state its cell forbids */
bit bad_start_busy;		/* ssch while an I/O is in flight */
bit bad_start_guest;		/* ssch without a guest */
bit bad_cp_free;		/* freed while in use, translating, twice, or
				 * overwritten while live */
bit bad_answer;			/* a start request answered twice */

/* ------------------------------------------------------------ mutex */
inline fsm_lock()
{
	atomic { fsm_owner == NOBODY -> fsm_owner = _pid }
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
 * wait. Sets woken to 1 if completed, 0 if interrupted. The caller counted
 * itself in sleepers when it decided to sleep.
 */
inline wait_for_completion_interruptible(woken, signal_pending)
{
	if
	:: atomic { done > 0 ->
		if
		:: done != DONE_ALL -> done--
		:: else
		fi;
		sleepers--; woken = 1 }
	:: atomic { done == 0 && signal_pending ->
		printf("@user pid=%d signalled\n", _pid);
		sleepers--; woken = 0 }
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
	cp_live = 0
}

/* ----------------------------------------------------- the IRQ side */
/* IRQ context: copy the IRB and queue the work; never touches the FSM. */
inline irq_handler(kind)
{
	assert(nfull(irbq));	/* IRB_SLOTS suffice: it never waits */
	irbq ! kind
}

/* Drop IRBs queued before the disable: they belong to a dead I/O. */
inline flush_irbs()
{
	do
	:: irbq ? _
	:: empty(irbq) -> break
	od
}

/* ------------------------------------------------------ actions */
/* Every action runs with the FSM mutex held, sets nx (and ans), returns. */

/* Disable, drop stale IRBs, free the program, wake every sleeper. */
inline sch_shutdown()
{
	sch_enabled = 0;
	flush_irbs();
	if
	:: cp_live -> cp_free()
	:: else
	fi;
	complete_all();
	if
	:: dev_lost -> nx = ST_NOT_OPER	/* msch answered cc 3 */
	:: else -> nx = ST_STANDBY
	fi
}

inline act_init()
{
	if
	:: dev_lost -> nx = ST_NOT_OPER
	:: else -> nx = ST_STANDBY	/* no guest yet: stays disabled */
	fi
}

inline act_online()
{
	if
	:: dev_lost -> ans = -ENODEV; nx = ST_NOT_OPER
	:: !dev_lost && enable_fails > 0 ->
		enable_fails--; ans = -EIO; nx = ST_NOT_OPER
	:: !dev_lost -> sch_enabled = 1; nx = ST_IDLE
	fi
}

inline act_offline()
{
	sch_shutdown()
}

/*
 * IDLE x SSCH_REQ in two steps: the translation (ccwchain, page pinning)
 * is a window where others may run if they can, then the ssch.
 */
inline act_start_translate()
{
	cp_alloc();
	cp_translating = 1
}

inline act_start()
{
	if
	:: translate_fails > 0 -> translate_fails--; ans = -EINVAL
	:: true
	fi;
	cp_translating = 0;
	if
	:: ans != 0 -> cp_free(); nx = ST_IDLE
	:: ans == 0 && dev_lost -> cp_free(); ans = -ENODEV; nx = ST_IDLE
	:: ans == 0 && !dev_lost ->
		if
		:: dev_active || state == ST_BUSY -> bad_start_busy = 1
		:: else
		fi;
		if
		:: state != ST_IDLE || !sch_enabled -> bad_start_guest = 1
		:: else
		fi;
		reinit_completion();
		dev_active = 1;
		if
		:: dev_intermediate = 0
		:: dev_intermediate = MAX_INTERMEDIATE
		fi;
		nx = ST_BUSY
	fi
}

inline act_irq()
{
	if
	:: state == ST_BUSY && cur_irb == IRB_FINAL ->
		/* Wake one sleeper, to start. If its retry is refused it
		 * wakes the next (user()): without that the others sleep on
		 * with no I/O to wake them (SPIN: 3 writers, or 2 x 2
		 * requests). complete_all() cost a wake-up per sleeper for
		 * each start (bench/qemu_results.md). */
		cp_free(); complete(); nx = ST_IDLE
	:: else -> nx = state	/* intermediate, unsolicited: user's */
	fi
}

inline act_quiesce()
{
	complete_all();		/* sleepers retry and find QUIESCING */
	if
	:: dev_active && !dev_lost -> dev_clears++; nx = ST_QUIESCING
	:: else -> sch_shutdown()	/* already quiet, or gone */
	fi
}

inline act_quiesce_irq()
{
	if
	:: (dev_active || dev_clears > 0) && !dev_lost ->
		nx = ST_QUIESCING	/* an interrupt is still owed */
	:: else -> sch_shutdown()
	fi
}

inline act_disabled_irq()
{
	sch_enabled = 0;
	nx = state
}

inline act_not_oper()
{
	sch_shutdown();
	nx = ST_NOT_OPER
}

/*
 * Re-read the schib. Gone: NOT_OPER. Back, but BUSY with no start running
 * and no final IRB queued, or QUIESCING with nothing running, owed or
 * queued: our I/O was lost with the device and will never end, so
 * NOT_OPER too (SPIN found writers asleep forever without this).
 */
#define IO_LOST	(!dev_active && \
		 ((state == ST_BUSY && !(irbq ?? [IRB_FINAL])) || \
		  (state == ST_QUIESCING && dev_clears == 0 && len(irbq) == 0)))

inline act_sch_event()
{
	if
	:: dev_lost || IO_LOST -> act_not_oper()
	:: else -> nx = state
	fi
}

/* ---------------------------------------------------- dispatcher */
/* Locals every dispatching process declares. */
#define DISPATCH_LOCALS	byte cell; byte nx; short ans

inline run_action(ev)
{
	if
	:: cell_action[cell] == ACT_NOP -> nx = state
	:: cell_action[cell] == ACT_ERROR -> nx = state; ans = -cell_errno[cell]
	:: cell_action[cell] == ACT_WAIT -> nx = state; ans = FSM_RETRY
	:: cell_action[cell] == ACT_INIT -> act_init()
	:: cell_action[cell] == ACT_ONLINE -> act_online()
	:: cell_action[cell] == ACT_OFFLINE -> act_offline()
	:: cell_action[cell] == ACT_START -> act_start()
	:: cell_action[cell] == ACT_IRQ -> act_irq()
	:: cell_action[cell] == ACT_QUIESCE -> act_quiesce()
	:: cell_action[cell] == ACT_QUIESCE_IRQ -> act_quiesce_irq()
	:: cell_action[cell] == ACT_DISABLED_IRQ -> act_disabled_irq()
	:: cell_action[cell] == ACT_SCH_EVENT -> act_sch_event()
	:: cell_action[cell] == ACT_NOT_OPER -> act_not_oper()
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
	if
	:: state == ST_STANDBY || state == ST_NOT_OPER -> offline_pending = 0
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
	run_action(ev);
	commit_state(ev)
}

/*
 * vfio_ccw_fsm_event() with the FSM mutex taken around it.
 *
 * Granularity: lock, action, unlock form one atomic step (Lipton: taking
 * a mutex is a right mover, releasing it a left mover), and an action is
 * one step per channel instruction it issues (ssch, csch, msch are atomic
 * to the channel).
 */
inline fsm_event(ev)
{
	atomic { fsm_owner == NOBODY -> fsm_lock(); dispatch(ev); fsm_unlock() }
}

#define STARTS(ev)	(cell_action[state * NR_EVENTS + (ev)] == ACT_START)

/*
 * fsm_event(EV_SSCH_REQ), except that a start takes two steps, the
 * translation window and the ssch, and holds the mutex across them: there
 * the mutex is what keeps other dispatchers out (bad_state_write checks
 * that it does).
 */
inline fsm_ssch_req()
{
	if
	:: atomic { fsm_owner == NOBODY && STARTS(EV_SSCH_REQ) ->
		fsm_lock();
		cell = state * NR_EVENTS + EV_SSCH_REQ;
		ans = 0;
		act_start_translate() };
		atomic { act_start(); commit_state(EV_SSCH_REQ); fsm_unlock() }
	:: atomic { fsm_owner == NOBODY && !STARTS(EV_SSCH_REQ) ->
		fsm_lock(); dispatch(EV_SSCH_REQ); fsm_unlock();
		if
		:: ans == FSM_RETRY ->	/* about to sleep */
			printf("@user pid=%d waits\n", _pid); sleepers++;
			choose_signal(signal_pending)
		:: else
		fi }
	fi
}

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
		:: !asking -> bad_answer = 1
		:: else
		fi;
		asking = 0;
		signal_pending = 0;	/* delivered on return to user space */
		printf("@user pid=%d answer=%d\n", _pid, ans);
		answered++;
		ans = 0
	}
}

/* A writer: pwrite() of the I/O region, as QEMU issues it. */
proctype user()
{
	DISPATCH_LOCALS;
	byte requests = REQUESTS;
	bit woken;
	bit asking;		/* a request of ours awaits its answer */
	bit signal_pending;	/* a signal is on its way to this writer */

	do
	:: d_step { requests > 0 -> requests--; asking = 1 };
retry:
		fsm_ssch_req();
		if
		:: ans == FSM_RETRY ->
			wait_for_completion_interruptible(woken, signal_pending);
			if
			:: woken -> goto retry
			:: else -> ans = -EINTR
			fi
		:: ans == -EAGAIN -> goto retry	/* QEMU retries at once */
		:: else
		fi;
progress_answer:
		answer_request()
	:: else -> break
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
	:: atomic { fsm_owner == NOBODY && nempty(irbq) ->
		fsm_lock();
		irbq ? cur_irb;
		dispatch(EV_INTERRUPT);
		cur_irb = 0;
		fsm_unlock() }
	od
}

/*
 * css callbacks: the subchannel event, then, if the device is still gone,
 * the css unregisters the subchannel and the driver's remove raises
 * NOT_OPER. "Still gone" is read with the event raised: a stale report of
 * a device that answers again would free a program the device runs (SPIN
 * found that race when NOT_OPER was raised unconditionally).
 */
proctype css()
{
	DISPATCH_LOCALS;
	byte what;

end_idle:
	do
	:: css_q ? what ->
		fsm_event(EV_SCHIB_CHANGED);
		atomic { fsm_owner == NOBODY ->
			if
			:: what == CSS_GONE && dev_lost ->
				fsm_lock(); dispatch(EV_NOT_OPER); fsm_unlock()
			:: else
			fi;
			what = 0;
			ans = 0 }
	od
}

/*
 * The channel and device: after an accepted start, zero or more
 * intermediate interrupts then one final; a clear ends the I/O with one
 * interrupt of its own, and the start's own interrupts may still come
 * before it; the device can vanish at any moment, and answer again later
 * (the channel subsystem reports it operational; NOT_OPER must hold).
 */
proctype channel()
{
end_idle:
	do
	:: atomic { dev_active && dev_intermediate > 0 ->
progress_intermediate:
		printf("@dev intermediate interrupt\n");
		dev_intermediate--; irq_handler(IRB_INTERMEDIATE) }
	:: atomic { dev_active && dev_intermediate == 0 ->
progress_final:
		printf("@dev final interrupt\n");
		dev_active = 0; irq_handler(IRB_FINAL) }
	:: atomic { dev_clears > 0 ->
progress_clear:
		printf("@dev clear done interrupt\n");
		dev_clears--; dev_active = 0; dev_intermediate = 0;
		irq_handler(IRB_CLEAR_DONE) }
	:: atomic { unsolicited > 0 && sch_enabled && !dev_active && !dev_lost ->
		printf("@dev unsolicited interrupt\n");
		unsolicited--; irq_handler(IRB_UNSOLICITED) }
	:: atomic { returns > 0 && dev_lost ->
		printf("@dev device answers again\n");
		returns--; dev_lost = 0; css_q ! CSS_CHANGED }
	:: atomic { losses > 0 ->
		printf("@dev device lost\n");
		losses--; dev_lost = 1; dev_active = 0;
		dev_intermediate = 0; dev_clears = 0; css_q ! CSS_GONE }
	od
}

/*
 * init starts the others, then is the admin: probe once (INIT), then
 * bounded ONLINE/OFFLINE cycles, the last of which may never go OFFLINE,
 * so that no liveness proof leans on an OFFLINE rescuing a writer. One
 * process less for SPIN to interleave.
 */
init
{
	DISPATCH_LOCALS;
	byte cycles = CYCLES;
	byte i;

	atomic {
		fsm_table_init();
		/*
		 * Whether the device will be lost is chosen up front: an
		 * always-enabled "lose it now" move would be forced by weak
		 * fairness, and a lost device would rescue every liveness proof.
		 */
		if
		:: losses = DEVICE_LOSSES
		:: losses = 0
		fi;
		/* pid -> process name, for readable counterexamples */
		printf("@proc pid=%d name=admin\n", _pid);
		printf("@proc pid=%d name=work\n", run work());
		printf("@proc pid=%d name=css\n", run css());
		printf("@proc pid=%d name=channel\n", run channel());
		for (i : 1 .. N_USERS) {
			printf("@proc pid=%d name=user%d\n", run user(), i)
		}
		i = 0
	}
	fsm_event(EV_INIT);
	do
	:: cycles > 0 ->
		fsm_event(EV_ONLINE);
		if
		:: d_step { ans = 0; offline_pending = 1 };
			fsm_event(EV_OFFLINE);
			d_step { ans = 0; cycles-- }
		:: d_step { ans = 0; cycles = 0 }	/* the guest keeps it open for good */
		fi
	:: else -> break
	od
}

/* ---------------------------------------------------------- properties */
/* Invariants over the FSM's variables hold whenever no dispatch runs. */
#define SETTLED		(fsm_owner == NOBODY)
#define GUEST_STATE	(state == ST_IDLE || state == ST_BUSY || state == ST_QUIESCING)

ltl state_under_lock { [] !bad_state_write }
ltl table_guard { [] !bad_transition }
ltl no_start_while_busy { [] !bad_start_busy }
ltl no_io_without_guest { [] (!bad_start_guest && (SETTLED -> (sch_enabled -> GUEST_STATE))) }
ltl cp_lifetime { [] !bad_cp_free }
ltl cp_released { [] ((SETTLED && (state == ST_STANDBY || state == ST_NOT_OPER)) -> !cp_live) }
ltl not_oper_final { [] ((initialized && state == ST_NOT_OPER) -> [] (state == ST_NOT_OPER)) }
ltl answered_once { [] !bad_answer }
ltl every_request_answered { <> (answered == N_USERS * REQUESTS) }
ltl sleepers_wake { [] ((sleepers > 0) -> <> (sleepers == 0)) }
ltl offline_completes { [] (offline_pending -> <> !offline_pending) }

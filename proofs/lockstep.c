// SPDX-License-Identifier: GPL-2.0
/*
 * The lockstep of SPIN's search and the kernel's code (Holzmann and
 * Joshi, "Model-driven software verification", SPIN 2004): at each
 * dispatch pan explores, the model's pre-state becomes a kernel private
 * and a simulated subchannel (tests/kshim), the kernel's own
 * vfio_ccw_fsm_dispatch() and action run on them, and what they did is
 * compared with what the model's act_* did: the next state, the answer,
 * the channel instructions issued and their order, the IRBs handed to the
 * user, the program kept or freed, the completion's count (complete() and
 * complete_all() differ), the IRB ring, the unregistration asked. The
 * model's own nondeterministic choices inside the action are oracles for
 * the simulated subchannel. Linked into pan with kernel/vfio_ccw_fsm.c,
 * the generated table and the shim, unchanged.
 */
#include <stdlib.h>

#include "ksim.h"
#include "vfio_ccw_private.h"
#include "lockstep.h"

static unsigned long ls_runs[NR_VFIO_CCW_STATES][NR_VFIO_CCW_EVENTS];
static unsigned int ls_shown;	/* mismatches printed */
static bool ls_registered;

void ls_report(void)
{
	int s, e;

	for (s = 0; s < NR_VFIO_CCW_STATES; s++)
		for (e = 0; e < NR_VFIO_CCW_EVENTS; e++)
			printf("@lockstep-cell %d %d %lu\n", s, e, ls_runs[s][e]);
}

static u32 ls_async_cmd(unsigned char cmd)
{
	switch (cmd) {
	case 1:
		return VFIO_CCW_ASYNC_CMD_HSCH;
	case 2:
		return VFIO_CCW_ASYNC_CMD_CSCH;
	case 3:
		return VFIO_CCW_ASYNC_PATH_GONE;
	default:
		return 0;
	}
}

/* A start request as QEMU writes it: start function, command-mode ORB */
static void ls_request(struct ccw_io_region *req)
{
	union scsw scsw = {};
	union orb orb = {};

	memset(req, 0, sizeof(*req));
	scsw.cmd.fctl = SCSW_FCTL_START_FUNC;
	orb.cmd.fmt = 1;
	orb.cmd.c64 = 1;
	memcpy(req->scsw_area, &scsw, sizeof(scsw));
	memcpy(req->orb_area, &orb.cmd, sizeof(orb.cmd));
}

/* The kernel's world after the dispatch, in the model's terms */
static void ls_read_back(struct vfio_ccw_private *private,
			 const struct ksim_dev *dev, struct ls_world *w)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->state = private->state;
	w->enabled = dev->enabled;
	w->lost = dev->lost;
	w->active = dev->active;
	w->settling = dev->settling;
	w->halt = dev->halt;
	w->clears = dev->clears;
	w->pending = dev->pending;
	w->taken = dev->taken;
	w->unreg_due = dev->unreg_due;
	w->cp_live = private->cp.initialized;
	w->repinned = private->unmap_repinned;
	w->not_oper_owed = private->not_oper_owed;
	w->path_armed = private->path_gone_armed;
	w->done = private->completion.done == UINT_MAX ? 255 :
		  (unsigned char)private->completion.done;
	w->nirbs = private->irb_count;
	for (i = 0; i < private->irb_count && i < LS_SLOTS; i++)
		w->irbs[i] = ksim_irb_kind(&private->irb_ring[(private->irb_head + i) %
							       VFIO_CCW_IRB_SLOTS]);
}

static void ls_show_world(const char *who, const struct ls_world *w)
{
	unsigned int i;

	printf("@lockstep   %-6s %s enabled=%d lost=%d active=%d settling=%d halt=%d clears=%d pending=%d taken=%d unreg_due=%d cp_live=%d repinned=%d not_oper_owed=%d path_armed=%d done=%d ring=[",
	       who, vfio_ccw_state_names[w->state % NR_VFIO_CCW_STATES],
	       w->enabled, w->lost, w->active, w->settling, w->halt, w->clears,
	       w->pending,
	       w->taken, w->unreg_due, w->cp_live, w->repinned,
	       w->not_oper_owed, w->path_armed, w->done);
	for (i = 0; i < w->nirbs && i < LS_SLOTS; i++)
		printf("%s%d", i ? " " : "", w->irbs[i]);
	printf("]\n");
}

static void ls_show_log(const char *who, const unsigned char *log,
			unsigned int n)
{
	unsigned int i;

	printf("@lockstep   %-6s ops:", who);
	for (i = 0; i < n && i < LS_LOG; i++)
		printf(" %s", ksim_op_name(log[i]));
	printf("%s\n", n ? "" : " none");
}

/*
 * Equal where the model can tell: a lost device answers stsch with cc 3,
 * so its enable bit and status are nobody's to see.
 */
/* A fresh private and subchannel on @dev, for each check */
static void ls_private(struct vfio_ccw_private *private,
		       struct subchannel *sch, struct ksim_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	memset(sch, 0, sizeof(*sch));
	spin_lock_init(&sch->lock);
	ksim_attach(sch, dev);
	memset(private, 0, sizeof(*private));
	private->sch = sch;
	private->cp.sch = sch;
	mutex_init(&private->io_mutex);
	init_completion(&private->completion);
	init_completion(&private->quiesced);
}

static int ls_differ(const struct ls_world *m, const struct ls_world *k)
{
	int lost = m->lost;

	return m->state != k->state || m->lost != k->lost ||
	       (!lost && (m->enabled != k->enabled || m->pending != k->pending)) ||
	       m->active != k->active || m->settling != k->settling ||
	       m->halt != k->halt ||
	       (m->clears != 0) != (k->clears != 0) || m->taken != k->taken ||
	       m->unreg_due != k->unreg_due || m->cp_live != k->cp_live ||
	       (m->repinned != LS_UNTRACKED && m->repinned != k->repinned) ||
	       m->not_oper_owed != k->not_oper_owed ||
	       m->path_armed != k->path_armed ||
	       m->done != k->done || m->nirbs != k->nirbs ||
	       memcmp(m->irbs, k->irbs, m->nirbs < LS_SLOTS ? m->nirbs : LS_SLOTS);
}

int ls_check(const struct ls_frame *f, const struct ls_world *post, int ans)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ccw_io_region req;
	static struct ksim_dev dev;
	struct eventfd_ctx io_trigger = { .log = &dev, .op = KSIM_OP_USER_IRB };
	const struct ls_world *pre = &f->pre;
	unsigned int warnings = kshim_warnings;
	struct ls_world kernel;
	unsigned int i;
	int ret, bad;

	if (!ls_registered) {	/* the cell counts, at exit */
		ls_registered = true;
		atexit(ls_report);
	}
	kshim_quiet = true;

	ls_private(&private, &sch, &dev);
	sch.dev.name = "0.0.0000";
	dev.enabled = pre->enabled;
	dev.lost = pre->lost;
	dev.active = pre->active;
	dev.settling = pre->settling;
	dev.halt = pre->halt;
	dev.clears = pre->clears;
	dev.pending = pre->pending;
	dev.taken = pre->taken;
	dev.unreg_due = pre->unreg_due;
	dev.race_msch = f->race_msch;
	dev.status_in_window = f->status_in_window;
	dev.fail_enable = f->fail_enable;
	dev.fail_translate = f->fail_translate;

	/* the model pinned the start's program in its first step */
	private.cp.initialized = f->cell_start ? 0 : pre->cp_live;
	private.unmap_repinned = pre->repinned == 1;
	private.not_oper_owed = pre->not_oper_owed;
	private.path_gone_armed = pre->path_armed;
	private.state = pre->state;
	private.completion.done = pre->done == 255 ? UINT_MAX : pre->done;
	private.io_trigger = &io_trigger;
	private.irb_count = pre->nirbs;
	for (i = 0; i < pre->nirbs && i < LS_SLOTS; i++)
		ksim_irb_make(&private.irb_ring[i], pre->irbs[i]);
	ksim_irb_make(&private.irb, f->irb);
	private.async_cmd = ls_async_cmd(f->cmd);
	ls_request(&req);

	ls_runs[pre->state % NR_VFIO_CCW_STATES][f->event % NR_VFIO_CCW_EVENTS]++;
	mutex_lock(&private.io_mutex);
	if (f->event == VFIO_CCW_EVENT_IO_REQ)
		private.req = &req;
	ret = vfio_ccw_fsm_dispatch(&private, f->event);
	private.req = NULL;
	mutex_unlock(&private.io_mutex);
	ls_read_back(&private, &dev, &kernel);
	ksim_detach(&sch);

	bad = ret != ans || ls_differ(post, &kernel) ||
	      f->nlog != dev.nlog || memcmp(f->log, dev.log, f->nlog < LS_LOG ? f->nlog : LS_LOG) ||
	      dev.misuse || kshim_warnings != warnings;
	if (bad && ls_shown < 3) {
		printf("@lockstep MISMATCH %s x %s: answer model %d, kernel %d%s%s\n",
		       vfio_ccw_state_names[pre->state % NR_VFIO_CCW_STATES],
		       vfio_ccw_event_names[f->event % NR_VFIO_CCW_EVENTS], ans, ret,
		       dev.misuse ? "; kernel misuse: " : "", dev.misuse ? dev.misuse : "");
		printf("@lockstep   oracles: irb=%d cmd=%d race_msch=%d fail_enable=%d fail_translate=%d status_in_window=%d\n",
		       f->irb, f->cmd, f->race_msch, f->fail_enable, f->fail_translate,
		       f->status_in_window);
		ls_show_world("before", pre);
		ls_show_world("model", post);
		ls_show_world("kernel", &kernel);
		ls_show_log("model", f->log, f->nlog);
		ls_show_log("kernel", dev.log, dev.nlog);
		ls_shown++;
	}
	return bad;
}

int ls_check_irq(const struct ls_world *post)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ksim_dev dev;
	struct eventfd_ctx io_trigger = { .log = &dev, .op = KSIM_OP_USER_IRB };
	struct ls_world kernel;
	struct irb irb;
	unsigned int i;
	int bad;

	if (!post->nirbs || post->nirbs > LS_SLOTS)
		return 1;
	ls_private(&private, &sch, &dev);
	private.io_trigger = &io_trigger;
	private.irb_count = post->nirbs - 1;
	for (i = 0; i + 1 < post->nirbs; i++)
		ksim_irb_make(&private.irb_ring[i], post->irbs[i]);
	ksim_irb_make(&irb, post->irbs[post->nirbs - 1]);
	spin_lock_irq(&sch.lock);
	vfio_ccw_irb_push(&private, &irb);
	spin_unlock_irq(&sch.lock);
	ls_read_back(&private, &dev, &kernel);
	ksim_detach(&sch);
	bad = kernel.nirbs != post->nirbs ||
	      memcmp(kernel.irbs, post->irbs, post->nirbs) || dev.nlog ||
	      private.irb_dropped;
	if (bad && ls_shown < 3) {
		printf("@lockstep MISMATCH the IRQ handler's queueing of IRB %d\n",
		       post->irbs[post->nirbs - 1]);
		ls_show_world("model", post);
		ls_show_world("kernel", &kernel);
		ls_show_log("kernel", dev.log, dev.nlog);
		ls_shown++;
	}
	return bad;
}

/*
 * The quiesce wait's timeouts: the model escalates on the first and then
 * waits for good. Every tick the kernel may count is asked, each on its
 * own copy of the state.
 */
#define LS_TICKS	64

int ls_check_escalation(unsigned char state)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ksim_dev dev;
	enum vfio_ccw_event model, kernel;
	unsigned int ticks;
	int bad = 0;

	for (ticks = 0; ticks < LS_TICKS; ticks++) {
		ls_private(&private, &sch, &dev);
		private.state = state;
		model = state == VFIO_CCW_STATE_QUIESCING && !ticks ?
			VFIO_CCW_EVENT_CLOSE : NR_VFIO_CCW_EVENTS;
		mutex_lock(&private.io_mutex);
		kernel = vfio_ccw_quiesce_timeout(&private, ticks);
		mutex_unlock(&private.io_mutex);
		ksim_detach(&sch);
		bad = kernel != model;
		if (bad)
			break;
	}
	if (bad && ls_shown < 3) {
		printf("@lockstep MISMATCH the quiesce wait's timeout %u in %s: model raises %d, kernel %d (%d: nothing)\n",
		       ticks, vfio_ccw_state_names[state % NR_VFIO_CCW_STATES],
		       model, kernel, NR_VFIO_CCW_EVENTS);
		ls_shown++;
	}
	return bad;
}

/*
 * The css shutdown's last look, vfio_ccw_fsm_shutdown(), on the state the
 * model's host found: the state it leaves and the NOT_OPER it owes.
 */
int ls_check_shutdown(unsigned char state, unsigned char post_state,
		      unsigned char owed)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ksim_dev dev;
	int bad;

	ls_private(&private, &sch, &dev);
	sch.dev.name = "0.0.0000";
	private.state = state;
	mutex_lock(&private.io_mutex);
	vfio_ccw_fsm_shutdown(&private);
	mutex_unlock(&private.io_mutex);
	ksim_detach(&sch);
	bad = private.state != post_state || private.not_oper_owed != owed;
	if (bad && ls_shown < 3) {
		printf("@lockstep MISMATCH the shutdown's look at %s: model leaves %s owing %d, kernel %s owing %d\n",
		       vfio_ccw_state_names[state % NR_VFIO_CCW_STATES],
		       vfio_ccw_state_names[post_state % NR_VFIO_CCW_STATES], owed,
		       vfio_ccw_state_names[private.state % NR_VFIO_CCW_STATES],
		       private.not_oper_owed);
		ls_shown++;
	}
	return bad;
}

int ls_check_sch_gone(unsigned char lost)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ksim_dev dev;
	bool kernel;

	ls_private(&private, &sch, &dev);
	dev.lost = lost;
	mutex_lock(&private.io_mutex);
	kernel = vfio_ccw_sch_gone(&private);
	mutex_unlock(&private.io_mutex);
	ksim_detach(&sch);
	if (kernel != !!lost && ls_shown < 3) {
		printf("@lockstep MISMATCH sch_event's second look: the device is %s, the kernel %s NOT_OPER\n",
		       lost ? "gone" : "there", kernel ? "raises" : "raises no");
		ls_shown++;
	}
	return kernel != !!lost;
}

int ls_check_unmap(const struct ls_unmap *pre, unsigned char fence_at,
		   unsigned char verdict, unsigned char calls)
{
	static struct vfio_ccw_private private;
	static struct subchannel sch;
	static struct ksim_dev dev;
	const unsigned int ahead = VFIO_CCW_UNMAP_CALLS - fence_at;
	const u64 iova = 0x1000, length = 0x1000;
	enum vfio_ccw_unmap kernel;
	bool bad;

	ls_private(&private, &sch, &dev);
	private.state = pre->state;
	/*
	 * The range is the last call's, its count ahead by the difference. A
	 * new range is one just forgotten (counted from 0, shifted), as the
	 * kernel forgets it: tests/c checks that reset itself.
	 */
	private.unmap_iova = iova;
	private.unmap_length = length;
	private.unmap_calls = (pre->known ? pre->calls : 0) + ahead;
	private.unmap_repinned = pre->known && pre->repinned;
	mutex_lock(&private.io_mutex);
	kernel = vfio_ccw_unmap_count(&private, iova, length, pre->pinned);
	mutex_unlock(&private.io_mutex);
	ksim_detach(&sch);
	bad = kernel != verdict || private.unmap_calls != calls + ahead ||
	      private.unmap_repinned;
	if (bad && ls_shown < 3) {
		printf("@lockstep MISMATCH dma_unmap's count in %s (pinned %d, repinned %d, %d calls%s): model answers %d with %d calls, kernel %d with %u%s\n",
		       vfio_ccw_state_names[pre->state % NR_VFIO_CCW_STATES],
		       pre->pinned, pre->repinned, pre->calls,
		       pre->known ? "" : ", a new range", verdict, calls,
		       kernel, private.unmap_calls - ahead,
		       private.unmap_repinned ? ", repinned kept" : "");
		ls_shown++;
	}
	return bad;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw: the driver's data, around the generated FSM table
 * (generated/vfio_ccw_fsm_table.h), and what its files share.
 *
 * Two lifetimes: struct vfio_ccw_parent lives while vfio_ccw is bound to
 * the subchannel (css probe to css remove) and carries no FSM state;
 * struct vfio_ccw_private lives with one mdev (allocated by
 * vfio_alloc_device() at mdev probe, freed by the VFIO core after its
 * last reference) and carries the FSM. An mdev removed and created again
 * starts from NOT_OPER with INIT, whatever the last one ended in.
 *
 * Locks, outermost first: io_mutex (the FSM mutex: every dispatch holds
 * it), then sch->lock (the subchannel's spinlock, also taken by the channel
 * subsystem around our IRQ handler). Nobody sleeps on a completion with
 * io_mutex held, and nothing takes io_mutex with sch->lock held.
 */
#ifndef _VFIO_CCW_PRIVATE_H_
#define _VFIO_CCW_PRIVATE_H_

#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_ccw.h>
#include <linux/workqueue.h>
#include <asm/cio.h>
#include <asm/crw.h>
#include <asm/debug.h>
#include <asm/scsw.h>

#include "css.h"
#include "vfio_ccw_cp.h"
#include "vfio_ccw_fsm_table.h"

/* IRBs the IRQ handler may queue for the work item */
#define VFIO_CCW_IRB_SLOTS	16

/*
 * The commands vfio_ccw_async_request() takes: the async region's
 * VFIO_CCW_ASYNC_CMD_HSCH and VFIO_CCW_ASYNC_CMD_CSCH, and ours, from
 * chp_event's work for a path gone: clear the I/O in flight, if any.
 */
#define VFIO_CCW_ASYNC_PATH_GONE	BIT(31)

/*
 * The device file: region n at offset n << VFIO_CCW_OFFSET_SHIFT, as
 * stock. The I/O region (index 0) is always there; the others follow in
 * stock's order, found by the user through their capability (type
 * VFIO_REGION_TYPE_CCW and a subtype).
 */
#define VFIO_CCW_OFFSET_SHIFT		10
#define VFIO_CCW_OFFSET_MASK		((1ULL << VFIO_CCW_OFFSET_SHIFT) - 1)
#define VFIO_CCW_ASYNC_REGION_INDEX	(VFIO_CCW_CONFIG_REGION_INDEX + 1)
#define VFIO_CCW_SCHIB_REGION_INDEX	(VFIO_CCW_CONFIG_REGION_INDEX + 2)
#define VFIO_CCW_CRW_REGION_INDEX	(VFIO_CCW_CONFIG_REGION_INDEX + 3)
#define VFIO_CCW_REGIONS		(VFIO_CCW_CONFIG_REGION_INDEX + 4)

/* CRWs queued for the user; a full queue marks its newest one overflowed */
#define VFIO_CCW_CRW_SLOTS	16

/**
 * struct vfio_ccw_parent - a subchannel bound to vfio_ccw: the mdev parent
 * @private: the mdev's data from its probe to its removal, NULL without
 *	one; written with sch->lock and that private's io_mutex held, read
 *	under sch->lock (the IRQ handler, chp_event, sch_event)
 * @parent: the mdev parent
 * @mdev_type: the single mdev type, "io"
 * @mdev_types: the list of types handed to the mdev core (one)
 *
 * The subchannel's driver data (dev_get_drvdata(&sch->dev)).
 */
struct vfio_ccw_parent {
	struct vfio_ccw_private *private;
	struct mdev_parent parent;
	struct mdev_type mdev_type;
	struct mdev_type *mdev_types[];
};

/**
 * struct vfio_ccw_private - one mdev of a subchannel, and its FSM
 * @vdev: the VFIO device, first (vfio_alloc_device()); vfio_ccw_cp.c finds
 *	it next to @cp
 * @cp: the channel program of the start in flight, at most one
 * @io_mutex: the FSM mutex; also protects @cp, @io_region, @req,
 *	@async_cmd, @irb, @guest_open and @io_trigger
 * @state: written by vfio_ccw_fsm_dispatch() only, io_mutex held
 * @sch: the subchannel, referenced while this lives
 * @completion: writers sleep here while a start is in flight (BUSY)
 * @quiesced: closers sleep here while a clear is owed (QUIESCING)
 * @io_region: what the I/O region reads back: the last request and IRB
 * @req: the start request being dispatched, NULL outside the write path
 * @async_cmd: the command ASYNC_REQ is being dispatched for, 0 outside
 *	vfio_ccw_async_request()
 * @guest_open: the VFIO device is open (between open and close_device)
 * @irb_ring: IRBs stored by the IRQ handler, oldest at @irb_head; the
 *	ring, @irb_head, @irb_count and @irb_dropped are under sch->lock
 * @irb_head: slot of the oldest queued IRB
 * @irb_count: IRBs queued
 * @irb_dropped: IRBs lost to a full ring, not yet reported
 * @irb: the IRB the INTERRUPT event is being dispatched for
 * @io_work: the work item that dispatches INTERRUPT for queued IRBs
 * @io_trigger: eventfd signalled for each IRB handed to the user
 * @cmd_lock: serializes the users of the async command region
 * @cmd_region: what the async command region reads back: the last command
 *	and its answer (under @cmd_lock)
 * @irq_lock: spinlock (IRQ-safe, inside sch->lock) for @crw_ring,
 *	@crw_head, @crw_count, @crw_trigger and @req_trigger
 * @crw_ring: channel report words for the user, oldest at @crw_head
 * @crw_head: slot of the oldest queued CRW
 * @crw_count: CRWs queued
 * @crw_trigger: eventfd signalled when a CRW waits in the CRW region
 * @req_trigger: eventfd signalled when the mdev is to be removed
 * @sch_work: the css reported a change of the subchannel: SCHIB_CHANGED,
 *	and NOT_OPER if it is gone (sch_event runs on cio's work queue, which
 *	must not wait for io_mutex)
 * @chp_work: a path went under our I/O: ASYNC_REQ to clear it (chp_event
 *	runs under sch->lock, where io_mutex cannot be taken)
 * @unmap_iova: the range of the last dma_unmap() call (io_mutex)
 * @unmap_length: its length
 * @unmap_calls: dma_unmap() calls for that range that were ours: our
 *	program held it, or a translation ran since the call before (io_mutex)
 * @unmap_repinned: a translation pinned pages since the last dma_unmap()
 *	call (io_mutex)
 * @unmap_fenced: too many of them: the device stays offline until the
 *	user resets or reopens it (io_mutex)
 * @not_oper_owed: the css shutdown gave up waiting for a clear: the
 *	quiesce ends in NOT_OPER when the clear is answered (io_mutex)
 * @path_gone_armed: chp_event found our start on a path that went; the
 *	next start disarms it, so that its work clears only that start
 *	(sch->lock)
 */
struct vfio_ccw_private {
	struct vfio_device vdev;
	struct channel_program cp;
	struct mutex io_mutex;		/* the FSM mutex */
	enum vfio_ccw_state state;
	struct subchannel *sch;
	struct completion completion;
	struct completion quiesced;
	struct ccw_io_region io_region;
	const struct ccw_io_region *req;
	u32 async_cmd;
	bool guest_open;
	struct irb irb_ring[VFIO_CCW_IRB_SLOTS];
	unsigned int irb_head;
	unsigned int irb_count;
	unsigned int irb_dropped;
	struct irb irb;
	struct work_struct io_work;
	struct eventfd_ctx *io_trigger;
	struct mutex cmd_lock;		/* the async command region */
	struct ccw_cmd_region cmd_region;
	spinlock_t irq_lock;		/* CRWs, CRW and request eventfds */
	struct crw crw_ring[VFIO_CCW_CRW_SLOTS];
	unsigned int crw_head;
	unsigned int crw_count;
	struct eventfd_ctx *crw_trigger;
	struct eventfd_ctx *req_trigger;
	struct work_struct sch_work;
	struct work_struct chp_work;
	u64 unmap_iova;
	u64 unmap_length;
	unsigned int unmap_calls;
	bool unmap_repinned;
	bool unmap_fenced;
	bool not_oper_owed;
	bool path_gone_armed;
};

/*
 * The interrupt that ends a start function (the model's ENDS_START), in an
 * IRB or in the schib's status pending: the final one of the start,
 * solicited with nothing left running; its channel end (primary status,
 * the subchannel no longer active) even with the device end still to
 * come, since QEMU's tsch then shows the guest no function and the guest
 * may start again; or the end of a halt or clear (its function bit, none
 * of its own pending bits, no activity), which ends the start with it,
 * whatever status it carries.
 */
static inline bool vfio_ccw_scsw_is_final(union scsw *scsw)
{
	u32 running = SCSW_ACTL_DEVACT | SCSW_ACTL_SCHACT;

	if (scsw_fctl(scsw) & (SCSW_FCTL_HALT_FUNC | SCSW_FCTL_CLEAR_FUNC))
		return !(scsw_actl(scsw) & (running | SCSW_ACTL_HALT_PEND |
					    SCSW_ACTL_CLEAR_PEND));
	if (!scsw_is_solicited(scsw))
		return false;
	if (scsw_stctl(scsw) & SCSW_STCTL_PRIM_STATUS)
		return !(scsw_actl(scsw) & SCSW_ACTL_SCHACT);
	return !(scsw_actl(scsw) & running);
}

static inline bool vfio_ccw_irb_is_final(struct irb *irb)
{
	return vfio_ccw_scsw_is_final(&irb->scsw);
}

/*
 * dma_unmap() calls of ours for one range after which the device is left
 * offline until the user resets or reopens it (see
 * vfio_ccw_unmap_verdict()); type1 BUGs on its eleventh for one range.
 */
#define VFIO_CCW_UNMAP_CALLS	5

/* What a dma_unmap() call asks of us */
enum vfio_ccw_unmap {
	VFIO_CCW_UNMAP_NONE,	/* nothing of ours to let go */
	VFIO_CCW_UNMAP_OFFLINE,	/* end our program, then come back online */
	VFIO_CCW_UNMAP_FENCE,	/* go offline and stay there */
};

/*
 * The s390 debug feature (s390dbf), as stock has it: two areas registered
 * at module init, "vfio_ccw_msg" (formatted messages, whose arguments are
 * stored as longs: integers only, never a string) and "vfio_ccw_trace"
 * (short texts and raw bytes), both recording levels 0 to 2 unless
 * /sys/kernel/debug/s390dbf/ changes it.
 */
extern debug_info_t *vfio_ccw_debug_msg_id;
extern debug_info_t *vfio_ccw_debug_trace_id;

#define VFIO_CCW_TRACE_EVENT(imp, txt) \
	debug_text_event(vfio_ccw_debug_trace_id, imp, txt)

#define VFIO_CCW_MSG_EVENT(imp, fmt, args...) \
	debug_sprintf_event(vfio_ccw_debug_msg_id, imp, fmt, ##args)

static inline void VFIO_CCW_HEX_EVENT(int level, void *data, int length)
{
	debug_event(vfio_ccw_debug_trace_id, level, data, length);
}

/* vfio_ccw_fsm.c */
enum vfio_ccw_unmap vfio_ccw_unmap_verdict(struct vfio_ccw_private *private,
					   u64 iova, u64 length);
enum vfio_ccw_unmap vfio_ccw_unmap_count(struct vfio_ccw_private *private,
					 u64 iova, u64 length, bool pinned);
int vfio_ccw_fsm_event(struct vfio_ccw_private *private,
		       enum vfio_ccw_event event);
int vfio_ccw_fsm_write(struct vfio_ccw_private *private,
		       const struct ccw_io_region *req);
enum vfio_ccw_state vfio_ccw_go_offline(struct vfio_ccw_private *private,
					bool closing, unsigned long limit);
enum vfio_ccw_event vfio_ccw_quiesce_timeout(struct vfio_ccw_private *private,
					     unsigned int ticks);
void vfio_ccw_fsm_shutdown(struct vfio_ccw_private *private);
void vfio_ccw_path_went(struct vfio_ccw_private *private);
int vfio_ccw_async_request(struct vfio_ccw_private *private, u32 cmd);
bool vfio_ccw_sch_gone(struct vfio_ccw_private *private);
void vfio_ccw_irb_push(struct vfio_ccw_private *private, struct irb *irb);
bool vfio_ccw_irb_pop(struct vfio_ccw_private *private, struct irb *irb);

/* vfio_ccw_drv.c */
extern struct workqueue_struct *vfio_ccw_work_q;
void vfio_ccw_io_work(struct work_struct *work);
void vfio_ccw_sch_work(struct work_struct *work);
void vfio_ccw_set_private(struct subchannel *sch,
			  struct vfio_ccw_private *private);
struct vfio_ccw_private *vfio_ccw_sch_private(struct subchannel *sch);

/* vfio_ccw_ops.c */
extern struct mdev_driver vfio_ccw_mdev_driver;

/* vfio_ccw_async.c */
ssize_t vfio_ccw_async_region_read(struct vfio_ccw_private *private,
				   char __user *buf, size_t count, loff_t pos);
ssize_t vfio_ccw_async_region_write(struct vfio_ccw_private *private,
				    const char __user *buf, size_t count,
				    loff_t pos);

/* vfio_ccw_chp.c */
ssize_t vfio_ccw_schib_region_read(struct vfio_ccw_private *private,
				   char __user *buf, size_t count, loff_t pos);
ssize_t vfio_ccw_crw_region_read(struct vfio_ccw_private *private,
				 char __user *buf, size_t count, loff_t pos);
void vfio_ccw_crw_flush(struct vfio_ccw_private *private);
void vfio_ccw_chp_work(struct work_struct *work);
int vfio_ccw_chp_event(struct subchannel *sch, struct chp_link *link,
		       int event);

#endif /* _VFIO_CCW_PRIVATE_H_ */

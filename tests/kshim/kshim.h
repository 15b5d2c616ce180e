/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: what kernel/vfio_ccw_fsm.c and the generated table take from the
 * kernel, in user space, so that the kernel's own file is what the C tests
 * run and what SPIN's lockstep (proofs/lockstep.c) calls. The way
 * tools/testing/vma builds mm/vma.c: every kernel header the file includes
 * is a one-line file of include/ that leads here.
 *
 * What stands for what:
 *   locks        pthread mutexes that know their owner (lockdep_assert_held)
 *   completion   the kernel's counter (UINT_MAX after complete_all()) and a
 *                condition variable
 *   jiffies      a millisecond clock, HZ 1000
 *   cio          msch/ssch/hsch/csch/stsch on a simulated subchannel
 *                (struct ksim_dev, ksim.c), as the channel subsystem
 *                answers them, with the model's faults as oracles
 *   cp_*         a channel program that is pinned or not, nothing more
 *   trace, dev_* counted or printed, nothing more
 *   s390dbf      each area counts the entries written to it, nothing more
 * Every effect the FSM has on the outside world (a channel instruction
 * that took, an IRB handed to the user, an unregistration asked) is
 * appended to the subchannel's op log, which the lockstep compares with the
 * model's.
 */
#ifndef _KSHIM_H_
#define _KSHIM_H_

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <linux/vfio_ccw.h>	/* the UAPI, the host's copy */

/* ---------------------------------------------------------- types */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#define __user
#define __packed	__attribute__((packed))
#define __aligned(x)	__attribute__((aligned(x)))
#define ERESTARTSYS	512

#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)
#define min(a, b)	((a) < (b) ? (a) : (b))
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---------------------------------------------------------- locks */
struct kshim_lock {
	pthread_mutex_t m;
	pthread_t owner;
	bool held;
};

typedef struct { struct kshim_lock lk; } spinlock_t;
struct mutex { struct kshim_lock lk; };

void kshim_lock_init(struct kshim_lock *l);
void kshim_lock(struct kshim_lock *l);
void kshim_unlock(struct kshim_lock *l);
void kshim_assert_held(struct kshim_lock *l, const char *what);

#define spin_lock_init(l)	kshim_lock_init(&(l)->lk)
#define spin_lock_irq(l)	kshim_lock(&(l)->lk)
#define spin_unlock_irq(l)	kshim_unlock(&(l)->lk)
#define mutex_init(l)		kshim_lock_init(&(l)->lk)
#define mutex_lock(l)		kshim_lock(&(l)->lk)
#define mutex_unlock(l)		kshim_unlock(&(l)->lk)
#define lockdep_assert_held(l)	kshim_assert_held(&(l)->lk, #l)

/* ------------------------------------------------------ completion */
struct completion {
	pthread_mutex_t lock;
	pthread_cond_t wait;
	unsigned int done;
	int sleepers;	/* the shim's: tasks asleep here, for the tests */
};

void init_completion(struct completion *x);
void reinit_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
/* a signal for the calling thread ends its interruptible waits */
extern __thread bool kshim_signal_pending;
int wait_for_completion_interruptible(struct completion *x);
/* Another task's signal: set its @pending under @x's lock, wake @x */
void kshim_kick(struct completion *x, bool *pending);
unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout);

/* --------------------------------------------------------- jiffies */
#define HZ	1000
#define jiffies	kshim_jiffies()
unsigned long kshim_jiffies(void);
/*
 * Jiffies run this many times faster than the wall clock (default 1), so
 * that the kernel's second-long ticks take milliseconds in the tests. Set
 * before any thread runs.
 */
extern unsigned int kshim_hz_scale;
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)

/* ---------------------------------------------------- messages, WARN */
struct device { const char *name; };
static inline const char *dev_name(const struct device *dev)
{
	return dev->name;
}
void kshim_message(const struct device *dev, const char *level,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define dev_warn(d, ...)		kshim_message(d, "warn", __VA_ARGS__)
#define dev_warn_ratelimited(d, ...)	kshim_message(d, "warn", __VA_ARGS__)
#define dev_err(d, ...)			kshim_message(d, "err", __VA_ARGS__)
extern unsigned int kshim_warnings;	/* WARN_ONCE()s hit */
extern unsigned int kshim_messages;	/* dev_*() messages */
extern bool kshim_quiet;		/* count them, print nothing */
#define WARN_ONCE(c, ...) \
	({ bool w_ = (c); if (w_) { kshim_warnings++; \
	   kshim_message(NULL, "WARN", __VA_ARGS__); } w_; })

/* ---------------------------------------------- eventfd, VFIO, mdev */
struct ksim_dev;
/* Signals are counted; one with @log set also goes into its op log */
struct eventfd_ctx {
	unsigned long count;
	struct ksim_dev *log;
	unsigned int op;
};
void eventfd_signal(struct eventfd_ctx *ctx);
struct vfio_device { struct device device; };
struct mdev_parent { int unused; };
struct mdev_type { const char *sysfs_name, *pretty_name; };
struct work_struct { void (*func)(struct work_struct *work); };
struct workqueue_struct;
struct chp_link;

/* --------------------------------------------- the channel's words */
/* Subchannel-status word, command mode: 12 bytes, as the region's area */
struct cmd_scsw {
	u32 key:4, sctl:1, eswf:1, cc:2, fmt:1, pfch:1, isic:1, alcc:1,
	    ssi:1, zcc:1, ectl:1, pno:1, res:1, fctl:3, actl:7, stctl:5;
	u32 cpa;
	u32 dstat:8, cstat:8, count:16;
};

union scsw {
	struct cmd_scsw cmd;
};

#define SCSW_FCTL_CLEAR_FUNC	0x1
#define SCSW_FCTL_HALT_FUNC	0x2
#define SCSW_FCTL_START_FUNC	0x4
#define SCSW_ACTL_SUSPENDED	0x1
#define SCSW_ACTL_DEVACT	0x2
#define SCSW_ACTL_SCHACT	0x4
#define SCSW_ACTL_CLEAR_PEND	0x8
#define SCSW_ACTL_HALT_PEND	0x10
#define SCSW_ACTL_START_PEND	0x20
#define SCSW_ACTL_RESUME_PEND	0x40
#define SCSW_STCTL_STATUS_PEND	0x1
#define SCSW_STCTL_SEC_STATUS	0x2
#define SCSW_STCTL_PRIM_STATUS	0x4
#define SCSW_STCTL_INTER_STATUS	0x8
#define SCSW_STCTL_ALERT_STATUS	0x10

static inline u32 scsw_actl(union scsw *s) { return s->cmd.actl; }
static inline u32 scsw_fctl(union scsw *s) { return s->cmd.fctl; }
static inline u32 scsw_stctl(union scsw *s) { return s->cmd.stctl; }
/* Unsolicited: alert status alone, no condition code */
static inline int scsw_is_solicited(union scsw *s)
{
	return s->cmd.cc != 0 ||
	       s->cmd.stctl != (SCSW_STCTL_STATUS_PEND | SCSW_STCTL_ALERT_STATUS);
}

/* The IRB without its extended words; vfio_ccw_fsm.c checks the size */
struct irb {
	union scsw scsw;
	u8 esw[20];
	u8 ecw[32];
} __aligned(4);

/* Operation-request block: command mode (12 bytes) or transport mode */
struct cmd_orb {
	u32 intparm;
	u32 key:4, spnd:1, res1:1, mod:1, sync:1, fmt:1, pfch:1, isic:1,
	    alcc:1, ssic:1, res2:1, c64:1, i2k:1, lpm:8, ils:1, midaw:1,
	    res3:5, orbx:1;
	u32 cpa;
};

struct tm_orb {
	u32 intparm;
	u32 key:4, res1:9, b:1, res2:2, lpm:8, res3:7, x:1;
	u32 tcw;
};

union orb {
	struct cmd_orb cmd;
	struct tm_orb tm;
};

struct crw { u32 word; };

/* --------------------------------------------------- the subchannel */
struct subchannel_id { u32 cssid:8, res:4, m:1, ssid:2, one:1, sch_no:16; };

struct pmcw { u32 intparm; u8 isc, ena, lpm, pim, pam, pom, lpum, qf; };
struct schib { struct pmcw pmcw; union scsw scsw; };

#define VFIO_CCW_ISC		4
#define SCH_TODO_UNREG		1

struct subchannel {
	struct subchannel_id schid;
	spinlock_t lock;
	struct device dev;
	struct schib schib;
	u8 lpm;
	u8 isc;
	struct ksim_dev *sim;	/* the shim's: what the channel does */
};

/* cio, on the simulated subchannel (ksim.c) */
int cio_update_schib(struct subchannel *sch);
int cio_enable_subchannel(struct subchannel *sch, u32 intparm);
int cio_disable_subchannel(struct subchannel *sch);
void css_sched_sch_todo(struct subchannel *sch, int todo);
int ssch(struct subchannel_id schid, union orb *orb);
int hsch(struct subchannel_id schid);
int csch(struct subchannel_id schid);
#define virt_to_phys(p)	((unsigned long)(uintptr_t)(p))

/* ------------------------------------------------- vfio_ccw_cp.h */
struct channel_program {
	bool initialized;	/* translated and pinned */
	union orb orb;
	struct subchannel *sch;	/* the shim's: whose op log */
};

int cp_init(struct channel_program *cp, union orb *orb);
int cp_prefetch(struct channel_program *cp);
void cp_free(struct channel_program *cp);
bool cp_iova_pinned(struct channel_program *cp, u64 iova, u64 length);
union orb *cp_get_orb(struct channel_program *cp, struct subchannel *sch);
void cp_update_scsw(struct channel_program *cp, union scsw *scsw);

/* ------------------------------------------ asm/debug.h (s390dbf) */
/*
 * An s390dbf area: what was written to it, at any level (the kernel's
 * keeps those up to the area's level). The driver's two areas are
 * kshim.c's, since vfio_ccw_drv.c, which registers them in the kernel,
 * is not built here.
 */
typedef struct {
	const char *name;
	unsigned long entries;
} debug_info_t;

static inline void debug_text_event(debug_info_t *id, int level,
				    const char *txt)
{
	if (id)
		id->entries++;
}

static inline void debug_event(debug_info_t *id, int level, void *data,
			       int length)
{
	if (id)
		id->entries++;
}

/* The format is checked, as the kernel's; nothing is printed */
void kshim_debug_sprintf(debug_info_t *id, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define debug_sprintf_event(id, level, fmt, ...) \
	kshim_debug_sprintf(id, level, fmt, ##__VA_ARGS__)

/* --------------------------------------------- vfio_ccw_trace.h */
#define _VFIO_CCW_TRACE_H_	/* kernel/vfio_ccw_trace.h: events elsewhere */
extern unsigned long kshim_transitions;
/* If set, sees every transition the dispatcher writes (io_mutex held) */
extern void (*kshim_trace_hook)(struct subchannel_id schid, const char *from,
				const char *ev, const char *to, int ret);
static inline void trace_vfio_ccw_fsm_event(struct subchannel_id schid,
					    int state, int event,
					    const char *from, const char *ev,
					    const char *to, int ret)
{
	kshim_transitions++;
	if (kshim_trace_hook)
		kshim_trace_hook(schid, from, ev, to, ret);
}

/* The other three: counted, the last one's arguments kept */
struct kshim_trace_last {
	unsigned long count;
	int what;	/* command, fctl or mask */
	int err;	/* errno, or chp_event's event */
	const char *errstr;
};
extern struct kshim_trace_last kshim_async_requests, kshim_io_requests,
			       kshim_chp_events;

static inline void kshim_trace_record(struct kshim_trace_last *t, int what,
				      int err, const char *errstr)
{
	t->count++;
	t->what = what;
	t->err = err;
	t->errstr = errstr;
}

static inline void trace_vfio_ccw_fsm_async_request(struct subchannel_id schid,
						    int command, int err)
{
	kshim_trace_record(&kshim_async_requests, command, err, NULL);
}

static inline void trace_vfio_ccw_fsm_io_request(int fctl,
						 struct subchannel_id schid,
						 int err, char *errstr)
{
	kshim_trace_record(&kshim_io_requests, fctl, err, errstr);
}

static inline void trace_vfio_ccw_chp_event(struct subchannel_id schid,
					    int mask, int event)
{
	kshim_trace_record(&kshim_chp_events, mask, event, NULL);
}

#endif /* _KSHIM_H_ */

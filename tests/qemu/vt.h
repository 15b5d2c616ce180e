/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_ccw_test: the in-guest test of the vfio_ccw module, run as /init
 * under QEMU (tests/qemu/run.py). Shared declarations of its files:
 *   vfio_ccw_test.c   main: the run, the verdict lines, power off
 *   vt_sys.c          mounts, insmod, sysfs: binding, mdev, tracing
 *   vt_vfio.c         the VFIO user: container, group, device, I/O region
 *   vt_ccw.c          channel programs: ORB, CCW, SENSE ID, IRB checks
 *   vt_scen_basic.c   1: lifecycle; setup and teardown of the others
 *   vt_scen_writers.c 2: writers at once
 *   vt_scen_sleep.c   3: a sleeping writer, woken by a signal or a reset
 *   vt_scen_churn.c   4: close or remove right after a start
 *   vt_scen_loss.c    5: the device unplugged under its users
 *   vt_scen_bad.c     6: bad input through the UAPI
 *   vt_scen_unmap.c   the user's memory unmapped under pinned starts
 *   vt_scen_regions.c the async, schib and CRW regions, the request
 *                     interrupt, a channel path varied off and on
 *   vt_scen_async.c   halt and clear of suspended programs, racing starts
 *                     and resets, through the async command region
 *   vt_bench.c        bench mode (bench/qemu_bench.py)
 *   vt_nq.c           the nested QEMU of the real-client boot
 *   vt_scen_real.c    the real-client boot: QEMU's vfio-ccw on our mdev
 *   vt_scen_recreate.c  mdevs removed and created again: a fresh FSM each
 */
#ifndef VT_H
#define VT_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>
#include <linux/vfio_ccw.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The device QEMU gives us: -device virtio-rng-ccw,devno=fe.0.0002 */
#define VT_DEVNO		"0.0.0002"
/* and, for device-loss to unplug: devno=fe.0.0003 and fe.0.0004 */
#define VT_DEVNO_2		"0.0.0003"
#define VT_DEVNO_3		"0.0.0004"
#define VT_CU_TYPE		0x3832	/* virtio-ccw control unit type */
#define VT_MODULE		"/vfio_ccw.ko"
#define VT_MODULE_NAME		"vfio_ccw"
#define VT_MDEV_TYPE		"vfio_ccw-io"

/*
 * Guest memory of the VFIO user: one buffer, identity mapped (iova ==
 * user address), below 2 GiB since ORB and format-1 CCW addresses are 31
 * bits. Cut into slots, one per writer: CCWs first, data at VT_DATA_OFF.
 */
#define VT_IOVA			0x40000000UL
#define VT_BUF_SIZE		(64 * 1024)
#define VT_SLOT_SIZE		1024
#define VT_NR_SLOTS		(VT_BUF_SIZE / VT_SLOT_SIZE)
#define VT_DATA_OFF		256
#define VT_CANARY		0xa5
#define VT_UNMAPPED_IOVA	0x70000000UL	/* never mapped */

/* ---------------------------------------------------- vfio_ccw_test.c */

extern __thread char vt_why[512];
extern bool vt_stock;		/* the stock module: no FSM tracepoint */

int vt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vt_result(const char *name, bool ok, const char *detail);
void vt_report(const char *name, int ret, double t0);
int vt_at(const char *step);
const char *vt_err(int ret);
int vt_expect(const char *what, int ret, int expected);

/* A syscall's result as 0, a count or -errno */
static inline int vt_io(long n)
{
	return n < 0 ? -errno : (int)n;
}
void vt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double vt_now(void);
bool vt_kernel_is(const char *version);
double vt_thread_cpu(void);
void vt_msleep(unsigned int ms);
void vt_calibrate(void);
/* @ms of an idle host's guest, as long as this guest needs (vt_calibrate) */
int vt_wait_ms(int ms);

/* ------------------------------------------------------------ vt_sys.c */

int vt_mount_all(void);
int vt_insmod(const char *path);
int vt_write_file(const char *path, const char *s);
int vt_read_file(const char *path, char *buf, size_t len);
bool vt_exists(const char *path);
int vt_find_sch(const char *devno, char *sch, size_t len);
int vt_bind(const char *sch, const char *driver);
void vt_dump_blocked(void);
int vt_mdev_create(const char *sch, char *uuid, size_t len);
int vt_mdev_remove(const char *uuid);

/* An mdev removal on a thread of its own: it waits for the last close */
struct vt_remover {
	pthread_t thread;
	const char *uuid;
	int done;
	int ret;
	char why[512];
};
int vt_remover_start(struct vt_remover *rm, const char *uuid);
int vt_remover_join(struct vt_remover *rm, int ms);
int vt_group_id(const char *uuid);
int vt_trace_start(void);
int vt_trace_hand_off(void);
void vt_trace_dump(void);
int vt_cells_start(void);
void vt_cells_report(void);
unsigned long vt_cells_count_of(const char *from, const char *event);
int vt_trace_count(const char *needle);
int vt_trace_lines(const char *needle, const char *also, int print);

/* ----------------------------------------------------------- vt_vfio.c */

struct vt_dev {
	int container;
	int group;
	int fd;			/* the device */
	int efd;		/* the I/O interrupt's eventfd */
	uint64_t region_off;	/* of the I/O region in the device file */
};

uint8_t *vt_buf(void);
int vt_buf_map(void);
int vt_open(struct vt_dev *d, const char *uuid, int group_id);
int vt_open_shared(struct vt_dev *d, const struct vt_dev *with,
		   const char *uuid, int group_id);
int vt_open_device_fd(struct vt_dev *d, const char *uuid);
int vt_dma_map(struct vt_dev *d, bool map);
int vt_set_irq_eventfd(struct vt_dev *d, unsigned int index, int fd);
void vt_close_device(struct vt_dev *d);
void vt_close(struct vt_dev *d);
int vt_write_region(struct vt_dev *d, const struct ccw_io_region *r);
int vt_read_region(struct vt_dev *d, struct ccw_io_region *r);
int vt_wait_irq(struct vt_dev *d, int timeout_ms, uint64_t *count);
/* the regions after the I/O region, found by their capability */
struct vt_region {
	uint64_t off;
	uint64_t size;
	uint32_t flags;
};

int vt_region_info(struct vt_dev *d, unsigned int index,
		   struct vfio_region_info *info,
		   struct vfio_region_info_cap_type *cap);
int vt_cap_region(struct vt_dev *d, uint32_t subtype, struct vt_region *r);
int vt_async_cmd(struct vt_dev *d, const struct vt_region *r, uint32_t cmd);
int vt_region_read(struct vt_dev *d, const struct vt_region *r, void *buf,
		   size_t len);
int vt_irq_eventfd(struct vt_dev *d, unsigned int index);
int vt_wait_eventfd(int fd, int timeout_ms, uint64_t *count);

/* ------------------------------------------------------------ vt_ccw.c */

#define CCW_CMD_SENSE_ID	0xe4
#define CCW_CMD_NOOP		0x03
#define CCW_CMD_TIC		0x08
#define CCW_FLAG_CC		0x40
#define CCW_FLAG_SLI		0x20
#define CCW_FLAG_IDA		0x04
#define CCW_FLAG_SUSPEND	0x02

/* ORB word 1, command mode; bit n of the word is 1 << (31 - n) */
#define ORB_SPND		(1u << 27)
#define ORB_FMT			(1u << 23)
#define ORB_PFCH		(1u << 22)
#define ORB_TM			(1u << 18)	/* transport mode (tm_orb.b) */
#define ORB_C64			(1u << 17)
#define ORB_LPM_ANY		(0xffu << 8)

/* SCSW word 0: function control */
#define SCSW_FCTL_START		(1u << 14)
#define SCSW_FCTL_HALT		(1u << 13)
#define SCSW_FCTL_CLEAR		(1u << 12)

#define DEV_STAT_CHN_END	0x08
#define DEV_STAT_DEV_END	0x04
#define DEV_STAT_UNIT_CHECK	0x02

struct vt_scsw {
	unsigned int fctl, actl, stctl, cc;
	uint32_t cpa;
	uint8_t dstat, cstat;
	uint16_t count;
};

uint32_t vt_slot_iova(int slot);
uint8_t *vt_slot_data(int slot);
void vt_ccw_put(int slot, int index, uint8_t cmd, uint8_t flags,
		uint16_t count, uint32_t cda);
void vt_region_start(struct ccw_io_region *r, uint32_t orb_flags,
		     uint32_t cpa);
void vt_senseid_prepare(int slot, uint16_t count, struct ccw_io_region *r);
void vt_suspend_prepare(int slot, struct ccw_io_region *r);
void vt_scsw_decode(const struct ccw_io_region *r, struct vt_scsw *s);
int vt_check_irb(const struct ccw_io_region *r, uint32_t ccw_iova);
int vt_check_senseid(int slot, uint16_t count);
int vt_senseid(struct vt_dev *d, int slot, uint16_t count);
int vt_senseid_busy(struct vt_dev *d, int slot, uint16_t count, int *busy);

/* --------------------------------------------------------- scenarios */

/* What every scenario after the first works on */
struct vt_env {
	char sch[32];		/* the subchannel, e.g. 0.0.0000 */
	char uuid[40];		/* the mdev, "" when none */
	int group_id;
};

int vt_scen_lifecycle(struct vt_env *env);
int vt_setup(struct vt_env *env);
int vt_teardown(struct vt_env *env);
/* vt_scen_writers.c: writer threads, each a slot and a SENSE ID length */
struct vt_writer {
	pthread_t thread;
	struct vt_dev *d;
	int slot;
	uint16_t count;
	int requests;
	int started;
	int ebusy;		/* answers "busy, retry": -EBUSY, -EAGAIN */
	int failed;		/* -1 and ->why once anything else went wrong */
	double wall;		/* in write() */
	double cpu;		/* in write() */
	double cpu_thread;	/* of the whole thread, retries included */
	char why[512];
};

int vt_run_writers(struct vt_dev *d, int n, int requests,
		   struct vt_writer *w);
void vt_writers_sum(struct vt_writer *w, int n, struct vt_writer *sum);
int vt_count_irqs(struct vt_dev *d, int expected);
int vt_scen_writers(struct vt_env *env);
/* vt_scen_sleep.c: a writer asleep behind a suspended program */
#define VT_SLEEPER_SLOT		11	/* the sleeper's SENSE ID */
#define VT_SLEEPER_COUNT	24
struct vt_sleeper {
	pthread_t thread;
	struct vt_dev *d;
	int tid;
	int state;		/* 0 starting, 1 about to write, 2 returned */
	int ret;
	double wall;		/* in write() */
	double cpu;		/* in write(), the thread's */
};

int vt_start_suspended(struct vt_dev *d);
int vt_start_sleeper(struct vt_sleeper *s, struct vt_dev *d);
int vt_join_sleeper(struct vt_sleeper *s, unsigned int ms);
int vt_scen_signal(struct vt_env *env);
int vt_scen_reset_wakes(struct vt_env *env);
int vt_scen_bad_input(struct vt_env *env);
int vt_scen_close_after_start(struct vt_env *env);
int vt_scen_remove_after_start(struct vt_env *env);
int vt_scen_device_loss(struct vt_env *env);
int vt_scen_async_suspended(struct vt_env *env);
int vt_scen_clear_racing_start(struct vt_env *env);
int vt_scen_async_offline(struct vt_env *env);
int vt_scen_unmap_pinned(struct vt_env *env);
int vt_scen_unmap_bystander(struct vt_env *env);
/* vt_scen_regions.c */
int vt_scen_regions(struct vt_env *env);
int vt_scen_async(struct vt_env *env);
int vt_scen_request(struct vt_env *env);
int vt_scen_path(struct vt_env *env);
void vt_schib_dump(struct vt_dev *d, const char *when);
/* vt_scen_recreate.c */
int vt_scen_mdev_recreate(struct vt_env *env);
int vt_scen_device_return(struct vt_env *env);

/* bench mode (qemu_bench) */
int vt_bench(struct vt_env *env);

/* ------------------------------------------- vt_nq.c, vt_scen_real.c */

/* The device number the nested QEMU gives our mdev (fe.0.1234) */
#define VT_NESTED_DEVNO		0x1234

enum { VT_NQ_CONSOLE, VT_NQ_STDERR, VT_NQ_QMP, VT_NQ_FDS };

struct vt_nq_buf {
	char data[1024];
	size_t len;
};

/* A running nested QEMU and what it said */
struct vt_nq {
	int pid;
	int fd[VT_NQ_FDS];	/* console, stderr, QMP replies */
	int qmp_in;		/* QMP commands */
	struct vt_nq_buf buf[VT_NQ_FDS];
	double t0;
	bool qmp_ready;
	bool unplug_asked;	/* the guest printed "vt: unplug" */
	bool device_deleted;	/* QMP event DEVICE_DELETED */
	char reply[512];	/* the last QMP reply */
	int replies;
	int passed, failed;	/* the guest's check lines relayed */
	bool summary;		/* its closing count */
	int sum_passed, sum_failed;
	int nr_msgs;		/* lines on QEMU's stderr */
};

int vt_nq_start(struct vt_nq *nq, const char *uuid, const char *mode,
		int lpum);
bool vt_nq_poll(struct vt_nq *nq, int ms);
int vt_nq_qmp(struct vt_nq *nq, const char *cmd, int ms);
int vt_nq_device_del(struct vt_nq *nq);
int vt_nq_finish(struct vt_nq *nq, double limit_s);
void vt_real_client(struct vt_env *env);

#endif /* VT_H */

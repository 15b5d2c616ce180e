/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw tracepoints, stock's four with stock's names and fields:
 * vfio_ccw_fsm_event at every FSM transition (the generated dispatcher
 * emits it through vfio_ccw_fsm_trace()), vfio_ccw_fsm_io_request when a
 * start request is refused, vfio_ccw_fsm_async_request when a halt or
 * clear is answered, vfio_ccw_chp_event for each path event of a
 * subchannel with an mdev. Self-contained: the upstream vfio_ccw_cp.h
 * includes this header by name and gets this one, and (since 6.3) relies
 * on it for struct subchannel, which cio.h declares.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vfio_ccw

#if !defined(_VFIO_CCW_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _VFIO_CCW_TRACE_H_

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/types.h>
#include <asm/schid.h>

#include "cio.h"

TRACE_EVENT(vfio_ccw_chp_event,
	    TP_PROTO(struct subchannel_id schid, int mask, int event),
	    TP_ARGS(schid, mask, event),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, sch_no)
			     __field(int, mask)
			     __field(int, event)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->sch_no = schid.sch_no;
			   __entry->mask = mask;
			   __entry->event = event;),
	    TP_printk("schid=%x.%x.%04x mask=0x%x event=%d",
		      __entry->cssid, __entry->ssid, __entry->sch_no,
		      __entry->mask, __entry->event)
);

/*
 * @command: VFIO_CCW_ASYNC_CMD_HSCH or _CSCH, or our
 * VFIO_CCW_ASYNC_PATH_GONE (a path went under the I/O: clear it)
 */
TRACE_EVENT(vfio_ccw_fsm_async_request,
	    TP_PROTO(struct subchannel_id schid, int command, int errno),
	    TP_ARGS(schid, command, errno),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, sch_no)
			     __field(int, command)
			     __field(int, errno)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->sch_no = schid.sch_no;
			   __entry->command = command;
			   __entry->errno = errno;),
	    TP_printk("schid=%x.%x.%04x command=0x%x errno=%d",
		      __entry->cssid, __entry->ssid, __entry->sch_no,
		      __entry->command, __entry->errno)
);

/*
 * The names are copied into fixed arrays of the record (the longest
 * generated name is 13 characters): the same TP_fast_assign() on every
 * kernel since __assign_str() lost its source argument (6.10).
 */
#define VFIO_CCW_TRACE_NAME_LEN	16

/*
 * Stock's fields (schno is stock's spelling), then ours: the names of the
 * state before, of the event and of the state after, and the answer.
 * @state and @event are the generated enums' values, not stock's.
 */
TRACE_EVENT(vfio_ccw_fsm_event,
	    TP_PROTO(struct subchannel_id schid, int state, int event,
		     const char *from_state, const char *fsm_event,
		     const char *to_state, int ret),
	    TP_ARGS(schid, state, event, from_state, fsm_event, to_state, ret),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, schno)
			     __field(int, state)
			     __field(int, event)
			     __array(char, from_state, VFIO_CCW_TRACE_NAME_LEN)
			     __array(char, fsm_event, VFIO_CCW_TRACE_NAME_LEN)
			     __array(char, to_state, VFIO_CCW_TRACE_NAME_LEN)
			     __field(int, ret)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->schno = schid.sch_no;
			   __entry->state = state;
			   __entry->event = event;
			   strscpy(__entry->from_state, from_state,
				   VFIO_CCW_TRACE_NAME_LEN);
			   strscpy(__entry->fsm_event, fsm_event,
				   VFIO_CCW_TRACE_NAME_LEN);
			   strscpy(__entry->to_state, to_state,
				   VFIO_CCW_TRACE_NAME_LEN);
			   __entry->ret = ret;),
	    TP_printk("schid=%x.%x.%04x %s x %s -> %s ret=%d state=%d event=%d",
		      __entry->cssid, __entry->ssid, __entry->schno,
		      __entry->from_state, __entry->fsm_event,
		      __entry->to_state, __entry->ret, __entry->state,
		      __entry->event)
);

/*
 * @errstr: a string of the module's (stock's texts), kept as a pointer as
 * stock does: printing it needs the module loaded.
 */
TRACE_EVENT(vfio_ccw_fsm_io_request,
	    TP_PROTO(int fctl, struct subchannel_id schid, int errno,
		     char *errstr),
	    TP_ARGS(fctl, schid, errno, errstr),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, sch_no)
			     __field(int, fctl)
			     __field(int, errno)
			     __field(char *, errstr)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->sch_no = schid.sch_no;
			   __entry->fctl = fctl;
			   __entry->errno = errno;
			   __entry->errstr = errstr;),
	    TP_printk("schid=%x.%x.%04x fctl=0x%x errno=%d info=%s",
		      __entry->cssid, __entry->ssid, __entry->sch_no,
		      __entry->fctl, __entry->errno, __entry->errstr)
);

#endif /* _VFIO_CCW_TRACE_H_ */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vfio_ccw_trace
#include <trace/define_trace.h>

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw tracepoints: one per FSM transition, emitted by the generated
 * dispatcher through vfio_ccw_fsm_trace(). Self-contained: the upstream
 * vfio_ccw_cp.h includes this header by name and gets this one, and (since
 * 6.3) relies on it for struct subchannel, which cio.h declares.
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

/*
 * The names are copied into fixed arrays of the record (the longest
 * generated name is 13 characters): the same TP_fast_assign() on every
 * kernel since __assign_str() lost its source argument (6.10).
 */
#define VFIO_CCW_TRACE_NAME_LEN	16

TRACE_EVENT(vfio_ccw_fsm_event,
	    TP_PROTO(struct subchannel_id schid, const char *from_state,
		     const char *fsm_event, const char *to_state, int ret),
	    TP_ARGS(schid, from_state, fsm_event, to_state, ret),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, sch_no)
			     __array(char, from_state, VFIO_CCW_TRACE_NAME_LEN)
			     __array(char, fsm_event, VFIO_CCW_TRACE_NAME_LEN)
			     __array(char, to_state, VFIO_CCW_TRACE_NAME_LEN)
			     __field(int, ret)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->sch_no = schid.sch_no;
			   strscpy(__entry->from_state, from_state,
				   VFIO_CCW_TRACE_NAME_LEN);
			   strscpy(__entry->fsm_event, fsm_event,
				   VFIO_CCW_TRACE_NAME_LEN);
			   strscpy(__entry->to_state, to_state,
				   VFIO_CCW_TRACE_NAME_LEN);
			   __entry->ret = ret;),
	    TP_printk("schid=%x.%x.%04x %s x %s -> %s ret=%d",
		      __entry->cssid, __entry->ssid, __entry->sch_no,
		      __entry->from_state, __entry->fsm_event,
		      __entry->to_state, __entry->ret)
);

#endif /* _VFIO_CCW_TRACE_H_ */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vfio_ccw_trace
#include <trace/define_trace.h>

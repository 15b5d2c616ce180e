/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw tracepoints: one per FSM transition, emitted by the generated
 * dispatcher through vfio_ccw_fsm_trace(). Self-contained: the upstream
 * vfio_ccw_cp.h includes this header by name and gets this one.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vfio_ccw

#if !defined(_VFIO_CCW_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _VFIO_CCW_TRACE_H_

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <asm/schid.h>

TRACE_EVENT(vfio_ccw_fsm_event,
	    TP_PROTO(struct subchannel_id schid, const char *from_state,
		     const char *fsm_event, const char *to_state, int ret),
	    TP_ARGS(schid, from_state, fsm_event, to_state, ret),
	    TP_STRUCT__entry(__field(u8, cssid)
			     __field(u8, ssid)
			     __field(u16, sch_no)
			     __string(from_state, from_state)
			     __string(fsm_event, fsm_event)
			     __string(to_state, to_state)
			     __field(int, ret)),
	    TP_fast_assign(__entry->cssid = schid.cssid;
			   __entry->ssid = schid.ssid;
			   __entry->sch_no = schid.sch_no;
			   __assign_str(from_state, from_state);
			   __assign_str(fsm_event, fsm_event);
			   __assign_str(to_state, to_state);
			   __entry->ret = ret;),
	    TP_printk("schid=%x.%x.%04x %s x %s -> %s ret=%d",
		      __entry->cssid, __entry->ssid, __entry->sch_no,
		      __get_str(from_state), __get_str(fsm_event),
		      __get_str(to_state), __entry->ret)
);

#endif /* _VFIO_CCW_TRACE_H_ */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vfio_ccw_trace
#include <trace/define_trace.h>

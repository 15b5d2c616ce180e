// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-ccw tracepoints: the one place that creates them.
 */
#define CREATE_TRACE_POINTS
#include "vfio_ccw_trace.h"

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the generated FSM table (vfio_ccw_fsm_table.c) takes from
 * the kernel: BIT(), the errno values and NULL. Nothing else.
 */
#ifndef _VFIO_CCW_FSM_ENV_H_
#define _VFIO_CCW_FSM_ENV_H_

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/stddef.h>

#endif /* _VFIO_CCW_FSM_ENV_H_ */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for what the generated FSM table takes from the
 * kernel: BIT(), the errno values and NULL. Nothing else.
 */
#ifndef _VFIO_CCW_FSM_ENV_H_
#define _VFIO_CCW_FSM_ENV_H_

#include <errno.h>
#include <stddef.h>

#define BIT(n)	(1UL << (n))

#endif /* _VFIO_CCW_FSM_ENV_H_ */

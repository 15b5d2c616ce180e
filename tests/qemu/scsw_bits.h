/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSW fields as the architecture defines them: the function, activity
 * and status control of the word that holds them (ctrl: bits 0-31 of the
 * SCSW, flags/key included). Shared by the test program and the bare-metal
 * nested guest, so both read an IRB the same way.
 */
#ifndef SCSW_BITS_H
#define SCSW_BITS_H

#define SCSW_FCTL(ctrl)		(((ctrl) >> 12) & 7)
#define SCSW_ACTL(ctrl)		(((ctrl) >> 5) & 0x7f)
#define SCSW_STCTL(ctrl)	((ctrl) & 0x1f)
#define FCTL_START		4
#define FCTL_HALT		2
#define FCTL_CLEAR		1
#define ACTL_RESUME_PEND	0x40
#define ACTL_START_PEND		0x20
#define ACTL_HALT_PEND		0x10
#define ACTL_CLEAR_PEND		0x08
#define ACTL_SCH_ACTIVE		0x04
#define ACTL_DEV_ACTIVE		0x02
#define ACTL_SUSPENDED		0x01
#define STCTL_ALERT		0x10
#define STCTL_INTERMEDIATE	0x08
#define STCTL_PRIMARY		0x04
#define STCTL_SECONDARY		0x02
#define STCTL_PENDING		0x01

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Stands in for the kernel's asm/debug.h: the whole shim is kshim.h. */
#include <kshim.h>

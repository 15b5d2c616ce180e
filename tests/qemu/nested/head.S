/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nested guest's entry and interruption handlers (see ng.h).
 *
 * QEMU starts it at 0x10000 in 64-bit addressing mode, DAT off, every
 * interruption disabled. Interruptions are enabled only in an enabled
 * wait (ng_wait()), so an I/O or external handler always finds the CPU
 * waiting: it saves the registers in its lowcore save area, calls its C
 * function on a stack of its own, and resumes the old PSW with the wait
 * bit and the I/O and external masks off, that is, right after the wait.
 * A program check may come from any instruction: its handler resumes the
 * old PSW as it is (QEMU has moved it past a suppressed instruction).
 */

/* free lowcore, one save area per interruption class */
#define SAVE_EXT	0x200
#define SAVE_IO		0x280
#define SAVE_PGM	0x300
#define OLD_EXT		0x130
#define OLD_PGM		0x150
#define OLD_IO		0x170

	.section .head, "ax"
	.globl	_start
_start:
	larl	%r15, ng_stack + 16384 - 160
	brasl	%r14, ng_main
0:	j	0b			/* ng_main stops the machine */

	/* QEMU writes the -append string at 0x10480 */
	.section .parm, "aw"
	.fill	0x400, 1, 0

	.text
	.macro	HANDLER name, save, old, cfunc, after_wait
	.globl	\name
\name:
	stmg	%r0, %r15, \save
	larl	%r15, ng_irq_stack + 8192 - 160
	brasl	%r14, \cfunc
	lmg	%r0, %r15, \save
	.if	\after_wait
	ni	\old + 1, 0xfd		/* wait off */
	ni	\old, 0xfc		/* I/O and external interruptions off */
	.endif
	lpswe	\old
	.endm

	HANDLER ng_ext_entry, SAVE_EXT, OLD_EXT, ng_on_ext, 1
	HANDLER ng_io_entry, SAVE_IO, OLD_IO, ng_on_io, 1
	HANDLER ng_pgm_entry, SAVE_PGM, OLD_PGM, ng_on_pgm, 0

	.bss
	.balign	4096
	.globl	ng_stack
ng_stack:
	.skip	16384
ng_irq_stack:
	.skip	8192

	.section .note.GNU-stack, "", @progbits

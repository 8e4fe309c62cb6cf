/* stack_switch.S: rn_on_stack(fn, top): calls fn() with the stack pointer
 * at top (16-byte aligned), then returns on the caller's stack. The
 * unwinder runs there (stack.c), so its ~2 KiB of cursor and context never
 * count against a wrapper's stack budget. The frame is described by
 * rbp-based CFI, so an unwind that starts on the other stack walks back
 * into the caller's frames as if fn had been called normally. */
	.text
	.globl rn_on_stack
	.hidden rn_on_stack
	.type rn_on_stack, @function
rn_on_stack:
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	mov %rsp, %rbp
	.cfi_def_cfa_register %rbp
	mov %rsi, %rsp
	call *%rdi
	mov %rbp, %rsp
	pop %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size rn_on_stack, .-rn_on_stack
	.section .note.GNU-stack, "", @progbits

/* vfork.S: vfork for the shim. The child borrows the parent's stack, so it
 * must not return through any C frame of ours: like glibc's own vfork, the
 * return address is kept in a register across the system call. The parent
 * records the call (rn_vfork_parent) once the child has exec'd or exited. */
	.text
	.globl	vfork
	.type	vfork, @function
	.p2align 4
vfork:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	rn_vfork_enter
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%rdi			/* return address, out of the child's reach */
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %rdi
	movl	$58, %eax		/* SYS_vfork */
	syscall
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rip, 0
	testq	%rax, %rax
	jz	1f
	movq	%rax, %rdi		/* parent: record, set errno, return */
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	rn_vfork_parent
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	ret
1:	subq	$8, %rsp		/* child: stop tracing on this thread */
	.cfi_adjust_cfa_offset 8
	call	rn_vfork_child
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	xorl	%eax, %eax
	ret
	.cfi_endproc
	.size	vfork, .-vfork
	.section .note.GNU-stack, "", @progbits

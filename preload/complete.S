/* complete.S: the few instructions of --complete mode (complete.c) that
 * must be in librenacer.so's code, the range dispatch allows, and must not
 * run as C: the restorer of our SIGSYS handler, the rt_sigreturn of a
 * program's handler that trapped, and clones that cannot return through
 * the handler (a new stack, or vfork sharing ours). Never touches the
 * program's red zone or its stack above the stack pointer. */
	.text

	.globl	rn_sud_restorer
	.hidden	rn_sud_restorer
	.type	rn_sud_restorer, @function
	.p2align 4
	nop				/* unwinders look one byte before */
rn_sud_restorer:
	movq	$15, %rax		/* SYS_rt_sigreturn */
	syscall
	.size	rn_sud_restorer, .-rn_sud_restorer

	.globl	rn_sud_sigreturn
	.hidden	rn_sud_sigreturn
	.type	rn_sud_sigreturn, @function
	.p2align 4
rn_sud_sigreturn:
	movq	$15, %rax
	syscall
	.size	rn_sud_sigreturn, .-rn_sud_sigreturn

/* Entered with the program's registers as at its syscall (rax = number).
 * The child of a clone with a new stack finds its way back at -8(%rsp)
 * (written there by complete.c, below the stack top), the child without
 * one in our TLS (it has our TLS, shared or copied); the parent records
 * the call in C first. */
	.globl	rn_sud_clone_stack
	.hidden	rn_sud_clone_stack
	.type	rn_sud_clone_stack, @function
	.p2align 4
rn_sud_clone_stack:
	syscall
	testq	%rax, %rax
	jnz	rn_sud_clone_parent
	jmp	*-8(%rsp)
	.size	rn_sud_clone_stack, .-rn_sud_clone_stack

	.globl	rn_sud_clone_tls
	.hidden	rn_sud_clone_tls
	.type	rn_sud_clone_tls, @function
	.p2align 4
rn_sud_clone_tls:
	syscall
	testq	%rax, %rax
	jnz	rn_sud_clone_parent
	movq	rn_sud@gottpoff(%rip), %r11
	jmp	*%fs:(%r11)		/* rn_sud.rip, the first field */
	.size	rn_sud_clone_tls, .-rn_sud_clone_tls

	.type	rn_sud_clone_parent, @function
	.p2align 4
rn_sud_clone_parent:
	leaq	-128(%rsp), %rsp	/* past the red zone */
	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%rbx
	movq	%rsp, %rbx
	andq	$-16, %rsp
	subq	$256, %rsp
	movdqu	%xmm0, 0(%rsp)
	movdqu	%xmm1, 16(%rsp)
	movdqu	%xmm2, 32(%rsp)
	movdqu	%xmm3, 48(%rsp)
	movdqu	%xmm4, 64(%rsp)
	movdqu	%xmm5, 80(%rsp)
	movdqu	%xmm6, 96(%rsp)
	movdqu	%xmm7, 112(%rsp)
	movdqu	%xmm8, 128(%rsp)
	movdqu	%xmm9, 144(%rsp)
	movdqu	%xmm10, 160(%rsp)
	movdqu	%xmm11, 176(%rsp)
	movdqu	%xmm12, 192(%rsp)
	movdqu	%xmm13, 208(%rsp)
	movdqu	%xmm14, 224(%rsp)
	movdqu	%xmm15, 240(%rsp)
	movq	%rax, %rdi
	call	rn_sud_clone_done	/* returns where the program goes on */
	movq	%rax, %r11
	movdqu	0(%rsp), %xmm0
	movdqu	16(%rsp), %xmm1
	movdqu	32(%rsp), %xmm2
	movdqu	48(%rsp), %xmm3
	movdqu	64(%rsp), %xmm4
	movdqu	80(%rsp), %xmm5
	movdqu	96(%rsp), %xmm6
	movdqu	112(%rsp), %xmm7
	movdqu	128(%rsp), %xmm8
	movdqu	144(%rsp), %xmm9
	movdqu	160(%rsp), %xmm10
	movdqu	176(%rsp), %xmm11
	movdqu	192(%rsp), %xmm12
	movdqu	208(%rsp), %xmm13
	movdqu	224(%rsp), %xmm14
	movdqu	240(%rsp), %xmm15
	movq	%rbx, %rsp
	popq	%rbx
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rax
	leaq	128(%rsp), %rsp
	jmp	*%r11
	.size	rn_sud_clone_parent, .-rn_sud_clone_parent

	.section .note.GNU-stack, "", @progbits

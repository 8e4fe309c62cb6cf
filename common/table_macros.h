/* table_macros.h: preprocessor helpers that expand syscalls.def rows.
 * Compile-time only; included by table.c and the shim's generated wrappers. */
#ifndef RN_TABLE_MACROS_H
#define RN_TABLE_MACROS_H

#define RN_N_(_0, _1, _2, _3, _4, _5, _6, _7, _8, N, ...) N
#define RN_NARGS(...) RN_N_(_, ##__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define RN_UNPAREN(...) __VA_ARGS__

/* Captured-argument test over a types tuple, at compile time. */
#define RN_CAP1(t) rn_arg_cap_##t
#define RN_CAPS_(...) RN_CAPS_N(RN_NARGS(__VA_ARGS__), __VA_ARGS__)
#define RN_CAPS_N(n, ...) RN_CAPS_CAT(RN_CAPS_, n)(__VA_ARGS__)
#define RN_CAPS_CAT(a, b) RN_CAPS_CAT2(a, b)
#define RN_CAPS_CAT2(a, b) a##b
#define RN_CAPS_0() 0
#define RN_CAPS_1(a) (RN_IS_CAP(a))
#define RN_CAPS_2(a, ...) (RN_IS_CAP(a) | RN_CAPS_1(__VA_ARGS__))
#define RN_CAPS_3(a, ...) (RN_IS_CAP(a) | RN_CAPS_2(__VA_ARGS__))
#define RN_CAPS_4(a, ...) (RN_IS_CAP(a) | RN_CAPS_3(__VA_ARGS__))
#define RN_CAPS_5(a, ...) (RN_IS_CAP(a) | RN_CAPS_4(__VA_ARGS__))
#define RN_CAPS_6(a, ...) (RN_IS_CAP(a) | RN_CAPS_5(__VA_ARGS__))
#define RN_CAPS_7(a, ...) (RN_IS_CAP(a) | RN_CAPS_6(__VA_ARGS__))
#define RN_CAPS_8(a, ...) (RN_IS_CAP(a) | RN_CAPS_7(__VA_ARGS__))
#define RN_IS_CAP(t) (RN_ARG_##t >= RN_ARG_CAPTURE_FIRST && RN_ARG_##t <= RN_ARG_CAPTURE_LAST)

/* RN_ANY_T(P, (a, b, ...)): P(a) | P(b) | ..., at compile time (up to 8) */
#define RN_ANY_0(...) 0	/* any arguments: an empty tuple may still pass one */
#define RN_ANY_1(P, a) (P(a))
#define RN_ANY_2(P, a, ...) (P(a) | RN_ANY_1(P, __VA_ARGS__))
#define RN_ANY_3(P, a, ...) (P(a) | RN_ANY_2(P, __VA_ARGS__))
#define RN_ANY_4(P, a, ...) (P(a) | RN_ANY_3(P, __VA_ARGS__))
#define RN_ANY_5(P, a, ...) (P(a) | RN_ANY_4(P, __VA_ARGS__))
#define RN_ANY_6(P, a, ...) (P(a) | RN_ANY_5(P, __VA_ARGS__))
#define RN_ANY_7(P, a, ...) (P(a) | RN_ANY_6(P, __VA_ARGS__))
#define RN_ANY_8(P, a, ...) (P(a) | RN_ANY_7(P, __VA_ARGS__))
#define RN_ANY(P, ...) RN_CAPS_CAT(RN_ANY_, RN_NARGS(__VA_ARGS__))(P, ##__VA_ARGS__)
#define RN_ANY_T(P, tup) RN_ANY_T_(P, RN_UNPAREN tup)
#define RN_ANY_T_(P, ...) RN_ANY(P, __VA_ARGS__)
#define RN_IS_SAOUT(t) (RN_ARG_##t == RN_ARG_SOCKADDR_OUT)
#define RN_IS_DATA(t) (RN_ARG_##t == RN_ARG_DATA_IN || RN_ARG_##t == RN_ARG_DATA_OUT || \
		       RN_ARG_##t == RN_ARG_MSGHDR || RN_ARG_##t == RN_ARG_MSGHDR_OUT || \
		       RN_ARG_##t == RN_ARG_IOVEC || RN_ARG_##t == RN_ARG_IOVEC_OUT)

#define RN_PFX_0()
#define RN_PFX_1(a) RN_ARG_##a
#define RN_PFX_2(a, ...) RN_ARG_##a, RN_PFX_1(__VA_ARGS__)
#define RN_PFX_3(a, ...) RN_ARG_##a, RN_PFX_2(__VA_ARGS__)
#define RN_PFX_4(a, ...) RN_ARG_##a, RN_PFX_3(__VA_ARGS__)
#define RN_PFX_5(a, ...) RN_ARG_##a, RN_PFX_4(__VA_ARGS__)
#define RN_PFX_6(a, ...) RN_ARG_##a, RN_PFX_5(__VA_ARGS__)
#define RN_PFX_7(a, ...) RN_ARG_##a, RN_PFX_6(__VA_ARGS__)
#define RN_PFX_8(a, ...) RN_ARG_##a, RN_PFX_7(__VA_ARGS__)
#define RN_PFX(...) RN_CAPS_CAT(RN_PFX_, RN_NARGS(__VA_ARGS__))(__VA_ARGS__)

/* RN_MAP(F, a, b, ...) -> F(a), F(b), ... (up to 8) */
#define RN_MAP_0(...)
#define RN_MAP_1(F, a) F(a)
#define RN_MAP_2(F, a, ...) F(a), RN_MAP_1(F, __VA_ARGS__)
#define RN_MAP_3(F, a, ...) F(a), RN_MAP_2(F, __VA_ARGS__)
#define RN_MAP_4(F, a, ...) F(a), RN_MAP_3(F, __VA_ARGS__)
#define RN_MAP_5(F, a, ...) F(a), RN_MAP_4(F, __VA_ARGS__)
#define RN_MAP_6(F, a, ...) F(a), RN_MAP_5(F, __VA_ARGS__)
#define RN_MAP_7(F, a, ...) F(a), RN_MAP_6(F, __VA_ARGS__)
#define RN_MAP_8(F, a, ...) F(a), RN_MAP_7(F, __VA_ARGS__)
#define RN_MAP(F, ...) RN_CAPS_CAT(RN_MAP_, RN_NARGS(__VA_ARGS__))(F, ##__VA_ARGS__)
/* RN_MAPT(F, (a, b)): the same over a parenthesised tuple */
#define RN_MAPT(F, tup) RN_MAPT_(F, RN_UNPAREN tup)
#define RN_MAPT_(F, ...) RN_MAP(F, __VA_ARGS__)

#endif

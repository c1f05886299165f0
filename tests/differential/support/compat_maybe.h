/* A compatibility header of the kind real programs carry: a value type whose
 * copy constructor is user-provided only for "old GCC". GCC 12 says
 * __GNUC__ == 12, so the type is trivially copyable and passed and returned
 * in registers; Clang claims __GNUC__ == 4, so under Clang's view the type
 * is not trivially copyable and is passed by invisible reference and
 * returned through a hidden pointer. Code compiled with the two views does
 * not agree on the calling convention. */
#ifndef HOTC_DIFFERENTIAL_COMPAT_MAYBE_H
#define HOTC_DIFFERENTIAL_COMPAT_MAYBE_H
struct MaybeInt {
  int has;
  int value;
  MaybeInt() : has(0), value(0) {}
  MaybeInt(int v) : has(1), value(v) {}
#if defined(__GNUG__) && __GNUC__ < 10
  /* Old GCC miscompiled the implicit copy of this type (so the story goes). */
  MaybeInt(const MaybeInt &o) : has(o.has), value(o.value) {}
#endif
};
#endif

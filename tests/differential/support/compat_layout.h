/* A struct whose layout depends on what the compiler claims to be: a field
 * that only exists for __GNUC__ >= 8. GCC 12 has it (12 bytes); Clang claims
 * __GNUC__ == 4 and does not (8 bytes). Works in C and C++. */
#ifndef HOTC_DIFFERENTIAL_COMPAT_LAYOUT_H
#define HOTC_DIFFERENTIAL_COMPAT_LAYOUT_H
struct CompatBuffer {
  int used;
#if defined(__GNUC__) && __GNUC__ >= 8
  int reserved_for_gnu8;
#endif
  int capacity;
};
#endif

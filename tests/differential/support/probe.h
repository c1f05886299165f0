/* What every scenario unit of the differential host sees: one printf-like
 * line writer. Deliberately includes no standard header, so a scenario's
 * own #include is the first of its kind in its unit. */
#ifndef HOTC_DIFFERENTIAL_PROBE_H
#define HOTC_DIFFERENTIAL_PROBE_H
#ifdef __cplusplus
extern "C" {
#endif
/* Prints one line (a newline is added) to the probe's answer. */
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#ifdef __cplusplus
}
#endif
#endif

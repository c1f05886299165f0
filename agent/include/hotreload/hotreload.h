/* hotreload.h - what an application can ask of the hotc agent.
 *
 * Usable from C and C++. Every function is declared weak: an application that
 * includes this header but runs without the agent still links and runs, and
 * hotreload_active() tells it whether the agent is there.
 */
#ifndef HOTRELOAD_HOTRELOAD_H
#define HOTRELOAD_HOTRELOAD_H

#ifdef __cplusplus
extern "C" {
#endif

#define HOTRELOAD_VERSION_MAJOR 0
#define HOTRELOAD_VERSION_MINOR 1
#define HOTRELOAD_VERSION_PATCH 0

/* Version string of the agent in the process, e.g. "0.1.0". */
__attribute__((weak)) const char *hotreload_agent_version(void);

/* Number of patches applied to this process so far (0 before the first). */
__attribute__((weak)) unsigned long hotreload_patch_count(void);

/* Called after each applied patch, on an agent thread, once all threads run
 * again. At most 16 callbacks; returns 0 when registered, -1 otherwise. */
typedef void (*hotreload_patch_callback)(unsigned long patch_count, void *user);
__attribute__((weak)) int hotreload_on_patch(hotreload_patch_callback callback,
                                             void *user);

/* 1 when the agent is loaded into this process (preloaded or linked). */
static inline int hotreload_active(void) {
  return hotreload_agent_version != 0 && hotreload_agent_version() != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* HOTRELOAD_HOTRELOAD_H */

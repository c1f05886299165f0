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

/* Called after each applied patch, once the process runs its new code, on
 * the thread that applied it (an agent thread; with safe points, the
 * thread in hotreload_safe_point). At most 16 callbacks; returns 0 when
 * registered, -1 otherwise. */
typedef void (*hotreload_patch_callback)(unsigned long patch_count, void *user);
__attribute__((weak)) int hotreload_on_patch(hotreload_patch_callback callback,
                                             void *user);

/* What a patch changes, as the hooks below receive it. The pointers are
 * valid during the call only. */
struct hotreload_patch {
  unsigned long version;         /* hotc's version of the patch: 1, 2, ... */
  unsigned long function_count;
  const char *const *functions;  /* re-pointed, e.g. "step(int)" */
  unsigned long file_count;
  const char *const *files;      /* sources recompiled, absolute paths */
};
typedef void (*hotreload_patch_hook)(const struct hotreload_patch *patch,
                                     void *user);

/* Before: the patch is linked and its new globals initialised, but no
 * function runs its new code yet (save state, flush caches). After: every
 * entry runs the new code (restore state, re-register callbacks). Hooks run
 * in the order registered, on the thread that applies the patch: an agent
 * thread while the program's threads run, or, with safe points, the thread
 * in hotreload_safe_point(). After-hooks are not called for a patch that
 * failed. At most 16 of each; 0 when registered, -1 otherwise. */
__attribute__((weak)) int hotreload_before_patch(hotreload_patch_hook hook,
                                                 void *user);
__attribute__((weak)) int hotreload_after_patch(hotreload_patch_hook hook,
                                                void *user);
/* Forgets every registration of (hook, user), before and after; returns how
 * many there were. */
__attribute__((weak)) int hotreload_remove_hook(hotreload_patch_hook hook,
                                                void *user);

/* With safe points (safe_points = true in hotreload.toml, or hotc watch
 * --safe-points), a patch is re-pointed only when a thread calls this, on
 * that thread, with no signal sent to any thread for it (other threads are
 * stopped only to write a function's first jump while they could be
 * executing its first bytes). Call it where no function that may be
 * patched is running on any other thread's behalf, e.g. once per frame of
 * a game loop. When nothing waits it records the caller's registers and
 * makes one atomic load (about 6 ns, docs/benchmarks.md). Weak like every
 * function here: `if (hotreload_safe_point) hotreload_safe_point();` in a
 * program that may run without the agent. */
__attribute__((weak)) void hotreload_safe_point(void);

/* 1 when the agent is loaded into this process (preloaded or linked). */
static inline int hotreload_active(void) {
  return hotreload_agent_version != 0 && hotreload_agent_version() != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* HOTRELOAD_HOTRELOAD_H */

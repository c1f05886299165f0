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

/* Moving globals to a new layout. An edit that changes the layout of a
 * struct the process has globals of (a field added, removed, retyped) is
 * refused: the old objects would be misread. Define, for that type,
 *
 *   HOTRELOAD_MIGRATE(particle) {
 *     const struct particle_v1 *o = hotreload_old; // the layout that ran
 *     struct particle *n = hotreload_new;          // the edit's layout
 *     n->x = o->x; n->y = o->y; n->z = 0;
 *   }
 *
 * (the struct's name; for C++, qualified names with :: spelled _, e.g.
 * HOTRELOAD_MIGRATE(game_Particle) for game::Particle) in the unit that
 * defines the globals, saved with the edit. hotc then gives each global of
 * exactly that type that the save recompiles new storage, holding the
 * edit's constant initialiser (no constructor runs: construct in the hook
 * if the type needs it); calls the hook once per global, before any
 * function runs its new code, on the thread that applies the patch; and
 * relinks every function that uses the global, recompiling with the save
 * every unit reading the type's header or named by the binary's debug info
 * as using it (build with -g; every unit the patch leaves out must have
 * GCC's full debug info, which names the globals a unit only declares, as
 * Clang's does not, else the move is refused). The old storage is left as
 * it was.
 *
 * Objects hotc cannot find are your promise: define the hook only if no
 * object of the type lives on the heap, on a stack or inside another
 * object, and no pointer to the global is kept in data (each would keep
 * the old layout or address; hotc warns of the pointers it sees in the
 * recompiled units). Refused, the edit then waiting for a restart: a
 * global holding the type in an array or another struct, a thread-local
 * one, one with a destructor registered at start-up (C++), a unit using it
 * that is not in the build's compile commands. State the old code writes
 * after the hook's call and before the entries are re-pointed (one round
 * trip to the agent; with safe points, until a thread reaches one) is not
 * carried over.
 * After a move, crashes in patched code are reported rather than rolled
 * back, and that version cannot be undone. */
#ifdef __cplusplus
#define HOTRELOAD_MIGRATE(type)                                               \
  extern "C" void hotreload_migrate_##type(const void *hotreload_old,         \
                                           void *hotreload_new)
#else
#define HOTRELOAD_MIGRATE(type)                                               \
  void hotreload_migrate_##type(const void *hotreload_old, void *hotreload_new)
#endif

/* 1 when the agent is loaded into this process (preloaded or linked). */
static inline int hotreload_active(void) {
  return hotreload_agent_version != 0 && hotreload_agent_version() != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* HOTRELOAD_HOTRELOAD_H */

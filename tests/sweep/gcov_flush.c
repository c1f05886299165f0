/* Linked into the sweep's --coverage build of a program that does not end
 * through exit(): gnuchess 6 dies of SIGSEGV on `quit` (its engine thread
 * calls pthread_exit; seen here: exit status 139), so libgcov's exit-time
 * writer never runs and the coverage run would record no function at all.
 * On the fatal signal the counters are written, then the signal is
 * delivered as before. __gcov_dump is not async-signal-safe; this is a
 * harness build, killed once at its end. */
#include <signal.h>

void __gcov_dump(void);

static void flush_and_die(int Sig) {
  __gcov_dump();
  signal(Sig, SIG_DFL);
  raise(Sig);
}

__attribute__((constructor)) static void install(void) {
  signal(SIGSEGV, flush_and_die);
  signal(SIGBUS, flush_and_die);
  signal(SIGABRT, flush_and_die);
}

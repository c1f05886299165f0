/* The differential host's probe loop: reads "probe NAME SEQ" lines from the
 * FIFO argv[1], calls that probe and answers in the file argv[2] between
 * "<<< NAME SEQ ticks=N" and ">>> NAME SEQ" lines. A background thread bumps
 * `ticks` every millisecond, so the process is multi-threaded while it is
 * patched and the runner can see that its state survives. "quit" ends it. */
#include "probe.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct probe_entry {
  const char *name;
  void (*fn)(void);
};
extern const struct probe_entry hotc_probes[];
extern const int hotc_probe_count;

static atomic_long ticks;

static void *tick(void *arg) {
  (void)arg;
  struct timespec ms = {0, 1000000};
  for (;;) {
    atomic_fetch_add(&ticks, 1);
    nanosleep(&ms, NULL);
  }
  return NULL;
}

void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static void (*find_probe(const char *name))(void) {
  for (int i = 0; i < hotc_probe_count; ++i)
    if (strcmp(hotc_probes[i].name, name) == 0)
      return hotc_probes[i].fn;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s CONTROL_FIFO ANSWER_FILE\n", argv[0]);
    return 2;
  }
  /* The answers go where the probes' own printf and std::cout go. */
  if (!freopen(argv[2], "a", stdout)) {
    perror(argv[2]);
    return 2;
  }
  /* O_RDWR: the FIFO never reports end-of-file between two writers. */
  int fd = open(argv[1], O_RDWR);
  FILE *control = fd < 0 ? NULL : fdopen(fd, "r");
  if (!control) {
    perror(argv[1]);
    return 2;
  }
  printf("hello pid=%d\n", (int)getpid());
  fflush(stdout);
  pthread_t ticker;
  pthread_create(&ticker, NULL, tick, NULL);
  char line[512], name[256], seq[64];
  while (fgets(line, sizeof line, control)) {
    if (strncmp(line, "quit", 4) == 0)
      break;
    if (sscanf(line, "probe %255s %63s", name, seq) != 2)
      continue;
    void (*fn)(void) = find_probe(name);
    printf("<<< %s %s ticks=%ld\n", name, seq, atomic_load(&ticks));
    if (fn)
      fn();
    else
      printf("no probe named %s\n", name);
    printf(">>> %s %s\n", name, seq);
    fflush(stdout);
  }
  fflush(stdout);
  _exit(0); /* the ticker thread is never joined */
}

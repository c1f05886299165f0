#include "world.h"

#include <unistd.h>

int main() {
  static World W; // survives every patch: watch Frame and Bounces go on
  for (;;) {
    step(W);
    draw(W);
    usleep(40 * 1000);
  }
}

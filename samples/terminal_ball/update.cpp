#include "world.h"

#include <cstdio>
#include <string>

constexpr int kWidth = 50;

void step(World &W) {
  ++W.Frame;
  W.X += W.Velocity; // try: W.Velocity * 3
  if (W.X < 0 || W.X > kWidth - 1) {
    W.Velocity = -W.Velocity;
    W.X = W.X < 0 ? 0 : kWidth - 1;
    ++W.Bounces;
  }
}

void draw(const World &W) {
  std::string Field(kWidth, '.');
  Field[static_cast<int>(W.X)] = 'o'; // try: '@'
  printf("\r[%s] frame %ld, %d bounces ", Field.c_str(), W.Frame, W.Bounces);
  fflush(stdout);
}

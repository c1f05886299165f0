#pragma once

// Everything the animation remembers. It lives in main.cpp and survives
// every patch of update.cpp.
struct World {
  double X = 0, Velocity = 0.7;
  long Frame = 0;
  int Bounces = 0;
};

void step(World &W);       // update.cpp: moves the ball
void draw(const World &W); // update.cpp: prints one frame

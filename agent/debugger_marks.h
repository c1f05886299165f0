// A debugger's marks in code the agent is about to overwrite.
//
// gdb inserts a breakpoint by writing int3 over the first byte of an
// instruction and keeps the byte it replaced; when the process stops it
// writes that byte back. Had the agent written a jump over such a byte in
// between, gdb's write-back would corrupt the jump. So before the first
// patch of an entry, while a tracer is attached, its bytes must be what the
// binary's file holds there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hotc::agent {

// Whether a tracer (gdb, strace) is attached to this process now.
bool debuggerAttached();

// Compares the N bytes at Addr in memory with the bytes of the file mapped
// there. Returns a reason when they differ (a debugger's breakpoint is in
// them), "" when they match or no file backs the mapping.
std::string debuggerMarkIn(uint64_t Addr, size_t N);

} // namespace hotc::agent

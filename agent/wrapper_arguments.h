// The argument bytes of a call into the agent, checked against the SPS
// signature of the wrapper function it names before ORC decodes them.
// ORC's decoders reserve whatever element count a sequence claims: a call
// with well-formed framing but a count of 2^60 would end the application
// with std::length_error or an out-of-memory abort. Here every sequence's
// elements must actually be present in the frame, so decoding allocates at
// most a small multiple of the frame's size. A wrapper without a known
// signature is not callable at all.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace hotc::agent {

// Whether Name is a wrapper function whose arguments this file can check.
bool hasKnownSignature(llvm::StringRef Name);

// Whether Args is exactly one well-formed argument list of wrapper Name;
// Why says where it is not.
bool argumentsFit(llvm::StringRef Name, llvm::ArrayRef<char> Args,
                  std::string &Why);

// The wrapper names hasKnownSignature accepts (for the fuzz target).
std::vector<std::string> checkedWrapperNames();

} // namespace hotc::agent

#include "ir_fixture.h"
#include "watch/event_output.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace llvm;

namespace {

std::string loggedLine(const std::string &Log) {
  auto Buf = MemoryBuffer::getFile(Log);
  return Buf ? (*Buf)->getBuffer().str() : "";
}

// ORC reports a failed link as its cause joined with "Failed to
// materialize symbols": the event must carry the cause, not only the summary.
TEST(EventOutput, JoinedErrorKeepsEveryPart) {
  std::string Log = test::scratchDir() + "/events.jsonl";
  {
    hotc::driver::EventOutput Out(/*Json=*/true, Log);
    Out.error(joinErrors(createStringError(inconvertibleErrorCode(),
                                           "Unsupported relocation R_X"),
                         createStringError(inconvertibleErrorCode(),
                                           "Failed to materialize symbols")),
              "patch");
  }
  std::string Line = loggedLine(Log);
  EXPECT_NE(Line.find("Unsupported relocation R_X"), std::string::npos) << Line;
  EXPECT_NE(Line.find("Failed to materialize symbols"), std::string::npos) << Line;
  EXPECT_NE(Line.find("\"kind\":\"patch\""), std::string::npos) << Line;
}

} // namespace

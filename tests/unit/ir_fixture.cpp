#include "ir_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace hotc::test {

std::string scratchDir() {
  static std::string Dir = [] {
    char T[] = "/tmp/hotc-unit-XXXXXX";
    return std::string(mkdtemp(T));
  }();
  return Dir;
}

static frontend::CompileCommand commandFor(const std::string &Name,
                                      const std::string &Source,
                                      const std::vector<std::string> &Extra) {
  std::string Path = scratchDir() + "/" + Name;
  std::ofstream(Path) << Source;
  frontend::CompileCommand Cmd{Path, scratchDir(), {"c++", "-std=c++17"}};
  Cmd.Arguments.insert(Cmd.Arguments.end(), Extra.begin(), Extra.end());
  for (const char *A : {"-c", "-o", "x.o"})
    Cmd.Arguments.push_back(A);
  Cmd.Arguments.push_back(Path);
  return Cmd;
}

llvm::Expected<jit::CompiledTu> tryCompileSnippet(const std::string &Name,
                                                  const std::string &Source) {
  return jit::compileToIR(commandFor(Name, Source, {"-O0"}));
}

jit::CompiledTu compileSnippet(const std::string &Name, const std::string &Source,
                               const std::vector<std::string> &Extra) {
  auto R = jit::compileToIR(commandFor(Name, Source, Extra));
  if (!R) {
    ADD_FAILURE() << llvm::toString(R.takeError());
    return {};
  }
  return std::move(*R);
}

} // namespace hotc::test

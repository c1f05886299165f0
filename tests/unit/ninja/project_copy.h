// A fresh copy of tests/fixtures/ninja_project, configured with CMake's
// Ninja generator and built with the system ninja, plus what the system
// ninja says about it: the oracle the tests compare hotc::ninja against.
#pragma once

#include "ninja-integration/ninja_build.h"

#include <gtest/gtest.h>

#include <memory>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace hotc::ninja::test {

struct CommandResult {
  int ExitCode = -1;
  std::string Output; // stdout and stderr
};

// Runs Command through /bin/sh in Dir.
CommandResult runIn(const std::string &Dir, const std::string &Command);

std::string readFile(const std::string &Path);
void writeFile(const std::string &Path, const std::string &Text);

struct ProjectCopy {
  std::string Root;  // the sources
  std::string Build; // the build directory

  std::string source(const std::string &Relative) const;
  std::string output(const std::string &Relative) const;
};

// Copies, configures and builds; failures are reported through gtest and
// return false.
bool makeProjectCopy(ProjectCopy &P);
void removeProjectCopy(const ProjectCopy &P);

// `ninja`, `cmake` as the tests run them (paths fixed at configure time).
std::string ninjaCommand();
std::string cmakeCommand();

// `ninja -t deps`: each object (absolute) and its recorded dependencies
// (absolute), the source first, as the compiler printed them.
std::map<std::string, std::vector<std::string>> ninjaDeps(const ProjectCopy &P);

// `ninja -t inputs TARGET`: every input TARGET is built from, transitively.
std::set<std::string> ninjaInputs(const ProjectCopy &P,
                                  const std::string &Target);

// `ninja -n` reports nothing to do.
bool ninjaUpToDate(const ProjectCopy &P);

// Each test gets its own built copy; kept on failure, for a look.
class NinjaProjectTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(makeProjectCopy(P)); }
  void TearDown() override {
    if (!HasFailure())
      removeProjectCopy(P);
  }

  ProjectCopy P;
};

// The same, with the copy's build loaded as NinjaBuild.
class LoadedProjectTest : public NinjaProjectTest {
protected:
  void SetUp() override {
    NinjaProjectTest::SetUp();
    if (HasFatalFailure())
      return;
    auto Loaded = NinjaBuild::load(P.Build);
    ASSERT_TRUE(bool(Loaded)) << llvm::toString(Loaded.takeError());
    Build = std::move(*Loaded);
  }

  std::unique_ptr<NinjaBuild> Build;
};

} // namespace hotc::ninja::test

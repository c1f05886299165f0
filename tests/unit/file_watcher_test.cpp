#include "watch/file_watcher.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using hotc::driver::FileWatcher;

namespace {

void writeFile(const std::string &Path, const std::string &Text) {
  std::ofstream(Path) << Text;
}

std::vector<std::string> waitChanged(FileWatcher &W) {
  for (int I = 0; I < 200; ++I) {
    auto C = W.takeChanged();
    if (!C.empty())
      return C;
    usleep(5000);
  }
  return {};
}

TEST(FileWatcher, ReportsSavesInPlaceAndByRenameButNotUnchangedContent) {
  char Dir[] = "/tmp/hotc-watch-XXXXXX";
  ASSERT_TRUE(mkdtemp(Dir));
  std::string File = std::string(Dir) + "/a.cpp";
  writeFile(File, "int a;\n");
  auto W = FileWatcher::create();
  ASSERT_TRUE(bool(W));
  ASSERT_FALSE(bool(W->watch(File)));

  writeFile(File, "int a = 1;\n");
  EXPECT_EQ(waitChanged(*W), std::vector<std::string>{File});

  writeFile(File + ".tmp", "int a = 2;\n");
  ASSERT_EQ(rename((File + ".tmp").c_str(), File.c_str()), 0);
  EXPECT_EQ(waitChanged(*W), std::vector<std::string>{File});

  writeFile(File, "int a = 2;\n"); // same content: nothing to do
  usleep(50000);
  EXPECT_TRUE(W->takeChanged().empty());

  writeFile(std::string(Dir) + "/other.cpp", "x");
  usleep(50000);
  EXPECT_TRUE(W->takeChanged().empty()) << "unwatched files are not reported";
}

} // namespace

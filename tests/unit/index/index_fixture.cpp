#include "index_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdlib.h>

namespace hotc::test {

IndexProject::IndexProject() {
  char T[] = "/tmp/hotc-index-XXXXXX";
  Dir = mkdtemp(T);
}

IndexProject::~IndexProject() { std::filesystem::remove_all(Dir); }

void IndexProject::write(const std::string &Name, const std::string &Text) const {
  std::ofstream(path(Name)) << Text;
}

frontend::CompileCommand IndexProject::command(const std::string &Name) const {
  return {path(Name), Dir,
          {"c++", "-std=c++17", "-I", Dir, "-c", "-o", Name + ".o", path(Name)}};
}

index::FormIndex IndexProject::index(const std::string &Name) const {
  auto R = index::indexTranslationUnit(command(Name));
  if (!R) {
    ADD_FAILURE() << llvm::toString(R.takeError());
    return {};
  }
  return std::move(*R);
}

void IndexProject::analyse(const std::vector<std::string> &Units) {
  for (const std::string &U : Units)
    Graph.replaceUnit(index(U));
}

std::vector<index::FormChange>
IndexProject::save(const std::string &File, const std::string &Text,
                   const std::vector<std::string> &Units) {
  write(File, Text);
  std::vector<index::FormChange> Changes;
  for (const std::string &U : Units) {
    index::FormIndex Fresh = index(U);
    const index::FormIndex *Old = Graph.unit(Fresh.MainFile);
    EXPECT_NE(Old, nullptr) << U << " was not analysed before";
    index::mergeChanges(Changes, index::diffForms(Old ? *Old : index::FormIndex{}, Fresh));
    Graph.replaceUnit(std::move(Fresh));
  }
  return Changes;
}

const index::Form &formNamed(const index::FormIndex &I, const std::string &Name) {
  for (const index::Form &F : I.Forms)
    if (F.Name == Name)
      return F;
  ADD_FAILURE() << "no form named " << Name;
  static const index::Form None;
  return None;
}

bool hasForm(const index::FormIndex &I, const std::string &Name) {
  return std::any_of(I.Forms.begin(), I.Forms.end(),
                     [&](const index::Form &F) { return F.Name == Name; });
}

bool hasEdge(const index::FormIndex &I, const std::string &From,
             const std::string &To, index::EdgeKind Kind) {
  const index::Form &A = formNamed(I, From), &B = formNamed(I, To);
  return std::any_of(I.Edges.begin(), I.Edges.end(), [&](const index::Edge &E) {
    return E.From == A.Id && E.To == B.Id && E.Kind == Kind;
  });
}

std::vector<std::string> names(const index::RebuildSet &R) {
  std::vector<std::string> Out;
  for (const index::RebuildEntry &E : R.Functions)
    Out.push_back(E.Name);
  std::sort(Out.begin(), Out.end());
  return Out;
}

} // namespace hotc::test

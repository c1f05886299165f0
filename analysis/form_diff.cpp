#include "analysis/form_diff.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>

namespace hotc::index {
namespace {

// Whether two analyses of one form differ in anything a rebuild depends on;
// lines do not count.
bool sameContent(const Form &A, const Form &B) {
  return A.Kind == B.Kind && A.Hash == B.Hash &&
         A.SignatureHash == B.SignatureHash &&
         A.DefaultArgsHash == B.DefaultArgsHash && A.Layout == B.Layout &&
         A.Instances == B.Instances;
}

// What each form uses ("call:USR"), sorted. A form whose tokens are the
// same can still compile to other code: a call that now resolves to a new
// overload, or to a callee whose identity changed with its signature.
llvm::StringMap<std::vector<std::string>> usesByForm(const FormIndex &I) {
  llvm::StringMap<std::vector<std::string>> Out;
  for (const Edge &E : I.Edges)
    Out[E.From].push_back(std::string(edgeKindName(E.Kind)) + ":" + E.To);
  for (auto &Entry : Out)
    std::sort(Entry.getValue().begin(), Entry.getValue().end());
  return Out;
}

} // namespace

const char *changeKindName(ChangeKind K) {
  switch (K) {
  case ChangeKind::Added: return "added";
  case ChangeKind::Removed: return "removed";
  case ChangeKind::Edited: return "edited";
  }
  return "?";
}

bool FormChange::signatureChanged() const {
  return Kind == ChangeKind::Edited && Before.Kind == FormKind::Function &&
         Before.SignatureHash != After.SignatureHash;
}

bool FormChange::defaultArgumentsChanged() const {
  return Kind == ChangeKind::Edited && Before.Kind == FormKind::Function &&
         Before.DefaultArgsHash != After.DefaultArgsHash;
}

bool FormChange::usesChanged() const {
  return Kind == ChangeKind::Edited && sameContent(Before, After);
}

bool FormChange::layoutChanged() const {
  if (Kind != ChangeKind::Edited)
    return false;
  if (Before.Layout && After.Layout && *Before.Layout != *After.Layout)
    return true;
  // Instantiations the unit used before and still uses.
  for (const auto &[Type, Old] : Before.Instances) {
    auto It = After.Instances.find(Type);
    if (It != After.Instances.end() && It->second != Old)
      return true;
  }
  return false;
}

std::vector<FormChange> diffForms(const FormIndex &Old, const FormIndex &New) {
  llvm::StringMap<const Form *> Before;
  for (const Form &F : Old.Forms)
    Before[F.Id] = &F;
  llvm::StringMap<std::vector<std::string>> UsedBefore = usesByForm(Old),
                                            UsedAfter = usesByForm(New);
  std::vector<FormChange> Out;
  llvm::StringSet<> Present;
  for (const Form &F : New.Forms) {
    Present.insert(F.Id);
    auto It = Before.find(F.Id);
    if (It == Before.end())
      Out.push_back({ChangeKind::Added, Form{}, F});
    else if (!sameContent(*It->second, F) ||
             UsedBefore.lookup(F.Id) != UsedAfter.lookup(F.Id))
      Out.push_back({ChangeKind::Edited, *It->second, F});
  }
  for (const Form &F : Old.Forms)
    if (!Present.contains(F.Id))
      Out.push_back({ChangeKind::Removed, F, Form{}});
  return Out;
}

void mergeChanges(std::vector<FormChange> &Into, std::vector<FormChange> Changes) {
  llvm::StringSet<> Known;
  for (const FormChange &C : Into)
    Known.insert(C.current().Id);
  for (FormChange &C : Changes)
    if (Known.insert(C.current().Id).second)
      Into.push_back(std::move(C));
}

} // namespace hotc::index

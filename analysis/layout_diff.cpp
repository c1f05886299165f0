#include "analysis/layout_diff.h"

#include <algorithm>

namespace hotc::index {
namespace {

// "name:type@offset" -> name
std::string nameOf(const std::string &Entry) {
  return Entry.substr(0, Entry.find(':'));
}

std::string offsetOf(const std::string &Entry) {
  size_t At = Entry.rfind('@');
  return At == std::string::npos ? "" : Entry.substr(At + 1);
}

const std::string *findNamed(const std::vector<std::string> &L,
                             const std::string &Name) {
  for (const std::string &E : L)
    if (nameOf(E) == Name)
      return &E;
  return nullptr;
}

void append(std::string &Out, const std::string &Part) {
  if (!Out.empty())
    Out += "; ";
  Out += Part;
}

void describeFields(const RecordLayout &Old, const RecordLayout &New,
                    std::string &Out) {
  for (const std::string &F : New.Fields) {
    const std::string *Before = findNamed(Old.Fields, nameOf(F));
    if (!Before)
      append(Out, "field " + nameOf(F) + " added at bit offset " + offsetOf(F));
    else if (*Before != F)
      append(Out, "field " + nameOf(F) + " changed (" + Before->substr(Before->find(':') + 1) +
                      " -> " + F.substr(F.find(':') + 1) + ")");
  }
  for (const std::string &F : Old.Fields)
    if (!findNamed(New.Fields, nameOf(F)))
      append(Out, "field " + nameOf(F) + " removed");
}

} // namespace

std::string describeLayoutChange(const RecordLayout &Old,
                                 const RecordLayout &New) {
  std::string Out;
  if (Old.Size != New.Size)
    append(Out, "size " + std::to_string(Old.Size) + " -> " +
                    std::to_string(New.Size) + " bytes");
  if (Old.Align != New.Align)
    append(Out, "alignment " + std::to_string(Old.Align) + " -> " +
                    std::to_string(New.Align));
  describeFields(Old, New, Out);
  if (Old.Bases != New.Bases)
    append(Out, "base classes changed");
  if (Old.Virtuals != New.Virtuals)
    append(Out, "vtable changed (" + std::to_string(Old.Virtuals.size()) +
                    " -> " + std::to_string(New.Virtuals.size()) +
                    " virtual functions)");
  return Out;
}

std::string describeLayoutChange(const Form &Old, const Form &New) {
  if (Old.Layout && New.Layout)
    return describeLayoutChange(*Old.Layout, *New.Layout);
  std::string Out;
  for (const auto &[Type, Layout] : Old.Instances) {
    auto It = New.Instances.find(Type);
    if (It != New.Instances.end() && It->second != Layout)
      append(Out, Type + ": " + describeLayoutChange(Layout, It->second));
  }
  return Out;
}

} // namespace hotc::index

#include "analysis/form.h"

#include <cstring>

namespace hotc::index {

namespace {
const char *const kFormKinds[] = {"function", "variable", "record", "enum",
                                  "typedef",  "macro",    "lambda"};
const char *const kEdgeKinds[] = {"call",          "reference", "type",
                                  "instantiation", "macro",     "override"};
} // namespace

const char *formKindName(FormKind K) { return kFormKinds[static_cast<int>(K)]; }
const char *edgeKindName(EdgeKind K) { return kEdgeKinds[static_cast<int>(K)]; }

std::optional<FormKind> parseFormKind(const std::string &S) {
  for (int I = 0; I < 7; ++I)
    if (S == kFormKinds[I])
      return static_cast<FormKind>(I);
  return std::nullopt;
}

std::optional<EdgeKind> parseEdgeKind(const std::string &S) {
  for (int I = 0; I < 6; ++I)
    if (S == kEdgeKinds[I])
      return static_cast<EdgeKind>(I);
  return std::nullopt;
}

bool propagatesToUsers(const Form &F) {
  switch (F.Kind) {
  case FormKind::Record:
  case FormKind::Enum:
  case FormKind::Typedef:
  case FormKind::Macro:
    return true;
  case FormKind::Function:
  case FormKind::Variable:
    return F.Inline || F.Constexpr || F.Template;
  case FormKind::Lambda:
    return false; // its code belongs to the enclosing form
  }
  return false;
}

std::string formQualifier(const Form &F) {
  if (F.Template)
    return "template ";
  if (F.Constexpr)
    return "constexpr ";
  if (F.Inline)
    return "inline ";
  switch (F.Kind) {
  case FormKind::Macro: return "macro ";
  case FormKind::Record: return "type ";
  case FormKind::Enum: return "enum ";
  case FormKind::Typedef: return "alias ";
  default: return "";
  }
}

} // namespace hotc::index

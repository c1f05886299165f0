#include "symbol_names.h"

#include "llvm/Demangle/Demangle.h"

namespace hotc::index {
namespace {

const std::string kAnonymous = "(anonymous namespace)";

void replaceAll(std::string &S, const std::string &From, const std::string &To) {
  for (size_t At = 0; (At = S.find(From, At)) != std::string::npos; At += To.size())
    S.replace(At, From.size(), To);
}

// Up to the first parameter list outside template arguments: the enclosing
// function of a local lambda or static is the form.
std::string qualifiedName(const std::string &Demangled) {
  std::string Name;
  int Depth = 0;
  for (char C : Demangled) {
    if (C == '(' && Depth == 0)
      break;
    Depth += C == '<' ? 1 : C == '>' ? -1 : 0;
    if (Depth == 0 && C != '>')
      Name += C;
  }
  // Function template instances carry their return type first.
  if (size_t Space = Name.rfind(' '); Space != std::string::npos)
    Name = Name.substr(Space + 1);
  return Name;
}

} // namespace

std::optional<std::string> formNameOfSymbol(llvm::StringRef Mangled) {
  if (Mangled.starts_with("_GLOBAL__") || Mangled.starts_with("__cxx_"))
    return std::nullopt;
  std::string D = llvm::demangle(Mangled);
  // Its parentheses and space would end the name early.
  replaceAll(D, kAnonymous, "\x01");
  std::string Name = qualifiedName(D);
  if (Name.rfind("std::", 0) == 0 || Name.rfind("__gnu_cxx::", 0) == 0)
    return std::nullopt;
  replaceAll(Name, "\x01", kAnonymous);
  return Name + "()";
}

std::string specialMemberClass(const std::string &Name) {
  size_t Sep = Name.rfind("::");
  if (Sep == std::string::npos)
    return "";
  std::string Class = Name.substr(0, Sep), Member = Name.substr(Sep + 2);
  size_t Colon = Class.rfind(':');
  std::string Short = Colon == std::string::npos ? Class : Class.substr(Colon + 1);
  bool Special = Member == Short + "()" || Member == "~" + Short + "()" ||
                 Member == "operator=()";
  return Special ? Class : "";
}

} // namespace hotc::index

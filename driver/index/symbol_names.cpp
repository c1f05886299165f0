#include "symbol_names.h"

#include "llvm/Demangle/Demangle.h"

#include <cctype>

namespace hotc::index {
namespace {

const std::string kAnonymous = "(anonymous namespace)";

void replaceAll(std::string &S, const std::string &From, const std::string &To) {
  for (size_t At = 0; (At = S.find(From, At)) != std::string::npos; At += To.size())
    S.replace(At, From.size(), To);
}

bool isIdentifierChar(char C) { return isalnum(static_cast<unsigned char>(C)) || C == '_'; }

// Whether Name ends with the keyword `operator` (not `my_operator`).
bool endsWithOperator(const std::string &Name) {
  llvm::StringRef N(Name);
  return N.ends_with("operator") &&
         (N.size() == 8 || !isIdentifierChar(N[N.size() - 9]));
}

// The spelling of an operator's name after the keyword, starting at D[I]:
// "<<", "()", "->", " int", " new". Returns the index after it.
size_t operatorSpelling(const std::string &D, size_t I, std::string &Into) {
  if (D.compare(I, 2, "()") == 0)
    return Into += "()", I + 2;
  // Symbols, or a type for a conversion (" int", " std::vector<int>").
  for (; I < D.size() && D[I] != '('; ++I)
    Into += D[I];
  return I;
}

// Up to the first parameter list outside template arguments: the enclosing
// function of a local lambda or static is the form.
std::string qualifiedName(const std::string &Demangled) {
  std::string Name;
  int Depth = 0;
  for (size_t I = 0; I < Demangled.size(); ++I) {
    char C = Demangled[I];
    if (Depth == 0 && endsWithOperator(Name)) {
      I = operatorSpelling(Demangled, I, Name) - 1;
      continue;
    }
    if (C == '(' && Depth == 0)
      break;
    Depth += C == '<' ? 1 : C == '>' ? -1 : 0;
    if (Depth == 0 && C != '>')
      Name += C;
  }
  // A lambda or unnamed type at namespace scope: its variable is the form.
  for (const char *Unnamed : {"::'lambda", "::'unnamed"})
    if (size_t At = Name.find(Unnamed); At != std::string::npos)
      Name.resize(At);
  // Function template instances carry their return type first (an
  // operator's own spaces, as in "operator int", are part of its name).
  size_t Op = Name.find("operator");
  size_t Space = Name.rfind(' ', Op == std::string::npos ? std::string::npos : Op);
  if (Space != std::string::npos)
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

#include "analysis/symbol_names.h"

#include "llvm/Demangle/Demangle.h"

#include <cstdlib>

namespace hotc::index {
namespace {

const std::string kAnonymous = "(anonymous namespace)";

void replaceAll(std::string &S, const std::string &From, const std::string &To) {
  for (size_t At = 0; (At = S.find(From, At)) != std::string::npos; At += To.size())
    S.replace(At, From.size(), To);
}

// A part of the demangled name the partial demangler hands out, or "".
template <typename Getter> std::string part(Getter Get) {
  size_t N = 0;
  char *Text = Get(nullptr, &N);
  std::string Out = Text ? Text : "";
  free(Text);
  return Out;
}

// The context without template arguments ("ns::Box<int>" -> "ns::Box"),
// cut at the first parameter list: "apply(int)::$_0" is local to apply().
// Local says whether it was cut.
std::string formContext(const std::string &Context, bool &Local) {
  std::string Out;
  int Depth = 0;
  Local = false;
  for (char C : Context) {
    if (C == '(' && Depth == 0) {
      Local = true;
      break;
    }
    Depth += C == '<' ? 1 : C == '>' ? -1 : 0;
    if (Depth == 0 && C != '>')
      Out += C;
  }
  return Out;
}

} // namespace

std::optional<std::string> formNameOfSymbol(llvm::StringRef Mangled) {
  if (Mangled.starts_with("_GLOBAL__") || Mangled.starts_with("__cxx_"))
    return std::nullopt;
  // The demangler keeps pointers into the text: it must outlive D.
  std::string Text = Mangled.str();
  llvm::ItaniumPartialDemangler D;
  if (D.partialDemangle(Text.c_str()))
    // A C function (main) is its own name; a C++ name LLVM cannot demangle
    // cannot be told.
    return Mangled.starts_with("_Z") ? std::nullopt
                                     : std::optional<std::string>(Text + "()");
  std::string Context = part([&](char *B, size_t *N) {
    return D.getFunctionDeclContextName(B, N);
  });
  std::string Base = part([&](char *B, size_t *N) {
    return D.getFunctionBaseName(B, N);
  });
  // Its parentheses would read as a parameter list.
  replaceAll(Context, kAnonymous, "\x01");
  bool Local = false;
  std::string Name = formContext(Context, Local);
  if (!Local)
    Name += (Name.empty() ? "" : "::") + Base;
  // A lambda in a variable's initialiser at namespace scope: the variable.
  for (const char *Unnamed : {"::'lambda", "::'unnamed"})
    if (size_t At = Name.find(Unnamed); At != std::string::npos)
      Name.resize(At);
  replaceAll(Name, "operator\"\" ", "operator\"\"");
  replaceAll(Name, "\x01", kAnonymous);
  if (Name.empty() || Name[0] == '$' || Name.find("::$") != std::string::npos ||
      Name.rfind("std::", 0) == 0 || Name.rfind("__gnu_cxx::", 0) == 0)
    return std::nullopt; // a closure without a name, or the library's
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

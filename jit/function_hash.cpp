#include "jit/function_hash.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instruction.h"
#include "llvm/IR/ModuleSlotTracker.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <xxhash.h>

using namespace llvm;

namespace hotc::jit {
namespace {

uint64_t xxh3(StringRef S) { return XXH3_64bits(S.data(), S.size()); }

bool isIdentChar(char C) {
  return isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '.' ||
         C == '$' || C == '-';
}

// Clang names lambdas of a unit in order ($_0, $_1...): one added above
// renames the rest. A lambda's own code is hashed under its own name; its
// users only need to know they call "a lambda".
std::string withoutLambdaOrdinals(StringRef Name) {
  std::string Out;
  for (size_t I = 0; I < Name.size(); ++I) {
    Out += Name[I];
    if (Name[I] == '$' && I + 1 < Name.size() && Name[I + 1] == '_') {
      Out += '_';
      for (I += 2; I < Name.size() && isdigit(Name[I]); ++I) {
      }
      --I;
    }
  }
  return Out;
}

// Rewrites one printed IR line into its canonical form.
void canonicaliseLine(StringRef Line, const StringMap<std::string> &Constants,
                      std::string &Out) {
  for (size_t I = 0; I < Line.size();) {
    char C = Line[I];
    bool NextIsDigit = I + 1 < Line.size() && isdigit(Line[I + 1]);
    if (C == '#' && NextIsDigit) { // attribute group reference: numbering
      I += 1;
      while (I < Line.size() && isdigit(Line[I]))
        ++I;
      continue;
    }
    if (C == '!' && NextIsDigit) { // metadata node reference: numbering
      Out += '!';
      I += 1;
      while (I < Line.size() && isdigit(Line[I]))
        ++I;
      continue;
    }
    if (C == '@') {
      size_t Start = ++I;
      if (I < Line.size() && Line[I] == '"') {
        size_t End = Line.find('"', I + 1);
        I = End == StringRef::npos ? Line.size() : End + 1;
      } else {
        while (I < Line.size() && isIdentChar(Line[I]))
          ++I;
      }
      StringRef Name = Line.slice(Start, I);
      if (Name.starts_with("\"") && Name.ends_with("\""))
        Name = Name.drop_front().drop_back();
      auto It = Constants.find(Name);
      Out += '@';
      Out += It == Constants.end() ? withoutLambdaOrdinals(Name) : It->second;
      continue;
    }
    Out += C;
    ++I;
  }
  Out += '\n';
}

} // namespace

namespace {

void referencedConstants(const Constant *C, std::vector<const GlobalVariable *> &Out) {
  if (auto *G = dyn_cast<GlobalVariable>(C)) {
    if (G->isConstant() && G->hasLocalLinkage() && G->hasInitializer())
      Out.push_back(G);
    return;
  }
  for (const Use &U : C->operands())
    if (auto *Op = dyn_cast<Constant>(U.get()))
      referencedConstants(Op, Out);
}

// The content name of a local constant: its initialiser's text, with the
// local constants it points to (lua's `opts`: an array of string literals)
// named by their own content, so that literals renumbered by an edit
// elsewhere (.str.29 -> .str.31) do not change it.
const std::string &contentName(const GlobalVariable &G, StringMap<std::string> &Out,
                               StringSet<> &Busy) {
  auto Done = Out.find(G.getName());
  if (Done != Out.end())
    return Done->second;
  std::string Text;
  raw_string_ostream OS(Text);
  G.getInitializer()->print(OS);
  OS.flush();
  std::vector<const GlobalVariable *> Refs;
  if (Busy.insert(G.getName()).second) {
    referencedConstants(G.getInitializer(), Refs);
    for (const GlobalVariable *R : Refs) {
      if (R == &G || Busy.contains(R->getName()))
        continue; // a cycle keeps the name
      std::string From = "@" + R->getName().str();
      std::string To = contentName(*R, Out, Busy);
      for (size_t At = Text.find(From); At != std::string::npos;
           At = Text.find(From, At + To.size())) {
        size_t End = At + From.size();
        if (End < Text.size() && (isalnum(Text[End]) || Text[End] == '.' ||
                                  Text[End] == '_' || Text[End] == '$')) {
          At = End - To.size(); // a longer name sharing this prefix
          continue;
        }
        Text.replace(At, From.size(), To);
      }
    }
    Busy.erase(G.getName());
  }
  return Out[G.getName()] = formatv("c.{0:x}", xxh3(Text)).str();
}

} // namespace

StringMap<std::string> constantNamesByContent(const Module &M) {
  StringMap<std::string> Out;
  StringSet<> Busy;
  for (const GlobalVariable &G : M.globals())
    if (G.isConstant() && G.hasLocalLinkage() && G.hasInitializer())
      contentName(G, Out, Busy);
  return Out;
}

std::string canonicalFunctionText(const Function &F,
                                  const StringMap<std::string> &Constants,
                                  ModuleSlotTracker &Slots) {
  std::string Printed;
  raw_string_ostream OS(Printed);
  // One slot tracker for the whole module: a fresh one per function would
  // walk the module's metadata again each time.
  static_cast<const Value &>(F).print(OS, Slots);
  std::string Out;
  Out.reserve(Printed.size());
  StringRef Rest = OS.str();
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    Rest = Tail;
    // Debug intrinsics and records say where things are, not what they do.
    if (Line.contains("@llvm.dbg.") || Line.ltrim().starts_with("#dbg_"))
      continue;
    canonicaliseLine(Line, Constants, Out);
  }
  Out += F.getAttributes().getFnAttrs().getAsString();
  return Out;
}

uint64_t initialiserHash(const Module &M, StringRef Name) {
  const GlobalVariable *G = M.getNamedGlobal(Name);
  if (!G || !G->hasInitializer())
    return 0;
  StringMap<std::string> Constants = constantNamesByContent(M);
  ModuleSlotTracker Slots(&M);
  std::string Text;
  raw_string_ostream OS(Text);
  G->getInitializer()->print(OS);
  for (const Function &F : M)
    if (F.getName().starts_with("__cxx_global_var_init") &&
        llvm::any_of(G->users(), [&](const User *U) {
          auto *I = dyn_cast<Instruction>(U);
          return I && I->getFunction() == &F;
        }))
      OS << canonicalFunctionText(F, Constants, Slots);
  return xxh3(OS.str());
}

FunctionHashes canonicalFunctionHashes(const Module &M) {
  StringMap<std::string> Constants = constantNamesByContent(M);
  ModuleSlotTracker Slots(&M);
  FunctionHashes Out;
  for (const Function &F : M)
    if (!F.isDeclaration())
      Out[F.getName()] = xxh3(canonicalFunctionText(F, Constants, Slots));
  return Out;
}

} // namespace hotc::jit

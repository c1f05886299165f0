#include "frontend/compiler_options.h"

#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::frontend {
namespace {

using VF = ValueForm;
using R = OptionRole;

// Longer spellings first where one is a prefix of another (-MMD before -M),
// since Either and Joined options match by prefix.
const CompilerOption Options[] = {
    // What the compile writes.
    {"-c", VF::None, R::Compile},
    {"-E", VF::None, R::NoObject},
    {"-S", VF::None, R::NoObject},
    {"-fsyntax-only", VF::None, R::NoObject},
    {"-MMD", VF::None, R::WritesDeps},
    {"-MD", VF::None, R::WritesDeps},
    {"-MM", VF::None, R::NoObject},
    {"-MP", VF::None, R::DepsControl},
    {"-MF", VF::Either, R::Depfile},
    {"-MT", VF::Either, R::DepsControl},
    {"-MQ", VF::Either, R::DepsControl},
    {"-MJ", VF::Either, R::BuildOnly},
    {"-M", VF::None, R::NoObject},
    {"-o", VF::Either, R::Output},
    {"-Wp,-MMD,", VF::Joined, R::Depfile}, // the Linux kernel's spelling
    {"-Wp,-MD,", VF::Joined, R::Depfile},
    // The build's business, not a patch's.
    {"-Werror", VF::None, R::BuildOnly, /*Prefix=*/true},
    {"-save-temps", VF::None, R::BuildOnly, true},
    {"-fdiagnostics-color", VF::None, R::BuildOnly, true},
    {"-ftime-report", VF::None, R::BuildOnly, true},
    {"-aux-info", VF::Separate, R::BuildOnly},
    {"-dumpbase", VF::Separate, R::BuildOnly},
    {"-dumpdir", VF::Separate, R::BuildOnly},
    // GCC's own, or code-generation choices of the build that Clang does
    // not take (hotc places its own entry padding).
    {"-fno-plt", VF::None, R::GccOnly},
    {"-flive-patching", VF::None, R::GccOnly, true},
    {"-fpatchable-function-entry", VF::None, R::GccOnly, true},
    {"-fno-semantic-interposition", VF::None, R::GccOnly},
    {"-fstack-clash-protection", VF::None, R::GccOnly},
    {"-fipa-", VF::None, R::GccOnly, true},
    {"-fno-ipa-", VF::None, R::GccOnly, true},
    // Ordinary options with a value, so that the value is not taken for
    // an input file.
    {"-x", VF::Either, R::Ordinary},
    {"-include", VF::Separate, R::Ordinary},
    {"-imacros", VF::Separate, R::Ordinary},
    {"-isystem", VF::Either, R::Ordinary},
    {"-iquote", VF::Either, R::Ordinary},
    {"-idirafter", VF::Either, R::Ordinary},
    {"-isysroot", VF::Either, R::Ordinary},
    {"--sysroot", VF::Separate, R::Ordinary},
    {"-iprefix", VF::Separate, R::Ordinary},
    {"-iwithprefixbefore", VF::Separate, R::Ordinary},
    {"-iwithprefix", VF::Separate, R::Ordinary},
    {"-imultilib", VF::Separate, R::Ordinary},
    {"-include-pch", VF::Separate, R::Ordinary},
    {"-Xclang", VF::Separate, R::Ordinary},
    {"-Xlinker", VF::Separate, R::Ordinary},
    {"-Xassembler", VF::Separate, R::Ordinary},
    {"-Xpreprocessor", VF::Separate, R::Ordinary},
    {"-mllvm", VF::Separate, R::Ordinary},
    {"-D", VF::Either, R::Ordinary},
    {"-U", VF::Either, R::Ordinary},
    {"-I", VF::Either, R::Ordinary},
    {"-L", VF::Either, R::Ordinary},
    {"-l", VF::Either, R::Ordinary},
    {"-F", VF::Either, R::Ordinary},
    {"-target", VF::Separate, R::Ordinary},
    {"-arch", VF::Separate, R::Ordinary},
    {"-T", VF::Either, R::Ordinary},
    {"-u", VF::Either, R::Ordinary},
    {"-z", VF::Either, R::Ordinary},
    {"--param", VF::Separate, R::Ordinary},
    {"-e", VF::Either, R::Ordinary},
};

} // namespace

MatchedOption matchOption(StringRef Arg) {
  for (const CompilerOption &O : Options) {
    if (Arg == O.Spelling)
      return {&O, O.Value == VF::Separate || O.Value == VF::Either, ""};
    if (!Arg.starts_with(O.Spelling))
      continue;
    if (O.Prefix)
      return {&O, false, ""};
    // The joined spelling (-ofoo.o, -MFfoo.d, -Idir); -objc... is no -o.
    if ((O.Value == VF::Either || O.Value == VF::Joined) &&
        !(O.Spelling == "-o" && Arg.starts_with("-obj")))
      return {&O, false, Arg.drop_front(O.Spelling.size())};
  }
  return {};
}

bool droppedFromPatchCompiles(OptionRole Role) {
  switch (Role) {
  case R::Ordinary:
  case R::Compile: // the in-process compile needs its one compiler job
    return false;
  case R::NoObject: // a patch compile must produce code
  case R::Output:
  case R::Depfile:
  case R::WritesDeps:
  case R::DepsControl:
  case R::BuildOnly:
  case R::GccOnly:
    return true;
  }
  return false;
}

bool droppedFromBuildCompilerPatches(OptionRole Role) {
  return Role != R::GccOnly && Role != R::Ordinary;
}

bool isSourceFile(StringRef Path) {
  StringRef Ext = sys::path::extension(Path);
  for (StringRef S : {".c", ".cc", ".cp", ".cpp", ".cxx", ".c++", ".C", ".CPP",
                      ".i", ".ii", ".m", ".mm", ".s", ".S", ".sx"})
    if (Ext == S)
      return true;
  return false;
}

bool isCxxSource(StringRef Path) {
  StringRef Ext = sys::path::extension(Path);
  for (StringRef S : {".cc", ".cp", ".cpp", ".cxx", ".c++", ".C", ".CPP", ".ii",
                      ".mm"})
    if (Ext == S)
      return true;
  return false;
}

} // namespace hotc::frontend

// Moving live globals to storage of a new layout: the migration hook of
// hotreload.h (HOTRELOAD_MIGRATE).
//
// An edit that changes the layout of a record the process has objects of
// is refused (jit/layout_check.h): code compiled against the new layout
// would misread them. When the app defines
//   void hotreload_migrate_<Type>(const void *old, void *new)
// (in the edit, or already in the process), the objects hotc can find are
// moved instead: each global of exactly that type that a unit of the patch
// defines gets new storage in the patch, the hook fills it from the old one
// before any entry is re-pointed, every function of the patch that refers
// to the global is relinked to the new storage, and later patches bind to
// it. The old storage is left as it was and never read by new code.
//
// What hotc cannot find stays the app's promise, said in the hook's
// documentation: objects of the type on the heap or the stack, pointers to
// the global kept in other data, code of units the save does not recompile.
// What it can find and cannot move is refused: a global holding the type in
// an array or another struct, a global defined in a unit outside the patch,
// a unit whose patch the build's own compiler compiles.
#pragma once

#include "jit/layout_check.h"
#include "jit/patch_module.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::jit {

struct GlobalMove {
  std::string Name;        // the global's symbol
  bool Local = false;      // internal linkage: scoped to its unit
  std::string Type;        // "struct particle"
  std::string Record;      // as DWARF names it: "particle", "game::Particle"
  std::string Before, After; // its layouts, as LayoutChange words them
  std::string Hook;        // "hotreload_migrate_particle"
  std::string Versioned;   // the new storage's symbol in the patch
  uint64_t OldAddress = 0; // the storage the process ran with
  uint64_t NewAddress = 0; // once linked
};

// The hook's name for a record's layout key: "struct.particle" ->
// "hotreload_migrate_particle", "class.ns::Box" ->
// "hotreload_migrate_ns_Box"; empty for a type no C identifier can spell
// (a template instance, an anonymous record) or a virtual table.
std::string migrationHookName(llvm::StringRef IRType);

// One unit of a patch, as the move plan reads it.
struct UnitLayouts {
  std::string File;
  const llvm::Module *M = nullptr;
  const LiveView *View = nullptr;
  std::vector<LayoutChange::Changed> Changes;
  bool ByBuildCompiler = false; // the build's own compiler compiles its patch
};

struct MovePlan {
  std::vector<std::vector<GlobalMove>> ByUnit; // parallel to the units
  std::vector<std::string> Warnings;
};

// Every layout change of the patch either moves its globals or refuses the
// patch (a LayoutChange, or why the globals cannot move). Generation: the
// patch's version, for the new storage's names.
llvm::Expected<MovePlan> planGlobalMoves(llvm::ArrayRef<UnitLayouts> Units,
                                         unsigned Generation);

// The file defining Record ("game::Particle") by M's debug info, absolute;
// empty when M does not describe it.
std::string recordFileOf(const llvm::Module &M, llvm::StringRef Record);

// Whether the plan moves a global other units can name (not a static).
bool movesExternals(const MovePlan &Plan);

// The symbols a unit's code must reach in their new storage: the moved
// external globals of the whole patch and the unit's own moved locals.
llvm::StringSet<> movedNamesFor(const MovePlan &Plan, size_t Unit);

// Functions of M the process runs that reach a moved global, directly or
// through functions of M: their code may not change at all (`return &g;`),
// yet they must be relinked. Added to Users.
void addUsersOfMoved(const llvm::Module &M, const llvm::StringSet<> &Moved,
                     const LiveView &View, llvm::StringSet<> &Users);

// The net under the plan, once the unit's names are the binary's (after
// bindState): a global of M bound to the process that holds one of
// MovedTypes and is not moved would be read at the new layout. Refused.
llvm::Error checkNothingStaleHolds(const llvm::Module &M,
                                   llvm::ArrayRef<std::string> MovedTypes,
                                   const llvm::StringSet<> &Moved,
                                   const LiveView &View, llvm::StringRef Unit);

} // namespace hotc::jit

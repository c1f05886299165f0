// From a symbol of the compiled code back to the form that wrote it: the
// IR check of the rebuild set compares functions whose code changed (by
// mangled name) with the functions the set lists (by readable name).
#pragma once

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace hotc::index {

// The readable name hotc gives the form that defines the function Mangled
// ("ns::Box::get()" for "ns::Box<int>::get() const", "apply()" for a lambda
// or a static local inside apply), or nothing for code that is not the
// project's: the standard library and Clang's global-initialiser plumbing.
// Overloads share a name, as they do in the rebuild set; operators are
// named as declared ("Vec::operator<()", "Foo::operator int()"); a lambda
// at namespace scope is named after its variable ("l()").
std::optional<std::string> formNameOfSymbol(llvm::StringRef Mangled);

// The class whose implicit special member ("T::T()", "T::~T()",
// "T::operator=()") Name may be, or "". Such members have no form: they
// change with their class.
std::string specialMemberClass(const std::string &Name);

} // namespace hotc::index

// A source form: one top-level piece of a program (a function definition, a
// type, a variable, a typedef, a template, a macro, a lambda) with a stable
// identity and a hash of its tokens. Forms are what hotc compares between
// two saves to say what changed, and the nodes of the static graph.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hotc::index {

enum class FormKind { Function, Variable, Record, Enum, Typedef, Macro, Lambda };

// How a form uses another; the edges of the static graph.
enum class EdgeKind { Call, Reference, TypeUse, Instantiation, Macro, Override };

const char *formKindName(FormKind K);
const char *edgeKindName(EdgeKind K);
std::optional<FormKind> parseFormKind(const std::string &S);
std::optional<EdgeKind> parseEdgeKind(const std::string &S);

// What code using a record depends on: its size and the place of every
// field, base and virtual function. Any difference means old objects and new
// code disagree.
struct RecordLayout {
  uint64_t Size = 0;  // bytes
  uint64_t Align = 0; // bytes
  std::vector<std::string> Fields;  // "name:type@bitoffset", in order
  std::vector<std::string> Bases;   // "type@byteoffset" (virtual: "virtual type@...")
  std::vector<std::string> Virtuals; // own virtual functions, declaration order
  bool operator==(const RecordLayout &) const = default;
};

struct Form {
  std::string Id;   // Clang USR; macros "macro:NAME@FILE"; lambdas "OWNER$lambda#N"
  FormKind Kind = FormKind::Function;
  std::string Name; // readable: qualified name, "f()" for functions
  std::string File; // real path of the file it is written in
  unsigned BeginLine = 0;
  unsigned EndLine = 0;
  // Byte offsets in File of the first character of the form's first and
  // last tokens, and for a function with a body, of its braces (`{`, `}`).
  // They let a save be mapped to the forms it touched without a parse.
  unsigned BeginOffset = 0, EndOffset = 0;
  unsigned BodyBegin = 0, BodyEnd = 0; // both 0: no body
  uint64_t Hash = 0; // XXH3 of its token spellings
  // Functions only: the type and name (not the body), and the tokens of the
  // default arguments, so a save can tell a signature change from a body edit.
  uint64_t SignatureHash = 0;
  uint64_t DefaultArgsHash = 0;
  bool Inline = false;    // code is copied into its users (inline functions)
  bool Constexpr = false; // value or code folded into users
  bool Template = false;  // a template, or a member of one
  std::optional<RecordLayout> Layout; // complete non-template records
  // Class templates: the layout of each instantiation the unit uses, by
  // type ("Box<int>"), so a template's field edit is a layout change too.
  std::map<std::string, RecordLayout> Instances;
  bool operator==(const Form &) const = default;
};

// A use of To by the form From.
struct Edge {
  std::string From;
  std::string To;
  EdgeKind Kind = EdgeKind::Reference;
  bool operator==(const Edge &) const = default;
};

// Whether an edit of F reaches the code of the functions that use it (so
// they must be recompiled), rather than only F's own code.
bool propagatesToUsers(const Form &F);

// "inline ", "template ", "macro "...: how F is named in a reason.
std::string formQualifier(const Form &F);

} // namespace hotc::index

#include "analysis/graph_store.h"

#include "analysis/token_hash.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace hotc::index {
namespace {

// Hashes are hex strings: JSON numbers are not exact past 2^53.
json::Value hex(uint64_t V) { return utohexstr(V); }

uint64_t unhex(const json::Object &O, StringRef Key) {
  uint64_t V = 0;
  if (auto S = O.getString(Key))
    S->getAsInteger(16, V);
  return V;
}

// Version 2 added byte offsets of forms and the hash of each input; an
// analysis stored by an older hotc is analysed again rather than misread.
constexpr int kIndexVersion = 2;

void offsetPair(const json::Object &O, StringRef Key, unsigned &A, unsigned &B) {
  if (const json::Array *P = O.getArray(Key); P && P->size() == 2) {
    A = (*P)[0].getAsUINT64().value_or(0);
    B = (*P)[1].getAsUINT64().value_or(0);
  }
}

json::Array strings(const std::vector<std::string> &L) {
  return json::Array(L);
}

std::vector<std::string> strings(const json::Object &O, StringRef Key) {
  std::vector<std::string> Out;
  if (const json::Array *A = O.getArray(Key))
    for (const json::Value &V : *A)
      if (auto S = V.getAsString())
        Out.push_back(S->str());
  return Out;
}

json::Value layoutJson(const RecordLayout &L) {
  return json::Object{{"size", static_cast<int64_t>(L.Size)},
                      {"align", static_cast<int64_t>(L.Align)},
                      {"fields", strings(L.Fields)},
                      {"bases", strings(L.Bases)},
                      {"virtuals", strings(L.Virtuals)}};
}

RecordLayout layoutFrom(const json::Object &L) {
  return {static_cast<uint64_t>(L.getInteger("size").value_or(0)),
          static_cast<uint64_t>(L.getInteger("align").value_or(0)),
          strings(L, "fields"), strings(L, "bases"), strings(L, "virtuals")};
}

json::Value formJson(const Form &F) {
  json::Object O{{"id", F.Id},         {"kind", formKindName(F.Kind)},
                 {"name", F.Name},     {"file", F.File},
                 {"begin", F.BeginLine}, {"end", F.EndLine},
                 {"hash", hex(F.Hash)},
                 {"at", json::Array{F.BeginOffset, F.EndOffset}}};
  if (F.BodyBegin || F.BodyEnd)
    O["body"] = json::Array{F.BodyBegin, F.BodyEnd};
  if (F.SignatureHash)
    O["sig"] = hex(F.SignatureHash);
  if (F.DefaultArgsHash)
    O["defaults"] = hex(F.DefaultArgsHash);
  if (F.Inline) O["inline"] = true;
  if (F.Constexpr) O["constexpr"] = true;
  if (F.Template) O["template"] = true;
  if (F.Layout)
    O["layout"] = layoutJson(*F.Layout);
  if (!F.Instances.empty()) {
    json::Object Instances;
    for (const auto &[Type, L] : F.Instances)
      Instances[Type] = layoutJson(L);
    O["instances"] = std::move(Instances);
  }
  return O;
}

Expected<Form> formFrom(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  auto Kind = O ? parseFormKind(O->getString("kind").value_or("").str())
                : std::nullopt;
  if (!Kind)
    return createStringError("form without a known kind");
  Form F;
  F.Id = O->getString("id").value_or("").str();
  F.Kind = *Kind;
  F.Name = O->getString("name").value_or("").str();
  F.File = O->getString("file").value_or("").str();
  F.BeginLine = O->getInteger("begin").value_or(0);
  F.EndLine = O->getInteger("end").value_or(0);
  F.Hash = unhex(*O, "hash");
  offsetPair(*O, "at", F.BeginOffset, F.EndOffset);
  offsetPair(*O, "body", F.BodyBegin, F.BodyEnd);
  F.SignatureHash = unhex(*O, "sig");
  F.DefaultArgsHash = unhex(*O, "defaults");
  F.Inline = O->getBoolean("inline").value_or(false);
  F.Constexpr = O->getBoolean("constexpr").value_or(false);
  F.Template = O->getBoolean("template").value_or(false);
  if (const json::Object *L = O->getObject("layout"))
    F.Layout = layoutFrom(*L);
  if (const json::Object *I = O->getObject("instances"))
    for (const auto &[Type, L] : *I)
      if (const json::Object *LO = L.getAsObject())
        F.Instances[Type.str()] = layoutFrom(*LO);
  return F;
}

} // namespace

std::string indexDirectory(StringRef BuildDir) {
  SmallString<256> P(BuildDir);
  sys::path::append(P, ".hotc", "index");
  return P.str().str();
}

std::string toJson(const FormIndex &Unit) {
  json::Array Forms, Edges;
  for (const Form &F : Unit.Forms)
    Forms.push_back(formJson(F));
  for (const Edge &E : Unit.Edges)
    Edges.push_back(json::Array{E.From, E.To, edgeKindName(E.Kind)});
  json::Array InputHashes;
  for (uint64_t H : Unit.InputHashes)
    InputHashes.push_back(hex(H));
  json::Object O{{"version", kIndexVersion},
                 {"main", Unit.MainFile},
                 {"command", hex(Unit.CommandHash)},
                 {"inputs_hash", hex(Unit.InputsHash)},
                 {"inputs", strings(Unit.Inputs)},
                 {"input_hashes", std::move(InputHashes)},
                 {"unit_macros", strings(Unit.UnitMacros)},
                 {"forms", std::move(Forms)},
                 {"edges", std::move(Edges)}};
  std::string Out;
  raw_string_ostream OS(Out);
  OS << json::Value(std::move(O));
  return Out;
}

Expected<FormIndex> fromJson(StringRef Text) {
  Expected<json::Value> V = json::parse(Text);
  if (!V)
    return V.takeError();
  const json::Object *O = V->getAsObject();
  if (!O || O->getInteger("version") != kIndexVersion)
    return make_error<StaleIndexFormat>();
  FormIndex Unit;
  Unit.MainFile = O->getString("main").value_or("").str();
  Unit.CommandHash = unhex(*O, "command");
  Unit.InputsHash = unhex(*O, "inputs_hash");
  Unit.Inputs = strings(*O, "inputs");
  Unit.UnitMacros = strings(*O, "unit_macros");
  for (const std::string &H : strings(*O, "input_hashes")) {
    uint64_t V = 0;
    StringRef(H).getAsInteger(16, V);
    Unit.InputHashes.push_back(V);
  }
  if (const json::Array *Forms = O->getArray("forms"))
    for (const json::Value &F : *Forms) {
      auto Parsed = formFrom(F);
      if (!Parsed)
        return Parsed.takeError();
      Unit.Forms.push_back(std::move(*Parsed));
    }
  if (const json::Array *Edges = O->getArray("edges"))
    for (const json::Value &E : *Edges) {
      const json::Array *A = E.getAsArray();
      if (!A || A->size() != 3)
        return createStringError("malformed edge");
      auto Kind = parseEdgeKind((*A)[2].getAsString().value_or("").str());
      if (!Kind)
        return createStringError("edge of unknown kind");
      Unit.Edges.push_back({(*A)[0].getAsString().value_or("").str(),
                            (*A)[1].getAsString().value_or("").str(), *Kind});
    }
  return Unit;
}

static SmallString<256> unitPath(StringRef IndexDir, StringRef MainFile) {
  SmallString<256> Path(IndexDir);
  sys::path::append(Path, utohexstr(hashString(MainFile)) + ".json");
  return Path;
}

Error forgetUnit(StringRef IndexDir, StringRef MainFile) {
  SmallString<256> Path = unitPath(IndexDir, MainFile);
  if (std::error_code EC = sys::fs::remove(Path))
    return createStringError(EC, "cannot remove %s", Path.c_str());
  return Error::success();
}

Error saveUnit(StringRef IndexDir, const FormIndex &Unit) {
  if (std::error_code EC = sys::fs::create_directories(IndexDir))
    return createStringError(EC, "cannot create %s", IndexDir.str().c_str());
  SmallString<256> Path = unitPath(IndexDir, Unit.MainFile);
  // Written aside and renamed, so a reader never sees half a file; aside
  // under this process's own name, as several hotc sessions of one build
  // (hotc watch --pid A --pid B) may store the same unit at once.
  std::string Temp = (Path + ".tmp." + Twine(sys::Process::getProcessId())).str();
  {
    std::error_code EC;
    raw_fd_ostream OS(Temp, EC);
    if (EC)
      return createStringError(EC, "cannot write %s", Temp.c_str());
    OS << toJson(Unit);
  }
  if (std::error_code EC = sys::fs::rename(Temp, Path))
    return createStringError(EC, "cannot replace %s", Path.c_str());
  return Error::success();
}

char StaleIndexFormat::ID;

Expected<FormIndex> loadUnit(StringRef Path) {
  auto Buf = MemoryBuffer::getFile(Path);
  if (!Buf)
    return createStringError(Buf.getError(), "cannot read %s", Path.str().c_str());
  auto Unit = fromJson((*Buf)->getBuffer());
  if (!Unit) {
    Error E = Unit.takeError();
    if (E.isA<StaleIndexFormat>())
      return std::move(E);
    return createStringError(toString(std::move(E)) + " in " + Path.str());
  }
  return Unit;
}

Expected<StaticGraph> loadGraph(StringRef IndexDir) {
  StaticGraph G;
  std::error_code EC;
  for (sys::fs::directory_iterator It(IndexDir, EC), End; It != End && !EC;
       It.increment(EC)) {
    if (sys::path::extension(It->path()) != ".json")
      continue;
    auto Unit = loadUnit(It->path());
    if (!Unit) {
      // Written by another version of hotc: as if never analysed.
      if (Error Rest = handleErrors(Unit.takeError(),
                                    [](const StaleIndexFormat &) {}))
        return std::move(Rest);
      continue;
    }
    G.replaceUnit(std::move(*Unit));
  }
  if (EC && EC != std::errc::no_such_file_or_directory)
    return createStringError(EC, "cannot list %s", IndexDir.str().c_str());
  return G;
}

} // namespace hotc::index

// Mapping a save onto the stored forms without a parse: each test builds
// the forms of its Before text by hand (offsets found in the text itself)
// and checks which forms diffSource reports.
#include "analysis/source_edit.h"
#include "analysis/token_hash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace hotc::index;

namespace {

using Names = std::vector<std::string>;

unsigned at(const std::string &Text, const std::string &Needle, size_t From = 0) {
  size_t Pos = Text.find(Needle, From);
  if (Pos == std::string::npos) {
    ADD_FAILURE() << "not in the text: " << Needle;
    return 0;
  }
  return Pos;
}

// Offset of the `}` matching the `{` at Open.
unsigned closing(const std::string &Text, unsigned Open) {
  int Depth = 0;
  for (size_t I = Open; I < Text.size(); ++I)
    if (Text[I] == '{')
      ++Depth;
    else if (Text[I] == '}' && --Depth == 0)
      return I;
  ADD_FAILURE() << "unbalanced braces at " << Open;
  return Open;
}

Form form(FormKind K, const std::string &Name, unsigned Begin, unsigned End) {
  Form F;
  F.Id = F.Name = Name;
  F.Kind = K;
  F.BeginOffset = Begin;
  F.EndOffset = End;
  F.Hash = hashString(Name);
  F.SignatureHash = hashString(Name + " signature");
  F.DefaultArgsHash = hashString(Name + " defaults");
  return F;
}

// A form that starts at Head and ends at the `}` matching the first `{`
// after it; functions and lambdas have those braces as their body.
Form braced(FormKind K, const std::string &Name, const std::string &Text,
            const std::string &Head) {
  unsigned Begin = at(Text, Head);
  unsigned Open = at(Text, "{", Begin), Close = closing(Text, Open);
  Form F = form(K, Name, Begin, Close);
  if (K != FormKind::Record)
    F.BodyBegin = Open, F.BodyEnd = Close;
  return F;
}

Names names(const SourceEdit &E) {
  Names Out;
  for (const FormChange &C : E.Changes) {
    EXPECT_EQ(C.Kind, ChangeKind::Edited);
    EXPECT_NE(C.Before.Hash, C.After.Hash) << C.Before.Name;
    Out.push_back(C.Before.Name);
  }
  return Out;
}

const std::string TwoFunctions = "int f() { return 1; }\nint g() { return 2; }\n";

std::vector<Form> twoFunctionForms() {
  return {braced(FormKind::Function, "f()", TwoFunctions, "int f"),
          braced(FormKind::Function, "g()", TwoFunctions, "int g")};
}

TEST(SourceEdit, WhitespaceAndCommentsAreNoChange) {
  std::string After = "int  f()\n{\n  // one\n  return 1; /* x */ }\n\nint g() {return 2;}";
  SourceEdit E = diffSource(TwoFunctions, After, twoFunctionForms());
  EXPECT_FALSE(E.Changed);
  EXPECT_TRUE(E.Changes.empty());
  EXPECT_FALSE(E.OutsideForms);
  EXPECT_EQ(E.FirstLine, 0u);
}

TEST(SourceEdit, BodyEditIsThatFunctionOnly) {
  std::string After = "int f() { return 1; }\nint g() { return 3; }\n";
  SourceEdit E = diffSource(TwoFunctions, After, twoFunctionForms());
  EXPECT_TRUE(E.Changed);
  EXPECT_EQ(names(E), (Names{"g()"}));
  EXPECT_FALSE(E.Changes[0].signatureChanged());
  EXPECT_FALSE(E.Changes[0].defaultArgumentsChanged());
  EXPECT_FALSE(E.OutsideForms);
  EXPECT_EQ(E.FirstLine, 2u);
}

TEST(SourceEdit, ParameterTypeEditIsSignature) {
  std::string Before = "int f(int a) { return a; }\n";
  std::vector<Form> Forms{braced(FormKind::Function, "f(int)", Before, "int f")};
  SourceEdit E = diffSource(Before, "int f(long a) { return a; }\n", Forms);
  EXPECT_EQ(names(E), (Names{"f(int)"}));
  EXPECT_TRUE(E.Changes[0].signatureChanged());
  EXPECT_TRUE(E.Changes[0].defaultArgumentsChanged()); // cannot tell without a parse
  EXPECT_FALSE(E.OutsideForms);
}

const std::string Struct = "struct S {\n  int a;\n  int get() const { return a; }\n};\n";

std::vector<Form> structForms() {
  return {braced(FormKind::Record, "S", Struct, "struct S"),
          braced(FormKind::Function, "S::get()", Struct, "int get")};
}

TEST(SourceEdit, FieldEditIsTheRecordNotItsMethod) {
  std::string After = "struct S {\n  long a;\n  int get() const { return a; }\n};\n";
  SourceEdit E = diffSource(Struct, After, structForms());
  EXPECT_EQ(names(E), (Names{"S"}));
  EXPECT_FALSE(E.OutsideForms);
}

TEST(SourceEdit, MethodBodyEditIsTheMethodNotItsRecord) {
  std::string After = "struct S {\n  int a;\n  int get() const { return a + 1; }\n};\n";
  SourceEdit E = diffSource(Struct, After, structForms());
  EXPECT_EQ(names(E), (Names{"S::get()"}));
  EXPECT_FALSE(E.Changes[0].signatureChanged());
  EXPECT_FALSE(E.OutsideForms);
}

// The longest common prefix would take g's `int` into it and place the
// insertion inside g; the insertion belongs between the forms.
TEST(SourceEdit, NewFunctionBetweenFormsIsOutsideForms) {
  std::string After = "int f() { return 1; }\nint h() { return 3; }\nint g() { return 2; }\n";
  SourceEdit E = diffSource(TwoFunctions, After, twoFunctionForms());
  EXPECT_TRUE(E.Changed);
  EXPECT_TRUE(E.OutsideForms);
  EXPECT_EQ(names(E), Names{});
  EXPECT_EQ(E.FirstLine, 2u);
}

// Likewise a removed function is itself only, not its neighbour too.
TEST(SourceEdit, RemovedFunctionIsItselfOnly) {
  std::string Before = "int f() { return 1; }\nint h() { return 3; }\nint g() { return 2; }\n";
  std::vector<Form> Forms{braced(FormKind::Function, "f()", Before, "int f"),
                          braced(FormKind::Function, "h()", Before, "int h"),
                          braced(FormKind::Function, "g()", Before, "int g")};
  SourceEdit E = diffSource(Before, TwoFunctions, Forms);
  EXPECT_EQ(names(E), (Names{"h()"}));
  EXPECT_FALSE(E.OutsideForms);
}

TEST(SourceEdit, IncludeAddedAtTopIsOutsideForms) {
  SourceEdit E = diffSource(TwoFunctions, "#include <vector>\n" + TwoFunctions,
                            twoFunctionForms());
  EXPECT_TRUE(E.Changed);
  EXPECT_TRUE(E.OutsideForms);
  EXPECT_EQ(names(E), Names{});
  EXPECT_EQ(E.FirstLine, 1u);
}

TEST(SourceEdit, LambdaEditIsTheLambdaAndItsFunction) {
  std::string Before = "int f() {\n  auto l = [](int x) { return x + 1; };\n  return l(1);\n}\n";
  std::vector<Form> Forms{braced(FormKind::Function, "f()", Before, "int f"),
                          braced(FormKind::Lambda, "f()$lambda#0", Before, "[](int x)")};
  std::string After = "int f() {\n  auto l = [](int x) { return x + 2; };\n  return l(1);\n}\n";
  SourceEdit E = diffSource(Before, After, Forms);
  EXPECT_EQ(names(E), (Names{"f()", "f()$lambda#0"}));
  EXPECT_FALSE(E.Changes[0].signatureChanged());
  EXPECT_FALSE(E.OutsideForms);
}

TEST(SourceEdit, MacroValueEditIsTheMacro) {
  std::string Before = "#define N 3\nint f() { return N; }\n";
  std::vector<Form> Forms{form(FormKind::Macro, "macro:N", at(Before, "#define"), at(Before, "3")),
                          braced(FormKind::Function, "f()", Before, "int f")};
  SourceEdit E = diffSource(Before, "#define N 4\nint f() { return N; }\n", Forms);
  EXPECT_EQ(names(E), (Names{"macro:N"}));
  EXPECT_FALSE(E.OutsideForms);
  EXPECT_EQ(E.FirstLine, 1u);
}

TEST(SourceEdit, BlankLinesBeforeAFunctionAreNoChange) {
  SourceEdit E = diffSource(TwoFunctions, "int f() { return 1; }\n\n\n\nint g() { return 2; }\n",
                            twoFunctionForms());
  EXPECT_FALSE(E.Changed);
  EXPECT_TRUE(E.Changes.empty());
}

// Before has the edited statement on line 6; a comment line added at the
// top puts it on line 7 of After, the text FirstLine counts in.
TEST(SourceEdit, FirstLineIsInAfter) {
  std::string Before = "int f() { return 1; }\n\nint g(int v) {\n  int a = v;\n  a += 2;\n"
                       "  return a * 3;\n}\n";
  std::string After = "// header\nint f() { return 1; }\n\nint g(int v) {\n  int a = v;\n"
                      "  a += 2;\n  return a * 4;\n}\n";
  std::vector<Form> Forms{braced(FormKind::Function, "f()", Before, "int f"),
                          braced(FormKind::Function, "g(int)", Before, "int g")};
  SourceEdit E = diffSource(Before, After, Forms);
  EXPECT_EQ(names(E), (Names{"g(int)"}));
  EXPECT_EQ(E.FirstLine, 7u);
}

// The edit is the one token range from the first difference to the last,
// so the form between the two edited functions (m) is reported as well,
// and the closing brace of f lies in it, counting as a signature change
// of both. Both are acceptable: more is recompiled, nothing is missed.
TEST(SourceEdit, TwoEditsInTwoFunctions) {
  std::string Before = "int f() { return 1; }\nint m() { return 0; }\nint g() { return 2; }\n";
  std::vector<Form> Forms{braced(FormKind::Function, "f()", Before, "int f"),
                          braced(FormKind::Function, "m()", Before, "int m"),
                          braced(FormKind::Function, "g()", Before, "int g")};
  std::string After = "int f() { return 5; }\nint m() { return 0; }\nint g() { return 6; }\n";
  SourceEdit E = diffSource(Before, After, Forms);
  Names Got = names(E);
  EXPECT_NE(std::find(Got.begin(), Got.end(), "f()"), Got.end());
  EXPECT_NE(std::find(Got.begin(), Got.end(), "g()"), Got.end());
  EXPECT_FALSE(E.OutsideForms); // the newline between forms is no token
  EXPECT_EQ(E.FirstLine, 1u);
}

// The ends of the file: a first text, and everything deleted.
TEST(SourceEdit, EmptyTexts) {
  SourceEdit E = diffSource("", "int x;\n", {});
  EXPECT_TRUE(E.Changed);
  EXPECT_TRUE(E.OutsideForms);
  EXPECT_EQ(E.FirstLine, 1u);
  std::string Before = "\nint x = 1;\n";
  E = diffSource(Before, "", {form(FormKind::Variable, "x", at(Before, "int"), at(Before, ";"))});
  EXPECT_EQ(names(E), (Names{"x"}));
  EXPECT_FALSE(E.OutsideForms);
  EXPECT_EQ(E.FirstLine, 1u);
}

} // namespace

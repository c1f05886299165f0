// Moving live globals to a new layout (the control issue, item 4: the
// migration hook) on migrate_app, a C program built by CMake's default
// compiler (GCC here) at -O0 and -O2: one save grows struct particle by a
// field and defines HOTRELOAD_MIGRATE(particle). The global used from
// three units and the file-static one keep their state in new storage; the
// unit that only returns the global's address, and the one that declares
// the global itself (no header says it uses it), are relinked to it; the
// version cannot be undone. Saved one by one, the save bringing the hook
// recompiles every unit using the globals. Without the hook the edit is
// refused, naming the hook that would let it apply.
#include "live_session.h"

namespace hotc::e2e {
namespace {

struct MigrateSession {
  FixtureProject Project;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  explicit MigrateSession(const std::string &BuildType,
                          const std::string &CMakeArgs = "")
      : Project(FixtureProject::build(
            "migrate_app", testName(), BuildType,
            std::string("-DHOTRELOAD_INCLUDE='") + HOTC_SOURCE_DIR +
                "/agent/include' " + CMakeArgs)),
        Log(Project.path("app.log")) {
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.BuildDir + "/migrate_app",
                                 Project.path("app.log")},
        Project.Dir);
    EXPECT_TRUE(Hotc->waitEvent("ready")) << Hotc->history();
    EXPECT_TRUE(Log.waitStarted());
  }

  // z joins the struct.
  void growStruct() {
    Project.edit("particle.h", "  int y;\n", "  int y;\n  int z;\n");
  }
  // state.c moves its globals: z starts at 1000.
  void addHook() {
    Project.edit("state.c", "#include \"particle.h\"\n",
                 "#include \"particle.h\"\n"
                 "\n"
                 "#include <hotreload/hotreload.h>\n"
                 "\n"
                 "struct particle_v1 {\n"
                 "  int x;\n"
                 "  int y;\n"
                 "};\n"
                 "\n"
                 "HOTRELOAD_MIGRATE(particle) {\n"
                 "  const struct particle_v1 *o = hotreload_old;\n"
                 "  struct particle *n = hotreload_new;\n"
                 "  n->x = o->x;\n"
                 "  n->y = o->y;\n"
                 "  n->z = 1000;\n"
                 "}\n");
  }

  // z joins the struct; total() reads it. Saved together, as an editor's
  // "save all" does: hotc is paused meanwhile so the saves form one patch.
  void growParticle(bool WithHook) {
    ASSERT_EQ(runHotc(Project, "pause -p " + Project.BuildDir).Code, 0);
    growStruct();
    if (WithHook)
      addHook();
    Project.edit("report.c", "g_particle.x + g_particle.y;",
                 "g_particle.x + g_particle.y + g_particle.z;");
    ASSERT_EQ(runHotc(Project, "resume -p " + Project.BuildDir).Code, 0);
  }
};

void movesTheGlobals(const std::string &BuildType,
                     const std::string &CMakeArgs = "") {
  MigrateSession S(BuildType, CMakeArgs);
  auto Before = S.Log.waitFor([](auto &L) { return AppLog::num(L, "x") > 20; });
  ASSERT_TRUE(Before);
  S.growParticle(/*WithHook=*/true);
  auto P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P) << S.Hotc->history();
  ASSERT_EQ(P->getString("event"), "patched") << S.Hotc->history();
  std::vector<std::string> Moved = strings(*P, "moved");
  ASSERT_EQ(Moved.size(), 2u) << S.Hotc->history();
  EXPECT_EQ(Moved[0].substr(0, Moved[0].find(' ')), "g_particle");
  EXPECT_EQ(Moved[1].substr(0, Moved[1].find(' ')), "s_local");
  EXPECT_NE(Moved[0].find("struct particle { i32, i32 } (8 bytes) -> "
                          "{ i32, i32, i32 } (12 bytes), by "
                          "hotreload_migrate_particle"),
            std::string::npos)
      << Moved[0];
  std::vector<std::string> Files;
  for (const std::string &F : strings(*P, "files"))
    Files.push_back(F.substr(F.rfind('/') + 1));
  std::sort(Files.begin(), Files.end());
  // where.c and peek.c only return &g_particle, and must be relinked;
  // main.c reads particle.h, so it may use the global: compiled too, and
  // nothing of it changes.
  EXPECT_EQ(Files, (std::vector<std::string>{"main.c", "peek.c", "report.c",
                                             "state.c", "where.c"}));
  std::vector<std::string> Functions = strings(*P, "functions");
  EXPECT_TRUE(llvm::is_contained(Functions, "address_of")) << S.Hotc->history();
  EXPECT_TRUE(llvm::is_contained(Functions, "peek")) << S.Hotc->history();
  EXPECT_FALSE(llvm::is_contained(Functions, "main")) << S.Hotc->history();

  // The new code runs on the moved state: x and local count on from where
  // they were (not from their initialisers), z is what the hook set, and
  // address_of() returns the new storage.
  auto After = S.Log.waitFor([](auto &L) { return L.at("moved") == "1"; });
  ASSERT_TRUE(After) << S.Hotc->history();
  EXPECT_EQ(After->at("peek"), "1") << "peek.c returns the new storage too";
  long X = AppLog::num(*After, "x");
  EXPECT_GT(X, AppLog::num(*Before, "x"));
  EXPECT_EQ(AppLog::num(*After, "total"), X + 2 + 1000);
  EXPECT_GT(AppLog::num(*After, "local"), AppLog::num(*Before, "local"));
  auto Later = S.Log.waitFor(
      [&](auto &L) { return AppLog::num(L, "x") > X + 5; });
  ASSERT_TRUE(Later);
  EXPECT_EQ(AppLog::num(*Later, "total"), AppLog::num(*Later, "x") + 1002);

  // Undoing would run the old code on the old storage.
  HotcCommand U = runHotc(S.Project, "undo -p " + S.Project.BuildDir);
  EXPECT_EQ(U.Code, 1) << U.Out;
  EXPECT_NE(U.Out.find("version 1 moved globals to a new layout"),
            std::string::npos)
      << U.Out;

  // A later edit binds to the new storage.
  S.Project.edit("report.c", "+ g_particle.z;", "+ g_particle.z * 2;");
  ASSERT_TRUE(S.Hotc->waitEvent("patched")) << S.Hotc->history();
  auto Again = S.Log.waitFor([](auto &L) {
    return AppLog::num(L, "total") == AppLog::num(L, "x") + 2002;
  });
  EXPECT_TRUE(Again) << S.Hotc->history();
}

TEST(Migration, HookMovesLiveGlobalsToTheNewLayout) { movesTheGlobals("Debug"); }

TEST(Migration, HookMovesLiveGlobalsToTheNewLayoutAtO2) {
  movesTheGlobals("RelWithDebInfo");
}

// Saved together, the plan reaches peek.c through the static graph, so
// every unit is in the patch even though Clang's DWARF does not name it.
TEST(Migration, HookMovesLiveGlobalsBuiltByClang) {
  movesTheGlobals("Debug", "-DCMAKE_C_COMPILER=clang-19");
}

// Clang's DWARF does not say that peek.c uses g_particle: with peek.c left
// out of the patch (the hook's file saved alone), the move is refused.
TEST(Migration, AClangBuiltUnitLeftOutRefusesTheMove) {
  MigrateSession S("Debug", "-DCMAKE_C_COMPILER=clang-19");
  S.growStruct();
  ASSERT_TRUE(S.Hotc->waitEvent("patched|error")) << S.Hotc->history();
  S.addHook();
  auto E = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(E) << S.Hotc->history();
  ASSERT_EQ(E->getString("event"), "error") << S.Hotc->history();
  std::string Msg = E->getString("message")->str();
  EXPECT_NE(Msg.find("1 unit(s) of the process left out of the patch have "
                     "no debug info naming the globals they use (built by "
                     "Clang"),
            std::string::npos)
      << Msg;
  EXPECT_NE(Msg.find(S.Project.path("peek.c") + ". Their code"),
            std::string::npos)
      << Msg;
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("moved"), "0");
  EXPECT_EQ(L->at("peek"), "1");
}

// Saved one by one, the header first: its save is refused (no hook yet).
// state.c's save brings the hook and compiles only state.c, yet the globals
// it moves are used by report.c, where.c (readers of particle.h) and peek.c
// (which the binary's DWARF names): they join the patch, compiled whole,
// rather than going on with the old storage.
TEST(Migration, TheHooksSaveAloneRecompilesEveryUnitUsingTheGlobals) {
  MigrateSession S("Debug");
  S.growStruct();
  auto First = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(First) << S.Hotc->history();
  EXPECT_EQ(First->getString("kind"), "layout") << S.Hotc->history();
  S.addHook();
  auto P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P) << S.Hotc->history();
  ASSERT_EQ(P->getString("event"), "patched") << S.Hotc->history();
  EXPECT_EQ(strings(*P, "moved").size(), 2u);
  std::vector<std::string> Files;
  for (const std::string &F : strings(*P, "files"))
    Files.push_back(F.substr(F.rfind('/') + 1));
  std::sort(Files.begin(), Files.end());
  EXPECT_EQ(Files, (std::vector<std::string>{"main.c", "peek.c", "report.c",
                                             "state.c", "where.c"}));
  auto After = S.Log.waitFor([](auto &L) { return L.at("moved") == "1"; });
  ASSERT_TRUE(After) << S.Hotc->history();
  EXPECT_EQ(After->at("peek"), "1");
  EXPECT_EQ(AppLog::num(*After, "total"), AppLog::num(*After, "x") + 2)
      << "report.c reads x + y at the new layout: its z comes with its save";
  S.Project.edit("report.c", "g_particle.x + g_particle.y;",
                 "g_particle.x + g_particle.y + g_particle.z;");
  ASSERT_TRUE(S.Hotc->waitEvent("patched")) << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) {
    return AppLog::num(L, "total") == AppLog::num(L, "x") + 1002;
  })) << S.Hotc->history();
}

TEST(Migration, WithoutTheHookTheEditIsRefusedNamingIt) {
  MigrateSession S("Debug");
  S.growParticle(/*WithHook=*/false);
  auto E = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(E) << S.Hotc->history();
  ASSERT_EQ(E->getString("event"), "error") << S.Hotc->history();
  EXPECT_EQ(E->getString("kind"), "layout");
  std::string Msg = E->getString("message")->str();
  EXPECT_NE(Msg.find("define HOTRELOAD_MIGRATE(particle) (hotreload.h)"),
            std::string::npos)
      << Msg;
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("moved"), "0");
  EXPECT_EQ(AppLog::num(*L, "total"), AppLog::num(*L, "x") + 2)
      << "the old code keeps running";
}

} // namespace
} // namespace hotc::e2e

// Absolute paths and ninja's spellings of them. build.ninja and the deps log
// name a file either absolutely or relative to the build directory (CMake
// writes sources absolute and objects relative; depfiles hold whatever the
// compiler printed), so one file can even have two nodes.
#pragma once

#include <string>
#include <vector>

struct Node;
struct State;

namespace hotc::ninja {

// The nodes that name Path (absolute, without "." or ".." components) in
// Graph, as loaded with BuildDir as the working directory.
std::vector<Node *> nodesOf(const State &Graph, const std::string &BuildDir,
                            const std::string &Path);

// A node's path made absolute.
std::string absolutePath(const std::string &BuildDir,
                         const std::string &NinjaPath);

// Path made absolute against the current directory, without "." and "..".
std::string normalizedPath(const std::string &Path);

} // namespace hotc::ninja

// Flame graphs as flamectl prints them: the server's level encoding (querier.v1.FlameGraph and
// FlameGraphDiff) decoded back into a tree, then shown as an indented top-N tree, folded lines,
// a table of top functions or the biggest changes of a diff. No protobuf here: the caller
// passes the names and levels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace flamedb::ctl {

struct FlameNode {
  std::string name;
  int64_t total = 0, self = 0;              // The left side of a diff.
  int64_t right_total = 0, right_self = 0;  // Diffs only.
  std::vector<FlameNode> children;
};

// Decodes levels of 4 ints per node [x delta, total, self, name] (or 7 for a diff: left x delta,
// total, self, right x delta, total, self, name); x deltas count from the end of the previous
// node of the same level. The result is the root ("total").
// Errors: kDataLoss naming the level of a malformed graph.
Result<FlameNode> DecodeFlameGraph(const std::vector<std::string>& names,
                                   const std::vector<std::vector<int64_t>>& levels, bool diff);

// A value in its unit: nanoseconds as 1.50s / 12.3ms, bytes as 3.20MiB, others as integers.
std::string FormatValue(int64_t value, const std::string& unit);

// The tree indented two spaces per level, children by descending total, `max_depth` levels
// below the root (0: all), nodes under `min_percent` of the root left out.
std::string FormatTree(const FlameNode& root, const std::string& unit, int max_depth,
                       double min_percent);

// One "root;...;leaf <self>" line per node with self > 0, the root left out, depth first.
std::string FormatFolded(const FlameNode& root);

struct FunctionRow {
  std::string name;
  int64_t self = 0, total = 0;              // Left side of a diff.
  int64_t right_self = 0, right_total = 0;  // Diffs only.
};

// Self and total per function name; a name counts once per stack (recursion does not double
// its total), as pprof's -top. The root is left out. Sorted as pprof -top: self, then name.
std::vector<FunctionRow> TopFunctions(const FlameNode& root);

// `limit` rows (0: all) of a top table (flat, flat%, sum%, cum, cum%, name, as pprof -top) or
// of JSON objects {name, self, total}.
std::string FormatTop(const std::vector<FunctionRow>& rows, int64_t root_total,
                      const std::string& unit, size_t limit, bool json);

// The functions whose share of self changed most between the sides of a diff, biggest change
// first: left and right self with their shares of each side's total, and the change in points.
std::string FormatDiff(std::vector<FunctionRow> rows, int64_t left_total, int64_t right_total,
                       const std::string& unit, size_t limit, bool json);

}  // namespace flamedb::ctl

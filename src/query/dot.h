// A Graphviz DOT call graph of merged stacks, as `/pyroscope/render?format=dot` answers
// (Pyroscope renders it with pprof's dot report): one node per function with its flat and
// cumulative values, one edge per caller -> callee pair.
#pragma once

#include <cstdint>
#include <string>

#include "query/function_tree.h"

namespace flamedb::query {

// The `max_nodes` functions with the largest cumulative values and the edges between them.
// REQUIRES: tree.ComputeTotals() was called.
std::string BuildDot(const FunctionTree& tree, const std::string& profile_type, int64_t max_nodes);

}  // namespace flamedb::query

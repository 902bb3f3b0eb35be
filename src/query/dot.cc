#include "query/dot.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace flamedb::query {
namespace {

std::string Percent(int64_t v, int64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", total == 0 ? 0.0 : 100.0 * static_cast<double>(v) /
                                                                   static_cast<double>(total));
  return buf;
}

// DOT string literal contents: quotes and backslashes escaped.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

struct Totals {
  std::vector<int64_t> flat, cum;                   // By name id.
  std::map<std::pair<uint32_t, uint32_t>, int64_t> edges;  // (caller, callee) name ids.
};

// Cumulative values count a function once per stack, however often it recurses.
Totals Sum(const FunctionTree& tree) {
  Totals t;
  t.flat.assign(tree.names().size(), 0);
  t.cum.assign(tree.names().size(), 0);
  const auto children = tree.SortedChildren();
  std::vector<uint32_t> on_path(tree.names().size(), 0);
  // Depth-first with an explicit stack: (node, entering).
  std::vector<std::pair<uint32_t, bool>> todo{{0, true}};
  while (!todo.empty()) {
    auto [node, entering] = todo.back();
    todo.pop_back();
    const FunctionTree::Node& n = tree.nodes()[node];
    if (!entering) {
      --on_path[n.name];
      continue;
    }
    if (node != 0) {
      t.flat[n.name] += n.self;
      if (on_path[n.name] == 0) t.cum[n.name] += n.total;
      if (n.parent != 0) t.edges[{tree.nodes()[n.parent].name, n.name}] += n.total;
    }
    ++on_path[n.name];
    todo.push_back({node, false});
    for (uint32_t c : children[node]) todo.push_back({c, true});
  }
  return t;
}

}  // namespace

std::string BuildDot(const FunctionTree& tree, const std::string& profile_type,
                     int64_t max_nodes) {
  const Totals t = Sum(tree);
  const int64_t total = tree.total();
  std::vector<uint32_t> names;
  for (uint32_t i = 1; i < tree.names().size(); ++i) {
    if (t.cum[i] != 0 || t.flat[i] != 0) names.push_back(i);
  }
  std::stable_sort(names.begin(), names.end(),
                   [&](uint32_t a, uint32_t b) { return t.cum[a] > t.cum[b]; });
  if (max_nodes > 0 && names.size() > static_cast<size_t>(max_nodes)) names.resize(max_nodes);
  std::map<uint32_t, size_t> id;
  int64_t shown = 0;
  for (uint32_t n : names) {
    id[n] = id.size() + 1;
    shown += t.flat[n];
  }
  std::string out = "digraph \"" + Escape(profile_type) + "\" {\n";
  out += "node [style=filled fillcolor=\"#f8f8f8\"]\n";
  out += "subgraph cluster_L { \"Type: " + Escape(profile_type) +
         "\" [shape=box fontsize=16 label=\"Type: " + Escape(profile_type) +
         "\\lShowing nodes accounting for " + std::to_string(shown) + ", " +
         Percent(shown, total) + " of " + std::to_string(total) + " total\\l\"] }\n";
  for (uint32_t n : names) {
    const std::string name = Escape(tree.names()[n]);
    out += "N" + std::to_string(id[n]) + " [label=\"" + name + "\\n" +
           std::to_string(t.flat[n]) + " (" + Percent(t.flat[n], total) + ")\\nof " +
           std::to_string(t.cum[n]) + " (" + Percent(t.cum[n], total) +
           ")\" shape=box tooltip=\"" + name + " (" + std::to_string(t.cum[n]) + ")\"]\n";
  }
  for (const auto& [edge, value] : t.edges) {
    const auto from = id.find(edge.first), to = id.find(edge.second);
    if (from == id.end() || to == id.end()) continue;
    out += "N" + std::to_string(from->second) + " -> N" + std::to_string(to->second) +
           " [label=\" " + std::to_string(value) + "\" weight=" + std::to_string(value) + "]\n";
  }
  return out + "}\n";
}

}  // namespace flamedb::query

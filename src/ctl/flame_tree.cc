#include "ctl/flame_tree.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <unordered_map>

#include "base/json.h"

namespace flamedb::ctl {
namespace {

// A decoded node with its layout position (left + right x, so diff nodes have a width).
struct Placed {
  int64_t x = 0, width = 0;
  FlameNode node;
  std::vector<size_t> children;  // Indexes into the next level.
};

Result<std::vector<Placed>> DecodeLevel(const std::vector<std::string>& names,
                                        const std::vector<int64_t>& values, bool diff,
                                        size_t depth) {
  const size_t stride = diff ? 7 : 4;
  if (values.size() % stride != 0) {
    return DataLossError("flame graph level " + std::to_string(depth) + " has " +
                         std::to_string(values.size()) + " values, not a multiple of " +
                         std::to_string(stride));
  }
  std::vector<Placed> out;
  int64_t left_end = 0, right_end = 0;
  for (size_t i = 0; i < values.size(); i += stride) {
    const int64_t name = values[i + stride - 1];
    if (name < 0 || static_cast<size_t>(name) >= names.size()) {
      return DataLossError("flame graph level " + std::to_string(depth) + " names #" +
                           std::to_string(name) + " of " + std::to_string(names.size()));
    }
    Placed p;
    p.node.name = names[name];
    const int64_t left_x = left_end + values[i];
    p.node.total = values[i + 1];
    p.node.self = values[i + 2];
    left_end = left_x + p.node.total;
    int64_t right_x = 0;
    if (diff) {
      right_x = right_end + values[i + 3];
      p.node.right_total = values[i + 4];
      p.node.right_self = values[i + 5];
      right_end = right_x + p.node.right_total;
    }
    p.x = left_x + right_x;
    p.width = p.node.total + p.node.right_total;
    out.push_back(std::move(p));
  }
  return out;
}

FlameNode Assemble(std::vector<std::vector<Placed>>& levels, size_t depth, size_t i) {
  FlameNode node = std::move(levels[depth][i].node);
  for (size_t child : levels[depth][i].children) {
    node.children.push_back(Assemble(levels, depth + 1, child));
  }
  return node;
}

// printf onto `out`, of any length.
void Append(std::string& out, const char* format, auto... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  if (n <= 0) return;
  const size_t at = out.size();
  out.resize(at + static_cast<size_t>(n) + 1);
  std::snprintf(out.data() + at, static_cast<size_t>(n) + 1, format, args...);
  out.resize(at + static_cast<size_t>(n));
}

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

Result<FlameNode> DecodeFlameGraph(const std::vector<std::string>& names,
                                   const std::vector<std::vector<int64_t>>& levels, bool diff) {
  std::vector<std::vector<Placed>> placed;
  for (size_t d = 0; d < levels.size(); ++d) {
    Result<std::vector<Placed>> level = DecodeLevel(names, levels[d], diff, d);
    if (!level.ok()) return level.status();
    placed.push_back(std::move(level).value());
  }
  if (placed.empty() || placed[0].size() != 1) {
    return DataLossError("flame graph without a single root");
  }
  for (size_t d = 1; d < placed.size(); ++d) {
    std::vector<Placed>& parents = placed[d - 1];
    size_t p = 0;
    for (size_t c = 0; c < placed[d].size(); ++c) {
      const int64_t x = placed[d][c].x;
      while (p + 1 < parents.size() && parents[p].x + parents[p].width <= x &&
             parents[p + 1].x <= x) {
        ++p;
      }
      if (x < parents[p].x || x + placed[d][c].width > parents[p].x + parents[p].width) {
        return DataLossError("flame graph level " + std::to_string(d) +
                             " has a node outside every parent");
      }
      parents[p].children.push_back(c);
    }
  }
  return Assemble(placed, 0, 0);
}

std::string FormatValue(int64_t value, const std::string& unit) {
  std::string out;
  const double v = static_cast<double>(value);
  if (unit == "nanoseconds") {
    if (std::llabs(value) >= 1'000'000'000) {
      Append(out, "%.2fs", v / 1e9);
    } else if (std::llabs(value) >= 1'000'000) {
      Append(out, "%.2fms", v / 1e6);
    } else if (std::llabs(value) >= 1'000) {
      Append(out, "%.2fus", v / 1e3);
    } else {
      Append(out, "%lldns", static_cast<long long>(value));
    }
  } else if (unit == "bytes") {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double scaled = v;
    int u = 0;
    while (std::fabs(scaled) >= 1024 && u < 4) scaled /= 1024, ++u;
    if (u == 0) {
      Append(out, "%lldB", static_cast<long long>(value));
    } else {
      Append(out, "%.2f%s", scaled, kUnits[u]);
    }
  } else {
    Append(out, "%lld", static_cast<long long>(value));
  }
  return out;
}

std::string FormatTree(const FlameNode& root, const std::string& unit, int max_depth,
                       double min_percent) {
  std::string out;
  std::function<void(const FlameNode&, int)> walk = [&](const FlameNode& n, int depth) {
    Append(out, "%*s%s %s (%.2f%%, self %s)\n", depth * 2, "", n.name.c_str(),
           FormatValue(n.total, unit).c_str(), Percent(n.total, root.total),
           FormatValue(n.self, unit).c_str());
    if (max_depth > 0 && depth >= max_depth) return;
    std::vector<const FlameNode*> kids;
    for (const FlameNode& c : n.children) {
      if (Percent(c.total, root.total) >= min_percent) kids.push_back(&c);
    }
    std::stable_sort(kids.begin(), kids.end(),
                     [](const FlameNode* a, const FlameNode* b) { return a->total > b->total; });
    for (const FlameNode* c : kids) walk(*c, depth + 1);
  };
  walk(root, 0);
  return out;
}

std::string FormatFolded(const FlameNode& root) {
  std::string out;
  std::string stack;
  std::function<void(const FlameNode&)> walk = [&](const FlameNode& n) {
    const size_t mark = stack.size();
    if (!stack.empty()) stack += ';';
    stack += n.name;
    if (n.self > 0) Append(out, "%s %lld\n", stack.c_str(), static_cast<long long>(n.self));
    for (const FlameNode& c : n.children) walk(c);
    stack.resize(mark);
  };
  for (const FlameNode& c : root.children) walk(c);
  return out;
}

std::vector<FunctionRow> TopFunctions(const FlameNode& root) {
  std::unordered_map<std::string, FunctionRow> rows;
  std::unordered_map<std::string, int> on_stack;  // Names on the current path.
  std::function<void(const FlameNode&)> walk = [&](const FlameNode& n) {
    FunctionRow& row = rows[n.name];
    row.name = n.name;
    row.self += n.self;
    row.right_self += n.right_self;
    if (on_stack[n.name]++ == 0) {
      row.total += n.total;
      row.right_total += n.right_total;
    }
    for (const FlameNode& c : n.children) walk(c);
    --on_stack[n.name];
  };
  for (const FlameNode& c : root.children) walk(c);
  std::vector<FunctionRow> out;
  for (auto& [name, row] : rows) out.push_back(std::move(row));
  std::sort(out.begin(), out.end(), [](const FunctionRow& a, const FunctionRow& b) {
    if (a.self != b.self) return a.self > b.self;  // pprof -top's order: flat, then name.
    return a.name < b.name;
  });
  return out;
}

std::string FormatTop(const std::vector<FunctionRow>& rows, int64_t root_total,
                      const std::string& unit, size_t limit, bool json) {
  const size_t n = limit == 0 ? rows.size() : std::min(limit, rows.size());
  std::string out;
  if (json) {
    out = "[";
    for (size_t i = 0; i < n; ++i) {
      Append(out, "%s{\"name\":%s,\"self\":%lld,\"total\":%lld}", i ? "," : "",
             base::JsonString(rows[i].name).c_str(), static_cast<long long>(rows[i].self),
             static_cast<long long>(rows[i].total));
    }
    return out + "]\n";
  }
  Append(out, "%12s %7s %7s %12s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%", "name");
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += rows[i].self;
    Append(out, "%12s %6.2f%% %6.2f%% %12s %6.2f%%  %s\n", FormatValue(rows[i].self, unit).c_str(),
           Percent(rows[i].self, root_total), Percent(sum, root_total),
           FormatValue(rows[i].total, unit).c_str(), Percent(rows[i].total, root_total),
           rows[i].name.c_str());
  }
  return out;
}

std::string FormatDiff(std::vector<FunctionRow> rows, int64_t left_total, int64_t right_total,
                       const std::string& unit, size_t limit, bool json) {
  const auto change = [&](const FunctionRow& r) {
    return Percent(r.right_self, right_total) - Percent(r.self, left_total);
  };
  std::sort(rows.begin(), rows.end(), [&](const FunctionRow& a, const FunctionRow& b) {
    const double ca = std::fabs(change(a)), cb = std::fabs(change(b));
    if (std::fabs(ca - cb) > 1e-9) return ca > cb;  // Equal up to rounding: by name.
    return a.name < b.name;
  });
  const size_t n = limit == 0 ? rows.size() : std::min(limit, rows.size());
  std::string out;
  if (json) {
    out = "[";
    for (size_t i = 0; i < n; ++i) {
      Append(out, "%s{\"name\":%s,\"left_self\":%lld,\"right_self\":%lld,\"change_points\":%.4f}",
             i ? "," : "", base::JsonString(rows[i].name).c_str(),
             static_cast<long long>(rows[i].self), static_cast<long long>(rows[i].right_self),
             change(rows[i]));
    }
    return out + "]\n";
  }
  Append(out, "%12s %7s %12s %7s %8s  %s\n", "left", "left%", "right", "right%", "change", "name");
  for (size_t i = 0; i < n; ++i) {
    const FunctionRow& r = rows[i];
    Append(out, "%12s %6.2f%% %12s %6.2f%% %+7.2fpp  %s\n", FormatValue(r.self, unit).c_str(),
           Percent(r.self, left_total), FormatValue(r.right_self, unit).c_str(),
           Percent(r.right_self, right_total), change(r), r.name.c_str());
  }
  return out;
}

}  // namespace flamedb::ctl

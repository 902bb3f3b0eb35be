#include "query/flamegraph.h"

#include <algorithm>

namespace flamedb::query {
namespace {

constexpr std::string_view kOther = "other";

// A node's children after truncation: the kept ones in name order, and the sum of the dropped
// ones (plus any child literally named "other"), which becomes one "other" child.
struct Kept {
  std::vector<uint32_t> children;
  int64_t other = 0;
};

Kept KeepChildren(const FunctionTree& tree, const std::vector<uint32_t>& children,
                  int64_t threshold) {
  Kept k;
  for (uint32_t c : children) {
    const FunctionTree::Node& n = tree.nodes()[c];
    if (n.total >= threshold && tree.names()[n.name] != kOther) {
      k.children.push_back(c);
    } else {
      k.other += n.total;
    }
  }
  return k;
}

class FlameGraphBuilder {
 public:
  FlameGraphBuilder(const FunctionTree& tree, int64_t threshold)
      : tree_(tree), children_(tree.SortedChildren()), threshold_(threshold),
        names_(tree, out_.names) {}

  FlameGraph Build() {
    out_.total = tree_.total();
    Emit(0, 0, 0, tree_.nodes()[0].total, tree_.nodes()[0].self, 0);
    return std::move(out_);
  }

 private:
  void Emit(uint32_t node, size_t depth, int64_t x, int64_t total, int64_t self, int64_t name) {
    if (out_.levels.size() <= depth) {
      out_.levels.resize(depth + 1);
      level_end_.resize(depth + 1, 0);
    }
    out_.levels[depth].insert(out_.levels[depth].end(), {x - level_end_[depth], total, self, name});
    level_end_[depth] = x + total;
    out_.max_self = std::max(out_.max_self, self);
    if (node == kVirtual) return;
    const Kept kept = KeepChildren(tree_, children_[node], threshold_);
    int64_t cx = x + self;
    for (uint32_t c : kept.children) {
      const FunctionTree::Node& n = tree_.nodes()[c];
      Emit(c, depth + 1, cx, n.total, n.self, names_.Of(n.name));
      cx += n.total;
    }
    if (kept.other > 0) {
      Emit(kVirtual, depth + 1, cx, kept.other, kept.other, names_.Other());
    }
  }

  static constexpr uint32_t kVirtual = UINT32_MAX;
  const FunctionTree& tree_;
  const std::vector<std::vector<uint32_t>> children_;
  const int64_t threshold_;
  FlameGraph out_;  // Before names_, which appends to out_.names.
  OutputNames names_;
  std::vector<int64_t> level_end_;
};

void PutUvarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutNode(std::string& out, std::string_view name, int64_t self, size_t children) {
  PutUvarint(out, name.size());
  out.append(name);
  PutUvarint(out, static_cast<uint64_t>(std::max<int64_t>(self, 0)));
  PutUvarint(out, children);
}

void TreeBytes(const FunctionTree& tree, const std::vector<std::vector<uint32_t>>& children,
               int64_t threshold, uint32_t node, std::string& out) {
  const Kept kept = KeepChildren(tree, children[node], threshold);
  const FunctionTree::Node& n = tree.nodes()[node];
  const bool other = kept.other > 0;
  PutNode(out, node == 0 ? "" : tree.names()[n.name], n.self, kept.children.size() + other);
  bool other_done = !other;
  for (uint32_t c : kept.children) {
    if (!other_done && tree.names()[tree.nodes()[c].name] > kOther) {
      PutNode(out, kOther, kept.other, 0);
      other_done = true;
    }
    TreeBytes(tree, children, threshold, c, out);
  }
  if (!other_done) PutNode(out, kOther, kept.other, 0);
}

}  // namespace

OutputNames::OutputNames(const FunctionTree& tree, std::vector<std::string>& names)
    : tree_(tree), names_(names), index_(tree.names().size(), -1) {
  names_.push_back("total");
  index_[0] = 0;
}

int64_t OutputNames::Of(uint32_t name) {
  if (index_[name] < 0) {
    index_[name] = static_cast<int64_t>(names_.size());
    names_.push_back(tree_.names()[name]);
  }
  return index_[name];
}

int64_t OutputNames::Other() {
  if (other_ < 0) {
    other_ = static_cast<int64_t>(names_.size());
    names_.emplace_back(kOther);
  }
  return other_;
}

int64_t TruncationThreshold(const FunctionTree& tree, int64_t max_nodes) {
  const auto& nodes = tree.nodes();
  if (max_nodes <= 0 || nodes.size() - 1 <= static_cast<size_t>(max_nodes)) return 0;
  std::vector<int64_t> totals;
  totals.reserve(nodes.size() - 1);
  for (size_t i = 1; i < nodes.size(); ++i) totals.push_back(nodes[i].total);
  const auto nth = totals.begin() + (max_nodes - 1);
  std::nth_element(totals.begin(), nth, totals.end(), std::greater<int64_t>());
  return *nth;
}

FlameGraph BuildFlameGraph(const FunctionTree& tree, int64_t max_nodes) {
  return FlameGraphBuilder(tree, TruncationThreshold(tree, max_nodes)).Build();
}

std::string BuildTreeBytes(const FunctionTree& tree, int64_t max_nodes) {
  std::string out;
  TreeBytes(tree, tree.SortedChildren(), TruncationThreshold(tree, max_nodes), 0, out);
  return out;
}

}  // namespace flamedb::query

#include "query/flamegraph_diff.h"

#include "query/flamegraph.h"

#include <algorithm>
#include <functional>

namespace flamedb::query {
namespace {

constexpr std::string_view kOther = "other";

// Both trees on one set of nodes: a path of either tree is a node here, with 0/0 on the side
// that lacks it.
struct Aligned {
  FunctionTree tree;  // Self values unused; names and shape only.
  std::vector<int64_t> left_self, right_self, left_total, right_total;
};

void AddSide(const FunctionTree& side, Aligned& a, std::vector<int64_t>& self) {
  std::vector<uint32_t> node_of(side.nodes().size(), 0);
  for (uint32_t i = 1; i < side.nodes().size(); ++i) {
    const FunctionTree::Node& n = side.nodes()[i];
    node_of[i] = a.tree.Child(node_of[n.parent], a.tree.NameId(side.names()[n.name]));
    if (self.size() < a.tree.nodes().size()) self.resize(a.tree.nodes().size() * 2, 0);
    self[node_of[i]] += n.self;
  }
  if (self.empty()) self.resize(1, 0);
  self[0] += side.nodes()[0].self;
}

Aligned Align(const FunctionTree& left, const FunctionTree& right) {
  Aligned a;
  AddSide(left, a, a.left_self);
  AddSide(right, a, a.right_self);
  const size_t n = a.tree.nodes().size();
  a.left_self.resize(n, 0);
  a.right_self.resize(n, 0);
  a.left_total = a.left_self;
  a.right_total = a.right_self;
  // Children are created after their parents, so one backward pass sums subtrees.
  for (size_t i = n - 1; i > 0; --i) {
    const uint32_t parent = a.tree.nodes()[i].parent;
    a.left_total[parent] += a.left_total[i];
    a.right_total[parent] += a.right_total[i];
  }
  return a;
}

int64_t Threshold(const Aligned& a, int64_t max_nodes) {
  const size_t n = a.tree.nodes().size();
  if (max_nodes <= 0 || n - 1 <= static_cast<size_t>(max_nodes)) return 0;
  std::vector<int64_t> maxima;
  maxima.reserve(n - 1);
  for (size_t i = 1; i < n; ++i) maxima.push_back(std::max(a.left_total[i], a.right_total[i]));
  const auto nth = maxima.begin() + (max_nodes - 1);
  std::nth_element(maxima.begin(), nth, maxima.end(), std::greater<int64_t>());
  return *nth;
}

class DiffBuilder {
 public:
  DiffBuilder(const Aligned& a, int64_t threshold)
      : a_(a), children_(a.tree.SortedChildren()), threshold_(threshold),
        names_(a.tree, out_.names) {}

  FlameGraphDiff Build() {
    out_.left_ticks = a_.left_total[0];
    out_.right_ticks = a_.right_total[0];
    out_.total = out_.left_ticks + out_.right_ticks;
    Emit(0, 0, {0, 0}, {a_.left_total[0], a_.right_total[0]}, {a_.left_self[0], a_.right_self[0]},
         0);
    return std::move(out_);
  }

 private:
  struct Pair {
    int64_t left = 0, right = 0;
  };

  void Emit(uint32_t node, size_t depth, Pair x, Pair total, Pair self, int64_t name) {
    if (out_.levels.size() <= depth) {
      out_.levels.resize(depth + 1);
      end_.resize(depth + 1);
    }
    out_.levels[depth].insert(out_.levels[depth].end(),
                              {x.left - end_[depth].left, total.left, self.left,
                               x.right - end_[depth].right, total.right, self.right, name});
    end_[depth] = {x.left + total.left, x.right + total.right};
    out_.max_self = std::max({out_.max_self, self.left, self.right});
    if (node == kVirtual) return;
    Pair cx{x.left + self.left, x.right + self.right};
    Pair other;
    for (uint32_t c : children_[node]) {
      const bool kept = (a_.left_total[c] >= threshold_ || a_.right_total[c] >= threshold_) &&
                        a_.tree.names()[a_.tree.nodes()[c].name] != kOther;
      if (!kept) {
        other.left += a_.left_total[c];
        other.right += a_.right_total[c];
        continue;
      }
      const Pair t{a_.left_total[c], a_.right_total[c]};
      Emit(c, depth + 1, cx, t, {a_.left_self[c], a_.right_self[c]},
           names_.Of(a_.tree.nodes()[c].name));
      cx = {cx.left + t.left, cx.right + t.right};
    }
    if (other.left > 0 || other.right > 0) {
      Emit(kVirtual, depth + 1, cx, other, other, names_.Other());
    }
  }

  static constexpr uint32_t kVirtual = UINT32_MAX;
  const Aligned& a_;
  const std::vector<std::vector<uint32_t>> children_;
  const int64_t threshold_;
  FlameGraphDiff out_;  // Before names_, which appends to out_.names.
  OutputNames names_;
  std::vector<Pair> end_;
};

}  // namespace

Result<FlameGraphDiff> BuildFlameGraphDiff(const FunctionTree& left, const FunctionTree& right,
                                           int64_t max_nodes) {
  for (const FunctionTree* side : {&left, &right}) {
    for (const FunctionTree::Node& n : side->nodes()) {
      if (n.self < 0 || n.total < 0) {
        return InvalidArgumentError("cannot diff profiles with negative values");
      }
    }
  }
  const Aligned a = Align(left, right);
  return DiffBuilder(a, Threshold(a, max_nodes)).Build();
}

}  // namespace flamedb::query

#include "query/function_tree.h"

#include <algorithm>

#include "query/stacks.h"

namespace flamedb::query {

FunctionTree::FunctionTree() {
  names_.push_back("total");
  name_ids_.emplace("total", 0);
  nodes_.push_back(Node{});
}

uint32_t FunctionTree::NameId(std::string_view name) {
  const auto it = name_ids_.find(std::string(name));
  if (it != name_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  name_ids_.emplace(names_.back(), id);
  return id;
}

uint32_t FunctionTree::Child(uint32_t parent, uint32_t name) {
  const uint64_t key = static_cast<uint64_t>(parent) << 32 | name;
  const uint32_t found = children_.Find(key, [](uint32_t) { return true; });
  if (found != symdb::FlatMap::kMissing) return found;
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(Node{parent, name, 0, 0});
  children_.Insert(key, id);
  return id;
}

void FunctionTree::AddStack(const std::vector<std::string>& frames, int64_t value) {
  uint32_t node = 0;
  for (const std::string& f : frames) node = Child(node, NameId(f));
  AddSelf(node, value);
}

void FunctionTree::Merge(const FunctionTree& other) {
  std::vector<uint32_t> names(other.names_.size());
  for (size_t i = 0; i < names.size(); ++i) names[i] = NameId(other.names_[i]);
  // Parents come before their children, so each node's parent is mapped when it is reached.
  std::vector<uint32_t> nodes(other.nodes_.size(), 0);
  for (size_t i = 1; i < nodes.size(); ++i) {
    const Node& n = other.nodes_[i];
    nodes[i] = Child(nodes[n.parent], names[n.name]);
    AddSelf(nodes[i], n.self);
  }
  AddSelf(0, other.nodes_[0].self);
}

void FunctionTree::ComputeTotals() {
  for (Node& n : nodes_) n.total = n.self;
  // Children are always created after their parent, so one backward pass suffices.
  for (size_t i = nodes_.size() - 1; i > 0; --i) {
    nodes_[nodes_[i].parent].total += nodes_[i].total;
  }
}

std::vector<std::vector<uint32_t>> FunctionTree::SortedChildren() const {
  std::vector<std::vector<uint32_t>> children(nodes_.size());
  for (uint32_t i = 1; i < nodes_.size(); ++i) children[nodes_[i].parent].push_back(i);
  for (auto& c : children) {
    std::sort(c.begin(), c.end(),
              [&](uint32_t a, uint32_t b) { return names_[nodes_[a].name] < names_[nodes_[b].name]; });
  }
  return children;
}

namespace {

// Maps the stack tree nodes of one symbol partition to function tree nodes, memoized, so each
// partition node is resolved once whatever the number of samples.
class PartitionResolver {
 public:
  PartitionResolver(const symdb::Partition& p, FunctionTree& tree)
      : p_(p), tree_(tree), node_(p.stacks(), kUnset), name_(p.functions(), kUnset) {
    node_[0] = 0;
  }

  uint32_t Resolve(uint32_t stack) {
    path_.clear();
    uint32_t n = stack;
    while (node_[n] == kUnset) {
      path_.push_back(n);
      n = p_.stack_parent(n);
    }
    uint32_t cur = node_[n];
    for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
      const auto lines = p_.Lines(p_.location(p_.stack_location(*it)));
      // pprof lists inlined frames innermost first; the tree goes caller first.
      for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
        cur = tree_.Child(cur, FunctionName(line->function));
      }
      node_[*it] = cur;
    }
    return cur;
  }

 private:
  static constexpr uint32_t kUnset = UINT32_MAX;

  uint32_t FunctionName(uint32_t function) {
    uint32_t& id = name_[function];
    if (id == kUnset) id = tree_.NameId(p_.String(p_.function(function).name));
    return id;
  }

  const symdb::Partition& p_;
  FunctionTree& tree_;
  std::vector<uint32_t> node_;  // Partition stack node -> function tree node.
  std::vector<uint32_t> name_;  // Partition function -> name id.
  std::vector<uint32_t> path_;
};

}  // namespace

Status AddStackSums(const store::ProfileSource& source, const StackSums& sums,
                    const std::vector<std::string>& call_site, QueryContext& ctx,
                    FunctionTree& tree) {
  // What a function tree node costs: the node, its name slot and its hash table entry.
  constexpr int64_t kNodeBytes = sizeof(FunctionTree::Node) + 24;
  for (uint32_t p = 0; p < sums.size(); ++p) {
    if (sums[p].empty()) continue;
    const size_t before = tree.nodes().size();
    FLAMEDB_RETURN_IF_ERROR(source.WithSymbols(p, [&](const symdb::Partition& part) {
      const std::vector<bool> mask = CallSiteMask(part, call_site);
      PartitionResolver resolver(part, tree);
      const size_t n = std::min(sums[p].size(), part.stacks());
      for (uint32_t stack = 0; stack < n; ++stack) {
        if (sums[p][stack] != 0 && (mask.empty() || mask[stack])) {
          tree.AddSelf(resolver.Resolve(stack), sums[p][stack]);
        }
      }
    }));
    FLAMEDB_RETURN_IF_ERROR(
        ctx.Charge(static_cast<int64_t>(tree.nodes().size() - before) * kNodeBytes));
  }
  return OkStatus();
}

}  // namespace flamedb::query

#include "ingest/tree.h"

#include <cstdint>
#include <vector>

#include "pprof/wire.h"

namespace flamedb::ingest {
namespace {

struct Node {
  std::string_view label;
  uint64_t value = 0;
  uint64_t children = 0;
};

// Reads the next node; the reader's bounds checks make any claimed length safe.
bool ReadNode(pprof::WireReader& r, Node& node) {
  uint64_t len = 0;
  if (!r.ReadVarint(len)) {
    return false;
  }
  return r.ReadBytes(len, node.label) && r.ReadVarint(node.value) && r.ReadVarint(node.children);
}

Status Damaged(const char* format, size_t offset) {
  return InvalidArgumentError(std::string("invalid ") + format + " body: truncated or malformed node at byte " +
                              std::to_string(offset));
}

// Walks the nodes depth first. `on_node(depth, node)` sees each node after its ancestors.
template <typename F>
Status Walk(std::string_view body, const char* format, F on_node) {
  pprof::WireReader r(body);
  std::vector<uint64_t> pending;  // Children still to read, per open ancestor.
  bool root = true;
  while (root || !pending.empty()) {
    const size_t offset = r.offset();
    Node node;
    if (!ReadNode(r, node)) {
      return Damaged(format, offset);
    }
    FLAMEDB_RETURN_IF_ERROR(on_node(pending.size(), node));
    root = false;
    if (!pending.empty()) {
      --pending.back();
    }
    if (node.children > 0) {
      pending.push_back(node.children);
    }
    while (!pending.empty() && pending.back() == 0) {
      pending.pop_back();
    }
    if (!pending.empty() && r.done()) {
      return Damaged(format, r.offset());
    }
  }
  return OkStatus();
}

Result<int64_t> Value(const Node& node) {
  if (node.value > static_cast<uint64_t>(INT64_MAX)) {
    return InvalidArgumentError("node value " + std::to_string(node.value) + " is too large");
  }
  return static_cast<int64_t>(node.value);
}

}  // namespace

Result<model::Profile> ParseTree(std::string body, const StackProfileType& type) {
  auto storage = std::make_unique<const std::string>(std::move(body));
  const std::string_view text = *storage;
  StackProfileBuilder builder(std::move(storage), type);
  std::vector<std::string_view> path;  // path[0] is the unnamed root.
  FLAMEDB_RETURN_IF_ERROR(Walk(text, "tree", [&](size_t depth, const Node& node) -> Status {
    path.resize(depth);
    path.push_back(node.label);
    if (node.value > 0 && depth > 0) {
      FLAMEDB_ASSIGN_OR_RETURN(const int64_t value, Value(node));
      return builder.AddStack(std::span<const std::string_view>(path).subspan(1), value);
    }
    return OkStatus();
  }));
  return std::move(builder).Build();
}

Result<model::Profile> ParseTrie(std::string body, const StackProfileType& type) {
  auto storage = std::make_unique<const std::string>(std::move(body));
  const std::string_view text = *storage;
  StackProfileBuilder builder(std::move(storage), type);
  std::vector<size_t> key_lengths;  // Length of the key at each depth.
  std::string key;
  std::vector<std::string_view> frames;
  FLAMEDB_RETURN_IF_ERROR(Walk(text, "trie", [&](size_t depth, const Node& node) -> Status {
    key_lengths.resize(depth);
    key.resize(depth == 0 ? 0 : key_lengths.back());
    key.append(node.label);
    key_lengths.push_back(key.size());
    if (node.value > 0 && !key.empty()) {
      FLAMEDB_ASSIGN_OR_RETURN(const int64_t value, Value(node));
      SplitFrames(key, frames);
      return builder.AddStackCopy(frames, value);  // `key` changes: frames must be copied.
    }
    return OkStatus();
  }));
  return std::move(builder).Build();
}

}  // namespace flamedb::ingest

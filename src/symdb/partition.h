// One symbol partition (the symbols of one service): de-duplicated strings, mappings, functions
// and locations, and the stack tree whose node index is a stack's id (design §5 "symdb").
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/profile.h"
#include "symdb/flat_map.h"
#include "symdb/stack_cache.h"

namespace flamedb::symdb {

// Partition-wide records. String fields are string ids of the partition; ids are dense indexes
// (0 is the empty string, the empty mapping, and the stack tree's root).
struct Function {
  uint32_t name = 0;
  uint32_t system_name = 0;
  uint32_t filename = 0;
  uint32_t start_line = 0;
  friend bool operator==(const Function&, const Function&) = default;
};

struct Mapping {
  uint32_t filename = 0;
  uint32_t build_id = 0;
  uint64_t memory_start = 0;
  uint64_t memory_limit = 0;
  uint64_t file_offset = 0;
  uint8_t flags = 0;  // has_functions, has_filenames, has_line_numbers, has_inline_frames.
  friend bool operator==(const Mapping&, const Mapping&) = default;
};

struct Line {
  uint32_t function = 0;
  int32_t line = 0;
  friend bool operator==(const Line&, const Line&) = default;
};

struct Location {
  uint32_t mapping = 0;
  uint64_t address = 0;
  uint32_t lines_begin = 0;  // Into lines(); the caller-most inlined frame last.
  uint32_t lines_size = 0;
};

// A partition as plain columns: what blocks store and load. Index 0 of each table is the
// empty entry (the empty string, mapping, function, location, and the stack tree's root).
struct PartitionColumns {
  std::string string_bytes;            // Every string, concatenated.
  std::vector<uint64_t> string_ends;   // End offset of each string in string_bytes.
  std::vector<Mapping> mappings;
  std::vector<Function> functions;
  std::vector<Location> locations;
  std::vector<Line> lines;
  std::vector<uint32_t> stack_parent;  // By node; every parent is below its node.
  std::vector<uint32_t> stack_location;
};

// Append-only; ids never change, so stack ids handed out stay valid for the partition's life.
// Not thread-safe: the head serializes writers and gives readers snapshots.
class Partition {
 public:
  Partition();
  // A read-only partition of stored columns (no de-duplication tables: the Intern and
  // AddSamples methods must not be called on it). Errors: kDataLoss when a reference is out
  // of range or a stack node's parent is not below it.
  static Result<std::unique_ptr<Partition>> FromColumns(PartitionColumns columns);
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  // Makes this partition a copy of `other`, de-duplication tables included, so that interning
  // into it finds what `other` holds (a segment-writer's next head starts from the last one's
  // symbols). REQUIRES: this partition is new (nothing interned); `other` is not a FromColumns
  // one.
  void CopyFrom(const Partition& other);

  uint32_t InternString(std::string_view s);
  uint32_t InternFunction(const Function& f);
  uint32_t InternMapping(const Mapping& m);
  // `lines` in pprof order (the innermost inlined frame first).
  uint32_t InternLocation(uint32_t mapping, uint64_t address, std::span<const Line> lines);
  // The stack id of `locations_leaf_first`: the tree node reached from the root by the
  // locations in root-first order. The empty stack is 0.
  uint32_t InternStack(std::span<const uint32_t> locations_leaf_first);

  // Interns every symbol `samples` of `profile` use and returns each sample's stack id. A stack
  // is looked up by its model::StackKey (Profile::stack_keys, or computed when normalization did
  // not set them), so the symbols of a stack seen before are not touched.
  // REQUIRES: `profile` was validated and normalized (references are valid, ids dense 1..N).
  std::vector<uint32_t> AddSamples(const model::Profile& profile,
                                   std::span<const uint32_t> samples);

  // The tree node for `location` called from `parent` (a stack id), created when new.
  uint32_t InternChild(uint32_t parent, uint32_t location);

  // Appends the locations of `stack`, leaf first, to `out`.
  void ResolveStack(uint32_t stack, std::vector<uint32_t>& out) const;

  std::string_view String(uint32_t id) const { return strings_[id]; }
  const Function& function(uint32_t id) const { return functions_[id]; }
  const Mapping& mapping(uint32_t id) const { return mappings_[id]; }
  const Location& location(uint32_t id) const { return locations_[id]; }
  std::span<const Line> Lines(const Location& l) const {
    return {lines_.data() + l.lines_begin, l.lines_size};
  }
  size_t stacks() const { return stack_parent_.size(); }
  uint32_t stack_parent(uint32_t node) const { return stack_parent_[node]; }
  uint32_t stack_location(uint32_t node) const { return stack_location_[node]; }
  size_t mappings() const { return mappings_.size(); }
  size_t lines() const { return lines_.size(); }
  size_t locations() const { return locations_.size(); }
  size_t functions() const { return functions_.size(); }
  size_t strings() const { return strings_.size(); }
  // Bytes held, for head memory accounting.
  size_t MemoryBytes() const;

 private:
  struct Loaded {};
  explicit Partition(Loaded) {}

  // AddSamples' state across the stacks of one profile it has not seen before.
  struct NewStacks {
    std::vector<uint32_t> frames;      // The stack to intern, root first.
    std::vector<uint32_t> prev;        // The stack interned before it.
    std::vector<uint32_t> prev_nodes;  // prev_nodes[k]: the node of prev[0..k].
  };
  // The stack id of fresh.frames, reusing the nodes of the root-side part it shares with
  // fresh.prev; then makes it fresh.prev.
  uint32_t InternNewStack(NewStacks& fresh);

  std::string loaded_strings_;              // FromColumns: strings_ point into it.
  std::deque<std::string> string_storage_;  // A deque never moves its elements.
  std::vector<std::string_view> strings_;
  FlatMap string_index_;
  std::vector<Function> functions_;
  FlatMap function_index_;
  std::vector<Mapping> mappings_;
  FlatMap mapping_index_;
  std::vector<Location> locations_;
  std::vector<Line> lines_;
  FlatMap location_index_;
  std::vector<uint32_t> stack_parent_;    // By node; node 0 is the root.
  std::vector<uint32_t> stack_location_;  // By node.
  FlatMap stack_index_;                   // Key: parent << 32 | location (exact, no hash).
  StackCache stack_cache_;                // StackKey -> stack id, of AddSamples' stacks.
};

}  // namespace flamedb::symdb

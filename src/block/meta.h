// meta.json: what a block holds, readable without opening the data object, so queries and
// retention can prune blocks by time, labels and profile types (docs/block-format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::block {

inline constexpr std::string_view kMetaFile = "meta.json";
inline constexpr std::string_view kDataFile = "block.bin";
inline constexpr int kMetaVersion = 1;

struct BlockMeta {
  std::string ulid;
  std::string tenant;
  int64_t min_time_nanos = 0;  // Inclusive bounds of the profiles' timestamps.
  int64_t max_time_nanos = 0;
  uint64_t series = 0;
  uint64_t profiles = 0;  // Rows: one per profile and sample type.
  uint64_t samples = 0;
  std::vector<std::string> label_names;    // Sorted.
  std::vector<std::string> profile_types;  // Sorted __profile_type__ values.
  std::vector<std::string> services;       // Sorted service_name values.
  int level = 1;                           // Compaction level: 1 for a cut head.
  std::vector<std::string> sources;        // Block ids this one was made from (itself at 1).
  std::string source = "ingester";
  uint64_t data_bytes = 0;
  uint64_t data_xxhash64 = 0;
  // Every WAL record of this tenant in a segment below this number is in the block, so a
  // replay after a crash between upload and WAL truncation skips them.
  uint64_t wal_segment_end = 0;
  // Set for a block stored inside a segment object with other tenants' blocks (cluster mode's
  // segment-writers): that object's key, and where the block's data_bytes start in it. Empty:
  // the block's data is its own object, <tenant>/<ulid>/block.bin.
  std::string object;
  uint64_t object_offset = 0;
};

std::string MetaToJson(const BlockMeta& meta);
// Errors: kDataLoss naming the missing or mistyped field.
Result<BlockMeta> MetaFromJson(std::string_view json);

}  // namespace flamedb::block

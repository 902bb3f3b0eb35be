// `flamectl blocks list|inspect`: the blocks of a bucket directory, read without a server.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "block/meta.h"
#include "objstore/bucket.h"

namespace flamedb::ctl {

// What a listing shows of one block: its meta.json, or why it could not be read.
struct BlockEntry {
  std::string tenant;
  std::string id;
  block::BlockMeta meta;
  Status status;  // Not OK: a missing or damaged meta.json (meta is then empty).
};

// The blocks of `tenant` (empty: of every tenant) in `bucket`, by tenant then id (time order).
// Errors: those of the bucket.
Result<std::vector<BlockEntry>> ListBlocks(objstore::Bucket& bucket, const std::string& tenant);

// A table (`json` false) or a JSON array of `blocks`.
std::string FormatBlocks(const std::vector<BlockEntry>& blocks, bool json);

// Opens block `id` of `tenant`, checks every section and describes it: meta, sections,
// symbol partitions, profile types, label names. Errors: kNotFound (no such block),
// kDataLoss (damage, naming the part).
Result<std::string> InspectBlock(objstore::Bucket& bucket, const std::string& tenant,
                                 const std::string& id, bool json);

}  // namespace flamedb::ctl

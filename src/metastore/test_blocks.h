// A one-profile block in a bucket, as a cut writes it: what the block index tests index.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "block/writer.h"
#include "head/head.h"
#include "metastore/block_index.h"
#include "objstore/bucket.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::metastore {

// Writes block `ulid` of `tenant` (one cpu profile of service "api") into `bucket`: its data,
// and its meta.json unless `with_meta` is false. Returns its meta.
inline block::BlockMeta WriteTestBlock(objstore::Bucket& bucket, const std::string& tenant,
                                       const std::string& ulid, block::BlockMeta meta = {},
                                       bool with_meta = true) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  head::Head head;
  EXPECT_THAT(head.Append({{"service_name", "api"}, {"__name__", "cpu"}},
                          b.Sample({"main"}, {5}).TimeNanos(1000).Build(), {}),
              testing::IsOk());
  meta.ulid = ulid;
  meta.tenant = tenant;
  meta.sources = {ulid};
  auto encoded = block::EncodeBlock(head, meta);
  EXPECT_THAT(encoded, testing::IsOk());
  EXPECT_THAT(bucket.Put(DataKey(encoded->meta), encoded->data), testing::IsOk());
  if (with_meta) {
    EXPECT_THAT(bucket.Put(MetaKey(encoded->meta), block::MetaToJson(encoded->meta)),
                testing::IsOk());
  }
  return encoded->meta;
}

}  // namespace flamedb::metastore

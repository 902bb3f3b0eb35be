#include "compactor/compact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/reader.h"
#include "metastore/block_index.h"
#include "head/head.h"
#include "objstore/memory_bucket.h"
#include "testing/profile_builder.h"
#include "testing/source_rows.h"
#include "testing/status_matchers.h"

namespace flamedb::compactor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::SourceRows;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

model::Profile Cpu(int64_t time, const std::string& leaf) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({leaf, "main"}, {time / 100}).Sample({"main"}, {10});
  return b.TimeNanos(time).Build();
}

class CompactTest : public ::testing::Test {
 protected:
  // Cuts `head` into block `ulid` of tenant "t" in the bucket, as the ingester does.
  block::BlockMeta Upload(const head::Head& head, const std::string& ulid, int level = 1) {
    block::BlockMeta meta;
    meta.ulid = ulid;
    meta.tenant = "t";
    meta.level = level;
    meta.sources = {ulid};
    meta.wal_segment_end = level * 10;
    auto encoded = block::EncodeBlock(head, meta);
    EXPECT_THAT(encoded, IsOk());
    EXPECT_THAT(bucket_.Put(metastore::BlockDir(encoded->meta) + "block.bin", encoded->data), IsOk());
    EXPECT_THAT(bucket_.Put(metastore::BlockDir(encoded->meta) + "meta.json",
                            block::MetaToJson(encoded->meta)),
                IsOk());
    return encoded->meta;
  }
  std::unique_ptr<block::BlockReader> Open(const block::BlockMeta& meta) {
    auto reader = block::BlockReader::Open(
        block::BucketSource(bucket_, metastore::BlockDir(meta) + "block.bin", meta.data_bytes));
    EXPECT_THAT(reader, IsOk());
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  objstore::MemoryBucket bucket_;
  std::string scratch_ = ::testing::TempDir();
};

TEST_F(CompactTest, TheNewBlockHoldsEveryInputRowOneLevelUp) {
  head::Head a, b, c;
  for (int64_t t = 1000; t <= 5000; t += 1000) {
    ASSERT_THAT(a.Append({{"service_name", "api"}, {"__name__", "cpu"}}, Cpu(t, "read"), {}), IsOk());
    ASSERT_THAT(b.Append({{"service_name", "api"}, {"__name__", "cpu"}}, Cpu(t + 10000, "write"), {}),
                IsOk());
    ASSERT_THAT(c.Append({{"service_name", "db"}, {"__name__", "cpu"}}, Cpu(t, "scan"), {}), IsOk());
  }
  const std::vector<block::BlockMeta> inputs = {
      Upload(a, "01ARYZ6S41TSV4RRFFQ69G5FA1"), Upload(b, "01ARYZ6S41TSV4RRFFQ69G5FA2"),
      Upload(c, "01ARYZ6S41TSV4RRFFQ69G5FA3", 2)};

  auto done = CompactBlocks(bucket_, inputs, "01ARYZ6S41TSV4RRFFQ69G5FB0", {.scratch_dir = scratch_});

  ASSERT_THAT(done, IsOk());
  const block::BlockMeta& meta = done->meta;
  EXPECT_EQ(meta.level, 3);  // One above the highest input.
  EXPECT_EQ(meta.tenant, "t");
  EXPECT_EQ(meta.source, "compactor");
  EXPECT_EQ(meta.wal_segment_end, 20u);
  EXPECT_THAT(meta.sources, ElementsAre("01ARYZ6S41TSV4RRFFQ69G5FA1", "01ARYZ6S41TSV4RRFFQ69G5FA2",
                                        "01ARYZ6S41TSV4RRFFQ69G5FA3"));
  EXPECT_EQ(meta.profiles, 15u);
  EXPECT_EQ(meta.series, 2u);
  EXPECT_EQ(meta.min_time_nanos, 1000);
  EXPECT_EQ(meta.max_time_nanos, 15000);
  EXPECT_EQ(done->input_bytes, inputs[0].data_bytes + inputs[1].data_bytes + inputs[2].data_bytes);
  auto stored = bucket_.Get(metastore::BlockDir(meta) + "meta.json");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(*stored, block::MetaToJson(meta));
  std::multiset<std::string> want;
  for (const auto& in : inputs) {
    const auto rows = SourceRows(*Open(in));
    want.insert(rows.begin(), rows.end());
  }
  const auto reader = Open(meta);
  EXPECT_EQ(SourceRows(*reader), want);
  EXPECT_THAT(reader->Verify(), IsOk());
  EXPECT_TRUE(*bucket_.Exists(metastore::BlockDir(inputs[0]) + "block.bin"));  // Retiring is the caller's.
}

TEST_F(CompactTest, BadInputsAreRefusedAndDamageLeavesNoBlock) {
  head::Head a, b;
  ASSERT_THAT(a.Append({{"service_name", "api"}}, Cpu(1000, "x"), {}), IsOk());
  ASSERT_THAT(b.Append({{"service_name", "api"}}, Cpu(2000, "y"), {}), IsOk());
  block::BlockMeta first = Upload(a, "01ARYZ6S41TSV4RRFFQ69G5FA1");
  block::BlockMeta second = Upload(b, "01ARYZ6S41TSV4RRFFQ69G5FA2");
  const std::string out = "01ARYZ6S41TSV4RRFFQ69G5FB0";

  EXPECT_THAT(CompactBlocks(bucket_, {}, out), StatusIs(StatusCode::kInvalidArgument));
  block::BlockMeta other = second;
  other.tenant = "u";
  EXPECT_THAT(CompactBlocks(bucket_, std::vector{first, other}, out),
              StatusIs(StatusCode::kInvalidArgument, "tenants t and u"));
  // Damage in a row chunk (the series index at the front still reads).
  std::string data = *bucket_.Get(metastore::BlockDir(second) + "block.bin");
  data[data.size() / 2] ^= 0x5a;
  ASSERT_THAT(bucket_.Put(metastore::BlockDir(second) + "block.bin", data), IsOk());
  EXPECT_THAT(CompactBlocks(bucket_, std::vector{first, second}, out, {.scratch_dir = scratch_}),
              StatusIs(StatusCode::kDataLoss));
  EXPECT_FALSE(*bucket_.Exists("t/" + out + "/meta.json"));
  EXPECT_FALSE(*bucket_.Exists("t/" + out + "/block.bin"));
}

}  // namespace
}  // namespace flamedb::compactor

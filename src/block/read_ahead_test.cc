// Reading a block from a bucket in few requests: the tail at open, row chunks a window at a time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/bytes.h"
#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "objstore/forwarding_bucket.h"
#include "objstore/memory_bucket.h"
#include "testing/profile_builder.h"
#include "testing/source_rows.h"
#include "testing/status_matchers.h"

namespace flamedb::block {
namespace {

using ::flamedb::testing::IsOk;

// A memory bucket that counts range reads.
class CountingBucket final : public objstore::ForwardingBucket {
 public:
  CountingBucket() : ForwardingBucket(std::make_unique<objstore::MemoryBucket>()) {}
  Result<std::string> GetRange(std::string_view k, uint64_t o, uint64_t n) override {
    ++reads;
    return ForwardingBucket::GetRange(k, o, n);
  }
  int reads = 0;
};

TEST(PrefetchedTest, FindsARangeOnlyWhenOnePieceHoldsAllOfIt) {
  Prefetched p;
  p.Add(10, "abcdef");
  p.Add(100, "xyz");

  EXPECT_EQ(p.Find(10, 6), "abcdef");
  EXPECT_EQ(p.Find(12, 2), "cd");
  EXPECT_EQ(p.Find(16, 0), "");
  EXPECT_EQ(p.Find(101, 2), "yz");
  EXPECT_FALSE(p.Find(9, 2).has_value());
  EXPECT_FALSE(p.Find(14, 3).has_value());
  EXPECT_FALSE(p.Find(50, 1).has_value());
  EXPECT_FALSE(p.Find(0, 1).has_value());
}

TEST(ReadAheadTest, NeighbouringRangesShareAReadWithinTheGapAndSizeBounds) {
  CountingBucket bucket;
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  ASSERT_THAT(bucket.Put("b", data), IsOk());
  const auto source = BucketSource(bucket, "b", data.size());
  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, 10}, {20, 10}, {1000, 5}, {600000, 100}, {600100, 50000}};
  Prefetched ahead;

  ASSERT_THAT(ReadAhead(*source, ranges, ahead, /*max_gap=*/4096, /*max_read=*/40000), IsOk());

  EXPECT_EQ(bucket.reads, 3);  // [0, 1005) | [600000, 600100) | [600100, 650100): over max_read.
  for (const auto& [offset, length] : ranges) {
    ASSERT_TRUE(ahead.Find(offset, length).has_value()) << offset;
    EXPECT_EQ(*ahead.Find(offset, length), data.substr(offset, length));
  }
  Prefetched none;
  ASSERT_THAT(ReadAhead(*StringSource(data), ranges, none), IsOk());
  EXPECT_FALSE(none.Find(0, 10).has_value());  // Random access: nothing to gain.
}

TEST(ReadAheadTest, ABlockInABucketOpensAndIsReadInAFewRequests) {
  head::Head head;
  for (int pod = 0; pod < 40; ++pod) {
    testing::ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
    b.Sample({"leaf" + std::to_string(pod), "main"}, {pod + 1}).Sample({"main"}, {3});
    ASSERT_THAT(head.Append({{"__name__", "cpu"}, {"pod", "p" + std::to_string(pod)},
                             {"service_name", "api"}},
                            b.TimeNanos(1000 + pod).Build(), {}),
                IsOk());
  }
  BlockMeta meta;
  meta.ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV";
  meta.tenant = "t";
  auto encoded = EncodeBlock(head, meta, {.chunk_rows = 4});  // Ten row chunks.
  ASSERT_THAT(encoded, IsOk());
  CountingBucket bucket;
  ASSERT_THAT(bucket.Put("t/b/block.bin", encoded->data), IsOk());

  auto reader = BlockReader::Open(BucketSource(bucket, "t/b/block.bin", encoded->data.size()));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(bucket.reads, 1);  // The whole (small) block: header, footer, TOC, series index.
  ASSERT_GE((*reader)->toc().chunks.size(), 10u);
  bucket.reads = 0;

  const std::multiset<std::string> rows = testing::SourceRows(**reader);

  EXPECT_EQ(rows, testing::SourceRows(head));
  EXPECT_LE(bucket.reads, 2);  // Every chunk in one read, and the symbol partition.
}

TEST(WrittenSourceTest, AJustWrittenBlockOpensFromItsBytesAndIsReadFromTheBucketAfter) {
  head::Head head;
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({"leaf", "main"}, {5}).Sample({"main"}, {3});
  ASSERT_THAT(head.Append({{"__name__", "cpu"}, {"service_name", "api"}}, b.TimeNanos(1000).Build(), {}),
              IsOk());
  BlockMeta meta;
  meta.ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV";
  meta.tenant = "t";
  auto encoded = EncodeBlock(head, meta);
  ASSERT_THAT(encoded, IsOk());
  CountingBucket bucket;
  // Inside a segment object: another tenant's bytes first.
  ASSERT_THAT(bucket.Put("seg", "other tenant" + encoded->data), IsOk());
  auto source = std::make_unique<WrittenSource>(bucket, "seg", encoded->data.size(), 12,
                                                encoded->data);
  WrittenSource* opening = source.get();

  auto reader = BlockReader::Open(std::move(source));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(bucket.reads, 0);
  opening->Forget();
  encoded->data.assign(encoded->data.size(), 'x');  // The writer's copy may go now.

  EXPECT_EQ(testing::SourceRows(**reader), testing::SourceRows(head));
  EXPECT_GT(bucket.reads, 0);
}

}  // namespace
}  // namespace flamedb::block

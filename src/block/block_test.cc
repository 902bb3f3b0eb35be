#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "block/meta.h"
#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "objstore/memory_bucket.h"
#include "store/summary.h"
#include "testing/profile_builder.h"
#include "testing/source_rows.h"
#include "testing/status_matchers.h"

namespace flamedb::block {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

model::Profile Cpu(int64_t time, int64_t a, int64_t b) {
  testing::ProfileBuilder builder;
  builder.SampleType("samples", "count").SampleType("cpu", "nanoseconds");
  builder.Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {a, a * 10000000});
  builder.Sample({"parse", "work", "main"}, {b, b * 10000000});
  builder.Sample({"gc"}, {1, 10000000});
  return builder.TimeNanos(time).Build();
}

model::Labels Labels(const std::string& service, const std::string& pod) {
  return model::Labels{{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", service}};
}

class BlockTest : public ::testing::Test {
 protected:
  BlockTest() {
    // Two services, three pods, out-of-order arrival.
    for (int64_t t : {3000, 1000, 2000}) {
      EXPECT_THAT(head_.Append(Labels("api", "a"), Cpu(t, t / 1000, 2), {}), IsOk());
      EXPECT_THAT(head_.Append(Labels("api", "b"), Cpu(t + 1, 5, t / 1000), {}), IsOk());
      EXPECT_THAT(head_.Append(Labels("db", "c"), Cpu(t + 2, 7, 7), {}), IsOk());
    }
  }

  EncodedBlock Encode(const WriteOptions& options = {}) {
    BlockMeta meta;
    meta.ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV";
    meta.tenant = "t1";
    meta.wal_segment_end = 7;
    Result<EncodedBlock> block = EncodeBlock(head_, meta, options);
    EXPECT_THAT(block, IsOk());
    return std::move(block).value();
  }

  head::Head head_;
};

// Counts its steps; never blocks.
class CountingPacer final : public base::Pacer {
 public:
  void Step() override { ++steps; }
  base::Duration paused() const override { return base::Duration{0}; }
  int steps = 0;
};

TEST_F(BlockTest, APacerIsSteppedAfterEachRowAndPartitionAndChangesNoByte) {
  CountingPacer pacer;
  const EncodedBlock paced = Encode({.chunk_rows = 4, .pacer = &pacer});
  const EncodedBlock plain = Encode({.chunk_rows = 4});
  EXPECT_EQ(pacer.steps, 18 + 2);  // Rows: nine profiles of two sample types; two services.
  EXPECT_EQ(paced.data, plain.data);
}

TEST_F(BlockTest, ABlockHoldsExactlyWhatTheHeadHeld) {
  const EncodedBlock block = Encode({.chunk_rows = 4});  // Several chunks.

  auto reader = BlockReader::Open(StringSource(block.data));

  ASSERT_THAT(reader, IsOk());
  const BlockReader& r = **reader;
  EXPECT_GT(r.toc().chunks.size(), 2u);
  EXPECT_EQ(testing::SourceRows(r), testing::SourceRows(head_));
  EXPECT_THAT(r.Verify(), IsOk());
  EXPECT_EQ(r.SeriesCount(), head_.SeriesCount());
  EXPECT_EQ(r.LabelNames(), head_.LabelNames());
  EXPECT_THAT(r.LabelValues("pod"), ElementsAre("a", "b", "c"));
  EXPECT_EQ(r.Range().min_nanos, 1000);
  EXPECT_EQ(r.Range().max_nanos, 3002);
  EXPECT_EQ(r.PartitionName(0), "api");
  const auto from_block = *store::Summarize({&r});
  const auto from_head = *store::Summarize({&head_});
  ASSERT_EQ(from_block.size(), from_head.size());
  for (size_t i = 0; i < from_block.size(); ++i) {
    EXPECT_EQ(from_block[i].labels, from_head[i].labels);
    EXPECT_EQ(from_block[i].profiles, from_head[i].profiles);
    EXPECT_EQ(from_block[i].totals, from_head[i].totals);
  }
}

// Rows of thousands of samples over thousands of stacks (the cut sorts those with a radix sort),
// with stacks repeated within a row, keep every stack's summed value.
TEST(BlockLargeRowsTest, LargeRowsWithRepeatedStacksSurviveTheBlock) {
  head::Head head;
  for (int64_t t = 0; t < 3; ++t) {
    testing::ProfileBuilder builder;
    builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
    for (int i = 0; i < 6000; ++i) {
      const int stack = (i * 7919 + static_cast<int>(t) * 13) % 2500;  // Each stack about twice.
      builder.Sample({"leaf" + std::to_string(stack), "mid" + std::to_string(stack % 50), "main"},
                     {(1 + i % 5) * 10000000});
    }
    ASSERT_THAT(head.Append(Labels("api", "a"), builder.TimeNanos(1000 + t).Build(), {}), IsOk());
  }
  BlockMeta meta;
  meta.ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV";
  meta.tenant = "t1";
  Result<EncodedBlock> block = EncodeBlock(head, meta, {});
  ASSERT_THAT(block, IsOk());
  auto reader = BlockReader::Open(StringSource(block->data));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(testing::SourceRows(**reader), testing::SourceRows(head));
}

// The leaf function names of a block's stacks in id order.
std::vector<std::string> LeavesById(const std::string& data) {
  auto reader = BlockReader::Open(StringSource(data));
  EXPECT_THAT(reader, IsOk());
  std::vector<std::string> out;
  EXPECT_THAT((*reader)->WithSymbols(0, [&](const symdb::Partition& p) {
    for (uint32_t s = 1; s < p.stacks(); ++s) {
      const symdb::Location& l = p.location(p.stack_location(s));
      out.emplace_back(p.String(p.function(p.Lines(l)[0].function).name));
    }
  }), IsOk());
  return out;
}

TEST(BlockStackOrderTest, SiblingsAreNumberedByContentWhateverOrderTheyArrived) {
  std::string blocks[2];
  for (int i = 0; i < 2; ++i) {
    testing::ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds");
    // The other way round in the second head: other head ids for the same stacks.
    for (const char* leaf : i == 0 ? std::vector{"zeta", "alpha", "mid"}
                                   : std::vector{"mid", "zeta", "alpha"}) {
      b.Sample({leaf, "main"}, {1});
    }
    head::Head head;
    ASSERT_THAT(head.Append(Labels("api", "a"), b.Build(), {}), IsOk());
    blocks[i] = EncodeBlock(head, BlockMeta())->data;
  }

  EXPECT_THAT(LeavesById(blocks[0]), ElementsAre("main", "alpha", "mid", "zeta"));
  EXPECT_EQ(LeavesById(blocks[1]), LeavesById(blocks[0]));
}

// Appends `b`'s profile at t=5 and a plain one at t=6 to `head`, writes the head as a block
// and opens it; the block's rows equal the head's. Null on failure (the failure reported).
std::unique_ptr<BlockReader> WithPlainRowAndThroughABlock(head::Head& head,
                                                          testing::ProfileBuilder& b) {
  EXPECT_THAT(head.Append(Labels("api", "a"), b.TimeNanos(5).Build(), {}), IsOk());
  EXPECT_THAT(head.Append(Labels("api", "a"), Cpu(6, 1, 1), {}), IsOk());  // Rows without.
  auto block = EncodeBlock(head, BlockMeta{});
  EXPECT_THAT(block, IsOk());
  if (!block.ok()) return nullptr;
  auto reader = BlockReader::Open(StringSource(block->data));
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return nullptr;
  EXPECT_EQ(testing::SourceRows(**reader), testing::SourceRows(head));
  return std::move(reader).value();
}

TEST(BlockSpansTest, SpanIdsOfSamplesSurviveTheBlock) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({"work", "main"}, {10}, {{"span_id", "00000000000000a1"}});
  b.Sample({"work", "main"}, {20}, {{"span_id", "00000000000000a1"}});  // Same stack and span.
  b.Sample({"work", "main"}, {40}, {{"span_id", "00000000000000b2"}});  // Same stack, other span.
  b.Sample({"work", "main"}, {80});                                      // No span.
  b.Sample({"gc"}, {160});
  head::Head head;
  const std::unique_ptr<BlockReader> reader = WithPlainRowAndThroughABlock(head, b);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(testing::SourceRows(*reader), ::testing::Contains(HasSubstr(
                                  "@5 total=310 gc;=160 work;main;=80 work;main;@span161=30 work;main;@span178=40")));
  std::vector<size_t> span_counts;
  ASSERT_THAT(reader->ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
    span_counts.push_back(row.spans.size());
    if (!row.spans.empty()) {
      EXPECT_EQ(row.spans.size(), row.stacks.size());
    }
  }), IsOk());
  // The span row holds (work, a1), (work, b2), (work, none), (gc, none); the others none.
  EXPECT_THAT(span_counts, ::testing::UnorderedElementsAre(4, 0, 0));
  EXPECT_THAT(reader->Verify(), IsOk());
}

// Trace ids stay with their samples through the block's trace table, with or without a span;
// equal stacks of different traces are not summed together.
TEST(BlockSpansTest, TraceIdsOfSamplesSurviveTheBlock) {
  constexpr char kA[] = "4bf92f3577b34da6a3ce929d0e0e4736";
  constexpr char kB[] = "0af7651916cd43dd8448eb211c80319c";
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({"work", "main"}, {10}, {{"span_id", "00000000000000a1"}, {"trace_id", kA}});
  b.Sample({"work", "main"}, {20}, {{"span_id", "00000000000000a1"}, {"trace_id", kA}});
  b.Sample({"work", "main"}, {40}, {{"trace_id", kB}});  // Same stack, other trace, no span.
  b.Sample({"work", "main"}, {80});
  b.Sample({"gc"}, {160}, {{"trace_id", kA}});
  head::Head head;
  const std::unique_ptr<BlockReader> reader = WithPlainRowAndThroughABlock(head, b);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(testing::SourceRows(*reader),
              ::testing::Contains(HasSubstr(std::string("@5 total=310 gc;@trace") + kA +
                                            "=160 work;main;=80 work;main;@span161@trace" + kA +
                                            "=30 work;main;@trace" + kB + "=40")));
  EXPECT_THAT(reader->Verify(), IsOk());
}

TEST_F(BlockTest, MetaDescribesTheBlockAndRoundTrips) {
  const EncodedBlock block = Encode();
  const BlockMeta& m = block.meta;

  EXPECT_EQ(m.series, 6u);     // Three label sets x two sample types.
  EXPECT_EQ(m.profiles, 18u);  // Nine profiles x two sample types.
  EXPECT_EQ(m.samples, 18u * 3);
  EXPECT_EQ(m.min_time_nanos, 1000);
  EXPECT_EQ(m.max_time_nanos, 3002);
  EXPECT_THAT(m.services, ElementsAre("api", "db"));
  EXPECT_THAT(m.profile_types, ElementsAre("process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                                           "process_cpu:samples:count:cpu:nanoseconds"));
  EXPECT_EQ(m.data_bytes, block.data.size());

  const std::string json = MetaToJson(m);
  EXPECT_THAT(json, HasSubstr("\"ulid\": \"01ARYZ6S41TSV4RRFFQ69G5FAV\""));
  const Result<BlockMeta> parsed = MetaFromJson(json);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(MetaToJson(*parsed), json);
  EXPECT_EQ(parsed->wal_segment_end, 7u);
  EXPECT_EQ(parsed->data_xxhash64, m.data_xxhash64);
}

TEST_F(BlockTest, ReadsOnlyTheRowsAskedFor) {
  const EncodedBlock block = Encode({.chunk_rows = 3});
  auto reader = BlockReader::Open(StringSource(block.data));
  ASSERT_THAT(reader, IsOk());
  std::vector<uint32_t> pod_b = (*reader)->Postings("pod", "b");
  ASSERT_EQ(pod_b.size(), 2u);

  std::vector<int64_t> times;
  ASSERT_THAT((*reader)->ForEachRow(pod_b, {1500, 2500}, [&](const store::RowView& row) {
    times.push_back(row.time_nanos);
  }), IsOk());

  EXPECT_THAT(times, ElementsAre(2001, 2001));  // Both sample types of the one profile in range.
}

TEST_F(BlockTest, TotalsOnlyReadsGiveTheSameRowsWithoutSamples) {
  const EncodedBlock block = Encode({.chunk_rows = 3});
  auto reader = BlockReader::Open(StringSource(block.data));
  ASSERT_THAT(reader, IsOk());
  for (const store::ProfileSource* source : {static_cast<const store::ProfileSource*>(&head_),
                                             static_cast<const store::ProfileSource*>(reader->get())}) {
    std::vector<std::string> full, totals;
    auto text = [](const store::RowView& r) {
      return std::to_string(r.series) + "/" + std::to_string(r.partition) + "@" +
             std::to_string(r.time_nanos) + "=" + std::to_string(r.total);
    };
    ASSERT_THAT(source->ForEachRow({}, {1500, 3001}, [&](const store::RowView& r) {
      full.push_back(text(r));
    }), IsOk());
    ASSERT_THAT(source->ForEachRowTotal({}, {1500, 3001}, [&](const store::RowView& r) {
      totals.push_back(text(r));
      EXPECT_TRUE(r.stacks.empty() && r.values.empty() && r.spans.empty());
    }), IsOk());
    EXPECT_EQ(totals, full);
    EXPECT_EQ(full.size(), 10u);  // Profiles at 2000, 2001, 2002, 3000, 3001, x 2 types.
  }
}

TEST_F(BlockTest, AnEmptyHeadMakesAnEmptyBlock) {
  head::Head empty;
  auto block = EncodeBlock(empty, BlockMeta{});
  ASSERT_THAT(block, IsOk());
  auto reader = BlockReader::Open(StringSource(block->data));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ((*reader)->SeriesCount(), 0u);
  EXPECT_THAT((*reader)->Verify(), IsOk());
}

TEST_F(BlockTest, ReadsFromABucketAndFromAMappedFile) {
  const EncodedBlock block = Encode();
  objstore::MemoryBucket bucket;
  ASSERT_THAT(bucket.Put("t1/b/block.bin", block.data), IsOk());
  const std::string path = ::testing::TempDir() + "block_test_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary) << block.data;

  auto from_bucket = BlockReader::Open(BucketSource(bucket, "t1/b/block.bin", block.data.size()));
  auto mapped = MappedFile(path);
  ASSERT_THAT(mapped, IsOk());
  auto from_file = BlockReader::Open(std::move(mapped).value());

  ASSERT_THAT(from_bucket, IsOk());
  ASSERT_THAT(from_file, IsOk());
  EXPECT_EQ(testing::SourceRows(**from_bucket), testing::SourceRows(head_));
  EXPECT_EQ(testing::SourceRows(**from_file), testing::SourceRows(head_));
  std::filesystem::remove(path);
  EXPECT_THAT(MappedFile(path), StatusIs(StatusCode::kNotFound));
}

// Damage anywhere is a kDataLoss error naming it; nothing crashes.
class DamagedBlockTest : public BlockTest {
 protected:
  std::string Flip(std::string data, uint64_t offset) {
    data[offset] = static_cast<char>(data[offset] ^ 0x10);
    return data;
  }
};

TEST_F(DamagedBlockTest, NotABlock) {
  EXPECT_THAT(BlockReader::Open(StringSource("short")),
              StatusIs(StatusCode::kDataLoss, "too short"));
  EXPECT_THAT(BlockReader::Open(StringSource(std::string(100, 'x'))),
              StatusIs(StatusCode::kDataLoss, "header magic"));
}

TEST_F(DamagedBlockTest, TruncatedObject) {
  const std::string data = Encode().data;
  EXPECT_THAT(BlockReader::Open(StringSource(data.substr(0, data.size() - 10))),
              StatusIs(StatusCode::kDataLoss, "footer"));
}

TEST_F(DamagedBlockTest, FlippedBitInTheTableOfContents) {
  const std::string data = Encode().data;
  EXPECT_THAT(BlockReader::Open(StringSource(Flip(data, data.size() - kFooterBytes - 3))),
              StatusIs(StatusCode::kDataLoss, "table of contents fails its checksum"));
}

TEST_F(DamagedBlockTest, FlippedBitInTheSeriesIndex) {
  const EncodedBlock block = Encode();
  auto good = BlockReader::Open(StringSource(block.data));
  const uint64_t at = (*good)->toc().series_section.offset + 5;
  EXPECT_THAT(BlockReader::Open(StringSource(Flip(block.data, at))),
              StatusIs(StatusCode::kDataLoss, "series index fails its checksum"));
}

TEST_F(DamagedBlockTest, FlippedBitInARowChunkFailsOnlyTheQueriesThatReadIt) {
  const EncodedBlock block = Encode({.chunk_rows = 3});
  auto good = BlockReader::Open(StringSource(block.data));
  const ChunkEntry& last = (*good)->toc().chunks.back();
  auto damaged = BlockReader::Open(StringSource(Flip(block.data, last.section.offset + 4)));
  ASSERT_THAT(damaged, IsOk());  // The TOC and series are intact.

  EXPECT_THAT((*damaged)->ForEachRow({}, {INT64_MIN, INT64_MAX}, [](const store::RowView&) {}),
              StatusIs(StatusCode::kDataLoss, "row chunk fails its checksum"));
  EXPECT_THAT((*damaged)->ForEachRow({}, {INT64_MIN, last.min_time - 1},
                                     [](const store::RowView&) {}),
              IsOk());
  EXPECT_THAT((*damaged)->Verify(), StatusIs(StatusCode::kDataLoss));
}

TEST_F(DamagedBlockTest, FlippedBitInSymbols) {
  const EncodedBlock block = Encode();
  auto good = BlockReader::Open(StringSource(block.data));
  const uint64_t at = (*good)->toc().partitions[1].section.offset + 3;
  auto damaged = BlockReader::Open(StringSource(Flip(block.data, at)));
  ASSERT_THAT(damaged, IsOk());

  EXPECT_THAT((*damaged)->WithSymbols(1, [](const symdb::Partition&) {}),
              StatusIs(StatusCode::kDataLoss, "symbol partition fails its checksum"));
  EXPECT_THAT((*damaged)->WithSymbols(0, [](const symdb::Partition&) {}), IsOk());
}

TEST_F(DamagedBlockTest, DamagedMeta) {
  EXPECT_THAT(MetaFromJson("{"), StatusIs(StatusCode::kDataLoss, "not a JSON object"));
  EXPECT_THAT(MetaFromJson(R"({"version": 1})"), StatusIs(StatusCode::kDataLoss, "block meta"));
  EXPECT_THAT(MetaFromJson(R"({"version": 99})"), StatusIs(StatusCode::kDataLoss, "version 99"));
}

}  // namespace
}  // namespace flamedb::block

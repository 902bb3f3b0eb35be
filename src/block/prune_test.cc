// Blocks of heads that start from an earlier head's symbols (a segment-writer's): with
// WriteOptions::prune_symbols they hold what a block of an empty head with the same pushes
// holds, symbols included.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/source_rows.h"
#include "testing/status_matchers.h"

namespace flamedb::block {
namespace {

using ::flamedb::testing::IsOk;

model::Profile Cpu(int64_t time, std::vector<std::vector<std::string>> stacks) {
  testing::ProfileBuilder builder;
  builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  int64_t value = 1;
  for (const auto& stack : stacks) builder.Sample(stack, {value++ * 10000000});
  return builder.TimeNanos(time).Build();
}

model::Labels Labels(const std::string& service) {
  return model::Labels{{"__name__", "process_cpu"}, {"service_name", service}};
}

void PushSecondSegment(head::Head& head) {
  ASSERT_THAT(head.Append(Labels("api"), Cpu(2000, {{"work", "main"}, {"new", "run", "main"}}),
                          {}), IsOk());
}

struct Counts {
  size_t stacks = 0, locations = 0, functions = 0, mappings = 0, strings = 0;
  friend bool operator==(const Counts&, const Counts&) = default;
};

Counts SymbolCounts(const BlockReader& r, uint32_t partition) {
  Counts c;
  EXPECT_THAT(r.WithSymbols(partition, [&](const symdb::Partition& p) {
    c = {p.stacks(), p.locations(), p.functions(), p.mappings(), p.strings()};
  }), IsOk());
  return c;
}

TEST(PruneSymbolsTest, ASeededHeadsBlockHoldsOnlyWhatItsRowsUse) {
  head::Head first;
  ASSERT_THAT(first.Append(Labels("api"), Cpu(1000, {{"work", "main"}, {"old", "gone", "main"}}),
                           {}), IsOk());
  ASSERT_THAT(first.Append(Labels("db"), Cpu(1000, {{"query", "main"}}), {}), IsOk());
  head::Head seeded;
  EXPECT_GT(seeded.SeedSymbols(first, 1 << 20), 0u);
  PushSecondSegment(seeded);
  head::Head fresh;
  PushSecondSegment(fresh);

  Result<EncodedBlock> pruned = EncodeBlock(seeded, BlockMeta{}, {.prune_symbols = true});
  Result<EncodedBlock> plain = EncodeBlock(fresh, BlockMeta{});
  Result<EncodedBlock> unpruned = EncodeBlock(seeded, BlockMeta{});

  ASSERT_THAT(pruned, IsOk());
  ASSERT_THAT(plain, IsOk());
  auto from_seeded = BlockReader::Open(StringSource(pruned->data));
  auto from_fresh = BlockReader::Open(StringSource(plain->data));
  ASSERT_THAT(from_seeded, IsOk());
  ASSERT_THAT(from_fresh, IsOk());
  EXPECT_EQ(testing::SourceRows(**from_seeded), testing::SourceRows(seeded));
  EXPECT_EQ(testing::SourceRows(**from_seeded), testing::SourceRows(**from_fresh));
  EXPECT_THAT((*from_seeded)->Verify(), IsOk());
  ASSERT_EQ((*from_seeded)->PartitionName(0), "api");
  EXPECT_EQ(SymbolCounts(**from_seeded, 0), SymbolCounts(**from_fresh, 0));
  // "db" was carried from the first head but did not push to the second: not in its block.
  EXPECT_EQ(seeded.PartitionCount(), 2u);
  EXPECT_EQ((*from_seeded)->PartitionCount(), 1u);
  // Without pruning the carried symbols ("old;gone") would be in the block too.
  ASSERT_THAT(unpruned, IsOk());
  EXPECT_GT(unpruned->data.size(), pruned->data.size());
  // A source that does not track which stacks its rows use (a block) is pruned by reading them.
  auto unpruned_reader = BlockReader::Open(StringSource(unpruned->data));
  ASSERT_THAT(unpruned_reader, IsOk());
  EXPECT_EQ(SymbolCounts(**unpruned_reader, 0).stacks, 7u);  // With main;old;gone.
  Result<EncodedBlock> again =
      EncodeBlock(**unpruned_reader, BlockMeta{}, {.prune_symbols = true});
  ASSERT_THAT(again, IsOk());
  auto from_again = BlockReader::Open(StringSource(again->data));
  ASSERT_THAT(from_again, IsOk());
  EXPECT_EQ(testing::SourceRows(**from_again), testing::SourceRows(**from_fresh));
  EXPECT_EQ(SymbolCounts(**from_again, 0), SymbolCounts(**from_fresh, 0));
  EXPECT_EQ((*from_again)->PartitionCount(), 1u);
}

TEST(PruneSymbolsTest, OnlyServicesThatPushedToThePreviousHeadAreCarried) {
  head::Head first;
  ASSERT_THAT(first.Append(Labels("api"), Cpu(1000, {{"work", "main"}}), {}), IsOk());
  ASSERT_THAT(first.Append(Labels("db"), Cpu(1000, {{"query", "main"}}), {}), IsOk());
  head::Head second;
  second.SeedSymbols(first, 1 << 20);
  PushSecondSegment(second);  // "api" only.
  head::Head third;

  third.SeedSymbols(second, 1 << 20);

  EXPECT_EQ(second.PartitionCount(), 2u);
  ASSERT_EQ(third.PartitionCount(), 1u);
  EXPECT_EQ(third.PartitionName(0), "api");
}

TEST(PruneSymbolsTest, SeedingStopsAtItsByteBudget) {
  head::Head first;
  ASSERT_THAT(first.Append(Labels("api"), Cpu(1000, {{"work", "main"}}), {}), IsOk());
  head::Head seeded;

  EXPECT_EQ(seeded.SeedSymbols(first, 16), 0u);
  EXPECT_EQ(seeded.PartitionCount(), 0u);
}

}  // namespace
}  // namespace flamedb::block

#include "block/symbol_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::block {
namespace {

using ::flamedb::testing::IsOk;
using ::testing::HasSubstr;

std::shared_ptr<const symdb::Partition> Part() { return std::make_shared<symdb::Partition>(); }

TEST(SymbolCacheTest, KeepsTheMostRecentlyUsedWithinItsBytes) {
  base::MetricsRegistry metrics;
  SymbolCache cache(100, &metrics);
  cache.Put(1, 0, Part(), 40);
  cache.Put(1, 1, Part(), 40);
  ASSERT_NE(cache.Get(1, 0), nullptr);  // Now (1, 1) is the least recently used.

  cache.Put(2, 0, Part(), 40);

  EXPECT_EQ(cache.Get(1, 1), nullptr);
  EXPECT_NE(cache.Get(1, 0), nullptr);
  EXPECT_NE(cache.Get(2, 0), nullptr);
  EXPECT_EQ(cache.bytes(), 80u);
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("flamedb_symbol_cache_evictions_total 1\n"));
  EXPECT_THAT(text, HasSubstr("flamedb_symbol_cache_hits_total 3\n"));
  EXPECT_THAT(text, HasSubstr("flamedb_symbol_cache_misses_total 1\n"));
  EXPECT_THAT(text, HasSubstr("flamedb_symbol_cache_bytes 80\n"));
}

TEST(SymbolCacheTest, AnEntryLargerThanTheCacheIsNotKept) {
  SymbolCache cache(100);
  cache.Put(1, 0, Part(), 40);

  cache.Put(1, 1, Part(), 101);

  EXPECT_EQ(cache.Get(1, 1), nullptr);
  EXPECT_NE(cache.Get(1, 0), nullptr);  // Nothing was evicted for it either.
}

TEST(SymbolCacheTest, ForgetDropsOnlyThatReadersEntries) {
  SymbolCache cache(1000);
  cache.Put(1, 0, Part(), 10);
  cache.Put(2, 0, Part(), 10);
  cache.Put(2, 3, Part(), 10);
  cache.Put(3, 0, Part(), 10);

  cache.Forget(2);

  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(cache.bytes(), 20u);
  EXPECT_EQ(cache.Get(2, 3), nullptr);
  EXPECT_NE(cache.Get(3, 0), nullptr);
}

// A block of `services` services, each its own symbol partition.
std::string Block(int services) {
  head::Head head;
  for (int s = 0; s < services; ++s) {
    testing::ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
    b.Sample({"f" + std::to_string(s), "main"}, {s + 1});
    const model::Labels labels = {{"__name__", "process_cpu"},
                                  {"service_name", "svc" + std::to_string(s)}};
    EXPECT_THAT(head.Append(labels, b.Build(), {}), IsOk());
  }
  return EncodeBlock(head, BlockMeta{})->data;
}

TEST(SymbolCacheTest, BlocksShareOneBoundedCacheAndReleaseItWhenClosed) {
  const std::string data = Block(4);
  // Room for about two partitions of this block.
  uint64_t one = 0;
  {
    auto probe = BlockReader::Open(StringSource(data));
    ASSERT_THAT((*probe)->WithSymbols(0, [&](const symdb::Partition& p) { one = p.MemoryBytes(); }),
                IsOk());
  }
  SymbolCache cache(one * 2 + one / 2);
  auto a = BlockReader::Open(StringSource(data), {.symbol_cache = &cache});
  auto b = BlockReader::Open(StringSource(data), {.symbol_cache = &cache});
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());

  // Every partition of both blocks answers correctly, whatever was evicted meanwhile.
  for (int round = 0; round < 2; ++round) {
    for (BlockReader* r : {a->get(), b->get()}) {
      for (uint32_t p = 0; p < 4; ++p) {
        std::vector<std::string> names;
        ASSERT_THAT(r->WithSymbols(p, [&](const symdb::Partition& part) {
          for (uint32_t f = 0; f < part.functions(); ++f) {
            names.emplace_back(part.String(part.function(f).name));
          }
        }), IsOk());
        EXPECT_THAT(names, ::testing::Contains(r->PartitionName(p).replace(0, 3, "f")));
        EXPECT_LE(cache.bytes(), cache.max_bytes());
      }
    }
  }
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_THAT((*b)->Verify(), IsOk());

  // b was used last (Verify read all of its partitions), so the cache holds only b's.
  b->reset();  // The block is closed (retention, compaction).

  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace flamedb::block

#include "objstore/caching_bucket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "objstore/forwarding_bucket.h"
#include "objstore/memory_bucket.h"
#include "testing/status_matchers.h"

namespace flamedb::objstore {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

// A memory bucket that counts the range reads that reach it (the downloads).
class CountingBucket final : public ForwardingBucket {
 public:
  explicit CountingBucket(std::atomic<int>* reads)
      : ForwardingBucket(std::make_unique<MemoryBucket>()), reads_(reads) {}
  Result<std::string> GetRange(std::string_view k, uint64_t o, uint64_t n) override {
    ++*reads_;
    return ForwardingBucket::GetRange(k, o, n);
  }

 private:
  std::atomic<int>* reads_;
};

class CachingBucketTest : public ::testing::Test {
 protected:
  CachingBucketTest() {
    dir_ = ::testing::TempDir() + "caching_bucket_test_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  ~CachingBucketTest() override { std::filesystem::remove_all(dir_); }

  // A cache over a fresh counting bucket holding "blk" = 0..9 as text.
  std::unique_ptr<CachingBucket> Open(CacheOptions options, base::MetricsRegistry* metrics = nullptr) {
    auto inner = std::make_unique<CountingBucket>(&reads_);
    EXPECT_THAT(inner->Put("t/blk/block.bin", "0123456789"), IsOk());
    auto cache = CachingBucket::Open(std::move(inner), options, metrics);
    EXPECT_THAT(cache, IsOk());
    return std::move(*cache);
  }

  std::string dir_;
  std::atomic<int> reads_{0};
};

TEST_F(CachingBucketTest, ARepeatedRangeIsDownloadedOnce) {
  base::MetricsRegistry metrics;
  auto cache = Open({.memory_bytes = 1 << 20}, &metrics);

  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 2, 3), "234");
  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 2, 3), "234");
  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 2, 4), "2345");  // Another range: downloaded.

  EXPECT_EQ(reads_, 2);
  EXPECT_EQ(cache->memory_bytes(), 7u);
  const std::string text = metrics.Render();
  EXPECT_THAT(text, ::testing::HasSubstr("flamedb_objstore_cache_hits_total{tier=\"memory\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("flamedb_objstore_cache_misses_total 2"));
  EXPECT_THAT(text, ::testing::HasSubstr("flamedb_objstore_fetched_bytes_total 7"));
}

TEST_F(CachingBucketTest, APutOrDeleteOfAKeyDropsWhatIsCachedOfIt) {
  auto cache = Open({.memory_bytes = 1 << 20, .disk_dir = dir_});
  ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 0, 2), "01");

  ASSERT_THAT(cache->Put("t/blk/block.bin", "abcdef"), IsOk());
  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 0, 2), "ab");
  ASSERT_THAT(cache->Delete("t/blk/block.bin"), IsOk());
  EXPECT_THAT(cache->GetRange("t/blk/block.bin", 0, 2), StatusIs(StatusCode::kNotFound));

  EXPECT_EQ(reads_, 3);
  EXPECT_EQ(cache->memory_bytes(), 0u);
  EXPECT_EQ(cache->disk_bytes(), 0u);
}

TEST_F(CachingBucketTest, MemoryKeepsTheMostRecentlyUsedRangesWithinItsBound) {
  auto cache = Open({.memory_bytes = 6});
  ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 0, 3), "012");
  ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 3, 3), "345");
  ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 0, 3), "012");  // Now the most recent.

  ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 6, 3), "678");  // Evicts "345".
  EXPECT_EQ(reads_, 3);
  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 0, 3), "012");
  EXPECT_EQ(reads_, 3);
  EXPECT_EQ(*cache->GetRange("t/blk/block.bin", 3, 3), "345");
  EXPECT_EQ(reads_, 4);
  EXPECT_LE(cache->memory_bytes(), 6u);
}

TEST_F(CachingBucketTest, TheDiskTierServesARestartWithoutDownloading) {
  {
    auto cache = Open({.memory_bytes = 0, .disk_dir = dir_});
    ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 1, 5), "12345");
    ASSERT_EQ(*cache->GetRange("t/blk/block.bin", 1, 5), "12345");
    EXPECT_EQ(reads_, 1);
  }
  std::ofstream(dir_ + "/0123456789abcdef.tmp") << "a write a crash cut short";
  reads_ = 0;
  base::MetricsRegistry metrics;

  auto restarted = Open({.memory_bytes = 1 << 20, .disk_dir = dir_}, &metrics);

  EXPECT_GT(restarted->disk_bytes(), 5u);
  EXPECT_EQ(*restarted->GetRange("t/blk/block.bin", 1, 5), "12345");
  EXPECT_EQ(reads_, 0);
  EXPECT_THAT(metrics.Render(),
              ::testing::HasSubstr("flamedb_objstore_cache_hits_total{tier=\"disk\"} 1"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/0123456789abcdef.tmp"));
}

TEST_F(CachingBucketTest, TheDiskTierStaysWithinItsBound) {
  auto cache = Open({.memory_bytes = 0, .disk_dir = dir_, .disk_bytes = 64});
  for (uint64_t offset = 0; offset < 10; ++offset) {
    ASSERT_THAT(cache->GetRange("t/blk/block.bin", offset, 1), IsOk());
  }

  EXPECT_LE(cache->disk_bytes(), 64u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_GT(files, 0u);
  EXPECT_LT(files, 10u);
}

}  // namespace
}  // namespace flamedb::objstore

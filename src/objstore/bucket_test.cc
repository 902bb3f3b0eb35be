// The contract of Bucket, run against every implementation: memory, filesystem, S3 (a real
// Swift s3api, which checks signatures) and Azure (a real Azurite, which checks SharedKey).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "objstore/filesystem_bucket.h"
#include "objstore/memory_bucket.h"
#include "objstore/remote_test_env.h"
#include "testing/status_matchers.h"

namespace flamedb::objstore {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

std::string TempDir() {
  static int counter = 0;
  const std::string dir = ::testing::TempDir() + "bucket_test_" + std::to_string(getpid()) + "_" +
                          std::to_string(counter++);
  std::filesystem::remove_all(dir);
  return dir;
}

using Factory = std::function<std::unique_ptr<Bucket>()>;

class BucketTest : public ::testing::TestWithParam<std::pair<const char*, Factory>> {
 protected:
  BucketTest() : bucket_(GetParam().second()) {}
  std::vector<std::string> Keys(const ListResult& r) {
    std::vector<std::string> out;
    for (const ObjectInfo& o : r.objects) out.push_back(o.key);
    return out;
  }
  std::unique_ptr<Bucket> bucket_;
};

TEST_P(BucketTest, PutThenGetAndOverwrite) {
  ASSERT_THAT(bucket_->Put("t/01J/meta.json", "{}"), IsOk());
  ASSERT_THAT(bucket_->Put("t/01J/meta.json", "{\"v\":2}"), IsOk());

  Result<std::string> got = bucket_->Get("t/01J/meta.json");

  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, "{\"v\":2}");
  EXPECT_EQ(*bucket_->Exists("t/01J/meta.json"), true);
  EXPECT_EQ(*bucket_->Exists("t/01J/data"), false);
}

// The filesystem bucket writes and syncs 256 KiB pieces: sizes on and off a piece boundary.
TEST_P(BucketTest, LargeObjectsKeepEveryByte) {
  for (const size_t size : {size_t{256 << 10}, size_t{(1 << 20) + 12345}}) {
    std::string data(size, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 9);
    const std::string key = "t/01J/" + std::to_string(size);

    ASSERT_THAT(bucket_->Put(key, data), IsOk());

    EXPECT_EQ(*bucket_->Get(key), data) << size;
  }
}

TEST_P(BucketTest, PutFileStoresTheFilesBytes) {
  const std::string path = TempDir() + ".src";
  std::string data(3 << 20, '\0');  // Several of the filesystem copy's pieces, and NUL bytes.
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  std::ofstream(path, std::ios::binary) << data;

  ASSERT_THAT(bucket_->PutFile("t/01J/block.bin", path), IsOk());

  EXPECT_EQ(*bucket_->Get("t/01J/block.bin"), data);
  EXPECT_THAT(bucket_->PutFile("t/x", path + ".missing"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(*bucket_->Exists("t/x"), false);
  std::filesystem::remove(path);
}

TEST_P(BucketTest, MissingObjectsAreNotFound) {
  EXPECT_THAT(bucket_->Get("nope"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(bucket_->GetRange("nope", 0, 1), StatusIs(StatusCode::kNotFound));
  ASSERT_THAT(bucket_->Put("dir/file", "x"), IsOk());
  EXPECT_THAT(bucket_->Get("dir"), StatusIs(StatusCode::kNotFound));  // A "directory" is no object.
}

TEST_P(BucketTest, RangeReads) {
  ASSERT_THAT(bucket_->Put("blob", "0123456789"), IsOk());

  EXPECT_EQ(*bucket_->GetRange("blob", 2, 3), "234");
  EXPECT_EQ(*bucket_->GetRange("blob", 8, 100), "89");
  EXPECT_EQ(*bucket_->GetRange("blob", 10, 5), "");
  EXPECT_THAT(bucket_->GetRange("blob", 11, 1), StatusIs(StatusCode::kOutOfRange));
}

TEST_P(BucketTest, ListWithAndWithoutDelimiter) {
  for (const char* key : {"a/1/meta.json", "a/1/data", "a/2/meta.json", "a/x", "b/1/meta.json"}) {
    ASSERT_THAT(bucket_->Put(key, "12345"), IsOk());
  }

  Result<ListResult> flat = bucket_->List("a/", "");
  Result<ListResult> tree = bucket_->List("a/", "/");
  Result<ListResult> root = bucket_->List("", "/");

  ASSERT_THAT(flat, IsOk());
  EXPECT_THAT(Keys(*flat), ElementsAre("a/1/data", "a/1/meta.json", "a/2/meta.json", "a/x"));
  EXPECT_EQ(flat->objects[0].size, 5u);
  ASSERT_THAT(tree, IsOk());
  EXPECT_THAT(Keys(*tree), ElementsAre("a/x"));
  EXPECT_THAT(tree->prefixes, ElementsAre("a/1/", "a/2/"));
  EXPECT_THAT(root->prefixes, ElementsAre("a/", "b/"));
  EXPECT_TRUE(bucket_->List("zzz/", "/")->objects.empty());
}

TEST_P(BucketTest, DeleteIsIdempotent) {
  ASSERT_THAT(bucket_->Put("t/b/meta.json", "{}"), IsOk());

  EXPECT_THAT(bucket_->Delete("t/b/meta.json"), IsOk());
  EXPECT_THAT(bucket_->Delete("t/b/meta.json"), IsOk());

  EXPECT_EQ(*bucket_->Exists("t/b/meta.json"), false);
  EXPECT_TRUE(bucket_->List("", "/")->prefixes.empty());  // No empty "directories" remain.
}

TEST_P(BucketTest, DeleteRemovesLargeObjectsAndKeepsWhatIsUnderAPrefix) {
  ASSERT_THAT(bucket_->Put("t/b/block.bin", std::string((9 << 20) + 5, 'b')), IsOk());
  ASSERT_THAT(bucket_->Put("t/c/meta.json", "{}"), IsOk());

  EXPECT_THAT(bucket_->Delete("t/b/block.bin"), IsOk());  // Larger than a shrinking step.
  (void)bucket_->Delete("t/c");  // A prefix, not an object: whatever it answers...

  EXPECT_EQ(*bucket_->Exists("t/b/block.bin"), false);
  EXPECT_EQ(*bucket_->Get("t/c/meta.json"), "{}");  // ...what is under it stays.
  EXPECT_THAT(Keys(*bucket_->List("", "")), ElementsAre("t/c/meta.json"));
}

TEST_P(BucketTest, KeysThatCouldEscapeAreRefused) {
  for (const std::string& key : {std::string(""), std::string("/abs"), std::string("a//b"),
                                 std::string("../x"), std::string("a/./b"), std::string("a/.."),
                                 std::string("x\0y", 3), std::string(1025, 'k'),
                                 std::string("a/.flamedb-tmp-1")}) {
    EXPECT_THAT(bucket_->Put(key, "x"), StatusIs(StatusCode::kInvalidArgument)) << key;
    EXPECT_THAT(bucket_->Get(key), StatusIs(StatusCode::kInvalidArgument)) << key;
  }
}

TEST_P(BucketTest, KeysWithSpacesPlusPercentAndUnicode) {
  const std::vector<std::string> keys = {"t/a b/c+d%20e", "t/ünïcöde/✓",
                                         "t/x&y=z?w#v;1,2@3!'()*$"};
  for (const std::string& key : keys) {
    ASSERT_THAT(bucket_->Put(key, "v:" + key), IsOk()) << key;
  }

  for (const std::string& key : keys) {
    EXPECT_EQ(*bucket_->Get(key), "v:" + key) << key;
    EXPECT_EQ(*bucket_->GetRange(key, 2, 1), key.substr(0, 1)) << key;
    EXPECT_EQ(*bucket_->Exists(key), true) << key;
  }
  Result<ListResult> listed = bucket_->List("t/", "");
  ASSERT_THAT(listed, IsOk());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(*listed), sorted);
  EXPECT_THAT(bucket_->List("t/a b/", "")->objects.size(), 1u);
  for (const std::string& key : keys) ASSERT_THAT(bucket_->Delete(key), IsOk());
  EXPECT_TRUE(bucket_->List("t/", "")->objects.empty());
}

// Remote buckets are opened with a page size of 2: these listings take several pages.
TEST_P(BucketTest, ListingsOfSeveralPagesMissNothing) {
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("p/" + std::to_string(i) + "/meta.json");
  keys.push_back("p/top");
  for (const std::string& key : keys) ASSERT_THAT(bucket_->Put(key, "x"), IsOk());

  Result<ListResult> flat = bucket_->List("p/", "");
  Result<ListResult> tree = bucket_->List("p/", "/");

  ASSERT_THAT(flat, IsOk());
  EXPECT_EQ(Keys(*flat), keys);
  ASSERT_THAT(tree, IsOk());
  EXPECT_THAT(Keys(*tree), ElementsAre("p/top"));
  EXPECT_EQ(tree->prefixes.size(), 7u);
  EXPECT_EQ(tree->prefixes.back(), "p/6/");
}

// Remote buckets are opened with multipart thresholds of a few MiB: both puts go in parts.
TEST_P(BucketTest, ObjectsLargerThanTheMultipartThresholdKeepEveryByte) {
  std::string data((11 << 20) + 3, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string path = TempDir() + ".big";
  std::ofstream(path, std::ios::binary) << data;

  ASSERT_THAT(bucket_->Put("t/big/put", data), IsOk());
  ASSERT_THAT(bucket_->PutFile("t/big/file", path), IsOk());

  EXPECT_TRUE(*bucket_->Get("t/big/put") == data);
  EXPECT_TRUE(*bucket_->Get("t/big/file") == data);
  EXPECT_EQ(*bucket_->GetRange("t/big/file", (5 << 20) - 2, 4), data.substr((5 << 20) - 2, 4));
  EXPECT_EQ(bucket_->List("t/big/", "")->objects[0].size, data.size());
  std::filesystem::remove(path);
}

TEST_P(BucketTest, DeleteManyRemovesEveryKeyItNames) {
  for (const char* key : {"d/1", "d/2", "d/3", "d/4"}) ASSERT_THAT(bucket_->Put(key, "x"), IsOk());

  EXPECT_THAT(bucket_->DeleteMany({"d/1", "d/3", "d/missing"}), IsOk());

  EXPECT_THAT(Keys(*bucket_->List("d/", "")), ElementsAre("d/2", "d/4"));
  EXPECT_THAT(bucket_->DeleteMany({"d/2", "../x"}), StatusIs(StatusCode::kInvalidArgument));
}

INSTANTIATE_TEST_SUITE_P(
    Implementations, BucketTest,
    ::testing::Values(
        std::make_pair("memory", Factory([] { return std::make_unique<MemoryBucket>(); })),
        std::make_pair("filesystem", Factory([]() -> std::unique_ptr<Bucket> {
          return std::move(FilesystemBucket::Open(TempDir())).value();
        })),
        std::make_pair("prefixed", Factory([]() -> std::unique_ptr<Bucket> {
          return OrDie(WithPrefix(std::make_unique<MemoryBucket>(), "deployment/a"));
        })),
        std::make_pair("s3", Factory(NewS3TestBucket)),
        std::make_pair("azure", Factory(NewAzureTestBucket))),
    [](const auto& info) { return std::string(info.param.first); });

TEST(FilesystemBucketTest, ObjectsAreFilesAndTempFilesAreNeverListed) {
  const std::string dir = TempDir();
  auto bucket = std::move(FilesystemBucket::Open(dir + "/")).value();
  ASSERT_THAT(bucket->Put("t/blk/data", "bytes"), IsOk());
  std::ofstream(dir + "/t/blk/.flamedb-tmp-data.1.0") << "half written";

  EXPECT_TRUE(std::filesystem::is_regular_file(dir + "/t/blk/data"));
  Result<ListResult> listed = bucket->List("t/", "");
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "t/blk/data");
}

TEST(FilesystemBucketTest, AnUnwritableDirectoryIsRefusedAtOpen) {
  EXPECT_THAT(FilesystemBucket::Open("/proc/flamedb-cannot-exist"),
              StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace flamedb::objstore

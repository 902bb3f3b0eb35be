// The contract of Bucket, run against every implementation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "objstore/filesystem_bucket.h"
#include "objstore/memory_bucket.h"
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

INSTANTIATE_TEST_SUITE_P(
    Implementations, BucketTest,
    ::testing::Values(
        std::make_pair("memory", Factory([] { return std::make_unique<MemoryBucket>(); })),
        std::make_pair("filesystem", Factory([]() -> std::unique_ptr<Bucket> {
          return std::move(FilesystemBucket::Open(TempDir())).value();
        }))),
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

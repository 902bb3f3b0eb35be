// The write path over a remote bucket: cut blocks staged on local disk, uploaded in the
// background, the WAL truncated only after; each crash point finished by the next start.
#include "ingester/test_fixture.h"

namespace flamedb::ingester {
namespace {

class UploaderTest : public IngesterTest {
 protected:
  UploaderTest() {
    staging_dir_ = dir_ + "-upload";
    std::filesystem::remove_all(staging_dir_);
  }
  ~UploaderTest() override { std::filesystem::remove_all(staging_dir_); }

  // Block directories staged and not uploaded yet, for tenant t1.
  size_t Staged() {
    const std::string dir = staging_dir_ + "/t1";
    if (!std::filesystem::exists(dir)) return 0;
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
  }
};

TEST_F(UploaderTest, WhileTheBucketFailsCutsStageBlocksThatQueriesReadAndTheWalStays) {
  auto ingester = Open();
  bucket_.FailPutsUnder("t1/");
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(10, 5), {}}}), IsOk());
  const std::string before = Json("t1");

  // The cut does not need the bucket; only the upload that Flush also tries fails.
  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal, "injected put failure"));

  EXPECT_EQ(Json("t1"), before);
  ASSERT_EQ(Snapshot("t1").blocks.size(), 1u);
  EXPECT_TRUE(Snapshot("t1").blocks[0]->staged);
  EXPECT_TRUE(Snapshot("t1").heads.empty());
  EXPECT_EQ(Staged(), 1u);
  EXPECT_TRUE(BlockDirs("t1").empty());
  EXPECT_GT(WalSegments(), 0u);
}

TEST_F(UploaderTest, UploadsCatchUpOnceTheBucketIsBackAndOnlyThenTheWalGoes) {
  auto ingester = Open();
  bucket_.FailPutsUnder("t1/");
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(10, 5), {}}}), IsOk());
  (void)ingester->Flush();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 2), {}}}), IsOk());
  (void)ingester->Flush();
  const std::string before = Json("t1");
  ASSERT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_uploads_pending 2\n"));
  ASSERT_GT(WalSegments(), 1u);

  bucket_.FailPutsUnder("");
  ASSERT_THAT(ingester->Flush(), IsOk());  // Uploads what is staged, in order.

  EXPECT_EQ(Staged(), 0u);
  EXPECT_EQ(BlockDirs("t1").size(), 2u);
  EXPECT_EQ(Json("t1"), before);
  for (const auto& b : Snapshot("t1").blocks) EXPECT_FALSE(b->staged);
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_uploads_pending 0\n"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_upload_lag_seconds 0\n"));
  EXPECT_EQ(WalSegments(), 0u);  // Every record is in a block in the bucket.
}

TEST_F(UploaderTest, ARestartWithStagedBlocksServesThemAndUploadsThemOnce) {
  std::string before;
  {
    auto ingester = Open();
    bucket_.FailPutsUnder("t1/");
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(10, 5), {}}}), IsOk());
    ASSERT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 2), {}}}), IsOk());  // In the WAL only.
    before = Json("t1");
  }  // A crash: nothing more is uploaded or cut.

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), before);  // The staged block, plus the WAL replayed past it.
  bucket_.FailPutsUnder("");
  ASSERT_THAT(restarted->Shutdown(), IsOk());
  EXPECT_EQ(Staged(), 0u);
  EXPECT_EQ(BlockDirs("t1").size(), 2u);
  restarted.reset();
  auto again = Open();
  EXPECT_EQ(Json("t1"), before);
  EXPECT_EQ(WalSegments(), 0u);
}

TEST_F(UploaderTest, ACrashBetweenUploadAndLocalDeletionCountsNothingTwice) {
  std::string before;
  std::string staged_copy;
  {
    auto ingester = Open();
    bucket_.FailPutsUnder("t1/");
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(10, 5), {}}}), IsOk());
    ASSERT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
    before = Json("t1");
    // Keep a copy of the staged block, as if the crash came before its local deletion.
    std::filesystem::copy(staging_dir_, staging_dir_ + ".copy",
                          std::filesystem::copy_options::recursive);
    bucket_.FailPutsUnder("");
    ASSERT_THAT(ingester->Shutdown(), IsOk());
    ASSERT_EQ(BlockDirs("t1").size(), 1u);
  }
  std::filesystem::remove_all(staging_dir_);
  std::filesystem::rename(staging_dir_ + ".copy", staging_dir_);
  ASSERT_EQ(Staged(), 1u);

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), before);
  EXPECT_EQ(Staged(), 0u);
  EXPECT_EQ(Snapshot("t1").blocks.size(), 1u);
}

TEST_F(UploaderTest, AStagedBlockWithoutMetaJsonIsDroppedAndTheWalRebuildsIt) {
  std::string before;
  {
    auto ingester = Open();
    bucket_.FailPutsUnder("t1/");
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(10, 5), {}}}), IsOk());
    ASSERT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
    before = Json("t1");
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(staging_dir_)) {
    if (e.path().filename() == "meta.json") std::filesystem::remove(e.path());
  }
  bucket_.FailPutsUnder("");

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), before);  // From the WAL.
  EXPECT_EQ(Snapshot("t1").blocks.size(), 0u);
  EXPECT_EQ(Snapshot("t1").heads.size(), 1u);
}

}  // namespace
}  // namespace flamedb::ingester

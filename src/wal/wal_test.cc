#include "wal/wal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::wal {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class WalTest : public ::testing::Test {
 protected:
  WalTest() {
    static int counter = 0;
    dir_ = ::testing::TempDir() + "wal_test_" + std::to_string(getpid()) + "_" +
           std::to_string(counter++);
    fs::remove_all(dir_);
  }

  // A fresh Wal over dir_ (as after a restart), with its own metrics.
  std::unique_ptr<Wal> Open(uint64_t segment_bytes = 1 << 20) {
    metrics_ = std::make_unique<base::MetricsRegistry>();
    auto wal = Wal::Open({.dir = dir_, .segment_bytes = segment_bytes}, logger_, *metrics_);
    EXPECT_THAT(wal, IsOk());
    return std::move(wal).value();
  }

  std::vector<std::string> ReplayAll(Wal& wal) {
    std::vector<std::string> out;
    EXPECT_THAT(wal.Replay([&](std::string_view r, Position) {
      out.emplace_back(r);
      return OkStatus();
    }),
                IsOk());
    return out;
  }

  std::string SegmentPath(uint64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%016llx.wal", static_cast<unsigned long long>(n));
    return dir_ + "/" + buf;
  }

  std::string dir_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<base::MetricsRegistry> metrics_;
};

TEST_F(WalTest, RecordsSurviveARestartInOrderAcrossSegments) {
  {
    auto wal = Open(64);  // Tiny segments: every couple of records rotates.
    for (int i = 0; i < 10; ++i) {
      ASSERT_THAT(wal->Append("record-" + std::to_string(i)), IsOk());
    }
    EXPECT_GT(wal->Segments().size(), 3u);
  }

  auto wal = Open();

  std::vector<std::string> replayed = ReplayAll(*wal);
  ASSERT_EQ(replayed.size(), 10u);
  EXPECT_EQ(replayed.front(), "record-0");
  EXPECT_EQ(replayed.back(), "record-9");
}

TEST_F(WalTest, ATornTailIsCutAndLaterAppendsReplayAfterIt) {
  {
    auto wal = Open();
    for (const char* r : {"one", "two", "three"}) ASSERT_THAT(wal->Append(r), IsOk());
  }
  fs::resize_file(SegmentPath(1), fs::file_size(SegmentPath(1)) - 2);  // Crash mid-write.
  {
    auto wal = Open();
    EXPECT_THAT(ReplayAll(*wal), ElementsAre("one", "two"));
    EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_torn_tails_total 1\n"));
    ASSERT_THAT(wal->Append("four"), IsOk());
  }

  auto wal = Open();

  EXPECT_THAT(ReplayAll(*wal), ElementsAre("one", "two", "four"));
}

TEST_F(WalTest, CorruptionIsQuarantinedAndLaterSegmentsStillReplay) {
  {
    auto wal = Open(40);
    for (const char* r : {"aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"}) {
      ASSERT_THAT(wal->Append(r), IsOk());
    }
  }
  ASSERT_GE(fs::file_size(SegmentPath(1)), 8u + 2 * 12);
  {
    std::fstream f(SegmentPath(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 12 + 8);  // The payload of the second record.
    f.put('X');
  }

  auto wal = Open();
  std::vector<std::string> replayed = ReplayAll(*wal);

  EXPECT_EQ(replayed.front(), "aaaa");
  EXPECT_THAT(replayed, ::testing::Not(::testing::Contains("bbbb")));
  EXPECT_THAT(replayed, ::testing::Contains("ffff"));  // Later segments are intact.
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 1\n"));
  EXPECT_TRUE(fs::exists(dir_ + "/quarantine/" + fs::path(SegmentPath(1)).filename().string() +
                         ".20"));
  EXPECT_EQ(fs::file_size(SegmentPath(1)), 20u);  // Cut at the corrupt record.
}

TEST_F(WalTest, ASegmentWithoutTheHeaderIsQuarantinedWhole) {
  { auto wal = Open(); ASSERT_THAT(wal->Append("x"), IsOk()); }
  std::ofstream(SegmentPath(1), std::ios::binary | std::ios::trunc) << "not a wal at all";

  auto wal = Open();

  EXPECT_TRUE(ReplayAll(*wal).empty());
  EXPECT_TRUE(fs::exists(dir_ + "/quarantine/" + fs::path(SegmentPath(1)).filename().string() +
                         ".0"));
}

TEST_F(WalTest, AHugeClaimedLengthIsCorruptionNotAnAllocation) {
  { auto wal = Open(); ASSERT_THAT(wal->Append("x"), IsOk()); ASSERT_THAT(wal->Append("y"), IsOk()); }
  {
    std::fstream f(SegmentPath(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    const uint32_t huge = 0xfffffff0;
    f.write(reinterpret_cast<const char*>(&huge), 4);
  }

  auto wal = Open();

  EXPECT_TRUE(ReplayAll(*wal).empty());
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 1\n"));
}

TEST_F(WalTest, ConcurrentAppendsAreAllDurable) {
  {
    auto wal = Open();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&wal, t] {
        for (int i = 0; i < 50; ++i) {
          EXPECT_THAT(wal->Append(std::to_string(t) + "/" + std::to_string(i)), IsOk());
        }
      });
    }
    for (auto& th : threads) th.join();
  }

  auto wal = Open();

  EXPECT_EQ(ReplayAll(*wal).size(), 400u);
}

TEST_F(WalTest, TruncateDeletesOlderSegments) {
  auto wal = Open(40);
  Position last;
  for (const char* r : {"aaaa", "bbbb", "cccc", "dddd"}) {
    last = *wal->Append(r);
  }

  ASSERT_THAT(wal->Truncate(last.segment), IsOk());

  EXPECT_THAT(wal->Segments(), ElementsAre(last.segment));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()),
            2);  // The segment left, and quarantine/: nothing renamed for deletion stays.
}

TEST_F(WalTest, ASegmentACrashLeftHalfDeletedIsRemovedAtOpenAndNotReplayed) {
  uint64_t first = 0, last = 0;
  {
    auto wal = Open(40);
    first = wal->Append("aaaa")->segment;
    ASSERT_THAT(wal->Append("bbbb"), IsOk());
    last = wal->Append("cccc")->segment;
  }
  ASSERT_GT(last, first);
  // What Truncate leaves when the process dies while it shrinks a segment: renamed, cut short.
  const std::string doomed = SegmentPath(first) + ".deleting";
  fs::rename(SegmentPath(first), doomed);
  fs::resize_file(doomed, 11);

  auto wal = Open(40);

  EXPECT_FALSE(fs::exists(doomed));
  const std::vector<std::string> replayed = ReplayAll(*wal);
  ASSERT_FALSE(replayed.empty());
  EXPECT_NE(replayed.front(), "aaaa");
  EXPECT_EQ(replayed.back(), "cccc");
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 0\n"));
}

TEST_F(WalTest, AZeroFilledPageAtTheTailIsCut) {
  { auto wal = Open(); for (const char* r : {"one", "two"}) ASSERT_THAT(wal->Append(r), IsOk()); }
  const uintmax_t intact = fs::file_size(SegmentPath(1));
  std::ofstream(SegmentPath(1), std::ios::binary | std::ios::app) << std::string(4096, '\0');

  auto wal = Open();

  EXPECT_THAT(ReplayAll(*wal), ElementsAre("one", "two"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_torn_tails_total 1\n"));
  EXPECT_EQ(fs::file_size(SegmentPath(1)), intact);
}

TEST_F(WalTest, AZeroFilledPageMidSegmentIsQuarantined) {
  {
    auto wal = Open(4096);
    for (const char* r : {"aaaa", "bbbb", "cccc"}) ASSERT_THAT(wal->Append(r), IsOk());
    ASSERT_THAT(wal->Rotate(), IsOk());
    ASSERT_THAT(wal->Append("dddd"), IsOk());
  }
  {
    std::fstream f(SegmentPath(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 12);  // From the second record on: a zeroed region that is not the tail.
    f << std::string(12, '\0');
  }

  auto wal = Open();

  EXPECT_THAT(ReplayAll(*wal), ElementsAre("aaaa", "dddd"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 1\n"));
}

TEST_F(WalTest, AFileTruncatedInsideItsHeaderIsATornTail) {
  { auto wal = Open(); ASSERT_THAT(wal->Append("x"), IsOk()); ASSERT_THAT(wal->Rotate(), IsOk());
    ASSERT_THAT(wal->Append("y"), IsOk()); }
  fs::resize_file(SegmentPath(2), 3);  // A crash while segment 2 was being created.

  auto wal = Open();

  EXPECT_THAT(ReplayAll(*wal), ElementsAre("x"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 0\n"));
}

TEST_F(WalTest, AFileTruncatedMidRecordInAnOlderSegmentKeepsTheRecordsBefore) {
  {
    auto wal = Open();
    for (const char* r : {"aaaa", "bbbb", "cccc"}) ASSERT_THAT(wal->Append(r), IsOk());
    ASSERT_THAT(wal->Rotate(), IsOk());
    ASSERT_THAT(wal->Append("dddd"), IsOk());
  }
  fs::resize_file(SegmentPath(1), 8 + 12 + 12 + 6);  // Cut inside "cccc".

  auto wal = Open();

  EXPECT_THAT(ReplayAll(*wal), ElementsAre("aaaa", "bbbb", "dddd"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_wal_corruptions_total 1\n"));
}

TEST_F(WalTest, RotateSplitsBeforeAndAfter) {
  auto wal = Open();
  const Position before = *wal->Append("before");
  const Result<uint64_t> boundary = wal->Rotate();
  ASSERT_THAT(boundary, IsOk());
  const Position after = *wal->Append("after");

  EXPECT_LT(before.segment, *boundary);
  EXPECT_EQ(after.segment, *boundary);
  ASSERT_THAT(wal->Truncate(*boundary), IsOk());
  EXPECT_THAT(wal->Segments(), ElementsAre(*boundary));
}

TEST_F(WalTest, NumbersNeverGoBelowTheMinimum) {
  metrics_ = std::make_unique<base::MetricsRegistry>();
  auto wal = Wal::Open({.dir = dir_, .min_segment = 42}, logger_, *metrics_);
  ASSERT_THAT(wal, IsOk());

  EXPECT_EQ((*wal)->Append("x")->segment, 42u);
  EXPECT_THAT((*wal)->Append(""), StatusIs(StatusCode::kInvalidArgument, "empty"));
}

TEST_F(WalTest, OversizedRecordsAreRefused) {
  auto wal = Open();
  EXPECT_THAT(wal->Append(std::string(kMaxRecordBytes + 1, 'x')),
              StatusIs(StatusCode::kInvalidArgument, "over the limit"));
}

}  // namespace
}  // namespace flamedb::wal

#include "adhoc/adhoc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "objstore/memory_bucket.h"
#include "pprof/encoder.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::adhoc {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kMax = 1 << 20;

// A Go-like CPU profile: samples then cpu, 3 and 1 samples of 10 ms.
std::string Pprof() {
  testing::ProfileBuilder b;
  b.SampleType("samples", "count").SampleType("cpu", "nanoseconds");
  b.Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "main"}, {3, 30000000}).Sample({"idle", "main"}, {1, 10000000});
  return pprof::EncodeProfile(b.Build());
}

int64_t Total(const View& v) { return v.tree.total(); }

TEST(ReadTest, PprofShowsItsLastSampleTypeUnlessAskedForAnother) {
  Result<View> v = Read(Pprof(), "", kMax);
  ASSERT_THAT(v, IsOk());
  EXPECT_THAT(v->sample_types, ElementsAre("samples", "cpu"));
  EXPECT_EQ(v->sample_type, "cpu");
  EXPECT_EQ(v->unit, "nanoseconds");
  EXPECT_EQ(Total(*v), 40000000);
  Result<View> samples = Read(Pprof(), "samples", kMax);
  ASSERT_THAT(samples, IsOk());
  EXPECT_EQ(Total(*samples), 4);
  EXPECT_THAT(Read(Pprof(), "wall", kMax),
              StatusIs(StatusCode::kInvalidArgument, "no sample type \"wall\"; it has: samples, cpu"));
}

TEST(ReadTest, GzippedPprofAndFoldedTextWithALongFirstLine) {
  EXPECT_EQ(Total(*Read(base::Gzip(Pprof()), "", kMax)), 40000000);
  // A first line far longer than any sniffed prefix.
  std::string folded = "main;" + std::string(10000, 'f') + " 5\nmain;work 7\n";
  Result<View> v = Read(folded, "", kMax);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(Total(*v), 12);
  EXPECT_THAT(v->sample_types, ElementsAre("samples"));
  EXPECT_EQ(Total(*Read(base::Gzip(folded), "", kMax)), 12);
}

TEST(ReadTest, ABadFileSaysWhatIsWrongWithIt) {
  EXPECT_THAT(Read(std::string("\x1f\x8b\x08\x00garbage", 12), "", kMax),
              StatusIs(StatusCode::kInvalidArgument, "not gzip"));
  EXPECT_THAT(Read("main;work 5\nthis line has no count\n", "", kMax),
              StatusIs(StatusCode::kInvalidArgument, "looks like folded text but is not"));
  EXPECT_THAT(Read("main;work 5\nthis line has no count\n", "", kMax),
              StatusIs(StatusCode::kInvalidArgument, "line 2"));
  EXPECT_THAT(Read(std::string("\x08\x96\x01\xff\xff", 5), "", kMax),
              StatusIs(StatusCode::kInvalidArgument, "not a pprof profile"));
  // Valid UTF-8, but control characters: binary, so the pprof error is the one that tells.
  EXPECT_THAT(Read(std::string("\x0a\x7f\x01", 3), "", kMax),
              StatusIs(StatusCode::kInvalidArgument, "not a pprof profile"));
  EXPECT_THAT(Read("", "", kMax), StatusIs(StatusCode::kInvalidArgument, "empty"));
  EXPECT_THAT(Read(Pprof(), "", 16), StatusIs(StatusCode::kResourceExhausted));
}

class StoreTest : public ::testing::Test {
 protected:
  objstore::MemoryBucket bucket_;
  flamedb::testing::FakeClock clock_;
  Store store_{bucket_, clock_, [](std::string_view) { return kMax; }};
};

TEST_F(StoreTest, AnUploadIsListedNewestFirstAndReopensByItsId) {
  Result<View> first = store_.Upload("t1", "cpu profile (1).pb.gz", Pprof(), "");
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->meta.name, "cpu_profile__1_.pb.gz");
  EXPECT_THAT(first->meta.id, HasSubstr("-cpu_profile__1_.pb.gz"));
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_THAT(store_.Upload("t1", "b.folded", "a;b 3\n", ""), IsOk());
  ASSERT_THAT(store_.Upload("t2", "other", "a;b 3\n", ""), IsOk());

  Result<std::vector<Listed>> listed = store_.List("t1");
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);  // Not t2's.
  EXPECT_EQ((*listed)[0].name, "b.folded");
  EXPECT_EQ((*listed)[1].id, first->meta.id);
  EXPECT_EQ((*listed)[0].uploaded_at_ms - (*listed)[1].uploaded_at_ms, 5000);

  Result<View> again = store_.Get("t1", first->meta.id, "samples");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(Total(*again), 4);
  EXPECT_EQ(again->meta.uploaded_at_ms, first->meta.uploaded_at_ms);
}

TEST_F(StoreTest, GetRefusesForeignIdsAndOtherTenantsProfiles) {
  Result<View> up = store_.Upload("t1", "x", Pprof(), "");
  ASSERT_THAT(up, IsOk());
  EXPECT_THAT(store_.Get("t2", up->meta.id, ""), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store_.Get("t1", "../t2/adhoc/x", ""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(store_.Get("t1", "01ARZ3NDEKTSV4RRFFQ69G5FAV-missing", ""),
              StatusIs(StatusCode::kNotFound, "not found"));
}

TEST_F(StoreTest, ABadUploadStoresNothing) {
  EXPECT_THAT(store_.Upload("t1", "x", "not a profile", ""),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(store_.List("t1")->empty());
}

}  // namespace
}  // namespace flamedb::adhoc

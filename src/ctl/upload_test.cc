#include "ctl/upload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ctl {
namespace {

UploadOptions WithType(std::string type) {
  UploadOptions o;
  o.type = std::move(type);
  return o;
}

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

std::string HeapPprof() {
  testing::ProfileBuilder b;
  b.SampleType("alloc_objects", "count").SampleType("alloc_space", "bytes");
  b.Sample({"main", "alloc"}, {3, 300});
  return pprof::EncodeProfile(b.Build());
}

TEST(UploadTest, PprofKeepsItsBytesAndGuessesTheType) {
  const std::string raw = HeapPprof();
  Result<PreparedUpload> up = PrepareUpload("heap.pb", raw, {});
  Result<PreparedUpload> gz = PrepareUpload("heap.pb.gz", base::Gzip(raw), WithType("custom"));

  ASSERT_THAT(up, IsOk());
  EXPECT_EQ(up->format, FileFormat::kPprof);
  EXPECT_EQ(up->raw_profile, raw);
  EXPECT_EQ(up->metric, "memory");
  EXPECT_EQ(up->samples, 1u);
  EXPECT_THAT(up->labels, ElementsAre(Pair("__name__", "memory"), Pair("service_name", "flamectl-upload")));
  ASSERT_THAT(gz, IsOk());
  EXPECT_EQ(gz->metric, "custom");
}

TEST(UploadTest, GoMutexBlockAndGoroutineProfilesGetTheirNames) {
  testing::ProfileBuilder contention;
  contention.SampleType("contentions", "count").SampleType("delay", "nanoseconds");
  contention.Sample({"lock"}, {1, 100});
  const std::string pb = pprof::EncodeProfile(contention.Build());
  testing::ProfileBuilder goroutine;
  goroutine.SampleType("goroutine", "count").Sample({"park"}, {4});

  EXPECT_EQ(PrepareUpload("out/mutex.pb.gz", pb, {})->metric, "mutex");
  EXPECT_EQ(PrepareUpload("out/block.pb.gz", pb, {})->metric, "block");
  EXPECT_EQ(PrepareUpload("g.pb", pprof::EncodeProfile(goroutine.Build()), {})->metric, "goroutine");
}

TEST(UploadTest, FoldedBecomesACpuPprofWithTheSampleRate) {
  UploadOptions o;
  o.service_name = "svc";
  o.labels = {{"env", "prod"}, {"service_name", "other"}};
  o.sample_rate = 100;
  o.now_ns = 1'700'000'000'000'000'000;
  Result<PreparedUpload> up = PrepareUpload("x.folded", "main;work 3\nmain;idle 1\n", o);

  ASSERT_THAT(up, IsOk());
  EXPECT_EQ(up->format, FileFormat::kFolded);
  EXPECT_EQ(up->metric, "process_cpu");
  EXPECT_THAT(up->labels, ElementsAre(Pair("__name__", "process_cpu"), Pair("service_name", "other"),
                                      Pair("env", "prod")));
  Result<model::Profile> p = pprof::DecodeProfile(up->raw_profile, {});
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->samples.size(), 2u);
  EXPECT_EQ(p->string_table[p->sample_types[0].type], "cpu");
  EXPECT_EQ(p->Values(p->samples[0])[0], 30'000'000);  // 3 samples of 10 ms.
  EXPECT_EQ(p->time_nanos, o.now_ns);
}

TEST(UploadTest, BadFilesNameTheFileAndTheProblem) {
  EXPECT_THAT(PrepareUpload("e", "", {}), StatusIs(StatusCode::kInvalidArgument, "e: the file is empty"));
  EXPECT_THAT(PrepareUpload("f", "main;x 1\nmain;y z\n", {}),
              StatusIs(StatusCode::kInvalidArgument, "f: not a folded profile"));
  EXPECT_THAT(PrepareUpload("g", base::Gzip("not a profile"), {}),
              StatusIs(StatusCode::kInvalidArgument, "g: not a pprof profile"));
  EXPECT_THAT(PrepareUpload("h", "a 1\n", WithType("nosuch")),
              StatusIs(StatusCode::kInvalidArgument, "--type nosuch"));
  EXPECT_THAT(ParseLabelFlag("novalue"), StatusIs(StatusCode::kInvalidArgument, "want key=value"));
  EXPECT_THAT(ParseLabelFlag("=v"), StatusIs(StatusCode::kInvalidArgument, "want key=value"));
  EXPECT_THAT(*ParseLabelFlag("k=a=b"), Pair("k", "a=b"));
}

}  // namespace
}  // namespace flamedb::ctl

// The stack methods of querier.v1.QuerierService over a head: every format of
// SelectMergeStacktraces, and the fields of Pyroscope's messages that are refused by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/querier_service.h"
#include "google/v1/profile.pb.h"
#include "head/head.h"
#include "querier/v1/querier.pb.h"
#include "types/v1/types.pb.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::api {
namespace {

namespace qv1 = ::querier::v1;
using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr int64_t kTimeMs = 1767323045000;

class StackMethodsTest : public ::testing::Test {
 protected:
  StackMethodsTest() {
    testing::ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
    b.Sample({"work", "main"}, {30}).Sample({"idle", "main"}, {10});
    EXPECT_THAT(head_.Append({{"__name__", "process_cpu"}, {"service_name", "api"}},
                             b.TimeNanos(kTimeMs * 1000000).Build(), {}),
                IsOk());
    for (UnaryMethod& m : QuerierMethods(deps_)) methods_.push_back(std::move(m));
  }

  Status Call(std::string_view name, const google::protobuf::Message& req,
              google::protobuf::Message& resp) {
    for (const UnaryMethod& m : methods_) {
      if (m.path == "/querier.v1.QuerierService/" + std::string(name)) {
        RequestContext ctx;
        ctx.tenant = "t";
        return m.call(ctx, req, resp);
      }
    }
    return NotFoundError(std::string(name));
  }

  static qv1::SelectMergeStacktracesRequest Stacks() {
    qv1::SelectMergeStacktracesRequest req;
    req.set_profile_typeid(kCpu);
    req.set_label_selector("{}");
    req.set_start(kTimeMs - 60000);
    req.set_end(kTimeMs + 60000);
    return req;
  }

  head::Head head_;
  flamedb::testing::FakeClock clock_;
  query::LocalEngine engine_{[this](std::string_view) {
                               query::TenantSources s;
                               s.sources = {&head_};
                               s.heads = 1;
                               return s;
                             },
                             {}};
  QuerierDeps deps_{&engine_, {}, &clock_};
  std::vector<UnaryMethod> methods_;
};

TEST_F(StackMethodsTest, DotFormatIsAGraphvizCallGraph) {
  qv1::SelectMergeStacktracesRequest req = Stacks();
  req.set_format(qv1::PROFILE_FORMAT_DOT);
  qv1::SelectMergeStacktracesResponse resp;

  ASSERT_THAT(Call("SelectMergeStacktraces", req, resp), IsOk());

  EXPECT_THAT(resp.dot(), HasSubstr("digraph"));
  EXPECT_THAT(resp.dot(), HasSubstr("work"));
  EXPECT_FALSE(resp.has_flamegraph());
}

TEST_F(StackMethodsTest, PprofFormatIsTheMergedProfile) {
  qv1::SelectMergeStacktracesRequest req = Stacks();
  req.set_format(qv1::PROFILE_FORMAT_PPROF);
  qv1::SelectMergeStacktracesResponse resp;

  ASSERT_THAT(Call("SelectMergeStacktraces", req, resp), IsOk());

  qv1::SelectMergeProfileRequest direct;
  direct.set_profile_typeid(kCpu);
  direct.set_label_selector("{}");
  direct.set_start(req.start());
  direct.set_end(req.end());
  google::v1::Profile expected;
  ASSERT_THAT(Call("SelectMergeProfile", direct, expected), IsOk());
  EXPECT_EQ(resp.pprof().profile().SerializeAsString(), expected.SerializeAsString());
  int64_t total = 0;
  for (const google::v1::Sample& s : resp.pprof().profile().sample()) total += s.value(0);
  EXPECT_EQ(total, 40);
}

// Samples that name a trace (the pprof label trace_id, with or without a span) are kept with
// it; trace_id_selector sums only theirs, in the flame graph and in the merged pprof.
TEST_F(StackMethodsTest, TraceIdSelectorKeepsOnlyTheSamplesOfThoseTraces) {
  constexpr char kTraceA[] = "4bf92f3577b34da6a3ce929d0e0e4736";
  constexpr char kTraceB[] = "0af7651916cd43dd8448eb211c80319c";
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"db", "main"}, {7}, {{"span_id", "00000000000000aa"}, {"trace_id", kTraceA}})
      .Sample({"cache", "main"}, {3}, {{"trace_id", kTraceB}})
      .Sample({"db", "main"}, {2});
  ASSERT_THAT(head_.Append({{"__name__", "process_cpu"}, {"service_name", "api"}},
                           b.TimeNanos((kTimeMs + 1000) * 1000000).Build(), {}),
              IsOk());
  const auto total = [&](std::vector<std::string> traces) {
    qv1::SelectMergeStacktracesRequest req = Stacks();
    for (const std::string& t : traces) req.add_trace_id_selector(t);
    qv1::SelectMergeStacktracesResponse resp;
    EXPECT_THAT(Call("SelectMergeStacktraces", req, resp), IsOk());
    return resp.flamegraph().total();
  };
  EXPECT_EQ(total({kTraceA}), 7);
  EXPECT_EQ(total({kTraceA, kTraceB}), 10);
  EXPECT_EQ(total({"ffffffffffffffffffffffffffffffff"}), 0);
  EXPECT_EQ(total({}), 40 + 12);

  qv1::SelectMergeProfileRequest profile;
  profile.set_profile_typeid(kCpu);
  profile.set_label_selector("{}");
  profile.set_start(kTimeMs - 60000);
  profile.set_end(kTimeMs + 60000);
  profile.add_trace_id_selector(kTraceB);
  google::v1::Profile out;
  ASSERT_THAT(Call("SelectMergeProfile", profile, out), IsOk());
  ASSERT_EQ(out.sample_size(), 1);
  EXPECT_EQ(out.sample(0).value(0), 3);
}

TEST_F(StackMethodsTest, BadTraceIdsAndTraceWithSpanSelectorsAreRefused) {
  qv1::SelectMergeStacktracesResponse resp;
  qv1::SelectMergeStacktracesRequest bad = Stacks();
  bad.add_trace_id_selector("7c9e66797425440d");
  EXPECT_THAT(Call("SelectMergeStacktraces", bad, resp),
              StatusIs(StatusCode::kInvalidArgument, "invalid trace id: \"7c9e66797425440d\""));
  qv1::SelectMergeStacktracesRequest both = Stacks();
  both.add_trace_id_selector("7c9e66797425440de944be07fc1f90ae");
  both.add_span_selector("00000000000000aa");
  EXPECT_THAT(Call("SelectMergeStacktraces", both, resp),
              StatusIs(StatusCode::kInvalidArgument,
                       "span_selector and trace_id_selector cannot be combined"));
  qv1::SelectMergeProfileRequest profile;
  profile.set_profile_typeid(kCpu);
  profile.set_start(kTimeMs - 60000);
  profile.set_end(kTimeMs + 60000);
  profile.add_trace_id_selector("not hex at all, but 32 chars...");
  google::v1::Profile out;
  EXPECT_THAT(Call("SelectMergeProfile", profile, out),
              StatusIs(StatusCode::kInvalidArgument, "invalid trace id"));
}

TEST_F(StackMethodsTest, UnsupportedFieldsAreRefusedByName) {
  qv1::SelectMergeStacktracesResponse resp;
  qv1::SelectMergeStacktracesRequest async = Stacks();
  async.mutable_async()->set_type(qv1::ASYNC_QUERY_TYPE_FORCE);
  EXPECT_THAT(Call("SelectMergeStacktraces", async, resp),
              StatusIs(StatusCode::kUnimplemented, "async"));
  qv1::DiffRequest diff;
  *diff.mutable_left() = async;
  *diff.mutable_right() = Stacks();
  qv1::DiffResponse diff_resp;
  EXPECT_THAT(Call("Diff", diff, diff_resp), StatusIs(StatusCode::kUnimplemented, "async"));
}

TEST_F(StackMethodsTest, SpanSelectorIsHonouredAndChecked) {
  qv1::SelectMergeStacktracesRequest req = Stacks();
  req.add_span_selector("00000000000000ff");  // No sample of the head has a span.
  qv1::SelectMergeStacktracesResponse resp;
  ASSERT_THAT(Call("SelectMergeStacktraces", req, resp), IsOk());
  EXPECT_EQ(resp.flamegraph().total(), 0);

  req.set_span_selector(0, "nothex");
  EXPECT_THAT(Call("SelectMergeStacktraces", req, resp),
              StatusIs(StatusCode::kInvalidArgument, "invalid span id"));
}

TEST_F(StackMethodsTest, AnExemplarOpensItsOneProfile) {
  // A second profile of another pod, 10 s later, with a larger value.
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "main"}, {70});
  ASSERT_THAT(head_.Append({{"__name__", "process_cpu"}, {"service_name", "api"}, {"pod", "b"}},
                           b.TimeNanos((kTimeMs + 10000) * 1000000).Build(), {}),
              IsOk());
  qv1::SelectSeriesRequest series;
  series.set_profile_typeid(kCpu);
  series.set_label_selector("{}");
  series.set_start(kTimeMs - 60000);
  series.set_end(kTimeMs + 60000);
  series.set_step(120);  // Both profiles land on the one boundary, start + 120 s.
  series.set_exemplar_type(types::v1::EXEMPLAR_TYPE_INDIVIDUAL);
  qv1::SelectSeriesResponse points;

  ASSERT_THAT(Call("SelectSeries", series, points), IsOk());

  ASSERT_EQ(points.series_size(), 1);
  ASSERT_EQ(points.series(0).points_size(), 1);
  ASSERT_EQ(points.series(0).points(0).exemplars_size(), 1);
  const types::v1::Exemplar& e = points.series(0).points(0).exemplars(0);
  EXPECT_EQ(e.value(), 70u);  // The larger of the two profiles.
  EXPECT_EQ(e.timestamp(), kTimeMs + 10000);
  EXPECT_EQ(e.profile_id().size(), 32u);
  bool pod = false;
  for (const types::v1::LabelPair& l : e.labels()) pod = pod || (l.name() == "pod" && l.value() == "b");
  EXPECT_TRUE(pod) << e.DebugString();
  // Grouped by pod, the series has it: the exemplar leaves it out, as Pyroscope's.
  series.add_group_by("pod");
  qv1::SelectSeriesResponse by_pod;
  ASSERT_THAT(Call("SelectSeries", series, by_pod), IsOk());
  ASSERT_EQ(by_pod.series_size(), 2);
  for (const auto& s : by_pod.series()) {
    for (const types::v1::LabelPair& l : s.points(0).exemplars(0).labels()) EXPECT_NE(l.name(), "pod");
  }
  series.clear_group_by();

  qv1::SelectMergeStacktracesRequest one = Stacks();
  one.add_profile_id_selector(e.profile_id());
  qv1::SelectMergeStacktracesResponse merged;
  ASSERT_THAT(Call("SelectMergeStacktraces", one, merged), IsOk());
  EXPECT_EQ(merged.flamegraph().total(), 70);
  qv1::SelectMergeProfileRequest profile;
  profile.set_profile_typeid(kCpu);
  profile.set_label_selector("{}");
  profile.set_start(one.start());
  profile.set_end(one.end());
  profile.add_profile_id_selector(e.profile_id());
  google::v1::Profile pprof;
  ASSERT_THAT(Call("SelectMergeProfile", profile, pprof), IsOk());
  ASSERT_EQ(pprof.sample_size(), 1);
  EXPECT_EQ(pprof.sample(0).value(0), 70);

  one.set_profile_id_selector(0, "not-an-id");
  EXPECT_THAT(Call("SelectMergeStacktraces", one, merged),
              StatusIs(StatusCode::kInvalidArgument, "invalid profile id: \"not-an-id\""));
  // No sample of these profiles has a span: no span exemplars (query-spans.test.mjs has them).
  series.set_exemplar_type(types::v1::EXEMPLAR_TYPE_SPAN);
  qv1::SelectSeriesResponse spans;
  ASSERT_THAT(Call("SelectSeries", series, spans), IsOk());
  ASSERT_EQ(spans.series_size(), 1);
  EXPECT_EQ(spans.series(0).points(0).exemplars_size(), 0);
}

TEST_F(StackMethodsTest, DiffRefusesASideThatAsksForAnotherFormat) {
  qv1::DiffRequest req;
  *req.mutable_left() = Stacks();
  *req.mutable_right() = Stacks();
  req.mutable_right()->set_format(qv1::PROFILE_FORMAT_PPROF);
  qv1::DiffResponse resp;
  EXPECT_THAT(Call("Diff", req, resp), StatusIs(StatusCode::kInvalidArgument, "right.format"));
  req.mutable_right()->set_format(qv1::PROFILE_FORMAT_FLAMEGRAPH);
  ASSERT_THAT(Call("Diff", req, resp), IsOk());
  EXPECT_EQ(resp.flamegraph().leftticks(), 40);
}

}  // namespace
}  // namespace flamedb::api

// The query-frontend's fan-out against real query-backends: two Backends behind real HTTP
// servers on loopback (and one member that is down), compared method by method with
// LocalEngine over the same blocks.
#include "frontend/remote_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "api/router.h"
#include "base/ulid.h"
#include "block/writer.h"
#include "frontend/backend.h"
#include "head/head.h"
#include "metastore/embedded_index.h"
#include "objstore/memory_bucket.h"
#include "query/flamegraph.h"
#include "server/http_server.h"
#include "testing/fake_clock.h"
#include "testing/pprof_stacks.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::frontend {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

constexpr char kTenant[] = "t";
constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr int64_t kMs = 1000000;
constexpr char kTraceA[] = "4bf92f3577b34da6a3ce929d0e0e4736";

model::Profile Cpu(int64_t time_ms, int i) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "handle", "main"}, {10 + i});
  b.Sample({"f" + std::to_string(i % 4), "handle", "main"}, {i + 1});
  if (i % 3 == 0) b.Sample({"gc", "runtime"}, {7});
  // Every other profile links samples to a span of one of two traces.
  if (i % 2 == 0) {
    b.Sample({"db", "handle", "main"}, {3 + i},
             {{"span_id", "00000000000000a" + std::to_string(i % 4)},
              {"trace_id", i % 4 == 0 ? kTraceA : "0af7651916cd43dd8448eb211c80319c"}});
  }
  return b.TimeNanos(time_ms * kMs).Build();
}

model::Profile Alloc(int64_t time_ms, int i) {
  testing::ProfileBuilder b;
  b.SampleType("alloc_space", "bytes").Period("space", "bytes", 524288);
  b.Sample({"make", "main"}, {1024 * (i + 1)});
  return b.TimeNanos(time_ms * kMs).Build();
}

// One query-backend: a Backend served over HTTP on a free loopback port.
struct BackendServer {
  BackendServer(objstore::Bucket& bucket, const base::Clock& clock, base::Logger& logger)
      : backend(bucket, nullptr) {
    api::Router router;
    AddBackendRoute(router, backend, {.clock = &clock});
    dispatcher = std::make_unique<api::Dispatcher>(std::move(router), api::DispatcherOptions{},
                                                   metrics, clock);
    auto started = server::HttpServer::Start({.address = "127.0.0.1", .port = 0}, *dispatcher,
                                             logger, clock, metrics);
    EXPECT_THAT(started, IsOk());
    http = std::move(started).value();
  }
  std::string addr() const { return "http://127.0.0.1:" + std::to_string(http->port()); }

  base::MetricsRegistry metrics;
  Backend backend;
  std::unique_ptr<api::Dispatcher> dispatcher;
  std::unique_ptr<server::HttpServer> http;
};

class RemoteEngineTest : public ::testing::Test {
 protected:
  RemoteEngineTest() {
    // Eight blocks of three services over 0.8 s; every other one also holds allocations.
    for (int i = 0; i < 8; ++i) {
      head::Head head;
      const int64_t t = 1000 + i * 100;
      const std::string service = "svc" + std::to_string(i % 3);
      const std::string pod = "p" + std::to_string(i % 2);
      EXPECT_THAT(head.Append({{"__name__", "process_cpu"}, {"service_name", service}, {"pod", pod}},
                              Cpu(t, i), {}),
                  IsOk());
      if (i % 2 == 0) {
        EXPECT_THAT(head.Append({{"__name__", "memory"}, {"service_name", service}}, Alloc(t, i), {}),
                    IsOk());
      }
      block::BlockMeta meta;
      meta.ulid = base::Ulid::New(std::chrono::system_clock::time_point(std::chrono::milliseconds(t)))
                      .ToString();
      meta.tenant = kTenant;
      meta.sources = {meta.ulid};
      auto encoded = block::EncodeBlock(head, meta);
      EXPECT_THAT(encoded, IsOk());
      EXPECT_THAT(bucket_.Put(metastore::DataKey(encoded->meta), encoded->data), IsOk());
      EXPECT_THAT(bucket_.Put(metastore::MetaKey(encoded->meta), block::MetaToJson(encoded->meta)),
                  IsOk());
    }
    index_ = std::move(metastore::EmbeddedIndex::Load(bucket_, {}, logger_, metrics_)).value();
    local_ = std::make_unique<query::LocalEngine>(
        [this](std::string_view tenant) {
          auto blocks = std::make_shared<std::vector<metastore::BlockRef>>(index_->Blocks(tenant));
          query::TenantSources out;
          for (const metastore::BlockRef& b : *blocks) out.sources.push_back(b->reader.get());
          out.holder = std::move(blocks);
          return out;
        },
        query::QueryLimits{});
    for (int i = 0; i < 2; ++i) {
      servers_.push_back(std::make_unique<BackendServer>(bucket_, clock_, logger_));
      members_.push_back({"backend-" + std::to_string(i), servers_.back()->addr(),
                          {"query-backend"}, 0});
    }
    // A member that is registered but down: nothing listens on port 1.
    members_.push_back({"backend-down", "http://127.0.0.1:1", {"query-backend"}, 0});
  }

  std::unique_ptr<RemoteEngine> Engine(std::vector<ring::Member> members) {
    // Each engine registers its metrics: one registry each.
    engine_metrics_.push_back(std::make_unique<base::MetricsRegistry>());
    return std::make_unique<RemoteEngine>(*index_, [members] { return members; },
                                          RemoteEngineOptions{}, logger_, *engine_metrics_.back());
  }

  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  objstore::MemoryBucket bucket_;
  std::unique_ptr<metastore::EmbeddedIndex> index_;
  std::unique_ptr<query::LocalEngine> local_;
  std::vector<std::unique_ptr<BackendServer>> servers_;
  std::vector<ring::Member> members_;
  std::vector<std::unique_ptr<base::MetricsRegistry>> engine_metrics_;
};

std::string Text(const std::vector<model::Labels>& sets) {
  std::string out;
  for (const model::Labels& l : sets) out += l.ToString() + "\n";
  return out;
}

std::string Text(const std::vector<query::TimeSeries>& series) {
  std::string out;
  for (const query::TimeSeries& s : series) {
    out += s.labels.ToString() + ":";
    for (const query::Point& p : s.points) {
      out += " " + std::to_string(p.timestamp_ms) + "=" + std::to_string(p.value);
    }
    out += "\n";
  }
  return out;
}

std::string Text(const query::Heatmap& h) {
  std::string out;
  for (int64_t y : h.y_min) out += std::to_string(y) + " ";
  for (const query::HeatmapSeries& s : h.series) {
    out += "\n" + s.labels.ToString() + ":";
    for (const query::HeatmapSlot& slot : s.slots) {
      out += " " + std::to_string(slot.timestamp_ms) + "=";
      for (int32_t c : slot.counts) out += std::to_string(c) + ",";
      for (const query::Exemplar& e : slot.exemplars) {
        out += "[" + std::to_string(e.value) + "@" + std::to_string(e.time_ns) + e.labels.ToString() +
               " span " + std::to_string(e.span_id) + " trace " + model::FormatTraceId(e.trace_id) + "]";
      }
    }
  }
  return out;
}

void ExpectSameFlameGraphs(const query::FunctionTree& got, const query::FunctionTree& want) {
  EXPECT_GT(want.total(), 0);
  EXPECT_EQ(got.total(), want.total());
  for (int64_t max_nodes : {int64_t{3}, query::kDefaultMaxNodes}) {
    const query::FlameGraph a = query::BuildFlameGraph(got, max_nodes);
    const query::FlameGraph b = query::BuildFlameGraph(want, max_nodes);
    EXPECT_EQ(a.names, b.names) << max_nodes;
    EXPECT_EQ(a.levels, b.levels) << max_nodes;
  }
}

TEST_F(RemoteEngineTest, EveryMethodAnswersAsTheLocalEngine) {
  // The down member is some block's first choice, so the answers below need the retry. Block
  // ids are random: the down member's id is picked so that it is.
  bool down_first = false;
  for (int k = 0; k < 1000 && !down_first; ++k) {
    members_.back().id = "backend-down-" + std::to_string(k);
    for (const metastore::BlockRef& b : index_->Blocks(kTenant)) {
      uint32_t h = 2166136261u;
      for (unsigned char c : b->meta.ulid) h = (h ^ c) * 16777619u;
      down_first = down_first || ring::Candidates(h, members_)[0]->id == members_.back().id;
    }
  }
  ASSERT_TRUE(down_first);
  auto remote = Engine(members_);
  query::QueryContext ctx;
  const store::TimeRange all{INT64_MIN, INT64_MAX}, part{1200 * kMs, 1500 * kMs};

  auto types = remote->ProfileTypes(kTenant, all, ctx);
  ASSERT_THAT(types, IsOk());
  ASSERT_EQ(types->size(), 2u);
  EXPECT_EQ((*types)[1].id, (*local_->ProfileTypes(kTenant, all, ctx))[1].id);
  EXPECT_EQ(*remote->LabelNames(kTenant, {}, all, ctx), *local_->LabelNames(kTenant, {}, all, ctx));
  EXPECT_EQ(*remote->LabelValues(kTenant, "service_name", {"{pod=\"p1\"}"}, part, ctx),
            *local_->LabelValues(kTenant, "service_name", {"{pod=\"p1\"}"}, part, ctx));
  EXPECT_EQ(Text(*remote->Series(kTenant, {}, {"service_name", "pod"}, all, ctx)),
            Text(*local_->Series(kTenant, {}, {"service_name", "pod"}, all, ctx)));

  query::StackQuery of_trace{kCpu, "{}", all, {}, {}};
  of_trace.trace_ids = {*model::ParseTraceId(kTraceA)};
  for (const query::StackQuery& q :
       {query::StackQuery{kCpu, "{}", all, {}, {}},
        query::StackQuery{kCpu, "{service_name=~\"svc[01]\"}", part, {{"main", "handle"}, 0, false}, {}},
        of_trace}) {
    auto got = remote->MergeStacktraces(kTenant, q, ctx);
    auto want = local_->MergeStacktraces(kTenant, q, ctx);
    ASSERT_THAT(got, IsOk());
    ASSERT_THAT(want, IsOk());
    ExpectSameFlameGraphs(*got, *want);
  }
  // The trace's samples are some, not all: the selector reached the backends.
  const int64_t trace_total = local_->MergeStacktraces(kTenant, of_trace, ctx)->total();
  EXPECT_GT(trace_total, 0);
  EXPECT_LT(trace_total, local_->MergeStacktraces(kTenant, {kCpu, "{}", all, {}, {}}, ctx)->total());

  query::SeriesQuery sq{kCpu, "{}", 1000, 1800, 0.2, {"pod"}, true, 0, {}};
  EXPECT_EQ(Text(*remote->SelectSeries(kTenant, sq, ctx)), Text(*local_->SelectSeries(kTenant, sq, ctx)));
  sq.average = false;
  sq.limit = 1;
  sq.call_site = {"main", "handle"};
  const std::string series = Text(*remote->SelectSeries(kTenant, sq, ctx));
  EXPECT_EQ(series, Text(*local_->SelectSeries(kTenant, sq, ctx)));
  EXPECT_NE(series, "");

  // Heatmaps: the value axis spans every backend's points.
  for (const query::HeatmapQuery& hq :
       {query::HeatmapQuery{kCpu, "{}", 1000, 1800, 0.2, {"pod"}, false, true, 0},
        query::HeatmapQuery{kCpu, "{}", 1000, 1800, 0.1, {}, false, false, 1},
        query::HeatmapQuery{kCpu, "{}", 1000, 1800, 0.2, {}, true, true, 0}}) {
    auto got = remote->SelectHeatmap(kTenant, hq, ctx);
    auto want = local_->SelectHeatmap(kTenant, hq, ctx);
    ASSERT_THAT(got, IsOk());
    ASSERT_THAT(want, IsOk());
    EXPECT_FALSE(want->series.empty());
    EXPECT_EQ(Text(*got), Text(*want));
  }

  // Exemplars: the same profile stands for each point, and its id opens it alone.
  sq = query::SeriesQuery{kCpu, "{}", 1000, 1800, 0.2, {"pod"}, false, 0, {}, query::ExemplarKind::kIndividual};
  auto with = remote->SelectSeries(kTenant, sq, ctx);
  auto local_with = local_->SelectSeries(kTenant, sq, ctx);
  ASSERT_THAT(with, IsOk());
  ASSERT_EQ(with->size(), local_with->size());
  std::vector<query::ProfileKey> keys;
  for (size_t i = 0; i < with->size(); ++i) {
    ASSERT_EQ((*with)[i].points.size(), (*local_with)[i].points.size());
    for (size_t j = 0; j < (*with)[i].points.size(); ++j) {
      const auto& a = (*with)[i].points[j].exemplar;
      const auto& b = (*local_with)[i].points[j].exemplar;
      ASSERT_TRUE(a.has_value() && b.has_value());
      EXPECT_EQ(a->value, b->value);
      EXPECT_EQ(a->time_ns, b->time_ns);
      EXPECT_EQ(a->labels.ToString(), b->labels.ToString());
      keys.push_back({query::SeriesFingerprint(a->labels), a->time_ns});
    }
  }
  ASSERT_FALSE(keys.empty());
  std::sort(keys.begin(), keys.end());
  query::StackQuery picked{kCpu, "{}", all, {}, {}};
  picked.profiles = {keys.front()};
  auto one = remote->MergeStacktraces(kTenant, picked, ctx);
  ASSERT_THAT(one, IsOk());
  ExpectSameFlameGraphs(*one, *local_->MergeStacktraces(kTenant, picked, ctx));

  for (int64_t max_nodes : {0, 3}) {
    query::MergeProfileQuery mq{{kCpu, "{}", all, {{}, 1, true}, {}}, max_nodes, 0, 0};
    auto got = remote->MergeProfile(kTenant, mq, ctx);
    auto want = local_->MergeProfile(kTenant, mq, ctx);
    ASSERT_THAT(got, IsOk());
    ASSERT_THAT(want, IsOk());
    EXPECT_EQ(testing::PprofStacks(*got), testing::PprofStacks(*want)) << max_nodes;
  }

  auto a = remote->AnalyzeQuery(kTenant, "{service_name=\"svc1\"}", all, ctx);
  auto b = local_->AnalyzeQuery(kTenant, "{service_name=\"svc1\"}", all, ctx);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->blocks.components, b->blocks.components);
  EXPECT_EQ(a->blocks.profiles, b->blocks.profiles);
  EXPECT_EQ(a->blocks.samples, b->blocks.samples);
  EXPECT_GT(a->blocks.samples, 0u);
  EXPECT_EQ(a->blocks.index_bytes, b->blocks.index_bytes);
  EXPECT_EQ(a->blocks.profile_bytes, b->blocks.profile_bytes);
  EXPECT_EQ(a->blocks.symbol_bytes, b->blocks.symbol_bytes);
  EXPECT_GT(a->blocks.profile_bytes, 0u);
  auto stats = remote->GetProfileStats(kTenant, ctx);
  ASSERT_THAT(stats, IsOk());
  EXPECT_TRUE(stats->data_ingested);
  EXPECT_EQ(stats->oldest_ms, local_->GetProfileStats(kTenant, ctx)->oldest_ms);
  EXPECT_EQ(stats->newest_ms, 1700);
}

TEST_F(RemoteEngineTest, ErrorsAreTheLocalEnginesAndNoBackendIsUnavailable) {
  auto remote = Engine(members_);
  query::QueryContext ctx;
  const store::TimeRange all{INT64_MIN, INT64_MAX};
  for (const query::StackQuery& q : {query::StackQuery{kCpu, "{pod=", all, {}, {}},
                                     query::StackQuery{"nope:a:b:c:d", "{}", all, {}, {}}}) {
    auto got = remote->MergeStacktraces(kTenant, q, ctx);
    auto want = local_->MergeStacktraces(kTenant, q, ctx);
    ASSERT_THAT(want, StatusIs(StatusCode::kInvalidArgument));
    EXPECT_EQ(got.status(), want.status());
  }
  // A tenant without blocks needs no backend.
  auto none = Engine({});
  EXPECT_THAT(none->LabelNames("other", {}, all, ctx), IsOk());
  EXPECT_THAT(none->LabelNames(kTenant, {}, all, ctx), StatusIs(StatusCode::kUnavailable));
  auto down = Engine({members_[2]});
  EXPECT_THAT(down->ProfileTypes(kTenant, all, ctx), StatusIs(StatusCode::kUnavailable));
}

TEST_F(RemoteEngineTest, AQueryWhoseClientLeftStops) {
  auto remote = Engine(members_);
  std::atomic<bool> cancelled{true};
  query::QueryContext ctx({.cancelled = &cancelled});
  EXPECT_THAT(remote->MergeStacktraces(kTenant, {kCpu, "{}", {INT64_MIN, INT64_MAX}, {}, {}}, ctx),
              StatusIs(StatusCode::kCancelled));
}

}  // namespace
}  // namespace flamedb::frontend

// The query engine on a realistic corpus: CPU flame graphs (MergeStacktraces + BuildFlameGraph,
// max_nodes 8192) over an hour from the head and from blocks, cold and warm, and over a day from
// blocks; SelectSeries over a day; LabelNames and LabelValues over an hour and a day of blocks
// and on a head of 10,000 series. Each reports peak_MB: how far resident memory rose during one
// query (bench/peak_memory.h).
//
// The corpus is one service ("svc") of $FLAMEDB_BENCH_PODS pods (default 100), each sending the
// real runtime/pprof CPU profile of $FLAMEDB_BENCH_CORPUS (bench/query makes it with the
// project's Go fixture program) every 10 s; no heap profiles. Each push keeps a random subset of
// the fixture's samples, with values scaled by 0.5-1.5x (bench/corpus.h), sized so that an hour
// holds about $FLAMEDB_BENCH_HOUR_SAMPLES (default 5 M) samples of the queried type
// process_cpu:cpu:nanoseconds:cpu:nanoseconds (at most 70% of the fixture's samples; with
// `profilegen -seconds 10`, 858 samples, 100 pods keep ~16%: ~137 samples per profile). The
// head holds that first hour: 36,000 profiles, 72,000 rows (one per sample type), 200 series.
// The day is $FLAMEDB_BENCH_HOURS (default 24) one-hour blocks, each that same head shifted by a
// whole number of hours and cut with block::EncodeBlock, stored in a FilesystemBucket under
// $TMPDIR (the -storage.backend=filesystem layout) and read by range gets through
// block::BucketSource, as the ingester reads the blocks it cuts. "Cold" evicts the block files
// from the page cache (posix_fadvise DONTNEED, outside the timing) and opens every reader inside
// the timed loop, so every byte comes from the disk and no symbols are cached; "warm" opens
// them once and runs one query before timing.
// The counters give each benchmark's input: samples, profiles (rows) and series of the queried
// type, blocks and their bytes. The corpus is built once, outside the timed loops, on first use.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "block/bytes.h"
#include "block/meta.h"
#include "block/reader.h"
#include "block/writer.h"
#include "corpus.h"
#include "query_corpus.h"
#include "head/head.h"
#include "objstore/filesystem_bucket.h"
#include "peak_memory.h"
#include "query/flamegraph.h"
#include "query/querier.h"
#include "query/series.h"
#include "store/source.h"

namespace {

using namespace flamedb;
using namespace flamedb::bench;

constexpr int64_t kStartMs = kStartNanos / 1'000'000;

// How far resident memory rose during one run of `fn` (bench/peak_memory.h), in MB.
void SetPeakCounter(benchmark::State& state, const std::function<void()>& fn) {
  state.counters["peak_MB"] = bench::PeakResidentGrowth(fn) / 1e6;
}

// The timed loop of a block query; a cold one evicts the blocks from the page cache (untimed)
// before each run.
void TimeQuery(benchmark::State& state, CorpusBlocks& blocks, int hours, bool warm,
               const std::function<void()>& query) {
  for (auto _ : state) {
    if (!warm) {
      state.PauseTiming();
      blocks.Evict(hours);
      state.ResumeTiming();
    }
    query();
  }
}

void SetBlockCounters(benchmark::State& state, int hours) {
  state.counters["blocks"] = static_cast<double>(hours);
  state.counters["block_bytes"] = static_cast<double>(Blocks().Bytes(hours));
}

// An hour of one service from the head: what a query over the last hour mostly reads.
void BM_FlameGraphHead(benchmark::State& state) {
  const HourCorpus& hour = Hour();
  const query::Sources sources{hour.head.get()};
  const store::TimeRange range = QueryRange(1);
  size_t nodes = 0;
  SetPeakCounter(state, [&] { nodes = RenderFlameGraph(sources, range); });
  for (auto _ : state) {
    nodes = RenderFlameGraph(sources, range);
  }
  SetInputCounters(state, hour.input);
  state.counters["blocks"] = 0.0;
  state.counters["tree_nodes"] = static_cast<double>(nodes);
  state.SetLabel("1 h, " + std::to_string(Pods()) + " pods, head");
}
BENCHMARK(BM_FlameGraphHead)->Unit(benchmark::kMillisecond)->UseRealTime();

// `hours` (0: the whole day) of one service from one-hour blocks.
// `threads`: sources read at once (-querier.query-threads).
void BM_FlameGraphBlocks(benchmark::State& state, int hours, bool warm, int threads) {
  if (hours == 0) hours = DayHours();
  CorpusBlocks& blocks = Blocks();
  blocks.Prepare(hours);
  const store::TimeRange range = QueryRange(hours);
  const Readers opened = warm ? blocks.Open(hours) : Readers();
  if (warm) (void)RenderFlameGraph(SourcesOf(opened), range);  // Decodes and caches the symbols.
  size_t nodes = 0;
  const auto query = [&] {
    if (warm) {
      nodes = RenderFlameGraph(SourcesOf(opened), range, threads);
    } else {
      const Readers cold = blocks.Open(hours);
      nodes = RenderFlameGraph(SourcesOf(cold), range, threads);
    }
  };
  if (!warm) blocks.Evict(hours);
  SetPeakCounter(state, query);
  TimeQuery(state, blocks, hours, warm, query);
  SetInputCounters(state, blocks.InputOf(hours));
  SetBlockCounters(state, hours);
  state.counters["tree_nodes"] = static_cast<double>(nodes);
  state.SetLabel(std::to_string(hours) + " h, " + std::to_string(Pods()) + " pods, " +
                 (warm ? "warm" : "cold") + ", " + std::to_string(threads) + " thread(s)");
}
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, hour_cold, 1, false, 1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, hour_warm, 1, true, 1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, day_cold, 0, false, 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, day_warm, 0, true, 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, day_cold_2_threads, 0, false, 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraphBlocks, day_warm_2_threads, 0, true, 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// The day's per-pod CPU time series (step 60 s, sum), as Grafana's timeline asks for it.
void BM_SelectSeries(benchmark::State& state, bool warm, int threads) {
  const int hours = DayHours();
  CorpusBlocks& blocks = Blocks();
  blocks.Prepare(hours);
  query::SeriesQuery q;
  q.profile_type = kCpuType;
  q.selector = kSelector;
  q.start_ms = kStartMs;
  q.end_ms = kStartMs + hours * 3'600'000LL;  // The last step ends there.
  q.step_seconds = 60;
  q.group_by = {"pod"};
  q.average = false;
  query::QueryLimits limits;
  limits.max_query_length_ms = 0;
  const Readers opened = warm ? blocks.Open(hours) : Readers();
  size_t series = 0, points = 0;
  const auto query = [&] {
    const Readers cold = warm ? Readers() : blocks.Open(hours);
    query::QueryContext ctx({.threads = threads});
    Result<std::vector<query::TimeSeries>> result =
        query::SelectSeries(SourcesOf(warm ? opened : cold), q, limits, ctx);
    if (!result.ok()) Die("SelectSeries", result.status());
    series = result->size();
    points = 0;
    for (const query::TimeSeries& ts : *result) points += ts.points.size();
  };
  if (warm) query();
  if (!warm) blocks.Evict(hours);
  SetPeakCounter(state, query);
  TimeQuery(state, blocks, hours, warm, query);
  SetInputCounters(state, blocks.InputOf(hours));
  SetBlockCounters(state, hours);
  state.counters["out_series"] = static_cast<double>(series);
  state.counters["out_points"] = static_cast<double>(points);
  state.SetLabel(std::to_string(hours) + " h, " + std::to_string(Pods()) + " pods, " +
                 (warm ? "warm" : "cold") + ", " + std::to_string(threads) + " thread(s)");
}
BENCHMARK_CAPTURE(BM_SelectSeries, day_cold, false, 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SelectSeries, day_warm, true, 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SelectSeries, day_cold_2_threads, false, 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SelectSeries, day_warm_2_threads, true, 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// A head of 10,000 series: 5,000 pods of one service, each with one CPU profile (two sample
// types, so two series) of one sample, under Kubernetes-like labels.
const head::Head& LabelHead() {
  static const std::unique_ptr<head::Head> label_head = [] {
    auto h = std::make_unique<head::Head>();
    const model::Profile& cpu = bench::GetBaseProfiles().cpu;
    for (int pod = 0; pod < 5000; ++pod) {
      const Status status = h->Append(
          {{"__name__", "process_cpu"},
           {"service_name", "svc"},
           {"namespace", "prod"},
           {"container", "app"},
           {"node", "node-" + std::to_string(pod % 50)},
           {"pod", "svc-" + std::to_string(pod)}},
          cpu, {0});
      if (!status.ok()) Die("append", status);
    }
    return h;
  }();
  return *label_head;
}

// What Grafana sends with the label calls: the service and the profile type.
std::vector<std::string> LabelMatchers(bool selected) {
  if (!selected) return {};
  return {"{service_name=\"svc\", __profile_type__=\"" + std::string(kCpuType) + "\"}"};
}

void BM_LabelNames(benchmark::State& state, bool selected) {
  const head::Head& head = LabelHead();
  const query::Sources sources{&head};
  const std::vector<std::string> matchers = LabelMatchers(selected);
  size_t names = 0;
  const auto query = [&] {
    Result<std::vector<std::string>> result =
        query::LabelNames(sources, matchers, {INT64_MIN, INT64_MAX});
    if (!result.ok()) Die("LabelNames", result.status());
    names = result->size();
  };
  SetPeakCounter(state, query);
  for (auto _ : state) query();
  state.counters["series"] = static_cast<double>(head.series());
  state.counters["out_names"] = static_cast<double>(names);
}
BENCHMARK_CAPTURE(BM_LabelNames, all, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LabelNames, service_and_type, true)->Unit(benchmark::kMicrosecond);

void BM_LabelValues(benchmark::State& state, bool selected) {
  const head::Head& head = LabelHead();
  const query::Sources sources{&head};
  const std::vector<std::string> matchers = LabelMatchers(selected);
  size_t values = 0;
  const auto query = [&] {
    Result<std::vector<std::string>> result =
        query::LabelValues(sources, "pod", matchers, {INT64_MIN, INT64_MAX});
    if (!result.ok()) Die("LabelValues", result.status());
    values = result->size();
  };
  SetPeakCounter(state, query);
  for (auto _ : state) query();
  state.counters["series"] = static_cast<double>(head.series());
  state.counters["out_values"] = static_cast<double>(values);
}
BENCHMARK_CAPTURE(BM_LabelValues, pod_all, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LabelValues, pod_service_and_type, true)->Unit(benchmark::kMicrosecond);

// LabelNames and LabelValues(pod) with Grafana's matchers over `hours` (0: the day) of the
// 100-pod corpus' blocks, cold (evicted from the page cache, opened in the loop) or warm.
void BM_LabelsBlocks(benchmark::State& state, int hours, bool warm, bool values) {
  if (hours == 0) hours = DayHours();
  CorpusBlocks& blocks = Blocks();
  blocks.Prepare(hours);
  const store::TimeRange range = QueryRange(hours);
  const std::vector<std::string> matchers = LabelMatchers(true);
  const Readers opened = warm ? blocks.Open(hours) : Readers();
  size_t out = 0;
  const auto query = [&] {
    const Readers cold = warm ? Readers() : blocks.Open(hours);
    const query::Sources sources = SourcesOf(warm ? opened : cold);
    Result<std::vector<std::string>> result =
        values ? query::LabelValues(sources, "pod", matchers, range)
               : query::LabelNames(sources, matchers, range);
    if (!result.ok()) Die("labels", result.status());
    out = result->size();
  };
  if (!warm) blocks.Evict(hours);
  SetPeakCounter(state, query);
  TimeQuery(state, blocks, hours, warm, query);
  SetBlockCounters(state, hours);
  state.counters[values ? "out_values" : "out_names"] = static_cast<double>(out);
  state.SetLabel(std::string(values ? "LabelValues(pod)" : "LabelNames") + ", " +
                 std::to_string(hours) + " h, " + std::to_string(Pods()) + " pods, " +
                 (warm ? "warm" : "cold"));
}
BENCHMARK_CAPTURE(BM_LabelsBlocks, names_hour_cold, 1, false, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, names_hour_warm, 1, true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, names_day_cold, 0, false, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, names_day_warm, 0, true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, values_hour_cold, 1, false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, values_hour_warm, 1, true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, values_day_cold, 0, false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LabelsBlocks, values_day_warm, 0, true, true)->Unit(benchmark::kMillisecond);

}  // namespace

// main(): bench/main.cc.

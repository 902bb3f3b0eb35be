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
#include "head/head.h"
#include "objstore/filesystem_bucket.h"
#include "peak_memory.h"
#include "query/flamegraph.h"
#include "query/querier.h"
#include "query/series.h"
#include "store/source.h"

namespace {

using namespace flamedb;

constexpr char kCpuType[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr char kSelector[] = "{service_name=\"svc\"}";
constexpr int64_t kHourNanos = 3600LL * 1'000'000'000LL;
constexpr int64_t kStartMs = bench::kStartNanos / 1'000'000;

[[noreturn]] void Die(std::string_view what, const Status& status) {
  std::cerr << "query_benchmark: " << what << ": " << status.ToString() << "\n";
  std::exit(1);
}

int Pods() { return std::max(1, bench::EnvInt("FLAMEDB_BENCH_PODS", 100)); }
int DayHours() { return std::max(1, bench::EnvInt("FLAMEDB_BENCH_HOURS", 24)); }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The ns range of a query over the first `hours` hours, from request milliseconds (inclusive).
store::TimeRange QueryRange(int hours) {
  query::QueryLimits limits;
  limits.max_query_length_ms = 0;  // FLAMEDB_BENCH_HOURS may pass the 7-day default.
  Result<store::TimeRange> range =
      query::CheckRange(kStartMs, kStartMs + hours * 3'600'000LL - 1, true, limits);
  if (!range.ok()) Die("range", range.status());
  return *range;
}

// What a CPU flame graph reads: series, rows and samples of kCpuType.
struct Input {
  uint64_t series = 0;
  uint64_t profiles = 0;
  uint64_t samples = 0;
};

Input CountInput(const store::ProfileSource& source, store::TimeRange range) {
  Input in;
  const std::vector<uint32_t> ids = source.Postings(model::kProfileTypeLabel, kCpuType);
  in.series = ids.size();
  const Status status = source.ForEachRow(ids, range, [&](const store::RowView& row) {
    ++in.profiles;
    in.samples += row.stacks.size();
  });
  if (!status.ok()) Die("counting rows", status);
  return in;
}

// `inner` with every profile `shift` ns later: how one hour of profiles becomes any other hour.
class ShiftedSource final : public store::ProfileSource {
 public:
  ShiftedSource(const store::ProfileSource& inner, int64_t shift) : inner_(inner), shift_(shift) {}

  store::TimeRange Range() const override {
    const store::TimeRange r = inner_.Range();
    if (r.min_nanos > r.max_nanos) return r;
    return {r.min_nanos + shift_, r.max_nanos + shift_};
  }
  size_t SeriesCount() const override { return inner_.SeriesCount(); }
  model::Labels SeriesLabels(uint32_t series) const override {
    return inner_.SeriesLabels(series);
  }
  std::vector<uint32_t> Postings(std::string_view name, std::string_view value) const override {
    return inner_.Postings(name, value);
  }
  std::vector<std::string> LabelNames() const override { return inner_.LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const override {
    return inner_.LabelValues(name);
  }
  Status ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                    const std::function<void(const store::RowView&)>& fn) const override {
    const store::TimeRange inner{Unshift(range.min_nanos), Unshift(range.max_nanos)};
    return inner_.ForEachRow(series, inner, [&](const store::RowView& row) {
      store::RowView shifted = row;
      shifted.time_nanos += shift_;
      fn(shifted);
    });
  }
  size_t PartitionCount() const override { return inner_.PartitionCount(); }
  std::string PartitionName(uint32_t partition) const override {
    return inner_.PartitionName(partition);
  }
  Status WithSymbols(uint32_t partition,
                     const std::function<void(const symdb::Partition&)>& fn) const override {
    return inner_.WithSymbols(partition, fn);
  }

 private:
  // Saturates at INT64_MIN, which a range uses for "unbounded" (shift_ >= 0).
  int64_t Unshift(int64_t t) const { return t < INT64_MIN + shift_ ? INT64_MIN : t - shift_; }

  const store::ProfileSource& inner_;
  const int64_t shift_;
};

// The first hour of the corpus, in a head.
struct HourCorpus {
  std::unique_ptr<head::Head> head;
  Input input;  // Of a flame graph over the hour.
};

const HourCorpus& Hour() {
  static const HourCorpus hour = [] {
    const auto started = std::chrono::steady_clock::now();
    const model::Profile& cpu = bench::GetBaseProfiles().cpu;
    const int pods = Pods();
    const double per_profile =
        bench::EnvInt("FLAMEDB_BENCH_HOUR_SAMPLES", 5'000'000) / (pods * 360.0);
    const double keep = std::min(0.7, per_profile / static_cast<double>(cpu.samples.size()));
    HourCorpus c;
    c.head = std::make_unique<head::Head>();
    std::mt19937_64 rng(42);
    for (int step = 0; step < 360; ++step) {
      for (int pod = 0; pod < pods; ++pod) {
        const int64_t t = bench::kStartNanos + step * bench::kPushIntervalNanos + pod * 1'000'000LL;
        const bench::Push p = bench::Vary(
            cpu,
            {{"__name__", "process_cpu"}, {"pod", "svc-" + std::to_string(pod)},
             {"service_name", "svc"}},
            t, rng, keep);
        if (p.samples.empty()) continue;  // Append would take an empty subset as "all".
        const Status status = c.head->Append(p.labels, *p.profile, p.samples);
        if (!status.ok()) Die("append", status);
      }
    }
    c.input = CountInput(*c.head, QueryRange(1));
    std::cerr << "query corpus: 1 h head of " << pods << " pods, " << c.head->series()
              << " series, " << c.head->rows() << " rows, " << c.head->samples()
              << " samples; flame graph input " << c.input.profiles << " profiles, "
              << c.input.samples << " samples (" << static_cast<int>(keep * 100 + 0.5)
              << "% of the fixture's " << cpu.samples.size() << " per profile); built in "
              << SecondsSince(started) << " s\n";
    return c;
  }();
  return hour;
}

using Readers = std::vector<std::unique_ptr<block::BlockReader>>;

query::Sources SourcesOf(const Readers& readers) {
  query::Sources sources;
  for (const auto& r : readers) sources.push_back(r.get());
  return sources;
}

// The corpus' hours as blocks in a bucket, hour h being the head shifted by h hours, each
// encoded the first time a benchmark asks for it.
class CorpusBlocks {
 public:
  // Encodes those of the first `hours` blocks not made yet.
  void Prepare(int hours) {
    if (static_cast<int>(blocks_.size()) >= hours) return;
    const auto started = std::chrono::steady_clock::now();
    for (int h = static_cast<int>(blocks_.size()); h < hours; ++h) blocks_.push_back(Encode(h));
    std::cerr << "query corpus: " << blocks_.size() << " one-hour blocks, " << Bytes(hours)
              << " bytes for the first " << hours << "; encoded in " << SecondsSince(started)
              << " s\n";
  }

  // Readers of the first `hours` blocks, just opened: nothing decoded beyond the series index.
  Readers Open(int hours) {
    Prepare(hours);
    Readers readers;
    for (int h = 0; h < hours; ++h) {
      const Stored& b = blocks_[h];
      Result<std::unique_ptr<block::BlockReader>> reader =
          block::BlockReader::Open(block::BucketSource(bucket_, b.key, b.bytes));
      if (!reader.ok()) Die("open " + b.key, reader.status());
      readers.push_back(std::move(reader).value());
    }
    return readers;
  }

  // What a flame graph over the first `hours` blocks reads (the blocks hold the same series).
  Input InputOf(int hours) {
    Prepare(hours);
    Input in;
    for (int h = 0; h < hours; ++h) {
      in.series = std::max(in.series, blocks_[h].input.series);
      in.profiles += blocks_[h].input.profiles;
      in.samples += blocks_[h].input.samples;
    }
    return in;
  }

  // Drops the first `hours` block files from the page cache, so the next reads hit the disk.
  void Evict(int hours) {
    Prepare(hours);
    for (int h = 0; h < hours; ++h) {
      const std::string path = owned_bucket_->dir() + "/" + blocks_[h].key;
      const int fd = open(path.c_str(), O_RDONLY);
      if (fd < 0) Die("evict", InternalError("cannot open " + path));
      (void)fdatasync(fd);
      (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      close(fd);
    }
  }

  uint64_t Bytes(int hours) {
    Prepare(hours);
    uint64_t bytes = 0;
    for (int h = 0; h < hours; ++h) bytes += blocks_[h].bytes;
    return bytes;
  }

 private:
  struct Stored {
    std::string key;
    uint64_t bytes = 0;
    Input input;
  };

  // Hour `h`: the head shifted by `h` hours, encoded, stored and counted.
  Stored Encode(int h) {
    const ShiftedSource source(*Hour().head, h * kHourNanos);
    block::BlockMeta meta;
    meta.ulid = "hour-" + std::to_string(h);
    meta.tenant = "bench";
    meta.sources = {meta.ulid};
    Result<block::EncodedBlock> encoded = block::EncodeBlock(source, meta);
    if (!encoded.ok()) Die("encode " + meta.ulid, encoded.status());
    Stored b{"bench/" + meta.ulid + "/" + std::string(block::kDataFile), encoded->data.size(),
             {}};
    const Status put = bucket_.Put(b.key, encoded->data);
    if (!put.ok()) Die("put " + b.key, put);
    Result<std::unique_ptr<block::BlockReader>> reader =
        block::BlockReader::Open(block::BucketSource(bucket_, b.key, b.bytes));
    if (!reader.ok()) Die("open " + b.key, reader.status());
    b.input = CountInput(**reader, {INT64_MIN, INT64_MAX});
    return b;
  }

  // The bucket's directory, removed at exit.
  static std::unique_ptr<objstore::FilesystemBucket> MakeBucket() {
    std::string dir = (std::filesystem::temp_directory_path() / "flamedb-query-bench-XXXXXX");
    if (mkdtemp(dir.data()) == nullptr) Die("mkdtemp", InternalError(dir));
    Result<std::unique_ptr<objstore::FilesystemBucket>> b = objstore::FilesystemBucket::Open(dir);
    if (!b.ok()) Die("bucket", b.status());
    static const std::string removed_at_exit = dir;
    std::atexit([] { std::filesystem::remove_all(removed_at_exit); });
    return std::move(b).value();
  }

  std::unique_ptr<objstore::FilesystemBucket> owned_bucket_ = MakeBucket();
  objstore::Bucket& bucket_ = *owned_bucket_;
  std::vector<Stored> blocks_;
};

CorpusBlocks& Blocks() {
  static CorpusBlocks blocks;
  return blocks;
}

// One flame graph request, as the render and SelectMergeStacktraces handlers serve it.
// Returns the merged tree's node count.
size_t RenderFlameGraph(const query::Sources& sources, store::TimeRange range, int threads = 1) {
  query::QueryContext ctx({.threads = threads});
  Result<query::FunctionTree> tree =
      query::MergeStacktraces(sources, {kCpuType, kSelector, range, {}, {}}, ctx);
  if (!tree.ok()) Die("MergeStacktraces", tree.status());
  const query::FlameGraph graph = query::BuildFlameGraph(*tree, query::kDefaultMaxNodes);
  benchmark::DoNotOptimize(graph.total);
  return tree->nodes().size();
}

void SetInputCounters(benchmark::State& state, const Input& in) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(in.samples) * iterations, benchmark::Counter::kIsRate);
  state.counters["profiles/s"] = benchmark::Counter(static_cast<double>(in.profiles) * iterations,
                                                    benchmark::Counter::kIsRate);
  state.counters["samples"] = static_cast<double>(in.samples);
  state.counters["profiles"] = static_cast<double>(in.profiles);
  state.counters["series"] = static_cast<double>(in.series);
}

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

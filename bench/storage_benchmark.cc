// The storage engine on a realistic corpus: head ingest, head memory, block write and read,
// bytes per sample on disk, and WAL replay (issue #4, design §9).
//
// The corpus is made from the real runtime/pprof CPU and heap profiles in $FLAMEDB_BENCH_CORPUS
// (bench/storage makes them with the project's Go fixture program): every pod of every service
// sends one CPU and one heap profile each 10 s for an hour. Each profile keeps a random 70% of
// the fixture's samples with values scaled by 0.5-1.5x (CPU values stay multiples of the
// period), so consecutive profiles differ the way real ones do. Services have their own symbol
// partitions. Sizes: $FLAMEDB_BENCH_SERVICES (default 4) x $FLAMEDB_BENCH_PODS (default 4).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <random>

#include <atomic>

#include "base/clock.h"
#include "base/gzip.h"
#include "distributor/steps.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "base/logging.h"
#include "block/meta.h"
#include "block/reader.h"
#include "block/writer.h"
#include "compactor/compact.h"
#include "corpus.h"
#include "objstore/filesystem_bucket.h"
#include "peak_memory.h"
#include "head/head.h"
#include "ingester/record.h"
#include "ingester/replay.h"
#include "wal/wal.h"

namespace {

using namespace flamedb;

using bench::EnvInt;
using bench::Push;
using bench::Vary;

struct Corpus {
  const model::Profile& cpu;
  const model::Profile& heap;
  int services = 0, pods = 0;
};

const Corpus& GetCorpus() {
  static const Corpus corpus{bench::GetBaseProfiles().cpu, bench::GetBaseProfiles().heap,
                             EnvInt("FLAMEDB_BENCH_SERVICES", 4), EnvInt("FLAMEDB_BENCH_PODS", 4)};
  return corpus;
}

// Calls `fn` for the corpus' pushes in time order (made on the fly: an hour of them does not
// fit in memory as profiles), up to `limit` of them.
void ForEachPush(const std::function<void(const Push&)>& fn, size_t limit = SIZE_MAX) {
  const Corpus& c = GetCorpus();
  std::mt19937_64 rng(42);
  const int64_t start = bench::kStartNanos;
  size_t n = 0;
  for (int step = 0; step < 360; ++step) {
    for (int s = 0; s < c.services; ++s) {
      for (int pod = 0; pod < c.pods; ++pod) {
        const std::string service = "svc-" + std::to_string(s);
        const std::string pod_name = service + "-" + std::to_string(pod);
        const int64_t t = start + step * bench::kPushIntervalNanos + pod * 1'000'000LL;
        for (const auto& [name, base] : {std::pair{"process_cpu", &c.cpu}, {"memory", &c.heap}}) {
          if (n++ >= limit) return;
          fn(Vary(*base, {{"__name__", name}, {"pod", pod_name}, {"service_name", service}}, t,
                  rng));
        }
      }
    }
  }
}

std::unique_ptr<head::Head> Fill() {
  auto head = std::make_unique<head::Head>();
  ForEachPush([&](const Push& p) { (void)head->Append(p.labels, *p.profile, p.samples); });
  return head;
}

const head::Head& FilledHead() {
  static const std::unique_ptr<head::Head> head = Fill();
  return *head;
}

const block::EncodedBlock& Block() {
  static const block::EncodedBlock encoded = *block::EncodeBlock(FilledHead(), block::BlockMeta{});
  return encoded;
}

// The first pushes of the corpus, made up front, for timing ingest without the making.
constexpr size_t kTimedPushes = 400;
const std::vector<Push>& TimedPushes() {
  static const std::vector<Push> pushes = [] {
    std::vector<Push> out;
    ForEachPush([&](const Push& p) { out.push_back(p); }, kTimedPushes);
    return out;
  }();
  return pushes;
}

uint64_t SamplesOf(const std::vector<Push>& pushes) {
  uint64_t n = 0;
  for (const Push& p : pushes) n += p.samples.size() * p.profile->sample_types.size();
  return n;
}

void SetSampleRates(benchmark::State& state, uint64_t profiles, uint64_t samples) {
  state.counters["profiles/s"] = benchmark::Counter(
      static_cast<double>(profiles * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(samples * state.iterations()), benchmark::Counter::kIsRate);
}

// Pushes into an empty head, one thread: what one core ingests after the distributor.
void BM_HeadAppend(benchmark::State& state) {
  const std::vector<Push>& pushes = TimedPushes();
  for (auto _ : state) {
    head::Head head;
    for (const Push& p : pushes) (void)head.Append(p.labels, *p.profile, p.samples);
    benchmark::DoNotOptimize(head.rows());
  }
  SetSampleRates(state, pushes.size(), SamplesOf(pushes));
  const head::Head& head = FilledHead();  // The whole hour.
  state.counters["series"] = static_cast<double>(head.series());
  state.counters["head_bytes/series"] =
      static_cast<double>(head.MemoryBytes()) / static_cast<double>(head.series());
  state.counters["head_bytes/sample"] =
      static_cast<double>(head.MemoryBytes()) / static_cast<double>(head.samples());
}
BENCHMARK(BM_HeadAppend)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void BM_BlockWrite(benchmark::State& state) {
  const head::Head& head = FilledHead();
  size_t bytes = 0;
  for (auto _ : state) {
    auto block = block::EncodeBlock(head, block::BlockMeta{});
    bytes = block->data.size() + block::MetaToJson(block->meta).size();
    benchmark::DoNotOptimize(block);
  }
  const block::EncodedBlock& b = Block();
  SetSampleRates(state, b.meta.profiles, b.meta.samples);
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.counters["block_bytes"] = static_cast<double>(bytes);
  state.counters["bytes/sample"] = static_cast<double>(bytes) / static_cast<double>(b.meta.samples);
  state.counters["bytes/profile"] = static_cast<double>(bytes) / static_cast<double>(b.meta.profiles);
  state.counters["samples"] = static_cast<double>(b.meta.samples);
}
BENCHMARK(BM_BlockWrite)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Opens the block cold and reads every row and every symbol partition.
void BM_BlockReadAll(benchmark::State& state) {
  const block::EncodedBlock& b = Block();
  for (auto _ : state) {
    auto reader = block::BlockReader::Open(block::StringSource(b.data));
    uint64_t sum = 0;
    (void)(*reader)->ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
      sum += static_cast<uint64_t>(row.total) + row.stacks.size();
    });
    for (uint32_t p = 0; p < (*reader)->PartitionCount(); ++p) {
      (void)(*reader)->WithSymbols(p, [&](const symdb::Partition& part) { sum += part.stacks(); });
    }
    benchmark::DoNotOptimize(sum);
  }
  SetSampleRates(state, b.meta.profiles, b.meta.samples);
  state.SetBytesProcessed(static_cast<int64_t>(b.data.size() * state.iterations()));
}
BENCHMARK(BM_BlockReadAll)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// User and system CPU of the whole process (every thread) so far.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// Restart: WAL records back into a head, on every usable core. `records` are written to a WAL
// under $TMPDIR first; the rate is of `raw_bytes`, the uncompressed pprof the records stand for
// (the replay target of design notes §7 is in raw pprof, whatever the record holds).
void ReplayBench(benchmark::State& state, const std::vector<std::string>& records,
                 uint64_t raw_bytes, const std::vector<Push>& pushes) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/flamedb-bench-wal-" +
                          std::to_string(getpid());
  std::filesystem::remove_all(dir);
  base::RealClock clock;
  base::Logger logger(clock, stderr, base::LogLevel::kError);
  base::MetricsRegistry metrics;
  uint64_t record_bytes = 0;
  {
    auto wal =
        wal::Wal::Open({.dir = dir, .sync = wal::SyncPolicy::kNone}, logger, metrics).value();
    for (const std::string& record : records) {
      record_bytes += record.size();
      (void)wal->Append(record);
    }
  }
  const double cpu_before = ProcessCpuSeconds();
  const auto wall_before = std::chrono::steady_clock::now();
  std::atomic<size_t> failed = 0;
  for (auto _ : state) {
    base::MetricsRegistry replay_metrics;
    auto wal = wal::Wal::Open({.dir = dir, .sync = wal::SyncPolicy::kNone}, logger, replay_metrics)
                   .value();
    head::Head head;
    const size_t workers = ingester::ReplayWorkers();
    (void)ingester::ReplayRecords(*wal, workers, [&](Result<ingester::PushRecord> record,
                                                     wal::Position) {
      if (!record.ok()) {
        ++failed;
        return;
      }
      const ingester::PushRecord r = std::move(record).value();
      for (const auto& s : r.series) {
        (void)head.Append(s.labels, *s.profile, s.samples);
      }
    });
    benchmark::DoNotOptimize(head.rows());
  }
  if (failed > 0) state.SkipWithError("records did not replay");
  // How many cores the replay kept busy (reader + workers), to tell CPU cost from waiting.
  state.counters["cores"] =
      (ProcessCpuSeconds() - cpu_before) /
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  state.counters["record_MB"] = static_cast<double>(record_bytes) / 1e6;
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(static_cast<int64_t>(raw_bytes * state.iterations()));
  SetSampleRates(state, pushes.size(), SamplesOf(pushes));
}

// Records that hold each profile as pprof (what the ingester writes for formats other than
// pprof: folded, JFR, OTLP ...).
void BM_WalReplay(benchmark::State& state) {
  const std::vector<Push>& pushes = TimedPushes();
  std::vector<std::string> records;
  uint64_t raw = 0;
  for (const Push& p : pushes) {
    records.push_back(ingester::EncodeRecord("t", {{p.labels, p.profile, p.samples}}));
    raw += pprof::EncodeProfile(*p.profile).size();
  }
  ReplayBench(state, records, raw, pushes);
}
BENCHMARK(BM_WalReplay)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// Records that hold the gzip payload a client sent (pprof pushes: the Go SDK, Alloy, Node), which
// replay decodes and runs through the distributor's steps again (distributor/steps.h).
void BM_WalReplayReceived(benchmark::State& state) {
  const std::vector<Push>& pushes = TimedPushes();
  std::vector<std::string> records;
  uint64_t raw = 0;
  for (const Push& p : pushes) {
    const std::string pprof = pprof::EncodeProfile(*p.profile);
    raw += pprof.size();
    auto sent = pprof::DecodeProfile(base::Gzip(pprof), {.max_uncompressed_bytes = 1 << 30,
                                                          .keep_received = true});
    const model::Received facts = *sent->received;
    (void)distributor::Remake(*sent, facts, sent->time_nanos, {});  // As the push made it.
    const auto profile = std::make_shared<const model::Profile>(std::move(sent).value());
    const bool same = profile->samples.size() == p.profile->samples.size();
    records.push_back(ingester::EncodeRecord(
        "t", {{p.labels, profile, same ? p.samples : std::vector<uint32_t>{}}}));
  }
  ReplayBench(state, records, raw, pushes);
}
BENCHMARK(BM_WalReplayReceived)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// Compaction (design §9: >= 50 MB/s per core, <= 512 MiB): the corpus' hour as six blocks of
// ten minutes each (as a busy server cuts by size), in a FilesystemBucket under $TMPDIR,
// merged into one by the compactor's engine on one thread. The rate is of input block bytes;
// the inputs are in the page cache, as blocks cut minutes earlier are. peak_MB is how far the
// process's RSS rose during one merge.
void BM_Compact(benchmark::State& state) {
  constexpr int kBlocks = 6;
  std::string dir = std::filesystem::temp_directory_path() / "flamedb-bench-compact-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  auto bucket = objstore::FilesystemBucket::Open(dir + "/bucket").value();
  std::vector<block::BlockMeta> inputs;
  uint64_t samples = 0, profiles = 0;
  {
    std::vector<head::Head> heads(kBlocks);
    ForEachPush([&](const Push& p) {
      const int64_t minute = (p.profile->time_nanos - bench::kStartNanos) / 60'000'000'000LL;
      (void)heads[std::min<int64_t>(minute / 10, kBlocks - 1)].Append(p.labels, *p.profile,
                                                                       p.samples);
    });
    for (int i = 0; i < kBlocks; ++i) {
      block::BlockMeta meta;
      meta.ulid = "01ARYZ6S41TSV4RRFFQ69G5FA" + std::to_string(i);
      meta.tenant = "t";
      meta.sources = {meta.ulid};
      auto encoded = block::EncodeBlock(heads[i], meta).value();
      (void)bucket->Put("t/" + meta.ulid + "/block.bin", encoded.data);
      samples += encoded.meta.samples;
      profiles += encoded.meta.profiles;
      inputs.push_back(encoded.meta);
    }
  }
  compactor::Compacted last;
  const compactor::CompactOptions options{.scratch_dir = dir};
  for (auto _ : state) {
    auto done = compactor::CompactBlocks(*bucket, inputs, "01ARYZ6S41TSV4RRFFQ69G5FB0", options);
    if (!done.ok()) {
      state.SkipWithError(done.status().ToString().c_str());
      break;
    }
    last = *done;
  }
  const double peak = bench::PeakResidentGrowth(
      [&] { (void)compactor::CompactBlocks(*bucket, inputs, "01ARYZ6S41TSV4RRFFQ69G5FB1", options); });
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(static_cast<int64_t>(last.input_bytes * state.iterations()));
  SetSampleRates(state, profiles, samples);
  state.counters["input_blocks"] = kBlocks;
  state.counters["input_MB"] = static_cast<double>(last.input_bytes) / 1e6;
  state.counters["output_MB"] = static_cast<double>(last.meta.data_bytes) / 1e6;
  state.counters["peak_MB"] = peak / 1e6;
}
BENCHMARK(BM_Compact)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Fixed memory per series: many series of one tiny profile each.
void BM_HeadSeriesOverhead(benchmark::State& state) {
  const model::Profile& cpu = GetCorpus().cpu;
  constexpr int kSeries = 10000;
  double per_series = 0;
  for (auto _ : state) {
    head::Head head;
    for (int i = 0; i < kSeries; ++i) {
      (void)head.Append({{"__name__", "process_cpu"}, {"pod", "pod-" + std::to_string(i)},
                         {"service_name", "svc"}}, cpu, {0});
    }
    per_series = static_cast<double>(head.MemoryBytes()) / static_cast<double>(head.series());
  }
  state.counters["head_bytes/series"] = per_series;
}
BENCHMARK(BM_HeadSeriesOverhead)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

// main(): bench/main.cc.

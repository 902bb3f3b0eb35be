// Blocks in object storage against blocks on the local filesystem, side by side in one run:
// uploads, and CPU flame graphs over 1 h and 24 h of the query corpus (bench/query_corpus.h)
// read from a real S3 endpoint (OpenStack Swift's s3api on loopback, started here through
// tests/servers/swift-s3) cold (empty caches) and warm (the range cache of
// objstore/caching_bucket.h holding what earlier queries read), with the bytes each query
// downloads; and how much of a block a query of one service out of ten downloads.
//
// "fs" rows read a FilesystemBucket as the server does; cold ones evict the files from the page
// cache first (as bench/query). "s3" cold rows open a new cache for every query, so every range
// is downloaded; "s3_restart" ones start from a disk cache an earlier process filled (what a
// restart with -storage.cache-dir finds). Loopback S3 has no network latency: against a real
// region add a round trip (~5-20 ms) per range of a cold query.
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>

#include "block/bytes.h"
#include "block/reader.h"
#include "block/writer.h"
#include "corpus.h"
#include "objstore/caching_bucket.h"
#include "objstore/filesystem_bucket.h"
#include "objstore/forwarding_bucket.h"
#include "objstore/s3_bucket.h"
#include "query_corpus.h"
#include "testing/test_servers.h"

namespace {

using namespace flamedb;
using namespace flamedb::bench;

// Counts what reaches the inner bucket by range: the downloads of a remote bucket.
class CountingBucket final : public objstore::ForwardingBucket {
 public:
  explicit CountingBucket(objstore::Bucket& inner) : ForwardingBucket(inner) {}
  Result<std::string> GetRange(std::string_view k, uint64_t o, uint64_t n) override {
    Result<std::string> r = ForwardingBucket::GetRange(k, o, n);
    if (r.ok()) {
      bytes_ += r->size();
      ++requests_;
    }
    return r;
  }

  uint64_t bytes() const { return bytes_; }
  uint64_t requests() const { return requests_; }

 private:
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> requests_{0};
};

// Swift with one bucket, and the corpus' blocks uploaded into it (timed as BM_Upload/s3).
struct Remote {
  std::unique_ptr<testing::TestServer> server;
  std::unique_ptr<objstore::S3Bucket> s3;
  int uploaded_hours = 0;
};

Remote& S3() {
  static Remote remote = [] {
    Remote r;
    auto server = testing::TestServer::Start("swift-s3", 5);
    if (!server.ok()) Die("swift", server.status());
    r.server = std::move(*server);
    const objstore::S3Options options{
        .endpoint = r.server->endpoint(),
        .bucket_name = "bench",
        .access_key_id = "test:tester",
        .secret_access_key = "testing",
        .http = {.max_retries = 40, .backoff_max = std::chrono::milliseconds(250)}};
    if (Status s = objstore::S3Bucket::Create(options); !s.ok()) Die("create bucket", s);
    auto s3 = objstore::S3Bucket::Open(options);
    if (!s3.ok()) Die("open s3", s3.status());
    r.s3 = std::move(*s3);
    return r;
  }();
  return remote;
}

// Puts the first `hours` corpus blocks into `bucket` from their files; returns the bytes.
uint64_t Upload(objstore::Bucket& bucket, int hours) {
  uint64_t bytes = 0;
  for (int h = 0; h < hours; ++h) {
    if (Status s = bucket.PutFile(Blocks().Key(h), Blocks().Path(h)); !s.ok()) Die("upload", s);
    bytes += Blocks().Bytes(h + 1) - Blocks().Bytes(h);
  }
  return bytes;
}

// The corpus blocks the S3 queries read, uploaded once.
objstore::Bucket& S3With(int hours) {
  Remote& r = S3();
  if (r.uploaded_hours < hours) {
    Upload(*r.s3, hours);
    r.uploaded_hours = hours;
  }
  return *r.s3;
}

// The day's blocks put into a fresh bucket per iteration: throughput of PutFile.
void BM_Upload(benchmark::State& state, bool s3) {
  const int hours = DayHours();
  Blocks().Prepare(hours);
  uint64_t bytes = 0;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = std::filesystem::temp_directory_path() /
                            ("flamedb-upload-bench-" + std::to_string(getpid()) + "-" +
                             std::to_string(round++));
    std::unique_ptr<objstore::Bucket> fs;
    if (!s3) fs = std::move(objstore::FilesystemBucket::Open(dir)).value();
    objstore::Bucket& target = s3 ? *S3().s3 : *fs;
    state.ResumeTiming();
    bytes += Upload(target, hours);
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  if (s3) S3().uploaded_hours = hours;
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["blocks"] = hours;
  state.counters["block_bytes"] = static_cast<double>(Blocks().Bytes(hours));
}
BENCHMARK_CAPTURE(BM_Upload, fs, false)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_Upload, s3, true)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

enum class Where { kFs, kS3, kS3Restart };

// A flame graph over `hours` (0: the day) of blocks, cold or warm, from `where`.
void BM_FlameGraph(benchmark::State& state, int hours, bool warm, Where where) {
  if (hours == 0) hours = DayHours();
  const store::TimeRange range = QueryRange(hours);
  Blocks().Prepare(hours);
  std::unique_ptr<CountingBucket> counting;
  std::string disk_dir;
  if (where != Where::kFs) counting = std::make_unique<CountingBucket>(S3With(hours));
  if (where == Where::kS3Restart) {
    disk_dir = std::filesystem::temp_directory_path() /
               ("flamedb-cache-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(disk_dir);
    auto fill = objstore::CachingBucket::Open(std::make_unique<CountingBucket>(static_cast<objstore::Bucket&>(*counting)),
                                              {.memory_bytes = 0, .disk_dir = disk_dir}, nullptr);
    (void)RenderFlameGraph(SourcesOf(Blocks().Open(hours, fill->get())), range);
  }
  // What one query reads through: a cache over the counted S3 bucket (new for each cold query).
  const auto make_cache = [&] {
    auto inner = std::make_unique<CountingBucket>(static_cast<objstore::Bucket&>(*counting));
    return std::move(objstore::CachingBucket::Open(
                         std::move(inner), {.memory_bytes = 1ull << 30, .disk_dir = disk_dir},
                         nullptr))
        .value();
  };
  std::unique_ptr<objstore::CachingBucket> warm_cache;
  Readers warm_readers;
  if (warm) {
    if (where != Where::kFs) warm_cache = make_cache();
    warm_readers = Blocks().Open(hours, warm_cache.get());
    (void)RenderFlameGraph(SourcesOf(warm_readers), range);
  }
  const uint64_t before = counting ? counting->bytes() : 0;
  const uint64_t requests_before = counting ? counting->requests() : 0;
  for (auto _ : state) {
    if (warm) {
      RenderFlameGraph(SourcesOf(warm_readers), range);
      continue;
    }
    state.PauseTiming();
    if (where == Where::kFs) Blocks().Evict(hours);
    std::unique_ptr<objstore::CachingBucket> cache = where == Where::kFs ? nullptr : make_cache();
    state.ResumeTiming();
    RenderFlameGraph(SourcesOf(Blocks().Open(hours, cache.get())), range);
  }
  const auto iterations = static_cast<double>(state.iterations());
  if (counting) {
    state.counters["fetched_bytes/query"] =
        static_cast<double>(counting->bytes() - before) / iterations;
    state.counters["requests/query"] =
        static_cast<double>(counting->requests() - requests_before) / iterations;
  }
  state.counters["block_bytes"] = static_cast<double>(Blocks().Bytes(hours));
  SetInputCounters(state, Blocks().InputOf(hours));
  if (!disk_dir.empty()) std::filesystem::remove_all(disk_dir);
}
BENCHMARK_CAPTURE(BM_FlameGraph, hour_cold_fs, 1, false, Where::kFs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, hour_cold_s3, 1, false, Where::kS3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, hour_cold_s3_restart, 1, false, Where::kS3Restart)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, hour_warm_fs, 1, true, Where::kFs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, hour_warm_s3, 1, true, Where::kS3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, day_cold_fs, 0, false, Where::kFs)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, day_cold_s3, 0, false, Where::kS3)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, day_warm_fs, 0, true, Where::kFs)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_FlameGraph, day_warm_s3, 0, true, Where::kS3)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// A block of ten services (the corpus' hour with service_name svc-0..svc-9 by pod), and a cold
// flame graph of one of them from S3: how much of the block it downloads.
void BM_OneServiceOfTen(benchmark::State& state) {
  static const std::pair<std::string, uint64_t> block = [] {
    const model::Profile& cpu = GetBaseProfiles().cpu;
    head::Head head;
    std::mt19937_64 rng(7);
    const int pods = Pods();
    for (int step = 0; step < 360; ++step) {
      for (int pod = 0; pod < pods; ++pod) {
        const Push p = Vary(cpu,
                            {{"__name__", "process_cpu"},
                             {"pod", "pod-" + std::to_string(pod)},
                             {"service_name", "svc-" + std::to_string(pod % 10)}},
                            kStartNanos + step * kPushIntervalNanos + pod * 1'000'000LL, rng, 0.2);
        if (p.samples.empty()) continue;
        if (Status s = head.Append(p.labels, *p.profile, p.samples); !s.ok()) Die("append", s);
      }
    }
    block::BlockMeta meta;
    meta.ulid = "ten-services";
    meta.tenant = "bench";
    meta.sources = {meta.ulid};
    Result<block::EncodedBlock> encoded = block::EncodeBlock(head, meta);
    if (!encoded.ok()) Die("encode", encoded.status());
    const std::string key = "bench/ten-services/block.bin";
    if (Status s = S3().s3->Put(key, encoded->data); !s.ok()) Die("put", s);
    return std::pair(key, static_cast<uint64_t>(encoded->data.size()));
  }();
  CountingBucket counting(*S3().s3);
  const store::TimeRange range = QueryRange(1);
  for (auto _ : state) {
    auto cache = std::move(objstore::CachingBucket::Open(
                               std::make_unique<CountingBucket>(static_cast<objstore::Bucket&>(counting)), {}, nullptr))
                     .value();
    auto reader = block::BlockReader::Open(block::BucketSource(*cache, block.first, block.second));
    if (!reader.ok()) Die("open", reader.status());
    RenderFlameGraph({reader->get()}, range, 1, "{service_name=\"svc-3\"}");
  }
  const auto per_query = static_cast<double>(counting.bytes()) / static_cast<double>(state.iterations());
  state.counters["fetched_bytes/query"] = per_query;
  state.counters["block_bytes"] = static_cast<double>(block.second);
  state.counters["fetched_share"] = per_query / static_cast<double>(block.second);
}
BENCHMARK(BM_OneServiceOfTen)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

// main(): bench/main.cc.

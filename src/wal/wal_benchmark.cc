// Append throughput of the WAL with fdatasync before every acknowledgement, from 1 to 8
// concurrent appenders: group commit lets one fdatasync cover every record written meanwhile,
// so records/s should rise with concurrency while each append stays durable. And what one
// durable append waits while a block of N MB is uploaded to a filesystem bucket on the same
// disk, as an ingester's cut does (BM_DurableAppendDuringUpload/N; 0 = no upload).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "objstore/filesystem_bucket.h"
#include "wal/wal.h"

namespace flamedb::wal {
namespace {

struct Fixture {
  Fixture() : logger(clock, stderr, base::LogLevel::kError) {
    dir = "/tmp/flamedb-wal-bench-" + std::to_string(getpid());
    std::filesystem::remove_all(dir);
    wal = std::move(Wal::Open({.dir = dir, .sync = SyncPolicy::kAlways}, logger, metrics)).value();
  }
  ~Fixture() {
    wal.reset();
    std::filesystem::remove_all(dir);
  }
  base::RealClock clock;
  base::Logger logger;
  base::MetricsRegistry metrics;
  std::string dir;
  std::unique_ptr<Wal> wal;
};

Fixture* fixture = nullptr;

// A record the size of a typical compressed-to-normalized CPU profile push (16 KiB).
void BM_DurableAppend(benchmark::State& state) {
  if (state.thread_index() == 0) {
    fixture = new Fixture();  // NOLINT: shared by the benchmark's threads, freed below.
  }
  const std::string record(16 << 10, 'x');
  for (auto _ : state) {
    if (!fixture->wal->Append(record).ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(record.size()));
  if (state.thread_index() == 0) {
    delete fixture;  // NOLINT
    fixture = nullptr;
  }
}
BENCHMARK(BM_DurableAppend)->ThreadRange(1, 8)->UseRealTime();

// One appender sends a 30 KB record (a compressed heap push) every 2 ms and times each durable
// append; the benchmark thread uploads blocks (each under a new key, as cuts do) with 100 ms
// pauses between them. Counters: the p50, p99 and max in ms of the appends that overlapped an
// upload, and the upload's MB/s.
void BM_DurableAppendDuringUpload(benchmark::State& state) {
  Fixture f;
  const std::string bucket_dir = f.dir + "-bucket";
  std::unique_ptr<objstore::FilesystemBucket> bucket =
      std::move(objstore::FilesystemBucket::Open(bucket_dir)).value();
  std::string block(static_cast<size_t>(state.range(0)) << 20, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::vector<double> waits;
  std::atomic<bool> stop{false}, uploading{false};
  std::thread appender([&] {
    const std::string record(30 << 10, 'r');
    while (!stop.load()) {
      const bool before = uploading.load();
      const auto t0 = std::chrono::steady_clock::now();
      if (!f.wal->Append(record).ok()) break;
      const auto t1 = std::chrono::steady_clock::now();
      if (before || uploading.load() || block.empty()) {
        waits.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  int key = 0;
  for (auto _ : state) {
    if (block.empty()) {  // The baseline: appends with no upload.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    uploading.store(true);
    if (!bucket->Put("t/" + std::to_string(key++), block).ok()) {
      state.SkipWithError("upload failed");
      break;
    }
    uploading.store(false);
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
  }
  stop.store(true);
  appender.join();
  std::sort(waits.begin(), waits.end());
  const auto at = [&](double q) {
    return waits.empty() ? 0.0
                         : waits[static_cast<size_t>(q * static_cast<double>(waits.size() - 1))];
  };
  state.counters["ack_p50_ms"] = at(0.5);
  state.counters["ack_p99_ms"] = at(0.99);
  state.counters["ack_max_ms"] = at(1.0);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(block.size()));
  std::filesystem::remove_all(bucket_dir);
}
BENCHMARK(BM_DurableAppendDuringUpload)
    ->Arg(0)
    ->Arg(128)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flamedb::wal

BENCHMARK_MAIN();

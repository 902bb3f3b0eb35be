// Append throughput of the WAL with fdatasync before every acknowledgement, from 1 to 8
// concurrent appenders: group commit lets one fdatasync cover every record written meanwhile,
// so records/s should rise with concurrency while each append stays durable. And what one
// durable append waits while a block of N MB is uploaded to a filesystem bucket on the same
// disk, as an ingester's cut does (BM_DurableAppendDuringUpload/N; 0 = no upload), and while
// the WAL segments a cut covers are deleted (BM_DurableAppendDuringDelete).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/remove_file.h"
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

// One appender sending a 30 KB record (a compressed heap push) every 2 ms and timing each
// durable append that overlaps what the benchmark thread does between Begin() and End().
class AckProbe {
 public:
  explicit AckProbe(Wal& wal) : wal_(wal), thread_([this] { Run(); }) {}
  ~AckProbe() { Stop(); }
  void Begin() { busy_.store(true); }
  void End() { busy_.store(false); }
  // Counts every append, not only overlapping ones (the baseline).
  void CountAll() { all_.store(true); }

  // Stops the appender; sets the p50, p99 and max in ms of the appends that overlapped.
  void Report(benchmark::State& state) {
    Stop();
    std::sort(waits_.begin(), waits_.end());
    const auto at = [&](double q) {
      return waits_.empty()
                 ? 0.0
                 : waits_[static_cast<size_t>(q * static_cast<double>(waits_.size() - 1))];
    };
    state.counters["ack_p50_ms"] = at(0.5);
    state.counters["ack_p99_ms"] = at(0.99);
    state.counters["ack_max_ms"] = at(1.0);
  }

 private:
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  void Run() {
    const std::string record(30 << 10, 'r');
    while (!stop_.load()) {
      const bool before = busy_.load();
      const auto t0 = std::chrono::steady_clock::now();
      if (!wal_.Append(record).ok()) break;
      const auto t1 = std::chrono::steady_clock::now();
      if (before || busy_.load() || all_.load()) {
        waits_.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  Wal& wal_;
  std::atomic<bool> stop_{false}, busy_{false}, all_{false};
  std::vector<double> waits_;  // Touched by the appender only until Report() joins it.
  std::thread thread_;
};

// The benchmark thread uploads blocks of N MB (each under a new key, as cuts do) with 100 ms
// pauses between them; counters as AckProbe's, and the upload's MB/s.
void BM_DurableAppendDuringUpload(benchmark::State& state) {
  Fixture f;
  const std::string bucket_dir = f.dir + "-bucket";
  std::unique_ptr<objstore::FilesystemBucket> bucket =
      std::move(objstore::FilesystemBucket::Open(bucket_dir)).value();
  std::string block(static_cast<size_t>(state.range(0)) << 20, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 2654435761u) >> 13);
  AckProbe probe(*f.wal);
  if (block.empty()) probe.CountAll();
  int key = 0;
  for (auto _ : state) {
    if (block.empty()) {  // The baseline: appends with no upload.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    probe.Begin();
    if (!bucket->Put("t/" + std::to_string(key++), block).ok()) {
      state.SkipWithError("upload failed");
      break;
    }
    probe.End();
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
  }
  probe.Report(state);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(block.size()));
  std::filesystem::remove_all(bucket_dir);
}
BENCHMARK(BM_DurableAppendDuringUpload)
    ->Arg(0)
    ->Arg(128)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// What a cut's WAL truncation does to the appends: four durable 128 MiB files (segments) are
// deleted at once, by unlink (/0) or as the WAL deletes them, shrunk 8 MiB at a time first
// (/1, base::RemoveFileGradually). Counters as AckProbe's; the time is the deletion's.
void BM_DurableAppendDuringDelete(benchmark::State& state) {
  Fixture f;
  const std::string files_dir = f.dir + "-files";
  std::filesystem::create_directories(files_dir);
  const std::string segment(128 << 20, 's');
  AckProbe probe(*f.wal);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> paths;
    for (int i = 0; i < 4; ++i) {
      paths.push_back(files_dir + "/" + std::to_string(i));
      const int fd = open(paths.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || write(fd, segment.data(), segment.size()) != std::ssize(segment) ||
          fdatasync(fd) != 0) {
        state.SkipWithError("cannot write the files");
      }
      if (fd >= 0) close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
    probe.Begin();
    for (const std::string& path : paths) {
      if (state.range(0) == 1 ? !base::RemoveFileGradually(path).ok() : unlink(path.c_str()) != 0) {
        state.SkipWithError("cannot delete");
      }
    }
    probe.End();
  }
  probe.Report(state);
  std::filesystem::remove_all(files_dir);
}
BENCHMARK(BM_DurableAppendDuringDelete)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(6)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flamedb::wal

BENCHMARK_MAIN();

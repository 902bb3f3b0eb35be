// Append throughput of the WAL with fdatasync before every acknowledgement, from 1 to 8
// concurrent appenders: group commit lets one fdatasync cover every record written meanwhile,
// so records/s should rise with concurrency while each append stays durable.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "base/clock.h"
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

}  // namespace
}  // namespace flamedb::wal

BENCHMARK_MAIN();

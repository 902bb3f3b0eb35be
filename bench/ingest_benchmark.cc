// Ingest CPU cost on real profiles: decode (gunzip + pprof decode), and the whole distributor
// path (decode + validate + normalize; for heap profiles also with the server-side delta of a
// series whose cumulative values stay put), per file of the corpus directory named by
// $FLAMEDB_BENCH_CORPUS (made by bench/ingest-vs-go from the project's Go fixture program).
// Rates are of uncompressed pprof bytes, comparable with Go's parser in pprofpeer.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/gzip.h"
#include "base/memory.h"
#include "distributor/delta.h"
#include "distributor/normalize.h"
#include "distributor/validate.h"
#include "pprof/decoder.h"

namespace {

using flamedb::pprof::DecodeProfile;

struct Input {
  std::string name;
  std::string compressed;
  size_t uncompressed_size = 0;
  size_t samples = 0;
};

void Run(benchmark::State& state, const Input& in, bool gzip, bool pipeline, bool delta = false) {
  const std::string raw = *flamedb::base::GunzipCapped(in.compressed, 1 << 30);
  const std::string& payload = gzip ? in.compressed : raw;
  const auto now = std::chrono::system_clock::now();
  flamedb::distributor::ProfileLimits limits;
  limits.reject_older_than = flamedb::base::Duration(0);  // Fixtures may be older than 1 h.
  limits.reject_newer_than = flamedb::base::Duration(0);
  limits.max_profile_stacktrace_samples = 0;
  for (auto _ : state) {
    auto p = DecodeProfile(payload, {.max_uncompressed_bytes = 256 << 20});
    if (!p.ok()) {
      state.SkipWithError(std::string(p.status().message()).c_str());
      return;
    }
    if (pipeline) {
      if (auto s = flamedb::distributor::ValidateProfile(*p, limits, now, "{}"); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
      flamedb::distributor::NormalizeProfile(*p);
    }
    if (delta) {  // One series whose cumulative values stay put: growth 0 after the first.
      static flamedb::distributor::DeltaTracker tracker;
      benchmark::DoNotOptimize(tracker.Apply("t", {{"__name__", "memory"}}, *p));
    }
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.uncompressed_size));
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(in.samples * state.iterations()), benchmark::Counter::kIsRate);
}

std::vector<Input> LoadCorpus(const char* dir) {
  std::vector<Input> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".gz") {
      continue;
    }
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << f.rdbuf();
    Input in{entry.path().filename().string(), bytes.str()};
    auto p = DecodeProfile(in.compressed, {.max_uncompressed_bytes = 256 << 20});
    if (!p.ok()) {
      std::cerr << in.name << ": " << p.status().ToString() << "\n";
      continue;
    }
    in.uncompressed_size = p->storage->size();
    in.samples = p->samples.size();
    out.push_back(std::move(in));
  }
  std::sort(out.begin(), out.end(), [](const Input& a, const Input& b) { return a.name < b.name; });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  flamedb::base::TuneAllocator();  // As the server does (server/main.cc).
  const char* dir = std::getenv("FLAMEDB_BENCH_CORPUS");
  if (dir == nullptr) {
    std::cerr << "set FLAMEDB_BENCH_CORPUS to a directory of .pb.gz files (bench/ingest-vs-go "
                 "makes one)\n";
    return 2;
  }
  static const std::vector<Input> corpus = LoadCorpus(dir);
  for (const Input& in : corpus) {
    benchmark::RegisterBenchmark(("decode/" + in.name).c_str(),
                                 [&in](benchmark::State& s) { Run(s, in, false, false); });
    benchmark::RegisterBenchmark(("decode_gzip/" + in.name).c_str(),
                                 [&in](benchmark::State& s) { Run(s, in, true, false); });
    benchmark::RegisterBenchmark(("pipeline/" + in.name).c_str(),
                                 [&in](benchmark::State& s) { Run(s, in, false, true); });
    if (in.name.find("heap") != std::string::npos) {  // alloc_* columns: the server-side delta.
      benchmark::RegisterBenchmark(("pipeline_delta/" + in.name).c_str(),
                                   [&in](benchmark::State& s) { Run(s, in, false, true, true); });
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// JFR ingest CPU cost: ParseJfr alone, and ParseJfr followed by what the distributor does to each
// profile before storing it (validation and normalization), in MB/s of the recording. The
// recordings are the files named by $FLAMEDB_BENCH_JFR (space-separated), else the committed
// fixtures of src/ingest/testdata/jfr/. bench/jfr-vs-jdk runs this beside the JDK's own reader.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/gzip.h"
#include "distributor/normalize.h"
#include "distributor/validate.h"
#include "ingest/jfr.h"

namespace {

using flamedb::ingest::JfrResult;
using flamedb::ingest::ParseJfr;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string bytes = buf.str();
  if (flamedb::base::LooksGzipped(bytes)) bytes = *flamedb::base::GunzipCapped(bytes, 1 << 30);
  return bytes;
}

void Run(benchmark::State& state, const std::string& recording, bool pipeline) {
  const flamedb::ingest::JfrOptions options{.period_nanos = 10000000};
  flamedb::distributor::ProfileLimits limits;
  limits.reject_older_than = flamedb::base::Duration(0);
  limits.reject_newer_than = flamedb::base::Duration(0);
  limits.max_profile_stacktrace_samples = 0;
  size_t samples = 0;
  for (auto _ : state) {
    auto r = ParseJfr(recording, nullptr, options);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    samples = 0;
    for (auto& p : r->profiles) {
      samples += p.profile.samples.size();
      if (!pipeline) continue;
      if (auto s = flamedb::distributor::ValidateProfile(p.profile, limits, {}, "{}"); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        return;
      }
      flamedb::distributor::NormalizeProfile(p.profile);
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * recording.size()));
  state.counters["stacks"] = static_cast<double>(samples);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  if (const char* env = std::getenv("FLAMEDB_BENCH_JFR")) {
    std::stringstream list(env);
    for (std::string f; list >> f;) files.push_back(f);
  } else {
    const std::string dir = std::string(FLAMEDB_SOURCE_DIR) + "/src/ingest/testdata/jfr/";
    files = {dir + "jdk-events.jfr", dir + "wallclock.jfr", dir + "multichunk.jfr.gz"};
  }
  static std::vector<std::string> recordings;  // Outlive the registered benchmarks.
  recordings.reserve(files.size());
  for (const std::string& f : files) {
    recordings.push_back(Read(f));
    if (recordings.back().empty()) {
      std::cerr << f << ": empty or missing\n";
      return 1;
    }
    const std::string name = std::filesystem::path(f).filename().string();
    const std::string& bytes = recordings.back();
    benchmark::RegisterBenchmark(("parse/" + name).c_str(),
                                 [&bytes](benchmark::State& s) { Run(s, bytes, false); });
    benchmark::RegisterBenchmark(("pipeline/" + name).c_str(),
                                 [&bytes](benchmark::State& s) { Run(s, bytes, true); });
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}

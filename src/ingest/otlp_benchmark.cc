// OTLP ingest CPU cost against pprof ingest of the same profiles: each pprof of the corpus
// directory $FLAMEDB_BENCH_CORPUS (bench/ingest-vs-go makes one with the Go fixture program) is
// translated once into an ExportProfilesServiceRequest (one OTLP profile per sample type, as the
// OpenTelemetry Collector's pprof translator does), then both are timed through decoding (or
// conversion) plus the distributor's validation and normalization. bench/otlp-vs-pprof prints
// them side by side.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/gzip.h"
#include "distributor/normalize.h"
#include "distributor/validate.h"
#include "ingest/otlp.h"
#include "otlp_translate.h"
#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb.h"
#include "pprof/decoder.h"

namespace {

namespace otlp = opentelemetry::proto;

// The OTLP request holding `p` (decoded pprof), from service "bench".
std::string ToOtlp(const flamedb::model::Profile& p) {
  return flamedb::bench::OtlpRequest(flamedb::bench::TranslateToOtlp(p), {{"service.name", "bench"}});
}

flamedb::distributor::ProfileLimits Limits() {
  flamedb::distributor::ProfileLimits limits;
  limits.reject_older_than = flamedb::base::Duration(0);
  limits.reject_newer_than = flamedb::base::Duration(0);
  limits.max_profile_stacktrace_samples = 0;
  return limits;
}

bool Pipeline(benchmark::State& state, flamedb::model::Profile& p) {
  if (auto s = flamedb::distributor::ValidateProfile(p, Limits(), {}, "{}"); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return false;
  }
  flamedb::distributor::NormalizeProfile(p);
  return true;
}

void Pprof(benchmark::State& state, const std::string& raw, size_t samples) {
  for (auto _ : state) {
    auto p = flamedb::pprof::DecodeProfile(raw, {.max_uncompressed_bytes = 256 << 20});
    if (!p.ok() || !Pipeline(state, *p)) return;
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples * state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

void Otlp(benchmark::State& state, const std::string& request, size_t samples) {
  for (auto _ : state) {
    auto r = flamedb::ingest::ConvertOtlp(request, std::chrono::system_clock::now());
    if (!r.ok() || r->rejected_profiles > 0) {
      state.SkipWithError(r.ok() ? r->error.c_str() : std::string(r.status().message()).c_str());
      return;
    }
    for (auto& p : r->profiles) {
      if (!Pipeline(state, p.profile)) return;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * request.size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples * state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

// Protobuf's generated classes only parsing the request (no conversion): what decoding OTLP with
// them would cost before any work (docs/architecture.md says why the converter reads the wire).
void GeneratedParse(benchmark::State& state, const std::string& request, size_t samples) {
  for (auto _ : state) {
    otlp::collector::profiles::v1development::ExportProfilesServiceRequest req;
    if (!req.ParseFromString(request)) {
      state.SkipWithError("does not parse");
      return;
    }
    benchmark::DoNotOptimize(req);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * request.size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples * state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("FLAMEDB_BENCH_CORPUS");
  if (dir == nullptr) {
    std::cerr << "set FLAMEDB_BENCH_CORPUS to a directory of gzipped pprof files "
                 "(bench/otlp-vs-pprof makes one)\n";
    return 0;  // The smoke run has no corpus: nothing to time.
  }
  static std::deque<std::pair<std::string, std::string>> inputs;  // Raw pprof, OTLP; never moved.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".gz") continue;
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << f.rdbuf();
    auto raw = flamedb::base::GunzipCapped(bytes.str(), 1 << 30);
    if (!raw.ok()) continue;
    auto p = flamedb::pprof::DecodeProfile(*raw, {.max_uncompressed_bytes = 256 << 20});
    if (!p.ok() || p->samples.empty()) continue;
    inputs.emplace_back(*raw, ToOtlp(*p));
    const auto& in = inputs.back();
    const size_t samples = p->samples.size();
    const std::string name = entry.path().filename().string();
    benchmark::RegisterBenchmark(("pprof/" + name).c_str(),
                                 [&in, samples](benchmark::State& s) { Pprof(s, in.first, samples); });
    benchmark::RegisterBenchmark(("otlp/" + name).c_str(),
                                 [&in, samples](benchmark::State& s) { Otlp(s, in.second, samples); });
    benchmark::RegisterBenchmark(("generated_parse/" + name).c_str(), [&in, samples](benchmark::State& s) {
      GeneratedParse(s, in.second, samples);
    });
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}

// Decoding speed of pprof payloads, ours against libprotobuf's generated parser on the same
// bytes. The payload is synthetic but shaped like a real Go CPU profile: 10,000 samples of depth
// ~24 over 4,000 locations/functions with short names, two sample types.
#include <benchmark/benchmark.h>

#include <random>

#include "google/v1/profile.pb.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"

namespace flamedb::pprof {
namespace {

const std::string& Payload() {
  static const std::string payload = [] {
    google::v1::Profile p;
    std::mt19937_64 rng(1);
    p.add_string_table("");
    for (int i = 0; i < 4000; ++i) {
      p.add_string_table("github.com/acme/service/pkg" + std::to_string(i % 50) + ".Function" +
                         std::to_string(i));
    }
    p.add_string_table("samples");
    p.add_string_table("count");
    p.add_string_table("cpu");
    p.add_string_table("nanoseconds");
    for (int t = 0; t < 2; ++t) {
      auto* st = p.add_sample_type();
      st->set_type(4001 + 2 * t);
      st->set_unit(4002 + 2 * t);
    }
    for (uint64_t i = 1; i <= 4000; ++i) {
      auto* f = p.add_function();
      f->set_id(i);
      f->set_name(static_cast<int64_t>(i));
      auto* loc = p.add_location();
      loc->set_id(i);
      loc->set_address(0x400000 + 16 * i);
      auto* line = loc->add_line();
      line->set_function_id(i);
      line->set_line(static_cast<int64_t>(rng() % 500));
    }
    for (int s = 0; s < 10000; ++s) {
      auto* sample = p.add_sample();
      const int depth = 12 + static_cast<int>(rng() % 24);
      for (int d = 0; d < depth; ++d) {
        sample->add_location_id(1 + rng() % 4000);
      }
      sample->add_value(1 + static_cast<int64_t>(rng() % 5));
      sample->add_value(10000000 * (1 + static_cast<int64_t>(rng() % 5)));
    }
    return p.SerializeAsString();
  }();
  return payload;
}

void BM_DecodeProfile(benchmark::State& state) {
  const std::string& payload = Payload();
  for (auto _ : state) {
    Result<model::Profile> p = DecodeProfile(payload, {.max_uncompressed_bytes = 64 << 20});
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
  state.counters["samples/s"] =
      benchmark::Counter(10000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeProfile);

// The peer: libprotobuf's generated parser on the same bytes.
void BM_LibprotobufParse(benchmark::State& state) {
  const std::string& payload = Payload();
  for (auto _ : state) {
    google::v1::Profile p;
    benchmark::DoNotOptimize(p.ParseFromString(payload));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_LibprotobufParse);

void BM_EncodeProfile(benchmark::State& state) {
  Result<model::Profile> p = DecodeProfile(Payload(), {.max_uncompressed_bytes = 64 << 20});
  for (auto _ : state) {
    benchmark::DoNotOptimize(EncodeProfile(*p));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Payload().size()));
}
BENCHMARK(BM_EncodeProfile);

// What the WAL does per push: the same encoding into a writer kept from call to call.
void BM_EncodeProfileReused(benchmark::State& state) {
  Result<model::Profile> p = DecodeProfile(Payload(), {.max_uncompressed_bytes = 64 << 20});
  base::ByteWriter out;
  for (auto _ : state) {
    out.Clear();
    EncodeProfileTo(*p, out);
    benchmark::DoNotOptimize(out.view().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Payload().size()));
}
BENCHMARK(BM_EncodeProfileReused);

}  // namespace
}  // namespace flamedb::pprof

BENCHMARK_MAIN();

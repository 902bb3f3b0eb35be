#include "corpus.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "distributor/normalize.h"
#include "pprof/decoder.h"

namespace flamedb::bench {

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : def;
}

model::Profile LoadProfile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  auto p = pprof::DecodeProfile(bytes.str(), {.max_uncompressed_bytes = 256 << 20});
  if (!p.ok()) {
    std::cerr << path << ": " << p.status().ToString() << "\n";
    std::exit(1);
  }
  distributor::NormalizeProfile(*p);
  return std::move(p).value();
}

const BaseProfiles& GetBaseProfiles() {
  static const BaseProfiles profiles = [] {
    const char* dir = std::getenv("FLAMEDB_BENCH_CORPUS");
    if (dir == nullptr) {
      std::cerr << "set FLAMEDB_BENCH_CORPUS to a directory with cpu.pb.gz and heap.pb.gz "
                   "(bench/storage and bench/query make one)\n";
      std::exit(1);
    }
    BaseProfiles b;
    b.cpu = LoadProfile(std::string(dir) + "/cpu.pb.gz");
    b.heap = LoadProfile(std::string(dir) + "/heap.pb.gz");
    return b;
  }();
  return profiles;
}

model::Profile CopyOf(const model::Profile& base) {
  model::Profile p;
  p.sample_types = base.sample_types;
  p.samples = base.samples;
  p.stack_keys = base.stack_keys;  // Values change below, stacks do not: as a push has them.
  p.location_ids = base.location_ids;
  p.values = base.values;
  p.labels = base.labels;
  p.mappings = base.mappings;
  p.locations = base.locations;
  p.lines = base.lines;
  p.functions = base.functions;
  p.string_table = base.string_table;
  p.period_type = base.period_type;
  p.period = base.period;
  return p;
}

Push Vary(const model::Profile& base, const model::Labels& labels, int64_t time,
          std::mt19937_64& rng, double keep) {
  auto p = std::make_shared<model::Profile>(CopyOf(base));
  p->time_nanos = time;
  std::uniform_real_distribution<double> scale(0.5, 1.5);
  std::bernoulli_distribution kept(keep);
  Push push{labels, nullptr, {}};
  for (uint32_t i = 0; i < p->samples.size(); ++i) {
    if (!kept(rng)) continue;
    push.samples.push_back(i);
    const model::Sample& s = p->samples[i];
    for (uint32_t v = 0; v < s.values.size; ++v) {
      int64_t& value = p->values[s.values.begin + v];
      const int64_t unit = p->period > 0 && value % p->period == 0 ? p->period : 1;
      value = std::max<int64_t>(1, static_cast<int64_t>(value / unit * scale(rng))) * unit;
    }
  }
  push.profile = std::move(p);
  return push;
}

}  // namespace flamedb::bench

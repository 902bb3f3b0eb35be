// flamedb-loadgen: pushes a fleet's profiles at a flamedb (or any Pyroscope-compatible) server
// and reports what the server sustained. See bench/README.md.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/flags.h"
#include "base/strings.h"
#include "ctl/http_client.h"
#include "load.h"

namespace flamedb::loadgen {
namespace {

struct Config {
  std::string url, go_dir, node_dir, mix, tenant, json_path;
  int64_t services = 0, pods = 0, variants = 0, connections = 0, server_pid = 0, seed = 0;
  double rate = 0;
  bool gzip = true;
  base::Duration duration{}, warmup{};
};

void Register(base::FlagSet& f, Config& c) {
  f.String("url", &c.url, "http://127.0.0.1:4040", "The server to load.");
  f.String("go-profiles", &c.go_dir, "", "Directory with Go cpu.pb.gz and heap.pb.gz "
           "(tests/fixtures/go/profilegen -out DIR).");
  f.String("node-profiles", &c.node_dir, "", "Directory with Node wall.pb.gz and heap.pb.gz "
           "(node tests/fixtures/node/profilegen.mjs DIR).");
  f.String("mix", &c.mix, "multipart:2,pprof:1,push:1",
           "Upload shapes and their weights over services: multipart (pyroscope-go), pprof "
           "(@pyroscope/nodejs: Node profiles, or Go's without -node-profiles), push (Grafana "
           "Alloy), otlp (OTLP/HTTP protobuf, uncompressed, as the OpenTelemetry Collector "
           "translates Go's pprof).");
  f.Bool("gzip", &c.gzip, true, "Whether the pprof shape's bodies are gzipped (false: raw "
         "pprof, to compare with the uncompressed otlp shape).");
  f.Int("services", &c.services, 20, "Services in the fleet.");
  f.Int("pods", &c.pods, 5, "Pods per service; each uploads a CPU (or wall) and a heap profile.");
  f.Int("variants", &c.variants, 64, "Distinct variants made of each base profile.");
  f.Int("connections", &c.connections, 32, "Keep-alive connections.");
  f.Double("rate", &c.rate, 0, "Uploads per second; 0 sends as fast as the server answers.");
  f.Duration("duration", &c.duration, std::chrono::seconds(30), "Recorded length of the run.");
  f.Duration("warmup", &c.warmup, std::chrono::seconds(2), "Unrecorded load before it.");
  f.Int("server-pid", &c.server_pid, 0, "Server process to sample for CPU and RSS (0: none).");
  f.String("tenant", &c.tenant, "", "X-Scope-OrgID to send (empty: none).");
  f.String("json", &c.json_path, "", "Also write the report as JSON to this file.");
  f.Int("seed", &c.seed, 1, "Seed of the variant and job choices.");
}

// Services take the shapes of -mix by weight, in order; Node profiles go with the pprof shape.
Result<std::vector<Series>> MakeFleet(const Config& c) {
  std::vector<Shape> wheel;
  for (const std::string_view part : base::SplitNonEmpty(c.mix, ',')) {
    const size_t colon = part.find(':');
    auto shape = ParseShape(part.substr(0, colon));
    if (!shape.ok()) return shape.status();
    const int weight = colon == std::string_view::npos ? 1 : std::atoi(std::string(part.substr(colon + 1)).c_str());
    if (weight <= 0) return InvalidArgumentError("-mix: bad weight in \"" + std::string(part) + "\"");
    for (int i = 0; i < weight; ++i) wheel.push_back(*shape);
  }
  std::vector<Series> fleet;
  for (int64_t s = 0; s < c.services; ++s) {
    const Shape shape = wheel[static_cast<size_t>(s) % wheel.size()];
    const Runtime runtime =
        shape == Shape::kPprof && !c.node_dir.empty() ? Runtime::kNode : Runtime::kGo;
    char service[48];
    std::snprintf(service, sizeof service, "loadgen-%s-%02lld",
                  runtime == Runtime::kNode ? "node" : "go", static_cast<long long>(s));
    for (int64_t p = 0; p < c.pods; ++p) {
      fleet.push_back({service, "pod-" + std::to_string(p), shape, runtime});
    }
  }
  return fleet;
}

nlohmann::json Report(const Config& c, const LoadResult& r) {
  const Recorder& rec = r.recorder;
  const double s = r.measured_seconds > 0 ? r.measured_seconds : 1;
  nlohmann::json j = {
      {"url", c.url}, {"rate_target", c.rate}, {"connections", c.connections},
      {"seconds", r.measured_seconds}, {"sent", r.sent}, {"acked", rec.acked},
      {"profiles_per_s", static_cast<double>(rec.acked) / s},
      {"compressed_mb_per_s", static_cast<double>(rec.acked_gz_bytes) / s / 1e6},
      {"uncompressed_mb_per_s", static_cast<double>(rec.acked_raw_bytes) / s / 1e6},
      {"samples_per_s", static_cast<double>(rec.acked_samples) / s},
      {"latency_ms", {{"p50", rec.LatencyQuantileUs(0.5) / 1e3},
                      {"p99", rec.LatencyQuantileUs(0.99) / 1e3},
                      {"p999", rec.LatencyQuantileUs(0.999) / 1e3},
                      {"max", rec.LatencyQuantileUs(1) / 1e3}}},
      {"server", {{"cores", r.server.Cores(s)}, {"peak_rss_mb", r.server.peak_rss / 1e6},
                  {"end_rss_mb", r.server.last.rss_bytes / 1e6}}},
      {"loadgen", {{"cores", r.self.Cores(s)}}},
      {"machine", {{"steal_fraction", r.machine.StealFraction()}}},
  };
  for (const auto& [status, n] : rec.by_status) j["by_status"][std::to_string(status)] = n;
  for (const auto& [e, n] : rec.transport_errors) j["transport_errors"][e] = n;
  for (const auto& [shape, n] : rec.acked_by_shape) j["acked_by_shape"][shape] = n;
  for (const auto& [kind, l] : rec.latencies_by_kind_us) {
    j["latency_ms_by_kind"][kind] = {{"p50", Recorder::Quantile(l, 0.5) / 1e3},
                                     {"p99", Recorder::Quantile(l, 0.99) / 1e3}};
  }
  j["recorded_from_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   r.recorded_from.time_since_epoch())
                                   .count();
  j["by_second"] = nlohmann::json::array();
  for (const auto& [second, l] : rec.latencies_by_second_us) {
    j["by_second"].push_back({{"second", second},
                              {"uploads", l.size()},
                              {"p99_ms", Recorder::Quantile(l, 0.99) / 1e3},
                              {"max_ms", Recorder::Quantile(l, 1) / 1e3}});
  }
  return j;
}

void PrintReport(const nlohmann::json& j) {
  std::printf("acknowledged %lld of %lld uploads in %.1f s (%s)\n",
              j["acked"].get<long long>(), j["sent"].get<long long>(), j["seconds"].get<double>(),
              j.contains("acked_by_shape") ? j["acked_by_shape"].dump().c_str() : "{}");
  std::printf("  %.0f profiles/s, %.1f MB/s compressed (%.1f MB/s pprof), %.2f M samples/s\n",
              j["profiles_per_s"].get<double>(), j["compressed_mb_per_s"].get<double>(),
              j["uncompressed_mb_per_s"].get<double>(), j["samples_per_s"].get<double>() / 1e6);
  const auto& l = j["latency_ms"];
  std::printf("  ack latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
              l["p50"].get<double>(), l["p99"].get<double>(), l["p999"].get<double>(),
              l["max"].get<double>());
  const nlohmann::json none = nlohmann::json::object();
  const nlohmann::json& kinds = j.contains("latency_ms_by_kind") ? j["latency_ms_by_kind"] : none;
  for (const auto& [kind, q] : kinds.items()) {
    std::printf("    %-20s p50 %.2f ms, p99 %.2f ms\n", kind.c_str(), q["p50"].get<double>(),
                q["p99"].get<double>());
  }
  // The three seconds with the highest p99, and how many seconds kept p99 under 20 ms (the
  // target): a tail made in a few seconds (a cut) reads differently from one made everywhere.
  std::vector<nlohmann::json> seconds(j["by_second"].begin(), j["by_second"].end());
  const auto under = std::count_if(seconds.begin(), seconds.end(), [](const nlohmann::json& s) {
    return s["p99_ms"].get<double>() < 20;
  });
  std::sort(seconds.begin(), seconds.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["p99_ms"].get<double>() > b["p99_ms"].get<double>();
  });
  std::printf("  seconds with p99 under 20 ms: %lld of %zu; slowest:", static_cast<long long>(under),
              seconds.size());
  for (size_t i = 0; i < std::min<size_t>(3, seconds.size()); ++i) {
    std::printf(" +%llds p99 %.1f ms", seconds[i]["second"].get<long long>(),
                seconds[i]["p99_ms"].get<double>());
  }
  std::printf("\n  by status %s", j.value("by_status", nlohmann::json::object()).dump().c_str());
  if (j.contains("transport_errors")) std::printf(", transport errors %s", j["transport_errors"].dump().c_str());
  std::printf(
      "\n  server: %.2f cores, peak RSS %.0f MB (end %.0f MB); loadgen: %.2f cores; CPU stolen "
      "by the hypervisor: %.0f%%\n",
      j["server"]["cores"].get<double>(), j["server"]["peak_rss_mb"].get<double>(),
      j["server"]["end_rss_mb"].get<double>(), j["loadgen"]["cores"].get<double>(),
      100 * j["machine"]["steal_fraction"].get<double>());
}

// Upload n goes to series n % fleet size, which alternates between its CPU (or wall) and its
// heap profile and picks a random variant of it. Neighbouring series are half a cycle apart (as
// pods started at different moments are), so CPU and heap uploads interleave; in lockstep every
// series would send its heap profile in the same round, and the heavy uploads would come in
// bursts of one per series.
int Drive(const Config& c, const ctl::HttpTarget& target, const std::vector<Series>& fleet,
          const std::vector<Payload>& corpus) {
  std::vector<size_t> by_kind[2][2];  // [runtime][0: cpu or wall, 1: heap]
  for (size_t i = 0; i < corpus.size(); ++i) {
    by_kind[corpus[i].runtime == Runtime::kNode][corpus[i].kind == "heap"].push_back(i);
  }
  for (const Series& s : fleet) {
    if (by_kind[s.runtime == Runtime::kNode][0].empty()) {
      std::cerr << "flamedb-loadgen: -mix needs "
                << (s.runtime == Runtime::kNode ? "-node-profiles" : "-go-profiles") << "\n";
      return 2;
    }
  }
  std::mt19937_64 rng(static_cast<uint64_t>(c.seed));
  const JobSource jobs = [&](uint64_t n) {
    const Series& s = fleet[n % fleet.size()];
    const size_t round = n / fleet.size(), index = n % fleet.size();
    const auto& choices = by_kind[s.runtime == Runtime::kNode][(round + index) % 2];
    return Job{&s, choices[rng() % choices.size()]};
  };
  const bool otlp = std::any_of(fleet.begin(), fleet.end(),
                                [](const Series& s) { return s.shape == Shape::kOtlp; });
  const RequestFactory factory(corpus, target.host + ":" + target.port, c.tenant, otlp, c.gzip);
  LoadOptions o;
  o.host = target.host;
  o.port = target.port;
  o.connections = static_cast<int>(c.connections);
  o.rate = c.rate;
  o.duration = c.duration;
  o.warmup = c.warmup;
  o.server_pid = static_cast<int>(c.server_pid);
  std::fprintf(stderr, "flamedb-loadgen: %zu series, %zu payloads, %lld connections, %s\n",
               fleet.size(), corpus.size(), static_cast<long long>(c.connections),
               c.rate > 0 ? ("rate " + std::to_string(c.rate) + "/s").c_str() : "closed loop");
  const LoadResult result = RunLoad(o, factory, jobs);
  const nlohmann::json report = Report(c, result);
  PrintReport(report);
  if (!c.json_path.empty()) std::ofstream(c.json_path) << report.dump(2) << "\n";
  return result.recorder.acked > 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  base::FlagSet flags("flamedb-loadgen");
  Config c;
  Register(flags, c);
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "-help" || a == "--help" || a == "-h") {
      std::cout << flags.Usage(false);
      return 0;
    }
  }
  if (Status st = flags.Parse(args, [](const char* n) { return std::getenv(n); }); !st.ok()) {
    std::cerr << "flamedb-loadgen: " << st.message() << "\n";
    return 2;
  }
  auto target = ctl::ParseUrl(c.url);
  auto fleet = MakeFleet(c);
  if (!target.ok() || !fleet.ok() || fleet->empty()) {
    std::cerr << "flamedb-loadgen: "
              << (!target.ok() ? target.status().message()
                               : !fleet.ok() ? fleet.status().message() : "empty fleet")
              << "\n";
    return 2;
  }
  auto corpus = BuildCorpus({.go_dir = c.go_dir, .node_dir = c.node_dir,
                             .variants = static_cast<int>(c.variants), .keep = 0.7,
                             .seed = static_cast<uint64_t>(c.seed)});
  if (!corpus.ok()) {
    std::cerr << "flamedb-loadgen: " << corpus.status().message() << "\n";
    return 2;
  }
  return Drive(c, *target, *fleet, *corpus);
}

}  // namespace
}  // namespace flamedb::loadgen

int main(int argc, char** argv) { return flamedb::loadgen::Main(argc, argv); }

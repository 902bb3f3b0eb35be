// flamectl canary: probes on an interval, results as log lines and Prometheus metrics on
// --listen-address; or one probe with --once, its exit code the verdict.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "base/clock.h"
#include "base/duration.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "ctl/canary.h"
#include "ctl/cli.h"
#include "server/http_server.h"

namespace flamedb::ctl {
namespace {

constexpr char kCanaryHelp[] = R"(flamectl canary: probe a server end to end, once or on an interval.

Each probe pushes a small cpu profile (service_name=flamectl-canary) whose one frame is unique to
the probe, then reads it back with ProfileTypes, LabelNames, LabelValues, Series, SelectSeries,
SelectMergeStacktraces, SelectMergeProfile and GetProfileStats, and checks each answer.

Flags:
  --once                   one probe: print each check, exit 0 when all pass, 1 otherwise
  --interval DURATION      time between probes (default 15s)
  --listen-address ADDR    serve the results as Prometheus metrics on http://ADDR/metrics
                           (default :4041; port 0 picks a free one)
  --service-name NAME      the canary's service_name (default flamectl-canary)
  --url URL                the server (default http://localhost:4040)
  --tenant-id ID           X-Scope-OrgID
  --username U --password P | --token T    basic or bearer authentication
  --protocol PROTOCOL      connect (default) or grpc-web
  --timeout DURATION       per request (default 30s)

Metrics: flamectl_canary_check_success{check}, flamectl_canary_check_duration_seconds{check},
flamectl_canary_checks_total{check,result}, flamectl_canary_last_probe_timestamp_seconds.

Examples:
  flamectl canary --once --url http://pyroscope:4040 || page-someone
  flamectl canary --interval 30s --listen-address :4041
)";

// Serves the registry at /metrics (and a readiness answer at /ready).
class MetricsService final : public api::HttpService {
 public:
  explicit MetricsService(const base::MetricsRegistry& registry) : registry_(registry) {}
  uint64_t MaxBodyBytes(std::string_view, std::string_view) const override { return 0; }
  api::HttpResponse Serve(api::HttpRequest& request, api::RequestContext&) override {
    api::HttpResponse resp;
    if (request.path == "/metrics") {
      resp.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      resp.body = registry_.Render();
    } else if (request.path == "/ready") {
      resp.body = "ready\n";
    } else {
      resp.status = 404;
      resp.body = "flamectl canary serves /metrics\n";
    }
    return resp;
  }
  void RecordTransportError(std::string_view, int) override {}

 private:
  const base::MetricsRegistry& registry_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Once(const RpcClient& client, const std::string& service, uint64_t nonce) {
  bool ok = true;
  for (const CanaryCheck& c : RunProbe(client, service, NowMs(), nonce)) {
    ok = ok && c.status.ok();
    std::printf("%-4s %-18s %8.1fms  %s\n", c.status.ok() ? "ok" : "FAIL", c.name.c_str(),
                c.seconds * 1e3, std::string(c.status.message()).c_str());
  }
  if (!ok) return Fail(UnavailableError("canary probe failed"));
  return kOk;
}

Result<server::HttpServerOptions> ListenOptions(const std::string& address) {
  const size_t colon = address.rfind(':');
  const std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return InvalidArgumentError("--listen-address \"" + address + "\": want [host]:port");
  }
  server::HttpServerOptions o;
  o.address = address.substr(0, colon);
  o.port = static_cast<uint16_t>(std::stoi(port));
  o.io_threads = 1;
  o.handler_threads = 1;
  return o;
}

// Probes until SIGINT or SIGTERM; they are blocked first so sigtimedwait is the only waiter.
int Loop(const RpcClient& client, const std::string& service, std::chrono::milliseconds interval,
         const server::HttpServerOptions& listen, uint64_t nonce) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  base::RealClock clock;
  base::Logger logger(clock, stderr);
  base::MetricsRegistry registry;
  CanaryMetrics metrics(registry);
  MetricsService service_http(registry);
  Result<std::unique_ptr<server::HttpServer>> http =
      server::HttpServer::Start(listen, service_http, logger, clock, registry);
  if (!http.ok()) return Fail(http.status());
  logger.Info("canary metrics listening", "addr",
              listen.address + ":" + std::to_string((*http)->port()), "interval_ms",
              static_cast<int64_t>(interval.count()));
  for (;; ++nonce) {
    const int64_t now = NowMs();
    const std::vector<CanaryCheck> checks = RunProbe(client, service, now, nonce);
    metrics.Record(checks, now);
    size_t failed = 0;
    for (const CanaryCheck& c : checks) {
      if (c.status.ok()) continue;
      ++failed;
      if (c.skipped) continue;
      logger.Warn("canary check failed", "check", c.name, "err", c.status);
    }
    logger.Info("canary probe", "passed", static_cast<uint64_t>(checks.size() - failed), "failed",
                static_cast<uint64_t>(failed));
    const timespec wait{static_cast<time_t>(interval.count() / 1000),
                        static_cast<long>(interval.count() % 1000) * 1'000'000};
    if (sigtimedwait(&signals, nullptr, &wait) > 0) break;
  }
  logger.Info("canary stopping");
  (*http)->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return kOk;
}

}  // namespace

int CanaryCommand(std::span<const std::string> argv) {
  std::set<std::string> known = ClientFlags();
  known.insert({"interval", "listen-address", "service-name"});
  Result<Args> args = ParseArgs(argv, known, {"once"});
  if (!args.ok()) return Usage(args.status().message());
  if (args->help) return std::fputs(kCanaryHelp, stdout), kOk;
  if (!args->positional.empty()) return Usage("canary takes no arguments");
  Result<ClientOptions> options = ClientOptionsFromArgs(*args);
  if (!options.ok()) return Usage(options.status().message());
  Result<base::Duration> interval = base::ParseDuration(args->Get("interval", "15s"));
  if (!interval.ok() || *interval <= base::Duration::zero()) {
    return Usage("--interval \"" + args->Get("interval") + "\": want a positive duration");
  }
  Result<server::HttpServerOptions> listen = ListenOptions(args->Get("listen-address", ":4041"));
  if (!listen.ok()) return Usage(listen.status().message());
  const std::string service = args->Get("service-name", "flamectl-canary");
  const RpcClient client(std::move(options).value());
  // Frame names differ between runs too, so a restarted canary never reads an old probe.
  const uint64_t nonce = std::random_device{}() % 1'000'000 * 1'000'000;
  if (args->Get("once") == "true") return Once(client, service, nonce);
  return Loop(client, service, std::chrono::duration_cast<std::chrono::milliseconds>(*interval),
              *listen, nonce);
}

}  // namespace flamedb::ctl

// Routes of the HTTP API and the dispatcher that runs a request through them: route lookup,
// method check, tenant resolution, the handler, response compression and request metrics.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/http.h"
#include "base/clock.h"
#include "base/metrics.h"

namespace flamedb::api {

using HttpHandler = std::function<HttpResponse(HttpRequest&, RequestContext&)>;

struct RouteOptions {
  bool needs_tenant = false;    // Resolve X-Scope-OrgID into RequestContext::tenant first.
  uint64_t max_body_bytes = 0;  // 0: the dispatcher's default.
};

struct Route {
  std::vector<std::string> methods;  // Empty: any method.
  std::string path;
  std::string name;  // The `route` label of request metrics.
  RouteOptions options;
  HttpHandler handler;
};

// The `route` metric label of `path`: lowercased, every run of other characters than letters
// and digits replaced by one '_', trimmed ("/version.v1.Version/Version" ->
// "version_v1_version_version").
std::string RouteName(std::string_view path);

// Exact-path routes, and prefix routes for what no exact route takes (the longest prefix wins).
// Built at startup, then read-only (and so thread-safe).
class Router {
 public:
  // REQUIRES: `path` not yet added.
  void Add(std::vector<std::string> methods, std::string path, RouteOptions options,
           HttpHandler handler);
  // A route for every path that starts with `prefix`. REQUIRES: `prefix` ends in '/', not yet
  // added.
  void AddPrefix(std::vector<std::string> methods, std::string prefix, RouteOptions options,
                 HttpHandler handler);
  const Route* Find(std::string_view path) const;
  // The paths of every route, sorted.
  std::vector<std::string> Paths() const;

 private:
  std::unordered_map<std::string, Route> routes_;
  std::vector<Route> prefixes_;  // Few: a linear scan is cheapest.
};

struct DispatcherOptions {
  bool multitenancy_enabled = false;
  uint64_t max_body_bytes = 256 << 20;
  // Responses at least this large are gzipped when the client accepts gzip.
  size_t compress_min_bytes = 1024;
};

// The HttpService of the server: see the file comment. Thread-safe.
class Dispatcher final : public HttpService {
 public:
  Dispatcher(Router router, DispatcherOptions options, base::MetricsRegistry& metrics,
             const base::Clock& clock);

  uint64_t MaxBodyBytes(std::string_view method, std::string_view target) const override;
  HttpResponse Serve(HttpRequest& request, RequestContext& context) override;
  void RecordTransportError(std::string_view method, int status) override;

 private:
  HttpResponse RouteRequest(HttpRequest& request, RequestContext& context, const api::Route* route);
  void Record(std::string_view method, std::string_view route, int status, double seconds);

  const Router router_;
  const DispatcherOptions options_;
  const base::Clock& clock_;
  base::Family<base::Histogram>& durations_;
  base::Family<base::Gauge>& inflight_;
};

// True if an Accept-Encoding header value admits gzip (`gzip`, `*`, not with q=0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace flamedb::api

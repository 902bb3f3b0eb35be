#include "api/router.h"

#include <algorithm>
#include <cctype>

#include "api/connect.h"
#include "api/errors.h"
#include "api/tenant.h"
#include "base/gzip.h"
#include "base/strings.h"

namespace flamedb::api {

std::string RouteName(std::string_view path) {
  std::string out;
  bool pending_sep = false;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (pending_sep && !out.empty()) {
        out += '_';
      }
      pending_sep = false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      pending_sep = true;
    }
  }
  return out.empty() ? "root" : out;
}

void Router::Add(std::vector<std::string> methods, std::string path, RouteOptions options,
                 HttpHandler handler) {
  FLAMEDB_CHECK(!routes_.count(path));
  std::string name = RouteName(path);
  routes_.emplace(path, api::Route{std::move(methods), path, std::move(name), options,
                                   std::move(handler)});
}

void Router::AddPrefix(std::vector<std::string> methods, std::string prefix, RouteOptions options,
                       HttpHandler handler) {
  FLAMEDB_CHECK(!prefix.empty() && prefix.back() == '/');
  for (const Route& r : prefixes_) FLAMEDB_CHECK(r.path != prefix);
  std::string name = RouteName(prefix);
  prefixes_.push_back(api::Route{std::move(methods), std::move(prefix), std::move(name), options,
                                 std::move(handler)});
}

const Route* Router::Find(std::string_view path) const {
  auto it = routes_.find(std::string(path));
  if (it != routes_.end()) return &it->second;
  const Route* best = nullptr;
  for (const Route& r : prefixes_) {
    if (path.starts_with(r.path) && (best == nullptr || r.path.size() > best->path.size())) best = &r;
  }
  return best;
}

std::vector<std::string> Router::Paths() const {
  std::vector<std::string> out;
  for (const auto& [path, route] : routes_) {
    out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  for (std::string_view item : base::SplitNonEmpty(accept_encoding, ',')) {
    const size_t semi = item.find(';');
    const std::string_view coding = base::TrimSpace(item.substr(0, semi));
    if (coding != "gzip" && coding != "*") {
      continue;
    }
    const size_t q = semi == std::string_view::npos ? semi : item.find("q=", semi);
    if (q != std::string_view::npos) {
      const std::string_view value = item.substr(q + 2);
      if (value.substr(0, 1) == "0" && value.find_first_of("123456789") == std::string_view::npos) {
        continue;  // q=0, q=0.0, q=0.000: explicitly refused.
      }
    }
    return true;
  }
  return false;
}

Dispatcher::Dispatcher(Router router, DispatcherOptions options, base::MetricsRegistry& metrics,
                       const base::Clock& clock)
    : router_(std::move(router)),
      options_(options),
      clock_(clock),
      durations_(metrics.AddHistogramFamily(
          "pyroscope_request_duration_seconds",
          "Time (in seconds) spent serving HTTP requests, by method, route and status code.",
          {"method", "route", "status_code"}, base::LatencyBuckets())),
      inflight_(metrics.AddGaugeFamily("pyroscope_inflight_requests",
                                       "Current number of requests being served.",
                                       {"method", "route"})) {}

uint64_t Dispatcher::MaxBodyBytes(std::string_view, std::string_view target) const {
  const api::Route* route = router_.Find(target.substr(0, target.find('?')));
  if (route != nullptr && route->options.max_body_bytes != 0) {
    return std::min(route->options.max_body_bytes, options_.max_body_bytes);
  }
  return options_.max_body_bytes;
}

HttpResponse Dispatcher::RouteRequest(HttpRequest& request, RequestContext& context,
                               const api::Route* route) {
  if (route == nullptr) {
    return ErrorResponse(404, "no route for " + request.method + " " + request.path);
  }
  const auto& methods = route->methods;
  if (!methods.empty() && std::find(methods.begin(), methods.end(), request.method) == methods.end()) {
    std::string allowed;
    for (const std::string& m : methods) {
      allowed += (allowed.empty() ? "" : ", ") + m;
    }
    HttpResponse resp = ErrorResponse(405, "method " + request.method + " is not allowed on " +
                                               request.path + "; use " + allowed);
    resp.headers.Set("Allow", allowed);
    return resp;
  }
  if (route->options.needs_tenant) {
    Result<std::string> tenant = ResolveTenant(options_.multitenancy_enabled, request);
    if (!tenant.ok()) {
      return ErrorResponse(tenant.status());
    }
    context.tenant = std::move(tenant).value();
  }
  return route->handler(request, context);
}

namespace {
std::string_view MethodLabel(std::string_view method);
}  // namespace

HttpResponse Dispatcher::Serve(HttpRequest& request, RequestContext& context) {
  const auto start = clock_.SteadyNow();
  const api::Route* route = router_.Find(request.path);
  const std::string_view route_name = route != nullptr ? std::string_view(route->name) : "other";
  base::Gauge& inflight =
      inflight_.WithLabels({std::string(MethodLabel(request.method)), std::string(route_name)});
  inflight.Inc();
  HttpResponse resp = AsGrpcError(request, RouteRequest(request, context, route));
  inflight.Dec();

  const std::optional<std::string_view> accept = request.headers.Get("Accept-Encoding");
  if (accept.has_value() && resp.body.size() >= options_.compress_min_bytes &&
      resp.trailers.fields().empty() &&  // gRPC compresses messages, not responses.
      !resp.headers.Get("Content-Encoding").has_value() && AcceptsGzip(*accept)) {
    resp.body = base::Gzip(resp.body, 1);  // Level 1: most of the gain for little CPU.
    resp.headers.Set("Content-Encoding", "gzip");
    resp.headers.Set("Vary", "Accept-Encoding");
  }
  Record(request.method, route_name, resp.status,
         std::chrono::duration<double>(clock_.SteadyNow() - start).count());
  return resp;
}

void Dispatcher::RecordTransportError(std::string_view method, int status) {
  Record(method, "other", status, 0);
}

namespace {

// Clients choose the method string; unknown ones share one label value so that they cannot
// grow the metric's cardinality without bound.
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",     "HEAD",  "POST",    "PUT",  "DELETE",
                                                "OPTIONS", "PATCH", "CONNECT", "TRACE"};
  for (std::string_view known : kKnown) {
    if (method == known) {
      return known;
    }
  }
  return "other";
}

}  // namespace

void Dispatcher::Record(std::string_view method, std::string_view route, int status,
                        double seconds) {
  durations_.WithLabels({std::string(MethodLabel(method)), std::string(route), std::to_string(status)})
      .Observe(seconds);
}

}  // namespace flamedb::api

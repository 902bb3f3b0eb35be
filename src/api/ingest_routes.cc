#include "api/ingest_routes.h"

#include <charconv>
#include <chrono>
#include <map>
#include <optional>

#include "api/connect.h"
#include "api/errors.h"
#include "api/otlp_routes.h"
#include "base/url.h"
#include "ingest/legacy_request.h"
#include "ingest/name.h"
#include "pprof/decoder.h"
#include "push/v1/push.pb.h"

namespace flamedb::api {
namespace {

constexpr uint64_t kMiB = 1 << 20;

uint64_t BodyLimit(const distributor::Limits& limits) {
  return limits.ingestion_body_limit_mb > 0
             ? static_cast<uint64_t>(limits.ingestion_body_limit_mb) * kMiB
             : 0;
}

using TimePoint = std::chrono::system_clock::time_point;

int64_t NowNanos(const IngestRouteDeps& deps) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             deps.clock->Now().time_since_epoch())
      .count();
}

// When a forwarded request reached its distributor (kReceivedAtHeader); unset otherwise.
std::optional<TimePoint> ReceivedAt(const HttpRequest& request) {
  const std::optional<std::string_view> v = request.headers.Get(distributor::kReceivedAtHeader);
  int64_t ns = 0;
  if (!v.has_value() || std::from_chars(v->data(), v->data() + v->size(), ns).ec != std::errc() ||
      ns <= 0) {
    return std::nullopt;
  }
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

// The shard key of an /ingest request: its name's service_name label, else its app name. A
// name that does not parse goes on as it is: the writer answers its 400.
std::string ServiceOfName(const HttpRequest& request) {
  const base::QueryParams query = base::ParseQuery(request.query);
  const auto name = query.find("name");
  if (name == query.end()) return "";
  Result<ingest::ParsedName> parsed = ingest::ParseName(name->second);
  if (!parsed.ok()) return "";
  for (const model::LabelPair& l : parsed->labels) {
    if (l.name == model::kServiceNameLabel) return l.value;
  }
  return parsed->app;
}

// /ingest on a cluster's distributor: the request as received to its shard's writer, whose
// answer (success, or the client's error as the writer words it) is the client's.
HttpResponse ForwardIngest(const IngestRouteDeps& deps, HttpRequest& request,
                           RequestContext& ctx) {
  Result<distributor::Forwarded> f = deps.forwarder->Forward(
      ctx.tenant, ServiceOfName(request),
      std::string(distributor::kWriterIngestPath) + "?" + request.query,
      request.headers.Get("Content-Type").value_or(""), request.body, NowNanos(deps));
  if (!f.ok()) return ErrorResponse(f.status());
  HttpResponse out;
  out.status = f->http_status;
  if (!f->content_type.empty()) out.headers.Set("Content-Type", f->content_type);
  out.body = std::move(f->body);
  return out;
}

// `received_at`: see Distributor::Push.
HttpResponse Ingest(const IngestRouteDeps& deps, HttpRequest& request, RequestContext& ctx,
                    std::optional<TimePoint> received_at = std::nullopt) {
  const auto limits = deps.overrides->For(ctx.tenant);
  if (const uint64_t max = BodyLimit(*limits); max > 0 && request.body.size() > max) {
    const std::string message = "request body too large: " + std::to_string(request.body.size()) +
                                " bytes, the limit (ingestion_body_limit_mb) is " +
                                std::to_string(max) + " bytes";
    deps.distributor->RecordRejected(
        ctx.tenant, InvalidArgumentError(message).WithTag("body_size_limit_exceeded"),
        request.body.size());
    return ErrorResponse(413, message);
  }
  if (deps.forwarder != nullptr) return ForwardIngest(deps, request, ctx);
  ingest::LegacyRequest legacy{base::ParseQuery(request.query),
                               std::string(request.headers.Get("Content-Type").value_or("")),
                               std::move(request.body)};
  const size_t bytes = legacy.body.size();
  Result<std::vector<model::LabeledProfile>> profiles = ingest::ParseLegacyRequest(
      std::move(legacy), received_at.value_or(deps.clock->Now()),
      static_cast<size_t>(limits->max_profile_size_bytes));
  if (!profiles.ok()) {
    if (profiles.status().code() == StatusCode::kInvalidArgument) {
      deps.distributor->RecordRejected(ctx.tenant, profiles.status(), bytes);
    }
    return ErrorResponse(profiles.status());
  }
  if (!profiles->empty()) {
    if (Status s = deps.distributor->Push(ctx.tenant, std::move(profiles).value(), received_at);
        !s.ok()) {
      return ErrorResponse(s);
    }
  }
  return HttpResponse{};
}

// Labels Pyroscope computes itself; whatever a client sends for them is replaced.
bool ServerOwned(std::string_view name) {
  return name == "__profile_type__" || name == "__type__" || name == "__unit__" ||
         name == "__period_type__" || name == "__period_unit__" ||
         name == "__service_name__" || name == "__otel__" || name == "__order__";
}

// Push on a cluster's distributor: the series, grouped by the shard of their service, each group
// as its own PushRequest to that shard's writer. Every group is sent; the first error is the
// push's.
Status ForwardPush(const IngestRouteDeps& deps, RequestContext& ctx,
                   const push::v1::PushRequest& req) {
  std::map<std::string, push::v1::PushRequest> by_service;
  for (const push::v1::RawProfileSeries& series : req.series()) {
    std::string service;
    for (const auto& l : series.labels()) {
      if (l.name() == model::kServiceNameLabel) service = l.value();
    }
    *by_service[service].add_series() = series;
  }
  if (by_service.empty()) return InvalidArgumentError("no profiles received");
  const int64_t received_ns = NowNanos(deps);
  Status first;
  for (const auto& [service, part] : by_service) {
    Result<distributor::Forwarded> f =
        deps.forwarder->Forward(ctx.tenant, service, distributor::kWriterPushRequestPath,
                                "application/proto", part.SerializeAsString(), received_ns);
    const Status s = !f.ok()                 ? f.status()
                     : f->http_status == 200 ? OkStatus()
                                             : Status(f->code, f->message);
    if (first.ok()) first = s;
  }
  return first;
}

Status Push(const IngestRouteDeps& deps, RequestContext& ctx, const push::v1::PushRequest& req,
            std::optional<TimePoint> received_at = std::nullopt) {
  if (deps.forwarder != nullptr) return ForwardPush(deps, ctx, req);
  const auto limits = deps.overrides->For(ctx.tenant);
  const uint64_t body_limit = BodyLimit(*limits);
  std::vector<model::LabeledProfile> profiles;
  Status first_error;
  uint64_t total = 0;
  for (int i = 0; i < req.series_size(); ++i) {
    const push::v1::RawProfileSeries& series = req.series(i);
    std::vector<model::LabelPair> pairs;
    for (const auto& l : series.labels()) {
      if (!ServerOwned(l.name())) {
        pairs.push_back({l.name(), l.value()});
      }
    }
    const model::Labels labels(std::move(pairs));
    for (const push::v1::RawSample& sample : series.samples()) {
      Result<model::Profile> p = pprof::DecodeProfile(
          sample.raw_profile(),
          {.max_uncompressed_bytes = static_cast<size_t>(limits->max_profile_size_bytes),
           .keep_received = true});
      if (!p.ok()) {
        Status s = p.status().code() == StatusCode::kResourceExhausted
                       ? InvalidArgumentError(std::string(p.status().message()))
                             .WithTag("profile_size_limit")
                       : p.status().WithTag("malformed_profile");
        s = s.WithContext("push series with index " + std::to_string(i));
        deps.distributor->RecordRejected(ctx.tenant, s, sample.raw_profile().size());
        first_error = first_error.ok() ? s : first_error;
        continue;
      }
      const size_t size = p->storage ? p->storage->size() : 0;
      total += size;
      if (body_limit > 0 && total > body_limit) {
        const Status s = InvalidArgumentError(
                             "uncompressed batched profile payload size exceeds limit of " +
                             std::to_string(body_limit) + " bytes")
                             .WithTag("body_size_limit_exceeded");
        deps.distributor->RecordRejected(ctx.tenant, s, total);
        return s;
      }
      profiles.push_back({labels, std::move(p).value(), size, sample.raw_profile().size()});
    }
  }
  if (profiles.empty()) {
    return first_error.ok() ? InvalidArgumentError("no profiles received") : first_error;
  }
  const Status pushed = deps.distributor->Push(ctx.tenant, std::move(profiles), received_at);
  return first_error.ok() ? pushed : first_error;
}

}  // namespace

void AddIngestRoutes(Router& router, IngestRouteDeps deps) {
  for (const char* path : {"/ingest", "/pyroscope/ingest"}) {
    router.Add({"POST"}, path, {.needs_tenant = true},
               [deps](HttpRequest& request, RequestContext& ctx) {
                 return Ingest(deps, request, ctx);
               });
  }
  UnaryMethod push = MakeUnaryMethod<push::v1::PushRequest, push::v1::PushResponse>(
      "/push.v1.PusherService/Push", true,
      [deps](RequestContext& ctx, const push::v1::PushRequest& req, push::v1::PushResponse&) {
        return Push(deps, ctx, req);
      });
  AddConnectRoute(router, std::move(push), *deps.clock, deps.max_body_bytes);
  AddOtlpRoutes(router, deps);
  if (deps.debug_ingested) AddDebugIngestedRoute(router, deps.debug_ingested);
}

void AddWriterIngestRoutes(Router& router, IngestRouteDeps deps) {
  deps.forwarder = nullptr;  // The writer runs the pipeline itself.
  const auto coded = [](const Status& s) {
    HttpResponse r = ErrorResponse(s);
    r.headers.Set(distributor::kWriterCodeHeader, std::to_string(static_cast<int>(s.code())));
    return r;
  };
  router.Add({"POST"}, std::string(distributor::kWriterIngestPath), {.needs_tenant = true},
             [deps](HttpRequest& request, RequestContext& ctx) {
               return Ingest(deps, request, ctx, ReceivedAt(request));
             });
  router.Add({"POST"}, std::string(distributor::kWriterPushRequestPath), {.needs_tenant = true},
             [deps, coded](HttpRequest& request, RequestContext& ctx) {
               push::v1::PushRequest req;
               if (!req.ParseFromString(request.body)) {
                 return coded(InvalidArgumentError("the forwarded PushRequest does not parse"));
               }
               const Status s = Push(deps, ctx, req, ReceivedAt(request));
               return s.ok() ? HttpResponse{} : coded(s);
             });
}

void AddDebugIngestedRoute(Router& router,
                           std::function<Result<std::string>(std::string_view tenant)> json) {
  router.Add({"GET"}, "/debug/ingested", {.needs_tenant = true},
             [json = std::move(json)](HttpRequest&, RequestContext& ctx) {
               Result<std::string> body = json(ctx.tenant);
               if (!body.ok()) return ErrorResponse(body.status());
               HttpResponse resp;
               resp.headers.Set("Content-Type", "application/json");
               resp.body = std::move(body).value();
               return resp;
             });
}

}  // namespace flamedb::api

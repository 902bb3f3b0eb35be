#include "api/otlp_routes.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "api/connect.h"
#include "api/errors.h"
#include "base/strings.h"
#include "ingest/otlp.h"
#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb.h"

namespace flamedb::api {
namespace {

namespace otlp = opentelemetry::proto::collector::profiles::v1development;

constexpr std::string_view kExportPath =
    "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export";

bool IsHex(const std::string& s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

// An id of `bytes` bytes written in hex (2 × bytes digits; base64 of that many bytes is shorter,
// so the two never look alike) becomes base64 for the protobuf JSON parser.
void HexToBase64(nlohmann::json& value, size_t bytes) {
  if (!value.is_string()) return;
  const std::string s = value.get<std::string>();
  if (s.size() != 2 * bytes || !IsHex(s)) return;
  std::string raw;
  for (size_t i = 0; i < s.size(); i += 2) {
    raw += static_cast<char>(std::stoi(s.substr(i, 2), nullptr, 16));
  }
  value = base::Base64Encode(raw);
}

void FixIds(nlohmann::json& request) {
  auto field = [](nlohmann::json& obj, const char* camel, const char* snake) -> nlohmann::json* {
    if (!obj.is_object()) return nullptr;
    if (obj.contains(camel)) return &obj[camel];
    return obj.contains(snake) ? &obj[snake] : nullptr;
  };
  if (nlohmann::json* dict = field(request, "dictionary", "dictionary")) {
    if (nlohmann::json* links = field(*dict, "linkTable", "link_table"); links && links->is_array()) {
      for (nlohmann::json& link : *links) {
        if (nlohmann::json* t = field(link, "traceId", "trace_id")) HexToBase64(*t, 16);
        if (nlohmann::json* s = field(link, "spanId", "span_id")) HexToBase64(*s, 8);
      }
    }
  }
  nlohmann::json* resources = field(request, "resourceProfiles", "resource_profiles");
  if (resources == nullptr || !resources->is_array()) return;
  for (nlohmann::json& rp : *resources) {
    nlohmann::json* scopes = field(rp, "scopeProfiles", "scope_profiles");
    if (scopes == nullptr || !scopes->is_array()) continue;
    for (nlohmann::json& sp : *scopes) {
      nlohmann::json* profiles = field(sp, "profiles", "profiles");
      if (profiles == nullptr || !profiles->is_array()) continue;
      for (nlohmann::json& p : *profiles) {
        if (nlohmann::json* id = field(p, "profileId", "profile_id")) HexToBase64(*id, 16);
      }
    }
  }
}

enum class Codec { kProto, kJson };

HttpResponse Respond(Codec codec, const ingest::OtlpResult& result) {
  otlp::ExportProfilesServiceResponse response;
  if (result.rejected_profiles > 0) {
    response.mutable_partial_success()->set_rejected_profiles(result.rejected_profiles);
    response.mutable_partial_success()->set_error_message(result.error);
  }
  HttpResponse out;
  if (codec == Codec::kJson) {
    (void)google::protobuf::util::MessageToJsonString(response, &out.body);
    out.headers.Set("Content-Type", "application/json");
  } else {
    out.body = response.SerializeAsString();
    out.headers.Set("Content-Type", "application/x-protobuf");
  }
  return out;
}

// Converts and pushes one request; `result` keeps the partial success to report. Each profile
// keeps the request (Profile::received), which is what the WAL stores.
Status ExportRequest(const IngestRouteDeps& deps, RequestContext& ctx, std::string request,
                     size_t received_bytes, ingest::OtlpResult& result) {
  const auto bytes = std::make_shared<const std::string>(std::move(request));
  const std::chrono::system_clock::time_point now = deps.clock->Now();
  Result<ingest::OtlpResult> converted = ingest::ConvertOtlp(*bytes, now);
  if (!converted.ok()) {
    deps.distributor->RecordRejected(ctx.tenant, converted.status(), bytes->size());
    return converted.status();
  }
  result = std::move(converted).value();
  if (result.profiles.empty() && result.rejected_profiles > 0) {
    const Status s = InvalidArgumentError("failed to convert otel profile: " + result.error)
                         .WithTag("malformed_profile");
    deps.distributor->RecordRejected(ctx.tenant, s, bytes->size());
    return s;
  }
  for (model::LabeledProfile& p : result.profiles) p.compressed_bytes = received_bytes;
  ingest::KeepOtlpRequest(result, bytes, now);
  if (result.profiles.empty()) return OkStatus();
  return deps.distributor->Push(ctx.tenant, std::move(result.profiles));
}

// gRPC's ProfilesService/Export: the same conversion behind the gRPC unary protocol.
UnaryMethod GrpcExport(const IngestRouteDeps& deps) {
  return MakeUnaryMethod<otlp::ExportProfilesServiceRequest, otlp::ExportProfilesServiceResponse>(
      std::string(kExportPath), true,
      [deps](RequestContext& ctx, const otlp::ExportProfilesServiceRequest& req,
             otlp::ExportProfilesServiceResponse& resp) {
        std::string bytes = req.SerializeAsString();
        const size_t size = bytes.size();
        ingest::OtlpResult result;
        FLAMEDB_RETURN_IF_ERROR(ExportRequest(deps, ctx, std::move(bytes), size, result));
        if (result.rejected_profiles > 0) {
          resp.mutable_partial_success()->set_rejected_profiles(result.rejected_profiles);
          resp.mutable_partial_success()->set_error_message(result.error);
        }
        return OkStatus();
      });
}

HttpResponse Export(const IngestRouteDeps& deps, const UnaryMethod& grpc, HttpRequest& request,
                    RequestContext& ctx) {
  if (IsGrpc(request)) {
    return ServeGrpcUnary(grpc, deps.max_body_bytes, request, ctx, *deps.clock);
  }
  const std::string type = base::AsciiLowercase(base::TrimSpace(
      request.headers.Get("Content-Type").value_or("").substr(
          0, request.headers.Get("Content-Type").value_or("").find(';'))));
  Codec codec;
  if (type == "application/x-protobuf" || type == "application/protobuf") {
    codec = Codec::kProto;
  } else if (type == "application/json") {
    codec = Codec::kJson;
  } else {
    return ErrorResponse(415, "unsupported Content-Type \"" + type +
                                  "\": OTLP over HTTP takes application/x-protobuf, "
                                  "application/protobuf or application/json");
  }
  Result<std::string> body = RequestBody(request, deps.max_body_bytes);
  if (!body.ok()) return ErrorResponse(body.status());
  if (codec == Codec::kJson) {
    body = OtlpJsonToProto(*body);
    if (!body.ok()) return ErrorResponse(body.status());
  }
  ingest::OtlpResult result;
  if (Status s = ExportRequest(deps, ctx, std::move(*body), request.body.size(), result); !s.ok()) {
    return ErrorResponse(s);
  }
  return Respond(codec, result);
}

}  // namespace

Result<std::string> OtlpJsonToProto(const std::string& json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidArgumentError("the body is not valid JSON").WithTag("malformed_profile");
  }
  FixIds(parsed);
  otlp::ExportProfilesServiceRequest request;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(parsed.dump(), &request, options);
  if (!status.ok()) {
    return InvalidArgumentError("the JSON body is not an ExportProfilesServiceRequest: " +
                                std::string(status.message()))
        .WithTag("malformed_profile");
  }
  return request.SerializeAsString();
}

void AddOtlpRoutes(Router& router, const IngestRouteDeps& deps) {
  auto grpc = std::make_shared<const UnaryMethod>(GrpcExport(deps));
  for (std::string_view path : {std::string_view("/v1development/profiles"), kExportPath}) {
    router.Add({"POST"}, std::string(path), {.needs_tenant = true},
               [deps, grpc](HttpRequest& request, RequestContext& ctx) {
                 return Export(deps, *grpc, request, ctx);
               });
  }
}

}  // namespace flamedb::api

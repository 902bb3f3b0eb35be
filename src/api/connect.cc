#include "api/connect.h"

#include <google/protobuf/util/json_util.h>

#include <memory>

#include "api/errors.h"
#include "base/gzip.h"
#include "base/strings.h"

namespace flamedb::api {
namespace {

enum class Codec { kProto, kJson };

constexpr std::string_view kProtoType = "application/proto";
constexpr std::string_view kJsonType = "application/json";

// The codec named by a Content-Type (parameters such as charset are allowed), if supported.
std::optional<Codec> CodecFor(std::optional<std::string_view> content_type) {
  if (!content_type.has_value()) {
    return std::nullopt;
  }
  const std::string media = base::AsciiLowercase(base::TrimSpace(content_type->substr(0, content_type->find(';'))));
  if (media == kProtoType) {
    return Codec::kProto;
  }
  if (media == kJsonType) {
    return Codec::kJson;
  }
  return std::nullopt;
}

// Connect-Timeout-Ms is 1 to 10 ASCII digits.
Result<std::optional<std::chrono::milliseconds>> ParseTimeout(
    std::optional<std::string_view> header) {
  if (!header.has_value()) {
    return std::optional<std::chrono::milliseconds>();
  }
  if (header->empty() || header->size() > 10) {
    return InvalidArgumentError("invalid Connect-Timeout-Ms \"" + std::string(*header) +
                                "\": want 1 to 10 digits");
  }
  int64_t ms = 0;
  for (char c : *header) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError("invalid Connect-Timeout-Ms \"" + std::string(*header) +
                                  "\": want 1 to 10 digits");
    }
    ms = ms * 10 + (c - '0');
  }
  return std::optional<std::chrono::milliseconds>(ms);
}

// Returns the decoded request body, decompressing it when Content-Encoding says gzip.
Result<std::string> RequestBody(const HttpRequest& request, uint64_t max_body_bytes) {
  const std::string encoding =
      base::AsciiLowercase(base::TrimSpace(request.headers.Get("Content-Encoding").value_or("identity")));
  if (encoding == "identity" || encoding.empty()) {
    return request.body;
  }
  if (encoding != "gzip") {
    return InvalidArgumentError("unsupported Content-Encoding \"" + encoding +
                                "\": use gzip or identity");
  }
  Result<std::string> body = base::GunzipCapped(request.body, max_body_bytes);
  if (!body.ok() && body.status().code() == StatusCode::kInvalidArgument) {
    return InvalidArgumentError("request body is not valid gzip (Content-Encoding: gzip): " +
                                std::string(body.status().message()));
  }
  return body;
}

Status Decode(Codec codec, const std::string& body, google::protobuf::Message& message) {
  const std::string type = message.GetDescriptor()->full_name();
  if (codec == Codec::kProto) {
    if (!message.ParseFromString(body)) {
      return InvalidArgumentError("could not decode " + type +
                                  " from the application/proto body: invalid protobuf");
    }
    return OkStatus();
  }
  if (base::TrimSpace(body).empty()) {
    return OkStatus();  // An empty JSON body is the empty message.
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // As protojson in Connect servers: newer clients work.
  const auto status = google::protobuf::util::JsonStringToMessage(body, &message, options);
  if (!status.ok()) {
    return InvalidArgumentError("could not decode " + type + " from the application/json body: " +
                                status.ToString());
  }
  return OkStatus();
}

Result<std::string> Encode(Codec codec, const google::protobuf::Message& message) {
  std::string out;
  if (codec == Codec::kProto) {
    if (!message.SerializeToString(&out)) {
      return InternalError("could not encode " + message.GetDescriptor()->full_name());
    }
    return out;
  }
  google::protobuf::util::JsonPrintOptions options;  // lowerCamel names, defaults omitted.
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return InternalError("could not encode " + message.GetDescriptor()->full_name() +
                         " as JSON: " + status.ToString());
  }
  return out;
}

}  // namespace

HttpResponse ServeConnectUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                               const HttpRequest& request, RequestContext& context,
                               const base::Clock& clock) {
  const std::optional<Codec> codec = CodecFor(request.headers.Get("Content-Type"));
  if (!codec.has_value()) {
    HttpResponse resp = ErrorResponse(
        415, "unsupported Content-Type \"" +
                 std::string(request.headers.Get("Content-Type").value_or("")) +
                 "\": Connect unary calls use application/proto or application/json");
    resp.headers.Set("Accept-Post", "application/json, application/proto");
    return resp;
  }
  if (auto version = request.headers.Get("Connect-Protocol-Version"); version && *version != "1") {
    return ErrorResponse(InvalidArgumentError("unsupported Connect-Protocol-Version \"" +
                                              std::string(*version) + "\": want 1"));
  }
  Result<std::optional<std::chrono::milliseconds>> timeout =
      ParseTimeout(request.headers.Get("Connect-Timeout-Ms"));
  if (!timeout.ok()) {
    return ErrorResponse(timeout.status());
  }
  if (timeout->has_value()) {
    const auto start = context.received == std::chrono::steady_clock::time_point{}
                           ? clock.SteadyNow()
                           : context.received;
    context.deadline = start + **timeout;
  }
  Result<std::string> body = RequestBody(request, max_body_bytes);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kResourceExhausted) {
      return ErrorResponse(413, "decompressed request body exceeds the limit of " +
                                    std::to_string(max_body_bytes) + " bytes");
    }
    return ErrorResponse(body.status());
  }
  std::unique_ptr<google::protobuf::Message> req(method.request_prototype->New());
  if (Status s = Decode(*codec, *body, *req); !s.ok()) {
    return ErrorResponse(s);
  }
  const auto timed_out = [&] { return context.deadline && clock.SteadyNow() >= *context.deadline; };
  const Status deadline_error = DeadlineExceededError(
      "the call did not finish within its Connect-Timeout-Ms of " +
      std::to_string(timeout->value_or(std::chrono::milliseconds(0)).count()) + " ms");
  if (timed_out()) {
    return ErrorResponse(deadline_error);
  }
  std::unique_ptr<google::protobuf::Message> resp(method.response_prototype->New());
  if (Status s = method.call(context, *req, *resp); !s.ok()) {
    return ErrorResponse(s);
  }
  if (timed_out()) {
    return ErrorResponse(deadline_error);
  }
  Result<std::string> encoded = Encode(*codec, *resp);
  if (!encoded.ok()) {
    return ErrorResponse(encoded.status());
  }
  HttpResponse out;
  out.headers.Set("Content-Type", std::string(*codec == Codec::kProto ? kProtoType : kJsonType));
  out.body = std::move(encoded).value();
  return out;
}

void AddConnectRoute(Router& router, UnaryMethod method, const base::Clock& clock,
                     uint64_t default_max_body_bytes) {
  RouteOptions options;
  options.needs_tenant = method.needs_tenant;
  options.max_body_bytes = method.max_body_bytes;
  const uint64_t max_body =
      method.max_body_bytes != 0 ? method.max_body_bytes : default_max_body_bytes;
  std::string path = method.path;
  router.Add({"POST"}, std::move(path), options,
             [method = std::move(method), max_body, &clock](HttpRequest& request,
                                                            RequestContext& context) {
               return ServeConnectUnary(method, max_body, request, context, clock);
             });
}

}  // namespace flamedb::api

#include "api/connect.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include <memory>

#include "api/errors.h"
#include "base/gzip.h"
#include "base/strings.h"

namespace flamedb::api {
namespace {

enum class Codec { kProto, kJson };

constexpr std::string_view kProtoType = "application/proto";
constexpr std::string_view kJsonType = "application/json";

// The lowercased media type of the request's Content-Type, without parameters such as charset.
std::string MediaType(const HttpRequest& request) {
  const std::string_view type = request.headers.Get("Content-Type").value_or("");
  return base::AsciiLowercase(base::TrimSpace(type.substr(0, type.find(';'))));
}

// The Connect codec named by a media type, if supported.
std::optional<Codec> CodecFor(const std::string& media) {
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

// Decodes `body` in `codec`, calls `method` unless the deadline has passed, and encodes its
// response. `timeout_text` names the timeout in the deadline error.
Result<std::string> RunUnary(const UnaryMethod& method, Codec codec, const std::string& body,
                             RequestContext& context, const base::Clock& clock,
                             const std::string& timeout_text) {
  std::unique_ptr<google::protobuf::Message> req(method.request_prototype->New());
  if (Status s = Decode(codec, body, *req); !s.ok()) {
    return s;
  }
  const auto timed_out = [&] { return context.deadline && clock.SteadyNow() >= *context.deadline; };
  const Status deadline_error =
      DeadlineExceededError("the call did not finish within its " + timeout_text);
  if (timed_out()) {
    return deadline_error;
  }
  std::unique_ptr<google::protobuf::Message> resp(method.response_prototype->New());
  if (Status s = method.call(context, *req, *resp); !s.ok()) {
    return s;
  }
  if (timed_out()) {
    return deadline_error;
  }
  return Encode(codec, *resp);
}

void SetDeadline(RequestContext& context, const base::Clock& clock,
                 std::optional<std::chrono::milliseconds> timeout) {
  if (!timeout.has_value()) {
    return;
  }
  const auto start = context.received == std::chrono::steady_clock::time_point{}
                         ? clock.SteadyNow()
                         : context.received;
  context.deadline = start + *timeout;
}

// gRPC (grpc/grpc doc/PROTOCOL-HTTP2.md) and gRPC-Web (doc/PROTOCOL-WEB.md): application/grpc
// or application/grpc-web, [+proto|+json]; the body is length-prefixed frames (flags byte,
// 4-byte big-endian length). gRPC's status travels in HTTP/2 trailers, gRPC-Web's in a trailer
// frame (flags 0x80) of a 200 response.
constexpr std::string_view kGrpcType = "application/grpc";
constexpr std::string_view kGrpcWebType = "application/grpc-web";

enum class Grpc { kNative, kWeb };

std::string_view GrpcName(Grpc flavor) { return flavor == Grpc::kWeb ? "gRPC-Web" : "gRPC"; }

std::optional<Codec> GrpcCodecFor(Grpc flavor, const std::string& media) {
  const std::string_view base = flavor == Grpc::kWeb ? kGrpcWebType : kGrpcType;
  if (media == base || media == std::string(base) + "+proto") {
    return Codec::kProto;
  }
  if (media == std::string(base) + "+json") {
    return Codec::kJson;
  }
  return std::nullopt;
}

// grpc-timeout: 1 to 8 digits and a unit (H, M, S, m, u, n).
Result<std::optional<std::chrono::milliseconds>> ParseGrpcTimeout(
    std::optional<std::string_view> header) {
  if (!header.has_value()) {
    return std::optional<std::chrono::milliseconds>();
  }
  const Status invalid = InvalidArgumentError("invalid grpc-timeout \"" + std::string(*header) +
                                              "\": want 1 to 8 digits and a unit H, M, S, m, u or n");
  if (header->size() < 2 || header->size() > 9) {
    return invalid;
  }
  int64_t n = 0;
  for (char c : header->substr(0, header->size() - 1)) {
    if (c < '0' || c > '9') {
      return invalid;
    }
    n = n * 10 + (c - '0');
  }
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  switch (header->back()) {
    case 'H': return std::optional(duration_cast<milliseconds>(std::chrono::hours(n)));
    case 'M': return std::optional(duration_cast<milliseconds>(std::chrono::minutes(n)));
    case 'S': return std::optional(duration_cast<milliseconds>(std::chrono::seconds(n)));
    case 'm': return std::optional(milliseconds(n));
    case 'u': return std::optional(duration_cast<milliseconds>(std::chrono::microseconds(n)));
    case 'n': return std::optional(duration_cast<milliseconds>(std::chrono::nanoseconds(n)));
    default: return invalid;
  }
}

std::string Frame(uint8_t flags, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(flags));
  const auto n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out.append(payload);
  return out;
}

// grpc-message is percent-encoded outside printable ASCII (and '%' itself).
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

HttpResponse GrpcReply(Grpc flavor, const std::string& media, const Status& status,
                       std::string_view message) {
  HttpResponse out;
  out.headers.Set("Content-Type", media);
  if (status.ok()) {
    out.body = Frame(0, message);
  }
  if (flavor == Grpc::kNative) {
    out.trailers.Set("grpc-status", std::to_string(static_cast<int>(status.code())));
    if (!status.ok()) out.trailers.Set("grpc-message", PercentEncode(status.message()));
    return out;
  }
  const std::string trailer = "grpc-status: " + std::to_string(static_cast<int>(status.code())) +
                              "\r\ngrpc-message: " + PercentEncode(status.message()) + "\r\n";
  out.body += Frame(0x80, trailer);
  return out;
}

// The one message of a unary gRPC or gRPC-Web request body, decompressed per grpc-encoding.
Result<std::string> GrpcMessage(Grpc flavor, const HttpRequest& request, uint64_t max_body_bytes) {
  const std::string name(GrpcName(flavor));
  const std::string& body = request.body;
  if (body.size() < 5) {
    return InvalidArgumentError(name + " request body holds no message frame (" +
                                std::to_string(body.size()) + " bytes)");
  }
  const auto flags = static_cast<uint8_t>(body[0]);
  uint64_t length = 0;
  for (int i = 1; i < 5; ++i) {
    length = (length << 8) | static_cast<uint8_t>(body[i]);
  }
  if ((flags & 0x80) != 0 || length != body.size() - 5) {
    return InvalidArgumentError(name + " request body must be exactly one message frame: frame of " +
                                std::to_string(length) + " bytes in a body of " +
                                std::to_string(body.size()));
  }
  std::string payload = body.substr(5);
  if ((flags & 1) == 0) {
    return payload;
  }
  const std::string encoding =
      base::AsciiLowercase(base::TrimSpace(request.headers.Get("grpc-encoding").value_or("")));
  if (encoding != "gzip") {
    return UnimplementedError("compressed " + name + " message with grpc-encoding \"" + encoding +
                              "\": only gzip is supported");
  }
  Result<std::string> plain = base::GunzipCapped(payload, max_body_bytes);
  if (!plain.ok() && plain.status().code() == StatusCode::kInvalidArgument) {
    return InvalidArgumentError(name + " message is not valid gzip: " +
                                std::string(plain.status().message()));
  }
  return plain;
}

}  // namespace

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


HttpResponse ServeConnectUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                               const HttpRequest& request, RequestContext& context,
                               const base::Clock& clock) {
  const std::optional<Codec> codec = CodecFor(MediaType(request));
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
  SetDeadline(context, clock, *timeout);
  Result<std::string> body = RequestBody(request, max_body_bytes);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kResourceExhausted) {
      return ErrorResponse(413, "decompressed request body exceeds the limit of " +
                                    std::to_string(max_body_bytes) + " bytes");
    }
    return ErrorResponse(body.status());
  }
  const std::string timeout_text =
      "Connect-Timeout-Ms of " +
      std::to_string(timeout->value_or(std::chrono::milliseconds(0)).count()) + " ms";
  Result<std::string> encoded = RunUnary(method, *codec, *body, context, clock, timeout_text);
  if (!encoded.ok()) {
    return ErrorResponse(encoded.status());
  }
  HttpResponse out;
  out.headers.Set("Content-Type", std::string(*codec == Codec::kProto ? kProtoType : kJsonType));
  out.body = std::move(encoded).value();
  return out;
}

bool IsGrpcWeb(const HttpRequest& request) {
  return MediaType(request).starts_with(kGrpcWebType);
}

namespace {

HttpResponse ServeGrpcFlavor(Grpc flavor, const UnaryMethod& method, uint64_t max_body_bytes,
                             const HttpRequest& request, RequestContext& context,
                             const base::Clock& clock) {
  const std::string media = MediaType(request);
  const std::optional<Codec> codec = GrpcCodecFor(flavor, media);
  if (!codec.has_value()) {
    return ErrorResponse(415, "unsupported Content-Type \"" + media + "\": " +
                                  std::string(GrpcName(flavor)) + " calls use " +
                                  std::string(flavor == Grpc::kWeb ? kGrpcWebType : kGrpcType) +
                                  "+proto or +json");
  }
  Result<std::optional<std::chrono::milliseconds>> timeout =
      ParseGrpcTimeout(request.headers.Get("grpc-timeout"));
  if (!timeout.ok()) {
    return GrpcReply(flavor, media, timeout.status(), "");
  }
  SetDeadline(context, clock, *timeout);
  Result<std::string> message = GrpcMessage(flavor, request, max_body_bytes);
  if (!message.ok()) {
    return GrpcReply(flavor, media, message.status(), "");
  }
  const std::string timeout_text =
      "grpc-timeout of " +
      std::to_string(timeout->value_or(std::chrono::milliseconds(0)).count()) + " ms";
  Result<std::string> encoded = RunUnary(method, *codec, *message, context, clock, timeout_text);
  if (!encoded.ok()) {
    return GrpcReply(flavor, media, encoded.status(), "");
  }
  return GrpcReply(flavor, media, OkStatus(), *encoded);
}

}  // namespace

HttpResponse ServeGrpcWebUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                               const HttpRequest& request, RequestContext& context,
                               const base::Clock& clock) {
  return ServeGrpcFlavor(Grpc::kWeb, method, max_body_bytes, request, context, clock);
}

HttpResponse AsGrpcError(const HttpRequest& request, HttpResponse response) {
  if (response.status == 200 || !IsGrpc(request) || !request.http2 ||
      response.trailers.Get("grpc-status").has_value()) {
    return response;
  }
  // The error body is Connect's JSON ({"code": "unauthenticated", "message": ...}); a route
  // that does not exist is UNIMPLEMENTED, as gRPC servers answer an unknown method.
  StatusCode code = response.status == 404 ? StatusCode::kUnimplemented : StatusCode::kUnknown;
  std::string message = response.body;
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    message = body["message"].get<std::string>();
  }
  if (response.status != 404 && body.is_object() && body.contains("code") &&
      body["code"].is_string()) {
    for (int c = 0; c <= 16; ++c) {
      if (StatusCodeName(static_cast<StatusCode>(c)) == body["code"].get<std::string>()) {
        code = static_cast<StatusCode>(c);
      }
    }
  }
  return GrpcReply(Grpc::kNative, MediaType(request), Status(code, message), "");
}

bool IsGrpc(const HttpRequest& request) {
  const std::string media = MediaType(request);
  return media.starts_with(kGrpcType) && !media.starts_with(kGrpcWebType);
}

HttpResponse ServeGrpcUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                            const HttpRequest& request, RequestContext& context,
                            const base::Clock& clock) {
  if (!request.http2) {
    return ErrorResponse(505, "gRPC needs HTTP/2: connect with HTTP/2 prior knowledge (h2c), "
                              "or use gRPC-Web or Connect over HTTP/1.1");
  }
  return ServeGrpcFlavor(Grpc::kNative, method, max_body_bytes, request, context, clock);
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
               if (IsGrpcWeb(request)) {
                 return ServeGrpcWebUnary(method, max_body, request, context, clock);
               }
               if (IsGrpc(request)) {
                 return ServeGrpcUnary(method, max_body, request, context, clock);
               }
               return ServeConnectUnary(method, max_body, request, context, clock);
             });
}

}  // namespace flamedb::api

#include "ctl/rpc.h"

#include <google/protobuf/message.h>

#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/build_info.h"
#include "base/duration.h"
#include "base/strings.h"

namespace flamedb::ctl {
namespace {

StatusCode CodeForName(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kUnauthenticated); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return StatusCode::kUnknown;
}

// What Connect clients assume for an HTTP status without an error body.
StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kUnimplemented;
    case 429: return StatusCode::kResourceExhausted;
    case 502: case 503: case 504: return StatusCode::kUnavailable;
    default: return StatusCode::kUnknown;
  }
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Frame(std::string_view payload) {
  std::string out(1, '\0');
  const auto n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(payload);
  return out;
}

}  // namespace

std::set<std::string> ClientFlags() {
  return {"url", "tenant-id", "username", "password", "token", "protocol", "timeout"};
}

Result<ClientOptions> ClientOptionsFromArgs(const Args& args) {
  ClientOptions o;
  Result<HttpTarget> target = ParseUrl(args.Get("url", "http://localhost:4040"));
  if (!target.ok()) return target.status();
  o.target = std::move(target).value();
  o.tenant_id = args.Get("tenant-id");
  o.username = args.Get("username");
  o.password = args.Get("password");
  o.token = args.Get("token");
  if (o.username.empty() && !o.password.empty()) {
    return InvalidArgumentError("--password needs --username");
  }
  const std::string protocol = args.Get("protocol", "connect");
  if (protocol == "grpc-web") {
    o.protocol = Protocol::kGrpcWeb;
  } else if (protocol != "connect") {
    return InvalidArgumentError("--protocol \"" + protocol + "\": want connect or grpc-web");
  }
  Result<base::Duration> timeout = base::ParseDuration(args.Get("timeout", "30s"));
  if (!timeout.ok()) return InvalidArgumentError("--timeout: " + std::string(timeout.status().message()));
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  if (o.timeout.count() <= 0) return InvalidArgumentError("--timeout must be positive");
  return o;
}

Headers CommonHeaders(const ClientOptions& options) {
  Headers h;
  h.emplace_back("User-Agent", "flamectl/" + std::string(base::GetBuildInfo().version));
  if (!options.tenant_id.empty()) h.emplace_back("X-Scope-OrgID", options.tenant_id);
  if (!options.token.empty()) {
    h.emplace_back("Authorization", "Bearer " + options.token);
  } else if (!options.username.empty()) {
    h.emplace_back("Authorization", "Basic " + base::Base64Encode(options.username + ":" + options.password));
  }
  return h;
}

Status ConnectError(int http_status, std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("code") && doc["code"].is_string()) {
    const std::string message = doc.value("message", std::string());
    return Status(CodeForName(doc["code"].get<std::string>()), message);
  }
  const std::string first_line(body.substr(0, body.find('\n')));
  return Status(CodeForHttpStatus(http_status),
                "HTTP " + std::to_string(http_status) + (first_line.empty() ? "" : ": " + first_line));
}

Status GrpcWebTrailerStatus(std::string_view trailer) {
  int code = -1;
  std::string message;
  while (!trailer.empty()) {
    const size_t end = trailer.find("\r\n");
    std::string_view line = trailer.substr(0, end);
    trailer = end == std::string_view::npos ? "" : trailer.substr(end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key(line.substr(0, colon));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (key == "grpc-status") code = std::atoi(std::string(value).c_str());
    if (key == "grpc-message") message = PercentDecode(value);
  }
  if (code < 0 || code > static_cast<int>(StatusCode::kUnauthenticated)) {
    return Status(StatusCode::kUnknown, "gRPC-Web answer without a valid grpc-status");
  }
  return Status(static_cast<StatusCode>(code), message);
}

Status RpcClient::Call(std::string_view path, const google::protobuf::Message& request,
                       google::protobuf::Message& response) const {
  std::string body;
  if (!request.SerializeToString(&body)) return InternalError("could not encode the request");
  Status s = options_.protocol == Protocol::kGrpcWeb ? CallGrpcWeb(path, body, response)
                                                     : CallConnect(path, body, response);
  if (s.ok()) return s;
  const std::string_view method = path.substr(path.rfind('/') + 1);  // npos + 1 == 0.
  return Status(s.code(), std::string(method) + ": " + std::string(s.message()));
}

Status RpcClient::CallConnect(std::string_view path, const std::string& body,
                              google::protobuf::Message& response) const {
  Headers headers = CommonHeaders(options_);
  headers.emplace_back("Content-Type", "application/proto");
  headers.emplace_back("Connect-Protocol-Version", "1");
  headers.emplace_back("Connect-Timeout-Ms", std::to_string(options_.timeout.count()));
  Result<HttpReply> reply = HttpRequest(options_.target, "POST", path, headers, body, options_.timeout);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return ConnectError(reply->status, reply->body);
  if (!response.ParseFromString(reply->body)) {
    return DataLossError("could not decode the answer of " + std::string(path));
  }
  return OkStatus();
}

Status RpcClient::CallGrpcWeb(std::string_view path, const std::string& body,
                              google::protobuf::Message& response) const {
  Headers headers = CommonHeaders(options_);
  headers.emplace_back("Content-Type", "application/grpc-web+proto");
  headers.emplace_back("X-Grpc-Web", "1");
  headers.emplace_back("grpc-timeout", std::to_string(options_.timeout.count()) + "m");
  Result<HttpReply> reply =
      HttpRequest(options_.target, "POST", path, headers, Frame(body), options_.timeout);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return ConnectError(reply->status, reply->body);
  std::string_view rest = reply->body;
  std::string_view message;
  std::optional<Status> trailer;
  while (rest.size() >= 5) {
    const auto flags = static_cast<uint8_t>(rest[0]);
    uint64_t n = 0;
    for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(rest[i]);
    if (n > rest.size() - 5) break;
    std::string_view payload = rest.substr(5, n);
    rest.remove_prefix(5 + n);
    if ((flags & 0x80) != 0) {
      trailer = GrpcWebTrailerStatus(payload);
    } else {
      message = payload;
    }
  }
  if (!trailer.has_value() || !rest.empty()) {
    return DataLossError("truncated gRPC-Web answer from " + std::string(path));
  }
  if (!trailer->ok()) return *trailer;
  if (!response.ParseFromString(std::string(message))) {
    return DataLossError("could not decode the answer of " + std::string(path));
  }
  return OkStatus();
}

}  // namespace flamedb::ctl

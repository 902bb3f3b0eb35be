#include "objstore/remote_error.h"

#include "objstore/xml.h"

namespace flamedb::objstore {
namespace {

StatusCode CodeForHttp(long status) {
  switch (status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401:
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 416: return StatusCode::kOutOfRange;
    default: break;
  }
  return IsRetryableStatus(status) ? StatusCode::kUnavailable : StatusCode::kFailedPrecondition;
}

}  // namespace

std::string RemoteErrorCode(const HttpResponse& r) {
  Result<XmlElement> xml = ParseXml(r.body);
  if (!xml.ok() || xml->name != "Error") return "";
  std::string code = xml->ChildText("Code");
  std::string message = xml->ChildText("Message");
  if (const size_t nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
  return message.empty() ? code : code + " (" + message + ")";
}

Status RemoteError(std::string_view bucket, std::string_view op, std::string_view key,
                   const HttpResponse& r) {
  std::string message = std::string(bucket) + ": " + std::string(op);
  if (!key.empty()) message += " \"" + std::string(key) + "\"";
  message += ": HTTP " + std::to_string(r.status);
  std::string code = RemoteErrorCode(r);
  if (code.empty() && r.headers.count("x-ms-error-code") != 0) {
    code = r.headers.at("x-ms-error-code");  // Azure's HEAD answers carry no body.
  }
  if (!code.empty()) message += " " + code;
  if (r.attempts > 1) message += " after " + std::to_string(r.attempts) + " attempts";
  return {CodeForHttp(r.status), std::move(message)};
}

}  // namespace flamedb::objstore

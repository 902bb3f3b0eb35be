#include "objstore/remote_error.h"

#include <sys/stat.h>

#include <algorithm>

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

Result<std::string> RangeGet(std::string_view bucket, std::string_view key, uint64_t offset,
                             uint64_t length,
                             const std::function<Result<HttpResponse>(std::string)>& fetch,
                             const std::function<Result<uint64_t>()>& size) {
  const auto empty_or_out_of_range = [&]() -> Result<std::string> {
    FLAMEDB_ASSIGN_OR_RETURN(uint64_t bytes, size());
    if (offset > bytes) {
      return OutOfRangeError(std::string(bucket) + ": range of \"" + std::string(key) +
                             "\" starts at " + std::to_string(offset) + ", past its " +
                             std::to_string(bytes) + " bytes");
    }
    return std::string();
  };
  if (length == 0) return empty_or_out_of_range();
  const uint64_t last = offset + std::min(length, UINT64_MAX - offset) - 1;
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r,
                           fetch("bytes=" + std::to_string(offset) + "-" + std::to_string(last)));
  if (r.status == 206) return std::move(r.body);
  if (r.status == 200) {
    if (offset > r.body.size()) return empty_or_out_of_range();
    return r.body.substr(offset, length);
  }
  if (r.status == 416) return empty_or_out_of_range();
  return RemoteError(bucket, "range get", key, r);
}

Result<uint64_t> LocalFileSize(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return NotFoundError("cannot read " + path);
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace flamedb::objstore

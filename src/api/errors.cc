#include "api/errors.h"

#include "base/json.h"

namespace flamedb::api {
namespace {

HttpResponse JsonError(int http_status, std::string_view code, std::string_view message) {
  HttpResponse resp;
  resp.status = http_status;
  resp.headers.Set("Content-Type", "application/json");
  resp.headers.Set("X-Content-Type-Options", "nosniff");
  resp.body = "{\"code\":";
  base::AppendJsonString(resp.body, code);
  resp.body += ",\"message\":";
  base::AppendJsonString(resp.body, message);
  resp.body += "}\n";
  return resp;
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kUnknown:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return 500;
  }
  return 500;
}

std::string_view CodeNameForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
    case 413:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 412:
      return "failed_precondition";
    case 429:
    case 431:
      return "resource_exhausted";
    case 499:
      return "canceled";
    case 501:
      return "unimplemented";
    case 502:
    case 503:
      return "unavailable";
    case 504:
      return "deadline_exceeded";
    default:
      return "unknown";
  }
}

HttpResponse ErrorResponse(const Status& status) {
  return JsonError(HttpStatusFor(status.code()), StatusCodeName(status.code()), status.message());
}

HttpResponse ErrorResponse(int http_status, std::string_view message) {
  return JsonError(http_status, CodeNameForHttpStatus(http_status), message);
}

}  // namespace flamedb::api

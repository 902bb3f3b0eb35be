// Error responses: the Connect error body `{"code":"...","message":"..."}` that every route of
// flamedb uses (Connect and plain HTTP alike), and the code <-> HTTP status tables of
// docs/api.md (Pyroscope spec §1.2-1.3).
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"
#include "base/status.h"

namespace flamedb::api {

// The HTTP status Connect uses for `code` (invalid_argument 400, unauthenticated 401, ...).
int HttpStatusFor(StatusCode code);

// The Connect code name Pyroscope reports for an HTTP status it produced itself
// (400 invalid_argument, 404 not_found, 413 invalid_argument, 431 resource_exhausted, ...).
std::string_view CodeNameForHttpStatus(int http_status);

// A response for a non-OK `status`: HTTP status from HttpStatusFor, JSON body.
HttpResponse ErrorResponse(const Status& status);

// A response with an explicit HTTP status (405, 408, 413, 415, 431 ...), whose code name comes
// from CodeNameForHttpStatus.
HttpResponse ErrorResponse(int http_status, std::string_view message);

}  // namespace flamedb::api

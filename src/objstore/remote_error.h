// How S3 and Azure failures become a Status: both answer an <Error><Code>..<Message>.. body,
// and the message names the bucket, the operation, the key, the HTTP status and that code.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "objstore/http_client.h"

namespace flamedb::objstore {

// "Code (Message)" of an <Error> body, or "" when the body is not one.
std::string RemoteErrorCode(const HttpResponse& r);

// kNotFound (404), kPermissionDenied (401, 403), kOutOfRange (416), kInvalidArgument (400),
// kUnavailable (5xx, 429), kFailedPrecondition (any other status).
Status RemoteError(std::string_view bucket, std::string_view op, std::string_view key,
                   const HttpResponse& r);

}  // namespace flamedb::objstore

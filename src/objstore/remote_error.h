// What the S3 and Azure buckets share: how their failures become a Status (both answer an
// <Error><Code>..<Message>.. body, and the message names the bucket, the operation, the key,
// the HTTP status and that code), and the Bucket contract's rules for range reads.
#pragma once

#include <cstdint>
#include <functional>
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

// Bucket::GetRange over HTTP: `fetch(range)` sends the GET with the header value
// "bytes=<first>-<last>"; `size()` asks for the object's size (HEAD), needed for an empty
// range and after a 416, since a range that starts at the end is "" and one past it
// kOutOfRange. A store that ignores Range (200) is cut to the range here.
Result<std::string> RangeGet(std::string_view bucket, std::string_view key, uint64_t offset,
                             uint64_t length,
                             const std::function<Result<HttpResponse>(std::string)>& fetch,
                             const std::function<Result<uint64_t>()>& size);

// The size of the regular file `path`, for a PutFile. Errors: kNotFound (cannot be read).
Result<uint64_t> LocalFileSize(const std::string& path);

}  // namespace flamedb::objstore

// The few primitives that object stores' authentication needs, from OpenSSL: Azure's SharedKey
// is an HMAC-SHA256 in base64, S3's multi-object delete wants a Content-MD5.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace flamedb::objstore {

std::string Base64Encode(std::string_view bytes);
// Errors: kInvalidArgument (not base64).
Result<std::string> Base64Decode(std::string_view text);
std::string HmacSha256(std::string_view key, std::string_view message);  // 32 raw bytes.
std::string Md5(std::string_view bytes);                                  // 16 raw bytes.

}  // namespace flamedb::objstore

// multipart/form-data bodies (RFC 7578), as the Go and Java SDKs upload profiles.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::ingest {

struct FormPart {
  std::string_view name;      // From Content-Disposition.
  std::string_view filename;  // Empty when the part is not a file.
  std::string_view content_type;
  std::string_view body;      // A view into the request body.
};

// The boundary parameter of a multipart Content-Type, unquoted.
// Errors: kInvalidArgument when there is none.
Result<std::string_view> MultipartBoundary(std::string_view content_type);

// Splits `body` into parts. Views point into `body`. Errors: kInvalidArgument naming what is
// malformed (no opening boundary, a part without the blank line after its headers, no closing
// boundary).
Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace flamedb::ingest

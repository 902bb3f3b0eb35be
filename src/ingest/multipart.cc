#include "ingest/multipart.h"

#include <strings.h>

#include <string>

#include "base/strings.h"

namespace flamedb::ingest {
namespace {

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// The value of `param` (name="x" or name=x) in a header value such as Content-Disposition.
std::string_view Param(std::string_view header, std::string_view param) {
  for (std::string_view item : base::SplitNonEmpty(header, ';')) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || !StartsWithIgnoreCase(item, param) ||
        base::TrimSpace(item.substr(0, eq)).size() != param.size()) {
      continue;
    }
    std::string_view value = base::TrimSpace(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

Status Malformed(std::string what) {
  return InvalidArgumentError("invalid multipart body: " + std::move(what));
}

Status ParseHeaders(std::string_view headers, FormPart& part) {
  while (!headers.empty()) {
    const size_t end = headers.find("\r\n");
    const std::string_view line = headers.substr(0, end);
    headers.remove_prefix(end == std::string_view::npos ? headers.size() : end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Malformed("part header \"" + std::string(line.substr(0, 64)) + "\" has no ':'");
    }
    const std::string_view name = base::TrimSpace(line.substr(0, colon));
    const std::string_view value = base::TrimSpace(line.substr(colon + 1));
    if (strncasecmp(name.data(), "content-disposition", name.size()) == 0 && name.size() == 19) {
      part.name = Param(value, "name");
      part.filename = Param(value, "filename");
    } else if (strncasecmp(name.data(), "content-type", name.size()) == 0 && name.size() == 12) {
      part.content_type = value;
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::string_view> MultipartBoundary(std::string_view content_type) {
  const std::string_view boundary = Param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) {
    return InvalidArgumentError("multipart Content-Type has no valid boundary parameter");
  }
  return boundary;
}

Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    return Malformed("the boundary never occurs");
  }
  std::vector<FormPart> parts;
  const std::string next = "\r\n" + delimiter;
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") {
      return parts;  // The closing delimiter.
    }
    if (body.substr(pos, 2) != "\r\n") {
      return Malformed("a boundary is not followed by CRLF");
    }
    pos += 2;
    const size_t headers_end = body.find("\r\n\r\n", pos);
    const size_t blank = body.substr(pos, 2) == "\r\n" ? pos : headers_end;
    if (blank == std::string_view::npos) {
      return Malformed("a part has no blank line after its headers");
    }
    FormPart part;
    FLAMEDB_RETURN_IF_ERROR(ParseHeaders(body.substr(pos, blank - pos), part));
    const size_t content = blank + (blank == pos ? 2 : 4);
    const size_t end = body.find(next, content);
    if (end == std::string_view::npos) {
      return Malformed("the closing boundary is missing");
    }
    part.body = body.substr(content, end - content);
    parts.push_back(part);
    pos = end + 2;
  }
}

}  // namespace flamedb::ingest

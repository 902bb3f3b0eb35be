// A small blocking HTTP/1.1 client for flamectl (plain http; one request per connection).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace flamedb::ctl {

struct HttpTarget {
  std::string host;
  std::string port = "80";
  std::string base_path;  // Without a trailing slash; "" for the root.
};

// `http://host[:port][/path]`. Errors: kInvalidArgument naming what is wrong.
Result<HttpTarget> ParseUrl(std::string_view url);

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends `method` `path` (appended to the target's base path). An empty `body` sends none.
// Errors: kUnavailable when the server cannot be reached or does not answer in `timeout`.
Result<HttpReply> HttpRequest(const HttpTarget& target, std::string_view method,
                              std::string_view path, const Headers& headers,
                              std::string_view body, std::chrono::milliseconds timeout);

}  // namespace flamedb::ctl

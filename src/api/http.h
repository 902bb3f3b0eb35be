// The HTTP request and response as handlers see them, independent of the server library, and
// the interface the HTTP server calls (HttpService).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flamedb::api {

// HTTP header fields in arrival order; lookups ignore case, as HTTP requires.
class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  void Add(std::string name, std::string value);
  // Replaces every value of `name` with `value`.
  void Set(std::string_view name, std::string value);
  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // As sent: "/path?query".
  std::string path;    // Target before '?'.
  std::string query;   // Target after '?', without it.
  Headers headers;
  std::string body;
  std::string remote;  // "ip:port" of the client.
  bool http2 = false;  // Arrived over HTTP/2 (h2c), where gRPC is served.
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  Headers trailers;  // HTTP/2 only (gRPC's status); never set for HTTP/1.1 requests.
};

// Per-request state shared between the server and the handler.
struct RequestContext {
  std::string tenant;  // Set by the dispatcher for routes that need one; validated.
  // When the first byte of the request arrived; deadlines count from here, so time spent
  // receiving a slow body counts against Connect-Timeout-Ms.
  std::chrono::steady_clock::time_point received{};
  // When the client stops waiting (Connect-Timeout-Ms); handlers of long work check it.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Set when the client went away. Relaxed: a hint to stop early, nothing is published with it.
  std::atomic<bool> cancelled{false};
};

// What the HTTP server asks of the layer above it. Implementations are thread-safe: the server
// calls them from its handler threads concurrently.
class HttpService {
 public:
  virtual ~HttpService() = default;

  // The largest body accepted for a request with this method and target, read before the body
  // so an oversized one is refused without being read.
  virtual uint64_t MaxBodyBytes(std::string_view method, std::string_view target) const = 0;

  // Produces the response to a complete request. Never fails: errors are responses.
  virtual HttpResponse Serve(HttpRequest& request, RequestContext& context) = 0;

  // Accounts for a request the server answered itself (malformed, too large, too slow).
  virtual void RecordTransportError(std::string_view method, int status) = 0;
};

}  // namespace flamedb::api

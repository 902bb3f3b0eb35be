// The HTTP client under the remote buckets (S3, Azure): libcurl easy handles kept in a pool so
// that connections stay alive between requests, connect and request timeouts, and retries with
// exponential backoff and full jitter for what a retry can cure (transport errors, 5xx, 429).
// libcurl's headers stay in http_client.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/duration.h"
#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::objstore {

struct HttpOptions {
  base::Duration connect_timeout = std::chrono::seconds(5);
  // One attempt, from connecting to the last byte of the response. Uploads of large objects
  // go in parts of bounded size, so one value serves every request.
  base::Duration request_timeout = std::chrono::seconds(60);
  // Attempts after the first, for retryable failures only.
  int max_retries = 5;
  // The n-th retry waits a random time in [0, min(backoff_max, backoff_base * 2^n)).
  base::Duration backoff_base = std::chrono::milliseconds(100);
  base::Duration backoff_max = std::chrono::seconds(5);
  size_t max_idle_connections = 16;
};

// A request body read from a file range (uploads stream from disk, memory stays bounded).
struct FileBody {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE.
  std::string url;             // Already percent-encoded.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;                // Sent when `file` is empty.
  const FileBody* file = nullptr;       // Instead of `body`.
  // When set, libcurl signs the request with AWS Signature V4 ("aws:amz:REGION:s3") as
  // `username` with secret `password`. The request must carry x-amz-content-sha256 and its
  // query string must be canonical (sorted, percent-encoded), or the signature will not match.
  std::string aws_sigv4;
  std::string username;
  std::string password;
  // Polled while the request runs (a few times a second at least): returning true stops it
  // with kCancelled, not retried. For a caller whose own client went away.
  std::function<bool()> abort;
  // When set, the response body goes to it piece by piece as it arrives (a stream: etcd's
  // watch), not into HttpResponse::body; returning false stops the request with kCancelled.
  std::function<bool(std::string_view)> on_body;
  // This request's limit instead of HttpOptions::request_timeout (zero: that one).
  base::Duration timeout = base::Duration::zero();
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string body;
  int attempts = 1;
};

// True for what a retry can cure: 5xx and 429.
bool IsRetryableStatus(long status);

// Thread-safe. Handles (and their connections) are reused across threads.
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request`, retrying transport errors, 5xx and 429 with backoff. `sign`, when set, is
  // called before each attempt to add headers that depend on the time (Azure's SharedKey).
  // Any HTTP status is returned as a response; the caller maps it to a Status.
  // Errors: kDeadlineExceeded (request_timeout passed), kCancelled (`abort` said so),
  // kUnavailable (cannot connect, the
  // connection broke, or still 5xx/429 after every retry: the message says which).
  Result<HttpResponse> Send(const HttpRequest& request,
                            const std::function<void(HttpRequest&)>& sign = nullptr);

  const HttpOptions& options() const { return options_; }

 private:
  struct Handle;
  Result<HttpResponse> SendOnce(const HttpRequest& request);
  std::unique_ptr<Handle> Acquire() EXCLUDES(mu_);
  void Release(std::unique_ptr<Handle> handle) EXCLUDES(mu_);
  base::Duration Backoff(int retry);

  const HttpOptions options_;
  base::Mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_ GUARDED_BY(mu_);
};

// Percent-encodes every byte but RFC 3986's unreserved characters (and '/' when `keep_slash`),
// as SigV4's canonical URI and query need.
std::string UriEncode(std::string_view s, bool keep_slash);

}  // namespace flamedb::objstore

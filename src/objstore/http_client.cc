#include "objstore/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>

namespace flamedb::objstore {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A request body being sent: from memory or from a file descriptor.
struct BodyReader {
  std::string_view data;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t remaining = 0;
  bool read_error = false;
};

size_t ReadBody(char* out, size_t size, size_t n, void* user) {
  auto* body = static_cast<BodyReader*>(user);
  const size_t want = std::min<uint64_t>(size * n, body->remaining);
  if (want == 0) return 0;
  if (body->fd < 0) {
    std::copy_n(body->data.data(), want, out);
    body->data.remove_prefix(want);
    body->remaining -= want;
    return want;
  }
  const ssize_t got = pread(body->fd, out, want, static_cast<off_t>(body->offset));
  if (got <= 0) {
    body->read_error = true;
    return CURL_READFUNC_ABORT;
  }
  body->offset += static_cast<uint64_t>(got);
  body->remaining -= static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

// Where a response body goes: the response, or the request's on_body.
struct BodySink {
  std::string* body = nullptr;
  const std::function<bool(std::string_view)>* on_body = nullptr;
  bool stopped = false;  // on_body said stop.
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->on_body != nullptr && *sink->on_body) {
    if (!(*sink->on_body)(std::string_view(data, size * n))) {
      sink->stopped = true;
      return 0;  // curl stops with CURLE_WRITE_ERROR.
    }
    return size * n;
  }
  sink->body->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    if (line.starts_with("HTTP/")) headers->clear();  // A new response (after 100 Continue).
    return size * n;
  }
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  (*headers)[name] = std::string(value);
  return size * n;
}

long Millis(base::Duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = curl_easy_init();
  ~Handle() { curl_easy_cleanup(curl); }
};

bool IsRetryableStatus(long status) { return status >= 500 || status == 429; }

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) { GlobalInit(); }

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::Acquire() {
  {
    base::MutexLock lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void HttpClient::Release(std::unique_ptr<Handle> handle) {
  base::MutexLock lock(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(handle));
}

base::Duration HttpClient::Backoff(int retry) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const int64_t cap = std::min<int64_t>(options_.backoff_max.count(),
                                        options_.backoff_base.count() << std::min(retry, 20));
  return base::Duration(std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(cap, 1))(rng));
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request,
                                      const std::function<void(HttpRequest&)>& sign) {
  Status last;
  for (int attempt = 0;; ++attempt) {
    Result<HttpResponse> response = [&] {
      if (!sign) return SendOnce(request);
      HttpRequest signed_request = request;
      sign(signed_request);
      return SendOnce(signed_request);
    }();
    if (response.ok() && !IsRetryableStatus(response->status)) {
      response->attempts = attempt + 1;
      return response;
    }
    if (!response.ok() && response.status().code() != StatusCode::kUnavailable &&
        response.status().code() != StatusCode::kDeadlineExceeded) {
      return response.status();  // Not a transport failure (a file that cannot be read).
    }
    if (attempt >= options_.max_retries) {
      if (!response.ok()) return response.status().WithContext(
          "after " + std::to_string(attempt + 1) + " attempts");
      response->attempts = attempt + 1;
      return response;  // The caller names the status.
    }
    std::this_thread::sleep_for(Backoff(attempt));
  }
}

// CURLOPT_XFERINFOFUNCTION: a non-zero return makes curl stop with CURLE_ABORTED_BY_CALLBACK.
static int AbortProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(user))() ? 1 : 0;
}

Result<HttpResponse> HttpClient::SendOnce(const HttpRequest& request) {
  BodyReader body;
  int fd = -1;
  if (request.file != nullptr) {
    fd = open(request.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NotFoundError("cannot read " + request.file->path);
    body.fd = fd;
    body.offset = request.file->offset;
    body.remaining = request.file->length;
  } else {
    body.data = request.body;
    body.remaining = request.body.size();
  }
  std::unique_ptr<Handle> handle = Acquire();
  CURL* c = handle->curl;
  curl_easy_reset(c);
  HttpResponse response;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, Millis(options_.connect_timeout));
  const base::Duration timeout =
      request.timeout > base::Duration::zero() ? request.timeout : options_.request_timeout;
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, Millis(timeout));
  BodySink sink{.body = &response.body, .on_body = &request.on_body};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  if (request.abort) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, AbortProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &request.abort);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  const bool has_body = request.method == "PUT" || request.method == "POST";
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(c, CURLOPT_READDATA, &body);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.remaining));
  }
  if (request.method != "GET" && request.method != "HEAD" && request.method != "PUT") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
  }
  // No 100-continue round trip. Not with SigV4: curl 7.88 signs every header set here, and an
  // empty "Expect:" (which only suppresses the header) would be signed but never sent.
  curl_slist* headers = request.aws_sigv4.empty() ? curl_slist_append(nullptr, "Expect:") : nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (fd >= 0) close(fd);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (rc != CURLE_OK) {
    // A broken connection may be half used: do not keep the handle's connection.
    const std::string what = request.method + " " + request.url + ": " + curl_easy_strerror(rc);
    if (body.read_error) return InternalError("reading the request body failed: " + what);
    if (rc == CURLE_ABORTED_BY_CALLBACK || sink.stopped) return CancelledError(what);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return DeadlineExceededError(what + " (timeout " + base::FormatDuration(timeout) + ")");
    }
    return UnavailableError(what);
  }
  Release(std::move(handle));
  return response;
}

}  // namespace flamedb::objstore

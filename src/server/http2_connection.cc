#include "server/http2_connection.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <map>
#include <vector>

#include "base/strings.h"

namespace flamedb::server {
namespace {

struct Stream {
  std::shared_ptr<api::HttpRequest> request = std::make_shared<api::HttpRequest>();
  std::shared_ptr<api::RequestContext> context;  // Set once the request is handed over.
  std::chrono::steady_clock::time_point received{};  // When its HEADERS began.
  size_t header_bytes = 0;
  uint64_t body_limit = 0;
  bool headers_too_large = false;
  bool answered = false;
  api::HttpResponse response;
  size_t sent = 0;  // Bytes of response.body handed to nghttp2.
};

bool HopByHop(std::string_view name) {
  return name == "connection" || name == "transfer-encoding" || name == "keep-alive" ||
         name == "upgrade" || name == "proxy-connection" || name == "content-length";
}

nghttp2_nv Nv(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct Http2Connection::Impl {
  Http2Limits limits;
  BodyLimit body_limit;
  OnRequest on_request;
  std::string remote;
  const base::Clock* clock = nullptr;
  nghttp2_session* session = nullptr;
  std::map<int32_t, std::unique_ptr<Stream>> streams;
  uint64_t buffered = 0;  // Request body bytes held by streams not yet handed over.
  size_t pending = 0;

  ~Impl() {
    for (auto& [id, s] : streams) {
      if (s->context && !s->answered) s->context->cancelled.store(true);
    }
    nghttp2_session_del(session);
  }

  Stream* Find(int32_t id) {
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : it->second.get();
  }

  bool IsGrpc(const Stream& s) const {
    const std::string type(s.request->headers.Get("content-type").value_or(""));
    return type.starts_with("application/grpc") && !type.starts_with("application/grpc-web");
  }

  // An answer given here, before the request reached a handler (too large, for instance).
  void Reject(int32_t id, Stream& s, int http_status, int grpc_status, std::string message) {
    api::HttpResponse r;
    if (IsGrpc(s)) {
      r.headers.Set("content-type", "application/grpc");
      r.trailers.Set("grpc-status", std::to_string(grpc_status));
      r.trailers.Set("grpc-message", message);
    } else {
      r.status = http_status;
      r.headers.Set("content-type", "text/plain; charset=utf-8");
      r.body = message + "\n";
    }
    buffered -= std::min<uint64_t>(buffered, s.request->body.size());
    s.request->body.clear();
    Submit(id, s, std::move(r));
  }

  void Dispatch(int32_t id, Stream& s) {
    if (s.answered || s.context) return;
    if (s.headers_too_large) {
      return Reject(id, s, 431, 8, "request header list exceeds the limit of " +
                                       std::to_string(limits.max_header_list_bytes) + " bytes");
    }
    buffered -= std::min<uint64_t>(buffered, s.request->body.size());
    s.request->http2 = true;
    s.request->remote = remote;
    const size_t q = s.request->target.find('?');
    s.request->path = s.request->target.substr(0, q);
    s.request->query = q == std::string::npos ? "" : s.request->target.substr(q + 1);
    s.context = std::make_shared<api::RequestContext>();
    s.context->received = s.received;
    ++pending;
    on_request(id, s.request, s.context);
  }

  void Submit(int32_t id, Stream& s, api::HttpResponse response);
  static nghttp2_session_callbacks* Callbacks();
};

namespace {

using Impl = Http2Connection::Impl;

Impl& Self(void* user_data) { return *static_cast<Impl*>(user_data); }

int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    Impl& self = Self(user_data);
    auto stream = std::make_unique<Stream>();
    stream->received = self.clock->SteadyNow();
    self.streams[frame->hd.stream_id] = std::move(stream);
  }
  return 0;
}

int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user_data) {
  Impl& self = Self(user_data);
  Stream* s = self.Find(frame->hd.stream_id);
  if (s == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;  // Trailers: not used.
  s->header_bytes += namelen + valuelen + 32;  // RFC 9113 §6.5.2's accounting.
  if (s->header_bytes > self.limits.max_header_list_bytes) {
    s->headers_too_large = true;
    return 0;
  }
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") {
    s->request->method = std::move(v);
  } else if (n == ":path") {
    s->request->target = std::move(v);
  } else if (n == ":authority") {
    s->request->headers.Add("host", std::move(v));
  } else if (!n.starts_with(":")) {
    s->request->headers.Add(std::string(n), std::move(v));
  }
  return 0;
}

int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  Impl& self = Self(user_data);
  Stream* s = self.Find(frame->hd.stream_id);
  if (s == nullptr) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    s->body_limit = self.body_limit(s->request->method, s->request->target);
  }
  const bool ended = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
                     (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA);
  if (ended) self.Dispatch(frame->hd.stream_id, *s);
  return 0;
}

int OnDataChunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                void* user_data) {
  Impl& self = Self(user_data);
  Stream* s = self.Find(id);
  if (s == nullptr || s->answered || s->context) return 0;
  if (s->request->body.size() + len > s->body_limit) {
    self.Reject(id, *s, 413, 8, "request body exceeds the limit of " +
                                    std::to_string(s->body_limit) + " bytes");
    return 0;
  }
  if (self.buffered + len > self.limits.max_buffered_bytes) {
    nghttp2_submit_rst_stream(self.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_ENHANCE_YOUR_CALM);
    return 0;
  }
  s->request->body.append(reinterpret_cast<const char*>(data), len);
  self.buffered += len;
  return 0;
}

int OnStreamClose(nghttp2_session*, int32_t id, uint32_t, void* user_data) {
  Impl& self = Self(user_data);
  auto it = self.streams.find(id);
  if (it == self.streams.end()) return 0;
  Stream& s = *it->second;
  if (s.context && !s.answered) {
    s.context->cancelled.store(true);  // The client gave up: stop the handler's work.
    --self.pending;
  }
  if (!s.context) self.buffered -= std::min<uint64_t>(self.buffered, s.request->body.size());
  self.streams.erase(it);
  return 0;
}

ssize_t ReadBody(nghttp2_session* session, int32_t id, uint8_t* buf, size_t length,
                 uint32_t* flags, nghttp2_data_source*, void* user_data) {
  Stream* s = Self(user_data).Find(id);
  if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const std::string& body = s->response.body;
  const size_t n = std::min(length, body.size() - s->sent);
  std::copy_n(body.data() + s->sent, n, buf);
  s->sent += n;
  if (s->sent == body.size()) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (!s->response.trailers.fields().empty()) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      std::vector<std::pair<std::string, std::string>> owned;
      for (const auto& f : s->response.trailers.fields()) {
        owned.emplace_back(base::AsciiLowercase(f.name), f.value);
      }
      std::vector<nghttp2_nv> nva;
      for (const auto& [k, v] : owned) nva.push_back(Nv(k, v));
      nghttp2_submit_trailer(session, id, nva.data(), nva.size());  // Copies the pairs.
    }
  }
  return static_cast<ssize_t>(n);
}

}  // namespace

nghttp2_session_callbacks* Impl::Callbacks() {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, OnStreamClose);
  return cbs;
}

void Impl::Submit(int32_t id, Stream& s, api::HttpResponse response) {
  s.answered = true;
  s.response = std::move(response);
  const bool trailers_only = s.response.body.empty() && !s.response.trailers.fields().empty();
  std::vector<std::pair<std::string, std::string>> owned = {
      {":status", std::to_string(s.response.status)}};
  bool has_type = false;
  for (const auto& f : s.response.headers.fields()) {
    std::string name = base::AsciiLowercase(f.name);
    if (HopByHop(name)) continue;
    has_type = has_type || name == "content-type";
    owned.emplace_back(std::move(name), f.value);
  }
  if (!has_type) owned.emplace_back("content-type", "text/plain; charset=utf-8");
  if (trailers_only) {
    for (const auto& f : s.response.trailers.fields()) {
      owned.emplace_back(base::AsciiLowercase(f.name), f.value);
    }
  }
  std::vector<nghttp2_nv> nva;
  for (const auto& [k, v] : owned) nva.push_back(Nv(k, v));
  nghttp2_data_provider body{};
  body.read_callback = ReadBody;
  nghttp2_submit_response(session, id, nva.data(), nva.size(), trailers_only ? nullptr : &body);
}

Http2Connection::Http2Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Http2Connection::~Http2Connection() = default;

Result<std::unique_ptr<Http2Connection>> Http2Connection::Create(const Http2Limits& limits,
                                                                 BodyLimit body_limit,
                                                                 OnRequest on_request,
                                                                 std::string remote,
                                                                 const base::Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->body_limit = std::move(body_limit);
  impl->on_request = std::move(on_request);
  impl->remote = std::move(remote);
  impl->clock = &clock;
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  nghttp2_option_set_max_settings(option, 32);
  nghttp2_option_set_max_continuations(option, 8);
  nghttp2_option_set_stream_reset_rate_limit(option, 1000, 33);  // Rapid reset (CVE-2023-44487).
  nghttp2_session_callbacks* cbs = Impl::Callbacks();
  const int rv = nghttp2_session_server_new2(&impl->session, cbs, impl.get(), option);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_option_del(option);
  if (rv != 0) return InternalError(std::string("nghttp2: ") + nghttp2_strerror(rv));
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits.max_header_list_bytes},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits.stream_window_bytes},
  };
  nghttp2_submit_settings(impl->session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(impl->session, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(limits.connection_window_bytes));
  return std::unique_ptr<Http2Connection>(new Http2Connection(std::move(impl)));
}

Status Http2Connection::Receive(std::string_view bytes) {
  const ssize_t rv = nghttp2_session_mem_recv(
      impl_->session, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (rv < 0) {
    return InvalidArgumentError(std::string("HTTP/2 protocol error: ") +
                                nghttp2_strerror(static_cast<int>(rv)));
  }
  return OkStatus();
}

std::string Http2Connection::Output() {
  std::string out;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(impl_->session, &data);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return out;
}

void Http2Connection::Respond(int32_t stream, api::HttpResponse response) {
  Stream* s = impl_->Find(stream);
  if (s == nullptr || s->answered) return;
  --impl_->pending;
  impl_->Submit(stream, *s, std::move(response));
}

void Http2Connection::Shutdown() {
  nghttp2_submit_goaway(impl_->session, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(impl_->session), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

bool Http2Connection::Finished() const {
  return nghttp2_session_want_read(impl_->session) == 0 &&
         nghttp2_session_want_write(impl_->session) == 0;
}

size_t Http2Connection::pending_requests() const { return impl_->pending; }

}  // namespace flamedb::server

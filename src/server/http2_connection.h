// One HTTP/2 server connection (RFC 9113, cleartext with prior knowledge) over libnghttp2, without
// I/O: the caller feeds the bytes it reads (Receive), writes what Output() returns, and answers
// the requests it is handed (Respond). So the protocol logic is tested without sockets, and the
// socket side (http2_session.cc) stays a small pump. nghttp2 stays inside the .cc file.
//
// Limits (Http2Limits) bound what one client can take: concurrent streams, the header list, the
// body of each request and the bytes buffered across its streams. A protocol error ends this
// connection only (Receive fails after queueing a GOAWAY).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"
#include "base/clock.h"
#include "base/status.h"

namespace flamedb::server {

struct Http2Limits {
  uint32_t max_concurrent_streams = 100;
  uint32_t max_header_list_bytes = 64 << 10;
  uint32_t stream_window_bytes = 1 << 20;      // SETTINGS_INITIAL_WINDOW_SIZE.
  uint32_t connection_window_bytes = 16 << 20;
  uint64_t max_buffered_bytes = 64 << 20;      // Request bodies held at once, all streams.
};

class Http2Connection {
 public:
  // A complete request of stream `stream`. `context` stays with the connection, which sets
  // `cancelled` when the client resets the stream (or the connection ends) first.
  using OnRequest = std::function<void(int32_t stream, std::shared_ptr<api::HttpRequest> request,
                                       std::shared_ptr<api::RequestContext> context)>;
  // The body limit of a request, from its method and target.
  using BodyLimit = std::function<uint64_t(std::string_view method, std::string_view target)>;

  // Sends the server's SETTINGS at once (see Output). A request's RequestContext::received is
  // when its HEADERS arrived (by `clock`, which must outlive the connection), so deadlines count
  // from there. Errors: kInternal if nghttp2 fails.
  static Result<std::unique_ptr<Http2Connection>> Create(const Http2Limits& limits,
                                                        BodyLimit body_limit, OnRequest on_request,
                                                        std::string remote,
                                                        const base::Clock& clock);
  ~Http2Connection();
  Http2Connection(const Http2Connection&) = delete;
  Http2Connection& operator=(const Http2Connection&) = delete;

  // Feeds bytes read from the client, the preface included. Errors: kInvalidArgument on a
  // protocol error; write Output() (a GOAWAY) and close.
  Status Receive(std::string_view bytes);
  // What to write to the client now; empty when nothing is pending.
  std::string Output();
  // Answers `stream`: the status, headers (names lowercased; hop-by-hop ones dropped), body and,
  // for gRPC, trailers. A response with trailers and no body goes out as Trailers-Only. Ignored
  // when the stream is gone.
  void Respond(int32_t stream, api::HttpResponse response);
  // Graceful shutdown: a GOAWAY; streams already open finish.
  void Shutdown();
  // Nothing left to read or write: close the socket.
  bool Finished() const;
  // Streams whose request is complete and not yet answered.
  size_t pending_requests() const;

  struct Impl;

 private:
  explicit Http2Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flamedb::server

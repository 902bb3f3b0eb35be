// The HTTP/1.1 server: Boost.Beast on a few I/O threads, handlers on a separate pool, so that
// thousands of idle keep-alive connections cost no thread and a slow handler never stalls I/O.
// Beast stays inside http_server.cc; this header is cheap to include.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http.h"
#include "base/clock.h"
#include "base/cpu_demand.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/status.h"

namespace flamedb::server {

struct HttpServerOptions {
  std::string address = "0.0.0.0";  // "" means all interfaces.
  uint16_t port = 4040;             // 0 picks a free port; see HttpServer::port().
  std::chrono::nanoseconds read_timeout = std::chrono::seconds(30);   // Headers + body.
  std::chrono::nanoseconds write_timeout = std::chrono::seconds(30);  // One response.
  std::chrono::nanoseconds idle_timeout = std::chrono::minutes(2);    // Between requests.
  uint64_t max_header_bytes = 1 << 20;
  int io_threads = 2;
  int handler_threads = 8;
  // Counts each request from its arrival to its answer (null: none), so that background work
  // gives way while requests need every core. Must outlive the server.
  base::CpuDemand* demand = nullptr;
};

// Accepts connections and serves api::HttpService on them.
//
// Transport errors are answered here: 400 for malformed HTTP, 431 for headers over the limit,
// 413 for bodies over HttpService::MaxBodyBytes, 408 when a request takes longer than
// read_timeout to arrive. Each closes the connection; other connections are unaffected.
//
// Shutdown order (Shutdown): stop accepting; close idle connections; let requests already being
// received or handled finish and answer them with `Connection: close`; then stop the threads.
// Thread-safe; `service`, `logger`, `clock` and `metrics` must outlive the server.
class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   api::HttpService& service,
                                                   base::Logger& logger, const base::Clock& clock,
                                                   base::MetricsRegistry& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually listened on.
  uint16_t port() const;

  // Graceful shutdown, as in the class comment. Returns once every connection is closed, or at
  // `deadline`, when the remaining connections are closed forcibly (and counted in the result).
  // Idempotent. Returns the number of connections that had to be cut.
  int Shutdown(std::chrono::steady_clock::time_point deadline);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flamedb::server

// Internal to the HTTP server (http_server.cc, http2_session.cc): the server's state and the
// interface its connections share. Asio is included here; keep this header out of other code.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "server/http_server.h"

namespace flamedb::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// An HTTP/1.1 or HTTP/2 connection, as the server's shutdown sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  // Finish what is in progress, then close: idle now, busy ones after their responses.
  virtual void Drain() = 0;
  virtual void ForceClose() = 0;
};

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, api::HttpService& service, base::Logger& logger,
       const base::Clock& clock, base::MetricsRegistry& metrics)
      : options_(options),
        service_(service),
        logger_(logger),
        clock_(clock),
        iocs_(MakeContexts(options.io_threads)),
        handlers_(static_cast<size_t>(options.handler_threads)),
        acceptor_(*iocs_.front()),
        accept_retry_(acceptor_.get_executor()),
        open_connections_(metrics.AddGauge("flamedb_http_connections",
                                           "HTTP connections currently open.")),
        accepted_connections_(metrics.AddCounter("flamedb_http_connections_total",
                                                 "HTTP connections accepted.")) {}

  Status Listen();
  void Run();
  int Shutdown(std::chrono::steady_clock::time_point deadline);

  void Register(const std::shared_ptr<Connection>& connection) EXCLUDES(mu_);
  void Unregister(Connection* connection) EXCLUDES(mu_);
  // Takes over an accepted connection that opened with the HTTP/2 preface: `initial` holds the
  // bytes read so far (http2_session.cc).
  void StartHttp2(tcp::socket socket, std::string initial, std::string remote);
  bool draining() const { return draining_.load(std::memory_order_acquire); }

  const HttpServerOptions options_;
  api::HttpService& service_;
  base::Logger& logger_;
  const base::Clock& clock_;
  // One context per I/O thread, each run by its thread alone; connections are spread over them
  // in turn. A context shared by several threads makes them wake one another for every ready
  // handler, several times per request (docs/performance.md, "CPU per acknowledged profile").
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  net::thread_pool handlers_;
  uint16_t port_ = 0;

 private:
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int n);
  void Accept();
  net::io_context& NextContext();
  size_t SessionCount() EXCLUDES(mu_);
  void ForEachSession(void (Connection::*fn)()) EXCLUDES(mu_);
  bool WaitForSessions(std::chrono::steady_clock::time_point deadline) EXCLUDES(mu_);

  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  size_t next_context_ = 0;  // Only touched by the acceptor's handlers.
  std::vector<std::thread> io_threads_;
  // Release/acquire: sessions that see draining_ also see that the acceptor is closing.
  std::atomic<bool> draining_{false};
  bool stopped_ = false;  // Only touched by Shutdown's caller.
  base::Gauge& open_connections_;
  base::Counter& accepted_connections_;

  base::Mutex mu_;
  base::CondVar sessions_changed_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> sessions_ GUARDED_BY(mu_);
};


}  // namespace flamedb::server

// Beast is confined to this file (it is a heavy include); see http_server.h for the contract.
#include "server/http_server.h"
#include "server/http_server_impl.h"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <limits>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/errors.h"
#include "base/mutex.h"

namespace flamedb::server {

namespace beast = boost::beast;
namespace http = beast::http;

// One connection. All its members are touched only on its strand (stream_'s executor), except
// from the handler pool, which reads only the immutable request data it was given.
//
// Lifetime: Beast's idiom; each pending operation holds a shared_ptr to the session, and the
// session dies (unregistering itself) when the last one completes. The server holds only
// weak_ptrs, to reach live sessions at shutdown.
class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server), read_timer_(stream_.get_executor()) {
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    }
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Shutdown: an idle connection closes now; a busy one after its response.
  void Drain() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (!self->busy_) {
        self->Close();
      }
    });
  }

  void ForceClose() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  static constexpr size_t kReadChunk = 8192;

  void WaitForRequest() {
    busy_ = false;
    if (draining_ || server_.draining()) {
      return Close();
    }
    if (buffer_.size() > 0) {
      return BeginRequest();  // A pipelined request is already here.
    }
    stream_.expires_after(server_.options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) {
                                return self->Close();  // Idle timeout, peer gone, or drained.
                              }
                              self->buffer_.commit(n);
                              if (self->MaybeHttp2()) return;
                              self->BeginRequest();
                            });
  }

  // A connection that opens with the HTTP/2 preface (prior knowledge) goes to an HTTP/2 session
  // (http2_session.cc). True when it went, or when more bytes are needed to tell.
  bool MaybeHttp2() {
    if (!first_request_) return false;
    constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const auto data = buffer_.data();
    const std::string_view got(static_cast<const char*>(data.data()), data.size());
    const size_t n = std::min(got.size(), kPreface.size());
    if (got.substr(0, n) != kPreface.substr(0, n)) {
      first_request_ = false;
      return false;
    }
    if (got.size() < kPreface.size()) {
      stream_.async_read_some(buffer_.prepare(kReadChunk),
                              [self = shared_from_this()](beast::error_code ec, size_t more) {
                                if (ec) return self->Close();
                                self->buffer_.commit(more);
                                if (!self->MaybeHttp2()) self->BeginRequest();
                              });
      return true;
    }
    first_request_ = false;
    std::string initial(got);
    buffer_.consume(buffer_.size());
    stream_.expires_never();
    server_.StartHttp2(stream_.release_socket(), std::move(initial), remote_);
    return true;
  }

  void BeginRequest() {
    busy_ = true;
    received_ = server_.clock_.SteadyNow();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options_.max_header_bytes));
    // Beast checks Content-Length against its default 1 MiB body limit while parsing the
    // headers; OnHeader applies the route's real limit, so none applies until then.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    StartReadTimer();
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      return FailRead(ec);
    }
    const auto& req = parser_->get();
    method_ = std::string(req.method_string());
    body_limit_ =
        server_.service_.MaxBodyBytes(method_, std::string_view(req.target().data(), req.target().size()));
    if (const auto length = parser_->content_length(); length && *length > body_limit_) {
      return RespondError(413, "request body of " + std::to_string(*length) +
                                   " bytes exceeds the limit of " + std::to_string(body_limit_) +
                                   " bytes");
    }
    parser_->body_limit(body_limit_);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      return http::async_write(
          stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
            return ec ? self->Close() : self->ReadBody();
          });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       return ec ? self->FailRead(ec) : self->Dispatch();
                     });
  }

  // The read timeout covers headers and body. tcp_stream's own timer would close the socket,
  // leaving no way to answer 408, so a separate timer only cancels the pending read.
  void StartReadTimer() {
    stream_.expires_never();
    read_timed_out_ = false;
    read_timer_.expires_after(server_.options_.read_timeout);
    read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->busy_ && self->parser_.has_value()) {
        self->read_timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
      }
    });
  }

  void FailRead(beast::error_code ec) {
    read_timer_.cancel();
    parser_.reset();
    if (read_timed_out_) {
      return RespondError(408, "request not received within the read timeout of " +
                                   base::FormatDuration(server_.options_.read_timeout));
    }
    if (ec == http::error::header_limit) {
      return RespondError(431, "request header fields exceed the limit of " +
                                   std::to_string(server_.options_.max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return RespondError(413, "request body exceeds the limit of " +
                                   std::to_string(body_limit_) + " bytes");
    }
    if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return RespondError(400, "malformed HTTP request: " + ec.message());
    }
    Close();  // The peer went away (or shutdown cut the connection): nobody to answer.
  }

  void Dispatch() {
    read_timer_.cancel();
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    auto request = std::make_shared<api::HttpRequest>();
    request->method = std::string(req.method_string());
    request->target = std::string(req.target());
    const size_t q = request->target.find('?');
    request->path = request->target.substr(0, q);
    request->query = q == std::string::npos ? "" : request->target.substr(q + 1);
    for (const auto& field : req) {
      request->headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    request->body = std::move(req.body());
    request->remote = remote_;
    auto context = std::make_shared<api::RequestContext>();
    context->received = received_;
    handling_ = true;
    WatchForHangUp(context);
    // Counted while it waits for a handler thread too: that wait is for the CPU.
    auto demand = std::make_shared<base::CpuDemand::Scope>(server_.options_.demand);
    net::post(server_.handlers_, [self = shared_from_this(), request, context, demand]() mutable {
      api::HttpResponse response = self->server_.service_.Serve(*request, *context);
      demand.reset();
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response)]() mutable {
                  self->handling_ = false;
                  beast::error_code ignored;
                  self->stream_.socket().cancel(ignored);  // Ends WatchForHangUp's wait.
                  self->Write(std::move(response), false);
                });
    });
  }

  // While a handler runs nothing reads the socket; waiting for it to become readable tells
  // when the client hangs up (EOF or reset), so long queries stop for nobody (as Go's server
  // cancels a request's context). Pipelined bytes end the watch without cancelling.
  void WatchForHangUp(const std::shared_ptr<api::RequestContext>& context) {
    stream_.socket().async_wait(
        tcp::socket::wait_read, [self = shared_from_this(), context](beast::error_code ec) {
          if (ec || !self->handling_) return;
          char byte;
          const ssize_t n = ::recv(self->stream_.socket().native_handle(), &byte, 1,
                                   MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            context->cancelled.store(true, std::memory_order_relaxed);
            self->server_.logger_.Debug("client closed the connection during its request",
                                        "remote", self->remote_);
          } else if (n < 0) {
            self->WatchForHangUp(context);
          }
        });
  }

  void RespondError(int status, std::string message) {
    read_timer_.cancel();
    parser_.reset();
    server_.service_.RecordTransportError(method_.empty() ? "other" : method_, status);
    server_.logger_.Debug("rejected request", "remote", remote_, "status", status, "reason",
                          message);
    Write(api::ErrorResponse(status, message), true);
  }

  void Write(api::HttpResponse response, bool close) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(response.status));
    if (response.status == 499) {
      res->reason("Client Closed Request");
    }
    for (const auto& field : response.headers.fields()) {
      res->insert(field.name, field.value);
    }
    if (!response.headers.Get("Content-Type").has_value()) {
      res->set(http::field::content_type, "text/plain; charset=utf-8");
    }
    res->body() = std::move(response.body);
    const bool keep = keep_alive_ && !close && !draining_ && !server_.draining();
    res->keep_alive(keep);
    res->prepare_payload();
    stream_.expires_after(server_.options_.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep, close](beast::error_code ec, size_t) {
                        if (ec) {
                          return self->Close();
                        }
                        if (close) {
                          return self->LingerClose();
                        }
                        return keep ? self->WaitForRequest() : self->Close();
                      });
  }

  // After an error response the client may still be sending a body we will not read. Closing
  // at once would reset the connection and could destroy the response before the client reads
  // it, so stop sending, discard input for a moment, then close (as Go's server does).
  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    Discard(0);
  }

  void Discard(size_t discarded) {
    static constexpr size_t kMaxDiscard = 1 << 20;
    if (discarded > kMaxDiscard) {
      return Close();
    }
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this(), discarded](beast::error_code ec, size_t n) {
                              return ec ? self->Close() : self->Discard(discarded + n);
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  std::string method_;
  uint64_t body_limit_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool first_request_ = true;  // The preface check applies to a connection's first bytes only.
  bool busy_ = false;      // Receiving, handling or answering a request.
  bool handling_ = false;  // A handler is running for the current request.
  bool draining_ = false;  // Shutdown asked this connection to finish.
  std::chrono::steady_clock::time_point received_;
  net::steady_timer read_timer_;
  bool read_timed_out_ = false;
};

void HttpServer::Impl::Register(const std::shared_ptr<Connection>& session) {
  base::MutexLock lock(mu_);
  sessions_.emplace(session.get(), session);
  open_connections_.Inc();
  accepted_connections_.Inc();
}

void HttpServer::Impl::Unregister(Connection* session) {
  base::MutexLock lock(mu_);
  sessions_.erase(session);
  open_connections_.Dec();
  sessions_changed_.NotifyAll();
}

size_t HttpServer::Impl::SessionCount() {
  base::MutexLock lock(mu_);
  return sessions_.size();
}

void HttpServer::Impl::ForEachSession(void (Connection::*fn)()) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    base::MutexLock lock(mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
  }
  for (auto& session : live) {
    ((*session).*fn)();
  }
}

bool HttpServer::Impl::WaitForSessions(std::chrono::steady_clock::time_point deadline) {
  base::MutexLock lock(mu_);
  return sessions_changed_.WaitUntil(mu_, deadline, [this]() REQUIRES(mu_) {
    return sessions_.empty();
  });
}

Status HttpServer::Impl::Listen() {
  beast::error_code ec;
  const std::string host = options_.address.empty() ? "0.0.0.0" : options_.address;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError("invalid -server.http-listen-address \"" + host +
                                "\": " + ec.message());
  }
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + host + ":" + std::to_string(options_.port) +
                            ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return OkStatus();
}

std::vector<std::unique_ptr<net::io_context>> HttpServer::Impl::MakeContexts(int n) {
  std::vector<std::unique_ptr<net::io_context>> out;
  for (int i = 0; i < std::max(n, 1); ++i) out.push_back(std::make_unique<net::io_context>(1));
  return out;
}

net::io_context& HttpServer::Impl::NextContext() {
  net::io_context& ioc = *iocs_[next_context_];
  next_context_ = (next_context_ + 1) % iocs_.size();
  return ioc;
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(NextContext()), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      return;  // Shutdown closed the acceptor.
    }
    if (ec) {
      // Out of file descriptors, most likely: back off instead of spinning.
      logger_.Warn("accept failed", "err", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](beast::error_code) { Accept(); });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(std::move(socket), *this);
    Register(session);
    session->Start();
    Accept();
  });
}

void HttpServer::Impl::Run() {
  net::dispatch(acceptor_.get_executor(), [this] { Accept(); });
  for (auto& ioc : iocs_) {
    work_.push_back(net::make_work_guard(*ioc));
    io_threads_.emplace_back([&ioc = *ioc] { ioc.run(); });
  }
}

int HttpServer::Impl::Shutdown(std::chrono::steady_clock::time_point deadline) {
  if (stopped_) {
    return 0;
  }
  stopped_ = true;
  draining_.store(true, std::memory_order_release);
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    accept_retry_.cancel();
    acceptor_.close(ec);
  });
  ForEachSession(&Connection::Drain);
  int cut = 0;
  if (!WaitForSessions(deadline)) {
    cut = static_cast<int>(SessionCount());
    ForEachSession(&Connection::ForceClose);
    WaitForSessions(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  }
  handlers_.join();
  for (auto& work : work_) work.reset();
  for (auto& ioc : iocs_) ioc->stop();
  for (std::thread& t : io_threads_) {
    t.join();
  }
  return cut;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::steady_clock::now()); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      api::HttpService& service,
                                                      base::Logger& logger,
                                                      const base::Clock& clock,
                                                      base::MetricsRegistry& metrics) {
  auto impl = std::make_unique<Impl>(options, service, logger, clock, metrics);
  FLAMEDB_RETURN_IF_ERROR(impl->Listen());
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port_; }

int HttpServer::Shutdown(std::chrono::steady_clock::time_point deadline) {
  return impl_->Shutdown(deadline);
}

}  // namespace flamedb::server

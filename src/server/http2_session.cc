// The socket side of HTTP/2 (h2c with prior knowledge): a connection the HTTP/1.1 session found
// opening with the HTTP/2 preface is handed here. Http2Connection speaks the protocol; this
// file only moves bytes between it and the socket and runs requests on the handler pool.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "base/cpu_demand.h"
#include "server/http2_connection.h"
#include "server/http_server_impl.h"

namespace flamedb::server {
namespace {

using error_code = boost::system::error_code;

// Lifetime as Session's: pending operations hold a shared_ptr; the server holds weak ones.
// Everything runs on the socket's strand, except handlers (on the handler pool), which touch
// only their request and context.
class Http2Session final : public Connection, public std::enable_shared_from_this<Http2Session> {
 public:
  Http2Session(tcp::socket socket, HttpServer::Impl& server, std::string remote)
      : socket_(std::move(socket)),
        server_(server),
        remote_(std::move(remote)),
        idle_(socket_.get_executor()),
        write_deadline_(socket_.get_executor()) {}
  ~Http2Session() override { server_.Unregister(this); }

  Status Open() {
    FLAMEDB_ASSIGN_OR_RETURN(
        conn_, Http2Connection::Create(
                   Http2Limits{}, 
                   [this](std::string_view method, std::string_view target) {
                     return server_.service_.MaxBodyBytes(method, target);
                   },
                   [this](int32_t stream, std::shared_ptr<api::HttpRequest> request,
                          std::shared_ptr<api::RequestContext> context) {
                     Handle(stream, std::move(request), std::move(context));
                   },
                   remote_, server_.clock_));
    return OkStatus();
  }

  void Start(std::string initial) {
    net::dispatch(socket_.get_executor(), [self = shared_from_this(), initial = std::move(initial)] {
      self->Feed(initial);
      self->Pump();
    });
  }

  void Drain() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->conn_ == nullptr) return;
      self->conn_->Shutdown();
      self->Pump();
    });
  }

  void ForceClose() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  void Feed(std::string_view bytes) {
    if (Status s = conn_->Receive(bytes); !s.ok()) {
      broken_ = true;
      server_.logger_.Debug("closing an HTTP/2 connection", "remote", remote_, "err", s);
    }
  }

  // Writes what the protocol has to say, keeps one read pending, and closes once done.
  void Pump() {
    if (conn_ == nullptr) return;
    if (!writing_) {
      auto out = std::make_shared<std::string>(conn_->Output());
      if (!out->empty()) {
        writing_ = true;
        // A client that stops reading must not hold the connection (and its buffers) forever:
        // each write has the HTTP/1.1 write timeout.
        write_deadline_.expires_after(server_.options_.write_timeout);
        write_deadline_.async_wait([weak = weak_from_this()](error_code ec) {
          if (auto self = weak.lock(); self && !ec && self->writing_) self->Close();
        });
        net::async_write(socket_, net::buffer(*out),
                         [self = shared_from_this(), out](error_code ec, size_t) {
                           self->writing_ = false;
                           self->write_deadline_.cancel();
                           return ec ? self->Close() : self->Pump();
                         });
        return;
      }
    }
    if (!writing_ && (broken_ || conn_->Finished())) return Close();
    if (!reading_ && !broken_) Read();
  }

  void Read() {
    reading_ = true;
    ArmIdleTimer();
    socket_.async_read_some(net::buffer(buffer_), [self = shared_from_this()](error_code ec,
                                                                             size_t n) {
      self->reading_ = false;
      if (ec || self->conn_ == nullptr) return self->Close();  // Peer gone, or closed here.
      self->Feed(std::string_view(self->buffer_.data(), n));
      self->Pump();
    });
  }

  // An idle connection (no request in progress for the idle timeout) is closed with a GOAWAY.
  void ArmIdleTimer() {
    idle_.expires_after(server_.options_.idle_timeout);
    idle_.async_wait([weak = weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || self == nullptr || self->conn_ == nullptr) return;
      if (self->conn_->pending_requests() > 0) return self->ArmIdleTimer();
      self->conn_->Shutdown();
      self->Pump();
    });
  }

  void Handle(int32_t stream, std::shared_ptr<api::HttpRequest> request,
              std::shared_ptr<api::RequestContext> context) {
    auto demand = std::make_shared<base::CpuDemand::Scope>(server_.options_.demand);
    net::post(server_.handlers_, [self = shared_from_this(), stream, request, context,
                                  demand]() mutable {
      api::HttpResponse response = self->server_.service_.Serve(*request, *context);
      demand.reset();
      net::post(self->socket_.get_executor(),
                [self, stream, response = std::move(response)]() mutable {
                  if (self->conn_ == nullptr) return;  // Closed meanwhile.
                  self->conn_->Respond(stream, std::move(response));
                  self->Pump();
                });
    });
  }

  void Close() {
    conn_.reset();  // Cancels the contexts of requests still running.
    idle_.cancel();
    write_deadline_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  HttpServer::Impl& server_;
  const std::string remote_;
  net::steady_timer idle_;
  net::steady_timer write_deadline_;
  std::unique_ptr<Http2Connection> conn_;
  std::array<char, 16384> buffer_;
  bool reading_ = false;
  bool writing_ = false;
  bool broken_ = false;  // A protocol error: flush the GOAWAY, then close.
};

}  // namespace

void HttpServer::Impl::StartHttp2(tcp::socket socket, std::string initial, std::string remote) {
  auto session = std::make_shared<Http2Session>(std::move(socket), *this, std::move(remote));
  if (Status s = session->Open(); !s.ok()) {
    logger_.Warn("cannot serve HTTP/2", "err", s);
    return;  // The socket closes with the session.
  }
  Register(session);
  session->Start(std::move(initial));
}

}  // namespace flamedb::server

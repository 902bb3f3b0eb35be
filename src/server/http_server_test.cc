#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "api/errors.h"
#include "base/mutex.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Echoes "<method> <path> <body>"; the path /block waits until Release() is called.
class FakeService final : public api::HttpService {
 public:
  uint64_t MaxBodyBytes(std::string_view, std::string_view) const override { return 100; }

  api::HttpResponse Serve(api::HttpRequest& request, api::RequestContext& context) override {
    if (request.path == "/hangup") {
      // Works until the server says the client is gone (or 10 s pass: the test then fails).
      { base::MutexLock lock(mu_); entered_ = true; cv_.NotifyAll(); }
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!context.cancelled.load() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
      }
      base::MutexLock lock(mu_);
      saw_cancel_ = context.cancelled.load();
      finished_ = true;
      cv_.NotifyAll();
    }
    if (request.path == "/block") {
      base::MutexLock lock(mu_);
      entered_ = true;
      cv_.NotifyAll();
      cv_.Wait(mu_, [this]() REQUIRES(mu_) { return released_; });
    }
    api::HttpResponse resp;
    resp.body = request.method + " " + request.path + " " + request.body;
    if (request.path == "/demand") resp.body = "busy " + std::to_string(demand->busy());
    return resp;
  }

  const base::CpuDemand* demand = nullptr;  // What /demand answers.

  void RecordTransportError(std::string_view, int status) override {
    base::MutexLock lock(mu_);
    transport_errors_.push_back(status);
  }

  void WaitEntered() {
    base::MutexLock lock(mu_);
    cv_.Wait(mu_, [this]() REQUIRES(mu_) { return entered_; });
  }
  // Whether the /hangup handler saw its request cancelled.
  bool WaitHangUpHandled() {
    base::MutexLock lock(mu_);
    cv_.Wait(mu_, [this]() REQUIRES(mu_) { return finished_; });
    return saw_cancel_;
  }
  void Release() {
    base::MutexLock lock(mu_);
    released_ = true;
    cv_.NotifyAll();
  }
  std::vector<int> transport_errors() {
    base::MutexLock lock(mu_);
    return transport_errors_;
  }

 private:
  base::Mutex mu_;
  base::CondVar cv_;
  bool entered_ GUARDED_BY(mu_) = false;
  bool released_ GUARDED_BY(mu_) = false;
  bool finished_ GUARDED_BY(mu_) = false;
  bool saw_cancel_ GUARDED_BY(mu_) = false;
  std::vector<int> transport_errors_ GUARDED_BY(mu_);
};

// A blocking loopback client socket.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{10, 0};  // A broken server fails the test instead of hanging it.
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Client() { close(fd_); }

  bool connected() const { return connected_; }
  void Send(std::string_view data) { ASSERT_EQ(write(fd_, data.data(), data.size()), static_cast<ssize_t>(data.size())); }

  // Reads one response (headers + Content-Length body), or what arrives before EOF.
  std::string ReadResponse() {
    std::string out;
    char buf[4096];
    while (true) {
      const size_t head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t cl = out.find("Content-Length: ");
        const size_t len = cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
        if (out.size() >= head_end + 4 + len) {
          return out;
        }
      }
      const ssize_t n = read(fd_, buf, sizeof(buf));
      if (n <= 0) {
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }

  // True when the server closed the connection (EOF).
  bool Closed() {
    char c;
    return read(fd_, &c, 1) == 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer() {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.max_header_bytes = 512;
    options.handler_threads = 2;
    options.demand = &demand_;
    auto server = HttpServer::Start(options, service_, logger_, clock_, metrics_);
    ASSERT_THAT(server, testing::IsOk());
    server_ = std::move(server).value();
  }

  base::CpuDemand demand_;
  FakeService service_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesKeepAliveRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());

  client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = client.ReadResponse();
  client.Send("POST /b?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  const std::string second = client.ReadResponse();

  EXPECT_THAT(first, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(first, HasSubstr("\r\n\r\nGET /a "));
  EXPECT_THAT(second, HasSubstr("\r\n\r\nPOST /b hello"));
}

TEST_F(HttpServerTest, ARequestCountsInTheCpuDemandUntilItIsAnswered) {
  service_.demand = &demand_;
  StartServer();
  Client client(server_->port());

  client.Send("GET /demand HTTP/1.1\r\nHost: x\r\n\r\n");

  EXPECT_THAT(client.ReadResponse(), HasSubstr("\r\n\r\nbusy 1"));
  EXPECT_EQ(demand_.busy(), 0);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  StartServer();
  Client client(server_->port());

  client.Send("GET / HTTP/1.1\r\nX-Big: " + std::string(1000, 'a') + "\r\n\r\n");

  const std::string resp = client.ReadResponse();
  EXPECT_THAT(resp, StartsWith("HTTP/1.1 431 "));
  EXPECT_THAT(resp, HasSubstr("\"code\":\"resource_exhausted\""));
  EXPECT_THAT(resp, HasSubstr("exceed the limit of 512 bytes"));
  EXPECT_TRUE(client.Closed());
}

TEST_F(HttpServerTest, OversizedBodiesAre413BeforeBeingRead) {
  StartServer();
  Client client(server_->port());

  client.Send("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n");

  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 413 "));
}

TEST_F(HttpServerTest, OversizedChunkedBodiesAre413) {
  StartServer();
  Client client(server_->port());

  client.Send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" +
              std::string(128, 'x') + "\r\n0\r\n\r\n");

  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 413 "));
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndOthersAreStillServed) {
  StartServer();
  Client bad(server_->port());
  Client good(server_->port());

  bad.Send("GARBAGE\r\n\r\n");
  good.Send("GET /ok HTTP/1.1\r\n\r\n");

  const std::string resp = bad.ReadResponse();
  EXPECT_THAT(resp, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(resp, HasSubstr("malformed HTTP request"));
  EXPECT_THAT(good.ReadResponse(), StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(service_.transport_errors(), ::testing::ElementsAre(400));
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheResponse) {
  StartServer();
  Client client(server_->port());

  client.Send("POST /up HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  const std::string interim = client.ReadResponse();
  client.Send("abc");
  const std::string final_resp = client.ReadResponse();

  EXPECT_THAT(interim, StartsWith("HTTP/1.1 100 Continue\r\n"));
  EXPECT_THAT(final_resp, HasSubstr("POST /up abc"));
}

TEST_F(HttpServerTest, AClientThatHangsUpCancelsItsRequest) {
  StartServer();
  {
    Client client(server_->port());
    client.Send("GET /hangup HTTP/1.1\r\n\r\n");
    service_.WaitEntered();
  }  // Closes the connection while the handler runs.
  EXPECT_TRUE(service_.WaitHangUpHandled());
  // The server still serves others.
  Client next(server_->port());
  next.Send("GET /after HTTP/1.1\r\n\r\n");
  EXPECT_THAT(next.ReadResponse(), HasSubstr("GET /after"));
}

TEST_F(HttpServerTest, ShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  StartServer();
  Client idle(server_->port());
  idle.Send("GET /warm HTTP/1.1\r\n\r\n");
  ASSERT_THAT(idle.ReadResponse(), StartsWith("HTTP/1.1 200 "));
  Client busy(server_->port());
  busy.Send("GET /block HTTP/1.1\r\n\r\n");
  service_.WaitEntered();

  int cut = -1;
  std::thread shutdown([&] { cut = server_->Shutdown(std::chrono::steady_clock::now() +
                                                     std::chrono::seconds(30)); });
  EXPECT_TRUE(idle.Closed());
  service_.Release();
  const std::string resp = busy.ReadResponse();
  shutdown.join();

  EXPECT_THAT(resp, StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(resp, HasSubstr("Connection: close"));
  EXPECT_EQ(cut, 0);
  EXPECT_FALSE(Client(server_->port()).connected());
}

}  // namespace
}  // namespace flamedb::server

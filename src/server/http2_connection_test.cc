#include "server/http2_connection.h"

#include <nghttp2/nghttp2.h>

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "testing/fake_clock.h"

namespace flamedb::server {
namespace {

// A real nghttp2 client session talking to Http2Connection through memory.
class Client {
 public:
  Client() {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                const uint8_t* v, size_t vl, uint8_t, void* self) {
          auto& c = *static_cast<Client*>(self);
          auto& r = c.responses[f->hd.stream_id];
          const std::string name(reinterpret_cast<const char*>(n), nl);
          const std::string value(reinterpret_cast<const char*>(v), vl);
          (f->headers.cat == NGHTTP2_HCAT_HEADERS ? r.trailers : r.headers)[name] = value;
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cbs, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* self) {
          static_cast<Client*>(self)->responses[id].body.append(reinterpret_cast<const char*>(d),
                                                                len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cbs, [](nghttp2_session*, int32_t id, uint32_t code, void* self) {
          auto& r = static_cast<Client*>(self)->responses[id];
          r.closed = true;
          r.error = code;
          return 0;
        });
    nghttp2_session_client_new(&session, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Client() { nghttp2_session_del(session); }

  int32_t Request(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> headers = {},
                  const std::string* body = nullptr) {
    headers.insert(headers.begin(), {{":method", method}, {":path", path}, {":scheme", "http"},
                                     {":authority", "test"}});
    std::vector<nghttp2_nv> nva;
    for (auto& [k, v] : headers) {
      nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()),
                     k.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    if (body) {
      provider.source.ptr = const_cast<std::string*>(body);
      provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                                  uint32_t* flags, nghttp2_data_source* src, void*) -> ssize_t {
        auto* b = static_cast<std::string*>(src->ptr);
        const size_t n = std::min(length, b->size());
        std::copy_n(b->data(), n, buf);
        b->erase(0, n);
        if (b->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
        return static_cast<ssize_t>(n);
      };
    }
    return nghttp2_submit_request(session, nullptr, nva.data(), nva.size(),
                                  body ? &provider : nullptr, nullptr);
  }

  struct Response {
    std::map<std::string, std::string> headers, trailers;
    std::string body;
    bool closed = false;
    uint32_t error = 0;
  };
  std::map<int32_t, Response> responses;
  nghttp2_session* session = nullptr;
};

class Http2ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() { Make({}); }
  void Make(Http2Limits limits) {
    auto conn = Http2Connection::Create(
        limits, [](std::string_view, std::string_view) { return uint64_t{1000}; },
        [this](int32_t stream, std::shared_ptr<api::HttpRequest> req,
               std::shared_ptr<api::RequestContext> ctx) {
          requests[stream] = {std::move(req), std::move(ctx)};
        },
        "client:1", clock_);
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(conn).value();
  }
  // Moves bytes both ways until neither side has anything to say.
  Status Exchange() {
    for (int round = 0; round < 100; ++round) {
      const uint8_t* data = nullptr;
      std::string to_server;
      for (ssize_t n; (n = nghttp2_session_mem_send(client_.session, &data)) > 0;) {
        to_server.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (!to_server.empty()) FLAMEDB_RETURN_IF_ERROR(conn_->Receive(to_server));
      const std::string to_client = conn_->Output();
      if (!to_client.empty()) {
        nghttp2_session_mem_recv(client_.session,
                                 reinterpret_cast<const uint8_t*>(to_client.data()),
                                 to_client.size());
      }
      if (to_server.empty() && to_client.empty()) return OkStatus();
    }
    return InternalError("no quiet after 100 rounds");
  }

  Client client_;
  flamedb::testing::FakeClock clock_;
  std::unique_ptr<Http2Connection> conn_;
  std::map<int32_t, std::pair<std::shared_ptr<api::HttpRequest>,
                              std::shared_ptr<api::RequestContext>>> requests;
};

TEST_F(Http2ConnectionTest, ServesARequestWithItsHeadersAndBody) {
  std::string body = "hello";
  const int32_t id = client_.Request("POST", "/a/b?x=1", {{"content-type", "text/plain"}}, &body);
  ASSERT_TRUE(Exchange().ok());
  ASSERT_EQ(requests.count(id), 1u);
  const api::HttpRequest& req = *requests[id].first;
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/a/b");
  EXPECT_EQ(req.query, "x=1");
  EXPECT_EQ(req.body, "hello");
  EXPECT_TRUE(req.http2);
  EXPECT_EQ(req.headers.Get("content-type").value_or(""), "text/plain");
  EXPECT_EQ(req.headers.Get("host").value_or(""), "test");
  api::HttpResponse resp;
  resp.status = 201;
  resp.headers.Set("Content-Type", "application/json");
  resp.headers.Set("Connection", "close");  // Hop-by-hop: never sent over HTTP/2.
  resp.body = std::string(100000, 'x');     // Several DATA frames.
  conn_->Respond(id, std::move(resp));
  ASSERT_TRUE(Exchange().ok());
  const Client::Response& r = client_.responses[id];
  EXPECT_EQ(r.headers.at(":status"), "201");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.count("connection"), 0u);
  EXPECT_EQ(r.body.size(), 100000u);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(conn_->pending_requests(), 0u);
}

TEST_F(Http2ConnectionTest, ARequestIsReceivedWhenItsHeadersArriveNotItsBody) {
  std::string body = "late";
  const int32_t id = client_.Request("POST", "/x", {}, &body);
  const auto headers_at = clock_.SteadyNow();
  // Only the HEADERS go first: a client that sends its body later must not gain time.
  const uint8_t* data = nullptr;
  std::string bytes;
  for (ssize_t n; (n = nghttp2_session_mem_send(client_.session, &data)) > 0;) {
    bytes.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  ASSERT_TRUE(conn_->Receive(bytes.substr(0, bytes.size() - 13)).ok());  // All but the DATA frame.
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(conn_->Receive(bytes.substr(bytes.size() - 13)).ok());
  ASSERT_EQ(requests.count(id), 1u);
  EXPECT_EQ(requests[id].second->received, headers_at);
}

TEST_F(Http2ConnectionTest, TrailersFollowTheBodyOrStandAlone) {
  const int32_t ok = client_.Request("GET", "/ok");
  const int32_t err = client_.Request("GET", "/err");
  ASSERT_TRUE(Exchange().ok());
  api::HttpResponse with_body;
  with_body.body = "msg";
  with_body.trailers.Set("grpc-status", "0");
  conn_->Respond(ok, std::move(with_body));
  api::HttpResponse trailers_only;
  trailers_only.headers.Set("content-type", "application/grpc");
  trailers_only.trailers.Set("grpc-status", "3");
  trailers_only.trailers.Set("grpc-message", "bad");
  conn_->Respond(err, std::move(trailers_only));
  ASSERT_TRUE(Exchange().ok());
  EXPECT_EQ(client_.responses[ok].body, "msg");
  EXPECT_EQ(client_.responses[ok].trailers.at("grpc-status"), "0");
  EXPECT_EQ(client_.responses[err].headers.at("grpc-status"), "3");  // In the only HEADERS.
  EXPECT_EQ(client_.responses[err].headers.at("grpc-message"), "bad");
  EXPECT_TRUE(client_.responses[err].body.empty());
}

TEST_F(Http2ConnectionTest, ABodyOverTheLimitIsAnsweredWithoutAHandler) {
  std::string plain(5000, 'a'), grpc(5000, 'b');
  const int32_t a = client_.Request("POST", "/x", {}, &plain);
  const int32_t b = client_.Request("POST", "/x", {{"content-type", "application/grpc"}}, &grpc);
  ASSERT_TRUE(Exchange().ok());
  EXPECT_TRUE(requests.empty());
  EXPECT_EQ(client_.responses[a].headers.at(":status"), "413");
  EXPECT_EQ(client_.responses[b].headers.at("grpc-status"), "8");  // RESOURCE_EXHAUSTED.
}

TEST_F(Http2ConnectionTest, AHeaderListOverTheLimitIs431) {
  Make({.max_header_list_bytes = 1000});
  const int32_t id = client_.Request("GET", "/x", {{"x-big", std::string(2000, 'h')}});
  ASSERT_TRUE(Exchange().ok());
  EXPECT_TRUE(requests.empty());
  EXPECT_EQ(client_.responses[id].headers.at(":status"), "431");
}

TEST_F(Http2ConnectionTest, AResetStreamCancelsItsRequest) {
  const int32_t id = client_.Request("GET", "/slow");
  ASSERT_TRUE(Exchange().ok());
  ASSERT_EQ(conn_->pending_requests(), 1u);
  nghttp2_submit_rst_stream(client_.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  ASSERT_TRUE(Exchange().ok());
  EXPECT_TRUE(requests[id].second->cancelled.load());
  EXPECT_EQ(conn_->pending_requests(), 0u);
  conn_->Respond(id, {});  // The handler finishing late is harmless.
  ASSERT_TRUE(Exchange().ok());
}

TEST_F(Http2ConnectionTest, ABadPrefaceIsAProtocolError) {
  EXPECT_EQ(conn_->Receive("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n").code(), StatusCode::kInvalidArgument);
}

TEST_F(Http2ConnectionTest, AFrameOverTheMaximumSizeEndsTheConnection) {
  ASSERT_TRUE(Exchange().ok());  // Preface and SETTINGS both ways.
  std::string frame = {0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01};  // 64 KiB HEADERS.
  frame += std::string(65536, '\0');
  const Status s = conn_->Receive(frame);
  (void)conn_->Output();  // The GOAWAY.
  EXPECT_TRUE(!s.ok() || conn_->Finished());
}

TEST_F(Http2ConnectionTest, ShutdownLetsOpenStreamsFinish) {
  const int32_t id = client_.Request("GET", "/x");
  ASSERT_TRUE(Exchange().ok());
  conn_->Shutdown();
  ASSERT_TRUE(Exchange().ok());
  EXPECT_FALSE(conn_->Finished());
  conn_->Respond(id, {});
  ASSERT_TRUE(Exchange().ok());
  EXPECT_EQ(client_.responses[id].headers.at(":status"), "200");
  EXPECT_TRUE(conn_->Finished());
}

}  // namespace
}  // namespace flamedb::server

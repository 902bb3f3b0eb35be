#include "api/connect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "testing/fake_clock.h"
#include "types/v1/types.pb.h"

namespace flamedb::api {
namespace {

using ::testing::HasSubstr;
using types::v1::LabelNamesRequest;
using types::v1::LabelNamesResponse;

// Echoes the request's matchers as names; fails on a matcher "fail"; advances the clock by the
// number in a matcher "sleep:<ms>" to simulate slow work.
class ConnectTest : public ::testing::Test {
 protected:
  ConnectTest() {
    method_ = MakeUnaryMethod<LabelNamesRequest, LabelNamesResponse>(
        "/types.v1.Test/Echo", false,
        [this](RequestContext&, const LabelNamesRequest& req, LabelNamesResponse& resp) {
          for (const std::string& m : req.matchers()) {
            if (m == "fail") {
              return ResourceExhaustedError("too much");
            }
            if (m.rfind("sleep:", 0) == 0) {
              clock_.Advance(std::chrono::milliseconds(std::stoi(m.substr(6))));
            }
            resp.add_names(m);
          }
          resp.add_names("start=" + std::to_string(req.start()));
          return OkStatus();
        });
  }

  HttpResponse Call(std::string content_type, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.method = "POST";
    req.path = req.target = method_.path;
    if (!content_type.empty()) {
      req.headers.Add("Content-Type", std::move(content_type));
    }
    for (auto& [k, v] : headers) {
      req.headers.Add(k, v);
    }
    req.body = std::move(body);
    RequestContext ctx;
    return IsGrpcWeb(req) ? ServeGrpcWebUnary(method_, 1 << 20, req, ctx, clock_)
                          : ServeConnectUnary(method_, 1 << 20, req, ctx, clock_);
  }

  // A gRPC-Web frame: flags, 4-byte big-endian length, payload.
  static std::string Frame(uint8_t flags, const std::string& payload) {
    std::string out(1, static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
    }
    return out + payload;
  }

  // Splits a gRPC-Web response body into its message (if any) and its trailer text.
  static std::pair<std::string, std::string> Unframe(const std::string& body) {
    std::pair<std::string, std::string> out;
    for (size_t at = 0; at + 5 <= body.size();) {
      size_t n = 0;
      for (size_t i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(body[at + i]);
      (static_cast<uint8_t>(body[at]) & 0x80 ? out.second : out.first) = body.substr(at + 5, n);
      at += 5 + n;
    }
    return out;
  }

  static std::string ProtoRequest(std::vector<std::string> matchers) {
    LabelNamesRequest req;
    for (auto& m : matchers) {
      req.add_matchers(m);
    }
    req.set_start(42);
    return req.SerializeAsString();
  }

  UnaryMethod method_;
  testing::FakeClock clock_;
};

TEST_F(ConnectTest, ProtoInProtoOut) {
  HttpResponse resp = Call("application/proto", ProtoRequest({"a", "b"}));

  ASSERT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/proto");
  LabelNamesResponse out;
  ASSERT_TRUE(out.ParseFromString(resp.body));
  EXPECT_THAT(out.names(), ::testing::ElementsAre("a", "b", "start=42"));
}

TEST_F(ConnectTest, JsonInJsonOutAcceptsBothFieldSpellingsAndUnknownFields) {
  HttpResponse camel = Call("application/json; charset=utf-8",
                            R"({"matchers":["x"],"start":"7","someNewField":1})");
  HttpResponse snake = Call("Application/JSON", R"({"matchers":["y"],"start":8})");

  ASSERT_EQ(camel.status, 200) << camel.body;
  EXPECT_EQ(camel.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(camel.body, R"({"names":["x","start=7"]})");
  EXPECT_EQ(snake.body, R"({"names":["y","start=8"]})");
}

TEST_F(ConnectTest, EmptyBodiesAreTheEmptyMessage) {
  EXPECT_EQ(Call("application/json", "").body, R"({"names":["start=0"]})");
  EXPECT_EQ(Call("application/proto", "").status, 200);
}

TEST_F(ConnectTest, GzipRequestBodiesAreDecompressed) {
  HttpResponse resp = Call("application/proto", base::Gzip(ProtoRequest({"z"})),
                           {{"Content-Encoding", "gzip"}});

  ASSERT_EQ(resp.status, 200);
  LabelNamesResponse out;
  ASSERT_TRUE(out.ParseFromString(resp.body));
  EXPECT_EQ(out.names(0), "z");
}

struct ErrorCase {
  std::string name;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int http_status;
  std::string body_part;
};

TEST_F(ConnectTest, ClientMistakesGetTheRightStatusAndAMessage) {
  const ErrorCase cases[] = {
      {"no content type", "", "{}", {}, 415, "unsupported Content-Type"},
      {"x-protobuf", "application/x-protobuf", "", {}, 415, "application/proto or application/json"},
      {"text", "text/plain", "{}", {}, 415, "text/plain"},
      {"bad json", "application/json", "{\"matchers\":", {}, 400,
       "could not decode types.v1.LabelNamesRequest from the application/json body"},
      {"wrong json type", "application/json", "{\"start\":\"abc\"}", {}, 400, "invalid_argument"},
      {"bad proto", "application/proto", "\xff\xff\xff", {}, 400,
       "could not decode types.v1.LabelNamesRequest from the application/proto body"},
      {"not gzip", "application/proto", "plain", {{"Content-Encoding", "gzip"}}, 400,
       "not valid gzip"},
      {"brotli", "application/proto", "", {{"Content-Encoding", "br"}}, 400,
       "unsupported Content-Encoding \\\"br\\\""},
      {"gzip bomb", "application/proto", base::Gzip(std::string(4 << 20, '\0')),
       {{"Content-Encoding", "gzip"}}, 413, "exceeds the limit of 1048576 bytes"},
      {"bad timeout", "application/proto", "", {{"Connect-Timeout-Ms", "12a"}}, 400,
       "invalid Connect-Timeout-Ms"},
      {"long timeout", "application/proto", "", {{"Connect-Timeout-Ms", "12345678901"}}, 400,
       "invalid Connect-Timeout-Ms"},
      {"protocol version", "application/proto", "", {{"Connect-Protocol-Version", "2"}}, 400,
       "Connect-Protocol-Version"},
  };
  for (const ErrorCase& c : cases) {
    HttpResponse resp = Call(c.content_type, c.body, c.headers);
    EXPECT_EQ(resp.status, c.http_status) << c.name << ": " << resp.body;
    EXPECT_THAT(resp.body, HasSubstr(c.body_part)) << c.name;
    EXPECT_EQ(resp.headers.Get("Content-Type"), "application/json") << c.name;
  }
}

TEST_F(ConnectTest, HandlerErrorsUseTheConnectTable) {
  HttpResponse resp = Call("application/proto", ProtoRequest({"fail"}));

  EXPECT_EQ(resp.status, 429);
  EXPECT_EQ(resp.body, "{\"code\":\"resource_exhausted\",\"message\":\"too much\"}\n");
}

TEST_F(ConnectTest, SlowCallsPastConnectTimeoutAreDeadlineExceeded) {
  HttpResponse fast = Call("application/proto", ProtoRequest({"sleep:10"}),
                           {{"Connect-Timeout-Ms", "50"}});
  HttpResponse slow = Call("application/proto", ProtoRequest({"sleep:100"}),
                           {{"Connect-Timeout-Ms", "50"}});
  HttpResponse zero = Call("application/proto", ProtoRequest({}), {{"Connect-Timeout-Ms", "0"}});

  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(slow.status, 504);
  EXPECT_THAT(slow.body, HasSubstr("\"code\":\"deadline_exceeded\""));
  EXPECT_EQ(zero.status, 504);
}

TEST_F(ConnectTest, RegisteredRouteTakesOnlyPost) {
  Router router;
  AddConnectRoute(router, method_, clock_, 1000);

  const Route* route = router.Find("/types.v1.Test/Echo");

  ASSERT_NE(route, nullptr);
  EXPECT_THAT(route->methods, ::testing::ElementsAre("POST"));
  EXPECT_EQ(route->name, "types_v1_test_echo");
}

TEST_F(ConnectTest, GrpcWebCallsAnswerAMessageFrameAndATrailer) {
  HttpResponse resp = Call("application/grpc-web+proto", Frame(0, ProtoRequest({"a"})));

  ASSERT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/grpc-web+proto");
  auto [message, trailer] = Unframe(resp.body);
  LabelNamesResponse out;
  ASSERT_TRUE(out.ParseFromString(message));
  EXPECT_THAT(out.names(), ::testing::ElementsAre("a", "start=42"));
  EXPECT_EQ(trailer, "grpc-status: 0\r\ngrpc-message: \r\n");
}

TEST_F(ConnectTest, GrpcWebTakesJsonAndGzipFrames) {
  HttpResponse json = Call("application/grpc-web+json", Frame(0, R"({"matchers":["j"]})"));
  HttpResponse gz = Call("application/grpc-web", Frame(1, base::Gzip(ProtoRequest({"z"}))),
                         {{"grpc-encoding", "gzip"}});

  EXPECT_EQ(Unframe(json.body).first, R"({"names":["j","start=0"]})");
  LabelNamesResponse out;
  ASSERT_TRUE(out.ParseFromString(Unframe(gz.body).first));
  EXPECT_EQ(out.names(0), "z");
}

TEST_F(ConnectTest, GrpcWebErrorsTravelInTheTrailer) {
  struct Case {
    std::string name, body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string trailer_part;
  };
  const Case cases[] = {
      {"handler", Frame(0, ProtoRequest({"fail"})), {}, "grpc-status: 8\r\ngrpc-message: too much"},
      {"no frame", "ab", {}, "grpc-status: 3\r\ngrpc-message: gRPC-Web request body holds no"},
      {"short frame", Frame(0, "abcdef").substr(0, 8), {}, "exactly one message frame"},
      {"two frames", Frame(0, "") + Frame(0, ""), {}, "exactly one message frame"},
      {"bad proto", Frame(0, "\xff\xff"), {}, "grpc-status: 3\r\ngrpc-message: could not decode"},
      {"compressed, no encoding", Frame(1, "x"), {}, "grpc-status: 12"},
      {"not gzip", Frame(1, "x"), {{"grpc-encoding", "gzip"}}, "not valid gzip"},
      {"bad timeout", Frame(0, ""), {{"grpc-timeout", "5x"}}, "invalid grpc-timeout"},
      {"slow", Frame(0, ProtoRequest({"sleep:100"})), {{"grpc-timeout", "50m"}}, "grpc-status: 4"},
  };
  for (const Case& c : cases) {
    HttpResponse resp = Call("application/grpc-web+proto", c.body, c.headers);
    EXPECT_EQ(resp.status, 200) << c.name;
    auto [message, trailer] = Unframe(resp.body);
    EXPECT_EQ(message, "") << c.name;
    EXPECT_THAT(trailer, HasSubstr(c.trailer_part)) << c.name << ": " << trailer;
  }
  EXPECT_EQ(Call("application/grpc-web-text", "").status, 415);
}

TEST_F(ConnectTest, GrpcWebMessagesArePercentEncoded) {
  method_.call = [](RequestContext&, const google::protobuf::Message&, google::protobuf::Message&) {
    return InvalidArgumentError("100% bad\nline");
  };

  HttpResponse resp = Call("application/grpc-web", Frame(0, ""));

  EXPECT_THAT(Unframe(resp.body).second, HasSubstr("grpc-message: 100%25 bad%0Aline\r\n"));
}

}  // namespace
}  // namespace flamedb::api

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
    return ServeConnectUnary(method_, 1 << 20, req, ctx, clock_);
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

}  // namespace
}  // namespace flamedb::api

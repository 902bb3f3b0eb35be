#include "ctl/rpc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ctl {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::Contains;
using ::testing::Pair;

Result<ClientOptions> Options(std::vector<std::string> argv) {
  Result<Args> args = ParseArgs(argv, ClientFlags());
  if (!args.ok()) return args.status();
  return ClientOptionsFromArgs(*args);
}

TEST(RpcTest, CommonFlagsBecomeHeaders) {
  Result<ClientOptions> basic = Options({"--tenant-id", "t1", "--username", "Aladdin", "--password", "open sesame"});
  Result<ClientOptions> bearer = Options({"--token", "abc", "--protocol", "grpc-web"});

  ASSERT_THAT(basic, IsOk());
  EXPECT_THAT(CommonHeaders(*basic), Contains(Pair("X-Scope-OrgID", "t1")));
  EXPECT_THAT(CommonHeaders(*basic), Contains(Pair("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")));
  ASSERT_THAT(bearer, IsOk());
  EXPECT_EQ(bearer->protocol, Protocol::kGrpcWeb);
  EXPECT_THAT(CommonHeaders(*bearer), Contains(Pair("Authorization", "Bearer abc")));
  EXPECT_EQ(Options({})->target.port, "4040");
}

TEST(RpcTest, BadCommonFlagsAreUsageErrors) {
  EXPECT_THAT(Options({"--protocol", "grpc"}), StatusIs(StatusCode::kInvalidArgument, "want connect or grpc-web"));
  EXPECT_THAT(Options({"--password", "x"}), StatusIs(StatusCode::kInvalidArgument, "needs --username"));
  EXPECT_THAT(Options({"--timeout", "soon"}), StatusIs(StatusCode::kInvalidArgument, "--timeout"));
  EXPECT_THAT(Options({"--url", "https://x"}), StatusIs(StatusCode::kInvalidArgument, "--url"));
}

TEST(RpcTest, ServerErrorsKeepTheirCodeAndMessage) {
  EXPECT_THAT(ConnectError(400, R"({"code":"invalid_argument","message":"bad selector"})"),
              StatusIs(StatusCode::kInvalidArgument, "bad selector"));
  EXPECT_THAT(ConnectError(502, "<html>gateway</html>\nmore"),
              StatusIs(StatusCode::kUnavailable, "HTTP 502: <html>gateway</html>"));
  EXPECT_THAT(GrpcWebTrailerStatus("grpc-status: 5\r\ngrpc-message: no%20such%25\r\n"),
              StatusIs(StatusCode::kNotFound, "no such%"));
  EXPECT_THAT(GrpcWebTrailerStatus("Grpc-Status: 0\r\n"), IsOk());
  EXPECT_THAT(GrpcWebTrailerStatus("grpc-message: x\r\n"), StatusIs(StatusCode::kUnknown, "grpc-status"));
}

}  // namespace
}  // namespace flamedb::ctl

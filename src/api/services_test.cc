#include "api/services.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.pb.h"
#include "testing/fake_clock.h"
#include "version/v1/version.pb.h"

namespace flamedb::api {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HttpResponse CallJson(const UnaryMethod& method, std::string body) {
  HttpRequest req;
  req.method = "POST";
  req.headers.Add("Content-Type", "application/json");
  req.body = std::move(body);
  RequestContext ctx;
  testing::FakeClock clock;
  return ServeConnectUnary(method, 1000, req, ctx, clock);
}

TEST(VersionMethodTest, ReportsQuerierApiOneWhenServingQueries) {
  EXPECT_EQ(CallJson(VersionMethod(true), "{}").body, R"({"QuerierAPI":"1"})");
  EXPECT_EQ(CallJson(VersionMethod(false), "{}").body, "{}");
}

TEST(FeatureFlagsMethodTest, ListsPyroscopesFlagsWithWhatThisServerHas) {
  const std::string single = CallJson(FeatureFlagsMethod(false), "{}").body;
  const std::string cluster = CallJson(FeatureFlagsMethod(true), "{}").body;
  for (const char* name : {"v2StorageLayer", "pyroscopeRuler", "pyroscopeRulerFunctions", "utf8LabelNames"}) {
    EXPECT_NE(single.find(std::string("\"name\":\"") + name + "\""), std::string::npos) << single;
  }
  EXPECT_EQ(single.find("\"enabled\":true"), std::string::npos) << single;
  EXPECT_NE(cluster.find(R"({"name":"v2StorageLayer","enabled":true)"), std::string::npos) << cluster;
}

TEST(HealthCheckMethodTest, FollowsReadiness) {
  Status ready = UnavailableError("Starting: [ingester]");
  UnaryMethod method = HealthCheckMethod([&] { return ready; }, {"push.v1.PusherService"});

  EXPECT_EQ(CallJson(method, "{}").body, R"({"status":"NOT_SERVING"})");
  ready = OkStatus();
  EXPECT_EQ(CallJson(method, "{}").body, R"({"status":"SERVING"})");
  EXPECT_EQ(CallJson(method, R"({"service":"push.v1.PusherService"})").body,
            R"({"status":"SERVING"})");
  HttpResponse unknown = CallJson(method, R"({"service":"nope.v1.Nope"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, ::testing::HasSubstr("unknown service \\\"nope.v1.Nope\\\""));
}

TEST(ConnectServiceNamesTest, ListsServicesOfConnectPaths) {
  Router router;
  testing::FakeClock clock;
  AddConnectRoute(router, VersionMethod(true), clock, 1000);
  AddConnectRoute(router, HealthCheckMethod([] { return OkStatus(); }, {}), clock, 1000);
  router.Add({"GET"}, "/ready", {}, nullptr);
  router.Add({"GET"}, "/api/v1/status/config", {}, nullptr);

  EXPECT_THAT(ConnectServiceNames(router),
              ::testing::ElementsAre("grpc.health.v1.Health", "version.v1.Version"));
}

}  // namespace
}  // namespace flamedb::api

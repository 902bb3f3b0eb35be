#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "testing/fake_clock.h"

namespace flamedb::api {
namespace {

using ::testing::HasSubstr;

HttpResponse Ok(std::string body) {
  HttpResponse resp;
  resp.body = std::move(body);
  return resp;
}

HttpRequest Request(std::string method, std::string path) {
  HttpRequest req;
  req.method = std::move(method);
  req.path = path;
  req.target = std::move(path);
  return req;
}

class DispatcherTest : public ::testing::Test {
 protected:
  Dispatcher Make(bool multitenancy) {
    Router router;
    router.Add({"GET"}, "/hello", {}, [](HttpRequest&, RequestContext&) { return Ok("hi"); });
    router.Add({"GET"}, "/big", {.max_body_bytes = 10},
               [](HttpRequest&, RequestContext&) { return Ok(std::string(5000, 'z')); });
    router.Add({"GET", "POST"}, "/whoami", {.needs_tenant = true},
               [](HttpRequest&, RequestContext& ctx) { return Ok(ctx.tenant); });
    // Each dispatcher registers its metrics, so each gets its own registry.
    registries_.push_back(std::make_unique<base::MetricsRegistry>());
    return Dispatcher(std::move(router),
                      {.multitenancy_enabled = multitenancy, .max_body_bytes = 1000},
                      *registries_.back(), clock_);
  }

  HttpResponse Serve(Dispatcher& d, HttpRequest req) {
    RequestContext ctx;
    return d.Serve(req, ctx);
  }

  std::vector<std::unique_ptr<base::MetricsRegistry>> registries_;
  testing::FakeClock clock_;
};

TEST(RouteNameTest, DerivesLabelsFromPaths) {
  EXPECT_EQ(RouteName("/ready"), "ready");
  EXPECT_EQ(RouteName("/version.v1.Version/Version"), "version_v1_version_version");
  EXPECT_EQ(RouteName("/api/v1/status/buildinfo"), "api_v1_status_buildinfo");
  EXPECT_EQ(RouteName("/"), "root");
}

TEST_F(DispatcherTest, RoutesByExactPath) {
  Dispatcher d = Make(false);

  HttpResponse resp = Serve(d, Request("GET", "/hello"));

  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "hi");
}

TEST_F(DispatcherTest, UnknownPathIsNotFoundJson) {
  Dispatcher d = Make(false);

  HttpResponse resp = Serve(d, Request("GET", "/nope"));

  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.body, "{\"code\":\"not_found\",\"message\":\"no route for GET /nope\"}\n");
}

TEST_F(DispatcherTest, WrongMethodIs405WithAllow) {
  Dispatcher d = Make(false);

  HttpResponse resp = Serve(d, Request("DELETE", "/whoami"));

  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.headers.Get("Allow"), "GET, POST");
  EXPECT_THAT(resp.body, HasSubstr("method DELETE is not allowed on /whoami"));
}

TEST_F(DispatcherTest, TenantRoutesResolveTheTenant) {
  Dispatcher single = Make(false);
  Dispatcher multi = Make(true);
  HttpRequest with_header = Request("GET", "/whoami");
  with_header.headers.Add("X-Scope-OrgID", "acme");

  EXPECT_EQ(Serve(single, with_header).body, "anonymous");
  EXPECT_EQ(Serve(multi, with_header).body, "acme");
  HttpResponse missing = Serve(multi, Request("GET", "/whoami"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, "{\"code\":\"unauthenticated\",\"message\":\"no org id\"}\n");
  EXPECT_EQ(Serve(multi, Request("GET", "/hello")).status, 200);  // Public route.
}

TEST_F(DispatcherTest, BodyLimitsArePerRouteCappedByTheDefault) {
  Dispatcher d = Make(false);

  EXPECT_EQ(d.MaxBodyBytes("GET", "/big?x=1"), 10u);
  EXPECT_EQ(d.MaxBodyBytes("POST", "/hello"), 1000u);
  EXPECT_EQ(d.MaxBodyBytes("POST", "/unknown"), 1000u);
}

TEST_F(DispatcherTest, LargeResponsesAreGzippedWhenAccepted) {
  Dispatcher d = Make(false);
  HttpRequest gzip_ok = Request("GET", "/big");
  gzip_ok.headers.Add("Accept-Encoding", "deflate, gzip;q=0.5");
  HttpRequest refused = Request("GET", "/big");
  refused.headers.Add("Accept-Encoding", "gzip;q=0");

  HttpResponse compressed = Serve(d, gzip_ok);
  HttpResponse plain = Serve(d, refused);
  HttpResponse small = Serve(d, [&] {
    HttpRequest r = Request("GET", "/hello");
    r.headers.Add("Accept-Encoding", "gzip");
    return r;
  }());

  EXPECT_EQ(compressed.headers.Get("Content-Encoding"), "gzip");
  EXPECT_EQ(*base::GunzipCapped(compressed.body, 1 << 20), std::string(5000, 'z'));
  EXPECT_FALSE(plain.headers.Get("Content-Encoding").has_value());
  EXPECT_FALSE(small.headers.Get("Content-Encoding").has_value());
}

TEST_F(DispatcherTest, RequestsAreCountedByMethodRouteAndStatus) {
  Dispatcher d = Make(false);

  Serve(d, Request("GET", "/hello"));
  Serve(d, Request("GET", "/hello"));
  Serve(d, Request("BREW", "/nope"));
  d.RecordTransportError("POST", 431);

  const std::string text = registries_.back()->Render();
  EXPECT_THAT(text, HasSubstr("pyroscope_request_duration_seconds_count{method=\"GET\",route="
                              "\"hello\",status_code=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("pyroscope_request_duration_seconds_count{method=\"other\",route="
                              "\"other\",status_code=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pyroscope_request_duration_seconds_count{method=\"POST\",route="
                              "\"other\",status_code=\"431\"} 1\n"));
}

TEST(AcceptsGzipTest, ReadsCodingsAndQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("br, gzip, deflate"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.1"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzipx"));
  EXPECT_FALSE(AcceptsGzip(""));
}

}  // namespace
}  // namespace flamedb::api

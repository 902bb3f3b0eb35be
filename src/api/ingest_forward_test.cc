// A cluster's ingest routes: the distributor forwards /ingest and Push undecoded, by shard key,
// with its receipt time; the writer's internal routes run the push pipeline with that time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/ingest_routes.h"
#include "push/v1/push.pb.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::api {
namespace {

using ::testing::ElementsAre;

// Records what it is asked to forward; answers `answer` (or `error`).
class FakeForwarder final : public distributor::Forwarder {
 public:
  struct Call {
    std::string tenant, service, target, content_type, body;
    int64_t received_at_ns = 0;
  };
  Result<distributor::Forwarded> Forward(std::string_view tenant, std::string_view service,
                                         std::string_view target, std::string_view content_type,
                                         const std::string& body, int64_t received_at_ns) override {
    calls.push_back({std::string(tenant), std::string(service), std::string(target),
                     std::string(content_type), body, received_at_ns});
    if (!error.ok()) return error;
    return answer;
  }
  std::vector<Call> calls;
  distributor::Forwarded answer;
  Status error;
};

class CaptureSink final : public distributor::ProfileSink {
 public:
  Status Append(std::string_view, std::vector<distributor::SeriesProfile> profiles) override {
    for (distributor::SeriesProfile& p : profiles) times.push_back(p.profile->time_nanos);
    return OkStatus();
  }
  std::vector<int64_t> times;
};

class IngestForwardTest : public ::testing::Test {
 protected:
  IngestForwardTest()
      : overrides_(distributor::Limits{}, ""),
        distributor_(sink_, overrides_, clock_, logger_, metrics_) {
    IngestRouteDeps deps{.distributor = &distributor_, .overrides = &overrides_,
                         .debug_ingested = nullptr, .clock = &clock_, .max_body_bytes = 1 << 20,
                         .forwarder = &forwarder_};
    AddIngestRoutes(router_, deps);
    AddWriterIngestRoutes(router_, deps);
  }

  HttpResponse Post(const std::string& target, std::string content_type, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.method = "POST";
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    req.query = target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
    req.headers.Set("Content-Type", std::move(content_type));
    for (auto& [k, v] : headers) req.headers.Set(k, std::move(v));
    req.body = std::move(body);
    RequestContext ctx;
    ctx.tenant = "t1";
    return router_.Find(req.path)->handler(req, ctx);
  }

  static int64_t Nanos(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  CaptureSink sink_;
  distributor::Overrides overrides_;
  distributor::Distributor distributor_;
  FakeForwarder forwarder_;
  Router router_;
};

TEST_F(IngestForwardTest, IngestGoesAsReceivedKeyedByItsServiceAndTheWritersAnswerIsTheClients) {
  forwarder_.answer = {400, "application/json", R"({"code":"invalid_argument","message":"x"})",
                       StatusCode::kInvalidArgument, "x"};
  const HttpResponse resp =
      Post("/ingest?name=app.cpu%7Bservice_name%3Dapi%2Cpod%3Da%7D&from=1", "text/plain",
           "main;work 1\n");

  ASSERT_EQ(forwarder_.calls.size(), 1u);
  const FakeForwarder::Call& c = forwarder_.calls[0];
  EXPECT_EQ(c.tenant, "t1");
  EXPECT_EQ(c.service, "api");  // The name's service_name label wins over the app name.
  EXPECT_EQ(c.target, std::string(distributor::kWriterIngestPath) +
                          "?name=app.cpu%7Bservice_name%3Dapi%2Cpod%3Da%7D&from=1");
  EXPECT_EQ(c.content_type, "text/plain");
  EXPECT_EQ(c.body, "main;work 1\n");
  EXPECT_EQ(c.received_at_ns, Nanos(clock_.Now()));
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.body, R"({"code":"invalid_argument","message":"x"})");
  EXPECT_TRUE(sink_.times.empty());  // Nothing decoded or stored here.
}

TEST_F(IngestForwardTest, PushIsSplitByServiceAndTheFirstErrorIsThePushes) {
  push::v1::PushRequest req;
  for (const char* service : {"a", "b", "a"}) {
    push::v1::RawProfileSeries* s = req.add_series();
    types::v1::LabelPair* l = s->add_labels();
    l->set_name("service_name");
    l->set_value(service);
    s->add_samples()->set_raw_profile(std::string("profile of ") + service);
  }
  forwarder_.answer = {429, "application/json", "", StatusCode::kResourceExhausted, "too much"};
  const HttpResponse resp = Post("/push.v1.PusherService/Push", "application/proto",
                                 req.SerializeAsString());

  std::vector<std::string> sent;
  for (const FakeForwarder::Call& c : forwarder_.calls) {
    push::v1::PushRequest part;
    ASSERT_TRUE(part.ParseFromString(c.body));
    EXPECT_EQ(c.target, distributor::kWriterPushRequestPath);
    sent.push_back(c.service + ":" + std::to_string(part.series_size()));
  }
  EXPECT_THAT(sent, ElementsAre("a:2", "b:1"));
  EXPECT_EQ(resp.status, 429);
  EXPECT_THAT(resp.body, ::testing::HasSubstr("too much"));
}

// The writer takes the distributor's receipt time as the push's now: a profile without a time
// gets it, whenever the writer runs the push.
TEST_F(IngestForwardTest, TheWriterStampsTheDistributorsReceiptTime) {
  const auto received = clock_.Now() - std::chrono::seconds(3);
  const HttpResponse resp =
      Post(std::string(distributor::kWriterIngestPath) + "?name=app.cpu", "text/plain",
           "main;work 1\n",
           {{std::string(distributor::kReceivedAtHeader), std::to_string(Nanos(received))}});

  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_THAT(sink_.times, ElementsAre(Nanos(received)));
  EXPECT_TRUE(forwarder_.calls.empty());  // The writer's routes never forward.
}

}  // namespace
}  // namespace flamedb::api

// What remote buckets do that a local directory does not: wrong credentials, servers that hang
// or fail for a while. Real servers where they can show it (Swift, Azurite); a scripted HTTP
// server for the failures a real one cannot be told to make.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <thread>

#include "objstore/memory_bucket.h"
#include "objstore/remote_test_env.h"
#include "testing/status_matchers.h"

namespace flamedb::objstore {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Answers each request with the next scripted status and body (status 0: read the request and
// never answer), on a loopback port, one connection at a time, closing each after its answer.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::deque<std::pair<int, std::string>> script)
      : script_(std::move(script)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
    for (int c : hung_) close(c);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      ++requests_;
      const auto [status, body] = script_.empty() ? std::pair(500, std::string()) : script_.front();
      if (!script_.empty()) script_.pop_front();
      if (status == 0) {
        hung_.push_back(c);  // Never answered; closed when the server goes.
        continue;
      }
      const std::string response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                   body;
      (void)!write(c, response.data(), response.size());
      close(c);
    }
  }

  std::deque<std::pair<int, std::string>> script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::vector<int> hung_;
  std::thread thread_;
};

constexpr char kEmptyListing[] =
    "<?xml version=\"1.0\"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";

S3Options ScriptedOptions(const ScriptedServer& server) {
  return {.endpoint = server.endpoint(),
          .bucket_name = "scripted",
          .access_key_id = "id",
          .secret_access_key = "secret",
          .http = {.request_timeout = std::chrono::milliseconds(300),
                   .max_retries = 2,
                   .backoff_base = std::chrono::milliseconds(1)}};
}

TEST(S3BucketTest, AWrongSecretIsRefusedAtOpenNamingTheBackendBucketAnd403) {
  S3Options options = SwiftOptions();
  options.secret_access_key = "not-the-secret";

  auto bucket = S3Bucket::Open(options);

  EXPECT_THAT(bucket, StatusIs(StatusCode::kPermissionDenied, "HTTP 403 SignatureDoesNotMatch"));
  EXPECT_THAT(std::string(bucket.status().message()),
              AllOf(HasSubstr("s3 bucket \"flamedb-test\" at " + SwiftServer().endpoint()),
                    HasSubstr("list (startup check)")));
}

TEST(S3BucketTest, AMissingBucketIsRefusedAtOpen) {
  S3Options options = SwiftOptions();
  options.bucket_name = "no-such-bucket";

  EXPECT_THAT(S3Bucket::Open(options),
              StatusIs(StatusCode::kNotFound, "NoSuchBucket"));
}

TEST(AzureBucketTest, AWrongKeyIsRefusedAtOpenNamingTheBackendContainerAnd403) {
  AzureOptions options = AzuriteOptions();
  options.account_key = "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXk=";

  auto bucket = AzureBucket::Open(options);

  EXPECT_THAT(bucket, StatusIs(StatusCode::kPermissionDenied, "HTTP 403"));
  EXPECT_THAT(std::string(bucket.status().message()),
              HasSubstr("azure container \"flamedb-test\" at " + AzuriteServer().endpoint()));
}

TEST(AzureBucketTest, AMissingContainerIsCreated) {
  AzureOptions options = AzuriteOptions();
  options.container_name = "made-by-open";

  ASSERT_THAT(AzureBucket::Open(options), IsOk());
  auto again = AzureBucket::Open(options);  // Already there: fine too.

  ASSERT_THAT(again, IsOk());
  EXPECT_THAT((*again)->Put("k", "v"), IsOk());
  EXPECT_EQ(*(*again)->Get("k"), "v");
}

TEST(S3BucketTest, AServerThatHangsTimesOutAndTheCallFailsCleanly) {
  ScriptedServer server({{200, kEmptyListing}, {0, ""}, {0, ""}, {0, ""}});
  auto bucket = S3Bucket::Open(ScriptedOptions(server));
  ASSERT_THAT(bucket, IsOk());

  EXPECT_THAT((*bucket)->Get("k"),
              StatusIs(StatusCode::kDeadlineExceeded, "after 3 attempts"));
  EXPECT_EQ(server.requests(), 4);
}

TEST(S3BucketTest, TwoServiceUnavailableAnswersAreRetriedUntilTheThirdSucceeds) {
  ScriptedServer server({{200, kEmptyListing}, {503, "<Error><Code>SlowDown</Code></Error>"},
                         {503, ""}, {200, "the object"}});
  auto bucket = S3Bucket::Open(ScriptedOptions(server));
  ASSERT_THAT(bucket, IsOk());

  Result<std::string> got = (*bucket)->Get("k");

  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, "the object");
  EXPECT_EQ(server.requests(), 4);
}

TEST(S3BucketTest, RetriesStopAtTheLimitAndNameTheLastAnswer) {
  ScriptedServer server({{200, kEmptyListing}, {503, ""}, {500, ""},
                         {503, "<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>"}});
  auto bucket = S3Bucket::Open(ScriptedOptions(server));
  ASSERT_THAT(bucket, IsOk());

  EXPECT_THAT((*bucket)->Put("k", "v"),
              StatusIs(StatusCode::kUnavailable, "HTTP 503 SlowDown (Reduce) after 3 attempts"));
}

TEST(S3BucketTest, ClientErrorsAreNeverRetried) {
  ScriptedServer server({{200, kEmptyListing}, {400, "<Error><Code>InvalidRequest</Code></Error>"},
                         {200, "not reached"}});
  auto bucket = S3Bucket::Open(ScriptedOptions(server));
  ASSERT_THAT(bucket, IsOk());

  EXPECT_THAT((*bucket)->Get("k"), StatusIs(StatusCode::kInvalidArgument, "InvalidRequest"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(S3BucketTest, AnEndpointThatRefusesConnectionsIsUnavailableAtOpen) {
  S3Options options = SwiftOptions();
  options.endpoint = "127.0.0.1:" + std::to_string(testing::FreePorts(1));
  options.http.max_retries = 1;

  EXPECT_THAT(S3Bucket::Open(options), StatusIs(StatusCode::kUnavailable, "s3 bucket"));
}

TEST(S3BucketTest, OptionsAreCheckedBeforeAnyRequest) {
  S3Options options = SwiftOptions();
  options.secret_access_key = "";
  EXPECT_THAT(S3Bucket::Open(options), StatusIs(StatusCode::kInvalidArgument, "credentials"));
  options = SwiftOptions();
  options.part_size = 1 << 20;
  EXPECT_THAT(S3Bucket::Open(options), StatusIs(StatusCode::kInvalidArgument, "5 MiB"));
  EXPECT_THAT(ParseBucketLookup("sideways"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(*ParseBucketLookup("virtual-hosted"), BucketLookup::kVirtualHosted);
}

TEST(S3BucketTest, PathStyleIsChosenForAnIpOrLocalhostAndVirtualHostedOtherwise) {
  ScriptedServer server({{200, kEmptyListing}});
  auto path = S3Bucket::Open(ScriptedOptions(server));
  ASSERT_THAT(path, IsOk());
  EXPECT_THAT((*path)->Describe(), HasSubstr(server.endpoint() + "/scripted"));

  S3Options options = ScriptedOptions(server);
  options.endpoint = "localhost:1";  // Nothing listens: only the URL it tried matters.
  options.bucket_lookup = BucketLookup::kVirtualHosted;
  options.http.max_retries = 0;
  EXPECT_THAT(S3Bucket::Open(options), StatusIs(StatusCode::kUnavailable, "https://scripted.localhost:1"));
}

TEST(PrefixedBucketTest, ThePrefixMustBeSimpleSegments) {
  EXPECT_THAT(WithPrefix(std::make_unique<MemoryBucket>(), "a//b"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(WithPrefix(std::make_unique<MemoryBucket>(), "../x"),
              StatusIs(StatusCode::kInvalidArgument));
  auto bucket = WithPrefix(std::make_unique<MemoryBucket>(), "team-a/prod_1/");
  ASSERT_THAT(bucket, IsOk());
  EXPECT_THAT((*bucket)->Describe(), HasSubstr("\"team-a/prod_1/\""));
}

}  // namespace
}  // namespace flamedb::objstore

// The real S3 (Swift's s3api) and Azure (Azurite) servers that objstore_test runs against,
// started once on first use and stopped at exit, and buckets on them for each test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "objstore/azure_bucket.h"
#include "objstore/prefixed_bucket.h"
#include "objstore/s3_bucket.h"
#include "testing/test_servers.h"

namespace flamedb::objstore {

// Swift's tempauth user and Azurite's well-known development account.
inline constexpr char kSwiftAccessKey[] = "test:tester";
inline constexpr char kSwiftSecret[] = "testing";
inline constexpr char kAzuriteAccount[] = "devstoreaccount1";
inline constexpr char kAzuriteKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
inline constexpr char kTestBucket[] = "flamedb-test";

// Small pieces, so that the contract's objects of a few MiB take the multipart path and its
// listings span several pages.
inline HttpOptions TestHttpOptions() {
  return {.request_timeout = std::chrono::seconds(30), .backoff_base = std::chrono::milliseconds(20)};
}

inline const testing::TestServer& SwiftServer() {
  static const std::unique_ptr<testing::TestServer> server = [] {
    auto s = testing::TestServer::Start("swift-s3", 5);
    if (!s.ok()) {
      ADD_FAILURE() << s.status().ToString();
      std::abort();
    }
    // Swift's backends may still be warming up: retry 5xx for up to ~10 s.
    S3Options options{.endpoint = (*s)->endpoint(),
                      .bucket_name = kTestBucket,
                      .access_key_id = kSwiftAccessKey,
                      .secret_access_key = kSwiftSecret,
                      .http = {.max_retries = 40,
                               .backoff_base = std::chrono::milliseconds(250),
                               .backoff_max = std::chrono::milliseconds(250)}};
    if (Status created = S3Bucket::Create(options); !created.ok()) {
      ADD_FAILURE() << "cannot create the test bucket: " << created.ToString();
      s->reset();  // Stops the server.
      std::abort();
    }
    return std::move(*s);
  }();
  return *server;
}

inline const testing::TestServer& AzuriteServer() {
  static const std::unique_ptr<testing::TestServer> server = [] {
    auto s = testing::TestServer::Start("azurite", 1);
    if (!s.ok()) {
      ADD_FAILURE() << s.status().ToString();
      std::abort();
    }
    return std::move(*s);
  }();
  return *server;
}

inline S3Options SwiftOptions() {
  return {.endpoint = SwiftServer().endpoint(),
          .bucket_name = kTestBucket,
          .access_key_id = kSwiftAccessKey,
          .secret_access_key = kSwiftSecret,
          .multipart_threshold = 5 << 20,
          .part_size = 5 << 20,
          .list_page_size = 2,
          .http = TestHttpOptions()};
}

inline AzureOptions AzuriteOptions() {
  return {.account_name = kAzuriteAccount,
          .account_key = kAzuriteKey,
          .container_name = kTestBucket,
          .endpoint = AzuriteServer().endpoint(),
          .upload_threshold = 2 << 20,
          .block_size = 1 << 20,
          .list_page_size = 2,
          .http = TestHttpOptions()};
}

// A prefix no other test uses, so tests on one server see only their own objects.
inline std::string UniqueTestPrefix() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

inline std::unique_ptr<Bucket> OrDie(Result<std::unique_ptr<Bucket>> b) {
  if (!b.ok()) {
    ADD_FAILURE() << b.status().ToString();
    std::abort();
  }
  return std::move(*b);
}

inline std::unique_ptr<Bucket> NewS3TestBucket() {
  auto s3 = S3Bucket::Open(SwiftOptions());
  if (!s3.ok()) return OrDie(s3.status());
  return OrDie(WithPrefix(std::move(*s3), UniqueTestPrefix()));
}

inline std::unique_ptr<Bucket> NewAzureTestBucket() {
  auto azure = AzureBucket::Open(AzuriteOptions());
  if (!azure.ok()) return OrDie(azure.status());
  return OrDie(WithPrefix(std::move(*azure), UniqueTestPrefix()));
}

}  // namespace flamedb::objstore

// -storage.backend=s3: a bucket of any S3-compatible store (AWS S3, GCS's XML API with HMAC
// keys, Swift's s3api, MinIO, Ceph RGW), over libcurl with its own AWS Signature V4 signer.
// Flags and layout: docs/storage.md.
#pragma once

#include <memory>
#include <string>

#include "objstore/bucket.h"
#include "objstore/http_client.h"

namespace flamedb::objstore {

enum class BucketLookup { kAuto, kVirtualHosted, kPath };

// Errors: kInvalidArgument naming `text` (not auto, virtual-hosted or path).
Result<BucketLookup> ParseBucketLookup(std::string_view text);

struct S3Options {
  // host[:port], as Pyroscope's -storage.s3.endpoint ("s3.us-east-1.amazonaws.com"). A
  // "http://" or "https://" in front is accepted and then decides the scheme.
  std::string endpoint;
  std::string bucket_name;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  bool insecure = false;  // http instead of https.
  // kAuto: path style for an IP address or localhost, virtual-hosted otherwise.
  BucketLookup bucket_lookup = BucketLookup::kAuto;
  // Objects larger than this are uploaded in parts of `part_size` (S3 wants 5 MiB to 5 GiB
  // per part, 10,000 parts at most).
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;
  int list_page_size = 1000;  // ListObjectsV2's max-keys.
  HttpOptions http;
};

// Thread-safe.
class S3Bucket final : public Bucket {
 public:
  // Checks the options and then the bucket itself (one listing), so that a wrong endpoint,
  // secret or bucket name stops the server at start with a message that names it.
  // Errors: kInvalidArgument (options), kPermissionDenied (403), kNotFound (no such bucket),
  // kUnavailable/kDeadlineExceeded (cannot reach the endpoint).
  static Result<std::unique_ptr<S3Bucket>> Open(const S3Options& options);
  // Creates the bucket `options` names (for tests and benchmarks: the server never creates
  // one). A bucket that exists and is ours is fine. Errors: as Open.
  static Status Create(const S3Options& options);
  ~S3Bucket() override;

  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutFile(std::string_view key, const std::string& path) override;
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(const std::vector<std::string>& keys) override;
  Result<bool> Exists(std::string_view key) override;
  std::string Describe() const override;

 private:
  explicit S3Bucket(const S3Options& options);
  // Checks the options and sets the bucket's URL, without a request.
  static Result<std::unique_ptr<S3Bucket>> Make(const S3Options& options);
  // `key` (already validated) or the bucket itself when empty; `query` canonical.
  std::string Url(std::string_view key, std::string_view query) const;
  Result<HttpResponse> Send(std::string method, std::string_view key, std::string_view query,
                            std::string_view body, const FileBody* file = nullptr,
                            std::vector<std::pair<std::string, std::string>> headers = {});
  // A Status for a response that is not a success: the operation, key, HTTP status and S3's
  // error code.
  Status Failure(std::string_view op, std::string_view key, const HttpResponse& r) const;
  Result<uint64_t> Size(std::string_view key);
  // Uploads `size` bytes (from memory or file) in parts.
  Status PutMultipart(std::string_view key, std::string_view data, const std::string* path,
                      uint64_t size);

  const S3Options options_;
  std::string base_url_;  // scheme://host[:port][/bucket]
  std::string sigv4_;
  HttpClient http_;
};

}  // namespace flamedb::objstore

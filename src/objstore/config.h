// The -storage.* flags and YAML keys that choose and configure the bucket, as Pyroscope names
// them, shared by the server and flamectl; and the bucket they describe.
#pragma once

#include <memory>
#include <string>

#include "base/duration.h"
#include "base/flags.h"
#include "base/metrics.h"
#include "base/status.h"
#include "objstore/bucket.h"

namespace flamedb::objstore {

struct BucketConfig {
  std::string backend;  // filesystem, s3, azure (gcs and swift: through s3; docs/storage.md).
  std::string prefix;
  std::string filesystem_dir;
  std::string s3_endpoint;
  std::string s3_bucket_name;
  std::string s3_region;
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  bool s3_insecure = false;
  std::string s3_bucket_lookup_type;
  std::string azure_account_name;
  std::string azure_account_key;
  std::string azure_container_name;
  std::string azure_endpoint_suffix;
  std::string azure_endpoint;
  base::Duration http_connect_timeout{};
  base::Duration http_request_timeout{};
  int64_t http_max_retries = 0;
  int64_t cache_memory_bytes = 0;
  std::string cache_dir;
  int64_t cache_max_bytes = 0;

  // Registers -storage.backend, -storage.prefix, -storage.filesystem.dir, -storage.s3.*,
  // -storage.azure.* and -storage.http.*, with their YAML keys under storage:.
  void Register(base::FlagSet& flags);
  // Errors: kInvalidArgument naming the flag.
  Status Validate() const;
  bool remote() const { return backend != "filesystem"; }
};

// Opens the bucket `config` names and checks that it can be reached (remote backends make one
// request); remote buckets read ranges through the caches of -storage.cache-*. S3 credentials
// and region left empty are taken from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION.
// `metrics` (may be null) gets the caches' series. Errors: the backend's Open errors.
Result<std::unique_ptr<Bucket>> OpenBucket(const BucketConfig& config,
                                           base::MetricsRegistry* metrics = nullptr);

}  // namespace flamedb::objstore

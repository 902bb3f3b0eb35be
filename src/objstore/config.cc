#include "objstore/config.h"

#include <cstdlib>

#include "objstore/azure_bucket.h"
#include "objstore/caching_bucket.h"
#include "objstore/filesystem_bucket.h"
#include "objstore/prefixed_bucket.h"
#include "objstore/s3_bucket.h"

namespace flamedb::objstore {
namespace {

std::string EnvOr(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* env = std::getenv(name);
  return env != nullptr ? env : "";
}

void RegisterS3(BucketConfig& c, base::FlagSet& f) {
  f.String("storage.s3.endpoint", &c.s3_endpoint, "",
           "S3 endpoint, host[:port] (s3.us-east-1.amazonaws.com, storage.googleapis.com).",
           {.yaml = "storage.s3.endpoint"});
  f.String("storage.s3.bucket-name", &c.s3_bucket_name, "", "S3 bucket name.",
           {.yaml = "storage.s3.bucket_name"});
  f.String("storage.s3.region", &c.s3_region, "",
           "S3 region for request signing; empty: AWS_REGION, else us-east-1.",
           {.yaml = "storage.s3.region"});
  f.String("storage.s3.access-key-id", &c.s3_access_key_id, "",
           "S3 access key ID; empty: AWS_ACCESS_KEY_ID.", {.yaml = "storage.s3.access_key_id"});
  f.String("storage.s3.secret-access-key", &c.s3_secret_access_key, "",
           "S3 secret access key; empty: AWS_SECRET_ACCESS_KEY.",
           {.yaml = "storage.s3.secret_access_key", .secret = true});
  f.Bool("storage.s3.insecure", &c.s3_insecure, false, "Talk to the S3 endpoint over plain HTTP.",
         {.yaml = "storage.s3.insecure"});
  f.String("storage.s3.bucket-lookup-type", &c.s3_bucket_lookup_type, "auto",
           "How the bucket is addressed: auto (path style for an IP address or localhost, "
           "virtual-hosted otherwise), virtual-hosted, path.",
           {.yaml = "storage.s3.bucket_lookup_type"});
}

void RegisterAzure(BucketConfig& c, base::FlagSet& f) {
  f.String("storage.azure.account-name", &c.azure_account_name, "", "Azure storage account name.",
           {.yaml = "storage.azure.account_name"});
  f.String("storage.azure.account-key", &c.azure_account_key, "",
           "Azure storage account key (base64).",
           {.yaml = "storage.azure.account_key", .secret = true});
  f.String("storage.azure.container-name", &c.azure_container_name, "",
           "Azure Blob container (created if missing).", {.yaml = "storage.azure.container_name"});
  f.String("storage.azure.endpoint-suffix", &c.azure_endpoint_suffix, "core.windows.net",
           "Azure endpoint suffix: the service is https://<account>.blob.<suffix>.",
           {.yaml = "storage.azure.endpoint_suffix"});
  f.String("storage.azure.endpoint", &c.azure_endpoint, "",
           "Full Azure Blob service URL, for Azurite or a private endpoint "
           "(http://127.0.0.1:10000/devstoreaccount1); overrides the endpoint suffix.",
           {.yaml = "storage.azure.endpoint"});
}

}  // namespace

void BucketConfig::Register(base::FlagSet& f) {
  f.String("storage.backend", &backend, "filesystem",
           "Object storage backend for blocks: filesystem, s3, azure (GCS and Swift through "
           "their S3 APIs: s3).",
           {.yaml = "storage.backend"});
  f.String("storage.prefix", &prefix, "",
           "Prefix of every object in the bucket (letters, digits, '-', '_', '/').",
           {.yaml = "storage.prefix"});
  f.String("storage.filesystem.dir", &filesystem_dir, "./data",
           "Directory of the filesystem storage backend (created if missing).",
           {.yaml = "storage.filesystem.dir"});
  RegisterS3(*this, f);
  RegisterAzure(*this, f);
  f.Duration("storage.http.connect-timeout", &http_connect_timeout, std::chrono::seconds(5),
             "Remote backends: longest time to open a connection.",
             {.yaml = "storage.http.connect_timeout"});
  f.Duration("storage.http.request-timeout", &http_request_timeout, std::chrono::seconds(60),
             "Remote backends: longest time for one request (uploads go in parts of at most "
             "16 MiB).",
             {.yaml = "storage.http.request_timeout"});
  f.Int("storage.http.max-retries", &http_max_retries, 5,
        "Remote backends: retries of a request that failed in transit or got 5xx or 429, with "
        "exponential backoff and jitter (never for other 4xx).",
        {.yaml = "storage.http.max_retries"});
  f.Int("storage.cache-memory-bytes", &cache_memory_bytes, int64_t{256} << 20,
        "Remote backends: bytes of block ranges (index, symbols, row chunks) kept in memory "
        "after a query downloaded them; 0 keeps none.",
        {.yaml = "storage.cache_memory_bytes"});
  f.String("storage.cache-dir", &cache_dir, "",
           "Remote backends: directory of a disk cache of downloaded block ranges, kept across "
           "restarts; empty: no disk cache.",
           {.yaml = "storage.cache_dir"});
  f.Int("storage.cache-max-bytes", &cache_max_bytes, int64_t{10} << 30,
        "Remote backends: largest size of the disk cache (least recently used ranges leave "
        "first).",
        {.yaml = "storage.cache_max_bytes"});
}

Status BucketConfig::Validate() const {
  if (backend != "filesystem" && backend != "s3" && backend != "azure") {
    return InvalidArgumentError("unsupported -storage.backend \"" + backend +
                                "\": want filesystem, s3 or azure (GCS and Swift: s3, see "
                                "docs/storage.md)");
  }
  FLAMEDB_RETURN_IF_ERROR(ValidatePrefix(prefix));
  if (backend == "filesystem" && filesystem_dir.empty()) {
    return InvalidArgumentError("flag -storage.filesystem.dir is empty");
  }
  if (backend == "s3") {
    if (s3_endpoint.empty()) return InvalidArgumentError("-storage.backend=s3 needs -storage.s3.endpoint");
    if (s3_bucket_name.empty()) {
      return InvalidArgumentError("-storage.backend=s3 needs -storage.s3.bucket-name");
    }
    FLAMEDB_RETURN_IF_ERROR(
        ParseBucketLookup(s3_bucket_lookup_type).status().WithContext("-storage.s3.bucket-lookup-type"));
  }
  if (backend == "azure" && (azure_account_name.empty() || azure_container_name.empty())) {
    return InvalidArgumentError(
        "-storage.backend=azure needs -storage.azure.account-name and "
        "-storage.azure.container-name");
  }
  if (http_connect_timeout <= base::Duration::zero() ||
      http_request_timeout <= base::Duration::zero() || http_max_retries < 0 ||
      cache_memory_bytes < 0 || cache_max_bytes < 0) {
    return InvalidArgumentError(
        "-storage.http.connect-timeout and -storage.http.request-timeout must be positive and "
        "-storage.http.max-retries and the cache sizes not negative");
  }
  return OkStatus();
}

Result<std::unique_ptr<Bucket>> OpenBucket(const BucketConfig& c, base::MetricsRegistry* metrics) {
  FLAMEDB_RETURN_IF_ERROR(c.Validate());
  const HttpOptions http{.connect_timeout = c.http_connect_timeout,
                         .request_timeout = c.http_request_timeout,
                         .max_retries = static_cast<int>(c.http_max_retries)};
  std::unique_ptr<Bucket> bucket;
  if (c.backend == "filesystem") {
    FLAMEDB_ASSIGN_OR_RETURN(bucket, FilesystemBucket::Open(c.filesystem_dir));
  } else if (c.backend == "s3") {
    S3Options o{.endpoint = c.s3_endpoint,
                .bucket_name = c.s3_bucket_name,
                .region = EnvOr(c.s3_region, "AWS_REGION"),
                .access_key_id = EnvOr(c.s3_access_key_id, "AWS_ACCESS_KEY_ID"),
                .secret_access_key = EnvOr(c.s3_secret_access_key, "AWS_SECRET_ACCESS_KEY"),
                .insecure = c.s3_insecure,
                .bucket_lookup = *ParseBucketLookup(c.s3_bucket_lookup_type),  // Validated.
                .http = http};
    if (o.region.empty()) o.region = "us-east-1";
    FLAMEDB_ASSIGN_OR_RETURN(bucket, S3Bucket::Open(o));
  } else {
    FLAMEDB_ASSIGN_OR_RETURN(bucket, AzureBucket::Open({.account_name = c.azure_account_name,
                                                        .account_key = c.azure_account_key,
                                                        .container_name = c.azure_container_name,
                                                        .endpoint_suffix = c.azure_endpoint_suffix,
                                                        .endpoint = c.azure_endpoint,
                                                        .http = http}));
  }
  FLAMEDB_ASSIGN_OR_RETURN(bucket, WithPrefix(std::move(bucket), c.prefix));
  if (!c.remote() || (c.cache_memory_bytes == 0 && c.cache_dir.empty())) return bucket;
  FLAMEDB_ASSIGN_OR_RETURN(bucket, CachingBucket::Open(std::move(bucket),
                             {.memory_bytes = static_cast<uint64_t>(c.cache_memory_bytes),
                              .disk_dir = c.cache_dir,
                              .disk_bytes = static_cast<uint64_t>(c.cache_max_bytes)},
                             metrics));
  return bucket;
}

}  // namespace flamedb::objstore

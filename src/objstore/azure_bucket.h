// -storage.backend=azure: a container of Azure Blob Storage (or Azurite), block blobs with
// SharedKey authentication, over the same libcurl client as S3. Flags: docs/storage.md.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "objstore/bucket.h"
#include "objstore/http_client.h"

namespace flamedb::objstore {

struct AzureOptions {
  std::string account_name;
  std::string account_key;  // Base64, as the portal shows it.
  std::string container_name;
  std::string endpoint_suffix = "core.windows.net";
  // A full service URL ("http://127.0.0.1:10000/devstoreaccount1" for Azurite, or a private
  // endpoint); empty: https://<account>.blob.<endpoint_suffix>.
  std::string endpoint;
  // Objects larger than this go up as blocks of `block_size` (Put Block, Put Block List).
  uint64_t upload_threshold = 64ull << 20;
  uint64_t block_size = 16ull << 20;
  int list_page_size = 5000;  // List Blobs' maxresults.
  HttpOptions http;
};

// Thread-safe.
class AzureBucket final : public Bucket {
 public:
  // Checks the options, then creates the container if it is missing (which also proves the
  // key). Errors: kInvalidArgument (options), kPermissionDenied (403: wrong key),
  // kUnavailable/kDeadlineExceeded (cannot reach the endpoint).
  static Result<std::unique_ptr<AzureBucket>> Open(const AzureOptions& options);
  ~AzureBucket() override;

  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutFile(std::string_view key, const std::string& path) override;
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override;
  Status Delete(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;
  std::string Describe() const override;

 private:
  using Params = std::vector<std::pair<std::string, std::string>>;  // Names and raw values.
  AzureBucket(const AzureOptions& options, std::string key);
  // A request to blob `key` (the container itself when empty) with query `params`.
  Result<HttpResponse> Send(std::string method, std::string_view key, const Params& params,
                            std::string_view body, const FileBody* file = nullptr,
                            std::vector<std::pair<std::string, std::string>> headers = {});
  // Adds x-ms-date and the SharedKey Authorization header.
  void Sign(HttpRequest& request, const std::string& resource, const Params& params,
            uint64_t content_length) const;
  Status Failure(std::string_view op, std::string_view key, const HttpResponse& r) const;
  Result<uint64_t> Size(std::string_view key);
  Status PutBlocks(std::string_view key, std::string_view data, const std::string* path,
                   uint64_t size);

  const AzureOptions options_;
  const std::string key_;  // The account key, decoded.
  std::string service_url_;
  std::string service_path_;  // The URL's path part ("/devstoreaccount1" or "").
  HttpClient http_;
};

}  // namespace flamedb::objstore

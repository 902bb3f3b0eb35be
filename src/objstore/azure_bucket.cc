#include "objstore/azure_bucket.h"


#include <algorithm>
#include <cctype>
#include <ctime>

#include "objstore/crypto.h"
#include "objstore/remote_error.h"
#include "objstore/xml.h"

namespace flamedb::objstore {
namespace {

constexpr char kVersion[] = "2021-12-02";

std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Block ids must all have the same length: base64 of a fixed-width number.
std::string BlockId(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "block-%010llu", static_cast<unsigned long long>(n));
  return Base64Encode(buf);
}

}  // namespace

AzureBucket::AzureBucket(const AzureOptions& options, std::string key)
    : options_(options), key_(std::move(key)), http_(options.http) {}

AzureBucket::~AzureBucket() = default;

Result<std::unique_ptr<AzureBucket>> AzureBucket::Open(const AzureOptions& options) {
  if (options.account_name.empty()) {
    return InvalidArgumentError("-storage.azure.account-name is empty");
  }
  if (options.container_name.size() < 3) {
    return InvalidArgumentError("-storage.azure.container-name \"" + options.container_name +
                                "\" is not a container name (3 to 63 characters)");
  }
  Result<std::string> key = Base64Decode(options.account_key);
  if (!key.ok() || key->empty()) {
    return InvalidArgumentError("-storage.azure.account-key is not a base64 account key");
  }
  auto bucket = std::unique_ptr<AzureBucket>(new AzureBucket(options, std::move(*key)));
  std::string url = options.endpoint.empty()
                        ? "https://" + options.account_name + ".blob." + options.endpoint_suffix
                        : options.endpoint;
  while (url.ends_with('/')) url.pop_back();
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return InvalidArgumentError("-storage.azure.endpoint \"" + options.endpoint +
                                "\" is not a URL (http:// or https://)");
  }
  const size_t path = url.find('/', scheme_end + 3);
  bucket->service_path_ = path == std::string::npos ? "" : url.substr(path);
  bucket->service_url_ = std::move(url);
  Result<HttpResponse> r = bucket->Send("PUT", "", {{"restype", "container"}}, "");
  if (!r.ok()) return r.status().WithContext(bucket->Describe());
  if (r->status != 201 && r->status != 409) return bucket->Failure("create container", "", *r);
  return bucket;
}

std::string AzureBucket::Describe() const {
  return "azure container \"" + options_.container_name + "\" at " + service_url_;
}

Status AzureBucket::Failure(std::string_view op, std::string_view key,
                            const HttpResponse& r) const {
  return RemoteError(Describe(), op, key, r);
}

void AzureBucket::Sign(HttpRequest& request, const std::string& resource, const Params& params,
                       uint64_t content_length) const {
  request.headers.emplace_back("x-ms-date", HttpDate());
  std::vector<std::pair<std::string, std::string>> ms;
  std::string content_type;
  for (const auto& [name, value] : request.headers) {
    const std::string lower = Lower(name);
    if (lower.starts_with("x-ms-")) ms.emplace_back(lower, value);
    if (lower == "content-type") content_type = value;
  }
  std::sort(ms.begin(), ms.end());
  std::string to_sign = request.method + "\n\n\n" +
                        (content_length > 0 ? std::to_string(content_length) : "") + "\n\n" +
                        content_type + "\n\n\n\n\n\n\n";
  for (const auto& [name, value] : ms) to_sign += name + ":" + value + "\n";
  to_sign += "/" + options_.account_name + resource;
  Params sorted = params;
  for (auto& [name, value] : sorted) name = Lower(name);
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [name, value] : sorted) to_sign += "\n" + name + ":" + value;
  request.headers.emplace_back(
      "Authorization",
      "SharedKey " + options_.account_name + ":" + Base64Encode(HmacSha256(key_, to_sign)));
}

Result<HttpResponse> AzureBucket::Send(std::string method, std::string_view key,
                                       const Params& params, std::string_view body,
                                       const FileBody* file,
                                       std::vector<std::pair<std::string, std::string>> headers) {
  const std::string path = "/" + UriEncode(options_.container_name, false) +
                           (key.empty() ? "" : "/" + UriEncode(key, /*keep_slash=*/true));
  HttpRequest request;
  request.method = std::move(method);
  request.url = service_url_ + path;
  for (size_t i = 0; i < params.size(); ++i) {
    request.url += (i == 0 ? "?" : "&") + params[i].first + "=" + UriEncode(params[i].second, false);
  }
  request.headers = std::move(headers);
  request.headers.emplace_back("x-ms-version", kVersion);
  const uint64_t length = file != nullptr ? file->length : body.size();
  if (request.method == "PUT") request.headers.emplace_back("Content-Type", "application/octet-stream");
  request.body = body;
  request.file = file;
  const std::string resource = service_path_ + path;
  return http_.Send(request, [&](HttpRequest& r) { Sign(r, resource, params, length); });
}

Result<std::string> AzureBucket::Get(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("GET", key, {}, ""));
  if (r.status != 200) return Failure("get", key, r);
  return std::move(r.body);
}

Result<uint64_t> AzureBucket::Size(std::string_view key) {
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("HEAD", key, {}, ""));
  if (r.status != 200) return Failure("head", key, r);
  return std::strtoull(r.headers["content-length"].c_str(), nullptr, 10);
}

Result<std::string> AzureBucket::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  return RangeGet(
      Describe(), key, offset, length,
      [&](std::string range) {
        return Send("GET", key, {}, "", nullptr, {{"x-ms-range", std::move(range)}});
      },
      [&] { return Size(key); });
}

Status AzureBucket::Put(std::string_view key, std::string_view data) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  if (data.size() > options_.upload_threshold) return PutBlocks(key, data, nullptr, data.size());
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r,
                           Send("PUT", key, {}, data, nullptr, {{"x-ms-blob-type", "BlockBlob"}}));
  return r.status == 201 ? OkStatus() : Failure("put", key, r);
}

Status AzureBucket::PutFile(std::string_view key, const std::string& path) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(const uint64_t size, LocalFileSize(path));
  if (size > options_.upload_threshold) return PutBlocks(key, "", &path, size);
  const FileBody file{.path = path, .offset = 0, .length = size};
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r,
                           Send("PUT", key, {}, "", &file, {{"x-ms-blob-type", "BlockBlob"}}));
  return r.status == 201 ? OkStatus() : Failure("put", key, r);
}

Status AzureBucket::PutBlocks(std::string_view key, std::string_view data,
                              const std::string* path, uint64_t size) {
  // Uncommitted blocks are dropped by the service after a week; nothing to abort.
  std::string list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (uint64_t offset = 0, n = 0; offset < size; offset += options_.block_size, ++n) {
    const uint64_t len = std::min(options_.block_size, size - offset);
    const FileBody file{.path = path != nullptr ? *path : "", .offset = offset, .length = len};
    const std::string id = BlockId(n);
    FLAMEDB_ASSIGN_OR_RETURN(
        HttpResponse r, Send("PUT", key, {{"blockid", id}, {"comp", "block"}},
                             path != nullptr ? std::string_view() : data.substr(offset, len),
                             path != nullptr ? &file : nullptr));
    if (r.status != 201) return Failure("put block " + std::to_string(n), key, r);
    list += "<Latest>" + id + "</Latest>";
  }
  list += "</BlockList>";
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("PUT", key, {{"comp", "blocklist"}}, list));
  return r.status == 201 ? OkStatus() : Failure("put block list", key, r);
}

Result<ListResult> AzureBucket::List(std::string_view prefix, std::string_view delimiter) {
  ListResult out;
  std::string marker;
  do {
    Params params = {{"restype", "container"}, {"comp", "list"},
                     {"maxresults", std::to_string(options_.list_page_size)}};
    if (!prefix.empty()) params.emplace_back("prefix", std::string(prefix));
    if (!delimiter.empty()) params.emplace_back("delimiter", std::string(delimiter));
    if (!marker.empty()) params.emplace_back("marker", marker);
    FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("GET", "", params, ""));
    if (r.status != 200) return Failure("list", prefix, r);
    Result<XmlElement> xml = ParseXml(r.body);
    if (!xml.ok()) return xml.status().WithContext(Describe() + ": list");
    if (const XmlElement* blobs = xml->Child("Blobs"); blobs != nullptr) {
      for (const XmlElement& e : blobs->children) {
        if (e.name == "Blob") {
          const XmlElement* props = e.Child("Properties");
          const std::string size = props != nullptr ? props->ChildText("Content-Length") : "0";
          out.objects.push_back(
              {.key = e.ChildText("Name"), .size = std::strtoull(size.c_str(), nullptr, 10)});
        } else if (e.name == "BlobPrefix") {
          out.prefixes.push_back(e.ChildText("Name"));
        }
      }
    }
    marker = xml->ChildText("NextMarker");
  } while (!marker.empty());
  std::sort(out.objects.begin(), out.objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  std::sort(out.prefixes.begin(), out.prefixes.end());
  return out;
}

Status AzureBucket::Delete(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("DELETE", key, {}, ""));
  if (r.status == 202 || r.status == 200 || r.status == 404) return OkStatus();
  return Failure("delete", key, r);
}

Result<bool> AzureBucket::Exists(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("HEAD", key, {}, ""));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return Failure("head", key, r);
}

}  // namespace flamedb::objstore

#include "objstore/s3_bucket.h"

#include <arpa/inet.h>

#include <algorithm>

#include "objstore/crypto.h"
#include "objstore/remote_error.h"
#include "objstore/xml.h"

namespace flamedb::objstore {
namespace {

bool IsIpOrLocalhost(std::string_view host) {
  if (host.starts_with('[')) return true;  // [IPv6]:port
  host = host.substr(0, host.find(':'));
  in_addr addr{};
  return host == "localhost" || inet_pton(AF_INET, std::string(host).c_str(), &addr) == 1;
}

}  // namespace

Result<BucketLookup> ParseBucketLookup(std::string_view text) {
  if (text == "auto") return BucketLookup::kAuto;
  if (text == "virtual-hosted") return BucketLookup::kVirtualHosted;
  if (text == "path") return BucketLookup::kPath;
  return InvalidArgumentError("bucket lookup type \"" + std::string(text) +
                              "\" is not one of auto, virtual-hosted, path");
}

S3Bucket::S3Bucket(const S3Options& options) : options_(options), http_(options.http) {}

S3Bucket::~S3Bucket() = default;

Status S3Bucket::Create(const S3Options& options) {
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<S3Bucket> bucket, Make(options));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, bucket->Send("PUT", "", "", ""));
  if (r.status == 200 || RemoteErrorCode(r).starts_with("BucketAlreadyOwnedByYou")) {
    return OkStatus();
  }
  return bucket->Failure("create bucket", "", r);
}

Result<std::unique_ptr<S3Bucket>> S3Bucket::Make(const S3Options& options) {
  if (options.endpoint.empty()) return InvalidArgumentError("-storage.s3.endpoint is empty");
  if (options.bucket_name.size() < 3 || options.bucket_name.find('/') != std::string::npos) {
    return InvalidArgumentError("-storage.s3.bucket-name \"" + options.bucket_name +
                                "\" is not a bucket name (3 to 63 characters, no '/')");
  }
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return InvalidArgumentError(
        "S3 credentials are missing: set -storage.s3.access-key-id and "
        "-storage.s3.secret-access-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); "
        "instance roles and anonymous access are not supported");
  }
  if (options.part_size < (5ull << 20) || options.multipart_threshold < options.part_size) {
    return InvalidArgumentError("S3 part size must be at least 5 MiB and at most the threshold");
  }
  auto bucket = std::unique_ptr<S3Bucket>(new S3Bucket(options));
  std::string host = options.endpoint;
  std::string scheme = options.insecure ? "http" : "https";
  for (const std::string_view s : {"http", "https"}) {
    const std::string prefix = std::string(s) + "://";
    if (host.starts_with(prefix)) {
      scheme = s;
      host = host.substr(prefix.size());
    }
  }
  while (host.ends_with('/')) host.pop_back();
  const bool path_style =
      options.bucket_lookup == BucketLookup::kPath ||
      (options.bucket_lookup == BucketLookup::kAuto && IsIpOrLocalhost(host));
  bucket->base_url_ = path_style ? scheme + "://" + host + "/" + options.bucket_name
                                 : scheme + "://" + options.bucket_name + "." + host;
  bucket->sigv4_ = "aws:amz:" + options.region + ":s3";
  return bucket;
}

Result<std::unique_ptr<S3Bucket>> S3Bucket::Open(const S3Options& options) {
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<S3Bucket> bucket, Make(options));
  Result<HttpResponse> r = bucket->Send("GET", "", "list-type=2&max-keys=1", "");
  if (!r.ok()) return r.status().WithContext(bucket->Describe());
  if (r->status != 200) return bucket->Failure("list (startup check)", "", *r);
  return bucket;
}

std::string S3Bucket::Describe() const {
  return "s3 bucket \"" + options_.bucket_name + "\" at " + base_url_;
}

std::string S3Bucket::Url(std::string_view key, std::string_view query) const {
  std::string url = base_url_ + "/" + UriEncode(key, /*keep_slash=*/true);
  if (key.empty() && base_url_.find('/', base_url_.find("://") + 3) != std::string::npos) {
    url.pop_back();  // Path style: the bucket is "/bucket", not "/bucket/".
  }
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

Result<HttpResponse> S3Bucket::Send(std::string method, std::string_view key,
                                    std::string_view query, std::string_view body,
                                    const FileBody* file,
                                    std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = Url(key, query);
  request.headers = std::move(headers);
  // curl's signer needs it present; the payload is covered by TLS or Content-MD5, as the AWS
  // SDKs do for streamed uploads.
  request.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  request.body = body;
  request.file = file;
  request.aws_sigv4 = sigv4_;
  request.username = options_.access_key_id;
  request.password = options_.secret_access_key;
  return http_.Send(request);
}

Status S3Bucket::Failure(std::string_view op, std::string_view key, const HttpResponse& r) const {
  return RemoteError(Describe(), op, key, r);
}

Result<std::string> S3Bucket::Get(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("GET", key, "", ""));
  if (r.status != 200) return Failure("get", key, r);
  return std::move(r.body);
}

Result<uint64_t> S3Bucket::Size(std::string_view key) {
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("HEAD", key, "", ""));
  if (r.status != 200) return Failure("head", key, r);
  return std::strtoull(r.headers["content-length"].c_str(), nullptr, 10);
}

Result<std::string> S3Bucket::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  return RangeGet(
      Describe(), key, offset, length,
      [&](std::string range) {
        return Send("GET", key, "", "", nullptr, {{"Range", std::move(range)}});
      },
      [&] { return Size(key); });
}

Status S3Bucket::Put(std::string_view key, std::string_view data) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  if (data.size() > options_.multipart_threshold) {
    return PutMultipart(key, data, nullptr, data.size());
  }
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("PUT", key, "", data));
  return r.status == 200 ? OkStatus() : Failure("put", key, r);
}

Status S3Bucket::PutFile(std::string_view key, const std::string& path) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(const uint64_t size, LocalFileSize(path));
  if (size > options_.multipart_threshold) return PutMultipart(key, "", &path, size);
  const FileBody file{.path = path, .offset = 0, .length = size};
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("PUT", key, "", "", &file));
  return r.status == 200 ? OkStatus() : Failure("put", key, r);
}

Status S3Bucket::PutMultipart(std::string_view key, std::string_view data,
                              const std::string* path, uint64_t size) {
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse init, Send("POST", key, "uploads=", ""));
  if (init.status != 200) return Failure("multipart upload start", key, init);
  FLAMEDB_ASSIGN_OR_RETURN(XmlElement started, ParseXml(init.body));
  const std::string upload_id = started.ChildText("UploadId");
  if (upload_id.empty()) {
    return InternalError(Describe() + ": multipart upload start of \"" + std::string(key) +
                         "\" returned no UploadId");
  }
  const std::string id_param = "uploadId=" + UriEncode(upload_id, false);
  std::string complete = "<CompleteMultipartUpload>";
  Status failed;
  for (uint64_t offset = 0, part = 1; offset < size && failed.ok(); offset += options_.part_size,
                ++part) {
    const uint64_t n = std::min(options_.part_size, size - offset);
    const FileBody file{.path = path != nullptr ? *path : "", .offset = offset, .length = n};
    Result<HttpResponse> r =
        Send("PUT", key, "partNumber=" + std::to_string(part) + "&" + id_param,
             path != nullptr ? std::string_view() : data.substr(offset, n),
             path != nullptr ? &file : nullptr);
    if (!r.ok()) {
      failed = r.status();
    } else if (r->status != 200) {
      failed = Failure("upload of part " + std::to_string(part), key, *r);
    } else {
      complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" +
                  XmlEscape(r->headers["etag"]) + "</ETag></Part>";
    }
  }
  if (failed.ok()) {
    complete += "</CompleteMultipartUpload>";
    Result<HttpResponse> r = Send("POST", key, id_param, complete);
    // S3 may answer 200 with an <Error> body when completing fails late.
    if (!r.ok()) {
      failed = r.status();
    } else if (r->status != 200 || !RemoteErrorCode(*r).empty()) {
      failed = Failure("multipart upload completion", key, *r);
    } else {
      return OkStatus();
    }
  }
  (void)Send("DELETE", key, id_param, "");  // Abort: the parts stop costing storage.
  return failed;
}

Result<ListResult> S3Bucket::List(std::string_view prefix, std::string_view delimiter) {
  ListResult out;
  std::string token;
  do {
    // Parameters in canonical order (sorted by name), as the signer needs.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + UriEncode(token, false) + "&";
    if (!delimiter.empty()) query += "delimiter=" + UriEncode(delimiter, false) + "&";
    query += "list-type=2&max-keys=" + std::to_string(options_.list_page_size);
    if (!prefix.empty()) query += "&prefix=" + UriEncode(prefix, false);
    FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("GET", "", query, ""));
    if (r.status != 200) return Failure("list", prefix, r);
    Result<XmlElement> xml = ParseXml(r.body);
    if (!xml.ok()) return xml.status().WithContext(Describe() + ": list");
    for (const XmlElement& e : xml->children) {
      if (e.name == "Contents") {
        out.objects.push_back({.key = e.ChildText("Key"),
                               .size = std::strtoull(e.ChildText("Size").c_str(), nullptr, 10)});
      } else if (e.name == "CommonPrefixes") {
        out.prefixes.push_back(e.ChildText("Prefix"));
      }
    }
    token = xml->ChildText("IsTruncated") == "true" ? xml->ChildText("NextContinuationToken") : "";
  } while (!token.empty());
  std::sort(out.objects.begin(), out.objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  std::sort(out.prefixes.begin(), out.prefixes.end());
  return out;
}

Status S3Bucket::Delete(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("DELETE", key, "", ""));
  if (r.status == 204 || r.status == 200 || r.status == 404) return OkStatus();
  return Failure("delete", key, r);
}

Status S3Bucket::DeleteMany(const std::vector<std::string>& keys) {
  constexpr size_t kPerRequest = 1000;  // S3's limit.
  for (size_t start = 0; start < keys.size(); start += kPerRequest) {
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (size_t i = start; i < std::min(keys.size(), start + kPerRequest); ++i) {
      FLAMEDB_RETURN_IF_ERROR(ValidateKey(keys[i]));
      body += "<Object><Key>" + XmlEscape(keys[i]) + "</Key></Object>";
    }
    body += "</Delete>";
    FLAMEDB_ASSIGN_OR_RETURN(
        HttpResponse r, Send("POST", "", "delete=", body, nullptr,
                             {{"Content-MD5", Base64Encode(Md5(body))},
                              {"Content-Type", "application/xml"}}));
    if (r.status != 200) return Failure("batch delete", "", r);
    FLAMEDB_ASSIGN_OR_RETURN(XmlElement result, ParseXml(r.body));
    if (const XmlElement* error = result.Child("Error"); error != nullptr) {
      return UnavailableError(Describe() + ": batch delete of \"" + error->ChildText("Key") +
                              "\": " + error->ChildText("Code") + " " +
                              error->ChildText("Message"));
    }
  }
  return OkStatus();
}

Result<bool> S3Bucket::Exists(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  FLAMEDB_ASSIGN_OR_RETURN(HttpResponse r, Send("HEAD", key, "", ""));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return Failure("head", key, r);
}

}  // namespace flamedb::objstore

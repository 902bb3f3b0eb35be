#include "ingester/writer_client.h"

#include <map>

#include <nlohmann/json.hpp>

#include "ingester/record.h"
#include "base/strings.h"
#include "objstore/http_client.h"
#include "ring/placement.h"

namespace flamedb::ingester {
namespace {

// A writer's HTTP answer as a status: what the Connect error body says is not needed here,
// only its class.
Status FromHttp(long status, const std::string& body) {
  const std::string what = "segment-writer answered " + std::to_string(status) + ": " + body;
  if (status == 429) return ResourceExhaustedError(what);
  if (status >= 400 && status < 500) return InvalidArgumentError(what);
  return UnavailableError(what);
}

}  // namespace

WriterClient::WriterClient(WriterClientOptions options, base::Logger& logger,
                           base::MetricsRegistry& metrics)
    : options_(options),
      logger_(logger),
      http_(std::make_unique<objstore::HttpClient>(objstore::HttpOptions{
          .connect_timeout = std::min<base::Duration>(options.timeout, std::chrono::seconds(1)),
          .request_timeout = options.timeout,
          .max_retries = 0,  // The next candidate instead.
          .max_idle_connections = 64})),
      sent_(metrics.AddCounter("flamedb_distributor_segment_writes_total",
                               "Shard parts of pushes acknowledged by a segment-writer.")),
      retried_(metrics.AddCounter(
          "flamedb_distributor_segment_write_retries_total",
          "Shard parts sent to the next candidate writer after one failed or timed out.")),
      failed_(metrics.AddCounter("flamedb_distributor_segment_write_failures_total",
                                 "Shard parts that no segment-writer took.")) {}

WriterClient::~WriterClient() = default;

Status WriterClient::Append(std::string_view tenant,
                            std::vector<distributor::SeriesProfile> profiles) {
  std::map<uint32_t, std::vector<distributor::SeriesProfile>> parts;
  for (distributor::SeriesProfile& p : profiles) {
    const std::string_view service = p.labels.Get("service_name").value_or("");
    parts[ring::ShardOf(tenant, service, options_.shards)].push_back(std::move(p));
  }
  for (const auto& [shard, part] : parts) {
    FLAMEDB_ASSIGN_OR_RETURN(objstore::HttpResponse r,
                             SendShard(shard, tenant, kWriterPushPath, "application/octet-stream",
                                       EncodeRecord(tenant, part)));
    if (r.status != 200) return FromHttp(r.status, r.body);
  }
  return OkStatus();
}

Result<distributor::Forwarded> WriterClient::Forward(std::string_view tenant,
                                                     std::string_view service,
                                                     std::string_view target,
                                                     std::string_view content_type,
                                                     const std::string& body,
                                                     int64_t received_at_ns) {
  FLAMEDB_ASSIGN_OR_RETURN(
      objstore::HttpResponse r,
      SendShard(ring::ShardOf(tenant, service, options_.shards), tenant, target, content_type,
                body, received_at_ns));
  distributor::Forwarded out{static_cast<int>(r.status), "", std::move(r.body), StatusCode::kOk,
                             ""};
  if (auto it = r.headers.find("content-type"); it != r.headers.end()) {
    out.content_type = it->second;
  }
  if (out.http_status != 200) {
    const auto code = r.headers.find(base::AsciiLowercase(distributor::kWriterCodeHeader));
    out.code = code != r.headers.end() ? static_cast<StatusCode>(std::atoi(code->second.c_str()))
                                       : FromHttp(r.status, "").code();
    // The writer's error body is {"code": ..., "message": ...} (api/errors.h).
    const nlohmann::json doc = nlohmann::json::parse(out.body, nullptr, false);
    out.message = doc.is_object() && doc.contains("message") && doc["message"].is_string()
                      ? doc["message"].get<std::string>()
                      : out.body;
  }
  return out;
}

Result<objstore::HttpResponse> WriterClient::SendShard(uint32_t shard, std::string_view tenant,
                                                       std::string_view target,
                                                       std::string_view content_type,
                                                       const std::string& body,
                                                       int64_t received_at_ns) {
  const ring::Membership* membership = membership_.load();
  if (membership == nullptr) return UnavailableError("the distributor has not joined the cluster yet");
  const std::vector<ring::Member> writers = membership->Members("segment-writer");
  Status last = UnavailableError("no segment-writer is registered in the cluster");
  int tried = 0;
  for (const ring::Member* writer : ring::Candidates(shard, writers)) {
    if (tried++ > 0) retried_.Inc();
    objstore::HttpRequest request;
    request.method = "POST";
    request.url = writer->addr + std::string(target);
    request.headers = {{std::string(kShardHeader), std::to_string(shard)},
                       {"X-Scope-OrgID", std::string(tenant)},
                       {"Content-Type", std::string(content_type)}};
    if (received_at_ns != 0) {
      request.headers.push_back(
          {std::string(distributor::kReceivedAtHeader), std::to_string(received_at_ns)});
    }
    request.body = body;
    Result<objstore::HttpResponse> response = http_->Send(request);
    if (!response.ok()) {
      last = response.status().WithContext("segment-writer " + writer->id);
      continue;
    }
    if (response->status < 500) {  // Taken, or the client's own error: not for another writer.
      if (response->status == 200) sent_.Inc();
      return response;
    }
    last = FromHttp(response->status, response->body).WithContext("segment-writer " + writer->id);
  }
  failed_.Inc();
  logger_.Warn("no segment-writer took a shard's part of a push", "shard", shard, "tried", tried,
               "err", last);
  return UnavailableError("no segment-writer took shard " + std::to_string(shard) + " (" +
                          std::to_string(tried) + " tried): " + std::string(last.message()));
}

}  // namespace flamedb::ingester

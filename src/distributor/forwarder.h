// How a cluster's distributor hands a push on without decoding it: the request goes as
// received to the segment-writer that owns its shard, and the writer runs the one push pipeline
// (decoding, validation, normalization, the delta, the split by sample labels) on it. Decoding
// once, on the writer, instead of on both sides, is most of what a profile costs in a cluster
// (docs/performance.md, "CPU per acknowledged profile").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flamedb::distributor {

// The segment-writer's internal routes for forwarded requests: /ingest's query and body as
// received, and a binary push.v1.PushRequest of one shard's series.
inline constexpr std::string_view kWriterIngestPath = "/internal/segment-writer/ingest";
inline constexpr std::string_view kWriterPushRequestPath = "/internal/segment-writer/push-request";
// On a writer's error answer to a forwarded PushRequest: its StatusCode, as a number.
inline constexpr std::string_view kWriterCodeHeader = "X-Flamedb-Code";
// On a forwarded request: when the distributor received it, in Unix nanoseconds. The writer
// takes it as the push's "now" (Distributor::Push), so a push stored again by the next writer
// after a failure makes the same rows.
inline constexpr std::string_view kReceivedAtHeader = "X-Flamedb-Received-At";

// A writer's answer: success, or the client's own error (4xx) as the writer rendered it.
struct Forwarded {
  int http_status = 200;
  std::string content_type;
  std::string body;
  StatusCode code = StatusCode::kOk;  // The writer's code for a 4xx.
  std::string message;                // And its message.
};

// Thread-safe.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // Sends `body` to `target` (an internal path, with its query) of the segment-writer that owns
  // the shard of (tenant, service), and to the next candidate when that one cannot be reached,
  // times out or answers 5xx. Errors: kUnavailable when no writer took it.
  // `received_at_ns` goes along in kReceivedAtHeader.
  virtual Result<Forwarded> Forward(std::string_view tenant, std::string_view service,
                                    std::string_view target, std::string_view content_type,
                                    const std::string& body, int64_t received_at_ns) = 0;
};

}  // namespace flamedb::distributor

// The ingest endpoints: POST /ingest and /pyroscope/ingest (every legacy format),
// push.v1.PusherService/Push (Connect), and GET /debug/ingested (what was accepted, while the
// recording sink stands in for storage).
#pragma once

#include "api/router.h"
#include "base/clock.h"
#include "distributor/distributor.h"
#include "distributor/forwarder.h"
#include <functional>

namespace flamedb::api {

struct IngestRouteDeps {
  distributor::Distributor* distributor = nullptr;
  const distributor::Overrides* overrides = nullptr;
  // The JSON of GET /debug/ingested for a tenant; empty: no such route.
  std::function<Result<std::string>(std::string_view tenant)> debug_ingested;
  const base::Clock* clock = nullptr;
  uint64_t max_body_bytes = 0;  // The server's body limit; caps Push bodies after gunzip.
  // A cluster's distributor: /ingest and Push go undecoded to the segment-writer that owns their
  // shard (distributor/forwarder.h), which answers through AddWriterIngestRoutes. Other formats
  // (OTLP) are decoded here and go to `distributor`'s sink.
  distributor::Forwarder* forwarder = nullptr;
};

// All referents must outlive the router.
void AddIngestRoutes(Router& router, IngestRouteDeps deps);
// A segment-writer's internal routes for forwarded requests (distributor/forwarder.h):
// kWriterIngestPath (an /ingest request as received) and kWriterPushRequestPath (a binary
// push.v1.PushRequest), run through `deps.distributor` as the single binary runs them. A
// PushRequest's error answer carries its StatusCode in header kWriterCodeHeader.
void AddWriterIngestRoutes(Router& router, IngestRouteDeps deps);
// GET /debug/ingested alone (what AddIngestRoutes adds with debug_ingested), for a process
// that stores or queries without a distributor.
void AddDebugIngestedRoute(Router& router,
                           std::function<Result<std::string>(std::string_view tenant)> json);

}  // namespace flamedb::api

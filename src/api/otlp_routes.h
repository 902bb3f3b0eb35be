// OTLP profiles over HTTP: POST /v1development/profiles and
// /opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export, in protobuf
// (application/x-protobuf, application/protobuf) or JSON (application/json), optionally gzip, and
// gRPC (HTTP/2) on the second path.
#pragma once

#include "api/ingest_routes.h"
#include "api/router.h"

namespace flamedb::api {

void AddOtlpRoutes(Router& router, const IngestRouteDeps& deps);

// OTLP/JSON to protobuf bytes of an ExportProfilesServiceRequest. Ids (trace, span and profile
// ids) are read as the OTLP specification writes them, in hex, or in protobuf JSON's base64.
// Errors: kInvalidArgument naming the JSON problem.
Result<std::string> OtlpJsonToProto(const std::string& json);

}  // namespace flamedb::api

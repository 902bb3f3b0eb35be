// The HTTP requests of the load: each series uploads the way its SDK does.
//   kMultipart: POST /ingest, multipart/form-data with `profile` (and, for heap,
//               `sample_type_config`) parts: pyroscope-go's shape.
//   kPprof:     POST /ingest?format=pprof, body the gzipped pprof: @pyroscope/nodejs's shape.
//   kPush:      POST /push.v1.PusherService/Push, Connect proto: Grafana Alloy's shape.
//   kOtlp:      POST /v1development/profiles, an uncompressed OTLP ExportProfilesServiceRequest
//               (one OTLP profile per sample type, as the OpenTelemetry Collector translates
//               pprof), the service and pod as resource attributes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "corpus.h"
#include "otlp_translate.h"

namespace flamedb::loadgen {

enum class Shape : uint8_t { kMultipart, kPprof, kPush, kOtlp };

// Parses "multipart", "pprof", "push" or "otlp". Errors: kInvalidArgument.
Result<Shape> ParseShape(std::string_view name);
std::string_view ShapeName(Shape shape);

// One simulated process: a pod of a service that uploads in one shape.
struct Series {
  std::string service;
  std::string pod;
  Shape shape = Shape::kMultipart;
  Runtime runtime = Runtime::kGo;
};

// A request ready to write: the head, and a body that is either `owned` or a view of a body
// the factory keeps.
struct Request {
  std::string head;
  std::string owned;
  std::string_view body;
};

// Builds requests. Multipart bodies are made once per payload, so a request costs only its head
// (Push bodies carry the series labels, so they are built per request).
class RequestFactory {
 public:
  // `corpus` must outlive the factory. With `otlp`, every payload is translated to OTLP up front
  // (the kOtlp shape needs it); with `gzip` false, the kPprof shape sends the pprof uncompressed.
  RequestFactory(const std::vector<Payload>& corpus, std::string host, std::string tenant,
                 bool otlp = false, bool gzip = true);

  // Fills `out` with `series` uploading `corpus[payload]` for the 10 s ending at `now_nanos`.
  void Build(const Series& series, size_t payload, int64_t now_nanos, Request& out) const;

  const Payload& payload(size_t index) const { return corpus_[index]; }

 private:
  std::string Head(std::string_view target, std::string_view content_type, size_t length) const;

  const std::vector<Payload>& corpus_;
  std::string host_, tenant_;
  std::vector<std::string> multipart_;  // Per payload.
  std::vector<bench::OtlpParts> otlp_;  // Per payload, with `otlp`.
  std::vector<std::string> raw_;        // Uncompressed pprof per payload, without `gzip`.
};

}  // namespace flamedb::loadgen

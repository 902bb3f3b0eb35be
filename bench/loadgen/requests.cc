#include "requests.h"

#include <cstdio>

#include "base/gzip.h"
#include "pprof/decoder.h"

namespace flamedb::loadgen {
namespace {

constexpr std::string_view kBoundary = "flamedbloadgen7f3a9c2e1b";
constexpr int64_t kWindowNanos = 10'000'000'000;

// pyroscope-go's sample_type_config of a heap upload (only display names matter to servers).
constexpr std::string_view kHeapConfig =
    R"({"alloc_objects":{"units":"objects"},"alloc_space":{"units":"bytes"},)"
    R"("inuse_objects":{"units":"objects","aggregation":"average"},)"
    R"("inuse_space":{"units":"bytes","aggregation":"average"}})";

void AppendPart(std::string& out, std::string_view name, std::string_view content) {
  out += "--";
  out += kBoundary;
  out += "\r\nContent-Disposition: form-data; name=\"";
  out += name;
  out += "\"; filename=\"";
  out += name;
  out += name == "profile" ? ".pprof" : ".json";
  out += "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  out += content;
  out += "\r\n";
}

// Percent-encodes a query value as Go's url.Values.Encode does.
std::string QueryEscape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void AppendLenField(std::string& out, int field, std::string_view bytes) {
  AppendVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  AppendVarint(out, bytes.size());
  out += bytes;
}

std::string LabelPair(std::string_view name, std::string_view value) {
  std::string pair;
  AppendLenField(pair, 1, name);
  AppendLenField(pair, 2, value);
  return pair;
}

// push.v1.PushRequest{series: [{labels, samples: [{raw_profile}]}]}, encoded by hand.
std::string PushBody(const Series& series, const Payload& payload) {
  std::string s;
  AppendLenField(s, 1, LabelPair("__name__", payload.metric));
  AppendLenField(s, 1, LabelPair("service_name", series.service));
  AppendLenField(s, 1, LabelPair("pod", series.pod));
  AppendLenField(s, 1, LabelPair("namespace", "loadgen"));
  std::string sample;
  AppendLenField(sample, 1, payload.gz);
  AppendLenField(s, 2, sample);
  std::string body;
  AppendLenField(body, 1, s);
  return body;
}

}  // namespace

Result<Shape> ParseShape(std::string_view name) {
  if (name == "multipart") return Shape::kMultipart;
  if (name == "pprof") return Shape::kPprof;
  if (name == "push") return Shape::kPush;
  if (name == "otlp") return Shape::kOtlp;
  return InvalidArgumentError("unknown upload shape \"" + std::string(name) +
                              "\": want multipart, pprof, push or otlp");
}

std::string_view ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kMultipart: return "multipart";
    case Shape::kPprof: return "pprof";
    case Shape::kPush: return "push";
    case Shape::kOtlp: return "otlp";
  }
  return "?";
}

RequestFactory::RequestFactory(const std::vector<Payload>& corpus, std::string host,
                               std::string tenant, bool otlp, bool gzip)
    : corpus_(corpus), host_(std::move(host)), tenant_(std::move(tenant)) {
  multipart_.reserve(corpus.size());
  for (const Payload& p : corpus) {
    if (otlp || !gzip) {  // The corpus made these bytes: they decode.
      std::string raw = *base::GunzipCapped(p.gz, 1 << 30);
      if (otlp) {
        otlp_.push_back(bench::TranslateToOtlp(*pprof::DecodeProfile(raw, {.max_uncompressed_bytes = 1 << 30})));
      }
      if (!gzip) raw_.push_back(std::move(raw));
    }
    std::string body;
    AppendPart(body, "profile", p.gz);
    if (p.kind == "heap") AppendPart(body, "sample_type_config", kHeapConfig);
    body += "--";
    body += kBoundary;
    body += "--\r\n";
    multipart_.push_back(std::move(body));
  }
}

std::string RequestFactory::Head(std::string_view target, std::string_view content_type,
                                 size_t length) const {
  std::string h = "POST ";
  h += target;
  h += " HTTP/1.1\r\nHost: ";
  h += host_;
  h += "\r\nUser-Agent: flamedb-loadgen\r\nContent-Type: ";
  h += content_type;
  h += "\r\nContent-Length: " + std::to_string(length) + "\r\n";
  if (!tenant_.empty()) h += "X-Scope-OrgID: " + tenant_ + "\r\n";
  if (content_type == "application/proto") h += "Connect-Protocol-Version: 1\r\n";
  h += "\r\n";
  return h;
}

void RequestFactory::Build(const Series& series, size_t payload, int64_t now_nanos,
                           Request& out) const {
  const Payload& p = corpus_[payload];
  out.owned.clear();
  const std::string name =
      QueryEscape(series.service + "{namespace=loadgen,pod=" + series.pod + "}");
  if (series.shape == Shape::kPush) {
    out.owned = PushBody(series, p);
    out.body = out.owned;
    out.head = Head("/push.v1.PusherService/Push", "application/proto", out.body.size());
    return;
  }
  if (series.shape == Shape::kOtlp) {
    out.owned = bench::OtlpRequest(otlp_[payload], {{"service.name", series.service},
                                                    {"pod", series.pod},
                                                    {"namespace", "loadgen"}});
    out.body = out.owned;
    out.head = Head("/v1development/profiles", "application/x-protobuf", out.body.size());
    return;
  }
  if (series.shape == Shape::kPprof) {
    // The Node SDK sends seconds and the (wrong) rate 17; the server reads the pprof's period.
    const int64_t until = now_nanos / 1'000'000'000;
    out.body = raw_.empty() ? std::string_view(p.gz) : std::string_view(raw_[payload]);
    out.head = Head("/ingest?from=" + std::to_string(until - 10) + "&until=" +
                        std::to_string(until) + "&format=pprof&sampleRate=17&spyName=nodespy&name=" +
                        name,
                    "application/octet-stream", out.body.size());
    return;
  }
  // pyroscope-go: nanoseconds, parameters sorted by key.
  const std::string units = p.kind == "cpu" ? "samples" : "";
  out.body = multipart_[payload];
  out.head = Head("/ingest?aggregationType=" + std::string(p.kind == "cpu" ? "sum" : "") +
                      "&from=" + std::to_string(now_nanos - kWindowNanos) + "&name=" + name +
                      "&sampleRate=100&spyName=gospy&units=" + units +
                      "&until=" + std::to_string(now_nanos),
                  "multipart/form-data; boundary=" + std::string(kBoundary), out.body.size());
}

}  // namespace flamedb::loadgen

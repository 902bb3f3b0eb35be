#include "ingest/legacy_request.h"

#include <algorithm>
#include <charconv>

#include "ingest/attime.h"
#include "base/gzip.h"
#include "ingest/folded.h"
#include "ingest/jfr.h"
#include "ingest/legacy.h"
#include "ingest/multipart.h"
#include "ingest/name.h"
#include "ingest/speedscope.h"
#include "ingest/tree.h"
#include "pprof/decoder.h"

namespace flamedb::ingest {
namespace {

constexpr std::string_view kMalformed = "malformed_profile";
constexpr int64_t kDefaultSampleRate = 100;
constexpr int64_t kNanosPerYear = 365LL * 86400 * 1000000000;
constexpr size_t kMaxParts = 16;  // SDKs send 1-3 (profile, sample_type_config, labels).

std::string_view Param(const LegacyRequest& r, std::string_view key) {
  auto it = r.params.find(key);
  return it == r.params.end() ? std::string_view() : std::string_view(it->second);
}

int64_t Nanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// A missing or unparsable sampleRate is 100, as in Pyroscope.
int64_t SampleRate(const LegacyRequest& r) {
  const std::string_view text = Param(r, "sampleRate");
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return text.empty() || ec != std::errc() || ptr != text.data() + text.size() ? kDefaultSampleRate
                                                                               : v;
}

struct Common {
  ParsedName name;
  int64_t from_nanos = 0;
  int64_t until_nanos = 0;
  std::string spy;
};

Result<Common> ParseCommon(const LegacyRequest& r, std::chrono::system_clock::time_point now) {
  Common c;
  FLAMEDB_ASSIGN_OR_RETURN(c.name, ParseName(Param(r, "name")));
  FLAMEDB_ASSIGN_OR_RETURN(auto from, ParseAtTime(Param(r, "from"), now));
  FLAMEDB_ASSIGN_OR_RETURN(auto until, ParseAtTime(Param(r, "until"), now));
  c.from_nanos = Nanos(from);
  c.until_nanos = Nanos(until);
  c.spy = std::string(Param(r, "spyName"));
  return c;
}

Status Tagged(Status s, std::string_view tag) { return s.ok() ? s : s.WithTag(tag); }

// pyspy/rbspy frames are "<file> <function>" (pyspy: only for relative file names), as on
// Pyroscope's /ingest path, so that same-named functions of different files stay apart.
bool NameScriptingFrames(model::Profile& p, std::string_view spy) {
  if (spy != "pyspy" && spy != "rbspy" && spy != "scripting") {
    return false;
  }
  bool changed = false;
  for (model::Function& f : p.functions) {
    const std::string_view file = p.String(f.filename);
    if (file.empty() || (spy == "pyspy" && file.front() == '/')) {
      continue;
    }
    f.name = p.AddString(std::string(file) + " " + std::string(p.String(f.name)));
    changed = true;
  }
  return changed;
}

// Old .NET profilers write every function id as 0 with one function per location.
bool FixDotnetFunctionIds(model::Profile& p, std::string_view spy,
                          const SampleTypeConfigs& configs) {
  const bool dotnet = spy == "dotnetspy" || (spy == "unknown" && configs.count("inuse-space"));
  if (!dotnet || p.functions.size() != p.locations.size()) {
    return false;
  }
  for (const model::Function& f : p.functions) {
    if (f.id != 0) {
      return false;
    }
  }
  for (size_t i = 0; i < p.functions.size(); ++i) {
    p.functions[i].id = p.locations[i].id;
  }
  return !p.functions.empty();
}

// pprof payloads: decode, fix what old SDKs get wrong, name the metric.
Result<model::LabeledProfile> FromPprof(std::string payload, const Common& c,
                                        const SampleTypeConfigs& configs, size_t max_size) {
  const size_t compressed = payload.size();
  Result<model::Profile> decoded =
      pprof::DecodeProfile(std::move(payload), {.max_uncompressed_bytes = max_size,
                                                .keep_received = true});
  if (!decoded.ok()) {
    if (decoded.status().code() == StatusCode::kResourceExhausted) {
      return InvalidArgumentError(std::string(decoded.status().message()))
          .WithTag("profile_size_limit");
    }
    return Tagged(decoded.status(), kMalformed);
  }
  model::LabeledProfile out;
  out.profile = std::move(decoded).value();
  out.compressed_bytes = compressed;
  out.uncompressed_bytes = out.profile.storage ? out.profile.storage->size() : 0;
  model::Profile& p = out.profile;
  if (p.time_nanos == 0 || p.time_nanos < kNanosPerYear) {
    p.time_nanos = c.from_nanos;  // Old SDKs sent 0 or units other than nanoseconds.
  }
  bool fixed = false;  // Fixes the WAL's Received facts cannot repeat (the time is stored).
  for (model::ValueType& vt : p.sample_types) {  // .NET sends names with '-'.
    std::string type(p.String(vt.type));
    if (type.find('-') != std::string::npos) {
      std::replace(type.begin(), type.end(), '-', '_');
      vt.type = p.AddString(std::move(type));
      fixed = true;
    }
  }
  fixed = NameScriptingFrames(p, c.spy) || fixed;
  fixed = FixDotnetFunctionIds(p, c.spy.empty() ? "unknown" : c.spy, configs) || fixed;
  if (fixed) {
    p.received.reset();  // The WAL stores the profile itself then.
  }
  const std::string metric = PprofMetricName(p, configs);
  out.labels = LegacySeriesLabels(c.name, c.name.app, metric, c.spy);
  return out;
}

Result<std::vector<model::LabeledProfile>> FromMultipart(LegacyRequest& r, const Common& c,
                                                         size_t max_size) {
  FLAMEDB_ASSIGN_OR_RETURN(const std::string_view boundary, MultipartBoundary(r.content_type));
  FLAMEDB_ASSIGN_OR_RETURN(const std::vector<FormPart> parts, ParseMultipart(r.body, boundary));
  if (parts.size() > kMaxParts) {
    return InvalidArgumentError("the multipart body has " + std::to_string(parts.size()) +
                                " parts; at most " + std::to_string(kMaxParts) + " are accepted")
        .WithTag(kMalformed);
  }
  std::string_view profile;
  SampleTypeConfigs configs;
  for (const FormPart& part : parts) {
    if (part.filename.empty()) {
      continue;  // Only file parts count, as in Pyroscope.
    }
    if (part.name == "prev_profile") {
      return InvalidArgumentError(
          "the prev_profile part is not supported: this client sends cumulative profiles with "
          "a baseline; update github.com/grafana/pyroscope-go to the latest version");
    }
    if (part.name == "profile") {
      profile = part.body;
    } else if (part.name == "sample_type_config") {
      FLAMEDB_ASSIGN_OR_RETURN(configs, ParseSampleTypeConfig(part.body));
    }
  }
  std::vector<model::LabeledProfile> out;
  if (profile.data() == nullptr) {
    return InvalidArgumentError("the multipart body has no file part named \"profile\"")
        .WithTag(kMalformed);
  }
  if (profile.empty()) {
    return out;  // An empty profile part: accepted with nothing to store, as Pyroscope does.
  }
  FLAMEDB_ASSIGN_OR_RETURN(model::LabeledProfile p,
                           FromPprof(std::string(profile), c, configs, max_size));
  p.compressed_bytes = r.body.size();
  out.push_back(std::move(p));
  return out;
}

// A JFR part (or raw body): gunzipped when it starts with the gzip magic (Pyroscope does that for
// multipart parts only; flamedb also for a raw body), at most `max_size` bytes either way.
Result<std::string> JfrBytes(std::string_view part, std::string_view what, size_t max_size) {
  if (!base::LooksGzipped(part)) {
    if (part.size() > max_size) {
      return InvalidArgumentError("the " + std::string(what) + " of " + std::to_string(part.size()) +
                                  " bytes exceeds the size limit of " + std::to_string(max_size) +
                                  " bytes")
          .WithTag("profile_size_limit");
    }
    return std::string(part);
  }
  Result<std::string> plain = base::GunzipCapped(part, max_size);
  if (plain.ok()) return plain;
  if (plain.status().code() == StatusCode::kResourceExhausted) {
    return InvalidArgumentError("the " + std::string(what) + " decompresses to more than the size "
                                "limit of " + std::to_string(max_size) + " bytes")
        .WithTag("profile_size_limit");
  }
  return InvalidArgumentError("malformed JFR: the " + std::string(what) +
                              " is not valid gzip: " + std::string(plain.status().message()))
      .WithTag(kMalformed);
}

// format=jfr: the raw recording, or pyroscope-java's multipart form with file parts `jfr` and,
// optionally, `labels`.
Result<std::vector<model::LabeledProfile>> FromJfr(const LegacyRequest& r, const Common& c,
                                                   size_t max_size) {
  std::string recording, labels_bytes;
  if (r.content_type.find("multipart/form-data") != std::string::npos) {
    FLAMEDB_ASSIGN_OR_RETURN(const std::string_view boundary, MultipartBoundary(r.content_type));
    FLAMEDB_ASSIGN_OR_RETURN(const std::vector<FormPart> parts, ParseMultipart(r.body, boundary));
    bool found = false;
    for (const FormPart& part : parts) {
      if (part.filename.empty()) continue;  // Only file parts count, as in Pyroscope.
      if (part.name == "jfr") {
        FLAMEDB_ASSIGN_OR_RETURN(recording, JfrBytes(part.body, "jfr part", max_size));
        found = true;
      } else if (part.name == "labels") {
        FLAMEDB_ASSIGN_OR_RETURN(labels_bytes, JfrBytes(part.body, "labels part", max_size));
      }
    }
    if (!found) {
      return InvalidArgumentError("the multipart body has no file part named \"jfr\" (jfr field "
                                  "is required)")
          .WithTag(kMalformed);
    }
  } else {
    FLAMEDB_ASSIGN_OR_RETURN(recording, JfrBytes(r.body, "JFR body", max_size));
  }
  JfrLabels labels;
  if (!labels_bytes.empty()) {
    FLAMEDB_ASSIGN_OR_RETURN(labels, ParseJfrLabels(labels_bytes));
  }
  const int64_t rate = SampleRate(r);
  const JfrOptions options{.period_nanos = rate > 0 ? 1000000000 / rate : 0,
                           .time_nanos = c.from_nanos,
                           .duration_nanos = std::max<int64_t>(0, c.until_nanos - c.from_nanos)};
  FLAMEDB_ASSIGN_OR_RETURN(JfrResult parsed, ParseJfr(recording, &labels, options));
  std::vector<model::LabeledProfile> out;
  const size_t n = std::max<size_t>(1, parsed.profiles.size());
  for (JfrProfile& p : parsed.profiles) {
    model::Labels series = LegacySeriesLabels(c.name, c.name.app, p.metric, c.spy);
    if (!parsed.event.empty()) series.Set("jfr_event", parsed.event);
    // The recording's bytes, shared out, so that limits and metrics count the upload once.
    out.push_back({std::move(series), std::move(p.profile), recording.size() / n,
                   r.body.size() / n});
  }
  return out;
}

Result<std::vector<model::LabeledProfile>> FromText(LegacyRequest& r, const Common& c,
                                                    LegacyFormat format) {
  FLAMEDB_ASSIGN_OR_RETURN(TextTarget target, ResolveTextTarget(c.name.app, SampleRate(r)));
  target.type.time_nanos = c.from_nanos;
  const size_t size = r.body.size();
  Result<model::Profile> profile = [&] {
    switch (format) {
      case LegacyFormat::kLines:
        return ParseLines(std::move(r.body), target.type);
      case LegacyFormat::kTree:
        return ParseTree(std::move(r.body), target.type);
      case LegacyFormat::kTrie:
        return ParseTrie(std::move(r.body), target.type);
      default:
        return ParseFolded(std::move(r.body), target.type);
    }
  }();
  if (!profile.ok()) {
    return Tagged(profile.status(), kMalformed);
  }
  std::vector<model::LabeledProfile> out;
  out.push_back({LegacySeriesLabels(c.name, target.service, target.metric, c.spy),
                 std::move(profile).value(), size, size});
  return out;
}

}  // namespace

LegacyFormat SelectFormat(const LegacyRequest& r) {
  const std::string_view format = Param(r, "format");
  const std::string_view type = r.content_type;
  if (format == "trie" || type.find("binary/octet-stream+trie") != std::string_view::npos) {
    return LegacyFormat::kTrie;
  }
  if (format == "tree" || type.find("binary/octet-stream+tree") != std::string_view::npos) {
    return LegacyFormat::kTree;
  }
  if (format == "lines") return LegacyFormat::kLines;
  if (format == "jfr") return LegacyFormat::kJfr;
  if (format == "pprof") return LegacyFormat::kPprof;
  if (format == "speedscope") return LegacyFormat::kSpeedscope;
  if (type.find("multipart/form-data") != std::string_view::npos) return LegacyFormat::kMultipart;
  if (format.empty() || format == "folded" || format == "collapsed" || format == "groups") {
    return LegacyFormat::kFolded;
  }
  return LegacyFormat::kUnknown;
}

Result<std::vector<model::LabeledProfile>> ParseLegacyRequest(
    LegacyRequest r, std::chrono::system_clock::time_point now, size_t max_profile_size_bytes) {
  FLAMEDB_ASSIGN_OR_RETURN(const Common c, ParseCommon(r, now));
  const LegacyFormat format = SelectFormat(r);
  switch (format) {
    case LegacyFormat::kFolded:
    case LegacyFormat::kLines:
    case LegacyFormat::kTree:
    case LegacyFormat::kTrie:
      return FromText(r, c, format);
    case LegacyFormat::kPprof: {
      FLAMEDB_ASSIGN_OR_RETURN(model::LabeledProfile p,
                               FromPprof(std::move(r.body), c, {}, max_profile_size_bytes));
      std::vector<model::LabeledProfile> out;
      out.push_back(std::move(p));
      return out;
    }
    case LegacyFormat::kMultipart:
      return FromMultipart(r, c, max_profile_size_bytes);
    case LegacyFormat::kUnknown:
      return InvalidArgumentError("unknown format \"" + std::string(Param(r, "format")) +
                                  "\": use pprof, folded, lines, tree, trie, jfr or speedscope");
    case LegacyFormat::kSpeedscope: {
      Result<std::vector<model::LabeledProfile>> profiles = ParseSpeedscope(
          std::move(r.body), c.name,
          {.sample_rate = SampleRate(r), .time_nanos = c.from_nanos, .spy_name = c.spy});
      return profiles.ok() ? std::move(profiles) : Tagged(profiles.status(), kMalformed);
    }
    case LegacyFormat::kJfr:
      return FromJfr(r, c, max_profile_size_bytes);
  }
  return InvalidArgumentError("unknown format");
}

}  // namespace flamedb::ingest

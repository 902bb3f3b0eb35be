#include "ctl/upload.h"

#include "base/gzip.h"
#include "ingest/folded.h"
#include "ingest/legacy.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"

namespace flamedb::ctl {
namespace {

// Bigger than any server's limit: the server, not flamectl, decides what it takes.
constexpr size_t kMaxProfileBytes = 256u << 20;

// The server's guess (ingest::PprofMetricName), plus Go's profiles it cannot tell without a
// sample_type_config: mutex and block (contentions, delay; the file name decides) and goroutine.
std::string GuessMetric(const std::string& file_name, const model::Profile& profile) {
  std::string metric = ingest::PprofMetricName(profile, {});
  std::vector<std::string_view> types;
  for (const model::ValueType& vt : profile.sample_types) types.push_back(profile.String(vt.type));
  if (types.size() == 2 && types[0] == "contentions" && types[1] == "delay") {
    const std::string base = file_name.substr(file_name.rfind('/') + 1);
    return base.find("block") != std::string::npos ? "block" : "mutex";
  }
  if (types.size() == 1 && types[0] == "goroutine") return "goroutine";
  return metric;
}

Result<PreparedUpload> PreparePprof(const std::string& file_name, std::string contents,
                                    const UploadOptions& options) {
  PreparedUpload out;
  out.raw_profile = contents;
  Result<model::Profile> profile =
      pprof::DecodeProfile(std::move(contents), {.max_uncompressed_bytes = kMaxProfileBytes});
  if (!profile.ok()) {
    return InvalidArgumentError(file_name + ": not a pprof profile: " +
                                std::string(profile.status().message()));
  }
  out.metric = options.type.empty() ? GuessMetric(file_name, *profile) : options.type;
  out.samples = profile->samples.size();
  return out;
}

Result<PreparedUpload> PrepareFolded(const std::string& file_name, std::string contents,
                                     const UploadOptions& options) {
  const std::string suffix = options.type.empty() ? "cpu" : options.type;
  Result<ingest::TextTarget> target =
      ingest::ResolveTextTarget("flamectl." + suffix, options.sample_rate);
  if (!target.ok()) {
    return InvalidArgumentError(file_name + ": --type " + suffix + ": " +
                                std::string(target.status().message()));
  }
  target->type.time_nanos = options.now_ns;
  Result<model::Profile> profile = ingest::ParseFolded(std::move(contents), target->type);
  if (!profile.ok()) {
    return InvalidArgumentError(file_name + ": not a folded profile: " +
                                std::string(profile.status().message()));
  }
  PreparedUpload out;
  out.format = FileFormat::kFolded;
  out.metric = target->metric;
  out.samples = profile->samples.size();
  out.raw_profile = pprof::EncodeProfile(*profile);
  return out;
}

// Text whose first line ends in " <count>": control bytes (which any protobuf has) rule it out.
bool LooksFolded(std::string_view contents) {
  const std::string_view head = contents.substr(0, 4096);
  for (unsigned char c : head) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  std::string_view line = head.substr(0, head.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  const size_t space = line.rfind(' ');
  return space != std::string_view::npos && space + 1 < line.size() &&
         line.substr(space + 1).find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

Result<std::pair<std::string, std::string>> ParseLabelFlag(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgumentError("--label \"" + text + "\": want key=value");
  }
  return std::pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<PreparedUpload> PrepareUpload(const std::string& file_name, std::string contents,
                                     const UploadOptions& options) {
  if (contents.empty()) return InvalidArgumentError(file_name + ": the file is empty");
  FileFormat format = options.format;
  if (format == FileFormat::kAuto) {
    format = !base::LooksGzipped(contents) && LooksFolded(contents) ? FileFormat::kFolded
                                                                     : FileFormat::kPprof;
  }
  Result<PreparedUpload> out = format == FileFormat::kPprof
                                   ? PreparePprof(file_name, std::move(contents), options)
                                   : PrepareFolded(file_name, std::move(contents), options);
  if (!out.ok()) return out;
  out->labels = {{"__name__", out->metric}, {"service_name", options.service_name}};
  for (const auto& [key, value] : options.labels) {
    bool replaced = false;
    for (auto& [k, v] : out->labels) {
      if (k == key) v = value, replaced = true;
    }
    if (!replaced) out->labels.emplace_back(key, value);
  }
  return out;
}

}  // namespace flamedb::ctl

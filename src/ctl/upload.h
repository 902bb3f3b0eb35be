// `flamectl upload`: pprof files (gzipped or raw) and folded files, each sent as one Push with
// the service name, the user's labels and a profile type (__name__) guessed from the sample
// types as the server's /ingest does, or given by --type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace flamedb::ctl {

enum class FileFormat { kAuto, kPprof, kFolded };

struct UploadOptions {
  std::string service_name = "flamectl-upload";
  std::vector<std::pair<std::string, std::string>> labels;  // --label k=v, in order.
  std::string type;  // __name__ (pprof) or profile-type suffix (folded: cpu, wall, ...); "": guess.
  FileFormat format = FileFormat::kAuto;
  int64_t sample_rate = 100;  // Folded cpu/wall: samples per second.
  int64_t now_ns = 0;         // Timestamp of folded profiles, which carry none.
};

// One file made ready for Push.
struct PreparedUpload {
  std::vector<std::pair<std::string, std::string>> labels;  // __name__ and service_name first.
  std::string raw_profile;  // pprof bytes (the file's own for pprof files).
  std::string metric;       // The __name__ label's value.
  FileFormat format = FileFormat::kPprof;
  size_t samples = 0;
};

// Reads `contents` (of `file_name`) as options.format says; kAuto takes text whose first line
// ends in a count as folded and anything else as pprof. Labels: __name__, service_name, then
// options.labels, a later key replacing an earlier one (so --label service_name=x wins).
// Errors: kInvalidArgument naming the file and what is wrong with it.
Result<PreparedUpload> PrepareUpload(const std::string& file_name, std::string contents,
                                     const UploadOptions& options);

// Parses one --label value "key=value". Errors: kInvalidArgument.
Result<std::pair<std::string, std::string>> ParseLabelFlag(const std::string& text);

}  // namespace flamedb::ctl

// POST /ingest (and /pyroscope/ingest): picks the payload format and turns the request into
// labeled profiles for the distributor (Pyroscope spec §2.2).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/url.h"
#include "model/labeled_profile.h"

namespace flamedb::ingest {

struct LegacyRequest {
  base::QueryParams params;  // name, from, until, format, sampleRate, spyName, ...
  std::string content_type;
  std::string body;
};

// The format /ingest serves for `request`, by Pyroscope's precedence: trie, tree, lines, jfr,
// pprof, speedscope, multipart (by Content-Type), else folded (no format, or folded, collapsed or
// groups); any other format name is kUnknown (a 400, where Pyroscope falls back to folded).
enum class LegacyFormat {
  kFolded, kLines, kPprof, kMultipart, kTree, kTrie, kJfr, kSpeedscope, kUnknown
};
LegacyFormat SelectFormat(const LegacyRequest& request);

// Decodes the payload and builds the series labels. Returns no profiles when there is nothing
// to store (an empty multipart `profile` part). Errors: kInvalidArgument naming the parameter or
// payload problem (tagged malformed_profile / profile_size_limit).
Result<std::vector<model::LabeledProfile>> ParseLegacyRequest(
    LegacyRequest request, std::chrono::system_clock::time_point now,
    size_t max_profile_size_bytes);

}  // namespace flamedb::ingest

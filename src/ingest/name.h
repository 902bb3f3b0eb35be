// The `name` query parameter of /ingest: `app{k=v,k2=v2}` (Pyroscope spec §2.2.3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace flamedb::ingest {

struct ParsedName {
  std::string app;                       // "myapp.cpu": the suffix is interpreted later.
  std::vector<model::LabelPair> labels;  // In order; duplicate keys already resolved (last wins).
};

// Parses `app{k=v,...}`. The braces are optional, text after `}` is ignored, keys and values
// are trimmed, a key `__name__` replaces the app name.
// Errors: kInvalidArgument with Pyroscope's messages: "name: service name is required",
// "name: invalid service name: <app>: character is not allowed: '<c>'", "name: invalid label
// name: <k>: character is not allowed: '<c>'", "name: label name is required", and
// "name: invalid label \"<text>\": want key=value".
Result<ParsedName> ParseName(std::string_view name);

}  // namespace flamedb::ingest

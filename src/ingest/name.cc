#include "ingest/name.h"

#include <algorithm>

#include "base/strings.h"

namespace flamedb::ingest {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool AppChar(char c) { return IsAlnum(c) || c == '_' || c == '.' || c == '-' || c == '/'; }
bool KeyChar(char c) { return IsAlnum(c) || c == '_' || c == '.'; }

std::string Quoted(char c) { return std::string("'") + c + "'"; }

Status CheckChars(std::string_view s, bool (*allowed)(char), std::string_view what) {
  for (char c : s) {
    if (!allowed(c)) {
      return InvalidArgumentError("name: invalid " + std::string(what) + ": " + std::string(s) +
                                  ": character is not allowed: " + Quoted(c));
    }
  }
  return OkStatus();
}

void SetLabel(std::vector<model::LabelPair>& labels, std::string_view key, std::string_view value) {
  auto it = std::find_if(labels.begin(), labels.end(),
                         [&](const model::LabelPair& p) { return p.name == key; });
  if (it != labels.end()) {
    it->value = std::string(value);
  } else {
    labels.push_back({std::string(key), std::string(value)});
  }
}

}  // namespace

Result<ParsedName> ParseName(std::string_view name) {
  ParsedName out;
  const size_t open = name.find('{');
  std::string_view app = base::TrimSpace(name.substr(0, open));
  bool overridden = false;
  std::string_view body;
  if (open != std::string_view::npos) {
    body = name.substr(open + 1);
    body = body.substr(0, body.find('}'));  // Text after '}' is ignored, as Pyroscope does.
  }
  for (std::string_view item : base::SplitNonEmpty(body, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgumentError("name: invalid label \"" + std::string(item) +
                                  "\": want key=value");
    }
    const std::string_view key = base::TrimSpace(item.substr(0, eq));
    const std::string_view value = base::TrimSpace(item.substr(eq + 1));
    if (key.empty()) {
      return InvalidArgumentError("name: label name is required");
    }
    if (key == model::kMetricNameLabel) {
      app = value;  // Replaces the app name, unchecked, as in Pyroscope.
      overridden = true;
      continue;
    }
    FLAMEDB_RETURN_IF_ERROR(CheckChars(key, KeyChar, "label name"));
    SetLabel(out.labels, key, value);
  }
  if (app.empty()) {
    return InvalidArgumentError("name: service name is required");
  }
  if (!overridden) {
    FLAMEDB_RETURN_IF_ERROR(CheckChars(app, AppChar, "service name"));
  }
  out.app = std::string(app);
  return out;
}

}  // namespace flamedb::ingest

#include "model/labels.h"

#include <algorithm>

#include "base/json.h"
#include "base/strings.h"

namespace flamedb::model {

Labels::Labels(std::vector<LabelPair> pairs) : pairs_(std::move(pairs)) {
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
}

std::optional<std::string_view> Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const LabelPair& p, std::string_view n) { return p.name < n; });
  if (it == pairs_.end() || it->name != name) {
    return std::nullopt;
  }
  return std::string_view(it->value);
}

void Labels::Set(std::string_view name, std::string_view value) {
  Delete(name);
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const LabelPair& p, std::string_view n) { return p.name < n; });
  pairs_.insert(it, LabelPair{std::string(name), std::string(value)});
}

void Labels::Delete(std::string_view name) {
  std::erase_if(pairs_, [&](const LabelPair& p) { return p.name == name; });
}

std::string Labels::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < pairs_.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += pairs_[i].name;
    out += '=';
    base::AppendJsonString(out, pairs_[i].value);
  }
  out += '}';
  return out;
}

std::string FormatSpanId(uint64_t id) { return base::Hex64(id); }

std::optional<uint64_t> ParseSpanId(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  uint64_t id = 0;
  for (char c : hex) {
    uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    id = id << 4 | digit;
  }
  return id;
}

std::string FormatTraceId(TraceId id) { return base::Hex64(id.hi) + base::Hex64(id.lo); }

std::optional<TraceId> ParseTraceId(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  const std::optional<uint64_t> hi = ParseSpanId(hex.substr(0, 16));
  const std::optional<uint64_t> lo = ParseSpanId(hex.substr(16));
  if (!hi.has_value() || !lo.has_value()) return std::nullopt;
  return TraceId{*hi, *lo};
}

}  // namespace flamedb::model

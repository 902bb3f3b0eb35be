// Relabeling of series labels with Prometheus relabel_config semantics, per tenant
// (`ingestion_relabeling_rules`, spec §2.4.5). Regexes are RE2, which is Go's syntax, fully
// anchored as in Prometheus.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace flamedb::distributor {

enum class RelabelAction : uint8_t {
  kReplace, kKeep, kDrop, kLabelMap, kLabelDrop, kLabelKeep, kLowercase, kUppercase, kKeepEqual,
  kDropEqual
};

struct RelabelRule {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::shared_ptr<const re2::RE2> regex;  // Anchored; default "(.*)".
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
};

using RelabelRules = std::vector<RelabelRule>;

// Parses a YAML list of rules: [{source_labels: [a, b], separator: ";", regex: "x(.*)",
// target_label: t, replacement: "$1", action: replace}, ...]. Actions: replace, keep, drop,
// labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal.
// Errors: kInvalidArgument naming the rule index and the problem (bad regex, unknown action,
// missing target_label).
Result<std::shared_ptr<const RelabelRules>> ParseRelabelRules(std::string_view yaml);

// Applies `rules` in order to `labels`. Returns false when a rule dropped the series.
bool Relabel(model::Labels& labels, const RelabelRules& rules);

}  // namespace flamedb::distributor

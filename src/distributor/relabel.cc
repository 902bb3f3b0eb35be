#include "distributor/relabel.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace flamedb::distributor {
namespace {

const std::map<std::string, RelabelAction, std::less<>>& Actions() {
  static const std::map<std::string, RelabelAction, std::less<>> kActions{
      {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
      {"drop", RelabelAction::kDrop},           {"labelmap", RelabelAction::kLabelMap},
      {"labeldrop", RelabelAction::kLabelDrop}, {"labelkeep", RelabelAction::kLabelKeep},
      {"lowercase", RelabelAction::kLowercase}, {"uppercase", RelabelAction::kUppercase},
      {"keepequal", RelabelAction::kKeepEqual}, {"dropequal", RelabelAction::kDropEqual}};
  return kActions;
}

// Matches `value` against the whole of `re`; fills `groups` (index 0 = the whole match).
bool FullMatch(const re2::RE2& re, std::string_view value, std::vector<re2::StringPiece>& groups) {
  groups.assign(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1, re2::StringPiece());
  return re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(),
                  re2::RE2::ANCHOR_BOTH, groups.data(), static_cast<int>(groups.size()));
}

// Go's regexp.Expand: $1, ${1}, $name, ${name}; $$ is a dollar; unknown groups are empty.
std::string Expand(std::string_view tmpl, const re2::RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    if (tmpl[i + 1] == '{') {
      const size_t close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      i = close;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) {
        ++j;
      }
      if (j == i + 1) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      i = j - 1;
    }
    int index = -1;
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
      index = name.size() < 6 ? std::stoi(std::string(name)) : -1;
    } else {
      const auto& named = re.NamedCapturingGroups();
      const auto it = named.find(std::string(name));
      index = it == named.end() ? -1 : it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size()) {
      out.append(groups[index].data(), groups[index].size());
    }
  }
  return out;
}

std::string SourceValue(const model::Labels& labels, const RelabelRule& rule) {
  std::string value;
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) {
      value += rule.separator;
    }
    value += labels.Get(rule.source_labels[i]).value_or("");
  }
  return value;
}

Status Bad(size_t index, std::string what) {
  return InvalidArgumentError("ingestion_relabeling_rules[" + std::to_string(index) + "]: " +
                              std::move(what));
}

Result<RelabelRule> ParseRule(const YAML::Node& node, size_t index) {
  if (!node.IsMap()) {
    return Bad(index, "a rule is a mapping of source_labels, regex, action, ...");
  }
  RelabelRule rule;
  std::string regex = "(.*)";
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const YAML::Node& v = item.second;
    if (key == "source_labels") {
      if (!v.IsSequence()) return Bad(index, "source_labels must be a list");
      for (const auto& s : v) rule.source_labels.push_back(s.as<std::string>());
    } else if (key == "separator") {
      rule.separator = v.as<std::string>();
    } else if (key == "regex") {
      regex = v.as<std::string>();
    } else if (key == "target_label") {
      rule.target_label = v.as<std::string>();
    } else if (key == "replacement") {
      rule.replacement = v.as<std::string>();
    } else if (key == "action") {
      const auto it = Actions().find(v.as<std::string>());
      if (it == Actions().end()) {
        return Bad(index, "unknown action \"" + v.as<std::string>() + "\"");
      }
      rule.action = it->second;
    } else {
      return Bad(index, "unknown key \"" + key + "\"");
    }
  }
  auto re = std::make_shared<re2::RE2>(regex, re2::RE2::Quiet);
  if (!re->ok()) {
    return Bad(index, "invalid regex \"" + regex + "\": " + re->error());
  }
  rule.regex = std::move(re);
  const bool needs_target = rule.action == RelabelAction::kReplace ||
                            rule.action == RelabelAction::kLowercase ||
                            rule.action == RelabelAction::kUppercase ||
                            rule.action == RelabelAction::kKeepEqual ||
                            rule.action == RelabelAction::kDropEqual;
  if (needs_target && rule.target_label.empty()) {
    return Bad(index, "this action needs a target_label");
  }
  return rule;
}

// Applies labelmap, labeldrop or labelkeep: rules over label names.
void RelabelNames(model::Labels& labels, const RelabelRule& rule) {
  std::vector<re2::StringPiece> groups;
  std::vector<model::LabelPair> kept;
  std::vector<model::LabelPair> mapped;
  for (const model::LabelPair& p : labels.pairs()) {
    const bool match = FullMatch(*rule.regex, p.name, groups);
    if (rule.action == RelabelAction::kLabelMap && match) {
      mapped.push_back({Expand(rule.replacement, *rule.regex, groups), p.value});
    }
    if ((rule.action == RelabelAction::kLabelDrop && match) ||
        (rule.action == RelabelAction::kLabelKeep && !match)) {
      continue;
    }
    kept.push_back(p);
  }
  labels = model::Labels(std::move(kept));
  for (const model::LabelPair& p : mapped) {
    labels.Set(p.name, p.value);
  }
}

}  // namespace

Result<std::shared_ptr<const RelabelRules>> ParseRelabelRules(std::string_view yaml) {
  auto rules = std::make_shared<RelabelRules>();
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) {
      return std::shared_ptr<const RelabelRules>(std::move(rules));
    }
    if (!root.IsSequence()) {
      return InvalidArgumentError("ingestion_relabeling_rules must be a list of rules");
    }
    for (size_t i = 0; i < root.size(); ++i) {
      FLAMEDB_ASSIGN_OR_RETURN(RelabelRule rule, ParseRule(root[i], i));
      rules->push_back(std::move(rule));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("ingestion_relabeling_rules: " + std::string(e.what()));
  }
  return std::shared_ptr<const RelabelRules>(std::move(rules));
}

bool Relabel(model::Labels& labels, const RelabelRules& rules) {
  std::vector<re2::StringPiece> groups;
  for (const RelabelRule& rule : rules) {
    const std::string value = SourceValue(labels, rule);
    switch (rule.action) {
      case RelabelAction::kDrop:
        if (FullMatch(*rule.regex, value, groups)) return false;
        break;
      case RelabelAction::kKeep:
        if (!FullMatch(*rule.regex, value, groups)) return false;
        break;
      case RelabelAction::kDropEqual:
        if (labels.Get(rule.target_label).value_or("") == value) return false;
        break;
      case RelabelAction::kKeepEqual:
        if (labels.Get(rule.target_label).value_or("") != value) return false;
        break;
      case RelabelAction::kReplace: {
        if (!FullMatch(*rule.regex, value, groups)) break;
        const std::string target = Expand(rule.target_label, *rule.regex, groups);
        const std::string result = Expand(rule.replacement, *rule.regex, groups);
        if (result.empty()) {
          labels.Delete(target);
        } else if (!target.empty()) {
          labels.Set(target, result);
        }
        break;
      }
      case RelabelAction::kLowercase:
      case RelabelAction::kUppercase: {
        std::string v = value;
        for (char& c : v) {
          c = static_cast<char>(rule.action == RelabelAction::kLowercase
                                    ? std::tolower(static_cast<unsigned char>(c))
                                    : std::toupper(static_cast<unsigned char>(c)));
        }
        labels.Set(rule.target_label, v);
        break;
      }
      case RelabelAction::kLabelMap:
      case RelabelAction::kLabelDrop:
      case RelabelAction::kLabelKeep:
        RelabelNames(labels, rule);
        break;
    }
  }
  return true;
}

}  // namespace flamedb::distributor

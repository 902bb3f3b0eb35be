// Prometheus-style label selectors, as Pyroscope's queries take them (spec §4.1):
// `{service_name="a", env=~"prod.*", k!="v", x!~"..."}`, optionally after a metric name, which
// becomes a __name__ matcher (or, for render queries, the profile type).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace flamedb::query {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

struct Matcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;  // Anchored at both ends, for the regex ops.

  // A label missing from `labels` counts as the empty string, as in Prometheus.
  bool Matches(const model::Labels& labels) const;
  bool MatchesValue(std::string_view value) const;
};

struct Selector {
  std::string metric;  // What came before '{' (empty if nothing).
  std::vector<Matcher> matchers;

  bool Matches(const model::Labels& labels) const;
};

struct ParseOptions {
  // The name before '{' may contain ':' (a profile type id such as
  // process_cpu:cpu:nanoseconds:cpu:nanoseconds); it is kept in `metric`, not as a matcher.
  bool profile_type_prefix = false;
};

// Errors: kInvalidArgument "1:<column>: parse error: <what>", or a bad regex naming it.
Result<Selector> ParseSelector(std::string_view text, const ParseOptions& options = {});

// A matcher built in code (the profile type of a request); regexes are compiled.
// Errors: kInvalidArgument for a bad regex.
Result<Matcher> MakeMatcher(std::string name, MatchOp op, std::string value);

}  // namespace flamedb::query

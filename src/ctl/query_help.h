// The --help texts of `flamectl query` and its subcommands.
#pragma once

#include <string_view>

namespace flamedb::ctl {

inline constexpr char kQuerySubcommands[] =
    "profile, flamegraph, top, series, labels, label-values or diff";

inline constexpr char kQueryCommonFlags[] = R"(
Common flags:
  --query SELECTOR        label selector (default {}), e.g. '{service_name="checkout"}'
  --profile-type ID       default process_cpu:cpu:nanoseconds:cpu:nanoseconds
  --from TIME --to TIME   as the server takes them: now-1h (default) / now (default),
                          unix seconds, ms, us or ns, YYYYMMDD
  --output FORMAT         table (default) or json
  --url URL               the server (default http://localhost:4040)
  --tenant-id ID          X-Scope-OrgID
  --username U --password P | --token T    basic or bearer authentication
  --protocol PROTOCOL     connect (default) or grpc-web
  --timeout DURATION      per request (default 30s)
)";

// The help of `sub` ("" or unknown: the overview).
inline const char* QueryHelp(std::string_view sub) {
  if (sub == "profile") {
    return R"(flamectl query profile: the merged profile (SelectMergeProfile) as a gzipped pprof file.

Flags:
  --out FILE              where to write it (default profile.pb.gz; - for stdout)
  --max-nodes N           keep the N heaviest nodes (default: all)
  (and the common flags of 'flamectl query --help')

Example:
  flamectl query profile --query '{service_name="checkout"}' --out cpu.pb.gz && go tool pprof -top cpu.pb.gz
)";
  }
  if (sub == "flamegraph") {
    return R"(flamectl query flamegraph: the merged flame graph (SelectMergeStacktraces).

Flags:
  --format FORMAT         tree (default: indented, children by total) or folded (a;b;c <self>)
  --max-nodes N           nodes kept by the server (default 100 for tree, 8192 for folded)
  --max-depth N           tree levels shown (default all)
  --output json           the API's FlameGraph message as JSON
  (and the common flags of 'flamectl query --help')

Example:
  flamectl query flamegraph --from now-15m --max-nodes 30
)";
  }
  if (sub == "top") {
    return R"(flamectl query top: the top functions by self (flat) with their total (cum), as pprof -top.

Flags:
  --limit N               rows (default 20; 0 for all)
  --max-nodes N           nodes the server keeps before the table is made (default 1048576)
  (and the common flags of 'flamectl query --help')

Example:
  flamectl query top --profile-type memory:alloc_space:bytes:space:bytes --limit 10
)";
  }
  if (sub == "diff") {
    return R"(flamectl query diff: the functions whose share changed most between two selections (Diff).

Flags:
  --left-query S --right-query S   the two selectors (default: --query)
  --left-from T --left-to T        the left range (default: --from/--to)
  --right-from T --right-to T      the right range (default: --from/--to)
  --limit N                        rows (default 20; 0 for all)
  (and the common flags of 'flamectl query --help')

Example:
  flamectl query diff --left-query '{version="1.0"}' --right-query '{version="1.1"}'
)";
  }
  if (sub == "series") {
    return R"(flamectl query series: the label sets of the matching series (Series).

Flags:
  --label-names NAME      project onto this label; repeatable (default: all labels)
  (and the common flags of 'flamectl query --help')

Example:
  flamectl query series --query '{service_name="checkout"}' --label-names pod
)";
  }
  if (sub == "labels") {
    return R"(flamectl query labels: every label name with its number of distinct values (LabelNames, LabelValues).

Flags: the common flags of 'flamectl query --help'.

Example:
  flamectl query labels --query '{service_name="checkout"}'
)";
  }
  if (sub == "label-values") {
    return R"(flamectl query label-values NAME: the values of a label with the number of series of each (LabelValues, Series).

Flags: the common flags of 'flamectl query --help'.

Example:
  flamectl query label-values pod --from now-24h
)";
  }
  static const std::string overview = std::string(R"(flamectl query SUBCOMMAND: read from the server.

Subcommands:
  profile        the merged profile as a pprof file
  flamegraph     the merged flame graph as a tree or folded lines
  top            the top functions, self and total
  series         the label sets of the matching series
  labels         label names with their cardinality
  label-values   a label's values with their series counts
  diff           the biggest changes between two selections

Run 'flamectl query SUBCOMMAND --help' for its flags.

Examples:
  flamectl query top --query '{service_name="checkout"}' --from now-15m
  flamectl query labels --url http://pyroscope:4040 --tenant-id team-a
)") + kQueryCommonFlags;
  return overview.c_str();
}

}  // namespace flamedb::ctl

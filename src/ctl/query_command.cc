// flamectl query: the querier's read methods (querier.v1.QuerierService), printed for people
// (tables, trees) or as JSON.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "base/gzip.h"
#include "base/json.h"
#include "ctl/cli.h"
#include "ctl/flame_tree.h"
#include "ctl/query_help.h"
#include "ctl/rpc.h"
#include "google/v1/profile.pb.h"
#include "querier/v1/querier.pb.h"

namespace flamedb::ctl {
namespace {

namespace qv1 = querier::v1;
constexpr char kQuerier[] = "/querier.v1.QuerierService/";
constexpr char kDefaultType[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

// What every query subcommand has parsed before it calls the server.
struct Query {
  Args args;
  RpcClient client;
  TimeRange range;
  bool json = false;
  std::string profile_type;
  std::string selector;
};

Status Call(const Query& q, const char* method, const google::protobuf::Message& req,
            google::protobuf::Message& resp) {
  return q.client.Call(std::string(kQuerier) + method, req, resp);
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out + "\n";
}

// The sample unit: the third part of a profile type id.
std::string UnitOf(const std::string& profile_type) {
  size_t at = 0;
  for (int i = 0; i < 2 && at != std::string::npos; ++i) at = profile_type.find(':', at + 1);
  if (at == std::string::npos) return "";
  return profile_type.substr(at + 1, profile_type.find(':', at + 1) - at - 1);
}

Result<int64_t> IntFlag(const Args& args, const std::string& name, int64_t def) {
  if (!args.Has(name)) return def;
  const std::string text = args.Get(name);
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgumentError("--" + name + " \"" + text + "\": want a non-negative integer");
  }
  return std::stoll(text);
}

void FillStacks(const Query& q, const std::string& selector, const TimeRange& range,
                int64_t max_nodes, qv1::SelectMergeStacktracesRequest& req) {
  req.set_profile_typeid(q.profile_type);
  req.set_label_selector(selector);
  req.set_start(range.start_ms);
  req.set_end(range.end_ms);
  req.set_max_nodes(max_nodes);
  req.set_format(qv1::PROFILE_FORMAT_FLAMEGRAPH);
}

// A FlameGraph or FlameGraphDiff as a tree; an empty graph (no data) is a bare root.
template <typename Graph>
Result<FlameNode> Decode(const Graph& fg, bool diff) {
  std::vector<std::string> names(fg.names().begin(), fg.names().end());
  std::vector<std::vector<int64_t>> levels;
  for (const qv1::Level& l : fg.levels()) levels.emplace_back(l.values().begin(), l.values().end());
  if (levels.empty()) {
    FlameNode root;
    root.name = "total";
    return root;
  }
  return DecodeFlameGraph(names, levels, diff);
}

int Profile(const Query& q) {
  qv1::SelectMergeProfileRequest req;
  req.set_profile_typeid(q.profile_type);
  req.set_label_selector(q.selector);
  req.set_start(q.range.start_ms);
  req.set_end(q.range.end_ms);
  if (q.args.Has("max-nodes")) {
    Result<int64_t> max_nodes = IntFlag(q.args, "max-nodes", 0);
    if (!max_nodes.ok()) return Usage(max_nodes.status().message());
    req.set_max_nodes(*max_nodes);
  }
  google::v1::Profile resp;
  if (Status s = Call(q, "SelectMergeProfile", req, resp); !s.ok()) return Fail(s);
  const std::string out = q.args.Get("out", "profile.pb.gz");
  const std::string bytes = base::Gzip(resp.SerializeAsString());
  if (out == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return kOk;
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file.good()) return Fail(UnavailableError("cannot write " + out));
  std::fprintf(stderr, "wrote %s: %d samples, %zu bytes\n", out.c_str(), resp.sample_size(),
               bytes.size());
  return kOk;
}

int Flamegraph(const Query& q) {
  const std::string format = q.args.Get("format", "tree");
  if (format != "tree" && format != "folded") return Usage("--format: want tree or folded");
  Result<int64_t> max_nodes = IntFlag(q.args, "max-nodes", format == "tree" ? 100 : 8192);
  Result<int64_t> max_depth = IntFlag(q.args, "max-depth", 0);
  if (!max_nodes.ok() || !max_depth.ok()) {
    return Usage((max_nodes.ok() ? max_depth : max_nodes).status().message());
  }
  qv1::SelectMergeStacktracesRequest req;
  FillStacks(q, q.selector, q.range, *max_nodes, req);
  qv1::SelectMergeStacktracesResponse resp;
  if (Status s = Call(q, "SelectMergeStacktraces", req, resp); !s.ok()) return Fail(s);
  if (q.json) return std::fputs(ToJson(resp.flamegraph()).c_str(), stdout), kOk;
  Result<FlameNode> root = Decode(resp.flamegraph(), false);
  if (!root.ok()) return Fail(root.status());
  const std::string text = format == "folded"
                               ? FormatFolded(*root)
                               : FormatTree(*root, UnitOf(q.profile_type),
                                            static_cast<int>(*max_depth), 0.0);
  std::fputs(text.c_str(), stdout);
  return kOk;
}

int Top(const Query& q) {
  Result<int64_t> limit = IntFlag(q.args, "limit", 20);
  Result<int64_t> max_nodes = IntFlag(q.args, "max-nodes", 1048576);
  if (!limit.ok() || !max_nodes.ok()) return Usage((limit.ok() ? max_nodes : limit).status().message());
  qv1::SelectMergeStacktracesRequest req;
  FillStacks(q, q.selector, q.range, *max_nodes, req);
  qv1::SelectMergeStacktracesResponse resp;
  if (Status s = Call(q, "SelectMergeStacktraces", req, resp); !s.ok()) return Fail(s);
  Result<FlameNode> root = Decode(resp.flamegraph(), false);
  if (!root.ok()) return Fail(root.status());
  std::fputs(FormatTop(TopFunctions(*root), root->total, UnitOf(q.profile_type),
                       static_cast<size_t>(*limit), q.json)
                 .c_str(),
             stdout);
  return kOk;
}

int Diff(const Query& q) {
  Result<int64_t> limit = IntFlag(q.args, "limit", 20);
  Result<int64_t> max_nodes = IntFlag(q.args, "max-nodes", 1048576);
  if (!limit.ok() || !max_nodes.ok()) return Usage((limit.ok() ? max_nodes : limit).status().message());
  const auto now = std::chrono::system_clock::now();
  Result<TimeRange> left = RangeFromArgs(q.args, now, "left-");
  Result<TimeRange> right = RangeFromArgs(q.args, now, "right-");
  if (!left.ok() || !right.ok()) return Usage((left.ok() ? right : left).status().message());
  qv1::DiffRequest req;
  FillStacks(q, q.args.Get("left-query", q.selector), *left, *max_nodes, *req.mutable_left());
  FillStacks(q, q.args.Get("right-query", q.selector), *right, *max_nodes, *req.mutable_right());
  qv1::DiffResponse resp;
  if (Status s = Call(q, "Diff", req, resp); !s.ok()) return Fail(s);
  const qv1::FlameGraphDiff& fg = resp.flamegraph();
  Result<FlameNode> root = Decode(fg, true);
  if (!root.ok()) return Fail(root.status());
  std::fputs(FormatDiff(TopFunctions(*root), fg.leftticks(), fg.rightticks(),
                        UnitOf(q.profile_type), static_cast<size_t>(*limit), q.json)
                 .c_str(),
             stdout);
  return kOk;
}

std::string FormatLabels(const types::v1::Labels& labels) {
  std::string out = "{";
  for (int i = 0; i < labels.labels_size(); ++i) {
    out += (i ? ", " : "") + labels.labels(i).name() + "=" + base::JsonString(labels.labels(i).value());
  }
  return out + "}";
}

int Series(const Query& q) {
  qv1::SeriesRequest req;
  req.add_matchers(q.selector);
  if (auto it = q.args.flags.find("label-names"); it != q.args.flags.end()) {
    for (const std::string& name : it->second) req.add_label_names(name);
  }
  req.set_start(q.range.start_ms);
  req.set_end(q.range.end_ms);
  qv1::SeriesResponse resp;
  if (Status s = Call(q, "Series", req, resp); !s.ok()) return Fail(s);
  if (q.json) return std::fputs(ToJson(resp).c_str(), stdout), kOk;
  for (const types::v1::Labels& l : resp.labels_set()) std::puts(FormatLabels(l).c_str());
  return kOk;
}

Result<std::vector<std::string>> Values(const Query& q, const std::string& name) {
  types::v1::LabelValuesRequest req;
  req.set_name(name);
  req.add_matchers(q.selector);
  req.set_start(q.range.start_ms);
  req.set_end(q.range.end_ms);
  types::v1::LabelValuesResponse resp;
  if (Status s = Call(q, "LabelValues", req, resp); !s.ok()) return s;
  return std::vector<std::string>(resp.names().begin(), resp.names().end());
}

// Rows of (name, count), biggest count first, as a table or a JSON object.
void PrintCounts(std::vector<std::pair<std::string, size_t>> rows, const char* header, bool json) {
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (json) {
    std::string out = "{";
    for (size_t i = 0; i < rows.size(); ++i) {
      out += (i ? "," : "") + base::JsonString(rows[i].first) + ":" + std::to_string(rows[i].second);
    }
    std::puts((out + "}").c_str());
    return;
  }
  std::printf("%-40s %s\n", header, "COUNT");
  for (const auto& [name, n] : rows) std::printf("%-40s %zu\n", name.c_str(), n);
}

int Labels(const Query& q) {
  types::v1::LabelNamesRequest req;
  req.add_matchers(q.selector);
  req.set_start(q.range.start_ms);
  req.set_end(q.range.end_ms);
  types::v1::LabelNamesResponse resp;
  if (Status s = Call(q, "LabelNames", req, resp); !s.ok()) return Fail(s);
  std::vector<std::pair<std::string, size_t>> rows;
  for (const std::string& name : resp.names()) {
    Result<std::vector<std::string>> values = Values(q, name);
    if (!values.ok()) return Fail(values.status());
    rows.emplace_back(name, values->size());
  }
  PrintCounts(std::move(rows), "LABEL (distinct values)", q.json);
  return kOk;
}

int LabelValues(const Query& q) {
  if (q.args.positional.size() != 2) return Usage("query label-values needs one label name");
  const std::string& name = q.args.positional[1];
  Result<std::vector<std::string>> values = Values(q, name);
  if (!values.ok()) return Fail(values.status());
  qv1::SeriesRequest req;  // The series of each value: its cardinality.
  req.add_matchers(q.selector);
  req.set_start(q.range.start_ms);
  req.set_end(q.range.end_ms);
  qv1::SeriesResponse resp;
  if (Status s = Call(q, "Series", req, resp); !s.ok()) return Fail(s);
  std::map<std::string, size_t> series;
  for (const std::string& v : *values) series[v] = 0;
  for (const types::v1::Labels& l : resp.labels_set()) {
    for (const types::v1::LabelPair& p : l.labels()) {
      if (p.name() == name) ++series[p.value()];
    }
  }
  PrintCounts({series.begin(), series.end()}, "VALUE (series)", q.json);
  return kOk;
}

}  // namespace

int QueryCommand(std::span<const std::string> argv) {
  std::set<std::string> known = ClientFlags();
  known.insert({"query", "profile-type", "from", "to", "output", "max-nodes", "out", "format",
                "max-depth", "limit", "label-names", "left-query", "right-query", "left-from",
                "left-to", "right-from", "right-to"});
  Result<Args> args = ParseArgs(argv, known);
  if (!args.ok()) return Usage(args.status().message());
  const std::string sub = args->positional.empty() ? "" : args->positional[0];
  if (args->help) return std::fputs(QueryHelp(sub), stdout), kOk;
  if (sub.empty()) return Usage("query needs a subcommand: " + std::string(kQuerySubcommands));
  Result<ClientOptions> client = ClientOptionsFromArgs(*args);
  if (!client.ok()) return Usage(client.status().message());
  Result<TimeRange> range = RangeFromArgs(*args, std::chrono::system_clock::now());
  if (!range.ok()) return Usage(range.status().message());
  Result<bool> json = JsonOutput(*args);
  if (!json.ok()) return Usage(json.status().message());
  if (sub != "label-values" && args->positional.size() != 1) {
    return Usage("query " + sub + " takes no arguments");
  }
  const Query q{*args, RpcClient(std::move(client).value()), *range, *json,
                args->Get("profile-type", kDefaultType), args->Get("query", "{}")};
  if (sub == "profile") return Profile(q);
  if (sub == "flamegraph") return Flamegraph(q);
  if (sub == "top") return Top(q);
  if (sub == "diff") return Diff(q);
  if (sub == "series") return Series(q);
  if (sub == "labels") return Labels(q);
  if (sub == "label-values") return LabelValues(q);
  return Usage("unknown query subcommand \"" + sub + "\": want " + std::string(kQuerySubcommands));
}

}  // namespace flamedb::ctl

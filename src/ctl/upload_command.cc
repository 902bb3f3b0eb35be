// flamectl upload: each file becomes one push.v1.PusherService/Push.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ctl/cli.h"
#include "ctl/rpc.h"
#include "ctl/upload.h"
#include "push/v1/push.pb.h"

namespace flamedb::ctl {
namespace {

constexpr char kUploadHelp[] = R"(flamectl upload FILE...: push pprof files (gzipped or raw) and folded files.

Each file is one Push. The profile type (__name__) is guessed from the pprof sample types as the
server's /ingest does (cpu: process_cpu, alloc_*/inuse_*: memory, ...); folded files are cpu
samples unless --type says otherwise. Progress goes to stderr, one line per file.

Flags:
  --service-name NAME   service_name label (default flamectl-upload)
  --label KEY=VALUE     a series label; repeatable; replaces service_name or __name__ if named
  --type NAME           pprof: the __name__ to use; folded: the profile type suffix
                        (cpu, wall, alloc_objects, inuse_space, ...); default: guessed / cpu
  --format FORMAT       auto (default), pprof or folded
  --sample-rate HZ      folded cpu/wall: samples per second (default 100)
  --url URL             the server (default http://localhost:4040)
  --tenant-id ID        X-Scope-OrgID
  --username U --password P | --token T    basic or bearer authentication
  --protocol PROTOCOL   connect (default) or grpc-web
  --timeout DURATION    per request (default 30s)

Examples:
  flamectl upload --service-name checkout cpu.pb.gz heap.pb.gz
  flamectl upload --label env=prod --label region=eu stacks.folded
)";

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open the file");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return DataLossError(path + ": read error");
  return std::move(s).str();
}

Result<UploadOptions> OptionsFromArgs(const Args& args) {
  UploadOptions o;
  o.service_name = args.Get("service-name", o.service_name);
  o.type = args.Get("type");
  auto it = args.flags.find("label");
  if (it != args.flags.end()) {
    for (const std::string& text : it->second) {
      Result<std::pair<std::string, std::string>> label = ParseLabelFlag(text);
      if (!label.ok()) return label.status();
      o.labels.push_back(std::move(label).value());
    }
  }
  const std::string format = args.Get("format", "auto");
  if (format == "pprof") {
    o.format = FileFormat::kPprof;
  } else if (format == "folded") {
    o.format = FileFormat::kFolded;
  } else if (format != "auto") {
    return InvalidArgumentError("--format \"" + format + "\": want auto, pprof or folded");
  }
  const std::string rate = args.Get("sample-rate", "100");
  if (rate.empty() || rate.size() > 9 || rate.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(rate) == 0) {
    return InvalidArgumentError("--sample-rate \"" + rate + "\": want a positive integer");
  }
  o.sample_rate = std::stoll(rate);
  o.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return o;
}

Status PushOne(const RpcClient& client, const PreparedUpload& upload) {
  push::v1::PushRequest req;
  push::v1::RawProfileSeries* series = req.add_series();
  for (const auto& [k, v] : upload.labels) {
    types::v1::LabelPair* pair = series->add_labels();
    pair->set_name(k);
    pair->set_value(v);
  }
  series->add_samples()->set_raw_profile(upload.raw_profile);
  push::v1::PushResponse resp;
  return client.Call("/push.v1.PusherService/Push", req, resp);
}

}  // namespace

int UploadCommand(std::span<const std::string> argv) {
  std::set<std::string> known = ClientFlags();
  known.insert({"service-name", "label", "type", "format", "sample-rate"});
  Result<Args> args = ParseArgs(argv, known);
  if (!args.ok()) return Usage(args.status().message());
  if (args->help) return std::fputs(kUploadHelp, stdout), kOk;
  if (args->positional.empty()) return Usage("upload needs at least one file");
  Result<ClientOptions> client_options = ClientOptionsFromArgs(*args);
  if (!client_options.ok()) return Usage(client_options.status().message());
  Result<UploadOptions> options = OptionsFromArgs(*args);
  if (!options.ok()) return Usage(options.status().message());
  const RpcClient client(std::move(client_options).value());
  const size_t n = args->positional.size();
  size_t failed = 0;
  Status last;
  for (size_t i = 0; i < n; ++i) {
    const std::string& file = args->positional[i];
    Result<std::string> contents = ReadFile(file);
    Result<PreparedUpload> upload =
        contents.ok() ? PrepareUpload(file, std::move(contents).value(), *options)
                      : Result<PreparedUpload>(contents.status());
    Status s = upload.ok() ? PushOne(client, *upload) : upload.status();
    if (!s.ok() && upload.ok()) s = Status(s.code(), file + ": " + std::string(s.message()));
    if (s.ok()) {
      std::fprintf(stderr, "[%zu/%zu] %s: %s, %zu samples, %zu bytes\n", i + 1, n, file.c_str(),
                   upload->metric.c_str(), upload->samples, upload->raw_profile.size());
    } else {
      ++failed;
      last = s;
      std::fprintf(stderr, "[%zu/%zu] %s\n", i + 1, n, std::string(s.message()).c_str());
    }
  }
  if (failed == 0) {
    std::printf("uploaded %zu file%s\n", n, n == 1 ? "" : "s");
    return kOk;
  }
  if (n == 1) return Fail(last);
  return Fail(Status(last.code(), std::to_string(failed) + " of " + std::to_string(n) +
                                      " files failed; the last: " + std::string(last.message())));
}

}  // namespace flamedb::ctl

// flamectl: the command-line client of flamedb (and of Pyroscope servers where the API is the
// same). Exit codes: 0 ok, 1 failure, 2 usage error; errors are one line on stderr.
#include <chrono>
#include <cstdlib>
#include <set>
#include <cstdio>
#include <string>
#include <vector>

#include "base/build_info.h"
#include "ctl/args.h"
#include "ctl/blocks.h"
#include "ctl/cli.h"
#include "ctl/http_client.h"
#include "ctl/rpc.h"
#include "base/flags.h"
#include "objstore/config.h"

namespace {

using namespace flamedb;  // NOLINT: a program's main file.

using ctl::Fail;
using ctl::kOk;
using ctl::kUsage;
using ctl::Usage;

constexpr char kUsageText[] = R"(flamectl: the command-line client of flamedb

Usage:
  flamectl <command> [flags]

Commands:
  upload FILE...        push pprof (gzipped or raw) and folded files
  query SUBCOMMAND      read: profile, flamegraph, top, series, labels, label-values, diff
  canary                probe the server end to end, once or on an interval with metrics
  ready                 exit 0 when the server is ready (GET /ready answers 200)
  blocks list           the blocks of a bucket directory, read without a server
  blocks inspect ID     one block in detail; every section is read and checked

Flags of the server commands: --url (default http://localhost:4040), --tenant-id,
--username/--password, --token, --protocol connect|grpc-web, --timeout.
Exit codes: 0 ok, 1 failure, 2 usage error.

Run 'flamectl <command> --help' for a command's flags and examples.
)";

constexpr char kReadyHelp[] = R"(flamectl ready: exit 0 when the server is ready, 1 when not.

Flags:
  --url URL          the server (default http://localhost:4040)
  --timeout DURATION how long to wait for an answer (default 5s)
  --tenant-id, --username/--password, --token: sent as for every server command

Example:
  flamectl ready --url http://localhost:4040 && echo up
)";

constexpr char kBlocksHelp[] = R"(flamectl blocks list | inspect ID: read a bucket without a server.

Flags:
  --storage.*        the bucket, with the server's flags: --storage.backend (filesystem, s3,
                     azure), --storage.prefix, --storage.filesystem.dir, --storage.s3.endpoint,
                     --storage.s3.bucket-name, ..., --storage.azure.account-name, ...
                     (docs/storage.md); S3 credentials also from AWS_ACCESS_KEY_ID and
                     AWS_SECRET_ACCESS_KEY
  --config.file FILE the server's YAML file, whose storage: section is read
  --dir DIR          short for --storage.filesystem.dir DIR
  --tenant-id ID     only this tenant (inspect: required unless there is one tenant)
  --output FORMAT    table (default) or json

Examples:
  flamectl blocks list --dir ./data
  flamectl blocks inspect --dir ./data --tenant-id anonymous 01JABCDEF0123456789ABCDEFG
  flamectl blocks list --storage.backend s3 --storage.s3.endpoint s3.eu-west-1.amazonaws.com \
    --storage.s3.bucket-name profiles --storage.s3.region eu-west-1
)";

// The --storage.* flags of the server (and --config.file) for the blocks commands.
struct StorageFlags {
  base::FlagSet flags{"flamectl blocks"};
  objstore::BucketConfig config;
  std::string config_file;
  StorageFlags() {
    config.Register(flags);
    flags.String("config.file", &config_file, "", "The server's YAML configuration.");
  }
  // Parses `argv` with them and blocks' own flags.
  Result<ctl::Args> Parse(std::span<const std::string> argv) const {
    std::set<std::string> known = {"dir", "tenant-id", "output"};
    std::set<std::string> switches;
    for (const auto& f : flags.flags()) {
      (f->type == base::FlagType::kBool ? switches : known).insert(f->name);
    }
    return ctl::ParseArgs(argv, known, switches);
  }
  // The bucket they name. Errors: kInvalidArgument (flags), the bucket's.
  Result<std::unique_ptr<objstore::Bucket>> Open(const ctl::Args& args) {
    std::vector<std::string> assignments;
    for (const auto& [name, values] : args.flags) {
      if (name == "dir") {
        assignments.push_back("-storage.filesystem.dir=" + values.back());
      } else if (flags.Find(name) != nullptr) {
        assignments.push_back("-" + name + (values.empty() ? "" : "=" + values.back()));
      }
    }
    FLAMEDB_RETURN_IF_ERROR(flags.Parse(assignments, [](const char* n) { return std::getenv(n); }));
    if (config.backend == "filesystem" && !args.Has("dir") &&
        !args.Has("storage.filesystem.dir") && config_file.empty()) {
      return InvalidArgumentError("blocks needs --dir, --storage.* flags or --config.file");
    }
    return objstore::OpenBucket(config);
  }
};

int Ready(std::span<const std::string> argv) {
  Result<ctl::Args> args = ctl::ParseArgs(argv, ctl::ClientFlags());
  if (!args.ok()) return Usage(args.status().message());
  if (args->help) return std::fputs(kReadyHelp, stdout), kOk;
  if (!args->positional.empty()) return Usage("ready takes no arguments");
  ctl::Args with_default = *args;
  if (!with_default.Has("timeout")) with_default.flags["timeout"] = {"5s"};
  Result<ctl::ClientOptions> options = ctl::ClientOptionsFromArgs(with_default);
  if (!options.ok()) return Usage(options.status().message());
  Result<ctl::HttpReply> reply = ctl::HttpRequest(options->target, "GET", "/ready",
                                                  ctl::CommonHeaders(*options), "", options->timeout);
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 200) {
    std::string body = reply->body.substr(0, reply->body.find('\n'));
    return Fail(UnavailableError("not ready: HTTP " + std::to_string(reply->status) + " " + body));
  }
  std::puts("ready");
  return kOk;
}

int Blocks(std::span<const std::string> argv) {
  StorageFlags storage;
  Result<ctl::Args> args = storage.Parse(argv);
  if (!args.ok()) return Usage(args.status().message());
  if (args->help || args->positional.empty()) {
    if (args->help) return std::fputs(kBlocksHelp, stdout), kOk;
    return Usage("blocks needs a subcommand: list or inspect");
  }
  const std::string& sub = args->positional[0];
  const std::string output = args->Get("output", "table");
  if (output != "table" && output != "json") return Usage("--output must be table or json");
  Result<std::unique_ptr<objstore::Bucket>> bucket = storage.Open(*args);
  if (bucket.status().code() == StatusCode::kInvalidArgument) {
    return Usage(bucket.status().message());
  }
  if (!bucket.ok()) return Fail(bucket.status());
  const std::string tenant = args->Get("tenant-id");
  if (sub == "list") {
    if (args->positional.size() != 1) return Usage("blocks list takes no arguments");
    Result<std::vector<ctl::BlockEntry>> blocks = ctl::ListBlocks(**bucket, tenant);
    if (!blocks.ok()) return Fail(blocks.status());
    std::fputs(ctl::FormatBlocks(*blocks, output == "json").c_str(), stdout);
    return kOk;
  }
  if (sub != "inspect") return Usage("unknown blocks subcommand \"" + sub + "\"");
  if (args->positional.size() != 2) return Usage("blocks inspect needs one block id");
  std::string owner = tenant;
  if (owner.empty()) {
    Result<std::vector<ctl::BlockEntry>> all = ctl::ListBlocks(**bucket, "");
    if (!all.ok()) return Fail(all.status());
    for (const ctl::BlockEntry& b : *all) {
      if (b.id == args->positional[1]) owner = b.tenant;
    }
    if (owner.empty()) return Fail(NotFoundError("no block " + args->positional[1]));
  }
  Result<std::string> text =
      ctl::InspectBlock(**bucket, owner, args->positional[1], output == "json");
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsageText, args.empty() ? stderr : stdout);
    return args.empty() ? kUsage : kOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("flamectl %s\n", std::string(flamedb::base::GetBuildInfo().version).c_str());
    return kOk;
  }
  const std::span<const std::string> rest(args.data() + 1, args.size() - 1);
  if (args[0] == "ready") return Ready(rest);
  if (args[0] == "upload") return flamedb::ctl::UploadCommand(rest);
  if (args[0] == "query") return flamedb::ctl::QueryCommand(rest);
  if (args[0] == "canary") return flamedb::ctl::CanaryCommand(rest);
  if (args[0] == "blocks") return Blocks(rest);
  return Usage("unknown command \"" + args[0] + "\"");
}

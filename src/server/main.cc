// flamedb: the server binary. Parses the configuration, starts the App, and waits for SIGTERM or
// SIGINT to shut it down gracefully (a second signal exits at once).
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/build_info.h"
#include "base/clock.h"
#include "base/flags.h"
#include "base/logging.h"
#include "base/memory.h"
#include "server/app.h"
#include "server/config.h"

namespace {

using flamedb::base::FlagSet;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Blocks the shutdown signals in every thread (threads inherit the mask), so that only
// sigwait() in main sees them; no code runs in signal context.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // A client that hangs up is an error code, not a signal.
  return set;
}

// Each connection is a file descriptor; allow as many as the hard limit lets us.
void RaiseFileLimit(flamedb::base::Logger& logger) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    const rlim_t before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
      logger.Debug("raised open file limit", "from", static_cast<uint64_t>(before), "to",
                   static_cast<uint64_t>(rl.rlim_cur));
    }
  }
}

std::string_view SignalName(int sig) { return sig == SIGTERM ? "SIGTERM" : "SIGINT"; }

// Returns the exit code, or -1 to go on starting the server.
int HandleInfoFlags(const flamedb::server::Config& config, const FlagSet& flags) {
  if (config.help || config.help_all) {
    std::fputs(flags.Usage(config.help_all).c_str(), stdout);
    return 0;
  }
  if (config.help_markdown) {
    std::fputs(flags.Markdown().c_str(), stdout);
    return 0;
  }
  if (config.version) {
    const auto& info = flamedb::base::GetBuildInfo();
    std::printf("flamedb, version %.*s (branch: %.*s, revision: %.*s)\n  compiler: %.*s\n",
                static_cast<int>(info.version.size()), info.version.data(),
                static_cast<int>(info.branch.size()), info.branch.data(),
                static_cast<int>(info.revision.size()), info.revision.data(),
                static_cast<int>(info.compiler.size()), info.compiler.data());
    return 0;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  flamedb::base::TuneAllocator();
  const sigset_t signals = BlockShutdownSignals();
  flamedb::server::Config config;
  FlagSet flags("flamedb");
  config.Register(flags);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (auto s = flags.Parse(args, [](const char* name) { return std::getenv(name); }); !s.ok()) {
    std::fprintf(stderr, "flamedb: %s\nRun 'flamedb -help' for the list of flags.\n",
                 std::string(s.message()).c_str());
    return kExitUsage;
  }
  if (const int code = HandleInfoFlags(config, flags); code >= 0) {
    return code;
  }
  if (auto s = config.Compile(); !s.ok()) {
    std::fprintf(stderr, "flamedb: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }

  flamedb::base::RealClock clock;
  flamedb::base::Logger logger(clock, stderr, *flamedb::base::ParseLogLevel(config.log_level),
                               *flamedb::base::ParseLogFormat(config.log_format));
  RaiseFileLimit(logger);
  const auto& info = flamedb::base::GetBuildInfo();
  logger.Info("starting flamedb", "version", info.version, "revision", info.revision, "target",
              config.target, "data_dir", config.DataPath(), "bucket", config.storage.backend);

  auto app = flamedb::server::App::Start(config, flags, logger, clock);
  if (!app.ok()) {
    logger.Error("failed to start", "err", app.status());
    return kExitFailure;
  }
  logger.Info("http server listening",
              "addr", (config.http_listen_address.empty() ? std::string("0.0.0.0")
                                                          : config.http_listen_address) +
                          ":" + std::to_string((*app)->port()));

  int sig = 0;
  sigwait(&signals, &sig);
  logger.Info("shutting down", "signal", SignalName(sig), "timeout",
              config.graceful_shutdown_timeout);
  // A second signal means "now": exit without waiting for in-flight requests.
  std::thread([signals, &logger] {
    int again = 0;
    sigwait(&signals, &again);
    logger.Warn("second signal, exiting immediately", "signal", SignalName(again));
    std::_Exit(kExitFailure);
  }).detach();

  const int cut = (*app)->Shutdown(config.graceful_shutdown_timeout);
  if (cut > 0) {
    logger.Warn("graceful shutdown timed out; connections were cut", "connections", cut);
  }
  app->reset();
  logger.Info("shutdown complete");
  return 0;
}

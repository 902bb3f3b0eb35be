// Real servers that tests run against, started and stopped by the tests themselves on free
// loopback ports through the launchers in tests/servers/ (Swift's S3 API, Azurite). A launcher
// that fails is a test failure, never a skip: scripts/setup installs what they need.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "base/status.h"

#ifndef FLAMEDB_SOURCE_DIR
#error "FLAMEDB_SOURCE_DIR must name the source tree (set by src/testing/CMakeLists.txt)"
#endif

namespace flamedb::testing {

// True if nothing listens on 127.0.0.1:port and it can be bound.
inline bool PortIsFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// The first of `count` consecutive free ports, from a random start (parallel test processes
// rarely collide).
inline int FreePorts(int count) {
  std::mt19937 rng(std::random_device{}());
  for (int tries = 0; tries < 1000; ++tries) {
    const int base = 20000 + static_cast<int>(rng() % 30000);
    bool free = true;
    for (int i = 0; i < count && free; ++i) free = PortIsFree(base + i);
    if (free) return base;
  }
  return 0;
}

// A server started by tests/servers/<launcher>; stopped when destroyed.
class TestServer {
 public:
  // Runs `<launcher> start DIR PORT` and waits for the endpoint line it prints.
  // Errors: kUnavailable with the launcher's own message.
  static Result<std::unique_ptr<TestServer>> Start(const std::string& launcher, int ports) {
    const int port = FreePorts(ports);
    auto server = std::unique_ptr<TestServer>(new TestServer);
    server->script_ = std::string(FLAMEDB_SOURCE_DIR) + "/tests/servers/" + launcher;
    server->dir_ = std::filesystem::temp_directory_path() /
                   ("flamedb-" + launcher + "-" + std::to_string(getpid()) + "-" +
                    std::to_string(port));
    const std::string cmd = server->script_ + " start " + server->dir_ + " " +
                            std::to_string(port) + " 2>&1";
    FILE* out = popen(cmd.c_str(), "r");
    if (out == nullptr) return UnavailableError("cannot run " + cmd);
    std::string text;
    char buf[512];
    while (fgets(buf, sizeof buf, out) != nullptr) text += buf;
    const int rc = pclose(out);
    const size_t at = text.find("endpoint=");
    if (rc != 0 || at == std::string::npos) {
      return UnavailableError(launcher + " did not start: " + text);
    }
    server->endpoint_ = text.substr(at + 9, text.find('\n', at) - at - 9);
    server->started_ = true;
    return server;
  }

  ~TestServer() {
    if (!started_) return;
    Run("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // "http://127.0.0.1:PORT" (Swift) or "http://127.0.0.1:PORT/devstoreaccount1" (Azurite).
  const std::string& endpoint() const { return endpoint_; }
  // Runs another command of the launcher ("pause", "resume"). Returns whether it succeeded.
  bool Run(const std::string& command) const {
    return std::system((script_ + " " + command + " " + dir_ + " >/dev/null 2>&1").c_str()) == 0;
  }

 private:
  TestServer() = default;
  std::string script_;
  std::string dir_;
  std::string endpoint_;
  bool started_ = false;
};

}  // namespace flamedb::testing

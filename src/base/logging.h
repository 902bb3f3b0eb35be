// Structured logging in Pyroscope's format: one logfmt (or JSON) line per event,
// `level=info ts=2026-01-02T03:04:05.123456Z caller=server.cc:42 msg="..." key=value`.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/clock.h"
#include "base/duration.h"
#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::base {

enum class LogLevel : uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat : uint8_t { kLogfmt, kJson };

// Parses "debug", "info", "warn" or "error". Errors: kInvalidArgument.
Result<LogLevel> ParseLogLevel(std::string_view name);
Result<LogFormat> ParseLogFormat(std::string_view name);

// The message of a log call, with the call site captured implicitly for the `caller` field.
// (__builtin_FILE/LINE rather than std::source_location, which clang 14 cannot compile with
// libstdc++ 12.)
struct LogMessage {
  LogMessage(const char* text, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())  // NOLINT: implicit on purpose
      : text(text), file(file), line(line) {}
  LogMessage(std::string_view text, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())  // NOLINT: implicit on purpose
      : text(text), file(file), line(line) {}
  std::string_view text;
  const char* file;
  int line;
};

// Writes log lines to a FILE (stderr in the server). Each line is written with one fwrite under a
// mutex, so lines from different threads never interleave.
//
// Thread-safe. Usage: logger.Info("http server listening", "addr", addr, "threads", 4);
// keys are string literals, values are strings, numbers, bools, Status or Duration.
class Logger {
 public:
  Logger(const Clock& clock, FILE* out, LogLevel level = LogLevel::kInfo,
         LogFormat format = LogFormat::kLogfmt);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  bool Enabled(LogLevel level) const {
    // Relaxed: the level is a filter; a racing change may let one line through either way.
    return level >= level_.load(std::memory_order_relaxed);
  }

  template <typename... KV>
  void Debug(LogMessage msg, const KV&... kv) {
    Log(LogLevel::kDebug, msg, kv...);
  }
  template <typename... KV>
  void Info(LogMessage msg, const KV&... kv) {
    Log(LogLevel::kInfo, msg, kv...);
  }
  template <typename... KV>
  void Warn(LogMessage msg, const KV&... kv) {
    Log(LogLevel::kWarn, msg, kv...);
  }
  template <typename... KV>
  void Error(LogMessage msg, const KV&... kv) {
    Log(LogLevel::kError, msg, kv...);
  }

  template <typename... KV>
  void Log(LogLevel level, const LogMessage& msg, const KV&... kv) {
    static_assert(sizeof...(kv) % 2 == 0, "log fields come in key, value pairs");
    if (!Enabled(level)) {
      return;
    }
    std::string line = Begin(level, msg);
    AppendFields(line, kv...);
    Finish(line);
  }

 private:
  std::string Begin(LogLevel level, const LogMessage& msg) const;
  void AppendField(std::string& line, std::string_view key, std::string_view value,
                   bool quote_always) const;
  void Finish(std::string& line);

  void AppendFields(std::string&) const {}
  template <typename V, typename... Rest>
  void AppendFields(std::string& line, std::string_view key, const V& value,
                    const Rest&... rest) const {
    if constexpr (std::is_same_v<V, bool>) {
      AppendField(line, key, value ? "true" : "false", false);
    } else if constexpr (std::is_arithmetic_v<V>) {
      AppendField(line, key, std::to_string(value), false);
    } else if constexpr (std::is_same_v<V, Status>) {
      AppendField(line, key, value.ToString(), true);
    } else if constexpr (std::is_same_v<V, Duration>) {
      AppendField(line, key, FormatDuration(value), false);
    } else {
      AppendField(line, key, std::string_view(value), true);
    }
    AppendFields(line, rest...);
  }

  const Clock& clock_;
  FILE* const out_;
  std::atomic<LogLevel> level_;
  const LogFormat format_;
  Mutex mu_;  // Serializes writes to out_.
};

}  // namespace flamedb::base

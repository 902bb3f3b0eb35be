#include "base/logging.h"

#include "base/json.h"

#include <ctime>

namespace flamedb::base {
namespace {

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%06lldZ", static_cast<long long>(micros % 1000000));
  return buf;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  for (char c : v) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (name == kLevelNames[i]) {
      return static_cast<LogLevel>(i);
    }
  }
  return InvalidArgumentError("unknown log level \"" + std::string(name) +
                              "\": use debug, info, warn or error");
}

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "logfmt") {
    return LogFormat::kLogfmt;
  }
  if (name == "json") {
    return LogFormat::kJson;
  }
  return InvalidArgumentError("unknown log format \"" + std::string(name) +
                              "\": use logfmt or json");
}

Logger::Logger(const Clock& clock, FILE* out, LogLevel level, LogFormat format)
    : clock_(clock), out_(out), level_(level), format_(format) {}

std::string Logger::Begin(LogLevel level, const LogMessage& msg) const {
  std::string line;
  line.reserve(160);
  if (format_ == LogFormat::kJson) {
    line += '{';
  }
  AppendField(line, "level", kLevelNames[static_cast<size_t>(level)], false);
  AppendField(line, "ts", FormatTimestamp(clock_.Now()), false);
  AppendField(line, "caller",
              std::string(BaseName(msg.file)) + ":" + std::to_string(msg.line),
              false);
  AppendField(line, "msg", msg.text, true);
  return line;
}

void Logger::AppendField(std::string& line, std::string_view key, std::string_view value,
                         bool quote_always) const {
  if (format_ == LogFormat::kJson) {
    if (line.size() > 1) {
      line += ',';
    }
    AppendJsonString(line, key);
    line += ':';
    AppendJsonString(line, value);
    return;
  }
  if (!line.empty()) {
    line += ' ';
  }
  line += key;
  line += '=';
  if ((quote_always && key == "msg") || NeedsQuoting(value)) {
    AppendJsonString(line, value);
  } else {
    line += value;
  }
}

void Logger::Finish(std::string& line) {
  if (format_ == LogFormat::kJson) {
    line += '}';
  }
  line += '\n';
  MutexLock lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace flamedb::base

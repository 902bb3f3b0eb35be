#include "base/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "testing/fake_clock.h"

namespace flamedb::base {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Captures what a Logger writes, through a memory FILE.
class CapturedLog {
 public:
  CapturedLog() : file_(open_memstream(&buf_, &size_)) {}
  ~CapturedLog() {
    std::fclose(file_);
    std::free(buf_);
  }
  FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

TEST(LoggerTest, WritesPyroscopeStyleLogfmt) {
  testing::FakeClock clock;
  CapturedLog log;
  Logger logger(clock, log.file());

  logger.Info("http server listening", "addr", std::string("127.0.0.1:4040"), "threads", 4,
              "tls", false);

  EXPECT_THAT(log.Text(), StartsWith("level=info ts=2026-01-02T03:04:05.000000Z caller="
                                     "logging_test.cc:"));
  EXPECT_THAT(log.Text(),
              HasSubstr(" msg=\"http server listening\" addr=127.0.0.1:4040 threads=4 tls=false\n"));
}

TEST(LoggerTest, QuotesAndEscapesValuesThatNeedIt) {
  testing::FakeClock clock;
  CapturedLog log;
  Logger logger(clock, log.file());

  logger.Warn("x", "err", std::string("bad \"thing\"\nhere"), "empty", std::string(),
              "status", InvalidArgumentError("nope"), "took", Duration(std::chrono::seconds(2)));

  EXPECT_THAT(log.Text(), HasSubstr("err=\"bad \\\"thing\\\"\\nhere\" empty=\"\" "
                                    "status=\"invalid_argument: nope\" took=2s"));
}

TEST(LoggerTest, DropsLinesBelowTheLevel) {
  testing::FakeClock clock;
  CapturedLog log;
  Logger logger(clock, log.file(), LogLevel::kWarn);

  logger.Info("hidden");
  logger.Debug("hidden too");
  logger.Error("shown");

  EXPECT_THAT(log.Text(), StartsWith("level=error "));
  EXPECT_THAT(log.Text(), ::testing::Not(HasSubstr("hidden")));
}

TEST(LoggerTest, JsonFormatWritesOneObjectPerLine) {
  testing::FakeClock clock;
  CapturedLog log;
  Logger logger(clock, log.file(), LogLevel::kInfo, LogFormat::kJson);

  logger.Info("started", "port", 4040);

  EXPECT_THAT(log.Text(), StartsWith("{\"level\":\"info\",\"ts\":\"2026-01-02T03:04:05.000000Z\""));
  EXPECT_THAT(log.Text(), HasSubstr("\"msg\":\"started\",\"port\":\"4040\"}\n"));
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

}  // namespace
}  // namespace flamedb::base

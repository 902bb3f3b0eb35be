#include "ingest/folded.h"

#include <charconv>
#include <cstdint>
#include <vector>

namespace flamedb::ingest {
namespace {

// Calls fn(line_number, line) for every line of `text`, CR before LF removed.
template <typename F>
Status ForEachLine(std::string_view text, F fn) {
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    FLAMEDB_RETURN_IF_ERROR(fn(number, line));
  }
  return OkStatus();
}

Status BadLine(size_t number, std::string_view problem) {
  return InvalidArgumentError("folded line " + std::to_string(number) + ": " +
                              std::string(problem));
}

// Text editors may start a file with a UTF-8 byte order mark; it is not part of a frame.
std::string_view WithoutBom(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : text;
}

}  // namespace

Result<model::Profile> ParseFolded(std::string body, const StackProfileType& type) {
  auto storage = std::make_unique<const std::string>(std::move(body));
  const std::string_view text = WithoutBom(*storage);
  StackProfileBuilder builder(std::move(storage), type);
  std::vector<std::string_view> frames;
  FLAMEDB_RETURN_IF_ERROR(ForEachLine(text, [&](size_t number, std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      return OkStatus();
    }
    const size_t space = line.find_last_of(' ');
    if (space == std::string_view::npos) {
      return BadLine(number, "missing count: want \"frame;frame;... <count>\"");
    }
    const std::string_view count_text = line.substr(space + 1);
    int64_t count = 0;
    const auto [ptr, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (count_text.empty() || ec != std::errc() || ptr != count_text.data() + count_text.size() ||
        count < 0) {
      return BadLine(number, "count \"" + std::string(count_text.substr(0, 32)) +
                                 "\" is not a non-negative integer");
    }
    if (count > 0) {
      SplitFrames(line.substr(0, space), frames);
      if (!builder.AddStack(frames, count).ok()) {
        return BadLine(number, "count " + std::string(count_text) + " is too large");
      }
    }
    return OkStatus();
  }));
  return std::move(builder).Build();
}

Result<model::Profile> ParseLines(std::string body, const StackProfileType& type) {
  auto storage = std::make_unique<const std::string>(std::move(body));
  const std::string_view text = WithoutBom(*storage);
  StackProfileBuilder builder(std::move(storage), type);
  std::vector<std::string_view> frames;
  FLAMEDB_RETURN_IF_ERROR(ForEachLine(text, [&](size_t, std::string_view line) {
    if (!line.empty()) {
      SplitFrames(line, frames);
      return builder.AddStack(frames, 1);  // Identical lines are merged by normalization.
    }
    return OkStatus();
  }));
  return std::move(builder).Build();
}

}  // namespace flamedb::ingest

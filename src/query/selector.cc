#include "query/selector.h"

#include <re2/re2.h>

#include "base/utf8.h"

namespace flamedb::query {
namespace {

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool NameChar(char c) { return NameStart(c) || (c >= '0' && c <= '9'); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A recursive-descent parser over the selector text; positions in errors are 1-based columns.
class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options) : s_(text), options_(options) {}

  Result<Selector> Parse() {
    Selector sel;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] != '{') {
      sel.metric = MetricName();
      if (sel.metric.empty()) return Error("unexpected character: " + Quoted(s_[pos_]));
      SkipSpace();
    }
    if (pos_ == s_.size()) {
      if (sel.metric.empty()) return Error("unexpected end of input");
      return Finish(std::move(sel));
    }
    if (s_[pos_] != '{') return Error("unexpected character: " + Quoted(s_[pos_]));
    ++pos_;
    while (true) {
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}') break;
      FLAMEDB_ASSIGN_OR_RETURN(Matcher m, ParseMatcher());
      sel.matchers.push_back(std::move(m));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') break;
      return pos_ == s_.size() ? Error("unexpected end of input inside braces")
                               : Error("unexpected character inside braces: " + Quoted(s_[pos_]));
    }
    ++pos_;  // '}'
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected character after the selector: " + Quoted(s_[pos_]));
    return Finish(std::move(sel));
  }

 private:
  Result<Selector> Finish(Selector sel) {
    if (!sel.metric.empty() && !options_.profile_type_prefix) {
      FLAMEDB_ASSIGN_OR_RETURN(Matcher m, MakeMatcher("__name__", MatchOp::kEqual, sel.metric));
      sel.matchers.insert(sel.matchers.begin(), std::move(m));
    }
    return sel;
  }

  std::string MetricName() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (NameChar(s_[pos_]) || s_[pos_] == ':' ||
                                (options_.profile_type_prefix && s_[pos_] == '.') ||
                                (options_.profile_type_prefix && s_[pos_] == '-'))) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<Matcher> ParseMatcher() {
    if (pos_ == s_.size() || !NameStart(s_[pos_])) {
      return pos_ == s_.size() ? Error("unexpected end of input inside braces")
                               : Error("unexpected character inside braces: " + Quoted(s_[pos_]));
    }
    const size_t start = pos_;
    while (pos_ < s_.size() && NameChar(s_[pos_])) ++pos_;
    std::string name(s_.substr(start, pos_ - start));
    SkipSpace();
    MatchOp op;
    if (s_.substr(pos_, 2) == "!=") {
      op = MatchOp::kNotEqual;
      pos_ += 2;
    } else if (s_.substr(pos_, 2) == "=~") {
      op = MatchOp::kRegex;
      pos_ += 2;
    } else if (s_.substr(pos_, 2) == "!~") {
      op = MatchOp::kNotRegex;
      pos_ += 2;
    } else if (s_.substr(pos_, 1) == "=") {
      op = MatchOp::kEqual;
      pos_ += 1;
    } else {
      return Error("unexpected character after label name " + name + ", expected one of "
                   "=, !=, =~, !~");
    }
    SkipSpace();
    const size_t value_at = pos_;
    FLAMEDB_ASSIGN_OR_RETURN(std::string value, String());
    Result<Matcher> m = MakeMatcher(std::move(name), op, std::move(value));
    if (!m.ok()) {
      return InvalidArgumentError("1:" + std::to_string(value_at + 1) + ": parse error: " +
                                  std::string(m.status().message()));
    }
    return m;
  }

  // A Go string literal: "..." or '...' with escapes, or `...` raw.
  Result<std::string> String() {
    if (pos_ == s_.size()) return Error("unexpected end of input, expected a quoted string");
    const char quote = s_[pos_];
    if (quote != '"' && quote != '\'' && quote != '`') {
      return Error("unexpected character " + Quoted(quote) + ", expected a quoted string");
    }
    const size_t start = pos_++;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      const char c = s_[pos_++];
      if (c == '\\' && quote != '`') {
        FLAMEDB_RETURN_IF_ERROR(Escape(quote, out));
      } else if (c == '\n' && quote != '`') {
        return ErrorAt(start, "unterminated quoted string");
      } else {
        out += c;
      }
    }
    if (pos_ == s_.size()) return ErrorAt(start, "unterminated quoted string");
    ++pos_;
    if (!base::IsValidUtf8(out)) return ErrorAt(start, "invalid UTF-8 in quoted string");
    return out;
  }

  Status Escape(char quote, std::string& out) {
    if (pos_ == s_.size()) return Error("unterminated escape sequence");
    const char e = s_[pos_++];
    switch (e) {
      case 'a': out += '\a'; return OkStatus();
      case 'b': out += '\b'; return OkStatus();
      case 'f': out += '\f'; return OkStatus();
      case 'n': out += '\n'; return OkStatus();
      case 'r': out += '\r'; return OkStatus();
      case 't': out += '\t'; return OkStatus();
      case 'v': out += '\v'; return OkStatus();
      case '\\': out += '\\'; return OkStatus();
      case 'x': case 'u': case 'U': {
        const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; ++i) {
          const int d = pos_ < s_.size() ? HexDigit(s_[pos_]) : -1;
          if (d < 0) return Error("invalid escape sequence \\" + std::string(1, e));
          cp = cp << 4 | static_cast<uint32_t>(d);
          ++pos_;
        }
        if (e == 'x') {
          out += static_cast<char>(cp);
        } else if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
          return Error("escape sequence is an invalid Unicode code point");
        } else {
          AppendUtf8(out, cp);
        }
        return OkStatus();
      }
      default:
        if (e == quote) {
          out += e;
          return OkStatus();
        }
        if (e >= '0' && e <= '7') {  // Three octal digits.
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int i = 0; i < 2; ++i) {
            if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '7') {
              return Error("invalid octal escape sequence");
            }
            v = v * 8 + static_cast<uint32_t>(s_[pos_++] - '0');
          }
          if (v > 255) return Error("octal escape value > 255");
          out += static_cast<char>(v);
          return OkStatus();
        }
        return Error("unknown escape sequence " + Quoted(e));
    }
  }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' ||
                                s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  static std::string Quoted(char c) { return std::string("'") + c + "'"; }
  Status Error(const std::string& what) const { return ErrorAt(pos_, what); }
  Status ErrorAt(size_t at, const std::string& what) const {
    return InvalidArgumentError("1:" + std::to_string(at + 1) + ": parse error: " + what);
  }

  std::string_view s_;
  const ParseOptions options_;
  size_t pos_ = 0;
};

}  // namespace

Result<Matcher> MakeMatcher(std::string name, MatchOp op, std::string value) {
  Matcher m{std::move(name), op, std::move(value), nullptr};
  if (op == MatchOp::kRegex || op == MatchOp::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>("^(?:" + m.value + ")$", options);
    if (!re->ok()) {
      return InvalidArgumentError("invalid regular expression in matcher " + m.name + ": " +
                                  re->error());
    }
    m.regex = std::move(re);
  }
  return m;
}

bool Matcher::MatchesValue(std::string_view v) const {
  switch (op) {
    case MatchOp::kEqual: return v == value;
    case MatchOp::kNotEqual: return v != value;
    case MatchOp::kRegex: return RE2::FullMatch(v, *regex);
    case MatchOp::kNotRegex: return !RE2::FullMatch(v, *regex);
  }
  return false;
}

bool Matcher::Matches(const model::Labels& labels) const {
  return MatchesValue(labels.Get(name).value_or(""));
}

bool Selector::Matches(const model::Labels& labels) const {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

Result<Selector> ParseSelector(std::string_view text, const ParseOptions& options) {
  return Parser(text, options).Parse();
}

}  // namespace flamedb::query

#include "ingest/jfr_symbols.h"

namespace flamedb::ingest::jfr {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Hex(char c) { return Digit(c) || (c >= 'a' && c <= 'f'); }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!Digit(c)) return false;
  }
  return !s.empty();
}

// What follows "$$Lambda" in a hidden class name: "$14/0x00000008000c03000", ".0x7ffa600c4da0",
// "/0x...", or a plain counter "123".
bool LambdaSuffix(std::string_view s) {
  if (AllDigits(s)) return true;
  if (!s.empty() && s[0] == '$') s.remove_prefix(1);
  while (!s.empty() && Digit(s[0])) s.remove_prefix(1);
  if (s.empty() || (s[0] != '.' && s[0] != '/')) return false;
  s.remove_prefix(1);
  if (s.substr(0, 2) == "0x") s.remove_prefix(2);
  for (char c : s) {
    if (!Hex(c)) return false;
  }
  return !s.empty();
}

}  // namespace

std::string MergeGeneratedClassName(std::string_view name) {
  constexpr std::string_view kAccessor = "jdk/internal/reflect/GeneratedMethodAccessor";
  if (name.substr(0, kAccessor.size()) == kAccessor && AllDigits(name.substr(kAccessor.size()))) {
    return std::string(kAccessor) + "_";
  }
  constexpr std::string_view kLambda = "$$Lambda";
  const size_t at = name.rfind(kLambda);
  if (at != std::string_view::npos && at > 0 && LambdaSuffix(name.substr(at + kLambda.size()))) {
    return std::string(name.substr(0, at + kLambda.size())) + "_";
  }
  return std::string(name);
}

}  // namespace flamedb::ingest::jfr

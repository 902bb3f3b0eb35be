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

bool AllHex(std::string_view s) {
  for (char c : s) {
    if (!Hex(c)) return false;
  }
  return !s.empty();
}

// Removes `prefix` from the front of `s` if it is there; says whether it was.
bool Consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// "<digits>.<digits>.<digits>-" at the front of `s`, consumed.
bool ConsumeVersion(std::string_view& s) {
  for (int part = 0; part < 3; ++part) {
    if (s.empty() || !Digit(s[0])) return false;
    while (!s.empty() && Digit(s[0])) s.remove_prefix(1);
    if (!Consume(s, part < 2 ? "." : "-")) return false;
  }
  return true;
}

// The name a native library extracted under a random name gets, or "" when `file` (a frame's
// class: its library's path) is none of them. Java libraries that carry their .so extract it to
// /tmp under a name that changes on every start.
std::string_view MergedLibraryName(std::string_view file) {
  if (!Consume(file, "./tmp/")) Consume(file, "/tmp/");
  if (constexpr std::string_view kDeleted = " (deleted)"; file.ends_with(kDeleted)) {
    file.remove_suffix(kDeleted.size());
  }
  if (!file.ends_with(".so")) return {};
  file.remove_suffix(3);
  // libzstd-jni-1.5.1-16931311898282279136.so
  if (std::string_view s = file; Consume(s, "libzstd-jni-") && ConsumeVersion(s) && AllDigits(s)) {
    return "libzstd-jni-_.so";
  }
  // libasyncProfiler-linux-x64-17b9a1d8156277a98ccc871afa9a8f69215f92.so (pyroscope-java's).
  if (std::string_view s = file; Consume(s, "libasyncProfiler-")) {
    for (std::string_view platform : {"linux-arm64-", "linux-musl-x64-", "linux-x64-", "macos-"}) {
      if (Consume(s, platform)) return AllHex(s) ? "libasyncProfiler-_.so" : "";
    }
    return {};
  }
  // libamazonCorrettoCryptoProvider109b39cf33c563eb.so, or
  // amazonCorrettoCryptoProviderNativeLibraries.7382c2f79097f415/libcrypto.so.
  std::string_view s = file;
  Consume(s, "lib");
  if (!Consume(s, "amazonCorrettoCryptoProvider")) return {};
  Consume(s, "NativeLibraries.");
  if (s.size() < 16 || !AllHex(s.substr(0, 16))) return {};
  s.remove_prefix(16);
  const bool plain = s.empty() || s == "/libcrypto" || s == "/libamazonCorrettoCryptoProvider";
  return plain ? "libamazonCorrettoCryptoProvider_.so" : "";
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
  if (std::string_view library = MergedLibraryName(name); !library.empty()) {
    return std::string(library);
  }
  return std::string(name);
}

}  // namespace flamedb::ingest::jfr

// Small string helpers shared by header, flag and list parsing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flamedb::base {

// `s` without leading and trailing spaces and tabs.
std::string_view TrimSpace(std::string_view s);

// ASCII lowercase copy of `s`.
std::string AsciiLowercase(std::string_view s);

// Splits `s` at `sep` and trims each item; empty items are dropped ("a, b,,c" -> a b c).
std::vector<std::string_view> SplitNonEmpty(std::string_view s, char sep);

// Lowercase hex of `bytes`, two digits per byte.
std::string HexEncode(std::string_view bytes);

// `v` as 16 lowercase hex digits, zero-padded (span ids, hashes, block ids).
std::string Hex64(uint64_t v);

// Standard base64 (RFC 4648 §4) of `bytes`, with padding.
std::string Base64Encode(std::string_view bytes);

// The bytes of standard base64 `text` (padding optional). False, and `out` unspecified, when
// `text` has a character outside the alphabet or a length no encoding gives.
bool Base64Decode(std::string_view text, std::string& out);

}  // namespace flamedb::base

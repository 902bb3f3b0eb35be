// UTF-8 checks for strings that arrive from clients.
#pragma once

#include <cstddef>
#include <string_view>

namespace flamedb::base {

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), or 0 if it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are invalid). REQUIRES: i < size.
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True if all of `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);

// The longest suffix of `s` that is at most `max` bytes and starts on a character boundary.
std::string_view Utf8Tail(std::string_view s, size_t max);

}  // namespace flamedb::base

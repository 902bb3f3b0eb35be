// gzip compression for HTTP bodies, and decompression with a hard output cap.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flamedb::base {

// True if `data` starts with the gzip magic bytes (1f 8b).
bool LooksGzipped(std::string_view data);

// Decompresses a gzip stream (several concatenated members are accepted, as gzip(1) does).
// Memory is bounded by `max_output` however large the stream claims to be, so a gzip bomb costs
// O(max_output). Errors: kInvalidArgument if the bytes are not valid gzip or are truncated;
// kResourceExhausted if the output would exceed `max_output` bytes.
Result<std::string> GunzipCapped(std::string_view data, size_t max_output);

// Compresses `data` as one gzip member. `level` is zlib's 1 (fast) .. 9 (small).
std::string Gzip(std::string_view data, int level = 6);

}  // namespace flamedb::base

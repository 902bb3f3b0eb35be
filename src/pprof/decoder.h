// Decodes pprof payloads (gzip-compressed or raw protobuf) into model::Profile.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"
#include "model/profile.h"

namespace flamedb::pprof {

struct DecodeOptions {
  // Largest uncompressed profile accepted (Pyroscope's max_profile_size_bytes, 4 MiB by default).
  size_t max_uncompressed_bytes = 4 << 20;
  // Sets Profile::received (keeping a gzip payload there), for ingest paths whose profile is the
  // payload decoded: the WAL then stores the payload rather than the profile.
  bool keep_received = false;
};

// Decodes `payload`: a gzip stream (detected by its magic bytes) or a raw protobuf
// `perftools.profiles.Profile` (google.v1.Profile). Packed and unpacked repeated fields, unknown
// fields and any field order are accepted. The payload is moved into the profile, whose strings
// are views into it. Decompression stops at the limit, so a gzip bomb costs O(limit) memory.
//
// Errors: kInvalidArgument for bytes that are not gzip or not a protobuf Profile (the message
// names the offset and the field); kResourceExhausted when the uncompressed size exceeds
// `options.max_uncompressed_bytes`.
Result<model::Profile> DecodeProfile(std::string payload, const DecodeOptions& options);

// Decodes an uncompressed protobuf Profile whose bytes are `*storage`, taking ownership of them.
// Errors: kInvalidArgument.
Result<model::Profile> DecodeProfileBytes(std::unique_ptr<const std::string> storage);

}  // namespace flamedb::pprof

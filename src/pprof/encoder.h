// Encodes model::Profile as a pprof protobuf (uncompressed; gzip it with base::Gzip for files).
#pragma once

#include <string>

#include "base/byte_coding.h"
#include "model/profile.h"

namespace flamedb::pprof {

// The protobuf encoding of `profile` as perftools.profiles.Profile. Repeated scalars are packed;
// fields at their default value are omitted, as proto3 encoders do. Decoding the result with
// DecodeProfile gives back an equal profile.
std::string EncodeProfile(const model::Profile& profile);
// The same bytes appended to `out`: a writer kept from call to call (the WAL's, per thread)
// has its room already, where a fresh string grows, zero-fills and copies about twice over.
void EncodeProfileTo(const model::Profile& profile, base::ByteWriter& out);

}  // namespace flamedb::pprof

// Encodes model::Profile as a pprof protobuf (uncompressed; gzip it with base::Gzip for files).
#pragma once

#include <string>

#include "model/profile.h"

namespace flamedb::pprof {

// The protobuf encoding of `profile` as perftools.profiles.Profile. Repeated scalars are packed;
// fields at their default value are omitted, as proto3 encoders do. Decoding the result with
// DecodeProfile gives back an equal profile.
std::string EncodeProfile(const model::Profile& profile);

}  // namespace flamedb::pprof

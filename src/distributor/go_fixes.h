// Go-specific repairs of ingested profiles (spec §2.4 step 6).
#pragma once

#include <string>
#include <string_view>

#include "model/profile.h"

namespace flamedb::distributor {

// Go 1.21+ names generic functions with whatever type instance the runtime saw first
// (golang/go#64528), so `x[go.shape.int].f` and `x[go.shape.string].f` are one function that
// profiles show as many. Every bracketed group starting with "[go.shape." (up to its matching
// bracket) becomes "[...]". Returns how many strings changed.
size_t DropGoTypeParameters(model::Profile& profile);

// The rewrite of one string; `s` unchanged when it has no such group.
std::string DropGoTypeParameters(std::string_view s);

}  // namespace flamedb::distributor

// The folded ("collapsed") and lines text formats of /ingest (spec §2.2.2).
#pragma once

#include <string>

#include "base/status.h"
#include "ingest/stack_profile.h"
#include "model/profile.h"

namespace flamedb::ingest {

// Folded: one `root;frame;leaf <count>` per line; the count is the text after the line's last
// space; CR before LF is ignored; empty lines are skipped; zero counts add nothing. Lines may be
// of any length (the body is bounded by the request limit).
// Errors: kInvalidArgument naming the line number for a line without a count, or a count that is
// not a non-negative integer.
Result<model::Profile> ParseFolded(std::string body, const StackProfileType& type);

// Lines: one `root;frame;leaf` per line without a count; identical lines count once each.
Result<model::Profile> ParseLines(std::string body, const StackProfileType& type);

}  // namespace flamedb::ingest

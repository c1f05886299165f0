// What differs between two layouts of one record, in words: the message of a
// layout change ("size 8 -> 12 bytes; field z added at offset 8").
#pragma once

#include "analysis/form.h"

#include <string>

namespace hotc::index {

std::string describeLayoutChange(const RecordLayout &Old,
                                 const RecordLayout &New);

// For a record form: its own layout, or each instantiation that changed
// ("Box<int>: size 4 -> 8 bytes; ...").
std::string describeLayoutChange(const Form &Old, const Form &New);

} // namespace hotc::index

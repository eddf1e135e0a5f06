#pragma once
// Runs a reader over crafted bad inputs: each must throw qforge::Error with a one-line message that names the
// file (or directory) and contains the input's expected fragment.
#include <functional>
#include <string>
#include <vector>

#include "support/bad_inputs.h"
#include "support/temp_dir.h"

namespace qforge::test {

// Writes each input to dir/<its name> (or to dir/fixed_name when given) and calls open with that file's path
// (or with dir's path when fixed_name is given).
void expect_each_rejected(const std::vector<BadInput>& inputs, const TempDir& dir,
                          const std::function<void(const std::string&)>& open, const std::string& fixed_name = "");

}  // namespace qforge::test

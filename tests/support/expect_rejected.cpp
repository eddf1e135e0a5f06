#include "support/expect_rejected.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace qforge::test {

void expect_each_rejected(const std::vector<BadInput>& inputs, const TempDir& dir,
                          const std::function<void(const std::string&)>& open, const std::string& fixed_name) {
    ASSERT_FALSE(inputs.empty());
    for (const auto& bad : inputs) {
        SCOPED_TRACE(bad.name);
        dir.write(fixed_name.empty() ? bad.name : fixed_name, bad.bytes);
        const std::string target = fixed_name.empty() ? dir.file(bad.name) : dir.path();
        try {
            open(target);
            ADD_FAILURE() << "accepted " << bad.name;
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find(bad.expected), std::string::npos) << msg;
            EXPECT_NE(msg.find(target), std::string::npos) << "must name the input: " << msg;
            EXPECT_EQ(msg.find('\n'), std::string::npos) << "must be one line: " << msg;
        }
    }
}

}  // namespace qforge::test

#include <gtest/gtest.h>

#include "convert/model_naming.h"

namespace qforge {
namespace {

TEST(ModelNaming, TitleCasesLikePython) {
    EXPECT_EQ(model_name_from_path("/x/models/pydoc6m"), "Pydoc6M");
    EXPECT_EQ(model_name_from_path("/x/models/pydoc6m/"), "Pydoc6M");
    EXPECT_EQ(model_name_from_path("tiny-llama_v2"), "Tiny Llama V2");
}

TEST(ModelNaming, SizeLabelsKeepTwoSignificantDigits) {
    EXPECT_EQ(size_label(6'819'072), "6.8M");
    EXPECT_EQ(size_label(8'030'261'248ull), "8.0B");
    EXPECT_EQ(size_label(68'200'000), "68.0M");
    EXPECT_EQ(size_label(292'800), "293.0K");
}

}  // namespace
}  // namespace qforge

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
    // two digits kept, none past them (gguf-py c392e509: a 11.3M-parameter Gemma 2 checkpoint is labelled "11M")
    EXPECT_EQ(size_label(68'200'000), "68M");
    EXPECT_EQ(size_label(292'800), "293K");
    EXPECT_EQ(size_label(11'299'072), "11M");
    EXPECT_EQ(size_label(999'999), "1000K");  // (not past 1e6)
    EXPECT_EQ(size_label(4'458'816), "4.5M");
}

}  // namespace
}  // namespace qforge

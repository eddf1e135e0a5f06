#include <gtest/gtest.h>

#include "core/tensor_type.h"

namespace qforge {
namespace {

TEST(TensorType, BlockLayoutsMatchGgml) {
    EXPECT_EQ(traits(TensorType::Q4_0).type_size, 18u);
    EXPECT_EQ(traits(TensorType::Q4_K).block_size, 256u);
    EXPECT_EQ(traits(TensorType::Q6_K).type_size, 210u);
    EXPECT_EQ(traits(TensorType::Q8_K).type_size, 292u);
    EXPECT_EQ(traits(TensorType::IQ4_XS).type_size, 136u);
    EXPECT_EQ(traits(TensorType::TQ1_0).type_size, 54u);
    EXPECT_FALSE(type_traits(4).has_value());   // removed Q4_2
    EXPECT_FALSE(type_traits(31).has_value());  // removed Q4_0_4_4
    EXPECT_FALSE(type_traits(43).has_value());
}

TEST(TensorType, NamesAndSizes) {
    EXPECT_EQ(type_from_name("Q4_K"), TensorType::Q4_K);
    EXPECT_EQ(type_from_name("bf16"), TensorType::BF16);
    EXPECT_FALSE(type_from_name("q4_9").has_value());
    EXPECT_EQ(bytes_for(TensorType::Q4_0, 64), 36u);
    EXPECT_FALSE(bytes_for(TensorType::Q4_0, 33).has_value());
    EXPECT_FALSE(bytes_for(TensorType::F64, 1ull << 62).has_value());
}

}  // namespace
}  // namespace qforge

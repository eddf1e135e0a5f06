// For every mix of reference/mixes.txt (what llama-quantize chose for pydoc6m-f32.gguf), our planner picks the
// same type for every tensor.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <sstream>

#include "convert/quantize_gguf.h"
#include "formats/gguf/gguf_file.h"
#include "quant/plan/llama_mix.h"
#include "quant/plan/quantizable.h"
#include "support/fixtures.h"

namespace qforge {
namespace {

std::map<std::string, std::map<std::string, std::string>> read_mixes() {
    std::map<std::string, std::map<std::string, std::string>> mixes;
    std::istringstream in(test::read_file_bytes(test::fixture("reference/mixes.txt")));
    std::string line, current;
    while (std::getline(in, line)) {
        if (line.starts_with("## ")) {
            current = line.substr(3);
            continue;
        }
        std::istringstream ls(line);
        std::string tensor, type;
        if (ls >> tensor >> type) mixes[current][tensor] = type;
    }
    return mixes;
}

std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

TEST(LlamaMix, EveryMixChoosesLlamaQuantizesTypes) {
    const auto mixes = read_mixes();
    ASSERT_EQ(mixes.size(), 17u);
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    for (const auto& [mix_name, expected] : mixes) {
        SCOPED_TRACE(mix_name);
        const auto mix = find_llama_mix(mix_name);
        ASSERT_TRUE(mix.has_value());
        MixModelInfo info = mix_model_info(in);
        info.has_imatrix = mix_name == "Q2_K_S";  // that fixture was made with the imatrix
        MixPlanner planner(*mix, info);
        std::size_t checked = 0;
        for (const TensorView* t : llama_quantize_order(in)) {
            std::string got = upper(type_name(t->type));
            if (is_quantizable_tensor(t->name, t->ne.size(), true)) got = upper(type_name(planner.choose(t->name, t->ne[0])));
            auto it = expected.find(t->name);
            ASSERT_NE(it, expected.end()) << t->name;
            EXPECT_EQ(got, it->second) << t->name;
            ++checked;
        }
        EXPECT_EQ(checked, expected.size());
    }
}

}  // namespace
}  // namespace qforge

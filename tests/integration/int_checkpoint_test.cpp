// AutoGPTQ/AutoAWQ checkpoints written from pydoc6m and read back: `qforge quantize --format gptq|awq` and the
// same grid stored dequantized in an F32 GGUF (`--bits` with TYPE F32) compute the same linear weights, bit for
// bit, once `qforge convert` has imported the checkpoint (Q4_0 blocks where the grid is symmetric 4-bit groups
// of 32, dequantized F32 otherwise); the other tensors are the F32 ones rounded to fp16. AWQ's rescaled norms
// travel in the checkpoint; GPTQ's act-order groups travel in g_idx.
#include <gtest/gtest.h>

#include "core/float_convert.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/quantization_config.h"
#include "qforge/qforge.h"
#include "quant/codecs/codec_table.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

std::vector<float> values(const TensorView& t) {
    const std::int64_t cols = t.ne[0], rows = t.n_rows();
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    const std::size_t row_bytes = t.data.size() / static_cast<std::size_t>(rows);
    for (std::int64_t r = 0; r < rows; ++r) dequantize_row(t.type, t.data.data() + r * row_bytes, out.data() + r * cols, cols);
    return out;
}

struct Case {
    std::string format, method;
    int bits, group;
    bool sym, act_order;
    TensorType imported;  // the type convert gives the linear weights
    std::string how;      // what convert says of them
};

class IntCheckpoint : public ::testing::TestWithParam<Case> {};

TEST_P(IntCheckpoint, ImportedWeightsEqualTheDequantizedGrid) {
    const Case c = GetParam();
    test::TempDir dir;
    QuantizeRequest q;
    q.input = test::fixture("models/pydoc6m");
    q.progress = false;
    q.method = c.method;
    q.bits = c.bits;
    q.group_size = c.group;
    q.symmetric = c.sym;
    q.act_order = c.act_order;
    if (c.method != "rtn") {
        q.calib = test::fixture("text/pydoc-valid.txt");
        q.calib_samples = 4;
        q.calib_ctx = 64;
    }
    q.format = c.format;
    q.output = dir.file("ck");
    const QuantizeResult written = quantize(q);
    EXPECT_EQ(written.quantized, 42u);  // 7 linears x 6 layers; lm_head stays F16 as AutoGPTQ/AutoAWQ leave it
    q.format = "gguf";
    q.type = "F32";
    q.output = dir.file("ref.gguf");
    quantize(q);

    const HfCheckpoint ck(dir.file("ck"));
    const auto config = read_quantization_config(ck.config(), ck.dir());
    ASSERT_TRUE(config);
    EXPECT_EQ(config->method, c.format == "awq" ? QuantMethod::Awq : QuantMethod::Gptq);
    EXPECT_EQ(config->bits, c.bits);
    EXPECT_FALSE(ck.file("tokenizer.model").empty());
    EXPECT_EQ(ck.file("quantize_config.json").empty(), c.format == "awq");

    ConvertRequest cr;
    cr.source = dir.file("ck");
    cr.output = dir.file("imported.gguf");
    cr.outtype = "f32";
    cr.progress = false;
    const ConvertResult imported = convert(cr);
    ASSERT_EQ(imported.quantized_layers.size(), 1u);
    EXPECT_NE(imported.quantized_layers[0].find("42 layers"), std::string::npos) << imported.quantized_layers[0];
    EXPECT_TRUE(imported.quantized_layers[0].ends_with(c.how)) << imported.quantized_layers[0];

    const GgufFile ref(dir.file("ref.gguf")), got(dir.file("imported.gguf"));
    ASSERT_EQ(ref.tensors().size(), got.tensors().size());
    for (const TensorView& r : ref.tensors()) {
        const TensorView* g = got.find(r.name);
        ASSERT_NE(g, nullptr) << r.name;
        const bool linear = r.name.starts_with("blk.") && r.ne.size() == 2;
        if (linear) EXPECT_EQ(g->type, c.imported) << r.name;
        std::vector<float> expected = values(r);
        if (!linear)  // stored in F16 in the checkpoint
            for (float& v : expected) v = fp16_to_fp32(fp32_to_fp16(v));
        EXPECT_EQ(values(*g), expected) << r.name;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Pydoc6m, IntCheckpoint,
    ::testing::Values(Case{"gptq", "rtn", 4, 32, true, false, TensorType::Q4_0, "exact"},
                      Case{"gptq", "gptq", 3, 64, true, true, TensorType::F32, "dequantized"},
                      Case{"awq", "awq", 4, 128, false, false, TensorType::F32, "dequantized"}),
    [](const ::testing::TestParamInfo<Case>& i) { return i.param.format + "_" + i.param.method + "_int" + std::to_string(i.param.bits); });

}  // namespace
}  // namespace qforge

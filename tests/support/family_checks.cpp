#include "support/family_checks.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "convert/convert.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_file.h"
#include "model/model_family.h"
#include "qforge/qforge.h"
#include "quant/codecs/codec_table.h"
#include "support/fixtures.h"

namespace qforge::test {

std::string synthetic_checkpoint(const TempDir& dir, const std::string& name, const std::string& arch, const SyntheticShape& shape,
                                 std::uint32_t seed, const std::string& hf_class) {
    const std::string out = dir.file(name);
    if (std::filesystem::exists(out)) return out;
    SyntheticCheckpointOptions o;
    o.dtype = TensorType::F32;
    o.seed = seed;
    o.tokenizer_dir = fixture("models/pydoc6m");
    o.hf_class = hf_class;
    write_synthetic_checkpoint(*find_family(arch), shape, o, out);
    return out;
}

std::string converted(const TempDir& dir, const std::string& name, TensorType outtype) {
    const std::string out = dir.file(name + "-" + std::string(type_name(outtype)) + ".gguf");
    if (std::filesystem::exists(out)) return out;
    ConvertOptions o;
    o.outtype = outtype;
    o.progress = false;
    convert_to_gguf(dir.file(name), out, o);
    return out;
}

double perplexity_of(const std::string& model, int n_ctx, int chunks) {
    PerplexityRequest r;
    r.model = model;
    r.text = read_file_bytes(fixture("text/pydoc-test.txt"));
    r.n_ctx = n_ctx;
    r.n_chunks = chunks;
    r.threads = 2;
    return perplexity(r).ppl;
}

std::string greedy_text(const std::string& model) {
    GenerateRequest g;
    g.model = model;
    g.prompt = "def parse(";
    g.n_predict = 24;
    g.temperature = 0.0f;
    g.threads = 1;
    return generate(g).text;
}

std::string quantized(const std::string& f32, const std::string& out, const std::string& mix) {
    QuantizeRequest q;
    q.input = f32;
    q.output = out;
    q.type = mix;
    q.progress = false;
    quantize(q);
    return out;
}

Imatrix imatrix_of(const std::string& model, const std::string& out, int chunks) {
    ImatrixRequest r;
    r.model = model;
    r.text = read_file_bytes(fixture("text/pydoc-valid.txt"));
    r.dataset = "pydoc-valid.txt";
    r.output = out;
    r.n_ctx = 128;
    r.n_chunks = chunks;
    r.threads = 2;
    imatrix(r);
    return read_imatrix(out);
}

void expect_imatrix_entries(const Imatrix& ours, std::span<const ImatrixFigure> figures, double tolerance) {
    ASSERT_GE(ours.entries.size(), figures.size());
    for (std::size_t i = 0; i < figures.size(); ++i) {
        const ImatrixEntry& e = ours.entries[i];
        EXPECT_EQ(e.name, figures[i].name) << "entry " << i << " (llama-imatrix's order)";
        EXPECT_EQ(e.ncall, figures[i].ncall) << e.name;
        double sum = 0.0;
        for (float m : e.means()) sum += m;
        EXPECT_NEAR(sum, figures[i].sum_of_means, tolerance * figures[i].sum_of_means) << e.name;
    }
}

std::size_t checkpoint_and_grid(const std::string& hf, const TempDir& dir, const std::string& method, bool awq_clip) {
    QuantizeRequest q;
    q.input = hf;
    q.progress = false;
    q.method = method;
    q.bits = 4;
    q.group_size = 128;
    q.calib = fixture("text/pydoc-valid.txt");
    q.calib_samples = 4;
    q.calib_ctx = 64;
    q.awq_clip = awq_clip;
    q.format = method;
    q.output = dir.file("ck");
    const std::size_t quantized = quantize(q).quantized;
    q.format = "gguf";
    q.type = "F32";
    q.output = dir.file("grid.gguf");
    quantize(q);
    return quantized;
}

void expect_converted_back(const std::string& checkpoint, const std::string& grid_path, const std::string& out, bool norms_plus_one) {
    ConvertRequest cr;
    cr.source = checkpoint;
    cr.output = out;
    cr.outtype = "f32";
    cr.progress = false;
    convert(cr);
    const GgufFile imported(out), grid(grid_path);
    auto f16 = [](float v) { return fp16_to_fp32(fp32_to_fp16(v)); };
    for (const TensorView& t : grid.tensors()) {
        ASSERT_NE(imported.find(t.name), nullptr) << t.name;
        EXPECT_EQ(imported.find(t.name)->ne, t.ne) << t.name;
        const std::vector<float> a = dequantize_tensor(*imported.find(t.name)), b = dequantize_tensor(t);
        const bool on_grid = t.name.starts_with("blk.") && t.ne.size() >= 2 && !t.name.ends_with("ffn_gate_inp.weight");
        const bool norm = norms_plus_one && t.name.ends_with("norm.weight");
        const bool from_config = t.name.starts_with("rope_");  // (RoPE factors: computed from config.json both times)
        for (std::size_t i = 0; i < b.size(); ++i) {
            const float expected = on_grid || from_config ? b[i] : norm ? f16(f16(b[i] - 1.0f) + 1.0f) : f16(b[i]);
            ASSERT_EQ(a[i], expected) << t.name << " value " << i;
        }
    }
}

}  // namespace qforge::test

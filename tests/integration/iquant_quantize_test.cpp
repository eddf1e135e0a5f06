// qforge quantize against llama-quantize (c392e509) for the codebook types IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS,
// IQ3_S, IQ1_S, IQ1_M and the mixes built on them: the whole output file is byte-identical. llama.cpp's files
// are not stored; each case holds the SHA-256 of llama-quantize's output, made by (in ../shared/fixtures/gguf,
// so the recorded imatrix path is the same):
//   llama-quantize [--pure --output-tensor-type q8_0 --token-embedding-type q8_0] --imatrix pydoc6m.imatrix
//       pydoc6m-f32.gguf OUT.gguf MIX 2 && sha256sum OUT.gguf
// and for stories260K (rows of 64 and 172: every IQ choice falls back), in a folder holding the importance file
// this test writes (QFORGE_KEEP_FORMULA_IMATRIX=DIR keeps a copy there):
//   llama-quantize --imatrix formula.imatrix .../stories260K-f32.gguf OUT.gguf MIX 2 && sha256sum OUT.gguf
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "convert/quantize_gguf.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "eval/perplexity.h"
#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_data.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

struct IqCase {
    const char* mix;
    bool pure;  // with q8_0 output and token embedding (the imatrix covers neither)
    const char* sha256;
};

std::string quantize_to(const test::TempDir& dir, const std::string& model, const IqCase& c,
                        std::shared_ptr<const Imatrix> imatrix, const std::string& imatrix_name, int* fallbacks = nullptr) {
    GgufFile in(model);
    QuantizeOptions o;
    o.type = c.mix;
    o.pure = c.pure;
    o.progress = false;
    o.imatrix = std::move(imatrix);
    o.imatrix_path = imatrix_name;  // recorded in quantize.imatrix.file as llama-quantize records what it was given
    if (c.pure) {
        o.output_tensor_type = TensorType::Q8_0;
        o.token_embedding_type = TensorType::Q8_0;
    }
    const QuantizePlan q = plan_quantize(in, o);
    if (fallbacks != nullptr) *fallbacks = q.fallbacks;
    const std::string out = dir.file(std::string(c.mix) + (c.pure ? "-pure" : "") + ".gguf");
    write_gguf_plan(out, q.plan.metadata, q.plan.tensors, false, 2);
    return out;
}

// Test names from the mix alone (gtest would print the struct's bytes, pointers included).
void PrintTo(const IqCase& c, std::ostream* os) { *os << c.mix << (c.pure ? " pure" : ""); }

class IquantPydoc : public ::testing::TestWithParam<IqCase> {};

TEST_P(IquantPydoc, ByteIdenticalToLlamaQuantize) {
    const IqCase c = GetParam();
    test::TempDir dir;
    auto imatrix = std::make_shared<const Imatrix>(read_imatrix(test::fixture("gguf/pydoc6m.imatrix")));
    int fallbacks = -1;
    const std::string out = quantize_to(dir, test::fixture("gguf/pydoc6m-f32.gguf"), c, imatrix, "pydoc6m.imatrix", &fallbacks);
    EXPECT_EQ(fallbacks, 0);
    EXPECT_EQ(test::sha256_file(out), c.sha256);
}

INSTANTIATE_TEST_SUITE_P(
    Pure, IquantPydoc,
    ::testing::Values(IqCase{"IQ2_XXS", true, "7632a41d78dc8fd244e92633a7e46f42c8c4973b41af6e46d644a46d4f5c6f9c"},
                      IqCase{"IQ2_XS", true, "196be9b415a57b32c68355a3a1acfebf64fe35dc50f66389edbfdcb92294e739"},
                      IqCase{"IQ2_M", true, "74a0b598cab6e7c95b7fad77a7892522d7f9aff9ecd56bb37781dba655d6c09b"},  // IQ2_S
                      IqCase{"IQ3_XXS", true, "aea284f0a9940f39a1750c63b2da6ab1feba1fe2a4c3a7acd3786fa2e6afddda"},
                      IqCase{"IQ3_S", true, "01903d87578afc1511f61f9c4a4984842e1eaafd46ac1d3f85061e2faf997ab4"},
                      IqCase{"IQ1_S", true, "65ac401d816f8dcb6bbaf1e0aad4dfb7080c4f76b6e9aa0972552f55971f873f"},
                      IqCase{"IQ1_M", true, "6a94b9aca11258081dd52c8fb26002b92028629dd379f1ee9675fe68bb9a0f89"}),
    [](const auto& info) { return std::string(info.param.mix); });

INSTANTIATE_TEST_SUITE_P(
    Mix, IquantPydoc,
    ::testing::Values(IqCase{"IQ2_XXS", false, "d3ad246c5a3aedcd4caef4b019a51423b41527ba996fd485bd0e1aa3dd9202f7"},
                      IqCase{"IQ2_XS", false, "f71876139572e5c7e44e6c2f3b6f0ec8b319ff61945efb305c2e9d98f8c1f602"},
                      IqCase{"IQ2_S", false, "f1950b988fbfe22509dfd88d2e193679f20fe83ed76bd31a8622b582455456f9"},
                      IqCase{"IQ2_M", false, "3ca3fc453b1d617d702a9c41f6d1525a485e15422542334f6ae34aa762031555"},
                      IqCase{"IQ3_XXS", false, "0d88d58fdb67eef7e10ef194074173b199b6685169afbe8ae4a5773ddf1a1def"},
                      IqCase{"IQ3_XS", false, "62ca0e1c3dcc3e769605a0df4dc09322f9c46dc2a101658343a62cdba639660c"},
                      IqCase{"IQ3_S", false, "6f6f6e8321c441deacfee1566470d6dd7da2b7a4a8df85895223246a5d6a760c"},
                      IqCase{"IQ3_M", false, "b98a78d748f3951691215102aeb6842b3d80c3618f1865a01caac3195866644c"},
                      IqCase{"IQ1_S", false, "74fdf19c082259b9b56d68eae49f843ab4badc00182c906338632b58c20cf610"},
                      IqCase{"IQ1_M", false, "c0c3f2c0756640278cac85d5aec0a1535387bcf657fc59ddfab00b870e1cefbf"}),
    [](const auto& info) { return std::string(info.param.mix); });

// The engine runs these files with its codebook kernels: perplexity after 40 chunks of pydoc-test.txt at -c 256
// equals llama-perplexity's running value ([40] in its log, c392e509, same files) to 0.1 %. A *Figure* test (minutes
// under the sanitizers, where the unit tests hold the codebook kernels to their scalar reference).
struct IqPerplexity {
    const char* mix;
    double llama_at_40;
};
void PrintTo(const IqPerplexity& c, std::ostream* os) { *os << c.mix; }

class IquantPerplexityFigure : public ::testing::TestWithParam<IqPerplexity> {};

TEST_P(IquantPerplexityFigure, AgreesWithLlamaPerplexity) {
    const IqPerplexity c = GetParam();
    test::TempDir dir;
    auto imatrix = std::make_shared<const Imatrix>(read_imatrix(test::fixture("gguf/pydoc6m.imatrix")));
    const std::string file = quantize_to(dir, test::fixture("gguf/pydoc6m-f32.gguf"), IqCase{c.mix, false, ""}, imatrix, "pydoc6m.imatrix");
    const LlamaModel model(file);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), file);
    ThreadPool pool(0);
    PerplexityOptions o;
    o.n_ctx = 256;
    o.n_chunks = 40;
    const PerplexityResult r = compute_perplexity(model, tok, test::read_file_bytes(test::fixture("text/pydoc-test.txt")), o, pool);
    EXPECT_NEAR(r.ppl, c.llama_at_40, c.llama_at_40 * 1e-3) << c.mix;
}

INSTANTIATE_TEST_SUITE_P(Pydoc6m, IquantPerplexityFigure,
                         ::testing::Values(IqPerplexity{"IQ2_XS", 30.0215}, IqPerplexity{"IQ1_M", 32.0106},
                                           IqPerplexity{"IQ3_XXS", 28.2116}),
                         [](const auto& info) { return std::string(info.param.mix); });

// Importance for every weight matrix of a model from a fixed formula, so that both tools read the same file
// without an engine run (whose float sums could differ between CPUs).
Imatrix formula_imatrix(const GgufFile& model) {
    Imatrix im;
    im.datasets.push_back("formula");
    im.chunk_count = 1;
    for (const auto& t : model.tensors()) {
        if (t.ne.size() != 2 || !t.name.ends_with(".weight") || t.name == "token_embd.weight") continue;
        ImatrixEntry e;
        e.name = t.name;
        e.counts = {1.f};
        e.ncall = 1;
        for (std::int64_t j = 0; j < t.ne[0]; ++j)
            e.sums.push_back(0.25f + static_cast<float>((j * 37 + static_cast<std::int64_t>(t.name.size()) * 11) % 101) / 25.f);
        im.entries.push_back(std::move(e));
    }
    return im;
}

class IquantFallbacks : public ::testing::TestWithParam<IqCase> {};

TEST_P(IquantFallbacks, ByteIdenticalToLlamaQuantize) {
    const IqCase c = GetParam();
    test::TempDir dir;
    const std::string model = test::fixture("gguf/stories260K-f32.gguf");
    write_imatrix(dir.file("formula.imatrix"), formula_imatrix(GgufFile(model)), ImatrixFormat::Dat);
    if (const char* keep = std::getenv("QFORGE_KEEP_FORMULA_IMATRIX"))
        std::filesystem::copy_file(dir.file("formula.imatrix"), std::string(keep) + "/formula.imatrix",
                                   std::filesystem::copy_options::overwrite_existing);
    auto imatrix = std::make_shared<const Imatrix>(read_imatrix(dir.file("formula.imatrix")));
    int fallbacks = 0;
    const std::string out = quantize_to(dir, model, c, imatrix, "formula.imatrix", &fallbacks);
    EXPECT_GT(fallbacks, 0);
    EXPECT_EQ(test::sha256_file(out), c.sha256);
}

INSTANTIATE_TEST_SUITE_P(
    Stories260K, IquantFallbacks,
    ::testing::Values(IqCase{"IQ2_XXS", false, "b9f6e8de8b93ff3c3fe116270aff849962cad4eaefe40a8f7d1d38922714aaf4"},
                      IqCase{"IQ2_XS", false, "1816c291947868aff99f5cd4a5a1855e2002b61a5dd9fa89d60a7323c49fc9c6"},
                      IqCase{"IQ2_S", false, "757a9460533f416e6d1a29a691cc2d5c5fd52ecc092c8a442136461114268ba8"},
                      IqCase{"IQ2_M", false, "62c86d5b1d1c1f2182b8c4e856421356a1c07e5346f05ba9ef8b19a2595db4fe"},
                      IqCase{"IQ3_XXS", false, "6ada76b46f9dc78f8d1ee4be466b4012f0620127885278ef2ba8bfd9462529b4"},
                      IqCase{"IQ3_XS", false, "88cf1f132230c032e2dce7433c6bd1988a50034cec808ef561bd9c6126ab6451"},
                      IqCase{"IQ3_S", false, "ff8723e072927909633b75563e0c32f5c161b0d78ecfd850b7dae39c8b3bac27"},
                      IqCase{"IQ3_M", false, "2565ff543ac39189bd4979a68371f71e36763a3b8c420b8049eb565fc1121e16"},
                      IqCase{"IQ1_S", false, "9a08c343eaa444ebb5d1b756ea774aef7b7ecb63ccaa9f00e69f9009917d07de"},
                      IqCase{"IQ1_M", false, "55cc06f8343cd6ce66b20007e8a024d3ef7af6f4947910d7bb6a6c4e4959fe4e"}),
    [](const auto& info) { return std::string(info.param.mix); });

// llama-quantize refuses these mixes outright without an importance matrix, and a tensor the imatrix does not
// cover where the chosen type needs one.
TEST(IquantRefusals, MixesThatNeedAnImatrix) {
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    for (const char* mix : {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ1_S", "IQ1_M", "Q2_K_S"}) {
        QuantizeOptions o;
        o.type = mix;
        o.progress = false;
        try {
            plan_quantize(in, o);
            ADD_FAILURE() << mix << " planned without an imatrix";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("needs an importance matrix"), std::string::npos) << e.what();
        }
    }
    QuantizeOptions o;
    o.type = "IQ2_XXS";
    o.pure = true;  // token_embd and output in IQ2_XXS, which pydoc6m.imatrix does not cover
    o.progress = false;
    o.imatrix_path = test::fixture("gguf/pydoc6m.imatrix");
    o.imatrix = std::make_shared<const Imatrix>(read_imatrix(o.imatrix_path));
    try {
        plan_quantize(in, o);
        ADD_FAILURE() << "a tensor planned in IQ2_XXS without importance data";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("needs importance data"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace qforge

// Greedy continuations equal llama.cpp's (llama-cli --temp 0 -n 40) token for token: stories260K from the
// llama.cpp GGUF and from the file our converter writes, and pydoc6m.
#include <gtest/gtest.h>

#include <sstream>

#include "convert/convert.h"
#include "formats/gguf/gguf_writer.h"
#include "core/error.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

struct Reference {
    std::string prompt, text;
};

// Reads reference/*-greedy.txt: comments, the prompt line, a comment, then the text as a Python literal.
Reference read_reference(const std::string& path) {
    std::istringstream in(test::read_file_bytes(path));
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        if (!line.starts_with("#")) lines.push_back(line);
    Reference r;
    r.prompt = lines.at(0);
    const std::string lit = lines.at(1);
    for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
        if (lit[i] != '\\') {
            r.text += lit[i];
            continue;
        }
        const char c = lit[++i];
        r.text += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    // llama-cli prints "\n\n" after the generated text (LOG("\n\n") before its perf report): not model output.
    if (r.text.ends_with("\n\n")) r.text.resize(r.text.size() - 2);
    return r;
}

std::string greedy(const std::string& gguf, const std::string& prompt) {
    const LlamaModel model(gguf);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), gguf);
    ThreadPool pool(0);
    GenerationOptions o;
    o.n_predict = 40;
    o.sampler.temperature = 0.0f;
    const GenerationResult r = generate(model, tok, prompt, o, pool);
    EXPECT_EQ(r.tokens.size(), 40u);
    return r.text;
}

TEST(Generation, Stories260KGreedyMatchesLlamaCpp) {
    const Reference ref = read_reference(test::fixture("reference/stories260K-greedy.txt"));
    EXPECT_EQ(ref.prompt, "Once upon a time");
    EXPECT_EQ(greedy(test::fixture("gguf/stories260K-f32.gguf"), ref.prompt), ref.text);
}

TEST(Generation, Stories260KConvertedByUsMatchesToo) {
    const Reference ref = read_reference(test::fixture("reference/stories260K-greedy.txt"));
    test::TempDir dir;
    ConvertOptions o;
    o.outtype = TensorType::F32;
    o.progress = false;
    convert_to_gguf(test::fixture("models/stories260K/stories260K.bin"), dir.file("s.gguf"), o);
    EXPECT_EQ(greedy(dir.file("s.gguf"), ref.prompt), ref.text);
}

TEST(Generation, Pydoc6mGreedyMatchesLlamaCpp) {
    const Reference ref = read_reference(test::fixture("reference/pydoc6m-greedy.txt"));
    EXPECT_EQ(greedy(test::fixture("gguf/pydoc6m-f32.gguf"), ref.prompt), ref.text);
}

TEST(Generation, RefusesAnEmptyPromptAndAnOverlongOne) {
    const LlamaModel model(test::fixture("gguf/stories260K-f32.gguf"));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), "stories260K");
    ThreadPool pool(1);
    GenerationOptions o;
    EXPECT_THROW(generate(model, tok, "", o, pool), Error);
    o.n_ctx = 4;
    EXPECT_THROW(generate(model, tok, "Once upon a time there was", o, pool), Error);
}

TEST(Generation, AModelWithoutTokenizerIsRefused) {
    // pydoc6m with every tokenizer.* key removed
    test::TempDir dir;
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    GgufMetadata m;
    for (const auto& [k, v] : in.metadata().items())
        if (!k.starts_with("tokenizer.")) m.set(k, v);
    std::vector<GgufTensorInfo> infos;
    for (const auto& t : in.tensors()) infos.push_back({t.name, t.type, t.ne});
    GgufWriter w(dir.file("notok.gguf"), m, infos);
    for (const auto& t : in.tensors()) w.write(t.data);
    w.finish();
    const LlamaModel model(dir.file("notok.gguf"));
    try {
        Tokenizer::from_gguf(model.file().metadata(), dir.file("notok.gguf"));
        FAIL() << "accepted a model without tokenizer";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no tokenizer"), std::string::npos) << e.what();
    }
}

TEST(Generation, UnsupportedModelsAreRefusedClearly) {
    // a vocabulary-only GGUF has no tensors
    EXPECT_THROW(LlamaModel(test::fixture("vocab/ggml-vocab-llama-spm.gguf")), Error);
    // a matrix in a type the engine has no kernel for (here i32, same size as the f32 it replaces) is named
    test::TempDir dir;
    {
        GgufFile in(test::fixture("gguf/stories260K-f32.gguf"));
        std::vector<GgufTensorInfo> infos;
        for (const auto& t : in.tensors())
            infos.push_back({t.name, t.name == "blk.0.attn_q.weight" ? TensorType::I32 : t.type, t.ne});
        GgufWriter w(dir.file("odd.gguf"), in.metadata(), infos);
        for (const auto& t : in.tensors()) w.write(t.data);
        w.finish();
    }
    try {
        LlamaModel m(dir.file("odd.gguf"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("blk.0.attn_q.weight"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("i32"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace qforge

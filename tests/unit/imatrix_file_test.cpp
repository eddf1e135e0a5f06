// Importance-matrix files: llama-imatrix's legacy .dat (read from the fixture it wrote, written back byte for
// byte), the GGUF layout (round trip), and clear errors on damaged files.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_data.h"
#include "quant/methods/imatrix_collector.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ImatrixFile, ReadsLlamaImatrixDat) {
    const Imatrix m = read_imatrix(test::fixture("gguf/pydoc6m.imatrix"));
    ASSERT_EQ(m.entries.size(), 42u);  // 6 layers x 7 matrices; output.weight is not collected by default
    EXPECT_EQ(m.chunk_count, 487);
    ASSERT_EQ(m.datasets.size(), 1u);
    EXPECT_TRUE(m.datasets[0].ends_with("pydoc-valid.txt"));
    const ImatrixEntry* q = m.find("blk.0.attn_q.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->ncall, 487);
    EXPECT_EQ(q->n_columns(), 256u);
    const ImatrixEntry* down = m.find("blk.3.ffn_down.weight");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->n_columns(), 768u);
    for (float v : down->means()) EXPECT_GT(v, 0.0f);
    EXPECT_EQ(m.find("output.weight"), nullptr);
}

TEST(ImatrixFile, DatWritesBackByteForByte) {
    test::TempDir dir;
    const std::string src = test::fixture("gguf/pydoc6m.imatrix");
    write_imatrix(dir.file("x.dat"), read_imatrix(src), ImatrixFormat::Dat);
    EXPECT_TRUE(slurp(dir.file("x.dat")) == slurp(src));
}

TEST(ImatrixFile, GgufRoundTripKeepsMeans) {
    test::TempDir dir;
    const Imatrix a = read_imatrix(test::fixture("gguf/pydoc6m.imatrix"));
    write_imatrix(dir.file("x.gguf"), a, ImatrixFormat::Gguf);
    GgufFile g(dir.file("x.gguf"));
    EXPECT_EQ(g.metadata().get_string("general.type"), "imatrix");
    EXPECT_EQ(g.metadata().get_int("imatrix.chunk_count"), 487);
    ASSERT_NE(g.find("blk.0.attn_q.weight.in_sum2"), nullptr);
    EXPECT_EQ(g.find("blk.0.attn_q.weight.counts")->ne, (std::vector<std::int64_t>{1, 1}));
    const Imatrix b = read_imatrix(dir.file("x.gguf"));
    ASSERT_EQ(b.entries.size(), a.entries.size());
    EXPECT_EQ(b.datasets, a.datasets);
    for (const auto& e : a.entries) {
        const ImatrixEntry* f = b.find(e.name);
        ASSERT_NE(f, nullptr) << e.name;
        EXPECT_EQ(f->means(), e.means()) << e.name;
    }
    // and back to .dat (entries now sorted by name): the same values as llama-imatrix wrote
    write_imatrix(dir.file("y.dat"), b, ImatrixFormat::Dat);
    const Imatrix c = read_imatrix(dir.file("y.dat"));
    for (const auto& e : a.entries) {
        ASSERT_NE(c.find(e.name), nullptr) << e.name;
        EXPECT_EQ(c.find(e.name)->sums, e.sums) << e.name;
        EXPECT_EQ(c.find(e.name)->ncall, e.ncall) << e.name;
    }
}

TEST(ImatrixFile, DamagedFilesAreRefusedByName) {
    test::TempDir dir;
    const std::string good = slurp(test::fixture("gguf/pydoc6m.imatrix"));
    auto expect_error = [&](const std::string& bytes, const std::string& needle) {
        dir.write("bad.dat", bytes);
        try {
            read_imatrix(dir.file("bad.dat"));
            ADD_FAILURE() << "accepted a damaged file (" << needle << ")";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("bad.dat"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_error(good.substr(0, 100), "truncated");
    expect_error(std::string("\0\0\0\0", 4), "entry count");
    std::string negative = good;
    const std::int32_t minus = -5;
    std::memcpy(negative.data() + 4, &minus, 4);  // first name length
    expect_error(negative, "name of -5 bytes");
    expect_error(good + "xy", "unexpected bytes");
}

TEST(ImatrixFile, CraftedBadInputsAreRefused) {
    test::TempDir dir;
    dir.write("ok.dat", test::valid_imatrix_dat());
    const Imatrix m = read_imatrix(dir.file("ok.dat"));
    ASSERT_EQ(m.entries.size(), 2u);
    EXPECT_EQ(m.datasets, std::vector<std::string>{"calib.txt"});
    EXPECT_EQ(m.entries[0].means()[3], 4.0f / 3.0f);
    test::expect_each_rejected(test::bad_imatrix_dat_inputs(), dir, [](const std::string& p) { read_imatrix(p); });
}

TEST(ImatrixCollector, SumsSquaresOfBlockWeightInputsOnly) {
    ImatrixCollector c;
    std::vector<float> x(16 * 4);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 4) - 1.5f;  // columns -1.5 -0.5 0.5 1.5
    c.observe("blk.0.attn_q.weight", -1, 1, x.data(), 16, 4);
    c.observe("blk.0.attn_q.weight", -1, 1, x.data(), 8, 4);  // fewer than 16 rows: skipped, as llama-imatrix does
    c.observe("output.weight", -1, 1, x.data(), 16, 4);       // not a block weight
    c.observe("token_embd.weight", -1, 1, x.data(), 16, 4);
    const Imatrix m = c.result({"calib.txt"}, 1, 16);
    ASSERT_EQ(m.entries.size(), 1u);
    const ImatrixEntry& e = m.entries[0];
    EXPECT_EQ(e.ncall, 1);
    EXPECT_EQ(e.counts, std::vector<float>{16.0f});
    EXPECT_EQ(e.means(), (std::vector<float>{2.25f, 0.25f, 0.25f, 2.25f}));
    ImatrixCollector with_output({.process_output = true});
    with_output.observe("output.weight", -1, 1, x.data(), 16, 4);
    EXPECT_EQ(with_output.n_entries(), 1u);
    EXPECT_THROW(c.observe("blk.0.attn_q.weight", -1, 1, x.data(), 16, 2), Error);  // inconsistent width
}

TEST(ImatrixCollector, ExpertsCountedOnePerExpertAndLeftOutWhenOneSawNothing) {
    ImatrixCollector c;
    std::vector<float> x(3 * 4);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 4) - 1.5f;
    // two products of a 3-expert tensor: every expert is observed, in order; any number of rows counts
    for (int call = 0; call < 2; ++call) {
        c.observe("blk.0.ffn_up_exps.weight", 0, 3, x.data(), 3, 4);
        c.observe("blk.0.ffn_up_exps.weight", 1, 3, x.data(), call == 0 ? 1 : 0, 4);
        c.observe("blk.0.ffn_up_exps.weight", 2, 3, x.data(), 2, 4);
        c.observe("blk.0.ffn_down_exps.weight", 0, 3, x.data(), 1, 4);
        c.observe("blk.0.ffn_down_exps.weight", 1, 3, x.data(), 0, 4);  // an expert no token chose
        c.observe("blk.0.ffn_down_exps.weight", 2, 3, x.data(), 1, 4);
    }
    const Imatrix m = c.result({"calib.txt"}, 2, 16);
    ASSERT_EQ(m.entries.size(), 1u);  // ffn_down_exps has partial data: left out, as llama-imatrix leaves it out
    EXPECT_EQ(c.partial(), std::vector<std::string>{"blk.0.ffn_down_exps.weight"});
    const ImatrixEntry& e = m.entries[0];
    EXPECT_EQ(e.name, "blk.0.ffn_up_exps.weight");
    EXPECT_EQ(e.ncall, 2);
    EXPECT_EQ(e.counts, (std::vector<float>{6.0f, 1.0f, 4.0f}));
    ASSERT_EQ(e.sums.size(), 12u);
    EXPECT_EQ(e.sums[4 + 0], 2.25f);  // expert 1: one row
    EXPECT_EQ(e.means()[8 + 3], 2.25f);
    EXPECT_THROW(c.observe("blk.0.ffn_up_exps.weight", 3, 3, x.data(), 1, 4), Error);  // no such expert
}

}  // namespace
}  // namespace qforge

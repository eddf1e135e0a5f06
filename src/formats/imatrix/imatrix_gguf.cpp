#include "formats/imatrix/imatrix_gguf.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "core/error.h"
#include "formats/gguf/gguf_writer.h"

namespace qforge {
namespace {

constexpr std::string_view kSums = ".in_sum2";
constexpr std::string_view kCounts = ".counts";

std::vector<float> f32_values(const TensorView& t, const std::string& path) {
    if (t.type != TensorType::F32) fail("{}: imatrix tensor '{}' has type {} (expected f32)", path, t.name, type_name(t.type));
    std::vector<float> v(t.data.size() / sizeof(float));
    std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
    return v;
}

std::span<const std::uint8_t> float_bytes(const std::vector<float>& v) {
    return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size() * sizeof(float)};
}

}  // namespace

Imatrix imatrix_from_gguf(const GgufFile& file) {
    const std::string& path = file.path();
    const auto type = file.metadata().get_string("general.type");
    if (type && *type != "imatrix") fail("{}: general.type is '{}' (expected 'imatrix')", path, *type);
    Imatrix m;
    std::map<std::string, const TensorView*> sums, counts;
    for (const auto& t : file.tensors()) {
        if (t.name.ends_with(kSums)) sums[t.name.substr(0, t.name.size() - kSums.size())] = &t;
        else if (t.name.ends_with(kCounts)) counts[t.name.substr(0, t.name.size() - kCounts.size())] = &t;
        else fail("{}: tensor '{}' is neither NAME.in_sum2 nor NAME.counts", path, t.name);
    }
    for (const auto& [name, s] : sums) {
        const auto c = counts.find(name);
        if (c == counts.end()) fail("{}: '{}.in_sum2' has no '{}.counts'", path, name, name);
        ImatrixEntry e;
        e.name = name;
        e.sums = f32_values(*s, path);
        e.counts = f32_values(*c->second, path);
        if (e.counts.empty() || e.sums.size() % e.counts.size() != 0 || s->ne.empty() ||
            static_cast<std::size_t>(s->n_rows()) != e.counts.size())
            fail("{}: '{}' has {} sums for {} counts (expected columns x matrices sums, one count per matrix)", path,
                 name, e.sums.size(), e.counts.size());
        for (float v : e.counts) e.ncall = std::max<std::int64_t>(e.ncall, static_cast<std::int64_t>(v));
        m.entries.push_back(std::move(e));
        counts.erase(c);
    }
    if (!counts.empty()) fail("{}: '{}.counts' has no '{}.in_sum2'", path, counts.begin()->first, counts.begin()->first);
    if (m.entries.empty()) fail("{}: no imatrix entries (NAME.in_sum2 / NAME.counts tensors)", path);
    if (const auto* d = file.metadata().find("imatrix.datasets")) {
        const GgufArray& a = d->as_array("imatrix.datasets");
        if (a.elem != GgufType::STRING) fail("{}: imatrix.datasets is not an array of strings", path);
        m.datasets = a.strings;
    }
    m.chunk_count = file.metadata().get_int("imatrix.chunk_count").value_or(0);
    m.chunk_size = file.metadata().get_int("imatrix.chunk_size").value_or(0);
    return m;
}

void write_imatrix_gguf(const std::string& path, const Imatrix& m) {
    GgufMetadata meta;
    meta.set("general.type", GgufValue::make<std::string>("imatrix"));
    meta.set("imatrix.datasets", GgufValue::make(GgufArray::of_strings(m.datasets)));
    meta.set("imatrix.chunk_count", GgufValue::make(static_cast<std::uint32_t>(m.chunk_count)));
    meta.set("imatrix.chunk_size", GgufValue::make(static_cast<std::uint32_t>(m.chunk_size)));
    // Sorted by name, so the file does not depend on the order matrices were met.
    std::vector<const ImatrixEntry*> sorted;
    for (const auto& e : m.entries) sorted.push_back(&e);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
    std::vector<GgufTensorInfo> infos;
    for (const auto* e : sorted) {
        const auto n_mat = static_cast<std::int64_t>(e->counts.size());
        infos.push_back({e->name + std::string(kSums), TensorType::F32, {static_cast<std::int64_t>(e->n_columns()), n_mat}});
        infos.push_back({e->name + std::string(kCounts), TensorType::F32, {1, n_mat}});
    }
    GgufWriter w(path, meta, std::move(infos));
    for (const auto* e : sorted) {
        w.write(float_bytes(e->sums));
        w.write(float_bytes(e->counts));
    }
    w.finish();
}

}  // namespace qforge

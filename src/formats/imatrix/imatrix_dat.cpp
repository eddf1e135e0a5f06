#include "formats/imatrix/imatrix_dat.h"

#include <cstring>

#include "core/atomic_file.h"
#include "core/byte_reader.h"
#include "core/error.h"

namespace qforge {
namespace {

// Names and value counts beyond these are not a real model's; they guard allocations against lying files.
constexpr std::int32_t kMaxNameLength = 4096;
constexpr std::int64_t kMaxValues = std::int64_t{1} << 31;

void put_i32(AtomicFile& out, std::int32_t v) { out.write(&v, sizeof(v)); }

}  // namespace

Imatrix parse_imatrix_dat(std::span<const std::uint8_t> bytes, const std::string& path) {
    ByteReader r(bytes, path);
    Imatrix m;
    const auto n_entries = r.read<std::int32_t>("entry count");
    if (n_entries < 1) fail("{}: not an imatrix file: entry count {} (expected at least 1)", path, n_entries);
    for (std::int32_t i = 0; i < n_entries; ++i) {
        const std::string where = fmt::format("entry {}", i + 1);
        const auto len = r.read<std::int32_t>(where + " name length");
        if (len < 1 || len > kMaxNameLength)
            fail("{}: {} has a name of {} bytes (expected 1..{})", path, where, len, kMaxNameLength);
        const auto name_bytes = r.take(static_cast<std::uint64_t>(len), where + " name");
        ImatrixEntry e;
        e.name.assign(reinterpret_cast<const char*>(name_bytes.data()), name_bytes.size());
        const auto ncall = r.read<std::int32_t>(e.name + " call count");
        const auto nval = r.read<std::int32_t>(e.name + " value count");
        if (nval < 1 || nval > kMaxValues) fail("{}: entry '{}' has {} values (expected at least 1)", path, e.name, nval);
        const auto data = r.take(static_cast<std::uint64_t>(nval) * sizeof(float), e.name + " values");
        e.sums.resize(static_cast<std::size_t>(nval));
        std::memcpy(e.sums.data(), data.data(), data.size());
        // value / ncall is the mean; with no calls recorded the values are the means already.
        e.ncall = ncall;
        e.counts = {ncall > 0 ? static_cast<float>(ncall) : 1.0f};
        if (m.find(e.name) != nullptr) fail("{}: entry '{}' appears twice", path, e.name);
        m.entries.push_back(std::move(e));
    }
    if (r.remaining() >= sizeof(std::int32_t)) m.chunk_count = r.read<std::int32_t>("chunk count");
    if (r.remaining() >= sizeof(std::int32_t)) {
        const auto len = r.read<std::int32_t>("dataset name length");
        if (len < 0 || len > kMaxNameLength) fail("{}: dataset name of {} bytes (expected 0..{})", path, len, kMaxNameLength);
        const auto name = r.take(static_cast<std::uint64_t>(len), "dataset name");
        if (len > 0) m.datasets.emplace_back(reinterpret_cast<const char*>(name.data()), name.size());
    }
    if (r.remaining() != 0) fail("{}: {} unexpected bytes after the dataset name", path, r.remaining());
    return m;
}

void write_imatrix_dat(const std::string& path, const Imatrix& m) {
    AtomicFile out(path);
    put_i32(out, static_cast<std::int32_t>(m.entries.size()));
    std::vector<float> values;
    for (const auto& e : m.entries) {
        put_i32(out, static_cast<std::int32_t>(e.name.size()));
        out.write(e.name.data(), e.name.size());
        const std::int64_t ncall = e.ncall > 0 ? e.ncall : 1;
        put_i32(out, static_cast<std::int32_t>(ncall));
        put_i32(out, static_cast<std::int32_t>(e.sums.size()));
        // The layout stores mean * ncall (llama-imatrix's save_imatrix); an entry read from this layout is
        // written back unchanged.
        if (e.counts.size() == 1 && e.counts[0] == static_cast<float>(ncall)) {
            out.write(e.sums.data(), e.sums.size() * sizeof(float));
            continue;
        }
        values.resize(e.sums.size());
        const std::size_t cols = e.n_columns();
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float count = e.counts[i / cols];
            values[i] = count > 0 ? e.sums[i] / count * static_cast<float>(ncall) : 0.0f;
        }
        out.write(values.data(), values.size() * sizeof(float));
    }
    put_i32(out, static_cast<std::int32_t>(m.chunk_count));
    const std::string dataset = m.datasets.empty() ? std::string() : m.datasets.front();
    put_i32(out, static_cast<std::int32_t>(dataset.size()));
    out.write(dataset.data(), dataset.size());
    out.commit();
}

}  // namespace qforge

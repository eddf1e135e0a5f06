#include "formats/imatrix/imatrix_data.h"

#include <cstring>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_dat.h"
#include "formats/imatrix/imatrix_gguf.h"

namespace qforge {

std::vector<float> ImatrixEntry::means() const {
    std::vector<float> out(sums.size(), 1.0f);
    const std::size_t cols = n_columns();
    for (std::size_t m = 0; m < counts.size(); ++m) {
        if (counts[m] <= 0) continue;  // a matrix never used (an expert no token chose): neutral weights
        for (std::size_t c = 0; c < cols; ++c) out[m * cols + c] = sums[m * cols + c] / counts[m];
    }
    return out;
}

const ImatrixEntry* Imatrix::find(const std::string& name) const {
    for (const auto& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

Imatrix read_imatrix(const std::string& path) {
    MappedFile file(path);
    const auto bytes = file.bytes();
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) == 0) return imatrix_from_gguf(GgufFile(path));
    return parse_imatrix_dat(bytes, path);
}

void write_imatrix(const std::string& path, const Imatrix& imatrix, ImatrixFormat format) {
    if (format == ImatrixFormat::Gguf) write_imatrix_gguf(path, imatrix);
    else write_imatrix_dat(path, imatrix);
}

}  // namespace qforge

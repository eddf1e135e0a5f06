#include "formats/safetensors/safetensors_file.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"
#include "formats/safetensors/safetensors_dtype.h"

namespace qforge {
namespace {

struct Entry {
    std::uint64_t begin, end;
    std::size_t index;
};

std::uint64_t as_u64(const nlohmann::json& j, const std::string& file, const std::string& what) {
    if (!j.is_number_unsigned()) fail("{}: {} must be a non-negative integer", file, what);
    return j.get<std::uint64_t>();
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(std::make_shared<MappedFile>(path)) {
    const auto size = file_->size();
    if (size < 8) fail("{}: not a safetensors file: {} bytes is too short for the header length", path, size);
    std::uint64_t n;
    std::memcpy(&n, file_->data(), 8);
    if (n > kMaxHeaderBytes) fail("{}: header length {} exceeds the {} byte limit", path, n, kMaxHeaderBytes);
    if (n > size - 8) fail("{}: header length {} runs past the end of the file ({} bytes)", path, n, size);
    header_size_ = n;
    std::string_view text(reinterpret_cast<const char*>(file_->data() + 8), n);
    if (!is_valid_utf8(text)) fail("{}: header is not valid UTF-8", path);
    if (text.empty() || text.front() != '{') fail("{}: header is not a JSON object", path);

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        fail("{}: header is not valid JSON: {}", path, e.what());
    }
    if (!header.is_object()) fail("{}: header is not a JSON object", path);

    const std::uint64_t data_begin = 8 + n;
    const std::uint64_t data_size = size - data_begin;
    std::vector<Entry> entries;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") {
            if (!info.is_object()) fail("{}: __metadata__ must be an object of strings", path);
            for (const auto& [k, v] : info.items()) {
                if (!v.is_string()) fail("{}: __metadata__ value of '{}' must be a string", path, k);
                metadata_[k] = v.get<std::string>();
            }
            continue;
        }
        if (!info.is_object()) fail("{}: tensor '{}': entry must be an object", path, name);
        TensorView t;
        t.name = name;
        const auto dt = info.find("dtype");
        if (dt == info.end() || !dt->is_string()) fail("{}: tensor '{}': missing string field 'dtype'", path, name);
        const auto type = safetensors_dtype_to_type(dt->get<std::string>());
        if (!type) fail("{}: tensor '{}': unknown dtype '{}'", path, name, dt->get<std::string>());
        t.type = *type;
        const auto sh = info.find("shape");
        if (sh == info.end() || !sh->is_array()) fail("{}: tensor '{}': missing array field 'shape'", path, name);
        std::uint64_t n_elements = 1;
        for (const auto& d : *sh) {
            const auto dim = as_u64(d, path, "tensor '" + name + "': shape entry");
            if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                (dim != 0 && n_elements > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / dim))
                fail("{}: tensor '{}': shape is absurdly large", path, name);
            n_elements *= dim;
            t.ne.insert(t.ne.begin(), static_cast<std::int64_t>(dim));  // safetensors lists outermost first
        }
        const auto off = info.find("data_offsets");
        if (off == info.end() || !off->is_array() || off->size() != 2)
            fail("{}: tensor '{}': 'data_offsets' must be [begin, end]", path, name);
        const auto begin = as_u64((*off)[0], path, "tensor '" + name + "': data_offsets[0]");
        const auto end = as_u64((*off)[1], path, "tensor '" + name + "': data_offsets[1]");
        if (begin > end) fail("{}: tensor '{}': data_offsets [{}, {}] are reversed", path, name, begin, end);
        if (end > data_size)
            fail("{}: tensor '{}': data_offsets end {} is past the data section ({} bytes)", path, name, end,
                 data_size);
        const auto expected = bytes_for(t.type, n_elements);
        if (!expected || *expected != end - begin)
            fail("{}: tensor '{}': shape {} of {} needs {} bytes but data_offsets span {}", path, name,
                 shape_string(t.ne), dt->get<std::string>(), expected ? *expected : 0, end - begin);
        t.data = file_->bytes().subspan(data_begin + begin, end - begin);
        entries.push_back({begin, end, tensors_.size()});
        tensors_.push_back(std::move(t));
    }

    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t cursor = 0;
    for (const auto& e : entries) {
        if (e.begin < cursor)
            fail("{}: tensor '{}': data_offsets [{}, {}] overlap another tensor", path, tensors_[e.index].name,
                 e.begin, e.end);
        if (e.begin > cursor)
            fail("{}: tensor '{}': data_offsets [{}, {}] leave a hole at {} (the buffer must be fully indexed)",
                 path, tensors_[e.index].name, e.begin, e.end, cursor);
        cursor = e.end;
    }
    if (cursor != data_size)
        fail("{}: tensors cover {} bytes but the data section holds {}", path, cursor, data_size);

    std::sort(tensors_.begin(), tensors_.end(), [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
}

}  // namespace qforge

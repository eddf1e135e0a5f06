#include "formats/gguf/gguf_writer.h"

#include <unordered_set>

#include "core/error.h"
#include "formats/gguf/gguf_constants.h"

namespace qforge {

std::uint64_t GgufTensorInfo::nbytes() const {
    std::uint64_t n = 1;
    for (auto d : ne) n *= static_cast<std::uint64_t>(d);
    auto b = bytes_for(type, n);
    if (!b) fail("tensor '{}': {} elements do not fill whole {} blocks", name, n, type_name(type));
    return *b;
}

namespace {

std::uint32_t alignment_of(const std::string& path, const GgufMetadata& metadata) {
    const GgufValue* a = metadata.find(gguf::kAlignmentKey);
    if (a == nullptr) return gguf::kDefaultAlignment;
    if (a->type() != GgufType::U32) fail("{}: '{}' must be a u32", path, gguf::kAlignmentKey);
    const auto alignment = std::get<std::uint32_t>(a->v);
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        fail("{}: '{}' must be a power of two, not {}", path, gguf::kAlignmentKey, alignment);
    return alignment;
}

}  // namespace

std::vector<std::uint64_t> GgufWriter::sizes_of(const std::vector<GgufTensorInfo>& tensors) {
    std::vector<std::uint64_t> sizes;
    for (const auto& t : tensors) sizes.push_back(t.nbytes());
    return sizes;
}

GgufWriter::GgufWriter(const std::string& path, const GgufMetadata& metadata, std::vector<GgufTensorInfo> tensors)
    : out_(path), tensors_(std::move(tensors)), alignment_(alignment_of(path, metadata)),
      stream_(out_, sizes_of(tensors_), alignment_) {
    std::unordered_set<std::string> names;
    for (const auto& t : tensors_) {
        if (t.name.empty() || t.name.size() > gguf::kMaxNameLength)
            fail("{}: tensor name '{}' must be 1 to {} bytes", path, t.name, gguf::kMaxNameLength);
        if (!names.insert(t.name).second) fail("{}: duplicate tensor name '{}'", path, t.name);
        if (t.ne.empty() || t.ne.size() > gguf::kMaxDims)
            fail("{}: tensor '{}' has {} dimensions (expected 1 to 4)", path, t.name, t.ne.size());
        const auto& tr = traits(t.type);
        if (!tr.in_gguf) fail("{}: tensor '{}' has type {}, which GGUF cannot store", path, t.name, tr.name);
        if (t.ne[0] % tr.block_size != 0)
            fail("{}: tensor '{}' row length {} is not a multiple of {}'s block size {}", path, t.name, t.ne[0],
                 tr.name, tr.block_size);
    }

    const std::uint32_t magic = gguf::kMagic, version = gguf::kVersion;
    out_.write(&magic, 4);
    out_.write(&version, 4);
    const std::uint64_t n_tensors = tensors_.size(), n_kv = metadata.size();
    out_.write(&n_tensors, 8);
    out_.write(&n_kv, 8);
    write_metadata(metadata);
    std::uint64_t offset = 0;
    for (const auto& t : tensors_) {
        write_string(t.name);
        const auto n_dims = static_cast<std::uint32_t>(t.ne.size());
        out_.write(&n_dims, 4);
        for (auto d : t.ne) {
            const auto ne = static_cast<std::uint64_t>(d);
            out_.write(&ne, 8);
        }
        const auto type = static_cast<std::uint32_t>(t.type);
        out_.write(&type, 4);
        out_.write(&offset, 8);
        offset = gguf::pad_to(offset + t.nbytes(), alignment_);
    }
    // gguf-py ends a file without tensors (a vocabulary-only file) right after the header; so do we.
    if (!tensors_.empty()) out_.write_zeros(gguf::pad_to(out_.position(), alignment_) - out_.position());
}

void GgufWriter::write_string(const std::string& s) {
    const std::uint64_t n = s.size();
    out_.write(&n, 8);
    out_.write(s.data(), s.size());
}

void GgufWriter::write_value(const GgufValue& value) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                write_string(x);
            } else if constexpr (std::is_same_v<T, GgufArray>) {
                const auto elem = static_cast<std::uint32_t>(x.elem);
                out_.write(&elem, 4);
                const std::uint64_t n = x.size();
                out_.write(&n, 8);
                if (x.elem == GgufType::STRING) {
                    for (const auto& s : x.strings) write_string(s);
                } else {
                    out_.write(x.raw.data(), x.raw.size());
                }
            } else if constexpr (std::is_same_v<T, bool>) {
                const std::uint8_t b = x ? 1 : 0;
                out_.write(&b, 1);
            } else {
                out_.write(&x, sizeof(T));
            }
        },
        value.v);
}

void GgufWriter::write_metadata(const GgufMetadata& metadata) {
    for (const auto& [key, value] : metadata.items()) {
        if (key.empty()) fail("{}: empty metadata key", out_.target());
        if (const auto* a = std::get_if<GgufArray>(&value.v); a && a->elem == GgufType::ARRAY)
            fail("{}: metadata key '{}' is a nested array, which llama.cpp rejects", out_.target(), key);
        write_string(key);
        const auto type = static_cast<std::uint32_t>(value.type());
        out_.write(&type, 4);
        write_value(value);
    }
}

void GgufWriter::write(std::span<const std::uint8_t> bytes) { stream_.write(bytes); }

void GgufWriter::finish() {
    stream_.check_complete();
    out_.commit();
}

}  // namespace qforge

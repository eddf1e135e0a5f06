#include "formats/safetensors/safetensors_writer.h"

#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors/safetensors_dtype.h"

namespace qforge {

std::uint64_t SafetensorsEntry::nbytes() const {
    std::uint64_t n = 1;
    for (auto d : ne) n *= static_cast<std::uint64_t>(d);
    auto b = bytes_for(type, n);
    if (!b) fail("tensor '{}': cannot size {} elements of {}", name, n, type_name(type));
    return *b;
}

SafetensorsWriter::SafetensorsWriter(const std::string& path, std::vector<SafetensorsEntry> entries,
                                     const std::map<std::string, std::string>& metadata)
    : out_(path), entries_(std::move(entries)) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string> names;
    std::uint64_t offset = 0;
    for (const auto& e : entries_) {
        if (e.name == "__metadata__" || !names.insert(e.name).second)
            fail("{}: tensor name '{}' is reserved or repeated", path, e.name);
        nlohmann::json shape = nlohmann::json::array();
        for (auto it = e.ne.rbegin(); it != e.ne.rend(); ++it) shape.push_back(*it);
        const std::uint64_t end = offset + e.nbytes();
        header[e.name] = {{"dtype", type_to_safetensors_dtype(e.type)}, {"shape", shape}, {"data_offsets", {offset, end}}};
        offset = end;
    }
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' ');
    const std::uint64_t n = text.size();
    out_.write(&n, 8);
    out_.write(text.data(), text.size());
    std::vector<std::uint64_t> sizes;
    for (const auto& e : entries_) sizes.push_back(e.nbytes());
    stream_ = std::make_unique<TensorByteStream>(out_, std::move(sizes), 1);
}

void SafetensorsWriter::write(std::span<const std::uint8_t> bytes) { stream_->write(bytes); }

void SafetensorsWriter::finish() {
    stream_->check_complete();
    out_.commit();
}

}  // namespace qforge

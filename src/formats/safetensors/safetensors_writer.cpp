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
}

void SafetensorsWriter::write(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        if (current_ >= entries_.size())
            fail("{}: more tensor data than the {} declared tensors hold", out_.target(), entries_.size());
        const std::uint64_t need = entries_[current_].nbytes() - written_in_current_;
        const std::uint64_t n = bytes.size() < need ? bytes.size() : need;
        out_.write(bytes.data(), n);
        written_in_current_ += n;
        bytes = bytes.subspan(n);
        if (written_in_current_ == entries_[current_].nbytes()) {
            ++current_;
            written_in_current_ = 0;
        }
    }
}

void SafetensorsWriter::finish() {
    while (current_ < entries_.size() && entries_[current_].nbytes() == 0) ++current_;
    if (current_ != entries_.size())
        fail("{}: only {} of {} tensors were written", out_.target(), current_, entries_.size());
    out_.commit();
}

}  // namespace qforge

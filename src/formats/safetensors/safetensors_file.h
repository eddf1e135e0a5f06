#pragma once
// One .safetensors file, mapped and validated: header size limit, known dtypes, offsets inside the data
// section, no overlaps or holes, and byte counts that match shapes. Tensors are listed sorted by name, as
// safetensors' safe_open().keys() lists them.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor_view.h"

namespace qforge {

class SafetensorsFile : public TensorSource {
public:
    static constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // safetensors' own limit

    explicit SafetensorsFile(const std::string& path);
    const std::string& path() const { return file_->path(); }
    const std::vector<TensorView>& tensors() const override { return tensors_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    std::uint64_t header_size() const { return header_size_; }

private:
    std::shared_ptr<MappedFile> file_;
    std::vector<TensorView> tensors_;
    std::map<std::string, std::string> metadata_;
    std::uint64_t header_size_ = 0;
};

}  // namespace qforge

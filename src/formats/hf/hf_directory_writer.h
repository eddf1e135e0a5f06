#pragma once
// Writes a checkpoint directory so that it appears whole or not at all: files go into a hidden sibling
// directory (".NAME.tmp-PID"), and commit() renames it into place; without commit() it is removed. A target
// that exists and is not empty is refused rather than mixed with.
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

class HfDirectoryWriter {
public:
    explicit HfDirectoryWriter(std::string target);
    ~HfDirectoryWriter();
    HfDirectoryWriter(const HfDirectoryWriter&) = delete;
    HfDirectoryWriter& operator=(const HfDirectoryWriter&) = delete;

    // Where a file of the directory is written before commit().
    std::string path(const std::string& name) const;
    void write_json(const std::string& name, const nlohmann::json& value);
    void write_text(const std::string& name, const std::string& contents);
    void copy_file(const std::string& source, const std::string& name);
    void commit();

private:
    std::string target_, staging_;
    bool committed_ = false;
};

}  // namespace qforge

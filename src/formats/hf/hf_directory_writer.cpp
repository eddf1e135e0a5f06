#include "formats/hf/hf_directory_writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace qforge {
namespace fs = std::filesystem;

HfDirectoryWriter::HfDirectoryWriter(std::string target) : target_(std::move(target)) {
    std::error_code ec;
    if (fs::exists(target_, ec) && !(fs::is_directory(target_, ec) && fs::is_empty(target_, ec)))
        fail("{}: exists and is not an empty directory (remove it or name another)", target_);
    fs::path t(target_);
    if (t.filename().empty()) t = t.parent_path();
    const fs::path parent = t.parent_path().empty() ? fs::path(".") : t.parent_path();
    if (!fs::is_directory(parent, ec)) fail("{}: the directory '{}' does not exist", target_, parent.string());
    staging_ = (parent / fmt::format(".{}.tmp-{}", t.filename().string(), ::getpid())).string();
    fs::remove_all(staging_, ec);
    if (!fs::create_directory(staging_, ec)) fail("{}: cannot create '{}': {}", target_, staging_, ec.message());
}

HfDirectoryWriter::~HfDirectoryWriter() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(staging_, ec);
}

std::string HfDirectoryWriter::path(const std::string& name) const { return (fs::path(staging_) / name).string(); }

void HfDirectoryWriter::write_json(const std::string& name, const nlohmann::json& value) {
    std::ofstream out(path(name), std::ios::binary);
    out << value.dump(2) << '\n';
    if (!out.flush()) fail("{}: cannot write '{}'", target_, name);
}

void HfDirectoryWriter::write_text(const std::string& name, const std::string& contents) {
    std::ofstream out(path(name), std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out.flush()) fail("{}: cannot write '{}'", target_, name);
}

void HfDirectoryWriter::copy_file(const std::string& source, const std::string& name) {
    std::error_code ec;
    if (!fs::copy_file(source, path(name), fs::copy_options::overwrite_existing, ec))
        fail("{}: cannot copy '{}': {}", target_, source, ec.message());
    fs::permissions(path(name), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add, ec);
}

void HfDirectoryWriter::commit() {
    std::error_code ec;
    if (fs::exists(target_, ec)) fs::remove(target_, ec);  // the empty directory the constructor allowed
    fs::rename(staging_, target_, ec);
    if (ec) fail("{}: cannot move '{}' into place: {}", target_, staging_, ec.message());
    committed_ = true;
}

}  // namespace qforge

#include "support/sha256.h"

#include <nettle/sha2.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.h"

namespace qforge::test {

namespace {

std::string hex_digest(sha256_ctx& ctx) {
    unsigned char digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace

std::string sha256_file(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) fail("{}: cannot open to hash", path);
    sha256_ctx ctx;
    sha256_init(&ctx);
    std::vector<unsigned char> buf(1 << 20);
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) sha256_update(&ctx, n, buf.data());
    return hex_digest(ctx);
}

std::string sha256_bytes(std::span<const std::uint8_t> bytes) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, bytes.size(), bytes.data());
    return hex_digest(ctx);
}

}  // namespace qforge::test

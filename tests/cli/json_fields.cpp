// json_fields FILE KEY... : exits 0 when FILE holds one valid JSON object with every KEY, else prints why and
// exits 1. Lets the shell tests check the CLI's --json output without a JSON tool on the machine.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: json_fields FILE KEY...\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        std::fprintf(stderr, "%s: not a JSON object\n", argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; ++i)
        if (!j.contains(argv[i])) {
            std::fprintf(stderr, "%s: no field '%s'\n", argv[1], argv[i]);
            return 1;
        }
    return 0;
}

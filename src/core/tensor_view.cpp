#include "core/tensor_view.h"

namespace qforge {

std::string shape_string(const std::vector<std::int64_t>& ne) {
    std::string s = "[";
    for (std::size_t i = 0; i < ne.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(ne[i]);
    }
    return s + "]";
}

}  // namespace qforge

#include "serve/api_error.h"

namespace qforge::serve {

void invalid_request(const std::string& message, const std::string& param) { throw ApiError(400, "invalid_request_error", message, param); }

std::string error_type_for(int status) {
    switch (status) {
        case 400:
        case 413: return "invalid_request_error";
        case 401: return "authentication_error";
        case 404: return "not_found_error";
        case 503: return "unavailable_error";
        default: return "server_error";
    }
}

nlohmann::json error_body(int status, const std::string& type, const std::string& message, const std::string& param) {
    nlohmann::json e = {{"message", message}, {"type", type}, {"code", status}};
    e["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
    return {{"error", e}};
}

nlohmann::json error_body(const ApiError& e) { return error_body(e.status(), e.type(), e.what(), e.param()); }

}  // namespace qforge::serve

#pragma once
// An error as OpenAI's API reports it: an HTTP status and {"error": {"message", "type", "param", "code"}}.
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qforge::serve {

class ApiError : public Error {
public:
    ApiError(int status, std::string type, const std::string& message, std::string param = {})
        : Error(message), status_(status), type_(std::move(type)), param_(std::move(param)) {}
    int status() const { return status_; }
    const std::string& type() const { return type_; }
    const std::string& param() const { return param_; }

private:
    int status_;
    std::string type_, param_;
};

// 400 invalid_request_error naming the field.
[[noreturn]] void invalid_request(const std::string& message, const std::string& param = {});

// The JSON body for an error.
nlohmann::json error_body(int status, const std::string& type, const std::string& message, const std::string& param = {});
nlohmann::json error_body(const ApiError& e);
// The error type OpenAI uses for a status: 400 invalid_request_error, 401 authentication_error, 404 not_found_error,
// 413 invalid_request_error, 503 server_error (overloaded), 500 server_error.
std::string error_type_for(int status);

}  // namespace qforge::serve

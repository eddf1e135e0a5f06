// strftime_now()'s formatting as @huggingface/jinja has it: a handful of directives, local time, English month
// names (its Intl default locale on a server), anything else left as written.
#include <ctime>

#include "chat/chat_template.h"

namespace qforge::chat {

std::string format_time_like_hf(std::string_view format, std::chrono::system_clock::time_point when) {
    static const char* const kShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char* const kLong[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    localtime_r(&t, &tm);
    auto pad2 = [](int n) { return std::string(n < 10 ? "0" : "").append(std::to_string(n)); };
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 >= format.size()) {
            out += format[i];
            continue;
        }
        const char d = format[i + 1];
        switch (d) {
            case 'Y': out += std::to_string(tm.tm_year + 1900); break;
            case 'm': out += pad2(tm.tm_mon + 1); break;
            case 'd': out += pad2(tm.tm_mday); break;
            case 'b': out += kShort[tm.tm_mon]; break;
            case 'B': out += kLong[tm.tm_mon]; break;
            case 'H': out += pad2(tm.tm_hour); break;
            case 'M': out += pad2(tm.tm_min); break;
            case '%': out += '%'; break;
            default: out += '%'; continue;
        }
        ++i;
    }
    return out;
}

}  // namespace qforge::chat

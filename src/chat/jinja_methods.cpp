// Methods of strings and dicts (`content.strip()`, `tool.get("name")`, `d.items()`) and `length`, as
// @huggingface/jinja defines them: JavaScript string semantics, arguments checked as it checks them. Where
// it differs from Python it is followed: strip() takes no characters, title() leaves the rest of a word alone.
#include <algorithm>
#include <cmath>

#include "chat/jinja_builtins.h"
#include "chat/js_number.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

using Method = std::function<Value(Interpreter&, std::vector<Value>&)>;

Value bound(std::string name, Method method) {
    auto fn = std::make_shared<FunctionData>();
    fn->name = std::move(name);
    fn->call = [method = std::move(method)](Interpreter& in, std::vector<Value>& args, const std::shared_ptr<Env>&) {
        return method(in, args);
    };
    return Value::function(std::move(fn));
}

bool affix_matches(const std::string& s, const Value& pattern, bool prefix, const char* name) {
    auto test = [&](const std::string& p) {
        if (p.size() > s.size()) return false;
        return prefix ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
    };
    if (pattern.is_string()) return test(pattern.as_string());
    if (pattern.is_sequence()) {
        for (const Value& item : pattern.items()) {
            if (!item.is_string()) eval_fail("{}(): the tuple must hold strings", name);
            if (test(item.as_string())) return true;
        }
        return false;
    }
    eval_fail("{}() takes a string or a tuple of strings, not a {}", name, type_name(pattern));
}

Value split(Interpreter& in, const std::string& s, std::vector<Value>& args) {
    const Value sep = args.size() > 0 ? args[0] : Value::none();
    if (!sep.is_string() && !sep.is_none()) eval_fail("split(): the separator must be a string or none");
    const Value maxsplit_v = args.size() > 1 ? args[1] : Value::integer(-1);
    if (!maxsplit_v.is(Type::Int)) eval_fail("split(): maxsplit must be an integer");
    const double maxsplit = maxsplit_v.as_number();
    std::vector<Value> out;
    if (sep.is_none()) {
        // runs of whitespace separate; no empty strings at the ends
        const std::string_view text = js::trim_start(s);
        std::size_t i = 0;
        while (i < text.size()) {
            std::size_t start = i;
            while (start < text.size()) {
                std::size_t next = start;
                if (!js::is_whitespace(js::decode_utf8(text, next))) break;
                start = next;
            }
            if (start >= text.size()) break;
            std::size_t end = start;
            while (end < text.size()) {
                std::size_t next = end;
                if (js::is_whitespace(js::decode_utf8(text, next))) break;
                end = next;
            }
            if (maxsplit >= 0 && static_cast<double>(out.size()) >= maxsplit) {
                out.push_back(Value::string(std::string(text.substr(start))));
                break;
            }
            out.push_back(Value::string(std::string(text.substr(start, end - start))));
            in.check_items(out.size());
            i = end;
        }
        return Value::list(std::move(out));
    }
    const std::string& separator = sep.as_string();
    if (separator.empty()) eval_fail("split(): empty separator");
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = s.find(separator, start);
        if (pos == std::string::npos) {
            parts.push_back(s.substr(start));
            break;
        }
        parts.push_back(s.substr(start, pos - start));
        in.check_items(parts.size());
        start = pos + separator.size();
    }
    if (maxsplit >= 0 && static_cast<double>(parts.size()) > maxsplit) {
        const auto keep = static_cast<std::size_t>(maxsplit);
        std::string rest;
        for (std::size_t i = keep; i < parts.size(); ++i) {
            if (i > keep) rest += separator;
            rest += parts[i];
        }
        parts.resize(keep);
        parts.push_back(std::move(rest));
    }
    for (auto& p : parts) out.push_back(Value::string(std::move(p)));
    return Value::list(std::move(out));
}

Value string_member(const Value& self, std::string_view name) {
    const std::string& s = self.as_string();
    auto unary = [&](std::string (*op)(std::string_view)) {
        return bound(std::string(name), [s, op](Interpreter&, std::vector<Value>&) { return Value::string(op(s)); });
    };
    if (name == "upper") return unary(js::to_upper);
    if (name == "lower") return unary(js::to_lower);
    if (name == "title") return unary(js::title_case);
    if (name == "capitalize") return unary(js::capitalize);
    if (name == "strip") return unary([](std::string_view v) { return std::string(js::trim(v)); });
    if (name == "rstrip") return unary([](std::string_view v) { return std::string(js::trim_end(v)); });
    if (name == "lstrip") return unary([](std::string_view v) { return std::string(js::trim_start(v)); });
    if (name == "length") return Value::integer(static_cast<double>(js::utf16_length(s)));
    if (name == "startswith" || name == "endswith") {
        const bool prefix = name == "startswith";
        return bound(std::string(name), [s, prefix](Interpreter&, std::vector<Value>& args) {
            const char* n = prefix ? "startswith" : "endswith";
            if (args.empty()) eval_fail("{}() needs an argument", n);
            return Value::boolean(affix_matches(s, args[0], prefix, n));
        });
    }
    if (name == "split") {
        return bound("split", [s](Interpreter& in, std::vector<Value>& args) { return split(in, s, args); });
    }
    if (name == "replace") {
        return bound("replace", [s](Interpreter& in, std::vector<Value>& args) {
            if (args.size() < 2) eval_fail("replace() needs two arguments");
            if (!args[0].is_string() || !args[1].is_string()) eval_fail("replace(): the arguments must be strings");
            Value count = Value::none();
            if (args.size() > 2) {
                if (args[2].is(Type::KwArgs)) {
                    const Value* c = args[2].entries().find("count");
                    count = c ? *c : Value::none();
                } else {
                    count = args[2];
                }
            }
            if (!count.is(Type::Int) && !count.is_none()) eval_fail("replace(): count must be an integer or none");
            auto out = js::replace(s, args[0].as_string(), args[1].as_string(),
                                   count.is_none() ? std::nan("") : count.as_number(), in.limits().max_output_bytes);
            if (!out) eval_fail("replace(): the result exceeds the limit of {} bytes", in.limits().max_output_bytes);
            return Value::string(std::move(*out));
        });
    }
    return Value();
}

Value pairs_of(const DictData& d) {
    std::vector<Value> out;
    for (const auto& [k, v] : d.entries()) out.push_back(Value::list({Value::string(k), v}));
    return Value::list(std::move(out));
}

Value dict_member(const Value& self, std::string_view name) {
    if (name == "get") {
        return bound("get", [self](Interpreter&, std::vector<Value>& args) {
            if (args.empty() || !args[0].is_string()) {
                eval_fail("get(): the key must be a string, not {}", args.empty() ? "missing" : type_name(args[0]));
            }
            if (const Value* v = self.entries().find(args[0].as_string())) return *v;
            return args.size() > 1 ? args[1] : Value::none();
        });
    }
    if (name == "items") return bound("items", [self](Interpreter&, std::vector<Value>&) { return pairs_of(self.entries()); });
    if (name == "keys") {
        return bound("keys", [self](Interpreter&, std::vector<Value>&) {
            std::vector<Value> out;
            for (const auto& e : self.entries().entries()) out.push_back(Value::string(e.first));
            return Value::list(std::move(out));
        });
    }
    if (name == "values") {
        return bound("values", [self](Interpreter&, std::vector<Value>&) {
            std::vector<Value> out;
            for (const auto& e : self.entries().entries()) out.push_back(e.second);
            return Value::list(std::move(out));
        });
    }
    if (name == "dictsort") {
        return bound("dictsort", [self](Interpreter&, std::vector<Value>& args) {
            std::vector<Value> positional;
            std::shared_ptr<DictData> kwargs = std::make_shared<DictData>();
            for (const Value& a : args) {
                if (a.is(Type::KwArgs)) {
                    kwargs = a.dict_ptr();
                } else {
                    positional.push_back(a);
                }
            }
            auto pick = [&](std::size_t i, std::string_view key, Value fallback) {
                if (i < positional.size()) return positional[i];
                if (const Value* k = kwargs->find(key)) return *k;
                return fallback;
            };
            const Value case_sensitive = pick(0, "case_sensitive", Value::boolean(false));
            const Value by = pick(1, "by", Value::string("key"));
            const Value reverse = pick(2, "reverse", Value::boolean(false));
            if (!case_sensitive.is(Type::Bool)) eval_fail("dictsort: case_sensitive must be true or false");
            if (!by.is_string() || (by.as_string() != "key" && by.as_string() != "value")) {
                eval_fail("dictsort: by must be 'key' or 'value'");
            }
            if (!reverse.is(Type::Bool)) eval_fail("dictsort: reverse must be true or false");
            std::vector<Value> items = pairs_of(self.entries()).items();
            const std::size_t index = by.as_string() == "key" ? 0 : 1;
            std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
                const int c = compare_values(a.items()[index], b.items()[index], case_sensitive.as_bool());
                return reverse.as_bool() ? c > 0 : c < 0;
            });
            return Value::list(std::move(items));
        });
    }
    return Value();
}

}  // namespace

Value builtin_member(const Value& self, std::string_view name) {
    if (self.is_string()) return string_member(self, name);
    if (self.is_sequence()) return name == "length" ? Value::integer(static_cast<double>(self.items().size())) : Value();
    if (self.is_mapping()) return dict_member(self, name);
    return Value();
}

int compare_values(const Value& a, const Value& b, bool case_sensitive) {
    if (a.is_none() && b.is_none()) return 0;
    if (a.is_none() || b.is_none()) eval_fail("cannot compare a {} with a {}", type_name(a), type_name(b));
    if (a.is_undefined() && b.is_undefined()) return 0;
    if (a.is_undefined() || b.is_undefined()) eval_fail("cannot compare a {} with a {}", type_name(a), type_name(b));
    auto numeric = [](const Value& v) { return v.is_number() || v.is(Type::Bool); };
    if (numeric(a) && numeric(b)) {
        const double x = a.is(Type::Bool) ? (a.as_bool() ? 1 : 0) : a.as_number();
        const double y = b.is(Type::Bool) ? (b.as_bool() ? 1 : 0) : b.as_number();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.type() != b.type()) eval_fail("cannot compare a {} with a {}", type_name(a), type_name(b));
    if (a.is_string()) {
        if (case_sensitive) return js::utf16_compare(a.as_string(), b.as_string());
        return js::utf16_compare(js::to_lower(a.as_string()), js::to_lower(b.as_string()));
    }
    eval_fail("cannot order values of type {}", type_name(a));
}

}  // namespace qforge::chat::jinja

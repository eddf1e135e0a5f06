// The filters of @huggingface/jinja, with its dispatch: a bare filter (`| trim`) and a called one
// (`| indent(2)`) take different paths, and what a filter accepts depends on the operand's type.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

#include "chat/jinja_builtins.h"
#include "chat/jinja_json.h"
#include "chat/js_number.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

// JavaScript truthiness of the underlying value (any object is true).
bool raw_truthy(const Value& v) {
    switch (v.type()) {
        case Type::Undefined:
        case Type::None: return false;
        case Type::Bool: return v.as_bool();
        case Type::Int:
        case Type::Float: return v.as_number() != 0 && !std::isnan(v.as_number());
        case Type::String: return !v.as_string().empty();
        default: return true;
    }
}

[[noreturn]] void unknown(const std::string& name, const Value& operand) {
    eval_fail("filter '{}' does not apply to a {}", name, operand.is_undefined() ? "undefined value" : type_name(operand));
}

const Value* argument(const std::vector<Value>& args, std::size_t i) { return i < args.size() ? &args[i] : nullptr; }

const Value* keyword(const std::shared_ptr<DictData>& kwargs, std::string_view name) { return kwargs->find(name); }

// args[i] ?? kwargs[name] ?? fallback
Value pick(const std::vector<Value>& args, std::size_t i, const std::shared_ptr<DictData>& kwargs, std::string_view name,
           Value fallback) {
    if (const Value* a = argument(args, i)) return *a;
    if (const Value* k = keyword(kwargs, name)) return *k;
    return fallback;
}

// The reference's getAttributeValue: a dotted path through dicts and list indices.
Value attribute_path(const Value& item, const std::string& path) {
    Value v = item;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (v.is_attribute_container()) {
            const Value* found = v.entries().find(part);
            v = found ? *found : Value();
        } else if (v.is_sequence()) {
            const double index = js::parse_int(part);
            if (std::isnan(index) || index < 0 || index >= static_cast<double>(v.items().size())) return Value();
            v = v.items()[static_cast<std::size_t>(index)];
        } else {
            return Value();
        }
        if (dot == std::string::npos) return v;
        start = dot + 1;
    }
}

// Array `unique`: a JavaScript Set over the underlying values (strings by value, containers by identity).
Value unique(const std::vector<Value>& items) {
    std::unordered_set<std::string> strings;
    std::set<double> numbers;
    std::unordered_set<const void*> objects;
    bool seen_nan = false, seen_true = false, seen_false = false, seen_none = false, seen_undefined = false;
    std::vector<Value> out;
    for (const Value& v : items) {
        bool fresh = false;
        switch (v.type()) {
            case Type::String: fresh = strings.insert(v.as_string()).second; break;
            case Type::Int:
            case Type::Float:
                if (std::isnan(v.as_number())) {
                    fresh = !seen_nan;
                    seen_nan = true;
                } else {
                    fresh = numbers.insert(v.as_number() == 0 ? 0.0 : v.as_number()).second;
                }
                break;
            case Type::Bool: {
                bool& seen = v.as_bool() ? seen_true : seen_false;
                fresh = !seen;
                seen = true;
                break;
            }
            case Type::None: fresh = !seen_none, seen_none = true; break;
            case Type::Undefined: fresh = !seen_undefined, seen_undefined = true; break;
            default: fresh = objects.insert(v.identity()).second;
        }
        if (fresh) out.push_back(v);
    }
    return Value::list(std::move(out));
}

Value indent(Interpreter& in, const std::string& text, const Value& width, bool first, bool blank) {
    std::string unit;
    if (width.is_string()) {
        unit = width.as_string();
    } else {
        const double n = std::max(0.0, width.as_number());
        if (n > static_cast<double>(in.limits().max_output_bytes)) eval_fail("indent width {} is too large", n);
        unit.assign(static_cast<std::size_t>(n), ' ');
    }
    std::string out;
    std::size_t start = 0;
    for (std::size_t line = 0;; ++line) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string::npos ? text.size() : nl;
        const bool skip = (!first && line == 0) || (!blank && end == start);
        if (line) out += '\n';
        if (!skip) out += unit;
        out.append(text, start, end - start);
        in.check_size(out);
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return Value::string(std::move(out));
}

Value sorted(std::vector<Value> items, bool reverse, bool case_sensitive, const Value& attribute) {
    auto key = [&](const Value& v) {
        if (attribute.is_none()) return v;
        return attribute_path(v, attribute.is_string() ? attribute.as_string() : js::number_to_string(attribute.as_number()));
    };
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        const int c = compare_values(key(a), key(b), case_sensitive);
        return reverse ? c > 0 : c < 0;
    });
    return Value::list(std::move(items));
}

Value bare_filter(Interpreter& in, const Value& operand, const std::string& name) {
    if (name == "safe") return operand;
    if (name == "tojson") {
        JsonOptions options;
        options.max_bytes = in.limits().max_output_bytes;
        return Value::string(to_json(operand, options));
    }
    if (operand.is_sequence()) {
        const auto& items = operand.items();
        if (name == "list") return operand;
        if (name == "first") return items.empty() ? Value() : items.front();
        if (name == "last") return items.empty() ? Value() : items.back();
        if (name == "length") return Value::integer(static_cast<double>(items.size()));
        if (name == "reverse") return Value::list(std::vector<Value>(items.rbegin(), items.rend()));
        if (name == "sort") return sorted(items, false, false, Value::none());
        if (name == "join") {
            std::string s = join_raw(items, "");
            in.check_size(s);
            return Value::string(std::move(s));
        }
        if (name == "string") {
            JsonOptions options;
            options.undefined_as_null = false;
            options.max_bytes = in.limits().max_output_bytes;
            return Value::string(to_json(operand, options));
        }
        if (name == "unique") return unique(items);
        unknown(name, operand);
    }
    if (operand.is_string()) {
        const std::string& s = operand.as_string();
        if (name == "length") return Value::integer(static_cast<double>(js::utf16_length(s)));
        if (name == "upper") return Value::string(js::to_upper(s));
        if (name == "lower") return Value::string(js::to_lower(s));
        if (name == "title") return Value::string(js::title_case(s));
        if (name == "capitalize") return Value::string(js::capitalize(s));
        if (name == "trim") return Value::string(std::string(js::trim(s)));
        if (name == "indent") return indent(in, s, Value::integer(4), false, false);
        if (name == "join" || name == "string") return operand;
        if (name == "int") {
            const double v = js::parse_int(s);
            return Value::integer(std::isnan(v) ? 0 : v);
        }
        if (name == "float") {
            const double v = js::parse_float(s);
            return Value::floating(std::isnan(v) ? 0 : v);
        }
        unknown(name, operand);
    }
    if (operand.is_number()) {
        const double v = operand.as_number();
        if (name == "abs") return operand.is(Type::Int) ? Value::integer(std::fabs(v)) : Value::floating(std::fabs(v));
        if (name == "int") return Value::integer(std::trunc(v) + 0.0);
        if (name == "float") return Value::floating(v);
        if (name == "string") return Value::string(display_string(operand));
        unknown(name, operand);
    }
    if (operand.is_mapping()) {
        if (name == "items") {
            std::vector<Value> pairs;
            for (const auto& [k, v] : operand.entries().entries()) pairs.push_back(Value::list({Value::string(k), v}));
            return Value::list(std::move(pairs));
        }
        if (name == "length") return Value::integer(static_cast<double>(operand.entries().size()));
        const Value member = builtin_member(operand, name);
        if (member.is(Type::Function)) {
            std::vector<Value> none;
            return in.call(member, none, nullptr);
        }
        if (!member.is_undefined()) return member;
        unknown(name, operand);
    }
    if (operand.is(Type::Bool)) {
        const bool b = operand.as_bool();
        if (name == "bool") return operand;
        if (name == "int") return Value::integer(b ? 1 : 0);
        if (name == "float") return Value::floating(b ? 1 : 0);
        if (name == "string") return Value::string(b ? "true" : "false");
        unknown(name, operand);
    }
    unknown(name, operand);
}

Value called_filter(Interpreter& in, const Value& operand, const FilterRef& f, const EnvPtr& env) {
    const std::string& name = f.name;
    if (name == "tojson") {
        auto [args, kwargs] = in.evaluate_arguments(f.args, env);
        JsonOptions options;
        options.max_bytes = in.limits().max_output_bytes;
        if (const Value* indent_v = keyword(kwargs, "indent")) {
            if (indent_v->is(Type::Int)) {
                options.indent = indent_v->as_number();
            } else if (!indent_v->is_none()) {
                eval_fail("tojson: indent must be an integer");
            }
        }
        if (const Value* v = keyword(kwargs, "ensure_ascii")) {
            if (!v->is(Type::Bool)) eval_fail("tojson: ensure_ascii must be a boolean");
            options.ensure_ascii = v->as_bool();
        }
        if (const Value* v = keyword(kwargs, "sort_keys")) {
            if (!v->is(Type::Bool)) eval_fail("tojson: sort_keys must be a boolean");
            options.sort_keys = v->as_bool();
        }
        if (const Value* v = keyword(kwargs, "separators")) {
            if (v->is_sequence()) {
                if (v->items().size() != 2 || !v->items()[0].is_string() || !v->items()[1].is_string()) {
                    eval_fail("tojson: separators must be two strings");
                }
                options.separators = std::make_pair(v->items()[0].as_string(), v->items()[1].as_string());
            } else if (!v->is_none()) {
                eval_fail("tojson: separators must be two strings");
            }
        }
        return Value::string(to_json(operand, options));
    }
    if (name == "join") {
        if (!operand.is_string() && !operand.is_sequence()) unknown(name, operand);
        auto [args, kwargs] = in.evaluate_arguments(f.args, env);
        const Value separator = pick(args, 0, kwargs, "separator", Value::string(""));
        if (!separator.is_string()) eval_fail("join: the separator must be a string");
        std::string s;
        if (operand.is_string()) {
            const auto chars = js::code_points(operand.as_string());
            for (std::size_t i = 0; i < chars.size(); ++i) {
                if (i) s += separator.as_string();
                s += chars[i];
                if (s.size() > in.limits().max_output_bytes) in.check_size(s);
            }
        } else {
            s = join_raw(operand.items(), separator.as_string());
        }
        in.check_size(s);
        return Value::string(std::move(s));
    }
    if (name == "int" || name == "float") {
        const bool to_int = name == "int";
        auto [args, kwargs] = in.evaluate_arguments(f.args, env);
        const Value fallback = pick(args, 0, kwargs, "default", to_int ? Value::integer(0) : Value::floating(0));
        if (operand.is_string()) {
            const double v = to_int ? js::parse_int(operand.as_string()) : js::parse_float(operand.as_string());
            if (std::isnan(v)) return fallback;
            return to_int ? Value::integer(v) : Value::floating(v);
        }
        if (operand.is_number()) {
            return to_int ? Value::integer(std::trunc(operand.as_number()) + 0.0) : Value::floating(operand.as_number());
        }
        if (operand.is(Type::Bool)) {
            return to_int ? Value::integer(operand.as_bool() ? 1 : 0) : Value::floating(operand.as_bool() ? 1 : 0);
        }
        unknown(name, operand);
    }
    if (name == "default") {
        auto [args, kwargs] = in.evaluate_arguments(f.args, env);
        const Value fallback = args.empty() ? Value::string("") : args[0];
        const Value boolean = args.size() > 1 ? args[1] : pick(args, 99, kwargs, "boolean", Value::boolean(false));
        if (!boolean.is(Type::Bool)) eval_fail("default: the second argument (boolean) must be true or false");
        if (operand.is_undefined() || (boolean.as_bool() && !operand.truthy())) return fallback;
        return operand;
    }

    if (operand.is_sequence()) {
        const auto& items = operand.items();
        if (name == "sort") {
            auto [args, kwargs] = in.evaluate_arguments(f.args, env);
            const Value reverse = pick(args, 0, kwargs, "reverse", Value::boolean(false));
            const Value case_sensitive = pick(args, 1, kwargs, "case_sensitive", Value::boolean(false));
            const Value attribute = pick(args, 2, kwargs, "attribute", Value::none());
            if (!reverse.is(Type::Bool)) eval_fail("sort: reverse must be true or false");
            if (!case_sensitive.is(Type::Bool)) eval_fail("sort: case_sensitive must be true or false");
            if (!attribute.is_string() && !attribute.is(Type::Int) && !attribute.is_none()) {
                eval_fail("sort: attribute must be a string, an integer or none");
            }
            return sorted(items, reverse.as_bool(), case_sensitive.as_bool(), attribute);
        }
        if (name == "selectattr" || name == "rejectattr") {
            const bool select = name == "selectattr";
            for (const Value& item : items)
                if (!item.is_attribute_container()) eval_fail("{} applies to a list of dicts, found a {} in it", name, type_name(item));
            for (const auto& a : f.args)
                if (a->kind != NodeKind::StringLiteral) eval_fail("the arguments of {} must be string literals", name);
            std::vector<Value> strs;
            for (const auto& a : f.args) strs.push_back(in.evaluate(*a, env));
            if (strs.size() > 1 && !is_known_test(strs[1].as_string())) eval_fail("unknown test '{}'", strs[1].as_string());
            const Value* test_value = strs.size() > 2 ? &strs[2] : nullptr;
            std::vector<Value> out;
            for (const Value& item : items) {
                if (strs.empty()) eval_fail("{} needs the name of an attribute", name);
                const std::string& attr = strs[0].as_string();
                const Value* a = item.entries().find(attr);
                bool result = false;
                if (a) result = strs.size() > 1 ? run_test(strs[1].as_string(), *a, test_value) : a->truthy();
                if (result == select) out.push_back(item);
            }
            return Value::list(std::move(out));
        }
        if (name == "map") {
            auto [args, kwargs] = in.evaluate_arguments(f.args, env);
            const Value* attr = keyword(kwargs, "attribute");
            if (!attr) eval_fail("map is supported with attribute=... only");
            if (!attr->is_string()) eval_fail("map: attribute must be a string");
            const Value* fallback = keyword(kwargs, "default");
            std::vector<Value> out;
            for (const Value& item : items) {
                if (!item.is_attribute_container()) eval_fail("map(attribute=...) applies to a list of dicts, found a {}", type_name(item));
                Value v = attribute_path(item, attr->as_string());
                out.push_back(v.is_undefined() && fallback ? *fallback : v);
            }
            return Value::list(std::move(out));
        }
        unknown(name, operand);
    }
    if (operand.is_string()) {
        if (name == "indent") {
            auto [args, kwargs] = in.evaluate_arguments(f.args, env);
            const Value width = pick(args, 0, kwargs, "width", Value::integer(4));
            if (!width.is(Type::Int) && !width.is_string()) eval_fail("indent: width must be an integer or a string");
            const bool first = raw_truthy(pick(args, 1, kwargs, "first", Value::boolean(false)));
            const bool blank = raw_truthy(pick(args, 2, kwargs, "blank", Value::boolean(false)));
            return indent(in, operand.as_string(), width, first, blank);
        }
        if (name == "replace") {
            auto [args, kwargs] = in.evaluate_arguments(f.args, env);
            args.push_back(Value::kwargs(kwargs));
            return in.call(builtin_member(operand, "replace"), args, env);
        }
        unknown(name, operand);
    }
    if (operand.is_mapping()) {
        const Value member = builtin_member(operand, name);
        if (member.is(Type::Function)) {
            std::vector<Value> args = in.evaluate_call_arguments(f.args, env);
            return in.call(member, args, env);
        }
        unknown(name, operand);
    }
    unknown(name, operand);
}

}  // namespace

Value apply_filter(Interpreter& in, const Value& operand, const FilterRef& filter, const EnvPtr& env) {
    if (!filter.valid) eval_fail("a filter must be a name or a call of one");
    return filter.called ? called_filter(in, operand, filter, env) : bare_filter(in, operand, filter.name);
}

}  // namespace qforge::chat::jinja

#include "chat/jinja_value.h"

#include <cmath>

#include "chat/jinja_json.h"
#include "chat/js_number.h"

namespace qforge::chat::jinja {

namespace {

// Past this many keys a dict gets a hash index; below, a linear scan is cheaper than hashing.
constexpr std::size_t kIndexThreshold = 12;

// The primitive a JavaScript value turns into for `==`.
struct Primitive {
    enum Kind { Undefined, Null, Boolean, Number, String, Object } kind = Undefined;
    double number = 0;
    std::string text;
    const void* object = nullptr;
    const Value* source = nullptr;

    static Primitive make(Kind k, double n = 0) {
        Primitive p;
        p.kind = k;
        p.number = n;
        return p;
    }
    static Primitive string(std::string s) {
        Primitive p;
        p.kind = String;
        p.text = std::move(s);
        return p;
    }
};

Primitive primitive_of(const Value& v) {
    switch (v.type()) {
        case Type::Undefined: return Primitive::make(Primitive::Undefined);
        case Type::None: return Primitive::make(Primitive::Null);
        case Type::Bool: return Primitive::make(Primitive::Boolean, v.as_bool() ? 1.0 : 0.0);
        case Type::Int:
        case Type::Float: return Primitive::make(Primitive::Number, v.as_number());
        case Type::String: return Primitive::string(v.as_string());
        default: {
            Primitive p = Primitive::make(Primitive::Object);
            p.object = v.identity();
            p.source = &v;
            return p;
        }
    }
}

// ToPrimitive of an object operand: an array becomes its toString(), a Map "[object Map]".
Primitive to_primitive(const Primitive& p) {
    if (p.kind != Primitive::Object) return p;
    const Value& v = *p.source;
    if (v.is_sequence()) return Primitive::string(raw_string(v));
    if (v.is_attribute_container()) return Primitive::string("[object Map]");
    return Primitive::string("function " + v.function_ptr()->name + "() { [native code] }");
}

bool loose(const Primitive& a, const Primitive& b) {
    if (a.kind == b.kind) {
        switch (a.kind) {
            case Primitive::Undefined:
            case Primitive::Null: return true;
            case Primitive::Boolean:
            case Primitive::Number: return a.number == b.number;
            case Primitive::String: return a.text == b.text;
            case Primitive::Object: return a.object == b.object;
        }
    }
    const bool a_nullish = a.kind == Primitive::Undefined || a.kind == Primitive::Null;
    const bool b_nullish = b.kind == Primitive::Undefined || b.kind == Primitive::Null;
    if (a_nullish || b_nullish) return a_nullish && b_nullish;
    if (a.kind == Primitive::Number && b.kind == Primitive::String) return a.number == js::string_to_number(b.text);
    if (a.kind == Primitive::String && b.kind == Primitive::Number) return js::string_to_number(a.text) == b.number;
    if (a.kind == Primitive::Boolean) return loose(Primitive::make(Primitive::Number, a.number), b);
    if (b.kind == Primitive::Boolean) return loose(a, Primitive::make(Primitive::Number, b.number));
    if (a.kind == Primitive::Object) return loose(to_primitive(a), b);
    if (b.kind == Primitive::Object) return loose(a, to_primitive(b));
    return false;
}

bool strict(const Value& a, const Value& b, bool nan_equal) {
    const Primitive pa = primitive_of(a);
    const Primitive pb = primitive_of(b);
    if (pa.kind != pb.kind) return false;
    switch (pa.kind) {
        case Primitive::Undefined:
        case Primitive::Null: return true;
        case Primitive::Boolean: return pa.number == pb.number;
        case Primitive::Number:
            return pa.number == pb.number || (nan_equal && std::isnan(pa.number) && std::isnan(pb.number));
        case Primitive::String: return pa.text == pb.text;
        case Primitive::Object: return pa.object == pb.object;
    }
    return false;
}

// Frees the values; any container only they hold is emptied into the work list first, so its own destructor
// has nothing left to recurse into.
void release(std::vector<Value>& pending) {
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        if (v.is_sequence() && v.list_ptr().use_count() == 1) {
            auto& items = v.list_ptr()->items;
            for (auto& item : items) pending.push_back(std::move(item));
            items.clear();
        } else if (v.is_attribute_container() && v.dict_ptr().use_count() == 1) {
            v.entries().drain_into(pending);
        }
    }
}

}  // namespace

ListData::~ListData() {
    if (!items.empty()) {
        std::vector<Value> pending = std::move(items);
        release(pending);
    }
}

DictData::~DictData() {
    if (!entries_.empty()) {
        std::vector<Value> pending;
        drain_into(pending);
        release(pending);
    }
}

void DictData::drain_into(std::vector<Value>& out) {
    for (auto& e : entries_) out.push_back(std::move(e.second));
    clear();
}

std::size_t DictData::position(std::string_view key) const {
    if (entries_.size() > kIndexThreshold) {
        if (index_.empty()) {
            for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
        }
        auto it = index_.find(std::string(key));
        return it == index_.end() ? entries_.size() : it->second;
    }
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].first == key) return i;
    return entries_.size();
}

const Value* DictData::find(std::string_view key) const {
    const std::size_t i = position(key);
    return i < entries_.size() ? &entries_[i].second : nullptr;
}

void DictData::set(std::string key, Value value) {
    const std::size_t i = position(key);
    if (i < entries_.size()) {
        entries_[i].second = std::move(value);
        return;
    }
    if (!index_.empty()) index_.emplace(key, entries_.size());
    entries_.emplace_back(std::move(key), std::move(value));
}

void DictData::clear() {
    index_.clear();
    entries_.clear();
}

Value Value::number(double v) {
    return (std::isfinite(v) && std::trunc(v) == v) ? integer(v) : floating(v);
}

Value Value::list(std::vector<Value> items) {
    auto data = std::make_shared<ListData>();
    data->items = std::move(items);
    return Value(Type::List, std::move(data));
}

Value Value::tuple(std::vector<Value> items) {
    auto data = std::make_shared<ListData>();
    data->items = std::move(items);
    return Value(Type::Tuple, std::move(data));
}

bool Value::truthy() const {
    switch (type_) {
        case Type::Undefined:
        case Type::None: return false;
        case Type::Bool: return as_bool();
        case Type::Int:
        case Type::Float: return as_number() != 0 && !std::isnan(as_number());
        case Type::String: return !as_string().empty();
        case Type::List:
        case Type::Tuple: return !items().empty();
        case Type::Dict:
        case Type::KwArgs: return entries().size() > 0;
        case Type::Namespace:
        case Type::Function: return true;
    }
    return false;
}

const void* Value::identity() const {
    switch (type_) {
        case Type::List:
        case Type::Tuple: return list_ptr().get();
        case Type::Dict:
        case Type::KwArgs:
        case Type::Namespace: return dict_ptr().get();
        case Type::Function: return function_ptr().get();
        default: return nullptr;
    }
}

const char* type_name(Type t) {
    switch (t) {
        case Type::Undefined: return "undefined";
        case Type::None: return "none";
        case Type::Bool: return "boolean";
        case Type::Int: return "integer";
        case Type::Float: return "float";
        case Type::String: return "string";
        case Type::List: return "list";
        case Type::Tuple: return "tuple";
        case Type::Dict: return "dict";
        case Type::KwArgs: return "keyword arguments";
        case Type::Namespace: return "namespace";
        case Type::Function: return "function";
    }
    return "?";
}

std::string display_string(const Value& v) {
    switch (v.type()) {
        case Type::Undefined: return "undefined";
        case Type::None: return "null";
        case Type::Bool: return v.as_bool() ? "true" : "false";
        case Type::Int: return js::number_to_string(v.as_number());
        case Type::Float: return js::float_to_string(v.as_number());
        case Type::String: return v.as_string();
        case Type::Function: eval_fail("cannot print the function '{}'", v.function_ptr()->name);
        default: {
            JsonOptions options;
            options.undefined_as_null = false;
            return to_json(v, options);
        }
    }
}

std::string raw_string(const Value& v) {
    switch (v.type()) {
        case Type::Int:
        case Type::Float: return js::number_to_string(v.as_number());
        case Type::List:
        case Type::Tuple: {
            std::string out;
            for (std::size_t i = 0; i < v.items().size(); ++i) {
                if (i) out += ',';
                out += display_string(v.items()[i]);
            }
            return out;
        }
        case Type::Dict:
        case Type::KwArgs:
        case Type::Namespace: return "[object Map]";
        default: return display_string(v);
    }
}

std::string join_raw(const std::vector<Value>& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        if (!items[i].is_undefined() && !items[i].is_none()) out += raw_string(items[i]);
    }
    return out;
}

bool loose_equals(const Value& a, const Value& b) { return loose(primitive_of(a), primitive_of(b)); }
bool strict_equals(const Value& a, const Value& b) { return strict(a, b, false); }
bool same_value_zero(const Value& a, const Value& b) { return strict(a, b, true); }

}  // namespace qforge::chat::jinja

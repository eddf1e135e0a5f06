#pragma once
// Runtime values of the Jinja interpreter. They mirror @huggingface/jinja's: numbers are doubles tagged integer
// or float, dicts keep insertion order, lists and dicts are shared by reference (`==` between two dicts is
// identity, as in JavaScript), and a tuple is a list that some operations refuse.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace qforge::chat::jinja {

class Value;
class Interpreter;
struct Env;

// An error inside the template engine whose position the interpreter adds (line and column of the node being
// evaluated) before it reaches the caller as a qforge::Error.
class EvalError : public std::runtime_error {
public:
    explicit EvalError(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void eval_fail(fmt::format_string<Args...> format, Args&&... args) {
    throw EvalError(fmt::format(format, std::forward<Args>(args)...));
}

enum class Type : std::uint8_t {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Tuple,
    Dict,
    KwArgs,  // the keyword arguments of a call, passed as a trailing dict argument
    Namespace,
    Function,
};

struct ListData;
class DictData;
struct FunctionData;

class Value {
public:
    Value() = default;  // undefined

    static Value none() { return Value(Type::None, std::monostate{}); }
    static Value boolean(bool b) { return Value(Type::Bool, b); }
    static Value integer(double v) { return Value(Type::Int, v); }
    static Value floating(double v) { return Value(Type::Float, v); }
    // A JavaScript number from outside (JSON, range()): integer when whole.
    static Value number(double v);
    static Value string(std::string s) { return Value(Type::String, std::move(s)); }
    static Value list(std::vector<Value> items);
    static Value tuple(std::vector<Value> items);
    static Value dict(std::shared_ptr<DictData> d) { return Value(Type::Dict, std::move(d)); }
    static Value kwargs(std::shared_ptr<DictData> d) { return Value(Type::KwArgs, std::move(d)); }
    static Value namespace_(std::shared_ptr<DictData> d) { return Value(Type::Namespace, std::move(d)); }
    static Value function(std::shared_ptr<FunctionData> f) { return Value(Type::Function, std::move(f)); }

    Type type() const { return type_; }
    bool is(Type t) const { return type_ == t; }
    bool is_undefined() const { return type_ == Type::Undefined; }
    bool is_none() const { return type_ == Type::None; }
    bool is_number() const { return type_ == Type::Int || type_ == Type::Float; }
    bool is_string() const { return type_ == Type::String; }
    // instanceof ArrayValue (lists and tuples)
    bool is_sequence() const { return type_ == Type::List || type_ == Type::Tuple; }
    // instanceof ObjectValue (dicts and keyword arguments; not namespaces)
    bool is_mapping() const { return type_ == Type::Dict || type_ == Type::KwArgs; }
    // what has attributes and entries: dicts, keyword arguments and namespaces
    bool is_attribute_container() const { return is_mapping() || type_ == Type::Namespace; }

    bool as_bool() const { return std::get<bool>(v_); }
    double as_number() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const std::vector<Value>& items() const;
    const std::shared_ptr<ListData>& list_ptr() const { return std::get<std::shared_ptr<ListData>>(v_); }
    DictData& entries() const;
    const std::shared_ptr<DictData>& dict_ptr() const { return std::get<std::shared_ptr<DictData>>(v_); }
    const std::shared_ptr<FunctionData>& function_ptr() const { return std::get<std::shared_ptr<FunctionData>>(v_); }

    // Python-style truthiness as @huggingface/jinja has it (empty containers false, namespaces always true).
    bool truthy() const;
    // Address of the shared container or function, for identity comparisons; nullptr for scalars.
    const void* identity() const;

private:
    using Storage = std::variant<std::monostate, bool, double, std::string, std::shared_ptr<ListData>,
                                 std::shared_ptr<DictData>, std::shared_ptr<FunctionData>>;
    template <typename T>
    Value(Type t, T&& v) : type_(t), v_(std::forward<T>(v)) {}

    Type type_ = Type::Undefined;
    Storage v_;
};

// Destroying a container releases its children iteratively, so a value nested a million levels deep (which a
// template can build in a loop) does not overflow the stack when it is freed.
struct ListData {
    std::vector<Value> items;
    ListData() = default;
    ListData(const ListData&) = delete;
    ListData& operator=(const ListData&) = delete;
    ~ListData();
};

// Insertion-ordered string-keyed map; overwriting a key keeps its position (like a JavaScript Map).
class DictData {
public:
    DictData() = default;
    DictData(const DictData&) = delete;
    DictData& operator=(const DictData&) = delete;
    ~DictData();

    const Value* find(std::string_view key) const;
    void set(std::string key, Value value);
    std::size_t size() const { return entries_.size(); }
    const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
    void clear();
    void reserve(std::size_t n) { entries_.reserve(n); }
    // Moves the values out (for the iterative release) and empties the dict.
    void drain_into(std::vector<Value>& out);

private:
    std::size_t position(std::string_view key) const;  // entries_.size() when absent

    std::vector<std::pair<std::string, Value>> entries_;
    mutable std::unordered_map<std::string, std::size_t> index_;  // built once a dict grows past a few keys
};

// A callable: a macro, a global such as range(), or a method bound to its receiver. `args` may end with a KwArgs
// value holding the keyword arguments; `call_site` is the scope of the caller.
struct FunctionData {
    std::string name;
    std::function<Value(Interpreter&, std::vector<Value>& args, const std::shared_ptr<Env>& call_site)> call;
};

inline const std::vector<Value>& Value::items() const { return std::get<std::shared_ptr<ListData>>(v_)->items; }
inline DictData& Value::entries() const { return *std::get<std::shared_ptr<DictData>>(v_); }

// Short name of a value's type for error messages ("string", "list", ...).
const char* type_name(Type t);
inline const char* type_name(const Value& v) { return type_name(v.type()); }

// RuntimeValue.toString(): how `{{ x }}` prints x (true → "true", 2.0 → "2.0", lists and dicts as JSON).
std::string display_string(const Value& v);
// String(x.value): how `~` and `+` turn an operand into text (2.0 → "2", a dict → "[object Map]").
std::string raw_string(const Value& v);
// Array.prototype.join over the raw values (none and undefined give "").
std::string join_raw(const std::vector<Value>& items, std::string_view separator);

// `==` as JavaScript's loose equality between the underlying values; containers compare by identity.
bool loose_equals(const Value& a, const Value& b);
// `===` between the underlying values (membership tests, `equalto`).
bool strict_equals(const Value& a, const Value& b);
// Set membership (SameValueZero): like strict equality, but NaN equals NaN.
bool same_value_zero(const Value& a, const Value& b);

}  // namespace qforge::chat::jinja

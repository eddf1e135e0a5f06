// The names every template can use: namespace(), raise_exception(), range(), strftime_now() and the
// constants true/false/none in both spellings. The functions take their arguments as the reference's
// JavaScript wrappers do.
#include <cmath>
#include <optional>

#include "chat/jinja_builtins.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

Value function(std::string name, std::function<Value(Interpreter&, std::vector<Value>&)> body) {
    auto fn = std::make_shared<FunctionData>();
    fn->name = std::move(name);
    fn->call = [body = std::move(body)](Interpreter& in, std::vector<Value>& args, const std::shared_ptr<Env>&) {
        return body(in, args);
    };
    return Value::function(std::move(fn));
}

void add_namespace_entry(DictData& entries, const Value& pair) {
    std::vector<Value> values;
    if (pair.is_sequence()) {
        values = pair.items();
    } else if (pair.is_string()) {
        for (auto& c : js::code_points(pair.as_string())) values.push_back(Value::string(std::move(c)));
    }
    if (values.size() != 2) eval_fail("namespace() expects a dict or a list of [key, value] pairs");
    if (!values[0].is_string()) eval_fail("namespace keys must be strings");
    entries.set(values[0].as_string(), values[1]);
}

Value make_namespace(Interpreter& in, std::vector<Value>& args) {
    std::vector<Value> positional = args;
    Value kwargs;
    if (!positional.empty() && positional.back().is(Type::KwArgs)) {
        kwargs = positional.back();
        positional.pop_back();
    }
    if (positional.size() > 1) eval_fail("namespace() takes at most 1 positional argument, got {}", positional.size());
    // A namespace made with `new` so that its memory goes when the last reference does, even while the
    // interpreter still holds a weak reference to it.
    std::shared_ptr<DictData> entries(new DictData());
    if (positional.size() == 1) {
        const Value& source = positional[0];
        if (source.is_mapping()) {
            for (const auto& [k, v] : source.entries().entries()) entries->set(k, v);
        } else if (source.is_sequence()) {
            for (const Value& pair : source.items()) add_namespace_entry(*entries, pair);
        } else {
            eval_fail("namespace() cannot take its entries from a {}", type_name(source));
        }
    }
    if (kwargs.is(Type::KwArgs)) {
        for (const auto& [k, v] : kwargs.entries().entries()) entries->set(k, v);
    }
    in.track_namespace(entries);
    return Value::namespace_(std::move(entries));
}

Value range(Interpreter& in, std::vector<Value>& args) {
    auto arg = [&](std::size_t i) -> std::optional<double> {
        if (i >= args.size() || args[i].is_undefined()) return std::nullopt;
        if (!args[i].is_number()) eval_fail("range() takes numbers, not a {}", type_name(args[i]));
        return args[i].as_number();
    };
    std::optional<double> start = arg(0), stop = arg(1);
    const double step = arg(2).value_or(1);
    if (!stop) {
        stop = start;
        start = 0.0;
    }
    if (step == 0) eval_fail("range() step must not be zero");
    std::vector<Value> out;
    if (!start || !stop || std::isnan(*start) || std::isnan(*stop) || std::isnan(step)) return Value::list({});
    const double count = std::ceil((*stop - *start) / step);
    if (count > 0) in.check_items(count > 1e18 ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(count));
    if (step > 0) {
        for (double i = *start; i < *stop; i += step) out.push_back(Value::number(i));
    } else {
        for (double i = *start; i > *stop; i += step) out.push_back(Value::number(i));
    }
    return Value::list(std::move(out));
}

}  // namespace

void install_globals(Interpreter& in, Env& global) {
    (void)in;
    global.vars["namespace"] = function("namespace", make_namespace);
    global.vars["false"] = Value::boolean(false);
    global.vars["true"] = Value::boolean(true);
    global.vars["none"] = Value::none();
    global.vars["raise_exception"] = function("raise_exception", [](Interpreter&, std::vector<Value>& args) -> Value {
        // new Error(message): undefined gives an empty message, anything else its String()
        throw RaisedError(args.empty() || args[0].is_undefined() ? std::string() : raw_string(args[0]));
    });
    global.vars["range"] = function("range", range);
    global.vars["strftime_now"] = function("strftime_now", [](Interpreter& in, std::vector<Value>& args) {
        if (args.empty() || !args[0].is_string()) eval_fail("strftime_now() takes a format string");
        return Value::string(in.strftime_now(args[0].as_string()));
    });
    global.vars["True"] = Value::boolean(true);
    global.vars["False"] = Value::boolean(false);
    global.vars["None"] = Value::none();
}

}  // namespace qforge::chat::jinja

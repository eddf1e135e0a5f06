#include "chat/jinja_interpreter.h"

#include <cmath>
#include <exception>

#include "chat/jinja_builtins.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

// {% break %} and {% continue %} unwind to the innermost loop, dropping what the iteration had rendered.
struct BreakSignal {};
struct ContinueSignal {};

Value make_loop(std::size_t i, const std::vector<Value>& items) {
    const double n = static_cast<double>(items.size());
    const double k = static_cast<double>(i);
    auto loop = std::make_shared<DictData>();
    loop->reserve(9);
    loop->set("index", Value::integer(k + 1));
    loop->set("index0", Value::integer(k));
    loop->set("revindex", Value::integer(n - k));
    loop->set("revindex0", Value::integer(n - k - 1));
    loop->set("first", Value::boolean(i == 0));
    loop->set("last", Value::boolean(i + 1 == items.size()));
    loop->set("length", Value::integer(n));
    loop->set("previtem", i > 0 ? items[i - 1] : Value());
    loop->set("nextitem", i + 1 < items.size() ? items[i + 1] : Value());
    return Value::dict(std::move(loop));
}

double js_pow(double a, double b) {
    // Math.pow differs from C's pow where the exponent is NaN or the base is ±1 and the exponent infinite.
    if (std::isnan(b)) return std::nan("");
    if (std::isinf(b) && std::fabs(a) == 1) return std::nan("");
    return std::pow(a, b);
}

double numeric_like(const Value& v) { return v.is(Type::Bool) ? (v.as_bool() ? 1 : 0) : v.as_number(); }

// Python-style slice of n items, as the reference's utils.slice computes the visited indices.
std::vector<std::size_t> slice_indices(std::size_t n, const Value& start_v, const Value& stop_v, const Value& step_v) {
    const double len = static_cast<double>(n);
    const double step = step_v.is_undefined() ? 1 : step_v.as_number();
    const double direction = step > 0 ? 1 : step < 0 ? -1 : 0;
    double start, stop;
    if (direction >= 0) {
        start = start_v.is_undefined() ? 0 : start_v.as_number();
        start = start < 0 ? std::max(len + start, 0.0) : std::min(start, len);
        stop = stop_v.is_undefined() ? len : stop_v.as_number();
        stop = stop < 0 ? std::max(len + stop, 0.0) : std::min(stop, len);
    } else {
        start = start_v.is_undefined() ? len - 1 : start_v.as_number();
        start = start < 0 ? std::max(len + start, -1.0) : std::min(start, len - 1);
        stop = stop_v.is_undefined() ? -1 : stop_v.as_number();
        stop = stop < -1 ? std::max(len + stop, -1.0) : std::min(stop, len - 1);
    }
    std::vector<std::size_t> out;
    if (direction == 0 || std::isnan(start) || std::isnan(stop)) return out;
    for (double i = start; direction * i < direction * stop; i += step) out.push_back(static_cast<std::size_t>(i));
    return out;
}

}  // namespace

struct NodeScope {
    // The position stays at the innermost node when an exception unwinds through, so the error names it.
    NodeScope(Interpreter& in, const Node* node) : in_(in), saved_(in.current_), exceptions_(std::uncaught_exceptions()) {
        in.current_ = node;
    }
    ~NodeScope() {
        if (std::uncaught_exceptions() == exceptions_) in_.current_ = saved_;
    }
    Interpreter& in_;
    const Node* saved_;
    int exceptions_;
};

struct NestScope {
    explicit NestScope(Interpreter& in) : in_(in) {
        if (in.nesting_ >= in.limits().max_nesting) {
            eval_fail("template nested more than {} levels deep (unbounded recursion?)", in.limits().max_nesting);
        }
        ++in.nesting_;
    }
    ~NestScope() { --in_.nesting_; }
    Interpreter& in_;
};

const Value* Env::lookup(const std::string& name) const {
    for (const Env* e = this; e; e = e->parent.get()) {
        auto it = e->vars.find(name);
        if (it != e->vars.end()) return &it->second;
    }
    return nullptr;
}

Interpreter::Interpreter(const SourceText& source, const RenderOptions& options) : source_(source), options_(options) {}

Interpreter::~Interpreter() {
    for (auto& weak : namespaces_)
        if (auto ns = weak.lock()) ns->clear();
    for (auto& weak : macro_scopes_)
        if (auto env = weak.lock()) env->vars.clear();
}

std::string Interpreter::render(const Program& program, const Value& context) {
    auto global = std::make_shared<Env>();
    remember_scope(global);
    install_globals(*this, *global);
    namespace_function_ = global->vars.at("namespace");
    try {
        if (context.is_mapping()) {
            for (const auto& [key, value] : context.entries().entries()) {
                if (!global->vars.emplace(key, value).second) {
                    fail("chat template context: '{}' is a built-in name of the template language and cannot be "
                         "passed as a variable", key);
                }
            }
        }
        std::string out;
        render_block(program.body, global, out);
        return out;
    } catch (const EvalError& e) {
        const std::string where = current_ ? source_.where(current_->pos) : std::string("(start)");
        fail("chat template {}: {}", where, e.what());
    } catch (const BreakSignal&) {
        fail("chat template {}: {{% break %}} outside a for loop", source_.where(current_ ? current_->pos : 0));
    } catch (const ContinueSignal&) {
        fail("chat template {}: {{% continue %}} outside a for loop", source_.where(current_ ? current_->pos : 0));
    }
}

void Interpreter::step() {
    if (++steps_ > options_.limits.max_steps) {
        eval_fail("template did not finish within {} steps (an endless loop?)", options_.limits.max_steps);
    }
}

void Interpreter::check_size(const std::string& s) const {
    if (s.size() > options_.limits.max_output_bytes) {
        eval_fail("template output exceeds the limit of {} bytes", options_.limits.max_output_bytes);
    }
}

void Interpreter::check_items(std::size_t n) const {
    if (n > options_.limits.max_list_items) eval_fail("a list of {} items exceeds the limit of {}", n, options_.limits.max_list_items);
}

namespace {

// Appends to a registry of weak references, dropping the expired ones whenever it has doubled.
template <typename T>
void remember(std::vector<std::weak_ptr<T>>& registry, std::size_t& compact_at, const std::shared_ptr<T>& item) {
    if (!registry.empty() && registry.back().lock() == item) return;
    registry.push_back(item);
    if (registry.size() >= compact_at) {
        std::erase_if(registry, [](const auto& w) { return w.expired(); });
        compact_at = std::max<std::size_t>(64, registry.size() * 2);
    }
}

}  // namespace

void Interpreter::track_namespace(const std::shared_ptr<DictData>& ns) { remember(namespaces_, namespaces_compact_at_, ns); }

void Interpreter::remember_scope(const std::shared_ptr<Env>& env) { remember(macro_scopes_, scopes_compact_at_, env); }

std::string Interpreter::strftime_now(std::string_view format) const {
    if (options_.strftime_now) return options_.strftime_now(format);
    return format_time_like_hf(format, options_.now.value_or(std::chrono::system_clock::now()));
}

Value Interpreter::lookup(const std::string& name, const EnvPtr& env) const {
    // In the reference every scope (each loop, each macro call) is created holding `namespace`, so an outer
    // `set namespace = ...` is shadowed by the built-in in any inner scope.
    if (name == "namespace") {
        auto it = env->vars.find(name);
        return it != env->vars.end() ? it->second : namespace_function_;
    }
    const Value* v = env->lookup(name);
    return v ? *v : Value();
}

void Interpreter::render_block(const Body& body, const EnvPtr& env, std::string& out) {
    NestScope nest(*this);
    for (const auto& statement : body) {
        step();
        switch (statement->kind) {
            case NodeKind::StringLiteral: out += static_cast<const StringLiteral&>(*statement).value; break;
            case NodeKind::If: render_if(static_cast<const If&>(*statement), env, out); break;
            case NodeKind::For: render_for(static_cast<const For&>(*statement), env, out); break;
            case NodeKind::Set: execute_set(static_cast<const Set&>(*statement), env); break;
            default: {
                const Value v = evaluate(*statement, env);
                if (!v.is_none() && !v.is_undefined()) {
                    NodeScope at(*this, statement.get());
                    out += display_string(v);
                }
            }
        }
        check_size(out);
    }
}

Value Interpreter::evaluate(const Node& node, const EnvPtr& env) {
    NodeScope at(*this, &node);
    NestScope nest(*this);
    step();
    switch (node.kind) {
        case NodeKind::Identifier: return lookup(static_cast<const Identifier&>(node).name, env);
        case NodeKind::IntegerLiteral: return Value::integer(static_cast<const NumberLiteral&>(node).value);
        case NodeKind::FloatLiteral: return Value::floating(static_cast<const NumberLiteral&>(node).value);
        case NodeKind::StringLiteral: return Value::string(static_cast<const StringLiteral&>(node).value);
        case NodeKind::Binary: return evaluate_binary(static_cast<const Binary&>(node), env);
        case NodeKind::Member: return evaluate_member(static_cast<const Member&>(node), env);
        case NodeKind::Call: return evaluate_call(static_cast<const Call&>(node), env);
        case NodeKind::Filter: {
            const auto& f = static_cast<const Filter&>(node);
            const Value operand = evaluate(*f.operand, env);
            current_ = &node;
            return apply_filter(*this, operand, f.filter, env);
        }
        case NodeKind::Test: return evaluate_test(static_cast<const Test&>(node), env);
        case NodeKind::Ternary: {
            const auto& t = static_cast<const Ternary&>(node);
            return evaluate(*t.condition, env).truthy() ? evaluate(*t.if_true, env) : evaluate(*t.if_false, env);
        }
        case NodeKind::Unary: return evaluate_unary(static_cast<const Unary&>(node), env);
        case NodeKind::ArrayLiteral:
        case NodeKind::TupleLiteral: {
            std::vector<Value> items;
            for (const auto& item : static_cast<const SequenceLiteral&>(node).items) items.push_back(evaluate(*item, env));
            return node.kind == NodeKind::ArrayLiteral ? Value::list(std::move(items)) : Value::tuple(std::move(items));
        }
        case NodeKind::ObjectLiteral: return evaluate_object(static_cast<const ObjectLiteral&>(node), env);
        case NodeKind::Select: {
            const auto& s = static_cast<const Select&>(node);
            if (!evaluate(*s.test, env).truthy()) return Value();
            return evaluate(*s.lhs, env);
        }
        case NodeKind::If: {
            std::string out;
            render_if(static_cast<const If&>(node), env, out);
            return Value::string(std::move(out));
        }
        case NodeKind::For: {
            std::string out;
            render_for(static_cast<const For&>(node), env, out);
            return Value::string(std::move(out));
        }
        case NodeKind::Set: execute_set(static_cast<const Set&>(node), env); return Value::none();
        case NodeKind::Macro: define_macro(static_cast<const Macro&>(node), env); return Value::none();
        case NodeKind::CallBlock: return evaluate_call_block(static_cast<const CallBlock&>(node), env);
        case NodeKind::FilterBlock: {
            const auto& f = static_cast<const FilterBlock&>(node);
            std::string body;
            render_block(f.body, env, body);
            current_ = &node;
            return apply_filter(*this, Value::string(std::move(body)), f.filter, env);
        }
        case NodeKind::Break: throw BreakSignal{};
        case NodeKind::Continue: throw ContinueSignal{};
        default: eval_fail("this expression cannot stand on its own here");
    }
}

Value Interpreter::evaluate_object(const ObjectLiteral& node, const EnvPtr& env) {
    auto dict = std::make_shared<DictData>();
    for (const auto& [key_node, value_node] : node.entries) {
        Value key = evaluate(*key_node, env);
        if (!key.is_string()) eval_fail("dict keys must be strings, got a {}", type_name(key));
        dict->set(key.as_string(), evaluate(*value_node, env));
    }
    return Value::dict(std::move(dict));
}

Value Interpreter::evaluate_binary(const Binary& node, const EnvPtr& env) {
    const BinaryOp op = node.op;
    Value left = evaluate(*node.left, env);
    if (op == BinaryOp::And) return left.truthy() ? evaluate(*node.right, env) : left;
    if (op == BinaryOp::Or) return left.truthy() ? left : evaluate(*node.right, env);
    Value right = evaluate(*node.right, env);
    current_ = &node;
    if (op == BinaryOp::Eq) return Value::boolean(loose_equals(left, right));
    if (op == BinaryOp::Ne) return Value::boolean(!loose_equals(left, right));

    if (left.is_number() && right.is_number() && op != BinaryOp::Concat && op != BinaryOp::Pow) {
        const double a = left.as_number(), b = right.as_number();
        const bool is_float = left.is(Type::Float) || right.is(Type::Float);
        auto number = [&](double r) { return is_float ? Value::floating(r) : Value::integer(r); };
        switch (op) {
            case BinaryOp::Add: return number(a + b);
            case BinaryOp::Sub: return number(a - b);
            case BinaryOp::Mul: return number(a * b);
            case BinaryOp::Div: return Value::floating(a / b);
            case BinaryOp::FloorDiv: return number(std::floor(a / b));
            case BinaryOp::Mod: return number(std::fmod(a, b));
            case BinaryOp::Lt: return Value::boolean(a < b);
            case BinaryOp::Gt: return Value::boolean(a > b);
            case BinaryOp::Ge: return Value::boolean(a >= b);
            case BinaryOp::Le: return Value::boolean(a <= b);
            default: break;
        }
    } else if (left.is_undefined() || right.is_undefined()) {
        if (right.is_undefined() && (op == BinaryOp::In || op == BinaryOp::NotIn)) {
            return Value::boolean(op == BinaryOp::NotIn);  // anything in undefined is false
        }
        if (op == BinaryOp::Concat && !left.is_none() && !right.is_none()) {
            std::string s = (left.is_undefined() ? std::string() : raw_string(left)) +
                            (right.is_undefined() ? std::string() : raw_string(right));
            check_size(s);
            return Value::string(std::move(s));
        }
        eval_fail("cannot apply an operator to an undefined value (a variable or key that does not exist)");
    } else if (left.is_none() || right.is_none()) {
        eval_fail("cannot apply an operator to none");
    } else if (op == BinaryOp::Concat) {
        std::string s = raw_string(left) + raw_string(right);
        check_size(s);
        return Value::string(std::move(s));
    } else if (op == BinaryOp::Pow && (left.is_number() || left.is(Type::Bool)) &&
               (right.is_number() || right.is(Type::Bool))) {
        const double a = numeric_like(left), b = numeric_like(right);
        if (a == 0 && b < 0) eval_fail("0.0 cannot be raised to a negative power");
        const double r = js_pow(a, b);
        if (!std::isfinite(r)) eval_fail("the result of ** is not a finite real number");
        const bool is_float = left.is(Type::Float) || right.is(Type::Float) || b < 0;
        return is_float ? Value::floating(r) : Value::integer(r);
    } else if (left.is_sequence() && right.is_sequence()) {
        if (op == BinaryOp::Add) {
            check_items(left.items().size() + right.items().size());
            std::vector<Value> items = left.items();
            items.insert(items.end(), right.items().begin(), right.items().end());
            return Value::list(std::move(items));
        }
    } else if (right.is_sequence()) {
        if (op == BinaryOp::In || op == BinaryOp::NotIn) {
            bool member = false;
            for (const Value& x : right.items()) {
                if (strict_equals(x, left)) {
                    member = true;
                    break;
                }
            }
            return Value::boolean(member == (op == BinaryOp::In));
        }
    }

    if ((left.is_string() || right.is_string()) && op == BinaryOp::Add) {
        std::string s = raw_string(left) + raw_string(right);
        check_size(s);
        return Value::string(std::move(s));
    }
    if (left.is_string() && right.is_string() && (op == BinaryOp::In || op == BinaryOp::NotIn)) {
        const bool found = right.as_string().find(left.as_string()) != std::string::npos;
        return Value::boolean(found == (op == BinaryOp::In));
    }
    if (left.is_string() && right.is_mapping() && (op == BinaryOp::In || op == BinaryOp::NotIn)) {
        const bool found = right.entries().find(left.as_string()) != nullptr;
        return Value::boolean(found == (op == BinaryOp::In));
    }
    static const char* names[] = {"and", "or", "==", "!=", "<", ">", "<=", ">=", "in", "not in",
                                  "+", "-", "~", "*", "/", "//", "%", "**"};
    eval_fail("operator '{}' does not apply to a {} and a {}", names[static_cast<int>(op)], type_name(left),
              type_name(right));
}

Value Interpreter::evaluate_unary(const Unary& node, const EnvPtr& env) {
    const Value v = evaluate(*node.operand, env);
    current_ = &node;
    if (node.op == UnaryOp::Not) return Value::boolean(!v.truthy());
    const double sign = node.op == UnaryOp::Minus ? -1 : 1;
    if (v.is_number() || v.is(Type::Bool)) {
        const double r = sign * numeric_like(v);
        return v.is(Type::Float) ? Value::floating(r) : Value::integer(r);
    }
    eval_fail("unary '{}' does not apply to a {}", node.op == UnaryOp::Minus ? '-' : '+', type_name(v));
}

Value Interpreter::evaluate_slice(const Value& object, const Slice& slice, const EnvPtr& env) {
    if (!object.is_sequence() && !object.is_string()) eval_fail("only lists and strings can be sliced, not a {}", type_name(object));
    const Value start = slice.start ? evaluate(*slice.start, env) : Value();
    const Value stop = slice.stop ? evaluate(*slice.stop, env) : Value();
    const Value step_v = slice.step ? evaluate(*slice.step, env) : Value();
    for (const Value* part : {&start, &stop, &step_v}) {
        if (!part->is(Type::Int) && !part->is_undefined()) eval_fail("slice bounds must be integers, not a {}", type_name(*part));
    }
    if (object.is_sequence()) {
        std::vector<Value> items;
        for (std::size_t i : slice_indices(object.items().size(), start, stop, step_v)) items.push_back(object.items()[i]);
        return Value::list(std::move(items));
    }
    const std::vector<std::string> chars = js::code_points(object.as_string());
    std::string out;
    for (std::size_t i : slice_indices(chars.size(), start, stop, step_v)) out += chars[i];
    return Value::string(std::move(out));
}

Value Interpreter::evaluate_member(const Member& node, const EnvPtr& env) {
    const Value object = evaluate(*node.object, env);
    Value property;
    if (node.computed) {
        if (node.property->kind == NodeKind::Slice) {
            Value v = evaluate_slice(object, static_cast<const Slice&>(*node.property), env);
            return v;
        }
        property = evaluate(*node.property, env);
    } else if (node.property->kind == NodeKind::IntegerLiteral) {
        property = Value::integer(static_cast<const NumberLiteral&>(*node.property).value);
    } else {
        property = Value::string(static_cast<const Identifier&>(*node.property).name);
    }
    current_ = &node;

    if (object.is_attribute_container()) {
        if (!property.is_string()) eval_fail("a {} key must be a string, not a {}", type_name(object), type_name(property));
        if (const Value* v = object.entries().find(property.as_string())) return *v;
        if (object.is_mapping()) return builtin_member(object, property.as_string());
        return Value();
    }
    if (object.is_sequence() || object.is_string()) {
        if (property.is(Type::Int)) {
            if (object.is_string()) {
                auto unit = js::utf16_unit_at(object.as_string(), property.as_number());
                return unit ? Value::string(std::move(*unit)) : Value();
            }
            const double n = static_cast<double>(object.items().size());
            double k = std::trunc(property.as_number());
            if (k < 0) k += n;
            if (!(k >= 0 && k < n)) return Value();
            return object.items()[static_cast<std::size_t>(k)];
        }
        if (property.is_string()) return builtin_member(object, property.as_string());
        eval_fail("a {} index must be an integer or a method name, not a {}", type_name(object), type_name(property));
    }
    if (!property.is_string()) eval_fail("cannot index a {} with a {}", type_name(object), type_name(property));
    return Value();  // attributes of undefined, none, numbers...: undefined
}

std::pair<std::vector<Value>, std::shared_ptr<DictData>> Interpreter::evaluate_arguments(const std::vector<NodePtr>& args,
                                                                                        const EnvPtr& env) {
    std::vector<Value> positional;
    auto keywords = std::make_shared<DictData>();
    for (const auto& arg : args) {
        if (arg->kind == NodeKind::Spread) {
            const Value v = evaluate(*static_cast<const Spread&>(*arg).argument, env);
            if (!v.is_sequence()) eval_fail("cannot unpack a {} with *", type_name(v));
            positional.insert(positional.end(), v.items().begin(), v.items().end());
        } else if (arg->kind != NodeKind::KeywordArgument && arg->kind != NodeKind::KeywordSpread) {
            positional.push_back(evaluate(*arg, env));
        }
    }
    auto add = [&](const std::string& key, Value v) {
        if (keywords->find(key)) eval_fail("keyword argument '{}' given more than once", key);
        keywords->set(key, std::move(v));
    };
    for (const auto& arg : args) {
        if (arg->kind == NodeKind::KeywordArgument) {
            const auto& kw = static_cast<const KeywordArgument&>(*arg);
            add(kw.key, evaluate(*kw.value, env));
        } else if (arg->kind == NodeKind::KeywordSpread) {
            const Value v = evaluate(*static_cast<const Spread&>(*arg).argument, env);
            if (!v.is_mapping()) eval_fail("the argument after ** must be a dict, not a {}", type_name(v));
            for (const auto& [key, value] : v.entries().entries()) add(key, value);
        }
    }
    return {std::move(positional), std::move(keywords)};
}

std::vector<Value> Interpreter::evaluate_call_arguments(const std::vector<NodePtr>& args, const EnvPtr& env) {
    for (const auto& arg : args) {
        if (arg->kind == NodeKind::KeywordArgument || arg->kind == NodeKind::Spread || arg->kind == NodeKind::KeywordSpread) {
            auto [positional, keywords] = evaluate_arguments(args, env);
            if (keywords->size() > 0) positional.push_back(Value::kwargs(std::move(keywords)));
            return positional;
        }
    }
    std::vector<Value> values;
    values.reserve(args.size());
    for (const auto& arg : args) values.push_back(evaluate(*arg, env));
    return values;
}

Value Interpreter::call(const Value& function, std::vector<Value>& args, const EnvPtr& call_site) {
    if (!function.is(Type::Function)) eval_fail("cannot call a {}", type_name(function));
    auto fn = function.function_ptr();  // keeps the function alive while it runs
    return fn->call(*this, args, call_site);
}

Value Interpreter::evaluate_call(const Call& node, const EnvPtr& env) {
    std::vector<Value> args = evaluate_call_arguments(node.args, env);
    const Value fn = evaluate(*node.callee, env);
    current_ = &node;
    if (!fn.is(Type::Function)) {
        if (node.callee->kind == NodeKind::Identifier) {
            eval_fail("'{}' is not a function (it is {})", static_cast<const Identifier&>(*node.callee).name,
                      fn.is_undefined() ? "undefined" : type_name(fn));
        }
        eval_fail("cannot call a {}", type_name(fn));
    }
    return call(fn, args, env);
}

Value Interpreter::evaluate_test(const Test& node, const EnvPtr& env) {
    const Value operand = evaluate(*node.operand, env);
    current_ = &node;
    const bool result = run_test(node.name, operand, nullptr);
    return Value::boolean(node.negate ? !result : result);
}

void Interpreter::render_if(const If& node, const EnvPtr& env, std::string& out) {
    const bool test = evaluate(*node.test, env).truthy();
    render_block(test ? node.body : node.alternate, env, out);
}

void Interpreter::bind_loop_variable(const Node& loopvar, const Value& item, const EnvPtr& scope) {
    if (loopvar.kind == NodeKind::Identifier) {
        scope->vars[static_cast<const Identifier&>(loopvar).name] = item;
        return;
    }
    const auto& targets = static_cast<const SequenceLiteral&>(loopvar).items;
    for (std::size_t j = 0; j < targets.size(); ++j) {
        if (targets[j]->kind != NodeKind::Identifier) eval_fail("loop variables must be names");
        scope->vars[static_cast<const Identifier&>(*targets[j]).name] = item.items()[j];
    }
}

void Interpreter::render_for(const For& node, const EnvPtr& env, std::string& out) {
    auto scope = std::make_shared<Env>(env);
    const Node* test = nullptr;
    Value iterable;
    if (node.iterable->kind == NodeKind::Select) {
        const auto& select = static_cast<const Select&>(*node.iterable);
        iterable = evaluate(*select.lhs, scope);
        test = select.test.get();
    } else {
        iterable = evaluate(*node.iterable, scope);
    }
    current_ = &node;
    if (!iterable.is_sequence() && !iterable.is_mapping()) {
        eval_fail("a for loop needs a list or a dict, got {}", iterable.is_undefined() ? "undefined" : type_name(iterable));
    }
    std::vector<Value> candidates;
    if (iterable.is_mapping()) {
        for (const auto& entry : iterable.entries().entries()) candidates.push_back(Value::string(entry.first));
    } else {
        candidates = iterable.items();
    }

    const Node& loopvar = *node.loopvar;
    std::vector<Value> items;
    if (loopvar.kind == NodeKind::Identifier && !test) {
        items = std::move(candidates);
    } else {
        for (const Value& current : candidates) {
            step();
            if (loopvar.kind == NodeKind::TupleLiteral) {
                current_ = &node;
                if (!current.is(Type::List)) eval_fail("cannot unpack a {} into loop variables", type_name(current));
                const std::size_t expected = static_cast<const SequenceLiteral&>(loopvar).items.size();
                if (expected != current.items().size()) {
                    eval_fail("too {} items to unpack into {} loop variables", expected > current.items().size() ? "few" : "many",
                              expected);
                }
            }
            if (test) {
                auto loop_scope = std::make_shared<Env>(scope);
                bind_loop_variable(loopvar, current, loop_scope);
                if (!evaluate(*test, loop_scope).truthy()) continue;
            }
            items.push_back(current);
        }
    }

    bool no_iteration = true;
    for (std::size_t i = 0; i < items.size(); ++i) {
        step();
        scope->vars["loop"] = make_loop(i, items);
        bind_loop_variable(loopvar, items[i], scope);
        std::string chunk;
        try {
            render_block(node.body, scope, chunk);
        } catch (const ContinueSignal&) {
            current_ = &node;
            continue;
        } catch (const BreakSignal&) {
            current_ = &node;
            break;
        }
        out += chunk;
        check_size(out);
        no_iteration = false;
    }
    if (no_iteration) render_block(node.otherwise, scope, out);
}

void Interpreter::execute_set(const Set& node, const EnvPtr& env) {
    Value rhs;
    if (node.value) {
        rhs = evaluate(*node.value, env);
    } else {
        std::string body;
        render_block(node.body, env, body);
        rhs = Value::string(std::move(body));
    }
    NodeScope at(*this, &node);
    const Node& target = *node.target;
    if (target.kind == NodeKind::Identifier) {
        env->vars[static_cast<const Identifier&>(target).name] = std::move(rhs);
    } else if (target.kind == NodeKind::TupleLiteral) {
        const auto& names = static_cast<const SequenceLiteral&>(target).items;
        if (!rhs.is_sequence()) eval_fail("cannot unpack a {} in set", type_name(rhs));
        if (rhs.items().size() != names.size()) {
            eval_fail("too {} items to unpack in set", names.size() > rhs.items().size() ? "few" : "many");
        }
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i]->kind != NodeKind::Identifier) eval_fail("set can only unpack into names");
            env->vars[static_cast<const Identifier&>(*names[i]).name] = rhs.items()[i];
        }
    } else if (target.kind == NodeKind::Member) {
        const auto& member = static_cast<const Member&>(target);
        const Value object = evaluate(*member.object, env);
        if (!object.is(Type::Namespace)) eval_fail("can only set attributes of a namespace, not of a {}", type_name(object));
        if (member.property->kind != NodeKind::Identifier) eval_fail("a namespace attribute must be set by name");
        object.entries().set(static_cast<const Identifier&>(*member.property).name, std::move(rhs));
    } else {
        eval_fail("cannot assign to this expression");
    }
}

void Interpreter::define_macro(const Macro& node, const EnvPtr& env) {
    auto fn = std::make_shared<FunctionData>();
    fn->name = node.name;
    // The body sees the scope the macro was defined in (lexical, late-bound), not the caller's. Capturing it
    // makes a cycle (the scope holds the macro), broken when the render ends.
    EnvPtr defined_in = env;
    fn->call = [&node, defined_in](Interpreter& in, std::vector<Value>& args, const EnvPtr& call_site) {
        return in.invoke_macro(node, defined_in, args, call_site);
    };
    remember_scope(env);
    env->vars[node.name] = Value::function(std::move(fn));
}

Value Interpreter::invoke_macro(const Macro& node, const EnvPtr& defined_in, std::vector<Value>& args,
                                const EnvPtr& call_site) {
    if (macro_depth_ >= options_.limits.max_macro_depth) {
        eval_fail("macro '{}' called more than {} levels deep (unbounded recursion?)", node.name,
                  options_.limits.max_macro_depth);
    }
    ++macro_depth_;
    struct Leave {
        int& depth;
        ~Leave() { --depth; }
    } leave{macro_depth_};
    EnvPtr parent = defined_in;
    if (node.special & kCaller) {
        const Value* caller = call_site && call_site->call_block_scope ? call_site->lookup("caller") : nullptr;
        parent = std::make_shared<Env>(defined_in);
        parent->vars["caller"] = caller ? *caller : Value();
    }
    auto scope = std::make_shared<Env>(parent);
    bind_macro_arguments("'" + node.name + "'", node.params, node.special, args, scope);
    std::string out;
    render_block(node.body, scope, out);
    return Value::string(std::move(out));
}

void Interpreter::bind_macro_arguments(const std::string& display_name, const std::vector<NodePtr>& params,
                                       std::uint8_t special, std::vector<Value> args, const EnvPtr& scope) {
    auto keywords = std::make_shared<DictData>();
    if (!args.empty() && args.back().is(Type::KwArgs)) {
        for (const auto& [k, v] : args.back().entries().entries()) keywords->set(k, v);
        args.pop_back();
    }
    auto remaining = std::make_shared<DictData>();
    std::vector<std::pair<std::string, const Node*>> pending;
    std::vector<std::string> used;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const Node& p = *params[i];
        const std::string& name = p.kind == NodeKind::Identifier ? static_cast<const Identifier&>(p).name
                                                                 : static_cast<const KeywordArgument&>(p).key;
        const Node* default_value = p.kind == NodeKind::KeywordArgument ? static_cast<const KeywordArgument&>(p).value.get() : nullptr;
        Value value;
        bool given = false;
        if (i < args.size()) {
            value = args[i];
            given = true;
        } else if (const Value* kw = keywords->find(name)) {
            value = *kw;
            given = true;
            used.push_back(name);
        }
        if (!given && default_value) pending.emplace_back(name, default_value);
        scope->vars[name] = given ? value : Value();
    }
    for (const auto& [k, v] : keywords->entries())
        if (std::find(used.begin(), used.end(), k) == used.end()) remaining->set(k, v);
    if (special & kKwargs) {
        scope->vars["kwargs"] = Value::dict(remaining);
    } else if (remaining->size() > 0) {
        eval_fail("macro {} takes no keyword argument '{}'", display_name, remaining->entries().front().first);
    }
    if (special & kVarargs) {
        std::vector<Value> extra;
        for (std::size_t i = params.size(); i < args.size(); ++i) extra.push_back(args[i]);
        scope->vars["varargs"] = Value::list(std::move(extra));
    } else if (args.size() > params.size()) {
        eval_fail("macro {} takes at most {} argument(s), got {}", display_name, params.size(), args.size());
    }
    for (const auto& [name, default_value] : pending) scope->vars[name] = evaluate(*default_value, scope);
}

Value Interpreter::evaluate_call_block(const CallBlock& node, const EnvPtr& env) {
    auto caller = std::make_shared<FunctionData>();
    caller->name = "caller";
    caller->call = [&node, env](Interpreter& in, std::vector<Value>& args, const EnvPtr&) {
        auto scope = std::make_shared<Env>(env);
        in.bind_macro_arguments("None", node.caller_params, node.special, args, scope);
        std::string out;
        in.render_block(node.body, scope, out);
        return Value::string(std::move(out));
    };
    remember_scope(env);
    auto [args, keywords] = evaluate_arguments(node.call->args, env);
    args.push_back(Value::kwargs(std::move(keywords)));
    const Value fn = evaluate(*node.call->callee, env);
    current_ = &node;
    if (!fn.is(Type::Function)) eval_fail("{{% call %}} needs a macro, got {}", type_name(fn));
    auto site = std::make_shared<Env>(env);
    site->call_block_scope = true;
    site->vars["caller"] = Value::function(std::move(caller));
    return call(fn, args, site);
}

}  // namespace qforge::chat::jinja

#pragma once
// Evaluates a parsed template against a context, node by node as @huggingface/jinja's Interpreter does (its
// scoping, its operator rules, its quirks: output of a loop iteration that ends in break/continue is dropped,
// `tuple` items cannot be unpacked in a for loop). One Interpreter serves one render.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat/chat_template.h"
#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_value.h"

namespace qforge::chat::jinja {

// A scope: `set` writes into the innermost one; lookups walk outwards.
struct Env {
    explicit Env(std::shared_ptr<Env> p = nullptr) : parent(std::move(p)) {}
    std::shared_ptr<Env> parent;
    std::unordered_map<std::string, Value> vars;
    bool call_block_scope = false;  // the scope a {% call %} block passes to its macro (carries `caller`)

    const Value* lookup(const std::string& name) const;
};
using EnvPtr = std::shared_ptr<Env>;

// raise_exception(message) from the template: its message reaches the caller unchanged.
class RaisedError : public qforge::Error {
public:
    using qforge::Error::Error;
};

class Interpreter {
public:
    Interpreter(const SourceText& source, const RenderOptions& options);
    ~Interpreter();  // empties the scopes and namespaces that may hold reference cycles
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    // Globals, then the context's keys (a key that names a global is an error, as in the reference).
    std::string render(const Program& program, const Value& context);

    Value evaluate(const Node& node, const EnvPtr& env);
    void render_block(const Body& body, const EnvPtr& env, std::string& out);

    // Arguments in the reference's calling convention: positional values, then one KwArgs value holding the
    // keyword arguments when there are any.
    std::vector<Value> evaluate_call_arguments(const std::vector<NodePtr>& args, const EnvPtr& env);
    std::pair<std::vector<Value>, std::shared_ptr<DictData>> evaluate_arguments(const std::vector<NodePtr>& args,
                                                                               const EnvPtr& env);
    Value call(const Value& function, std::vector<Value>& args, const EnvPtr& call_site);

    // Binds a macro's (or call block's) parameters in `scope`; defaults are evaluated there, after all binding.
    void bind_macro_arguments(const std::string& display_name, const std::vector<NodePtr>& params,
                              std::uint8_t special, std::vector<Value> args, const EnvPtr& scope);

    const RenderLimits& limits() const { return options_.limits; }
    // Fails when a string built by the template exceeds the output limit.
    void check_size(const std::string& s) const;
    void check_items(std::size_t n) const;
    // Namespaces can hold themselves; they are emptied when the render ends so the cycle is freed.
    void track_namespace(const std::shared_ptr<DictData>& ns);
    std::string strftime_now(std::string_view format) const;

private:
    friend struct NodeScope;
    friend struct NestScope;

    void step();
    Value lookup(const std::string& name, const EnvPtr& env) const;
    Value evaluate_binary(const Binary& node, const EnvPtr& env);
    Value evaluate_unary(const Unary& node, const EnvPtr& env);
    Value evaluate_member(const Member& node, const EnvPtr& env);
    Value evaluate_slice(const Value& object, const Slice& slice, const EnvPtr& env);
    Value evaluate_call(const Call& node, const EnvPtr& env);
    Value evaluate_test(const Test& node, const EnvPtr& env);
    Value evaluate_object(const ObjectLiteral& node, const EnvPtr& env);
    void render_if(const If& node, const EnvPtr& env, std::string& out);
    void render_for(const For& node, const EnvPtr& env, std::string& out);
    void execute_set(const Set& node, const EnvPtr& env);
    void define_macro(const Macro& node, const EnvPtr& env);
    Value invoke_macro(const Macro& node, const EnvPtr& defined_in, std::vector<Value>& args, const EnvPtr& call_site);
    Value evaluate_call_block(const CallBlock& node, const EnvPtr& env);
    void bind_loop_variable(const Node& loopvar, const Value& item, const EnvPtr& scope);
    void remember_scope(const std::shared_ptr<Env>& env);

    const SourceText& source_;
    const RenderOptions& options_;
    const Node* current_ = nullptr;  // the node being evaluated, for error positions
    std::uint64_t steps_ = 0;
    int nesting_ = 0;
    int macro_depth_ = 0;
    Value namespace_function_;  // every scope has its own `namespace` binding to it (see lookup)
    std::vector<std::weak_ptr<DictData>> namespaces_;
    std::vector<std::weak_ptr<Env>> macro_scopes_;  // scopes a macro closed over
    std::size_t namespaces_compact_at_ = 64;
    std::size_t scopes_compact_at_ = 64;
};

}  // namespace qforge::chat::jinja

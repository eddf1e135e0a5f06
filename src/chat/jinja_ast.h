#pragma once
// The syntax tree of a parsed template. Its shapes follow @huggingface/jinja's AST (a `for` over
// `xs if cond` is a Select node as iterable; `x if c` without else is a Select node too), because the
// interpreter reproduces that renderer's behaviour node by node. Every node keeps the offset of its first
// character in the template, for error messages.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qforge::chat::jinja {

enum class NodeKind : std::uint8_t {
    // statements
    If,
    For,
    Break,
    Continue,
    Set,
    Macro,
    CallBlock,
    FilterBlock,
    // expressions
    Identifier,
    IntegerLiteral,
    FloatLiteral,
    StringLiteral,  // also the template's literal text
    ArrayLiteral,
    TupleLiteral,
    ObjectLiteral,
    Member,
    Call,
    Binary,
    Unary,
    Filter,
    Test,
    Select,
    Ternary,
    Slice,
    KeywordArgument,
    Spread,         // *args in a call
    KeywordSpread,  // **kwargs in a call
};

struct Node {
    Node(NodeKind k, std::uint32_t p) : kind(k), pos(p) {}
    virtual ~Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    NodeKind kind;
    std::uint32_t pos;  // offset in the preprocessed source; SourceMap turns it into line:column
    int depth = 1;      // height of the expression tree below, bounded by the parser
};

using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Identifier : Node {
    Identifier(std::uint32_t p, std::string n) : Node(NodeKind::Identifier, p), name(std::move(n)) {}
    std::string name;
};

struct NumberLiteral : Node {  // IntegerLiteral or FloatLiteral
    NumberLiteral(NodeKind k, std::uint32_t p, double v) : Node(k, p), value(v) {}
    double value;
};

struct StringLiteral : Node {
    StringLiteral(std::uint32_t p, std::string v) : Node(NodeKind::StringLiteral, p), value(std::move(v)) {}
    std::string value;
};

struct SequenceLiteral : Node {  // ArrayLiteral or TupleLiteral
    SequenceLiteral(NodeKind k, std::uint32_t p) : Node(k, p) {}
    std::vector<NodePtr> items;
};

struct ObjectLiteral : Node {
    explicit ObjectLiteral(std::uint32_t p) : Node(NodeKind::ObjectLiteral, p) {}
    std::vector<std::pair<NodePtr, NodePtr>> entries;
};

struct Member : Node {
    Member(std::uint32_t p, NodePtr o, NodePtr prop, bool c)
        : Node(NodeKind::Member, p), object(std::move(o)), property(std::move(prop)), computed(c) {}
    NodePtr object;
    NodePtr property;  // an expression, a Slice, or (dot access) an Identifier / IntegerLiteral
    bool computed;     // obj[expr] rather than obj.name
};

struct Call : Node {
    Call(std::uint32_t p, NodePtr c) : Node(NodeKind::Call, p), callee(std::move(c)) {}
    NodePtr callee;
    std::vector<NodePtr> args;  // expressions, KeywordArgument, Spread, KeywordSpread
};

enum class BinaryOp : std::uint8_t {
    And, Or,
    Eq, Ne, Lt, Gt, Le, Ge, In, NotIn,
    Add, Sub, Concat,
    Mul, Div, FloorDiv, Mod, Pow,
};

struct Binary : Node {
    Binary(std::uint32_t p, BinaryOp o, NodePtr l, NodePtr r)
        : Node(NodeKind::Binary, p), op(o), left(std::move(l)), right(std::move(r)) {}
    BinaryOp op;
    NodePtr left, right;
};

enum class UnaryOp : std::uint8_t { Not, Minus, Plus };

struct Unary : Node {
    Unary(std::uint32_t p, UnaryOp o, NodePtr a) : Node(NodeKind::Unary, p), op(o), operand(std::move(a)) {}
    UnaryOp op;
    NodePtr operand;
};

// `| name` or `| name(args)`. `valid` is false when what follows the pipe is not a plain name or a call of one
// (the reference renderer parses such filters and fails only when it evaluates them).
struct FilterRef {
    std::string name;
    bool called = false;
    std::vector<NodePtr> args;
    bool valid = true;
};

struct Filter : Node {
    Filter(std::uint32_t p, NodePtr o) : Node(NodeKind::Filter, p), operand(std::move(o)) {}
    NodePtr operand;
    FilterRef filter;
};

struct Test : Node {
    Test(std::uint32_t p, NodePtr o, bool n, std::string t)
        : Node(NodeKind::Test, p), operand(std::move(o)), negate(n), name(std::move(t)) {}
    NodePtr operand;
    bool negate;
    std::string name;
};

struct Select : Node {  // `lhs if test` without else
    Select(std::uint32_t p, NodePtr l, NodePtr t) : Node(NodeKind::Select, p), lhs(std::move(l)), test(std::move(t)) {}
    NodePtr lhs, test;
};

struct Ternary : Node {
    Ternary(std::uint32_t p, NodePtr c, NodePtr t, NodePtr f)
        : Node(NodeKind::Ternary, p), condition(std::move(c)), if_true(std::move(t)), if_false(std::move(f)) {}
    NodePtr condition, if_true, if_false;
};

struct Slice : Node {  // [start:stop:step]; absent parts are null
    explicit Slice(std::uint32_t p) : Node(NodeKind::Slice, p) {}
    NodePtr start, stop, step;
};

struct KeywordArgument : Node {  // key=value in a call, or a parameter with a default
    KeywordArgument(std::uint32_t p, std::string k, NodePtr v)
        : Node(NodeKind::KeywordArgument, p), key(std::move(k)), value(std::move(v)) {}
    std::string key;
    NodePtr value;
};

struct Spread : Node {  // Spread or KeywordSpread
    Spread(NodeKind k, std::uint32_t p, NodePtr a) : Node(k, p), argument(std::move(a)) {}
    NodePtr argument;
};

struct If : Node {
    If(std::uint32_t p, NodePtr t) : Node(NodeKind::If, p), test(std::move(t)) {}
    NodePtr test;
    Body body, alternate;  // an elif is an If alone in `alternate`
};

struct For : Node {
    For(std::uint32_t p, NodePtr v, NodePtr i) : Node(NodeKind::For, p), loopvar(std::move(v)), iterable(std::move(i)) {}
    NodePtr loopvar;   // Identifier or TupleLiteral of Identifiers
    NodePtr iterable;  // a Select when the loop filters (`for x in xs if cond`)
    Body body, otherwise;
};

struct Set : Node {
    Set(std::uint32_t p, NodePtr t) : Node(NodeKind::Set, p), target(std::move(t)) {}
    NodePtr target;  // Identifier, TupleLiteral, or Member of a namespace
    NodePtr value;   // null for a block set ({% set x %}...{% endset %})
    Body body;
};

// Which of Jinja's implicit macro arguments the body reads; only those are bound.
enum SpecialArgument : std::uint8_t { kCaller = 1, kKwargs = 2, kVarargs = 4 };

struct Macro : Node {
    Macro(std::uint32_t p, std::string n) : Node(NodeKind::Macro, p), name(std::move(n)) {}
    std::string name;
    std::vector<NodePtr> params;  // Identifier or KeywordArgument (with default)
    Body body;
    std::uint8_t special = 0;
};

struct CallBlock : Node {  // {% call(params) macro(args) %}body{% endcall %}
    explicit CallBlock(std::uint32_t p) : Node(NodeKind::CallBlock, p) {}
    std::unique_ptr<Call> call;
    std::vector<NodePtr> caller_params;
    Body body;
    std::uint8_t special = 0;
};

struct FilterBlock : Node {  // {% filter name %}body{% endfilter %}
    explicit FilterBlock(std::uint32_t p) : Node(NodeKind::FilterBlock, p) {}
    FilterRef filter;
    Body body;
};

struct Program {
    Body body;
};

}  // namespace qforge::chat::jinja

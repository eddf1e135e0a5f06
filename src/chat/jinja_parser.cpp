#include "chat/jinja_parser.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string_view>

#include "chat/js_number.h"
#include "core/error.h"

namespace qforge::chat::jinja {

namespace {

enum class ArgsMode { Call, Parameters };

// Marks which of caller/kwargs/varargs a macro body reads (approximately as Jinja does: any load of the name
// that is not one of the declared parameters).
void collect_special(const Node* node, std::uint8_t& special);

void collect_special(const Body& body, std::uint8_t& special) {
    for (const auto& n : body) collect_special(n.get(), special);
}

void collect_special(const Node* node, std::uint8_t& special) {
    if (!node) return;
    switch (node->kind) {
        case NodeKind::Identifier: {
            const auto& name = static_cast<const Identifier*>(node)->name;
            if (name == "caller") special |= kCaller;
            if (name == "kwargs") special |= kKwargs;
            if (name == "varargs") special |= kVarargs;
            return;
        }
        case NodeKind::If: {
            auto* n = static_cast<const If*>(node);
            collect_special(n->test.get(), special);
            collect_special(n->body, special);
            collect_special(n->alternate, special);
            return;
        }
        case NodeKind::For: {
            auto* n = static_cast<const For*>(node);
            collect_special(n->iterable.get(), special);
            collect_special(n->body, special);
            collect_special(n->otherwise, special);
            return;
        }
        case NodeKind::Set: {
            auto* n = static_cast<const Set*>(node);
            collect_special(n->value.get(), special);
            collect_special(n->body, special);
            return;
        }
        case NodeKind::Macro: return;  // its own arguments
        case NodeKind::CallBlock: {
            auto* n = static_cast<const CallBlock*>(node);
            collect_special(n->call.get(), special);
            collect_special(n->body, special);
            return;
        }
        case NodeKind::FilterBlock: {
            auto* n = static_cast<const FilterBlock*>(node);
            for (const auto& a : n->filter.args) collect_special(a.get(), special);
            collect_special(n->body, special);
            return;
        }
        case NodeKind::ArrayLiteral:
        case NodeKind::TupleLiteral:
            for (const auto& i : static_cast<const SequenceLiteral*>(node)->items) collect_special(i.get(), special);
            return;
        case NodeKind::ObjectLiteral:
            for (const auto& [k, v] : static_cast<const ObjectLiteral*>(node)->entries) {
                collect_special(k.get(), special);
                collect_special(v.get(), special);
            }
            return;
        case NodeKind::Member: {
            auto* n = static_cast<const Member*>(node);
            collect_special(n->object.get(), special);
            if (n->computed) collect_special(n->property.get(), special);
            return;
        }
        case NodeKind::Call: {
            auto* n = static_cast<const Call*>(node);
            collect_special(n->callee.get(), special);
            for (const auto& a : n->args) collect_special(a.get(), special);
            return;
        }
        case NodeKind::Binary: {
            auto* n = static_cast<const Binary*>(node);
            collect_special(n->left.get(), special);
            collect_special(n->right.get(), special);
            return;
        }
        case NodeKind::Unary: collect_special(static_cast<const Unary*>(node)->operand.get(), special); return;
        case NodeKind::Filter: {
            auto* n = static_cast<const Filter*>(node);
            collect_special(n->operand.get(), special);
            for (const auto& a : n->filter.args) collect_special(a.get(), special);
            return;
        }
        case NodeKind::Test: collect_special(static_cast<const Test*>(node)->operand.get(), special); return;
        case NodeKind::Select: {
            auto* n = static_cast<const Select*>(node);
            collect_special(n->lhs.get(), special);
            collect_special(n->test.get(), special);
            return;
        }
        case NodeKind::Ternary: {
            auto* n = static_cast<const Ternary*>(node);
            collect_special(n->condition.get(), special);
            collect_special(n->if_true.get(), special);
            collect_special(n->if_false.get(), special);
            return;
        }
        case NodeKind::Slice: {
            auto* n = static_cast<const Slice*>(node);
            collect_special(n->start.get(), special);
            collect_special(n->stop.get(), special);
            collect_special(n->step.get(), special);
            return;
        }
        case NodeKind::KeywordArgument: collect_special(static_cast<const KeywordArgument*>(node)->value.get(), special); return;
        case NodeKind::Spread:
        case NodeKind::KeywordSpread: collect_special(static_cast<const Spread*>(node)->argument.get(), special); return;
        default: return;
    }
}

std::uint8_t special_arguments(const std::vector<NodePtr>& params, const Body& body) {
    std::uint8_t special = 0;
    collect_special(body, special);
    for (const auto& p : params) {
        const std::string& name = p->kind == NodeKind::Identifier ? static_cast<const Identifier*>(p.get())->name
                                                                  : static_cast<const KeywordArgument*>(p.get())->key;
        if (name == "caller") special &= static_cast<std::uint8_t>(~kCaller);
        if (name == "kwargs") special &= static_cast<std::uint8_t>(~kKwargs);
        if (name == "varargs") special &= static_cast<std::uint8_t>(~kVarargs);
    }
    return special;
}

class Parser {
public:
    Parser(const std::vector<Token>& tokens, const SourceText& source)
        : tokens_(tokens), source_(source),
          end_{TokenType::EndOfInput, "", static_cast<std::uint32_t>(source.text().size())} {}

    Program run() {
        Program program;
        while (cur_ < tokens_.size()) {
            if (NodePtr n = parse_any()) program.body.push_back(std::move(n));
        }
        return program;
    }

private:
    // --- token access ---------------------------------------------------------------------------------------
    const Token& peek(std::size_t k = 0) const { return cur_ + k < tokens_.size() ? tokens_[cur_ + k] : end_; }
    bool is(TokenType t) const { return peek().type == t; }
    bool is_identifier(std::string_view name, std::size_t k = 0) const {
        return peek(k).type == TokenType::Identifier && peek(k).value == name;
    }
    bool is_statement(std::initializer_list<std::string_view> names) const {
        if (peek().type != TokenType::OpenStatement || peek(1).type != TokenType::Identifier) return false;
        return std::find(names.begin(), names.end(), peek(1).value) != names.end();
    }

    std::string describe(const Token& t) const {
        switch (t.type) {
            case TokenType::EndOfInput: return "the end of the template";
            case TokenType::Identifier: return fmt::format("'{}'", t.value);
            case TokenType::StringLiteral: return "a string";
            case TokenType::NumericLiteral: return fmt::format("number {}", t.value);
            case TokenType::Text: return "template text";
            case TokenType::Comment: return "a comment";
            default: return fmt::format("'{}'", t.value);
        }
    }

    [[noreturn]] void error_at(std::uint32_t pos, const std::string& message) const {
        fail("chat template {}: {}", source_.where(pos), message);
    }
    [[noreturn]] void unexpected(const char* expected) const {
        error_at(peek().pos, fmt::format("expected {}, found {}", expected, describe(peek())));
    }

    const Token& expect(TokenType type, const char* what) {
        if (!is(type)) unexpected(what);
        return tokens_[cur_++];
    }
    void expect_identifier(std::string_view name, const char* what) {
        if (!is_identifier(name)) unexpected(what);
        ++cur_;
    }

    // Nesting guard: each level of blocks, parentheses or brackets recurses through the parser.
    struct Nest {
        explicit Nest(Parser& p) : parser(p) {
            if (++parser.nesting_ > kMaxParseNesting) {
                parser.error_at(parser.peek().pos, fmt::format("nested more than {} levels deep", kMaxParseNesting));
            }
        }
        ~Nest() { --parser.nesting_; }
        Parser& parser;
    };

    template <typename T>
    // Takes the node by reference so the children list is read before anything moves.
    std::unique_ptr<T> sized(std::unique_ptr<T>&& node, std::initializer_list<const Node*> children) {
        int depth = 0;
        for (const Node* c : children)
            if (c) depth = std::max(depth, c->depth);
        grow(*node, depth);
        return std::move(node);
    }
    void grow(Node& node, int child_depth) {
        node.depth = std::max(node.depth, child_depth + 1);
        if (node.depth > kMaxExpressionDepth) {
            error_at(node.pos, fmt::format("expression nested more than {} levels deep", kMaxExpressionDepth));
        }
    }

    // Parses statements until one of `ends` opens; `opener` names the block for the message if it never does.
    void parse_body(Body& body, std::initializer_list<std::string_view> ends, const char* opener, std::uint32_t pos) {
        while (!is_statement(ends)) {
            if (is(TokenType::EndOfInput)) {
                error_at(pos, fmt::format("this {} is never closed: expected {{% {} %}} before the end of the template",
                                          opener, *ends.begin()));
            }
            if (NodePtr n = parse_any()) body.push_back(std::move(n));
        }
    }

    void expect_end_tag(std::string_view name, const char* what) {
        expect(TokenType::OpenStatement, what);
        expect_identifier(name, what);
        expect(TokenType::CloseStatement, "'%}'");
    }

    // --- statements -----------------------------------------------------------------------------------------
    NodePtr parse_any() {
        Nest nest(*this);
        switch (peek().type) {
            case TokenType::Comment: ++cur_; return nullptr;
            case TokenType::Text: {
                const Token& t = tokens_[cur_++];
                return std::make_unique<StringLiteral>(t.pos, t.value);
            }
            case TokenType::OpenStatement: return parse_statement();
            case TokenType::OpenExpression: {
                ++cur_;
                NodePtr e = parse_expression();
                expect(TokenType::CloseExpression, "'}}'");
                return e;
            }
            default: unexpected("template text, '{{' or '{%'");
        }
    }

    NodePtr parse_statement() {
        const std::uint32_t pos = tokens_[cur_++].pos;  // {%
        if (!is(TokenType::Identifier)) unexpected("a statement name");
        const std::string name = peek().value;
        if (name == "set") {
            ++cur_;
            return parse_set(pos);
        }
        if (name == "if") {
            ++cur_;
            NodePtr n = parse_if(pos);
            expect_end_tag("endif", "{% endif %}");
            return n;
        }
        if (name == "macro") {
            ++cur_;
            NodePtr n = parse_macro(pos);
            expect_end_tag("endmacro", "{% endmacro %}");
            return n;
        }
        if (name == "for") {
            ++cur_;
            NodePtr n = parse_for(pos);
            expect_end_tag("endfor", "{% endfor %}");
            return n;
        }
        if (name == "call") {
            ++cur_;
            return parse_call_block(pos);
        }
        if (name == "break" || name == "continue") {
            ++cur_;
            expect(TokenType::CloseStatement, "'%}'");
            return std::make_unique<Node>(name == "break" ? NodeKind::Break : NodeKind::Continue, pos);
        }
        if (name == "filter") {
            ++cur_;
            return parse_filter_block(pos);
        }
        const bool known_unsupported = name == "raw" || name == "include" || name == "extends" || name == "block" ||
                                       name == "import" || name == "from" || name == "with" || name == "do";
        error_at(peek().pos, known_unsupported
                                 ? fmt::format("the '{}' statement is not supported (nor by @huggingface/jinja)", name)
                                 : fmt::format("unknown statement '{}'", name));
    }

    NodePtr parse_set(std::uint32_t pos) {
        auto set = std::make_unique<Set>(pos, parse_expression_sequence(false));
        if (is(TokenType::Equals)) {
            ++cur_;
            set->value = parse_expression_sequence(false);
        } else {
            expect(TokenType::CloseStatement, "'=' or '%}'");
            parse_body(set->body, {"endset"}, "block set", pos);
            expect(TokenType::OpenStatement, "{% endset %}");
            expect_identifier("endset", "{% endset %}");
        }
        expect(TokenType::CloseStatement, "'%}'");
        return set;
    }

    NodePtr parse_if(std::uint32_t pos) {
        auto node = std::make_unique<If>(pos, parse_expression());
        expect(TokenType::CloseStatement, "'%}'");
        parse_body(node->body, {"endif", "elif", "else"}, "if", pos);
        if (is_statement({"elif"})) {
            const std::uint32_t elif_pos = peek().pos;
            cur_ += 2;
            node->alternate.push_back(parse_if(elif_pos));
        } else if (is_statement({"else"})) {
            cur_ += 2;
            expect(TokenType::CloseStatement, "'%}'");
            parse_body(node->alternate, {"endif"}, "if", pos);
        }
        return node;
    }

    NodePtr parse_macro(std::uint32_t pos) {
        NodePtr name = parse_primary();
        if (name->kind != NodeKind::Identifier) error_at(name->pos, "expected the macro's name");
        auto macro = std::make_unique<Macro>(pos, static_cast<Identifier*>(name.get())->name);
        macro->params = parse_args(ArgsMode::Parameters);
        expect(TokenType::CloseStatement, "'%}'");
        parse_body(macro->body, {"endmacro"}, "macro", pos);
        macro->special = special_arguments(macro->params, macro->body);
        return macro;
    }

    NodePtr parse_for(std::uint32_t pos) {
        NodePtr var = parse_expression_sequence(true);
        if (var->kind != NodeKind::Identifier && var->kind != NodeKind::TupleLiteral) {
            error_at(var->pos, "expected a name or names for the loop variable");
        }
        if (!is_identifier("in")) unexpected("'in' after the loop variable");
        ++cur_;
        auto node = std::make_unique<For>(pos, std::move(var), parse_expression());
        expect(TokenType::CloseStatement, "'%}'");
        parse_body(node->body, {"endfor", "else"}, "for loop", pos);
        if (is_statement({"else"})) {
            cur_ += 2;
            expect(TokenType::CloseStatement, "'%}'");
            parse_body(node->otherwise, {"endfor"}, "for loop", pos);
        }
        return node;
    }

    NodePtr parse_call_block(std::uint32_t pos) {
        auto block = std::make_unique<CallBlock>(pos);
        if (is(TokenType::OpenParen)) block->caller_params = parse_args(ArgsMode::Parameters);
        NodePtr callee = parse_primary();
        if (callee->kind != NodeKind::Identifier) error_at(callee->pos, "expected a macro name after 'call'");
        block->call = std::make_unique<Call>(callee->pos, std::move(callee));
        block->call->args = parse_args(ArgsMode::Call);
        expect(TokenType::CloseStatement, "'%}'");
        parse_body(block->body, {"endcall"}, "call block", pos);
        expect_end_tag("endcall", "{% endcall %}");
        block->special = special_arguments(block->caller_params, block->body);
        return block;
    }

    NodePtr parse_filter_block(std::uint32_t pos) {
        auto block = std::make_unique<FilterBlock>(pos);
        NodePtr f = parse_primary();
        if (f->kind == NodeKind::Identifier && is(TokenType::OpenParen)) f = parse_call(std::move(f));
        block->filter = filter_ref(std::move(f));
        expect(TokenType::CloseStatement, "'%}'");
        parse_body(block->body, {"endfilter"}, "filter block", pos);
        expect_end_tag("endfilter", "{% endfilter %}");
        return block;
    }

    static FilterRef filter_ref(NodePtr node) {
        FilterRef ref;
        if (node->kind == NodeKind::Identifier) {
            ref.name = static_cast<Identifier*>(node.get())->name;
        } else if (node->kind == NodeKind::Call &&
                   static_cast<Call*>(node.get())->callee->kind == NodeKind::Identifier) {
            auto* call = static_cast<Call*>(node.get());
            ref.name = static_cast<Identifier*>(call->callee.get())->name;
            ref.called = true;
            ref.args = std::move(call->args);
        } else {
            ref.valid = false;
        }
        return ref;
    }

    // --- expressions ----------------------------------------------------------------------------------------
    NodePtr parse_expression_sequence(bool primary) {
        const std::uint32_t pos = peek().pos;
        NodePtr first = primary ? parse_primary() : parse_expression();
        if (!is(TokenType::Comma)) return first;
        auto tuple = std::make_unique<SequenceLiteral>(NodeKind::TupleLiteral, pos);
        tuple->items.push_back(std::move(first));
        while (true) {
            ++cur_;
            tuple->items.push_back(primary ? parse_primary() : parse_expression());
            if (!is(TokenType::Comma)) break;
        }
        for (const auto& i : tuple->items) grow(*tuple, i->depth);
        return tuple;
    }

    NodePtr parse_expression() {
        Nest nest(*this);
        return parse_if_expression();
    }

    NodePtr parse_if_expression() {
        NodePtr a = parse_logical_or();
        if (is_identifier("if")) {
            const std::uint32_t pos = peek().pos;
            ++cur_;
            NodePtr test = parse_logical_or();
            if (is_identifier("else")) {
                ++cur_;
                NodePtr otherwise = parse_if_expression();
                auto n = std::make_unique<Ternary>(pos, std::move(test), std::move(a), std::move(otherwise));
                return sized(std::move(n), {n->condition.get(), n->if_true.get(), n->if_false.get()});
            }
            auto n = std::make_unique<Select>(pos, std::move(a), std::move(test));
            return sized(std::move(n), {n->lhs.get(), n->test.get()});
        }
        return a;
    }

    NodePtr binary(std::uint32_t pos, BinaryOp op, NodePtr left, NodePtr right) {
        auto n = std::make_unique<Binary>(pos, op, std::move(left), std::move(right));
        return sized(std::move(n), {n->left.get(), n->right.get()});
    }

    NodePtr parse_logical_or() {
        NodePtr left = parse_logical_and();
        while (is_identifier("or")) {
            const std::uint32_t pos = peek().pos;
            ++cur_;
            left = binary(pos, BinaryOp::Or, std::move(left), parse_logical_and());
        }
        return left;
    }

    NodePtr parse_logical_and() {
        NodePtr left = parse_logical_not();
        while (is_identifier("and")) {
            const std::uint32_t pos = peek().pos;
            ++cur_;
            left = binary(pos, BinaryOp::And, std::move(left), parse_logical_not());
        }
        return left;
    }

    NodePtr parse_logical_not() {
        NodePtr right;
        while (is_identifier("not")) {
            Nest nest(*this);
            const std::uint32_t pos = peek().pos;
            ++cur_;
            NodePtr arg = parse_logical_not();
            auto n = std::make_unique<Unary>(pos, UnaryOp::Not, std::move(arg));
            right = sized(std::move(n), {n->operand.get()});
        }
        return right ? std::move(right) : parse_comparison();
    }

    NodePtr parse_comparison() {
        NodePtr left = parse_additive();
        while (true) {
            const std::uint32_t pos = peek().pos;
            BinaryOp op;
            if (is_identifier("not") && is_identifier("in", 1)) {
                op = BinaryOp::NotIn;
                cur_ += 2;
            } else if (is_identifier("in")) {
                op = BinaryOp::In;
                ++cur_;
            } else if (is(TokenType::ComparisonBinaryOperator)) {
                const std::string& v = tokens_[cur_++].value;
                op = v == "==" ? BinaryOp::Eq : v == "!=" ? BinaryOp::Ne : v == "<" ? BinaryOp::Lt
                   : v == ">" ? BinaryOp::Gt : v == "<=" ? BinaryOp::Le : BinaryOp::Ge;
            } else {
                break;
            }
            left = binary(pos, op, std::move(left), parse_additive());
        }
        return left;
    }

    NodePtr parse_additive() {
        NodePtr left = parse_multiplicative();
        while (is(TokenType::AdditiveBinaryOperator)) {
            const Token& t = tokens_[cur_++];
            const BinaryOp op = t.value == "+" ? BinaryOp::Add : t.value == "-" ? BinaryOp::Sub : BinaryOp::Concat;
            left = binary(t.pos, op, std::move(left), parse_multiplicative());
        }
        return left;
    }

    NodePtr parse_multiplicative() {
        NodePtr left = parse_power();
        while (is(TokenType::MultiplicativeBinaryOperator)) {
            const Token& t = tokens_[cur_++];
            const BinaryOp op = t.value == "*" ? BinaryOp::Mul : t.value == "/" ? BinaryOp::Div
                              : t.value == "//" ? BinaryOp::FloorDiv : BinaryOp::Mod;
            left = binary(t.pos, op, std::move(left), parse_power());
        }
        return left;
    }

    NodePtr parse_power() {
        NodePtr left = parse_test();
        while (is(TokenType::ExponentiationBinaryOperator)) {
            const std::uint32_t pos = tokens_[cur_++].pos;
            left = binary(pos, BinaryOp::Pow, std::move(left), parse_test());
        }
        return left;
    }

    NodePtr parse_test() {
        NodePtr operand = parse_filter();
        while (is_identifier("is")) {
            const std::uint32_t pos = peek().pos;
            ++cur_;
            const bool negate = is_identifier("not");
            if (negate) ++cur_;
            NodePtr name = parse_primary();
            if (name->kind != NodeKind::Identifier) error_at(name->pos, "expected the name of a test after 'is'");
            auto n = std::make_unique<Test>(pos, std::move(operand), negate, static_cast<Identifier*>(name.get())->name);
            operand = sized(std::move(n), {n->operand.get()});
        }
        return operand;
    }

    NodePtr parse_filter() {
        NodePtr operand = parse_unary_sign();
        while (is(TokenType::Pipe)) {
            const std::uint32_t pos = tokens_[cur_++].pos;
            NodePtr f = parse_primary();
            if (f->kind != NodeKind::Identifier) error_at(f->pos, "expected the name of a filter after '|'");
            if (is(TokenType::OpenParen)) f = parse_call(std::move(f));
            auto n = std::make_unique<Filter>(pos, std::move(operand));
            int depth = f->depth;
            n->filter = filter_ref(std::move(f));
            grow(*n, std::max(depth, n->operand->depth));
            operand = std::move(n);
        }
        return operand;
    }

    NodePtr parse_unary_sign() {
        const Token& t = peek();
        if ((t.type == TokenType::UnaryOperator || t.type == TokenType::AdditiveBinaryOperator) &&
            (t.value == "-" || t.value == "+")) {
            Nest nest(*this);
            ++cur_;
            auto n = std::make_unique<Unary>(t.pos, t.value == "-" ? UnaryOp::Minus : UnaryOp::Plus, parse_unary_sign());
            return sized(std::move(n), {n->operand.get()});
        }
        return parse_call_member();
    }

    NodePtr parse_call_member() {
        NodePtr member = parse_member(parse_primary());
        if (is(TokenType::OpenParen)) return parse_call(std::move(member));
        return member;
    }

    NodePtr parse_call(NodePtr callee) {
        while (true) {
            auto call = std::make_unique<Call>(callee->pos, std::move(callee));
            call->args = parse_args(ArgsMode::Call);
            int depth = call->callee->depth;
            for (const auto& a : call->args) depth = std::max(depth, a->depth);
            grow(*call, depth);
            callee = parse_member(std::move(call));
            if (!is(TokenType::OpenParen)) return callee;
        }
    }

    std::vector<NodePtr> parse_args(ArgsMode mode) {
        Nest nest(*this);
        expect(TokenType::OpenParen, "'('");
        std::vector<NodePtr> args;
        std::set<std::string> names;
        bool saw_keyword = false, saw_spread = false;
        while (!is(TokenType::CloseParen)) {
            const bool keyword_spread = is(TokenType::ExponentiationBinaryOperator);
            const bool positional_spread = is(TokenType::MultiplicativeBinaryOperator) && peek().value == "*";
            if (mode == ArgsMode::Parameters && (keyword_spread || positional_spread)) {
                error_at(peek().pos, "argument unpacking is not allowed in parameter declarations");
            }
            if (keyword_spread) {
                const std::uint32_t pos = tokens_[cur_++].pos;
                args.push_back(std::make_unique<Spread>(NodeKind::KeywordSpread, pos, parse_expression()));
                if (is(TokenType::Comma)) ++cur_;
                if (!is(TokenType::CloseParen)) unexpected("')': `**` must be applied to the final argument");
                break;
            }
            NodePtr arg;
            if (positional_spread) {
                if (saw_spread) error_at(peek().pos, "only one `*` argument unpacking is allowed");
                saw_spread = true;
                const std::uint32_t pos = tokens_[cur_++].pos;
                arg = std::make_unique<Spread>(NodeKind::Spread, pos, parse_expression());
            } else {
                arg = parse_expression();
                if (is(TokenType::Equals)) {
                    ++cur_;
                    if (arg->kind != NodeKind::Identifier) {
                        error_at(arg->pos, mode == ArgsMode::Parameters ? "expected a parameter name before '='"
                                                                        : "expected a keyword argument name before '='");
                    }
                    const std::uint32_t pos = arg->pos;
                    std::string key = static_cast<Identifier*>(arg.get())->name;
                    arg = std::make_unique<KeywordArgument>(pos, std::move(key), parse_expression());
                }
                if (mode == ArgsMode::Parameters) {
                    if (arg->kind != NodeKind::Identifier && arg->kind != NodeKind::KeywordArgument) {
                        error_at(arg->pos, "expected a parameter name");
                    }
                    const std::string& name = arg->kind == NodeKind::Identifier
                                                  ? static_cast<Identifier*>(arg.get())->name
                                                  : static_cast<KeywordArgument*>(arg.get())->key;
                    if (!names.insert(name).second) error_at(arg->pos, fmt::format("duplicate parameter '{}'", name));
                }
                if (arg->kind == NodeKind::KeywordArgument) {
                    saw_keyword = true;
                } else if (saw_keyword) {
                    error_at(arg->pos, mode == ArgsMode::Call ? "positional argument after keyword arguments"
                                                              : "parameter without a default after one with a default");
                } else if (saw_spread) {
                    error_at(arg->pos, "positional argument after `*` argument unpacking");
                }
            }
            args.push_back(std::move(arg));
            if (is(TokenType::Comma)) ++cur_;
        }
        ++cur_;  // )
        return args;
    }

    NodePtr parse_subscript(std::uint32_t pos) {
        Nest nest(*this);
        std::vector<NodePtr> parts;
        bool slice = false;
        while (!is(TokenType::CloseSquareBracket)) {
            if (is(TokenType::Colon)) {
                parts.push_back(nullptr);
                ++cur_;
                slice = true;
            } else {
                parts.push_back(parse_expression());
                if (is(TokenType::Colon)) {
                    ++cur_;
                    slice = true;
                }
            }
        }
        if (parts.empty()) error_at(pos, "expected an index or a slice between '[' and ']'");
        if (!slice) return std::move(parts[0]);
        if (parts.size() > 3) error_at(pos, "a slice has at most three parts: [start:stop:step]");
        auto s = std::make_unique<Slice>(pos);
        parts.resize(3);
        s->start = std::move(parts[0]);
        s->stop = std::move(parts[1]);
        s->step = std::move(parts[2]);
        return sized(std::move(s), {s->start.get(), s->stop.get(), s->step.get()});
    }

    NodePtr parse_member(NodePtr object) {
        while (is(TokenType::Dot) || is(TokenType::OpenSquareBracket)) {
            const Token& op = tokens_[cur_++];
            const bool computed = op.type == TokenType::OpenSquareBracket;
            NodePtr property;
            if (computed) {
                property = parse_subscript(op.pos);
                expect(TokenType::CloseSquareBracket, "']'");
            } else {
                property = parse_primary();
                if (property->kind != NodeKind::Identifier && property->kind != NodeKind::IntegerLiteral) {
                    error_at(property->pos, "expected a name after '.'");
                }
            }
            auto m = std::make_unique<Member>(op.pos, std::move(object), std::move(property), computed);
            object = sized(std::move(m), {m->object.get(), m->property.get()});
        }
        return object;
    }

    NodePtr parse_primary() {
        const Token& t = peek();
        if (t.type == TokenType::EndOfInput) unexpected("an expression");
        ++cur_;
        switch (t.type) {
            case TokenType::NumericLiteral: {
                const bool is_float = t.value.find('.') != std::string::npos;
                return std::make_unique<NumberLiteral>(is_float ? NodeKind::FloatLiteral : NodeKind::IntegerLiteral,
                                                       t.pos, js::string_to_number(t.value));
            }
            case TokenType::StringLiteral: {
                std::string value = t.value;
                while (is(TokenType::StringLiteral)) value += tokens_[cur_++].value;
                return std::make_unique<StringLiteral>(t.pos, std::move(value));
            }
            case TokenType::Identifier: return std::make_unique<Identifier>(t.pos, t.value);
            case TokenType::OpenParen: {
                Nest nest(*this);
                NodePtr e = parse_expression_sequence(false);
                expect(TokenType::CloseParen, "')'");
                return e;
            }
            case TokenType::OpenSquareBracket: {
                Nest nest(*this);
                auto list = std::make_unique<SequenceLiteral>(NodeKind::ArrayLiteral, t.pos);
                while (!is(TokenType::CloseSquareBracket)) {
                    list->items.push_back(parse_expression());
                    grow(*list, list->items.back()->depth);
                    if (is(TokenType::Comma)) ++cur_;
                }
                ++cur_;
                return list;
            }
            case TokenType::OpenCurlyBracket: {
                Nest nest(*this);
                auto object = std::make_unique<ObjectLiteral>(t.pos);
                while (!is(TokenType::CloseCurlyBracket)) {
                    NodePtr key = parse_expression();
                    expect(TokenType::Colon, "':' between a key and its value");
                    NodePtr value = parse_expression();
                    grow(*object, std::max(key->depth, value->depth));
                    object->entries.emplace_back(std::move(key), std::move(value));
                    if (is(TokenType::Comma)) ++cur_;
                }
                ++cur_;
                return object;
            }
            default:
                --cur_;
                unexpected("an expression");
        }
    }

    const std::vector<Token>& tokens_;
    const SourceText& source_;
    const Token end_;
    std::size_t cur_ = 0;
    int nesting_ = 0;
};

}  // namespace

Program parse(const std::vector<Token>& tokens, const SourceText& source) { return Parser(tokens, source).run(); }

}  // namespace qforge::chat::jinja

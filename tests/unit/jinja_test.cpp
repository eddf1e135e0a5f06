// The chat-template Jinja subset, feature by feature. Expected strings are what @huggingface/jinja renders
// for the same template (the byte-for-byte comparison on vendors' templates is tests/clients, ctest
// chat.templates_vs_hf_jinja).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "core/error.h"
#include "support/bad_inputs.h"

namespace qforge::chat {
namespace {

std::string render(const std::string& source, const std::string& context = "{}", const RenderOptions& options = {}) {
    return ChatTemplate(source).render(nlohmann::ordered_json::parse(context), options);
}

// The message of the qforge::Error a render (or parse) throws; fails the test when none is thrown.
std::string error_of(const std::string& source, const std::string& context = "{}", const RenderOptions& options = {}) {
    try {
        render(source, context, options);
    } catch (const qforge::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error for: " << source;
    return {};
}

TEST(Jinja, TextPassesThroughAndOneTrailingNewlineIsDropped) {
    EXPECT_EQ(render("plain text"), "plain text");
    EXPECT_EQ(render("line\n"), "line");
    EXPECT_EQ(render("line\n\n"), "line\n");
    EXPECT_EQ(render("{ not a tag } {x}"), "{ not a tag } {x}");
}

TEST(Jinja, ArithmeticPrintsNumbersLikeTheReference) {
    EXPECT_EQ(render("{{ 7 // 2 }}|{{ 7 / 2 }}|{{ 6 / 2 }}|{{ 2 ** 10 }}|{{ -7 % 3 }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}|"
                     "{{ 2 * 1.5 }}|{{ 10 - 2.5 }}"),
              "3|3.5|3.0|1024|-1|1.0|0.30000000000000004|3.0|7.5");
    EXPECT_EQ(render("{{ big }}|{{ small }}|{{ whole }}", R"({"big": 1e21, "small": 1e-7, "whole": 2.0})"),
              "1e+21|1e-7|2");  // JSON numbers that are whole are integers, as in JavaScript
}

TEST(Jinja, ComparisonsMembershipAndLogic) {
    EXPECT_EQ(render("{{ 1 < 2 }}|{{ 'a' in 'cat' }}|{{ 2 in [1,2] }}|{{ 'k' in {'k': 1} }}|{{ 3 not in [1] }}|"
                     "{{ 0 or 'x' }}|{{ 1 and 0 }}|{{ not none }}"),
              "true|true|true|true|true|x|0|true");
    // `==` is JavaScript's loose equality on the underlying values; containers compare by identity
    EXPECT_EQ(render("{{ 1 == 1.0 }}|{{ 1 == '1' }}|{{ true == 1 }}|{{ none == u }}|{{ [1] == [1] }}|{{ d == d }}|"
                     "{{ '' == 0 }}",
                     R"({"d": {}})"),
              "true|true|true|true|false|true|true");
}

TEST(Jinja, ConcatenationTernaryAndSelect) {
    EXPECT_EQ(render("{{ 'a' ~ 1 ~ 2.0 ~ missing }}|{{ 'a' + 1 }}|{{ x if y }}|{{ 'y' if 1 else 'n' }}"), "a12|a1||y");
}

TEST(Jinja, SlicingAndSubscripts) {
    EXPECT_EQ(render("{{ 'hello'[::-1] }}|{{ [1,2,3][1:] }}|{{ [1,2,3][:-1] }}|{{ 'h\xC3\xA9llo'[1:3] }}|{{ [1,2,3][-1] }}|"
                     "{{ [1][5] }}|{{ 'abc'[-1] }}"),
              "olleh|[2, 3]|[1, 2]|\xC3\xA9l|3||c");
    EXPECT_EQ(render("{{ m[0]['role'] }}{{ m[0].content }}", R"({"m": [{"role": "user", "content": "!"}]})"), "user!");
}

TEST(Jinja, LiteralsPrintAsJson) {
    EXPECT_EQ(render("{{ [1, 'a', none, true, 1.5, {'k': [2]}] }}|{{ true }}|{{ (1, 2)|length }}"),
              R"([1, "a", null, true, 1.5, {"k": [2]}]|true|2)");
}

TEST(Jinja, StringMethods) {
    EXPECT_EQ(render("{{ '  x y  '.strip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|"
                     "{{ 'abc'.startswith(('x','a')) }}|{{ 'abc'.endswith('bc') }}"),
              R"(x y|["a", "b", "", "c"]|["a", "b"]|["a", "b c"]|true|true)");
    EXPECT_EQ(render("{{ 'hello wORLD'.title() }}|{{ 'hello'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2) }}|"
                     "{{ 'ab'.upper() }}|{{ 'AB'.lower() }}|{{ 'stra\xC3\x9F' | upper }}"),
              "Hello WORLD|Hello|bba|AB|ab|STRASS");
}

TEST(Jinja, DictMethodsAndEntriesBeforeMethods) {
    EXPECT_EQ(render("{{ d.get('a') }}|{{ d.get('zz', 5) }}|{{ d.get('zz') }}|{{ d.keys() }}|{{ d.values() }}|"
                     "{{ d.items() }}|{{ e.items }}",
                     R"({"d": {"a": 1, "b": [2]}, "e": {"items": "own"}})"),
              R"(1|5||["a", "b"]|[1, [2]]|[["a", 1], ["b", [2]]]|own)");
}

TEST(Jinja, TojsonMatchesTheReference) {
    const std::string ctx = R"({"x": {"a": [], "b": {}, "c": [1, {"d": null}], "e": "\u00e9\n"}})";
    EXPECT_EQ(render("{{ x|tojson }}", ctx), "{\"a\": [], \"b\": {}, \"c\": [1, {\"d\": null}], \"e\": \"\xC3\xA9\\n\"}");
    EXPECT_EQ(render("{{ x|tojson(indent=2) }}", ctx),
              "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": \"\xC3\xA9\\n\"\n}");
    EXPECT_EQ(render("{{ '\xC3\xA9\xF0\x9F\x98\x80'|tojson(ensure_ascii=true) }}|{{ {'b':1,'a':2}|tojson(sort_keys=true) }}|"
                     "{{ [1,2]|tojson(separators=(',',':')) }}"),
              R"("\u00e9\ud83d\ude00"|{"a": 2, "b": 1}|[1,2])");
    // the client's key order is kept with ordered_json; nlohmann::json would have sorted it
    EXPECT_EQ(render("{{ t|tojson }}", R"({"t": {"z": 1, "a": 2}})"), R"({"z": 1, "a": 2})");
}

TEST(Jinja, Filters) {
    EXPECT_EQ(render("{{ '  t  '|trim }}|{{ '\xF0\x9F\x98\x80" "a'|length }}|{{ [3,1,2]|first }}|{{ [3,1,2]|last }}|"
                     "{{ [1,2]|join('-') }}|{{ missing|default('d') }}|{{ ''|default('e', true) }}|{{ 5|string }}|"
                     "{{ 5.0|string }}|{{ '42abc'|int }}|{{ 'x'|int(7) }}|{{ '2.5'|float }}"),
              "t|3|3|2|1-2|d|e|5|5.0|42|7|2.5");  // length counts UTF-16 units, as JavaScript does
    EXPECT_EQ(render("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, first=true) }}|{{ [1,2,1,'1']|unique|list }}|"
                     "{{ [3,1,2]|reverse }}|{{ ['b','A','c']|sort }}|{{ -3|abs }}|{{ {'b':1,'a':2}|dictsort }}|"
                     "{{ 'x'|safe }}|{{ 'ab'|capitalize }}|{{ 'ab'|replace('b', 'c') }}"),
              "a\n  b\n\n  c|  a\n  b|[1, 2, \"1\"]|[2, 1, 3]|[\"A\", \"b\", \"c\"]|3|[[\"a\", 2], [\"b\", 1]]|x|Ab|ac");
    const std::string ts = R"({"ts": [{"t": "a", "n": 1}, {"t": "b", "n": 2}, {"t": "a"}]})";
    EXPECT_EQ(render("{{ ts|selectattr('t', 'equalto', 'a')|list|length }}|"
                     "{{ ts|rejectattr('t', 'equalto', 'a')|map(attribute='n')|join(',') }}|"
                     "{{ ts|selectattr('n', 'defined')|list|length }}|{{ ts|map(attribute='missing', default='z')|join }}|"
                     "{% for k, v in ts[0]|items %}{{ k }}{{ v }}{% endfor %}",
                     ts),
              "2|2|2|zzz|tan1");
    EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}"), "ABC");
}

TEST(Jinja, Tests) {
    EXPECT_EQ(render("{{ x is defined }}|{{ y is undefined }}|{{ none is none }}|{{ 's' is string }}|{{ {} is mapping }}|"
                     "{{ {} is iterable }}|{{ 's' is iterable }}|{{ [] is sequence }}|{{ 1.5 is number }}|"
                     "{{ true is boolean }}|{{ true is true }}|{{ 0 is false }}|{{ 3 is odd }}|{{ 3 is not even }}|"
                     "{{ x is not none }}",
                     R"({"x": 1})"),
              "true|true|true|true|true|false|true|true|true|true|true|false|true|true|true");
}

TEST(Jinja, ForLoops) {
    EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}"
                     "{{ loop.revindex }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}",
                     R"({"xs": ["a", "b"]})"),
              "10truefalse22b;21falsetrue21a;");
    EXPECT_EQ(render("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}|{% for x in [1,2,3,4] if x is odd %}{{ x }}"
                     "{{ loop.length }}{% endfor %}|{% for k, v in {'a': 1, 'b': 2}|items %}{{ k }}={{ v }},{% endfor %}|"
                     "{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}"),
              "empty|1232|a=1,b=2,|ab");
}

TEST(Jinja, BreakAndContinueDropTheIterationsOutputLikeTheReference) {
    EXPECT_EQ(render("{% for x in [1,2,3] %}{{ x }}{% if x == 2 %}{% break %}{% endif %}{% else %}E{% endfor %}"), "1");
    EXPECT_EQ(render("{% for x in [1,2,3] %}{{ x }}{% continue %}{% else %}E{% endfor %}"), "E");
}

TEST(Jinja, TuplesCannotBeUnpackedInAForLoopAsInTheReference) {
    EXPECT_NE(error_of("{% for a, b in [('x', 'y')] %}{{ a }}{% endfor %}").find("cannot unpack a tuple"), std::string::npos);
    EXPECT_EQ(render("{% for a, b in [['x', 'y']] %}{{ a }}{{ b }}{% endfor %}"), "xy");
}

TEST(Jinja, SetScopesNamespacesAndBlockSet) {
    EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}|{% set ns = namespace(c=0) %}"
                     "{% for i in [1,2,3] %}{% set ns.c = ns.c + i %}{% endfor %}{{ ns.c }}|{% set a, b = [1, 2] %}{{ a }}"
                     "{{ b }}|{% set blk %}inner {{ 1 }}{% endset %}[{{ blk }}]"),
              "1|6|12|[inner 1]");
    EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.index = 3 %}{{ ns.index }}"), "3");
    // every scope starts with its own `namespace`, so an outer variable of that name is shadowed in a loop
    EXPECT_EQ(render("{% set namespace = 5 %}{{ namespace }}{% for i in [1] %}{% set ns = namespace(a=1) %}{{ ns.a }}"
                     "{% endfor %}"),
              "51");
}

TEST(Jinja, MacrosDefaultsRecursionKwargsAndCaller) {
    EXPECT_EQ(render("{% macro m(a, b=a ~ '!', c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m('x') }}|{{ m('x', c=4) }}|"
                     "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}|"
                     "{% macro k() %}{{ kwargs.z }}{{ varargs|length }}{% endmacro %}{{ k(1, 2, z=9) }}|"
                     "{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}body{% endcall %}"),
              "xx!3|xx!4|321|92|[body]");
    EXPECT_NE(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}").find("at most 1 argument"), std::string::npos);
}

TEST(Jinja, IfElifElse) {
    EXPECT_EQ(render("{% if 0 %}a{% elif 1 %}b{% else %}c{% endif %}{% if [] %}x{% else %}y{% endif %}"), "by");
}

TEST(Jinja, WhitespaceControlAndHuggingFaceTrimAndLstripBlocks) {
    EXPECT_EQ(render("a  \n  {%- if true -%}  \n  b  {{- 'c' -}}  d{%- endif %}"), "abcd");
    // trim_blocks removes the newline after a block or comment; lstrip_blocks the indentation before a block
    // (not before an expression)
    EXPECT_EQ(render("{# c #}\n  {% if true %}\n  e\n  {% endif %}\n  {{ 'f' }}\n"), "  e\n  f");
    EXPECT_EQ(render("x\n{#- x -#}  g"), "xg");
    EXPECT_EQ(render("{% generation %}gen{% endgeneration %}|{%- generation -%}  x  {%- endgeneration -%}|"), "gen|x|");
}

TEST(Jinja, UndefinedValues) {
    EXPECT_EQ(render("{{ u }}|{{ u.x }}|{{ u.x.y }}|{{ none.x }}|{{ u ~ 'z' }}|{{ 1 in u }}|{{ u is defined }}"),
              "||||z|false|false");
    EXPECT_NE(error_of("{{ u + 'x' }}").find("undefined"), std::string::npos);
    EXPECT_NE(error_of("{% for m in u %}{% endfor %}").find("got undefined"), std::string::npos);
    EXPECT_NE(error_of("{{ u|length }}").find("filter 'length'"), std::string::npos);
}

TEST(Jinja, RaiseExceptionThrowsTheTemplatesMessage) {
    EXPECT_EQ(error_of("{{ raise_exception('Roles must alternate') }}"), "Roles must alternate");
    EXPECT_EQ(error_of("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}",
                       R"({"messages": [{"role": "system", "content": ""}]})"),
              "System role not supported");
}

TEST(Jinja, SyntaxErrorsNameLineColumnAndWhatWasExpected) {
    EXPECT_EQ(error_of("hello\n  {% for x in xs %}\n{{ x }}"),
              "chat template line 2, column 3: this for loop is never closed: expected {% endfor %} before the end of "
              "the template");
    EXPECT_EQ(error_of("{{ x }}\n{% frobnicate %}"), "chat template line 2, column 4: unknown statement 'frobnicate'");
    EXPECT_EQ(error_of("{{ a b }}"), "chat template line 1, column 6: expected '}}', found 'b'");
    EXPECT_EQ(error_of("{{ 'abc\\q' }}"), "chat template line 1, column 8: unknown escape sequence '\\q' in a string literal");
    EXPECT_EQ(error_of("{{ 'open }}"), "chat template line 1, column 4: unterminated string literal");
    EXPECT_EQ(error_of("x\n {{ \xC3\xA9 }}"), "chat template line 2, column 5: unexpected character '\xC3\xA9'");
    EXPECT_EQ(error_of("{% raw %}{% endraw %}"),
              "chat template line 1, column 4: the 'raw' statement is not supported (nor by @huggingface/jinja)");
    EXPECT_THROW(ChatTemplate("{% if x %}"), qforge::Error);
}

TEST(Jinja, RuntimeErrorsNameTheLineAndColumnOfTheFailingExpression) {
    EXPECT_EQ(error_of("line one\n{% set a = 1 %}\n  {{ a ~ 'x' }}{{ none + 1 }}"),
              "chat template line 3, column 24: cannot apply an operator to none");
    EXPECT_EQ(error_of("{{ 'x'|frob }}"), "chat template line 1, column 7: filter 'frob' does not apply to a string");
}

TEST(Jinja, StrftimeNowDefaultsToTheClockAndCanBeSupplied) {
    RenderOptions fixed;
    fixed.now = std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));  // 2024-07-26 10:30 UTC
    const std::string local = format_time_like_hf("%d %b %Y", *fixed.now);
    EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }}", "{}", fixed), local);
    EXPECT_EQ(format_time_like_hf("%%Y %q %B %m/%d %H:%M", *fixed.now).substr(0, 6), "%Y %q ");

    RenderOptions supplied;
    supplied.strftime_now = [](std::string_view format) { return "[" + std::string(format) + "]"; };
    EXPECT_EQ(render("{{ strftime_now('%Y') }}", "{}", supplied), "[%Y]");
    EXPECT_FALSE(render("{{ strftime_now('%Y') }}").empty());
}

TEST(Jinja, ContextKeysMayNotShadowBuiltins) {
    EXPECT_NE(error_of("x", R"({"range": 1})").find("'range' is a built-in name"), std::string::npos);
}

TEST(Jinja, LimitsTurnRunawayTemplatesIntoErrors) {
    EXPECT_NE(error_of("{% for i in range(1000000000) %}{% endfor %}").find("exceeds the limit"), std::string::npos);
    EXPECT_NE(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").find("unbounded recursion"), std::string::npos);
    RenderLimits small;
    small.max_output_bytes = 1000;
    small.max_steps = 100000;
    RenderOptions options;
    options.limits = small;
    EXPECT_NE(error_of("{% for i in range(2000) %}xx{% endfor %}", "{}", options).find("exceeds the limit of 1000 bytes"),
              std::string::npos);
    EXPECT_NE(error_of("{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                       "{}", options)
                  .find("exceeds the limit"),
              std::string::npos);
    EXPECT_NE(error_of("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "{}", options)
                  .find("steps"),
              std::string::npos);
    EXPECT_NE(error_of("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}").find("nested more than"), std::string::npos);
    EXPECT_NE(error_of("{{ 1" + std::string(2000, '+') + " }}").find("line 1"), std::string::npos);
    std::string chain = "{{ 1";
    for (int i = 0; i < 1000; ++i) chain += " + 1";
    EXPECT_NE(error_of(chain + " }}").find("nested more than"), std::string::npos);
}

TEST(Jinja, SelfReferencingNamespaceIsAnErrorNotACrashOrLeak) {
    EXPECT_NE(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns|tojson }}").find("nested more than"),
              std::string::npos);
    // a deep value built in a loop is freed without recursing (the sanitizer build would overflow otherwise)
    EXPECT_EQ(render("{% set ns = namespace(v=[]) %}{% for i in range(100000) %}{% set ns.v = [ns.v] %}{% endfor %}ok"),
              "ok");
}

TEST(Jinja, RenderIsThreadSafe) {
    const ChatTemplate tmpl("{% for m in messages %}{{ m.role }}:{{ m.content|trim }};{% endfor %}");
    const auto ctx = nlohmann::ordered_json::parse(R"({"messages": [{"role": "user", "content": " hi "},
                                                                    {"role": "assistant", "content": "yo"}]})");
    std::vector<std::string> results(8);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) results[t] = tmpl.render(ctx);
        });
    }
    for (auto& th : threads) th.join();
    for (const auto& r : results) EXPECT_EQ(r, "user:hi;assistant:yo;");
}

TEST(Jinja, NlohmannJsonContextsWorkButSortKeys) {
    const ChatTemplate tmpl("{{ t|tojson }}");
    EXPECT_EQ(tmpl.render(nlohmann::json::parse(R"({"t": {"z": 1, "a": 2}})")), R"({"a": 2, "z": 1})");
}

// The fuzz corpus seeds (template, NUL, context): the valid one renders, each bad one fails as described.
TEST(Jinja, CraftedCorpusInputs) {
    auto split = [](const std::string& input) {
        const std::size_t nul = input.find('\0');
        return std::make_pair(input.substr(0, nul), input.substr(nul + 1));
    };
    const auto [source, context] = split(test::valid_chat_template());
    EXPECT_EQ(render(source, context), "<s><|user|>Hi<|assistant|>[{\"function\": {\"name\": \"f\", \"arguments\": {\"x\": 1}}}]"
                                       "{\n  \"name\": \"f\",\n  \"parameters\": {}\n}<|assistant|>");
    for (const auto& bad : test::bad_chat_template_inputs()) {
        const auto [bad_source, bad_context] = split(bad.bytes);
        EXPECT_NE(error_of(bad_source, bad_context).find(bad.expected), std::string::npos) << bad.name;
    }
}

TEST(BuiltinChatTemplates, NamesAndUnknown) {
    const auto names = builtin_chat_template_names();
    for (const char* required : {"chatml", "llama2", "llama3", "mistral-v7", "gemma", "phi3", "zephyr", "vicuna", "deepseek"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
    }
    EXPECT_FALSE(builtin_chat_template("no-such-template").has_value());
    for (const auto& name : names) EXPECT_NO_THROW(ChatTemplate(*builtin_chat_template(name))) << name;
}

// llama.cpp's standard test conversation; the expected prompts are what its built-in formatter writes.
TEST(BuiltinChatTemplates, RenderWhatLlamaCppWritesForTheSameName) {
    const std::string ctx = R"({"add_generation_prompt": true, "messages": [
        {"role": "system", "content": "You are a helpful assistant"}, {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you"},
        {"role": "assistant", "content": "   I am an assistant   "}, {"role": "user", "content": "Another question"}]})";
    const std::pair<const char*, const char*> expected[] = {
        {"chatml", "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
        {"llama2-sys", "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
        {"llama3", "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
        {"mistral-v7", "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
        {"gemma", "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
        {"phi3", "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
        {"zephyr", "<|system|>\nYou are a helpful assistant<|endoftext|>\n<|user|>\nHello<|endoftext|>\n<|assistant|>\nHi there<|endoftext|>\n<|user|>\nWho are you<|endoftext|>\n<|assistant|>\n   I am an assistant   <|endoftext|>\n<|user|>\nAnother question<|endoftext|>\n<|assistant|>\n"},
        {"vicuna", "You are a helpful assistant\n\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:"},
        {"deepseek", "You are a helpful assistant### Instruction:\nHello\n### Response:\nHi there\n<|EOT|>\n### Instruction:\nWho are you\n### Response:\n   I am an assistant   \n<|EOT|>\n### Instruction:\nAnother question\n### Response:\n"},
    };
    for (const auto& [name, prompt] : expected) EXPECT_EQ(render(*builtin_chat_template(name), ctx), prompt) << name;
}

}  // namespace
}  // namespace qforge::chat

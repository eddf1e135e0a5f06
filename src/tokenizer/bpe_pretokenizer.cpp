#include "tokenizer/bpe_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <utility>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/utf8_text.h"

namespace qforge {
namespace {

const char* const kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const char* const kLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

struct Family {
    std::vector<const char*> names;
    std::vector<std::string> regexes;
    bool ignore_merges = false;
};

// llama.cpp's llm_tokenizer_bpe regex lists, by tokenizer.ggml.pre value. Non-ASCII characters are written as
// \x{...} escapes: several of them (U+1F7D, U+212A, ...) would silently change under Unicode normalization.
const std::vector<Family>& families() {
    static const std::vector<Family> f = {
        {{"llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe"}, {kLlama3}, true},
        {{"qwen2", "deepseek-r1-qwen", "megrez"}, {kQwen2}, false},
        {{"gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es",
          "jina-v2-de", "jina-v2-code", "roberta-bpe"},
         {kGpt2}, false},
        {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"}, {"\\p{N}", kGpt2}, false},
        {{"falcon"}, {"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"}, false},
        {{"deepseek-coder"},
         {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}"}, false},
        {{"deepseek-llm"},
         {"[\r\n]",
          "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}"
          "\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}"
          "\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
          "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}"
          "\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"
          "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}"
          "\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
          "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
          "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"
          "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
          "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}"
          "\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}"
          "\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
          "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+", "\\s+$", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}+"},
         false},
        {{"default"}, {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"}, false},
    };
    return f;
}

const Family& family_of(const std::string& name) {
    for (const auto& f : families())
        for (const char* n : f.names)
            if (name == n) return f;
    std::string known;
    for (const auto& f : families())
        for (const char* n : f.names) known += (known.empty() ? "" : ", ") + std::string(n);
    fail("tokenizer: BPE pre-tokenizer '{}' is not supported (known: {})", name, known);
}

}  // namespace

struct BpePretokenizer::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }
};

std::vector<std::string> BpePretokenizer::regexes_for(const std::string& pre_name) { return family_of(pre_name).regexes; }

BpePretokenizer::BpePretokenizer(const std::string& pre_name) {
    const Family& f = family_of(pre_name);
    ignore_merges_ = f.ignore_merges;
    for (const auto& re : f.regexes) {
        int err = 0;
        PCRE2_SIZE err_offset = 0;
        auto c = std::make_unique<Compiled>();
        c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(),
                                PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_NO_UTF_CHECK, &err, &err_offset,
                                nullptr);
        if (c->code == nullptr) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof(msg));
            fail("tokenizer: cannot compile pre-tokenizer regex at {}: {}", err_offset, reinterpret_cast<char*>(msg));
        }
        pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back to the interpreter
        regexes_.push_back(std::move(c));
    }
}

BpePretokenizer::~BpePretokenizer() = default;

std::vector<std::string> BpePretokenizer::split(std::string_view raw) const {
    // Invalid UTF-8 becomes U+FFFD, as in llama.cpp, so the regex engine only ever sees valid text.
    std::string clean;
    clean.reserve(raw.size());
    for (std::uint32_t cp : utf8_decode(raw)) clean += utf8_encode(cp);
    const std::string_view text = clean;
    // Pieces as byte ranges of `text`.
    std::vector<std::pair<std::size_t, std::size_t>> pieces{{0, text.size()}};
    pcre2_match_data* md = nullptr;
    for (const auto& re : regexes_) {
        md = pcre2_match_data_create_from_pattern(re->code, nullptr);
        std::vector<std::pair<std::size_t, std::size_t>> next;
        for (const auto& [begin, len] : pieces) {
            const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data() + begin);
            std::size_t pos = 0, last = 0;
            while (pos <= len) {
                const int rc = pcre2_match(re->code, subject, len, pos, PCRE2_NO_UTF_CHECK, md, nullptr);
                if (rc < 0) break;
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
                const std::size_t ms = ov[0], me = ov[1];
                if (me == ms) {  // empty match: step over one character
                    pos = ms + 1;
                    while (pos < len && (static_cast<std::uint8_t>(text[begin + pos]) & 0xC0) == 0x80) ++pos;
                    continue;
                }
                if (ms > last) next.emplace_back(begin + last, ms - last);
                next.emplace_back(begin + ms, me - ms);
                last = pos = me;
            }
            if (last < len) next.emplace_back(begin + last, len - last);
        }
        pcre2_match_data_free(md);
        pieces = std::move(next);
    }
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (const auto& [begin, len] : pieces) out.push_back(bytes_to_unicode(text.substr(begin, len)));
    return out;
}

}  // namespace qforge

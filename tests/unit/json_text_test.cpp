// JSON text in and out: NaN/Infinity tokens, floats that stay floats,
// escapes, invalid UTF-8 offsets, and the error kinds.
#include "json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace {

using runlog::json;
using runlog::JsonError;

json parse_ok(const std::string &text) {
    json v;
    std::string msg;
    JsonError e = runlog::parse_json_value(text, v, &msg);
    EXPECT_EQ(e, JsonError::None) << text << ": " << msg;
    return v;
}

JsonError parse_err(const std::string &text, std::string *msg = nullptr) {
    json v;
    std::string m;
    JsonError e = runlog::parse_json_object(text, v, &m);
    if (msg) *msg = m;
    if (e != JsonError::None) {
        EXPECT_FALSE(m.empty()) << "no message for " << text;
    }
    return e;
}

TEST(JsonText, NonFiniteTokensIn) {
    json v = parse_ok("{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity, \"d\": [NaN, -Infinity, 1], "
                      "\"e\": {\"f\": Infinity}}");
    ASSERT_TRUE(v["a"].is_number_float());
    EXPECT_TRUE(std::isnan(v["a"].get<double>()));
    EXPECT_EQ(v["b"].get<double>(), HUGE_VAL);
    EXPECT_EQ(v["c"].get<double>(), -HUGE_VAL);
    EXPECT_TRUE(std::isnan(v["d"][0].get<double>()));
    EXPECT_EQ(v["d"][1].get<double>(), -HUGE_VAL);
    EXPECT_EQ(v["d"][2].get<int>(), 1);
    EXPECT_EQ(v["e"]["f"].get<double>(), HUGE_VAL);
    // bare values too
    EXPECT_TRUE(std::isnan(parse_ok("NaN").get<double>()));
    EXPECT_EQ(parse_ok(" -Infinity ").get<double>(), -HUGE_VAL);
}

TEST(JsonText, NonFiniteLookalikesInStringsStayStrings) {
    json v = parse_ok("{\"s\": \"NaN\", \"t\": \"Infinity and -Infinity\", \"NaN\": NaN, "
                      "\"q\": \"a \\\" NaN \\\\\", \"x\": Infinity}");
    EXPECT_EQ(v["s"], "NaN");
    EXPECT_EQ(v["t"], "Infinity and -Infinity");
    EXPECT_TRUE(std::isnan(v["NaN"].get<double>()));
    EXPECT_EQ(v["q"], "a \" NaN \\");
    EXPECT_EQ(v["x"].get<double>(), HUGE_VAL);
}

TEST(JsonText, InvalidNonFiniteSpellingsAreRefused) {
    for (const char *text : {"{\"a\": nan}", "{\"a\": NaNa}", "{\"a\": -NaN}", "{\"a\": infinity}",
                             "{\"a\": +Infinity}", "{\"a\": Inf}", "{\"a\": NaN NaN}", "{NaN: 1}"})
        EXPECT_EQ(parse_err(text), JsonError::InvalidJson) << text;
}

TEST(JsonText, UserStringsThatLookLikeThePlaceholders) {
    // The parser rewrites bare NaN into internal placeholder strings; a user
    // string with the same content must come back as the same string.
    json v = parse_ok("{\"s\": \"\\u0000runlog:NaN\", \"x\": NaN}");
    ASSERT_TRUE(v["s"].is_string()) << "a logged string became " << v["s"].type_name();
    EXPECT_EQ(v["s"].get<std::string>(), std::string("\0runlog:NaN", 11));
    EXPECT_TRUE(std::isnan(v["x"].get<double>()));
}

TEST(JsonText, NonFiniteTokensOut) {
    json v = json::object();
    v["n"] = std::nan("");
    v["p"] = HUGE_VAL;
    v["m"] = -HUGE_VAL;
    EXPECT_EQ(runlog::to_json_text(v), "{\"m\":-Infinity,\"n\":NaN,\"p\":Infinity}");
    std::string out;
    runlog::write_json_double(std::numeric_limits<double>::quiet_NaN(), out);
    EXPECT_EQ(out, "NaN");
    // and back in
    json back = parse_ok(runlog::to_json_text(v));
    EXPECT_TRUE(std::isnan(back["n"].get<double>()));
    EXPECT_EQ(back["m"].get<double>(), -HUGE_VAL);
}

TEST(JsonText, FloatsStayFloats) {
    auto d = [](double x) {
        std::string s;
        runlog::write_json_double(x, s);
        return s;
    };
    EXPECT_EQ(d(5.0), "5.0");
    EXPECT_EQ(d(0.0), "0.0");
    EXPECT_EQ(d(-0.0), "-0.0");
    EXPECT_EQ(d(-3.0), "-3.0");
    EXPECT_EQ(d(0.5), "0.5");
    EXPECT_EQ(d(0.1), "0.1");
    EXPECT_EQ(d(1e20), "1e+20");
    EXPECT_EQ(d(1e-7), "1e-07");
    EXPECT_EQ(d(123456789012.0), "123456789012.0");
    json v = parse_ok("{\"f\": 5.0, \"i\": 5, \"e\": 1e2}");
    EXPECT_TRUE(v["f"].is_number_float());
    EXPECT_TRUE(v["i"].is_number_integer());
    EXPECT_EQ(runlog::to_json_text(v), "{\"e\":100.0,\"f\":5.0,\"i\":5}");
    // every double survives a round trip exactly
    std::mt19937_64 rng(3);
    for (int i = 0; i < 20000; ++i) {
        uint64_t bits = rng();
        double x;
        std::memcpy(&x, &bits, sizeof x);
        if (!std::isfinite(x)) continue;
        json back = parse_ok(d(x));
        ASSERT_TRUE(back.is_number_float()) << d(x);
        ASSERT_EQ(back.get<double>(), x) << d(x);
    }
}

TEST(JsonText, Integers) {
    std::string s;
    runlog::write_json_int(-9223372036854775807LL - 1, s);
    EXPECT_EQ(s, "-9223372036854775808");
    json v = parse_ok("{\"u\": 18446744073709551615, \"n\": -5}");
    EXPECT_EQ(runlog::to_json_text(v), "{\"n\":-5,\"u\":18446744073709551615}");
}

TEST(JsonText, StringEscapes) {
    std::string out;
    runlog::write_json_string(std::string("a\"b\\c\n\r\t\b\f\x01\x1f/\x7f\0z", 16), out);
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\x7f\\u0000z\"");
    // UTF-8 passes through unescaped
    out.clear();
    runlog::write_json_string("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E", out);
    EXPECT_EQ(out, "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E\"");
    // round trips of every control character and a few others
    std::string all;
    for (int c = 0; c < 128; ++c) all.push_back(char(c));
    all += "\xC3\xA9\xF0\x9F\x98\x80";
    json v = json::object();
    v[all] = all;
    json back = parse_ok(runlog::to_json_text(v));
    EXPECT_EQ(back.begin().key(), all);
    EXPECT_EQ(back.begin().value().get<std::string>(), all);
    // \u escapes in, including a surrogate pair
    json u = parse_ok("\"\\u00e9\\ud834\\udd1e\\/\"");
    EXPECT_EQ(u.get<std::string>(), "\xC3\xA9\xF0\x9D\x84\x9E/");
    // keys keep their order of insertion? nlohmann sorts: the writer follows it
    EXPECT_EQ(runlog::to_json_text(parse_ok("{\"b\":1,\"a\":{\"d\":[],\"c\":{}}}")), "{\"a\":{\"c\":{},\"d\":[]},\"b\":1}");
    EXPECT_EQ(runlog::to_json_text(parse_ok("[true,false,null,\"\"]")), "[true,false,null,\"\"]");
}

TEST(JsonText, InvalidUtf8Offsets) {
    using runlog::find_invalid_utf8;
    const size_t npos = std::string_view::npos;
    EXPECT_EQ(find_invalid_utf8(""), npos);
    EXPECT_EQ(find_invalid_utf8("plain ascii"), npos);
    EXPECT_EQ(find_invalid_utf8("\xC3\xA9"), npos);                 // é
    EXPECT_EQ(find_invalid_utf8("\xE2\x82\xAC"), npos);             // €
    EXPECT_EQ(find_invalid_utf8("\xF0\x9D\x84\x9E"), npos);         // 𝄞
    EXPECT_EQ(find_invalid_utf8("\xEF\xBF\xBF"), npos);             // U+FFFF
    EXPECT_EQ(find_invalid_utf8("\xF4\x8F\xBF\xBF"), npos);         // U+10FFFF
    EXPECT_EQ(find_invalid_utf8("\xED\x9F\xBF"), npos);             // U+D7FF
    EXPECT_EQ(find_invalid_utf8("\xEE\x80\x80"), npos);             // U+E000
    EXPECT_EQ(find_invalid_utf8(std::string("a\0b", 3)), npos);     // NUL is valid UTF-8

    EXPECT_EQ(find_invalid_utf8("abc\xFF"), 3u);
    EXPECT_EQ(find_invalid_utf8("\x80"), 0u);                       // lone continuation
    EXPECT_EQ(find_invalid_utf8("ab\xBF"), 2u);
    EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);                   // overlong '/'
    EXPECT_EQ(find_invalid_utf8("\xC1\xBF"), 0u);                   // overlong
    EXPECT_EQ(find_invalid_utf8("x\xE0\x80\xAF"), 1u);              // overlong, 3 bytes
    EXPECT_EQ(find_invalid_utf8("xy\xE0\x9F\xBF"), 2u);             // overlong U+07FF
    EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);           // overlong, 4 bytes
    EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);           // overlong U+FFFF
    EXPECT_EQ(find_invalid_utf8("ok \xED\xA0\x80"), 3u);            // high surrogate U+D800
    EXPECT_EQ(find_invalid_utf8("\xED\xBF\xBF"), 0u);               // low surrogate U+DFFF
    EXPECT_EQ(find_invalid_utf8("\xED\xA0\xBD\xED\xB8\x80"), 0u);   // CESU-8 pair
    EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);           // U+110000
    EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
    EXPECT_EQ(find_invalid_utf8("\xF8\x88\x80\x80\x80"), 0u);       // 5-byte form
    EXPECT_EQ(find_invalid_utf8("\xFE"), 0u);
    EXPECT_EQ(find_invalid_utf8("ab\xE2\x82"), 2u);                 // truncated at the end
    EXPECT_EQ(find_invalid_utf8("\xE2\x82x"), 0u);                  // truncated in the middle
    EXPECT_EQ(find_invalid_utf8("\xF0\x9D\x84"), 0u);
    EXPECT_EQ(find_invalid_utf8("\xC3"), 0u);
    EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xC3"), 2u);               // after a valid one
}

TEST(JsonText, ParseErrorsByKind) {
    std::string msg;
    EXPECT_EQ(parse_err("{\"a\": \"\xFF\"}", &msg), JsonError::InvalidUtf8);
    EXPECT_NE(msg.find("byte 7"), std::string::npos) << msg;
    EXPECT_EQ(parse_err("{\"a\xC0\xAF\": 1}", &msg), JsonError::InvalidUtf8);
    EXPECT_NE(msg.find("byte 3"), std::string::npos) << msg;
    EXPECT_EQ(parse_err("{\"a\": \"\xED\xA0\x80\"}", &msg), JsonError::InvalidUtf8);
    EXPECT_EQ(parse_err("{\"a\": NaN, \"b\": \"\xE2\x82\"}", &msg), JsonError::InvalidUtf8);

    EXPECT_EQ(parse_err("{\"a\": 1", &msg), JsonError::InvalidJson);
    EXPECT_NE(msg.find("line 1"), std::string::npos) << msg;
    EXPECT_EQ(parse_err("", &msg), JsonError::InvalidJson);
    EXPECT_EQ(parse_err("{} x", &msg), JsonError::InvalidJson);
    EXPECT_EQ(parse_err("{'a': 1}", &msg), JsonError::InvalidJson);
    EXPECT_EQ(parse_err("{\"a\": 01}", &msg), JsonError::InvalidJson);
    EXPECT_EQ(parse_err("{\"a\": \"\\ud800\"}", &msg), JsonError::InvalidJson);  // lone escaped surrogate
    EXPECT_EQ(parse_err("{\"a\": \"tab\there\"}", &msg), JsonError::InvalidJson);  // raw control char

    EXPECT_EQ(parse_err("[1]", &msg), JsonError::NotObject);
    EXPECT_NE(msg.find("array"), std::string::npos) << msg;
    EXPECT_EQ(parse_err("\"s\"", &msg), JsonError::NotObject);
    EXPECT_NE(msg.find("string"), std::string::npos) << msg;
    EXPECT_EQ(parse_err("null", &msg), JsonError::NotObject);
    EXPECT_EQ(parse_err("3.5", &msg), JsonError::NotObject);
    EXPECT_EQ(parse_err("Infinity", &msg), JsonError::NotObject);
    EXPECT_EQ(parse_err("true", &msg), JsonError::NotObject);

    json v;
    EXPECT_EQ(runlog::parse_json_object("{}", v, nullptr), JsonError::None);  // message optional
    EXPECT_EQ(runlog::parse_json_object("[", v, nullptr), JsonError::InvalidJson);
    EXPECT_EQ(runlog::parse_json_object(" {\"a\" : {\"b\" : [1, 2.5, \"c\"]}} ", v, nullptr), JsonError::None);
    EXPECT_EQ(v["a"]["b"][1].get<double>(), 2.5);
}

TEST(JsonText, DeepNestingDoesNotCrash) {
    std::string deep(100000, '[');
    json v;
    std::string msg;
    EXPECT_NE(runlog::parse_json_object(deep, v, &msg), JsonError::None);
    std::string ok = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
    EXPECT_EQ(runlog::parse_json_object(ok, v, &msg), JsonError::None) << msg;
}

}  // namespace

// The response parser as a library: whole, byte-by-byte, corrupt, partial, limits.
#include <gtest/gtest.h>

#include <random>

#include "response_parser.h"

using namespace runlog::http;

static ResponseParser::State feed_all(ResponseParser &p, const std::string &s, size_t step = 0) {
    if (!step) return p.feed(s.data(), s.size());
    ResponseParser::State st = ResponseParser::NEED_MORE;
    for (size_t i = 0; i < s.size() && st == ResponseParser::NEED_MORE; i += step)
        st = p.feed(s.data() + i, std::min(step, s.size() - i));
    return st;
}

static const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
    "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";

TEST(ResponseParser, ContentLength) {
    for (size_t step : {0, 1, 2, 7}) {
        ResponseParser p;
        std::string s = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nabcde";
        ASSERT_EQ(feed_all(p, s, step), ResponseParser::DONE) << step;
        EXPECT_EQ(p.status(), 201);
        EXPECT_EQ(p.body(), "abcde");
        ASSERT_NE(find_header(p.headers(), "content-type"), nullptr);
        EXPECT_EQ(*find_header(p.headers(), "CONTENT-TYPE"), "text/plain");
        EXPECT_TRUE(p.keep_alive());
    }
}

TEST(ResponseParser, ChunkedAnySplit) {
    for (size_t step : {0, 1, 3, 5, 11}) {
        ResponseParser p;
        ASSERT_EQ(feed_all(p, kChunked, step), ResponseParser::DONE) << step;
        EXPECT_EQ(p.status(), 200);
        EXPECT_EQ(p.body(), "hello, world");
        EXPECT_TRUE(p.keep_alive());
    }
}

TEST(ResponseParser, ReadUntilClose) {
    ResponseParser p;
    std::string s = "HTTP/1.1 200 OK\r\n\r\nbody until eof";
    EXPECT_EQ(feed_all(p, s), ResponseParser::NEED_MORE);
    EXPECT_EQ(p.feed_eof(), ResponseParser::DONE);
    EXPECT_EQ(p.body(), "body until eof");
    EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParser, ConnectionCloseAndHttp10) {
    ResponseParser p;
    ASSERT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), ResponseParser::DONE);
    EXPECT_FALSE(p.keep_alive());
    ResponseParser q;
    ASSERT_EQ(feed_all(q, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"), ResponseParser::DONE);
    EXPECT_FALSE(q.keep_alive());
}

TEST(ResponseParser, NoBodyStatusesAndHead) {
    ResponseParser p;
    ASSERT_EQ(feed_all(p, "HTTP/1.1 204 No Content\r\n\r\n"), ResponseParser::DONE);
    EXPECT_EQ(p.status(), 204);
    ResponseParser h(ParserLimits(), /*head_request=*/true);
    ASSERT_EQ(feed_all(h, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), ResponseParser::DONE);
    EXPECT_EQ(h.body(), "");
    EXPECT_TRUE(h.keep_alive());
}

TEST(ResponseParser, SkipsInterim100) {
    for (size_t step : {0, 1}) {
        ResponseParser p;
        std::string s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        ASSERT_EQ(feed_all(p, s, step), ResponseParser::DONE);
        EXPECT_EQ(p.status(), 200);
        EXPECT_EQ(p.body(), "ok");
        EXPECT_EQ(p.headers().size(), 1u);
    }
}

TEST(ResponseParser, ExtraBytesMakeConnectionUnfit) {
    ResponseParser p;
    std::string s = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE";
    size_t used = 0;
    ASSERT_EQ(p.feed(s.data(), s.size(), &used), ResponseParser::DONE);
    EXPECT_LT(used, s.size());
    EXPECT_EQ(p.body(), "x");
    EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParser, TruncatedInputsFailAtEof) {
    // Every proper prefix of a content-length or chunked answer is incomplete.
    std::string cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde";
    for (const std::string &full : {cl, kChunked}) {
        for (size_t n = 0; n < full.size(); n++) {
            ResponseParser p;
            ASSERT_EQ(p.feed(full.data(), n), n == 0 ? ResponseParser::NEED_MORE : p.state());
            ASSERT_NE(p.state(), ResponseParser::DONE) << n;
            EXPECT_EQ(p.feed_eof(), ResponseParser::FAILED) << n;
            EXPECT_FALSE(p.error().empty());
        }
    }
    ResponseParser empty;
    EXPECT_EQ(empty.feed_eof(), ResponseParser::FAILED);
    EXPECT_FALSE(empty.started());
}

TEST(ResponseParser, CorruptInputs) {
    const char *bad[] = {
        "HTTP/1.1 2OO OK\r\n\r\n",
        "HTXP/1.1 200 OK\r\n\r\n",
        "garbage\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
        "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    };
    for (const char *b : bad) {
        for (size_t step : {0, 1}) {
            ResponseParser p;
            ResponseParser::State st = feed_all(p, b, step);
            if (st == ResponseParser::NEED_MORE) st = p.feed_eof();
            EXPECT_EQ(st, ResponseParser::FAILED) << b;
            EXPECT_FALSE(p.error().empty());
            // Fails stay failed.
            EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\n\r\n", 19), ResponseParser::FAILED);
        }
    }
}

TEST(ResponseParser, Limits) {
    ParserLimits lim;
    lim.max_body_bytes = 10;
    {
        ResponseParser p(lim);
        EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"), ResponseParser::FAILED);
        EXPECT_NE(p.error().find("exceeds"), std::string::npos) << p.error();
    }
    {
        ResponseParser p(lim);  // chunked: the sum counts
        EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n6\r\n123456\r\n0\r\n\r\n", 1),
                  ResponseParser::FAILED);
        EXPECT_NE(p.error().find("exceeds"), std::string::npos);
    }
    {
        ResponseParser p(lim);  // read-until-close
        EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\n\r\n0123456789abc"), ResponseParser::FAILED);
    }
    lim = ParserLimits();
    lim.max_header_bytes = 100;
    {
        ResponseParser p(lim);
        std::string s = "HTTP/1.1 200 OK\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
        EXPECT_EQ(feed_all(p, s, 13), ResponseParser::FAILED);
        EXPECT_NE(p.error().find("headers exceed"), std::string::npos);
    }
    lim = ParserLimits();
    lim.max_headers = 3;
    {
        ResponseParser p(lim);
        EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), ResponseParser::FAILED);
        EXPECT_NE(p.error().find("more than 3"), std::string::npos);
    }
    {
        ResponseParser p(lim);  // exactly at the limit is fine
        EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n"), ResponseParser::DONE);
    }
}

TEST(ResponseParser, HeaderValueSplitAcrossFeeds) {
    ResponseParser p;
    std::string s = "HTTP/1.1 200 OK\r\nX-Long-Name: value-part-1-and-2\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(feed_all(p, s, 1), ResponseParser::DONE);
    ASSERT_EQ(p.headers().size(), 2u);
    EXPECT_EQ(p.headers()[0].first, "X-Long-Name");
    EXPECT_EQ(p.headers()[0].second, "value-part-1-and-2");
}

// Mutated answers, fed whole and in random pieces: no crash, the same result
// whatever the split, limits always respected.
TEST(ResponseParser, MutationsAreSplitInvariant) {
    const std::string seeds[] = {
        kChunked,
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
        "HTTP/1.0 500 X\r\n\r\nuntil close",
    };
    std::mt19937 rng(12345);
    ParserLimits lim;
    lim.max_body_bytes = 64;
    lim.max_header_bytes = 256;
    lim.max_headers = 8;
    for (int iter = 0; iter < 20000; iter++) {
        std::string s = seeds[iter % 4];
        int muts = 1 + rng() % 4;
        for (int m = 0; m < muts; m++) {
            size_t pos = rng() % (s.size() + 1);
            switch (rng() % 4) {
                case 0: if (pos < s.size()) s[pos] = (char)(rng() % 256); break;
                case 1: if (pos < s.size()) s.erase(pos, 1 + rng() % 4); break;
                case 2: s.insert(pos, std::string(1 + rng() % 3, "\r\n:0a;9 "[rng() % 9])); break;
                case 3: s.insert(pos, s.substr(rng() % s.size(), rng() % 10)); break;
            }
        }
        ResponseParser whole(lim), pieces(lim);
        ResponseParser::State a = whole.feed(s.data(), s.size());
        if (a == ResponseParser::NEED_MORE) a = whole.feed_eof();
        ResponseParser::State b = ResponseParser::NEED_MORE;
        for (size_t i = 0; i < s.size() && b == ResponseParser::NEED_MORE;) {
            size_t n = std::min(s.size() - i, (size_t)(1 + rng() % 7));
            b = pieces.feed(s.data() + i, n);
            i += n;
        }
        if (b == ResponseParser::NEED_MORE) b = pieces.feed_eof();
        ASSERT_NE(a, ResponseParser::NEED_MORE);
        ASSERT_EQ(a, b) << testing::PrintToString(s);
        ASSERT_LE(whole.body().size(), lim.max_body_bytes);
        if (a == ResponseParser::DONE) {
            ASSERT_EQ(whole.status(), pieces.status());
            ASSERT_EQ(whole.body(), pieces.body());
            ASSERT_EQ(whole.headers(), pieces.headers());
            ASSERT_GE(whole.status(), 200);
        } else {
            ASSERT_FALSE(whole.error().empty());
        }
    }
}

// URL parsing and proxy selection.
#include <gtest/gtest.h>

#include <map>

#include "proxy.h"
#include "url.h"

using namespace runlog::http;

TEST(Url, ParsesSchemesPortsTargets) {
    Url u;
    std::string why;
    ASSERT_TRUE(parse_url("https://API.wandb.ai/graphql?x=1#frag", u, why));
    EXPECT_EQ(u.scheme, "https");
    EXPECT_EQ(u.host, "api.wandb.ai");
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.target, "/graphql?x=1");
    EXPECT_EQ(u.host_header(), "api.wandb.ai");
    ASSERT_TRUE(parse_url("http://127.0.0.1:8080", u, why));
    EXPECT_EQ(u.port, 8080);
    EXPECT_EQ(u.target, "/");
    EXPECT_EQ(u.authority(), "127.0.0.1:8080");
    EXPECT_EQ(u.host_header(), "127.0.0.1:8080");
    ASSERT_TRUE(parse_url("http://[::1]:81/a", u, why));
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.authority(), "[::1]:81");
    ASSERT_TRUE(parse_url("http://host?q", u, why));
    EXPECT_EQ(u.target, "/?q");
    ASSERT_TRUE(parse_url("http://user:pw@proxy:3128", u, why));
    EXPECT_EQ(u.userinfo, "user:pw");
    EXPECT_EQ(u.host, "proxy");
}

TEST(Url, RejectsBadInput) {
    Url u;
    std::string why;
    for (const char *bad : {"", "api.wandb.ai", "ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
                            "http://h:12ab/", "http://h o/", "http://h/\r\nX: y", "http://[::1/", "http://[zz]/",
                            "http://h\x01/", "http://a@/"}) {
        EXPECT_FALSE(parse_url(bad, u, why)) << bad;
        EXPECT_FALSE(why.empty());
    }
    EXPECT_TRUE(parse_url("proxy:3128", u, why, "http"));
    EXPECT_EQ(u.port, 3128);
}

TEST(Url, RedactsUserinfo) {
    EXPECT_EQ(redact_url("http://user:secret@proxy:3128/x"), "http://***@proxy:3128/x");
    EXPECT_EQ(redact_url("http://proxy:3128/a@b"), "http://proxy:3128/a@b");
    EXPECT_EQ(redact_url("user:secret@proxy:1"), "***@proxy:1");
}

TEST(NoProxy, Matching) {
    EXPECT_TRUE(no_proxy_matches("*", "anything", 1));
    EXPECT_TRUE(no_proxy_matches("localhost,127.0.0.1", "127.0.0.1", 80));
    EXPECT_TRUE(no_proxy_matches("example.com", "api.example.com", 443));
    EXPECT_TRUE(no_proxy_matches(".example.com", "api.example.com", 443));
    EXPECT_TRUE(no_proxy_matches(".example.com", "example.com", 443));
    EXPECT_FALSE(no_proxy_matches("example.com", "badexample.com", 443));
    EXPECT_TRUE(no_proxy_matches("foo, Example.COM", "example.com", 443));
    EXPECT_TRUE(no_proxy_matches("example.com:443", "example.com", 443));
    EXPECT_FALSE(no_proxy_matches("example.com:8443", "example.com", 443));
    EXPECT_TRUE(no_proxy_matches("10.0.0.0/8", "10.1.2.3", 80));
    EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.1.2.3", 80));
    EXPECT_TRUE(no_proxy_matches("[::1]", "::1", 80));
    EXPECT_FALSE(no_proxy_matches("", "example.com", 80));
    EXPECT_FALSE(no_proxy_matches(",,", "example.com", 80));
}

TEST(Proxy, SelectionFromEnv) {
    std::map<std::string, std::string> env = {{"HTTPS_PROXY", "http://proxy:3128"},
                                              {"http_proxy", "plainproxy:8080"},
                                              {"NO_PROXY", "internal.corp"}};
    ProxyConfig c = ProxyConfig::from_env([&](const char *n) -> const char * {
        auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
    });
    Url target, p;
    std::string why;
    ASSERT_TRUE(parse_url("https://api.wandb.ai/graphql", target, why));
    ASSERT_TRUE(select_proxy(c, target, p, why));
    EXPECT_EQ(p.authority(), "proxy:3128");
    ASSERT_TRUE(parse_url("http://api.wandb.ai/", target, why));
    ASSERT_TRUE(select_proxy(c, target, p, why));
    EXPECT_EQ(p.authority(), "plainproxy:8080");
    ASSERT_TRUE(parse_url("https://x.internal.corp/", target, why));
    ASSERT_TRUE(select_proxy(c, target, p, why));
    EXPECT_TRUE(p.host.empty());

    c.https_proxy = "socks5://u:secret@h:1";
    ASSERT_TRUE(parse_url("https://api.wandb.ai/", target, why));
    EXPECT_FALSE(select_proxy(c, target, p, why));
    EXPECT_EQ(why.find("secret"), std::string::npos);
    c.https_proxy = "http://u:secret@h:99999";
    EXPECT_FALSE(select_proxy(c, target, p, why));
    EXPECT_EQ(why.find("secret"), std::string::npos) << why;
}

// The sender against an in-process fake W&B server, on a fake clock.
#include <gtest/gtest.h>

#include "sender_test_config.h"  // RUNLOG_SOURCE_DIR, written by build.sh

#include <cmath>
#include <fstream>
#include <sstream>

#include "fake_server.h"

using namespace runlog;
using namespace runlog::sender;
using journal::Record;
using journal::RecordKind;

namespace {

const char *kKey = "0123456789abcdef0123456789abcdef01234567";

Settings settings_for(const fake::Server &srv) {
    Settings s;
    s.base_url = srv.base + "/";
    s.api_key = kKey;
    s.rng_seed = 42;
    return s;
}

// A synthetic journal: the run record, n history rows, optional exit.
struct Journal {
    std::vector<Record> recs;
    uint64_t off = 8;
    void add(RecordKind k, std::string j) {
        recs.push_back(Record{k, j, off});
        off += 20 + j.size();
    }
    static Journal make(int rows, bool exit = true, int exit_code = 0, const std::string &entity = "") {
        Journal jn;
        json run{{"id", "r1abc"}, {"name", "my-run"}, {"project", "proj"}, {"entity", entity},
                 {"group", "g"}, {"job_type", "train"}, {"tags", {"a", "b"}}, {"notes", "n"},
                 {"mode", "online"}, {"start_time", 1.7e9}, {"host", "vm"}, {"pid", 1},
                 {"program", "train.c"}, {"os", "linux-x86_64"}, {"runlog_version", "0.1.0"},
                 {"config", {{"lr", 0.01}, {"model", {{"depth", 3}}}}}};
        jn.add(RecordKind::Run, run.dump());
        for (int i = 0; i < rows; i++)
            jn.add(RecordKind::History, "{\"loss\":" + std::to_string(1.0 / (i + 1)) + ",\"_step\":" +
                                            std::to_string(i) + ",\"_runtime\":" + std::to_string(i * 0.1) +
                                            ",\"_timestamp\":1700000000.5}");
        if (exit) jn.add(RecordKind::Exit, "{\"exit_code\":" + std::to_string(exit_code) + ",\"runtime\":1000.5}");
        return jn;
    }
};

// Drives a sender: feeds `per_tick` records per fake second (all at once if
// 0), performs requests against the fake server through the fault function.
struct Driver {
    Driver(Sender &sender, fake::Server &server, fake::FaultFn f) : s(sender), srv(server), faults(std::move(f)) {}
    Sender &s;
    fake::Server &srv;
    fake::FaultFn faults;
    double now = 1000;
    int requests = 0;
    std::vector<std::pair<double, HttpRequest::Kind>> sent;  // time of each request

    // Runs until the sender finishes, or stop() says so (checked between requests).
    void run(const Journal &jn, size_t per_tick = 0, size_t start = 0,
             const std::function<bool()> &stop = {}, int max_steps = 5000000) {
        size_t fed = start;
        double last_feed = -1;
        for (int step = 0; step < max_steps && !s.finished(); step++) {
            if (fed < jn.recs.size() && now > last_feed) {
                size_t n = per_tick ? per_tick : jn.recs.size();
                for (size_t i = 0; i < n && fed < jn.recs.size(); i++) s.on_record(jn.recs[fed++]);
                last_feed = now;
            }
            if (stop && !s.in_flight() && stop()) return;
            if (auto r = s.next_request(now)) {
                requests++;
                sent.push_back({now, r->kind});
                fake::Fault f = faults ? faults(*r) : fake::Fault{};
                now += 0.01;
                if (f.action == fake::Fault::StatusBefore) {
                    s.on_response(f.status, f.headers, f.status ? "{\"error\":\"injected\"}" : "", now);
                } else if (f.action == fake::Fault::LostResponse) {
                    srv.handle(*r);
                    s.on_response(0, {}, "", now);
                } else {
                    fake::Response resp = srv.handle(*r);
                    s.on_response(resp.status, resp.headers, resp.body, now);
                }
                continue;
            }
            double d = s.next_deadline();
            if (fed < jn.recs.size()) now = std::min(std::max(now, d), now + 1.0);
            else if (std::isinf(d) && d > 0) return;
            else now = std::max(now, d);
        }
    }
};

void expect_exactly_once(const fake::Server &srv, uint64_t rows, uint64_t first_offset = 0) {
    ASSERT_EQ(srv.history.size(), rows);
    EXPECT_EQ(srv.conflicting_overwrites, 0u);
    uint64_t i = 0;
    for (const auto &[off, line] : srv.history) {
        ASSERT_EQ(off, first_offset + i) << "gap in offsets";
        json row = json::parse(line);
        ASSERT_EQ(row["_step"].get<uint64_t>(), i) << "row out of order at offset " << off;
        i++;
    }
}

}  // namespace

TEST(Sender, TenThousandRowsExactlyOnceInOrder) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Driver d{s, srv, {}};
    Journal jn = Journal::make(10000);
    d.run(jn, 50);  // 50 records per fake second: 200 s of training
    ASSERT_EQ(s.state(), State::Done) << s.error();
    expect_exactly_once(srv, 10000);
    EXPECT_EQ(srv.lines_received, 10000u);  // no resends without faults
    EXPECT_EQ(srv.overwrites, 0u);
    EXPECT_TRUE(srv.complete);
    EXPECT_EQ(srv.exitcode, 0);
    EXPECT_EQ(srv.viewers, 1);  // no entity in the run record
    EXPECT_EQ(srv.entity, "runlog-tester");
    // Data posts at most one per transmit interval (15 s), except the final flush.
    double last = -1e9;
    int data_posts = 0;
    for (size_t i = 0; i + 1 < d.sent.size(); i++) {
        if (d.sent[i].second != HttpRequest::Kind::FileStream) continue;
        EXPECT_GE(d.sent[i].first - last, 15.0 - 1e-9);
        last = d.sent[i].first;
        data_posts++;
    }
    EXPECT_GE(data_posts, 10);
    EXPECT_LE(data_posts, 16);
    json summary = json::parse(srv.summary_line);
    EXPECT_EQ(summary["_step"], 9999);
    EXPECT_EQ(summary["_wandb"]["runtime"], 1000);  // exit runtime 1000.5, int seconds
    json p = s.acked();
    EXPECT_EQ(p["history_lines"], 10000);
    EXPECT_EQ(p["complete"], true);
    EXPECT_EQ(p["records_offset"].get<uint64_t>(), jn.recs.back().offset + 1);
}

TEST(Sender, ExactlyOnceWithServerErrorsAndConnectionFailures) {
    for (uint64_t seed : {1u, 2u, 3u}) {
        fake::Server srv;
        Settings st = settings_for(srv);
        st.rng_seed = seed;
        st.graphql_max_retries = 1000;
        Sender s(st);
        std::mt19937_64 rng(seed);
        int n5xx = 0, n0 = 0, nlost = 0;
        fake::FaultFn faults = [&](const HttpRequest &) {
            std::uniform_real_distribution<double> u(0, 1);
            double x = u(rng);
            fake::Fault f;
            if (x < 0.30) {
                static const int codes[] = {500, 502, 503, 504};
                f.action = fake::Fault::StatusBefore;
                f.status = codes[rng() % 4];
                n5xx++;
            } else if (x < 0.35) {
                f.action = fake::Fault::StatusBefore;  // connection refused/reset: never reached the server
                n0++;
            } else if (x < 0.40) {
                f.action = fake::Fault::LostResponse;  // applied, answer lost: the resend must overwrite
                nlost++;
            }
            return f;
        };
        Driver d{s, srv, faults};
        Journal jn = Journal::make(10000, true, 0, "team");
        d.run(jn, 50);
        ASSERT_EQ(s.state(), State::Done) << s.error();
        expect_exactly_once(srv, 10000);
        EXPECT_TRUE(srv.complete);
        EXPECT_EQ(srv.entity, "team");
        EXPECT_EQ(srv.viewers, 0);
        EXPECT_GT(n5xx, 0);
        EXPECT_GT(n0 + nlost, 0);
        EXPECT_GT(s.retries(), 0u);
        if (nlost) {
            EXPECT_GT(srv.overwrites, 0u);  // idempotent resends happened
        }
    }
}

TEST(Sender, RetryAfterDelaysNextRequest) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Journal jn = Journal::make(10, false, 0, "e");
    for (auto &r : jn.recs) s.on_record(r);
    double now = 0;
    auto up = s.next_request(now);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->kind, HttpRequest::Kind::UpsertCreate);
    auto resp = srv.handle(*up);
    s.on_response(resp.status, resp.headers, resp.body, now);
    auto fs = s.next_request(now);
    ASSERT_TRUE(fs);
    ASSERT_EQ(fs->kind, HttpRequest::Kind::FileStream);
    now = 1.0;
    s.on_response(429, {{"retry-after", "7"}}, "{\"error\":\"rate limited\"}", now);
    EXPECT_DOUBLE_EQ(s.next_deadline(), 8.0);
    EXPECT_FALSE(s.next_request(7.99));
    auto again = s.next_request(8.0);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body, fs->body);  // the same body: offsets fixed when built
    resp = srv.handle(*again);
    s.on_response(resp.status, resp.headers, resp.body, 8.1);
    EXPECT_EQ(srv.history.size(), 10u);
}

TEST(Sender, BackoffIsExponentialWithBoundedJitter) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "e";
    Sender s(st);
    Journal jn = Journal::make(0, false);
    s.on_record(jn.recs[0]);
    double now = 0;
    double expected_min = 2;
    for (int i = 0; i < 8; i++) {
        auto r = s.next_request(now);
        ASSERT_TRUE(r);
        s.on_response(503, {}, "", now);
        double wait = s.next_deadline() - now;
        double lo = std::min(60.0, expected_min), hi = std::min(60.0, expected_min * 1.25);
        EXPECT_GE(wait, lo - 1e-9) << i;
        EXPECT_LE(wait, hi + 1e-9) << i;
        expected_min *= 2;
        now += wait;
    }
}

TEST(Sender, UnauthorizedStopsWithActionableMessageWithoutKey) {
    fake::Server srv;
    srv.api_key = "a-different-key-a-different-key-a-different";
    Sender s(settings_for(srv));
    Driver d{s, srv, {}};
    d.run(Journal::make(5));
    ASSERT_EQ(s.state(), State::Failed);
    EXPECT_EQ(d.requests, 1);  // not retried
    const std::string &e = s.error();
    EXPECT_NE(e.find("HTTP 401"), std::string::npos) << e;
    EXPECT_NE(e.find("WANDB_API_KEY"), std::string::npos) << e;
    EXPECT_NE(e.find("~/.netrc"), std::string::npos) << e;
    EXPECT_NE(e.find("127.0.0.1"), std::string::npos) << e;
    EXPECT_NE(e.find("runlog sync"), std::string::npos) << e;
    EXPECT_EQ(e.find(kKey), std::string::npos) << e;
    EXPECT_EQ(e.find(base64(std::string("api:") + kKey)), std::string::npos) << e;
}

TEST(Sender, ServerEchoingTheKeyIsScrubbed) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "e";
    Sender s(st);
    s.on_record(Journal::make(0, false).recs[0]);
    ASSERT_TRUE(s.next_request(0));
    s.on_response(401, {}, std::string("{\"error\":\"bad key ") + kKey + "\"}", 0);
    EXPECT_EQ(s.error().find(kKey), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("<api key>"), std::string::npos) << s.error();
    for (const auto &m : s.take_messages()) EXPECT_EQ(m.text.find(kKey), std::string::npos);
}

TEST(Sender, ForbiddenAtCreationNamesEntityAndProject) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "someone-else";
    Sender s(st);
    s.on_record(Journal::make(0, false).recs[0]);
    auto r = s.next_request(0);
    ASSERT_TRUE(r);
    s.on_response(403, {}, "{\"errors\":[{\"message\":\"permission denied\"}]}", 0);
    ASSERT_EQ(s.state(), State::Failed);
    EXPECT_NE(s.error().find("someone-else"), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("'proj'"), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("permission denied"), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("WANDB_ENTITY"), std::string::npos) << s.error();
}

TEST(Sender, ConflictOnUpsertIsRetriedButNotOnFileStream) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "e";
    Sender s(st);
    for (auto &r : Journal::make(3, false).recs) s.on_record(r);
    ASSERT_TRUE(s.next_request(0));
    s.on_response(409, {}, "", 0);
    EXPECT_EQ(s.state(), State::Creating);
    auto r = s.next_request(s.next_deadline());
    ASSERT_TRUE(r);
    auto resp = srv.handle(*r);
    s.on_response(resp.status, resp.headers, resp.body, 10);
    ASSERT_TRUE(s.next_request(10));
    s.on_response(409, {}, "", 10);
    EXPECT_EQ(s.state(), State::Failed);
    EXPECT_NE(s.error().find("runlog sync"), std::string::npos);
}

TEST(Sender, GivesUpAfterBudgetAndSaysSync) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.file_stream_max_retries = 3;
    Sender s(st);
    Driver d{s, srv, [](const HttpRequest &r) {
                 fake::Fault f;
                 if (r.kind == HttpRequest::Kind::FileStream) f.action = fake::Fault::StatusBefore, f.status = 503;
                 return f;
             }};
    d.run(Journal::make(100));
    ASSERT_EQ(s.state(), State::GaveUp);
    EXPECT_NE(s.error().find("4 attempts"), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("HTTP 503"), std::string::npos) << s.error();
    EXPECT_NE(s.error().find("runlog sync"), std::string::npos) << s.error();
    EXPECT_EQ(s.acked()["history_lines"], 0);
}

TEST(Sender, ResumeFromPersistedProgressSendsNothingTwice) {
    fake::Server srv;
    Journal jn = Journal::make(10000, true, 2);
    std::string persisted;
    {
        Sender s(settings_for(srv));
        Driver d{s, srv, {}};
        // Stop once some rows are acknowledged: the process died mid-run.
        uint64_t seen = 0;
        int persisted_times = 0;
        d.run(jn, 50, 0, [&] {
            if (s.progress_generation() != seen) seen = s.progress_generation(), persisted_times++;
            return s.progress().history_lines >= 4000;
        });
        EXPECT_GT(persisted_times, 3);
        ASSERT_FALSE(s.finished());
        persisted = s.acked().dump();  // what the driver writes beside the journal
    }
    const uint64_t before = srv.lines_received;
    ASSERT_GE(before, 4000u);
    Progress p;
    std::string err;
    ASSERT_TRUE(Progress::from_json(json::parse(persisted), p, &err)) << err;
    EXPECT_EQ(p.history_lines, before);
    EXPECT_EQ(p.storage_id, srv.storage_id);
    Sender s2(settings_for(srv), p);
    Driver d2{s2, srv, {}};
    d2.run(jn);  // the whole journal again, as `runlog sync` would read it
    ASSERT_EQ(s2.state(), State::Done) << s2.error();
    expect_exactly_once(srv, 10000);
    EXPECT_EQ(srv.lines_received, 10000u);  // nothing sent twice
    EXPECT_EQ(srv.overwrites, 0u);
    EXPECT_EQ(srv.exitcode, 2);
    EXPECT_EQ(srv.viewers, 1);  // the entity came from the progress the second time
    EXPECT_EQ(srv.upsert_vars.back()["id"], srv.storage_id);

    // And a third sender from the final progress has nothing to do.
    Progress done;
    ASSERT_TRUE(Progress::from_json(s2.acked(), done, &err));
    Sender s3(settings_for(srv), done);
    Driver d3{s3, srv, {}};
    d3.run(jn);
    EXPECT_EQ(s3.state(), State::Done);
    EXPECT_EQ(d3.requests, 0);
}

TEST(Sender, ProgressRejectsGarbage) {
    Progress p;
    std::string err;
    EXPECT_FALSE(Progress::from_json(json::array(), p, &err));
    EXPECT_FALSE(Progress::from_json(json{{"version", 2}}, p, &err));
    EXPECT_NE(err.find("version"), std::string::npos);
    EXPECT_FALSE(Progress::from_json(json{{"version", 1}, {"history_lines", -3}}, p, &err));
}

TEST(Sender, OversizeLineSkippedWithWarning) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.max_line_bytes = 1000;
    Sender s(st);
    Journal jn = Journal::make(0, false);
    jn.add(RecordKind::History, "{\"_step\":0}");
    jn.add(RecordKind::History, "{\"_step\":99,\"blob\":\"" + std::string(2000, 'x') + "\"}");
    jn.add(RecordKind::History, "{\"_step\":1}");
    jn.add(RecordKind::Exit, "{\"exit_code\":0,\"runtime\":1}");
    Driver d{s, srv, {}};
    d.run(jn);
    ASSERT_EQ(s.state(), State::Done) << s.error();
    expect_exactly_once(srv, 2);  // offsets 0 and 1: the skipped line takes no offset
    EXPECT_EQ(s.acked()["skipped_lines"], 1);
    bool warned = false;
    for (const auto &m : s.take_messages())
        if (m.level == Message::Level::Warning && m.text.find("skipped") != std::string::npos) warned = true;
    EXPECT_TRUE(warned);
}

TEST(Sender, RequestsStayUnderTheSizeCap) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.max_request_bytes = 64 * 1024;
    Sender s(st);
    Driver d{s, srv, {}};
    d.run(Journal::make(5000));
    ASSERT_EQ(s.state(), State::Done) << s.error();
    expect_exactly_once(srv, 5000);
    EXPECT_GT(srv.posts, 5);
    for (const auto &b : srv.file_stream_bodies) EXPECT_LE(b.size(), st.max_request_bytes);
}

TEST(Sender, FinalCompleteAndExitCode) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Driver d{s, srv, {}};
    d.run(Journal::make(3, true, 7));
    ASSERT_EQ(s.state(), State::Done);
    EXPECT_TRUE(srv.complete);
    EXPECT_EQ(srv.exitcode, 7);
    json last = json::parse(srv.file_stream_bodies.back());
    EXPECT_EQ(last["complete"], true);
    EXPECT_EQ(last["exitcode"], 7);
    // A short run: everything in one body, as wandb-core does.
    EXPECT_EQ(last["files"]["wandb-history.jsonl"]["offset"], 0);
    EXPECT_EQ(last["files"]["wandb-history.jsonl"]["content"].size(), 3u);
    EXPECT_EQ(last["files"]["wandb-summary.json"]["offset"], 0);
    EXPECT_TRUE(s.acked()["complete"].get<bool>());
}

TEST(Sender, NoCompleteWhenDisabled) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.send_complete = false;
    Sender s(st);
    Driver d{s, srv, {}};
    d.run(Journal::make(3, true, 0));
    EXPECT_EQ(s.state(), State::Done);
    EXPECT_FALSE(srv.complete);
    EXPECT_EQ(srv.history.size(), 3u);
}

TEST(Sender, UpsertBucketMatchesWandbCoreShape) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Driver d{s, srv, {}};
    d.run(Journal::make(1));
    ASSERT_FALSE(srv.upsert_vars.empty());
    const json &v = srv.upsert_vars.front();
    std::ifstream f(std::string(RUNLOG_SOURCE_DIR) + "/tests/server/fixtures/py-graphql-UpsertBucket-create.json");
    ASSERT_TRUE(f) << "fixture missing";
    json fixture = json::parse(f);
    json fvars = fixture["body"].contains("variables") ? fixture["body"]["variables"] : json::parse(
        fixture["body"].get<std::string>())["variables"];
    for (auto it = fvars.begin(); it != fvars.end(); ++it) EXPECT_TRUE(v.contains(it.key())) << it.key();
    EXPECT_EQ(v.size(), fvars.size());
    EXPECT_EQ(v["name"], "r1abc");
    EXPECT_EQ(v["project"], "proj");
    EXPECT_EQ(v["entity"], "runlog-tester");
    EXPECT_EQ(v["groupName"], "g");
    EXPECT_EQ(v["jobType"], "train");
    EXPECT_EQ(v["displayName"], "my-run");
    EXPECT_EQ(v["tags"], json({"a", "b"}));
    EXPECT_EQ(v["description"], nullptr);
    ASSERT_TRUE(v["config"].is_string());  // JSONString
    json cfg = json::parse(v["config"].get<std::string>());
    EXPECT_EQ(cfg["lr"], json({{"value", 0.01}}));
    EXPECT_EQ(cfg["model"]["value"]["depth"], 3);
    ASSERT_TRUE(cfg["_wandb"]["value"].contains("t"));
    EXPECT_EQ(cfg["_wandb"]["value"]["t"]["13"], "linux-x86_64");
}

TEST(Sender, RequestHeadersAndUrl) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "my team";
    Sender s(st);
    for (auto &r : Journal::make(1, false).recs) s.on_record(r);
    auto up = s.next_request(0);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->url, srv.base + "/graphql");
    std::map<std::string, std::string> h(up->headers.begin(), up->headers.end());
    EXPECT_EQ(h["Authorization"], "Basic " + base64(std::string("api:") + kKey));
    EXPECT_EQ(h["Content-Type"], "application/json");
    EXPECT_FALSE(h["User-Agent"].empty());
    auto resp = srv.handle(*up);
    s.on_response(resp.status, resp.headers, resp.body, 0);
    auto fs = s.next_request(0);
    ASSERT_TRUE(fs);
    EXPECT_EQ(fs->url, srv.base + "/files/my%20team/proj/r1abc/file_stream");
}

TEST(Sender, ContinuesAtServerHistoryLineCount) {
    fake::Server srv;
    srv.preset_history_lines = 20;
    Sender s(settings_for(srv));
    Driver d{s, srv, {}};
    d.run(Journal::make(5));
    ASSERT_EQ(s.state(), State::Done);
    ASSERT_EQ(srv.history.size(), 5u);
    EXPECT_EQ(srv.history.begin()->first, 20u);
    EXPECT_EQ(s.acked()["history_lines"], 25);
}

TEST(Sender, HeartbeatWhenIdle) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Journal jn = Journal::make(2, false);
    Driver d{s, srv, {}};
    double end = 0;
    d.run(jn, 0, 0, [&] {
        if (end == 0) end = d.now + 100;
        return d.now >= end;
    });
    EXPECT_GE(srv.heartbeats, 3);  // 100 s idle, one `{}` per 30 s
    EXPECT_LE(srv.heartbeats, 4);
    EXPECT_EQ(srv.history.size(), 2u);
}

TEST(Sender, LaterConfigIsADebouncedUpdateUpsert) {
    fake::Server srv;
    Sender s(settings_for(srv));
    Journal jn = Journal::make(2, false);
    jn.add(RecordKind::Config, "{\"update\":{\"batch\":64}}");
    jn.add(RecordKind::Exit, "{\"exit_code\":0,\"runtime\":3}");
    Driver d{s, srv, {}};
    d.run(jn, 1);
    ASSERT_EQ(s.state(), State::Done) << s.error();
    ASSERT_EQ(srv.upserts, 2);
    const json &u = srv.upsert_vars.back();
    EXPECT_EQ(u["id"], srv.storage_id);
    EXPECT_EQ(u["groupName"], nullptr);  // only the config group
    json cfg = json::parse(u["config"].get<std::string>());
    EXPECT_EQ(cfg["batch"]["value"], 64);
}

TEST(Sender, StoppedFromServerIsReported) {
    fake::Server srv;
    Settings st = settings_for(srv);
    st.entity = "e";
    Sender s(st);
    for (auto &r : Journal::make(1, false).recs) s.on_record(r);
    auto r = s.next_request(0);
    auto resp = srv.handle(*r);
    s.on_response(resp.status, resp.headers, resp.body, 0);
    ASSERT_TRUE(s.next_request(0));
    s.on_response(200, {}, "{\"exitcode\":null,\"limits\":{},\"stopped\":true}", 0);
    EXPECT_TRUE(s.stopped_by_server());
}

TEST(SenderHelpers, Base64AndRetryAfter) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("api:0123456789abcdef0123456789abcdef01234567"),
              "YXBpOjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc=");  // fixtures/py-graphql-Viewer.json
    EXPECT_EQ(parse_retry_after("7"), 7.0);
    EXPECT_EQ(parse_retry_after(" 2.5 "), 2.5);
    EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
    EXPECT_FALSE(parse_retry_after(""));
}

// An in-process fake of the W&B protocol subset the sender speaks: Viewer,
// UpsertBucket, file_stream (lines stored by absolute offset, so a resend
// overwrites), Basic auth, and fault injection. Modelled on
// tests/server/wbserver.py and the shapes in tests/server/fixtures/.
#pragma once
#include <functional>
#include <map>
#include <random>
#include <string>

#include "sender/sender.h"

namespace fake {

using runlog::json;
using runlog::sender::Headers;
using runlog::sender::HttpRequest;

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
};

struct Server {
    std::string base = "http://127.0.0.1:1";
    std::string api_key = "0123456789abcdef0123456789abcdef01234567";
    std::string default_entity = "runlog-tester";
    uint64_t preset_history_lines = 0;  // historyLineCount of an existing run

    // What arrived.
    std::map<uint64_t, std::string> history;   // offset -> line
    uint64_t lines_received = 0;                // every history line in every applied post
    uint64_t overwrites = 0;                    // same offset again, same text
    uint64_t conflicting_overwrites = 0;        // same offset, different text
    std::string summary_line;
    bool complete = false;
    int exitcode = -1;
    int viewers = 0, upserts = 0, posts = 0, heartbeats = 0;
    std::vector<json> upsert_vars;
    std::vector<std::string> file_stream_bodies;
    std::string entity, project, run, storage_id = "UnVuOnYxOmZha2U=";

    bool auth_ok(const HttpRequest &r) const {
        for (const auto &h : r.headers)
            if (h.first == "Authorization") return h.second == "Basic " + runlog::sender::base64("api:" + api_key);
        return false;
    }

    Response handle(const HttpRequest &r) {
        if (r.method != "POST") return {405, {}, "{}"};
        if (!auth_ok(r)) return {401, {}, "{\"errors\":[{\"message\":\"user is not logged in\"}]}"};
        std::string path = r.url.substr(base.size());
        json body = json::parse(r.body);
        if (path == "/graphql") {
            const std::string op = body.value("operationName", "");
            if (op == "Viewer") {
                viewers++;
                return {200, {}, json{{"data", {{"viewer", {{"id", "VXNlcjox"}, {"entity", default_entity},
                                                              {"username", "tester"}, {"email", "t@example.invalid"},
                                                              {"flags", "{}"}}}}}}.dump()};
            }
            if (op == "UpsertBucket") {
                upserts++;
                const json &v = body["variables"];
                upsert_vars.push_back(v);
                if (v["entity"].is_string()) entity = v["entity"];
                else if (entity.empty()) entity = default_entity;
                if (v["project"].is_string()) project = v["project"];
                if (v["name"].is_string()) run = v["name"];
                if (complete) complete = false, exitcode = -1;  // a new session
                json bucket{{"id", storage_id}, {"name", run}, {"displayName", "misty-star-1"},
                            {"description", nullptr}, {"config", v["config"]}, {"sweepName", nullptr},
                            {"project", {{"id", "UHJvamVjdDox"}, {"name", project},
                                         {"entity", {{"id", "RW50aXR5OjE="}, {"name", entity}}}}},
                            {"historyLineCount", history.empty() ? preset_history_lines : history.rbegin()->first + 1}};
                return {200, {}, json{{"data", {{"upsertBucket", {{"bucket", bucket}, {"inserted", upserts == 1}}}}}}.dump()};
            }
            return {200, {}, "{\"errors\":[{\"message\":\"unknown operation\"}]}"};
        }
        const std::string want = "/files/" + entity + "/" + project + "/" + run + "/file_stream";
        if (path != want) return {404, {}, "{\"error\":\"run not found: " + path + "\"}"};
        file_stream_bodies.push_back(r.body);
        if (body.empty()) heartbeats++;
        else posts++;
        if (auto f = body.find("files"); f != body.end()) {
            if (auto h = f->find("wandb-history.jsonl"); h != f->end()) {
                uint64_t off = (*h)["offset"];
                for (const auto &line : (*h)["content"]) {
                    std::string text = line;
                    lines_received++;
                    auto it = history.find(off);
                    if (it != history.end()) {
                        overwrites++;
                        if (it->second != text) conflicting_overwrites++;
                    }
                    history[off++] = text;
                }
            }
            if (auto s = f->find("wandb-summary.json"); s != f->end()) summary_line = (*s)["content"].back();
        }
        if (body.value("complete", false)) {
            complete = true;
            exitcode = body.value("exitcode", -1);
        }
        return {200, {}, "{\"exitcode\":null,\"limits\":{}}"};
    }
};

// A fault decision for one request.
struct Fault {
    enum Action { None, StatusBefore, LostResponse } action = None;  // LostResponse: applied, answer lost (status 0)
    int status = 0;
    Headers headers;
};
using FaultFn = std::function<Fault(const HttpRequest &)>;

}  // namespace fake

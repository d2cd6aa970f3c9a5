#include "upload/resume_status.h"

#include <cmath>

namespace runlog::upload {
namespace {

const char *kQuery =
    "query RunResumeStatus($project: String, $entity: String, $name: String!) {\n"
    "  model(name: $project, entityName: $entity) {\n"
    "    id\n    name\n    entity {\n      id\n      name\n    }\n"
    "    bucket(name: $name, missingOk: true) {\n"
    "      id\n      name\n      summaryMetrics\n      displayName\n      logLineCount\n"
    "      historyLineCount\n      eventsLineCount\n      historyTail\n      eventsTail\n"
    "      config\n      tags\n      notes\n      wandbConfig(keys: [\"t\"])\n"
    "    }\n  }\n}\n";

// A JSON-encoded string field parsed; null/absent/garbage gives `fallback`.
json parse_string_field(const json &obj, const char *key, json fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return fallback;
    json v;
    if (parse_json_value(it->get<std::string>(), v, nullptr) != JsonError::None) return fallback;
    return v;
}

// The last row of a *Tail field: a JSON array of JSON-encoded rows.
json last_tail_row(const json &bucket, const char *key) {
    json arr = parse_string_field(bucket, key, json::array());
    if (!arr.is_array() || arr.empty() || !arr.back().is_string()) return json::object();
    json row;
    if (parse_json_value(arr.back().get<std::string>(), row, nullptr) != JsonError::None || !row.is_object())
        return json::object();
    return row;
}

double number_or(const json &obj, const char *key, double fallback) {
    if (!obj.is_object()) return fallback;
    auto it = obj.find(key);
    return it != obj.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

std::string resume_status_body(const std::string &entity, const std::string &project, const std::string &run_id) {
    json vars = {{"project", project}, {"name", run_id}};
    vars["entity"] = entity.empty() ? json(nullptr) : json(entity);
    json body = {{"query", kQuery}, {"variables", vars}, {"operationName", "RunResumeStatus"}};
    return to_json_text(body);
}

bool parse_resume_status(const std::string &body, ServerRun &out, std::string &why) {
    json j;
    std::string msg;
    if (parse_json_value(body, j, &msg) != JsonError::None || !j.is_object()) {
        why = "the answer is not JSON (" + msg + ")";
        return false;
    }
    if (j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
        const json &e = j["errors"][0];
        why = "the server answered with an error: " +
              (e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>()
                                                                                  : e.dump());
        return false;
    }
    out = ServerRun{};
    const json *model = nullptr;
    if (j.contains("data") && j["data"].is_object() && j["data"].contains("model")) model = &j["data"]["model"];
    if (!model || !model->is_object()) return true;  // no such project: the run does not exist
    auto bit = model->find("bucket");
    if (bit == model->end() || !bit->is_object()) return true;
    const json &bucket = *bit;
    const json wandb_config = parse_string_field(bucket, "wandbConfig", json::object());
    out.exists = wandb_config.is_object() && wandb_config.contains("t");
    if (!out.exists) return true;

    if (bucket.contains("historyLineCount") && bucket["historyLineCount"].is_number_unsigned())
        out.history_lines = bucket["historyLineCount"].get<uint64_t>();
    json summary = parse_string_field(bucket, "summaryMetrics", json::object());
    if (!summary.is_object()) summary = json::object();
    const json history_tail = last_tail_row(bucket, "historyTail");
    const json events_tail = last_tail_row(bucket, "eventsTail");

    // Runtime: the max of events-tail _runtime, summary._wandb.runtime (or
    // summary._runtime) and history-tail _runtime.
    double runtime = number_or(events_tail, "_runtime", 0);
    double srt = summary.contains("_wandb") ? number_or(summary["_wandb"], "runtime", -1) : -1;
    if (srt < 0) srt = number_or(summary, "_runtime", 0);
    runtime = std::max({runtime, srt, number_or(history_tail, "_runtime", 0)});
    out.runtime = std::isfinite(runtime) ? runtime : 0;

    // Starting step: summary._step (integers only), overridden by the history
    // tail's _step, then +1 when the server holds history lines.
    int64_t step = 0;
    if (summary.contains("_step") && summary["_step"].is_number_integer()) step = summary["_step"].get<int64_t>();
    if (history_tail.contains("_step") && history_tail["_step"].is_number_integer())
        step = history_tail["_step"].get<int64_t>();
    if (out.history_lines > 0) step += 1;
    out.starting_step = step < 0 ? 0 : step;

    json config = parse_string_field(bucket, "config", json::object());
    if (config.is_object())
        for (auto it = config.begin(); it != config.end(); ++it) {
            if (it.key() == "_wandb") continue;
            const json &v = it.value();
            out.config[it.key()] = v.is_object() && v.contains("value") ? v["value"] : v;
        }
    for (auto it = summary.begin(); it != summary.end(); ++it) {
        const std::string &k = it.key();
        if (k == "_wandb" || k == "_step" || k == "_runtime" || k == "_timestamp") continue;
        out.summary[k] = it.value();
    }
    if (bucket.contains("tags") && bucket["tags"].is_array())
        for (const auto &t : bucket["tags"])
            if (t.is_string()) out.tags.push_back(t.get<std::string>());
    if (bucket.contains("notes") && bucket["notes"].is_string()) out.notes = bucket["notes"].get<std::string>();
    return true;
}

}  // namespace runlog::upload

#include "run_model.h"

#include "json_scan.h"

namespace runlog {

void RunModel::note_row_stamps(const json &row) {
    rows++;
    if (auto it = row.find("_step"); it != row.end() && it->is_number_integer())
        last_step = it->get<int64_t>();
    if (auto it = row.find("_runtime"); it != row.end() && it->is_number()) runtime = it->get<double>();
    if (auto it = row.find("_timestamp"); it != row.end() && it->is_number())
        last_timestamp = it->get<double>();
}

namespace {

// The value at a dotted path ("val.epoch" is {"val": {"epoch": ...}}), or null.
const json *at_path(const json &row, const std::string &dotted) {
    const json *node = &row;
    size_t start = 0;
    for (;;) {
        const size_t dot = dotted.find('.', start);
        const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!node->is_object()) return nullptr;
        auto it = node->find(key);
        if (it == node->end()) return nullptr;
        node = &*it;
        if (dot == std::string::npos) return node;
        start = dot + 1;
    }
}

void set_path(json &row, const std::string &dotted, double value) {
    json *node = &row;
    size_t start = 0;
    for (;;) {
        const size_t dot = dotted.find('.', start);
        const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (dot == std::string::npos) {
            (*node)[key] = value;
            return;
        }
        json &child = (*node)[key];
        if (!child.is_object()) child = json::object();
        node = &child;
        start = dot + 1;
    }
}

// Dotted paths of the leaves under path (which names v).
void leaf_paths(const json &v, std::string &path, std::vector<std::string> &out) {
    if (v.is_object() && !v.empty()) {
        const size_t base = path.size();
        for (auto it = v.begin(); it != v.end(); ++it) {
            path.push_back('.');
            path += it.key();
            leaf_paths(it.value(), path, out);
            path.resize(base);
        }
        return;
    }
    out.push_back(path);
}

}  // namespace

void RunModel::fill_step_metrics(json &row) {
    // W&B core (handler flushPartialHistory): update each step metric's latest
    // value from the row, then give every key whose metric has step_sync its
    // step metric's latest value when the row lacks it.
    const auto &metrics = summary.metrics();
    for (const auto &m : metrics) {
        if (m.step_metric.empty()) continue;
        if (const json *v = at_path(row, m.step_metric); v && v->is_number())
            step_latest_[m.step_metric] = v->get<double>();
    }
    std::vector<std::string> paths;
    std::string scratch;
    for (auto it = row.begin(); it != row.end(); ++it) {
        if (it.key().empty() || it.key()[0] == '_') continue;
        scratch = it.key();
        leaf_paths(it.value(), scratch, paths);
    }
    for (const auto &p : paths) {
        const MetricDef *best = nullptr;
        for (const auto &m : metrics)
            if (m.matches(p) && (!best || (!m.glob && best->glob))) best = &m;
        if (!best || !best->step_sync || best->step_metric.empty()) continue;
        if (at_path(row, best->step_metric)) continue;
        auto latest = step_latest_.find(best->step_metric);
        if (latest != step_latest_.end()) set_path(row, best->step_metric, latest->second);
    }
}

void RunModel::on_history(json &row) {
    if (step_sync_) fill_step_metrics(row);
    summary.observe_row(row);
    note_row_stamps(row);
}

namespace {

// Feeds a row's leaves to the summary and picks up the stamps on the way.
struct RowVisitor final : LeafVisitor {
    RunModel &m;
    explicit RowVisitor(RunModel &model) : m(model) {}
    void number(const std::string &path, double v) override {
        m.summary.observe_number(path, v);
        if (path == "_runtime") m.runtime = v;
        else if (path == "_timestamp") m.last_timestamp = v;
    }
    void integer(const std::string &path, int64_t v) override {
        m.summary.observe(path, json(v));
        if (path == "_step") m.last_step = v;
        else if (path == "_runtime") m.runtime = double(v);
        else if (path == "_timestamp") m.last_timestamp = double(v);
    }
    void other(const std::string &path, const json &v) override { m.summary.observe(path, v); }
};

}  // namespace

void RunModel::on_history_text(std::string_view row_text) {
    RowVisitor visitor(*this);
    visit_leaves(row_text, visitor);
    rows++;
}

void RunModel::on_config(const json &update) {
    if (!update.is_object()) return;
    for (auto it = update.begin(); it != update.end(); ++it) config[it.key()] = it.value();
}

void RunModel::on_summary(const json &update, const json &remove) {
    if (update.is_object())
        for (auto it = update.begin(); it != update.end(); ++it) {
            if (it.value().is_null()) summary.remove(it.key());
            else summary.set_explicit(it.key(), it.value());
        }
    if (remove.is_array())
        for (const auto &k : remove)
            if (k.is_string()) summary.remove(k.get<std::string>());
}

void RunModel::on_metric(const MetricDef &metric) {
    summary.define(metric);
    if (metric.step_sync && !metric.step_metric.empty()) step_sync_ = true;
}

void RunModel::on_exit(int code, double runtime_seconds) {
    finished = true;
    exit_code = code;
    if (runtime_seconds > runtime) runtime = runtime_seconds;
}

json RunModel::summary_file() const {
    json s = summary.to_json();
    s["_wandb"] = json{{"runtime", int64_t(runtime)}};
    return s;
}

void RunModel::apply(journal::RecordKind kind, std::string_view text) {
    if (kind == journal::RecordKind::History) {
        ScannedObject scanned;
        if (scan_json_object(text, scanned, nullptr) != JsonError::None) {
            malformed++;
            return;
        }
        on_history_text(text);
        if (step_sync_) {
            // Keep the step metrics' latest values for a resumed run.
            json row;
            if (parse_json_object(text, row, nullptr) == JsonError::None)
                for (const auto &m : summary.metrics())
                    if (const json *v = m.step_metric.empty() ? nullptr : at_path(row, m.step_metric);
                        v && v->is_number())
                        step_latest_[m.step_metric] = v->get<double>();
        }
        return;
    }
    json j;
    if (parse_json_value(text, j, nullptr) != JsonError::None || !j.is_object()) {
        malformed++;
        return;
    }
    using journal::RecordKind;
    switch (kind) {
        case RecordKind::Run:
            if (run_info.empty()) run_info = j;
            if (auto it = j.find("config"); it != j.end()) on_config(*it);
            break;
        case RecordKind::History: break;  // handled above
        case RecordKind::Summary:
            on_summary(j.value("update", json::object()), j.value("remove", json::array()));
            break;
        case RecordKind::Config: on_config(j.value("update", json::object())); break;
        case RecordKind::Metric: {
            MetricDef m;
            if (MetricDef::from_json(j, m)) on_metric(m);
            else malformed++;
            break;
        }
        case RecordKind::Exit: {
            int code = j.value("exit_code", 0);
            double rt = j.value("runtime", 0.0);
            on_exit(code, rt);
            break;
        }
        case RecordKind::Resume:
            resumes++;
            finished = false;
            break;
        default: break;  // kinds from a newer writer are skipped
    }
}

Replay replay(journal::ByteSource source, size_t keep_rows,
              const std::function<void(const journal::Record &)> &on_record) {
    Replay out;
    journal::Reader reader(std::move(source));
    journal::Record rec;
    while (reader.next(rec)) {
        if (on_record) on_record(rec);
        out.model.apply(rec.kind, rec.json);
        if (keep_rows && rec.kind == journal::RecordKind::History) {
            out.last_rows.push_back(rec.json);
            if (out.last_rows.size() > keep_rows) out.last_rows.pop_front();
        }
    }
    out.read = reader.summary();
    return out;
}

}  // namespace runlog

#include "summary.h"

#include <algorithm>
#include <cmath>

namespace runlog {

json MetricDef::to_json() const {
    json j = json::object();
    j["name"] = glob ? name + "*" : name;
    if (!step_metric.empty()) j["step_metric"] = step_metric;
    json ops = json::array();
    if (summary & kSummaryMin) ops.push_back("min");
    if (summary & kSummaryMax) ops.push_back("max");
    if (summary & kSummaryMean) ops.push_back("mean");
    if (summary & kSummaryFirst) ops.push_back("first");
    if (summary & kSummaryLast) ops.push_back("last");
    if (summary & kSummaryNone) ops.push_back("none");
    j["summary"] = ops;
    j["hidden"] = hidden;
    j["step_sync"] = step_sync;
    return j;
}

bool MetricDef::from_json(const json &j, MetricDef &out) {
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return false;
    out = MetricDef{};
    std::string name = j["name"].get<std::string>();
    if (!name.empty() && name.back() == '*') {
        out.glob = true;
        name.pop_back();
    }
    out.name = name;
    if (auto it = j.find("step_metric"); it != j.end() && it->is_string())
        out.step_metric = it->get<std::string>();
    if (auto it = j.find("summary"); it != j.end() && it->is_array()) {
        for (const auto &op : *it) {
            if (!op.is_string()) continue;
            const auto &s = op.get_ref<const std::string &>();
            if (s == "min") out.summary |= kSummaryMin;
            else if (s == "max") out.summary |= kSummaryMax;
            else if (s == "mean") out.summary |= kSummaryMean;
            else if (s == "first") out.summary |= kSummaryFirst;
            else if (s == "last") out.summary |= kSummaryLast;
            else if (s == "none") out.summary |= kSummaryNone;
        }
    }
    if (auto it = j.find("hidden"); it != j.end() && it->is_boolean()) out.hidden = it->get<bool>();
    if (auto it = j.find("step_sync"); it != j.end() && it->is_boolean())
        out.step_sync = it->get<bool>();
    return true;
}

bool MetricDef::matches(std::string_view dotted_path) const {
    if (!glob) return dotted_path == name;
    // W&B: a glob never matches internal keys (leading underscore).
    if (!dotted_path.empty() && dotted_path[0] == '_') return false;
    return dotted_path.size() >= name.size() && dotted_path.compare(0, name.size(), name) == 0;
}

void Summary::define(const MetricDef &metric) {
    // A later definition of the same name replaces the earlier one.
    auto it = std::find_if(metrics_.begin(), metrics_.end(), [&](const MetricDef &m) {
        return m.name == metric.name && m.glob == metric.glob;
    });
    if (it != metrics_.end()) *it = metric;
    else metrics_.push_back(metric);
    ++generation_;
}

void Summary::refresh_ops(const std::string &path, Entry &e) const {
    if (e.generation == generation_) return;
    e.generation = generation_;
    e.ops = 0;
    if (metrics_.empty()) return;
    std::string dotted = path;
    std::replace(dotted.begin(), dotted.end(), kSep, '.');
    // Exact names win over globs; among globs, the longest prefix wins.
    const MetricDef *best = nullptr;
    for (const auto &m : metrics_) {
        if (!m.matches(dotted)) continue;
        if (!best || (!m.glob && best->glob) ||
            (m.glob == best->glob && m.name.size() > best->name.size()))
            best = &m;
    }
    if (best) e.ops = best->summary;
}

void Summary::replace_relatives(const std::string &path) {
    // Ancestors: "a\0b" makes "a" a parent, and "a" can no longer be a leaf.
    for (size_t sep = path.find(kSep); sep != std::string::npos; sep = path.find(kSep, sep + 1)) {
        std::string ancestor = path.substr(0, sep);
        entries_.erase(ancestor);
        parents_[ancestor]++;
    }
    // Descendants: "a" as a leaf replaces everything below it.
    if (auto it = parents_.find(path); it != parents_.end()) {
        parents_.erase(it);
        const std::string prefix = path + kSep;
        for (auto e = entries_.begin(); e != entries_.end();) {
            if (e->first.compare(0, prefix.size(), prefix) == 0) e = entries_.erase(e);
            else ++e;
        }
        for (auto p = parents_.begin(); p != parents_.end();) {
            if (p->first.compare(0, prefix.size(), prefix) == 0) p = parents_.erase(p);
            else ++p;
        }
    }
}

Summary::Entry &Summary::entry(const std::string &path) {
    auto found = entries_.find(path);
    if (found != entries_.end()) {
        refresh_ops(path, found->second);
        return found->second;
    }
    // A path seen for the first time may displace its relatives.
    if (!parents_.empty() || path.find(kSep) != std::string::npos) replace_relatives(path);
    Entry &e = entries_[path];
    refresh_ops(path, e);
    return e;
}

namespace {
template <class Entry>
void accumulate(Entry &e, double value) {
    if (std::isnan(value)) return;  // NaN would poison min/max/mean
    if (e.count == 0) e.min = e.max = value;
    else {
        e.min = std::min(e.min, value);
        e.max = std::max(e.max, value);
    }
    e.sum += value;
    e.count++;
}
}  // namespace

void Summary::observe_number(const std::string &path, double value) {
    Entry &e = entry(path);
    e.is_explicit = false;
    e.last = value;
    if (!e.has_first) {
        e.first = value;
        e.has_first = true;
    }
    accumulate(e, value);
}

void Summary::observe(const std::string &path, const json &value) {
    Entry &e = entry(path);
    e.is_explicit = false;
    e.last = value;
    if (!e.has_first) {
        e.first = value;
        e.has_first = true;
    }
    if (value.is_number()) accumulate(e, value.get<double>());
}

void Summary::walk(std::string &path, const json &value, bool top) {
    if (value.is_object() && !value.empty()) {
        const size_t base = path.size();
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!top) path.push_back(kSep);  // not `base`: a key may be ""
            path.append(it.key());
            walk(path, it.value(), false);
            path.resize(base);
        }
        return;
    }
    observe(path, value);
}

void Summary::observe_row(const json &row) {
    std::string path;
    path.reserve(64);
    walk(path, row, true);
}

void Summary::set_explicit(const std::string &key, const json &value) {
    replace_relatives(key);  // nested leaves under this key are superseded
    Entry &e = entry(key);
    e.is_explicit = true;
    e.explicit_value = value;
    // W&B clears the key's statistic flags: later rows give it its plain last
    // value, until define_metric is called again (a new generation).
    e.ops = 0;
    e.generation = generation_;
}

void Summary::remove(const std::string &key) {
    parents_.erase(key);
    const std::string prefix = key + kSep;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->first == key || it->first.compare(0, prefix.size(), prefix) == 0)
            it = entries_.erase(it);
        else ++it;
    }
}

json Summary::value_of(const Entry &e) const {
    if (e.is_explicit) return e.explicit_value;
    const uint32_t stats = e.ops & (kSummaryMin | kSummaryMax | kSummaryMean | kSummaryFirst | kSummaryLast);
    if (!stats) return e.last;
    json o = json::object();
    if (e.count > 0) {
        if (stats & kSummaryMin) o["min"] = e.min;
        if (stats & kSummaryMax) o["max"] = e.max;
        if (stats & kSummaryMean) o["mean"] = e.sum / double(e.count);
    }
    if (stats & kSummaryFirst) o["first"] = e.first;
    if (stats & kSummaryLast) o["last"] = e.last;
    return o;
}

json Summary::to_json() const {
    json out = json::object();
    for (const auto &[path, e] : entries_) {
        Entry copy = e;
        refresh_ops(path, copy);
        if ((copy.ops & kSummaryNone) && !copy.is_explicit) continue;
        json *node = &out;
        size_t start = 0;
        for (;;) {
            size_t sep = path.find(kSep, start);
            std::string key = path.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
            if (sep == std::string::npos) {
                (*node)[key] = value_of(copy);
                break;
            }
            json &child = (*node)[key];
            if (!child.is_object()) child = json::object();
            node = &child;
            start = sep + 1;
        }
    }
    return out;
}

}  // namespace runlog

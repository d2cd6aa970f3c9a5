// The run summary, as W&B derives it: the last value of every leaf of every
// recorded row, unless define_metric asked for statistics (min, max, mean,
// first, last) or none, or the user set a value explicitly.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_text.h"

namespace runlog {

// Bits match runlog_summary_op in runlog.h.
enum SummaryOp : uint32_t {
    kSummaryMin = 1u << 0,
    kSummaryMax = 1u << 1,
    kSummaryMean = 1u << 2,
    kSummaryFirst = 1u << 3,
    kSummaryLast = 1u << 4,
    kSummaryNone = 1u << 5,
    kSummaryAll = (1u << 6) - 1,
};

struct MetricDef {
    std::string name;         // a key path ("loss", "val.acc"); for a glob, the prefix
    bool glob = false;        // name ended with "*"
    std::string step_metric;  // x-axis metric, or empty
    uint32_t summary = 0;     // SummaryOp bits; 0 = last value
    bool hidden = false;
    bool step_sync = false;

    json to_json() const;
    static bool from_json(const json &j, MetricDef &out);
    bool matches(std::string_view dotted_path) const;
};

class Summary {
public:
    // Key paths are the nested keys joined with '\0' (a byte no key typed by a
    // person contains), so "a" → {"b": 1} is "a\0b".
    static constexpr char kSep = '\0';

    void define(const MetricDef &metric);
    const std::vector<MetricDef> &metrics() const { return metrics_; }

    // Every leaf of a recorded row (objects are walked, arrays are leaves).
    void observe_row(const json &row);
    void observe(const std::string &path, const json &value);
    void observe_number(const std::string &path, double value);

    // run.summary.update({key: value}): an explicit value for a top-level key.
    void set_explicit(const std::string &key, const json &value);
    void remove(const std::string &key);

    // The summary as a nested JSON object.
    json to_json() const;

private:
    struct Entry {
        json last;
        json first;
        bool has_first = false;
        double min = 0, max = 0, sum = 0;
        uint64_t count = 0;
        bool is_explicit = false;
        json explicit_value;
        uint32_t ops = 0;
        uint32_t generation = ~0u;
    };
    Entry &entry(const std::string &path);
    // W&B replaces a key's summary as a whole: a leaf replaces the nested keys
    // below it, a nested key replaces a leaf (or explicit value) above it.
    void replace_relatives(const std::string &path);
    void refresh_ops(const std::string &path, Entry &e) const;
    void walk(std::string &path, const json &value, bool top);
    json value_of(const Entry &e) const;

    std::unordered_map<std::string, Entry> entries_;
    std::unordered_map<std::string, uint32_t> parents_;  // paths with nested entries below
    std::vector<MetricDef> metrics_;
    uint32_t generation_ = 0;  // bumped by define(): cached ops go stale
};

}  // namespace runlog

// The summary, as W&B derives it: last values, define_metric statistics,
// globs, explicit values, nesting.
#include "summary.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using runlog::json;
using runlog::MetricDef;
using runlog::Summary;

json row(const char *text) { return json::parse(text); }

MetricDef metric(const std::string &name, uint32_t ops, bool glob = false) {
    MetricDef m;
    m.name = name;
    m.glob = glob;
    m.summary = ops;
    return m;
}

TEST(Summary, LastValueOfEveryLeaf) {
    Summary s;
    s.observe_row(row(R"({"loss": 1.0, "acc": 0.1, "_step": 0})"));
    s.observe_row(row(R"({"loss": 0.5, "_step": 1, "name": "x", "flag": true, "list": [1, 2], "nothing": null})"));
    json j = s.to_json();
    EXPECT_EQ(j["loss"], 0.5);
    EXPECT_EQ(j["acc"], 0.1);
    EXPECT_EQ(j["_step"], 1);
    EXPECT_TRUE(j["_step"].is_number_integer());
    EXPECT_EQ(j["name"], "x");
    EXPECT_EQ(j["flag"], true);
    EXPECT_EQ(j["list"], json::array({1, 2}));  // arrays are leaves
    EXPECT_TRUE(j.contains("nothing"));
    EXPECT_EQ(j.size(), 7u);
}

TEST(Summary, Statistics) {
    Summary s;
    s.define(metric("loss", runlog::kSummaryMin | runlog::kSummaryMax | runlog::kSummaryMean));
    s.define(metric("acc", runlog::kSummaryFirst | runlog::kSummaryLast));
    s.define(metric("lr", runlog::kSummaryNone));
    s.define(metric("best", runlog::kSummaryMax));
    for (double v : {3.0, 1.0, 2.0}) {
        json r = {{"loss", v}, {"acc", v * 10}, {"lr", v}, {"best", int(v)}};
        s.observe_row(r);
    }
    json j = s.to_json();
    EXPECT_EQ(j["loss"], json({{"min", 1.0}, {"max", 3.0}, {"mean", 2.0}}));
    EXPECT_EQ(j["acc"], json({{"first", 30.0}, {"last", 20.0}}));
    EXPECT_FALSE(j.contains("lr"));
    EXPECT_EQ(j["best"]["max"], 3);
}

TEST(Summary, NonFiniteValuesDoNotPoisonStatistics) {
    Summary s;
    s.define(metric("x", runlog::kSummaryMin | runlog::kSummaryMax | runlog::kSummaryMean | runlog::kSummaryLast));
    for (double v : {2.0, std::nan(""), 4.0}) s.observe_row(json{{"x", v}});
    json j = s.to_json();
    EXPECT_EQ(j["x"]["min"], 2.0);
    EXPECT_EQ(j["x"]["max"], 4.0);
    EXPECT_EQ(j["x"]["mean"], 3.0);
    EXPECT_EQ(j["x"]["last"], 4.0);
    s.observe_row(json{{"x", HUGE_VAL}});
    EXPECT_EQ(s.to_json()["x"]["max"].get<double>(), HUGE_VAL);
    // a metric whose every value is non-numeric has no min/max/mean
    Summary t;
    t.define(metric("s", runlog::kSummaryMin | runlog::kSummaryLast));
    t.observe_row(json{{"s", "text"}});
    EXPECT_EQ(t.to_json()["s"], json({{"last", "text"}}));
}

TEST(Summary, GlobMetrics) {
    Summary s;
    s.define(metric("train/", runlog::kSummaryMax, /*glob=*/true));
    s.define(metric("train/loss", runlog::kSummaryMin));             // exact beats glob
    s.define(metric("train/sub/", runlog::kSummaryMean, /*glob=*/true));  // longer prefix wins
    s.define(metric("", runlog::kSummaryNone, /*glob=*/true));       // "*": everything else
    s.observe_row(row(R"({"train/a": 1, "train/loss": 5, "train/sub/x": 2, "val": 7, "_step": 0})"));
    s.observe_row(row(R"({"train/a": 3, "train/loss": 4, "train/sub/x": 4, "val": 8, "_step": 1})"));
    json j = s.to_json();
    EXPECT_EQ(j["train/a"], json({{"max", 3}}));
    EXPECT_EQ(j["train/loss"], json({{"min", 4}}));
    EXPECT_EQ(j["train/sub/x"], json({{"mean", 3.0}}));
    EXPECT_FALSE(j.contains("val"));
    // keys starting with _ never match a glob
    EXPECT_EQ(j["_step"], 1);
    MetricDef g = metric("train/", 0, true);
    EXPECT_TRUE(g.matches("train/a"));
    EXPECT_TRUE(g.matches("train/"));
    EXPECT_FALSE(g.matches("trai"));
    EXPECT_FALSE(g.matches("val/train/a"));
    EXPECT_FALSE(metric("", 0, true).matches("_runtime"));
    EXPECT_TRUE(metric("loss", 0).matches("loss"));
    EXPECT_FALSE(metric("loss", 0).matches("loss2"));
}

TEST(Summary, DefineAfterValuesAndRedefine) {
    Summary s;
    s.observe_row(row(R"({"loss": 3})"));
    s.observe_row(row(R"({"loss": 1})"));
    EXPECT_EQ(s.to_json()["loss"], 1);
    s.define(metric("loss", runlog::kSummaryMin));
    s.observe_row(row(R"({"loss": 2})"));
    EXPECT_EQ(s.to_json()["loss"]["min"], 1);
    s.define(metric("loss", runlog::kSummaryMax));  // replaces the earlier definition
    EXPECT_EQ(s.to_json()["loss"], json({{"max", 3}}));
    EXPECT_EQ(s.metrics().size(), 1u);
}

TEST(Summary, ExplicitValueThenLaterLog) {
    Summary s;
    s.observe_row(row(R"({"loss": 0.5, "acc": 1})"));
    s.set_explicit("loss", 0.125);
    EXPECT_EQ(s.to_json()["loss"], 0.125);
    s.observe_row(row(R"({"acc": 2})"));  // another key: the explicit value stays
    EXPECT_EQ(s.to_json()["loss"], 0.125);
    s.observe_row(row(R"({"loss": 0.25})"));  // the key again: back to the last value
    EXPECT_EQ(s.to_json()["loss"], 0.25);
    // an explicit value also replaces statistics, and shows through "none"
    s.define(metric("acc", runlog::kSummaryNone));
    s.set_explicit("acc", "best");
    EXPECT_EQ(s.to_json()["acc"], "best");
    // a key that was never logged
    s.set_explicit("final", json{{"a", 1}});
    EXPECT_EQ(s.to_json()["final"], json({{"a", 1}}));
    s.remove("final");
    EXPECT_FALSE(s.to_json().contains("final"));
}

TEST(Summary, NestedObjects) {
    Summary s;
    s.observe_row(row(R"({"val": {"acc": 0.5, "loss": {"ce": 1, "l2": 2}}, "top": 1})"));
    s.observe_row(row(R"({"val": {"acc": 0.75}})"));
    json j = s.to_json();
    EXPECT_EQ(j["val"]["acc"], 0.75);
    EXPECT_EQ(j["val"]["loss"]["ce"], 1);  // leaves not logged again keep their last value
    EXPECT_EQ(j["top"], 1);
    // define_metric on a nested path uses dots
    Summary m;
    m.define(metric("val.acc", runlog::kSummaryMax));
    m.observe_row(row(R"({"val": {"acc": 0.5}})"));
    m.observe_row(row(R"({"val": {"acc": 0.25}})"));
    EXPECT_EQ(m.to_json()["val"]["acc"], json({{"max", 0.5}}));
    // an empty object is a leaf
    Summary e;
    e.observe_row(row(R"({"empty": {}})"));
    EXPECT_EQ(e.to_json()["empty"], json::object());
}

TEST(Summary, ExplicitValueOverNestedKeys) {
    Summary s;
    s.observe_row(row(R"({"a": {"b": 1, "c": 2}})"));
    s.set_explicit("a", 5);
    EXPECT_EQ(s.to_json()["a"], 5);
    // logging the key again (nested) replaces the explicit value
    s.observe_row(row(R"({"a": {"b": 3}})"));
    EXPECT_EQ(s.to_json()["a"], json({{"b", 3}}));
    s.observe_row(row(R"({"a": 4})"));
    EXPECT_EQ(s.to_json()["a"], 4);
    s.remove("a");
    EXPECT_FALSE(s.to_json().contains("a"));
}

TEST(Summary, ExplicitNestedValueThenScalarLog) {
    Summary s;
    s.set_explicit("a", json{{"x", 1}});
    s.observe_row(row(R"({"a": 2})"));
    EXPECT_EQ(s.to_json()["a"], 2);
}

TEST(MetricDef, JsonRoundTrip) {
    MetricDef m;
    m.name = "train/";
    m.glob = true;
    m.step_metric = "epoch";
    m.summary = runlog::kSummaryMin | runlog::kSummaryLast | runlog::kSummaryFirst;
    m.hidden = true;
    m.step_sync = true;
    json j = m.to_json();
    EXPECT_EQ(j["name"], "train/*");
    EXPECT_EQ(j["summary"], json({"min", "first", "last"}));
    MetricDef back;
    ASSERT_TRUE(MetricDef::from_json(j, back));
    EXPECT_EQ(back.name, "train/");
    EXPECT_TRUE(back.glob);
    EXPECT_EQ(back.step_metric, "epoch");
    EXPECT_EQ(back.summary, m.summary);
    EXPECT_TRUE(back.hidden);
    EXPECT_TRUE(back.step_sync);
    EXPECT_FALSE(MetricDef::from_json(json::array(), back));
    EXPECT_FALSE(MetricDef::from_json(json{{"name", 1}}, back));
    ASSERT_TRUE(MetricDef::from_json(json{{"name", "x"}, {"summary", {"none", "bogus", 3}}}, back));
    EXPECT_EQ(back.summary, uint32_t(runlog::kSummaryNone));
}

}  // namespace

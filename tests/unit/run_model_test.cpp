// replay(): what a journal means (config, summary, steps, exit, resumes).
#include "run_model.h"

#include <gtest/gtest.h>

#include "journal_writer.h"
#include "test_util.h"

namespace {

using runlog::json;
using runlog::journal::Encoder;
using runlog::journal::RecordKind;

struct Builder {
    std::string bytes;
    Encoder enc;
    Builder() { enc.encode_header(bytes); }
    Builder &add(RecordKind k, const std::string &text) {
        enc.encode(k, text, bytes);
        return *this;
    }
};

TEST(RunModel, ReplayRebuildsTheRun) {
    Builder b;
    b.add(RecordKind::Run, R"({"id":"abc","project":"p","config":{"a":1,"b":{"c":2}}})")
        .add(RecordKind::Config, R"({"update":{"a":10,"d":"x"}})")
        .add(RecordKind::Metric, R"({"name":"loss","summary":["min"],"hidden":false,"step_sync":false})");
    for (int i = 0; i < 5; ++i)
        b.add(RecordKind::History, "{\"loss\":" + std::to_string(5 - i) + ".5,\"_step\":" + std::to_string(i) +
                                       ",\"_runtime\":" + std::to_string(i) + ".25,\"_timestamp\":1700000000.5}");
    b.add(RecordKind::Summary, R"({"update":{"best":{"epoch":3}}})")
        .add(RecordKind::History, "not json")
        .add(RecordKind(42), "{\"from\":\"the future\"}")
        .add(RecordKind::Exit, R"({"exit_code":3,"runtime":12.5})");
    std::vector<std::string> kinds;
    runlog::Replay r = runlog::replay(runlog_test::view_source(b.bytes), 2, [&](const runlog::journal::Record &rec) {
        kinds.push_back(std::string(runlog::journal::kind_name(rec.kind)));
    });
    EXPECT_EQ(r.read.reason, runlog::journal::StopReason::End);
    EXPECT_EQ(r.read.records, 12u);
    ASSERT_EQ(kinds.size(), 12u);
    EXPECT_EQ(kinds.front(), "run");
    EXPECT_EQ(kinds[10], "unknown");
    EXPECT_EQ(kinds.back(), "exit");
    const runlog::RunModel &m = r.model;
    EXPECT_EQ(m.run_info["id"], "abc");
    EXPECT_EQ(m.config, json::parse(R"({"a":10,"b":{"c":2},"d":"x"})"));
    EXPECT_EQ(m.last_step, 4);
    EXPECT_EQ(m.rows, 5u);
    EXPECT_EQ(m.malformed, 1u);
    EXPECT_TRUE(m.finished);
    EXPECT_EQ(m.exit_code, 3);
    EXPECT_DOUBLE_EQ(m.runtime, 12.5);
    EXPECT_DOUBLE_EQ(m.last_timestamp, 1700000000.5);
    json s = m.summary.to_json();
    EXPECT_EQ(s["loss"], json({{"min", 1.5}}));
    EXPECT_EQ(s["best"]["epoch"], 3);
    EXPECT_EQ(s["_step"], 4);
    json file = m.summary_file();
    EXPECT_EQ(file["_wandb"]["runtime"], 12);
    EXPECT_TRUE(file["_wandb"]["runtime"].is_number_integer());
    ASSERT_EQ(r.last_rows.size(), 2u);  // keep_rows: the last two history records
    EXPECT_NE(r.last_rows.front().find("\"_step\":4"), std::string::npos);
    EXPECT_EQ(r.last_rows.back(), "not json");
}

TEST(RunModel, ResumeRecordsReopenTheRun) {
    Builder b;
    b.add(RecordKind::Run, R"({"id":"abc"})")
        .add(RecordKind::History, R"({"_step":0,"_runtime":1.0})")
        .add(RecordKind::Exit, R"({"exit_code":0,"runtime":2.0})")
        .add(RecordKind::Resume, R"({"starting_step":1})")
        .add(RecordKind::History, R"({"_step":1,"_runtime":3.0})");
    runlog::Replay r = runlog::replay(runlog_test::view_source(b.bytes));
    EXPECT_FALSE(r.model.finished);
    EXPECT_EQ(r.model.resumes, 1u);
    EXPECT_EQ(r.model.last_step, 1);
    EXPECT_DOUBLE_EQ(r.model.runtime, 3.0);
    EXPECT_TRUE(r.last_rows.empty());
}

TEST(RunModel, SummaryRemoveAndNull) {
    Builder b;
    b.add(RecordKind::History, R"({"a":1,"b":2,"_step":0})")
        .add(RecordKind::Summary, R"({"update":{"a":null}})")
        .add(RecordKind::Summary, R"({"remove":["b"]})");
    runlog::Replay r = runlog::replay(runlog_test::view_source(b.bytes));
    json s = r.model.summary.to_json();
    EXPECT_FALSE(s.contains("a"));
    EXPECT_FALSE(s.contains("b"));
    EXPECT_TRUE(s.contains("_step"));
}

TEST(RunModel, StepSyncFillsTheStepMetricOnTheWriterSide) {
    runlog::RunModel m;
    runlog::MetricDef d;
    d.name = "val_loss";
    d.step_metric = "epoch";
    d.step_sync = true;
    m.on_metric(d);
    EXPECT_TRUE(m.has_step_sync());
    json r1 = {{"epoch", 3}};
    m.on_history(r1);
    json r2 = {{"val_loss", 0.5}};
    m.on_history(r2);
    EXPECT_EQ(r2["epoch"], 3.0);
    json r3 = {{"val_loss", 0.4}, {"epoch", 7}};
    m.on_history(r3);
    EXPECT_EQ(r3["epoch"], 7);
}

TEST(RunModel, DamagedJournalStillReplaysItsPrefix) {
    Builder b;
    b.add(RecordKind::Run, R"({"id":"abc"})").add(RecordKind::History, R"({"_step":0})");
    const size_t good = b.bytes.size();
    b.add(RecordKind::History, R"({"_step":1})");
    std::string torn = b.bytes.substr(0, b.bytes.size() - 3);
    runlog::Replay r = runlog::replay(runlog_test::view_source(torn));
    EXPECT_EQ(r.read.reason, runlog::journal::StopReason::TornTail);
    EXPECT_EQ(r.read.good_offset, good);
    EXPECT_EQ(r.model.last_step, 0);
}

}  // namespace

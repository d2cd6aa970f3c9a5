// W&B's RunResumeStatus (WANDB_PROTOCOL.md §2.4): before a resumed run starts
// online, ask the server whether the run exists and where it stopped.
// Pure functions: the request body and the parsing of the answer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "json_text.h"

namespace runlog::upload {

struct ServerRun {
    bool exists = false;          // bucket present and wandbConfig has "t"
    int64_t starting_step = 0;    // the step the continued run starts at
    double runtime = 0;           // seconds the run already ran
    uint64_t history_lines = 0;
    json config = json::object(); // unwrapped ({k: v}), without _wandb
    json summary = json::object();// without _wandb, _step, _runtime, _timestamp
    std::vector<std::string> tags;
    std::string notes;
};

// The GraphQL request body; entity may be empty (the server's default).
std::string resume_status_body(const std::string &entity, const std::string &project, const std::string &run_id);
// Parses the answer; false + why when it is not a RunResumeStatus answer.
bool parse_resume_status(const std::string &body, ServerRun &out, std::string &why);

}  // namespace runlog::upload

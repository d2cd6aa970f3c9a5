// Run ids, default run names and the run-directory layout (W&B's shape).
// Pure functions: randomness comes in as bytes.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace runlog {

constexpr size_t kRunIdLength = 8;

// 8 characters of [a-z0-9] from random bytes (rejection sampling: no bias).
// `random` must supply fresh bytes each call.
template <class RandomBytes>
std::string make_run_id(RandomBytes &&random) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id;
    while (id.size() < kRunIdLength) {
        uint8_t buf[16];
        random(buf, sizeof buf);
        for (uint8_t b : buf) {
            if (b >= 252) continue;  // 252 = 7 * 36
            id.push_back(alphabet[b % 36]);
            if (id.size() == kRunIdLength) break;
        }
    }
    return id;
}

// A readable name such as "quiet-river-7" from 4 random bytes.
std::string make_run_name(uint32_t random);

// Empty when valid, else why not (W&B's rules: not empty, no surrounding
// spaces, none of : ; , # ? / ' and at most 64 characters).
std::string check_run_id(std::string_view id);
// W&B's project rules: at most 128 characters, none of / \ # ? % :
std::string check_project(std::string_view project);

// "offline-run-20261123_120000-abcd1234" (local time of the run's start).
std::string run_dir_name(bool offline, const std::tm &local_start, std::string_view id);
// "run-abcd1234.runlog"
std::string journal_file_name(std::string_view id);

struct RunDirName {
    bool offline = false;
    std::string timestamp;  // YYYYMMDD_HHMMSS
    std::string id;
};
// Parses a directory name made by run_dir_name.
bool parse_run_dir_name(std::string_view name, RunDirName &out);

}  // namespace runlog

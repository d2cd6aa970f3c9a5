#include "names.h"

#include <cstdio>

namespace runlog {

std::string make_run_name(uint32_t r) {
    static const char *const adjectives[] = {
        "amber", "bold", "brisk", "calm", "clever", "crisp", "dainty", "eager", "fancy",
        "gentle", "glad", "golden", "hardy", "honest", "jolly", "keen", "lively", "lucky",
        "mellow", "misty", "noble", "proud", "quiet", "rapid", "rosy", "silent", "silver",
        "smooth", "solar", "stellar", "sunny", "swift", "tidy", "vivid", "warm", "wise"};
    static const char *const nouns[] = {
        "breeze", "brook", "canyon", "cedar", "cloud", "comet", "dawn", "dune", "ember",
        "field", "fire", "forest", "frost", "glade", "harbor", "hill", "lake", "leaf",
        "meadow", "moon", "night", "ocean", "pine", "planet", "rain", "river", "sea",
        "shadow", "sky", "snow", "star", "stone", "sun", "thunder", "valley", "wave"};
    const size_t na = sizeof adjectives / sizeof *adjectives;
    const size_t nn = sizeof nouns / sizeof *nouns;
    std::string name = adjectives[r % na];
    name += '-';
    name += nouns[(r / na) % nn];
    name += '-';
    name += std::to_string((r / (na * nn)) % 100 + 1);
    return name;
}

std::string check_run_id(std::string_view id) {
    if (id.empty()) return "the run id is empty";
    if (id.size() > 64) return "the run id is longer than 64 characters";
    if (id.front() == ' ' || id.back() == ' ' || id.front() == '\t' || id.back() == '\t')
        return "the run id starts or ends with white space";
    for (char c : id)
        if (c == ':' || c == ';' || c == ',' || c == '#' || c == '?' || c == '/' || c == '\'' ||
            c == '\\' || static_cast<unsigned char>(c) < 0x20)
            return std::string("the run id contains the character '") + c +
                   "' (not allowed: : ; , # ? / ' \\ and control characters)";
    return {};
}

std::string check_project(std::string_view project) {
    if (project.empty()) return "the project name is empty";
    if (project.size() > 128) return "the project name is longer than 128 characters";
    for (char c : project)
        if (c == '/' || c == '\\' || c == '#' || c == '?' || c == '%' || c == ':')
            return std::string("the project name contains '") + c +
                   "' (not allowed: / \\ # ? % :)";
    return {};
}

std::string run_dir_name(bool offline, const std::tm &t, std::string_view id) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%04d%02d%02d_%02d%02d%02d", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
    std::string name = offline ? "offline-run-" : "run-";
    name += stamp;
    name += '-';
    name += id;
    return name;
}

std::string journal_file_name(std::string_view id) {
    return "run-" + std::string(id) + ".runlog";
}

bool parse_run_dir_name(std::string_view name, RunDirName &out) {
    out = RunDirName{};
    if (name.rfind("offline-", 0) == 0) {
        out.offline = true;
        name.remove_prefix(8);
    }
    if (name.rfind("run-", 0) != 0) return false;
    name.remove_prefix(4);
    if (name.size() < 17 || name[8] != '_' || name[15] != '-') return false;
    for (size_t i = 0; i < 15; ++i)
        if (i != 8 && (name[i] < '0' || name[i] > '9')) return false;
    out.timestamp = std::string(name.substr(0, 15));
    std::string_view rest = name.substr(16);
    out.id = std::string(rest);
    return !out.id.empty();
}

}  // namespace runlog

// ~/.netrc lookup: where `wandb login` stores the API key
// ("machine <host> login user password <key>").
#pragma once
#include <string>

namespace runlog {

// The password of the entry for `machine` in the netrc text ("" if none;
// the `default` entry is used when no machine matches).
std::string netrc_lookup(const std::string &text, const std::string &machine);
// Reads $NETRC, else $HOME/.netrc, and looks up machine.
std::string netrc_password_for(const std::string &machine);

}  // namespace runlog

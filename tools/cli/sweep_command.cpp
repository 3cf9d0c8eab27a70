#include "sweep_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "sim/scenario.h"
#include "sim/simulation.h"

extern char** environ;

namespace stacksim::cli {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_bad_input = 2;

struct axis {
    std::string path;
    std::vector<std::string> values;
};

std::vector<axis> parse_axes(const std::vector<std::string>& vary) {
    std::vector<axis> axes;
    for (const auto& v : vary) {
        const auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
            throw std::invalid_argument("--vary expects path=v1,v2,..., got '" + v + "'");
        axis a{v.substr(0, eq), {}};
        std::stringstream ss(v.substr(eq + 1));
        for (std::string item; std::getline(ss, item, ',');) {
            if (item.empty())
                throw std::invalid_argument("--vary '" + v + "' has an empty value");
            a.values.push_back(item);
        }
        axes.push_back(a);
    }
    return axes;
}

std::string self_exe() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw std::runtime_error("cannot find the stacksim executable: " + ec.message());
    return p.string();
}

pid_t spawn(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    return pid;
}

} // namespace

int run_sweep(const sweep_request& req) {
    std::vector<axis> axes;
    try {
        axes = parse_axes(req.vary);
        if (axes.empty())
            throw std::invalid_argument("sweep needs at least one --vary");
    } catch (const std::exception& e) {
        std::cerr << "stacksim: " << e.what() << "\n";
        return exit_bad_input;
    }
    // The cartesian product, last axis fastest.
    std::vector<std::vector<std::string>> variants{{}};
    for (const auto& a : axes) {
        std::vector<std::vector<std::string>> next;
        for (const auto& v : variants)
            for (const auto& value : a.values) {
                auto w = v;
                w.push_back(a.path + "=" + value);
                next.push_back(w);
            }
        variants = next;
    }
    // Validate every variant (load and elaborate) before running or writing anything.
    for (std::size_t k = 0; k < variants.size(); ++k) {
        std::vector<std::string> sets = req.sets;
        sets.insert(sets.end(), variants[k].begin(), variants[k].end());
        try {
            const sim::scenario sc = sim::load_scenario(req.scenario_path, sets, req.seed ? &*req.seed : nullptr);
            sim::simulation probe(sc, "");
        } catch (const std::exception& e) {
            std::string which;
            for (const auto& s : variants[k])
                which += " " + s;
            std::cerr << "stacksim: sweep variant " << k << " (" << which.substr(1) << "): " << e.what() << "\n";
            return exit_bad_input;
        }
    }

    std::filesystem::create_directories(req.out_dir);
    const std::string exe = self_exe();
    std::map<pid_t, std::size_t> running;
    std::vector<int> status(variants.size(), -1);
    std::size_t next = 0, done = 0;
    auto dir_of = [&](std::size_t k) { return req.out_dir + "/" + fmt::format("v{:03d}", k); };
    while (done < variants.size()) {
        while (next < variants.size() && running.size() < std::max(1u, req.jobs)) {
            std::vector<std::string> args{exe, "run", req.scenario_path, "--out", dir_of(next), "--quiet"};
            if (req.seed)
                args.insert(args.end(), {"--seed", std::to_string(*req.seed)});
            for (const auto& s : req.sets)
                args.insert(args.end(), {"--set", s});
            for (const auto& s : variants[next])
                args.insert(args.end(), {"--set", s});
            running[spawn(args)] = next++;
        }
        int st = 0;
        const pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0)
            break;
        const auto it = running.find(pid);
        if (it == running.end())
            continue;
        status[it->second] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        running.erase(it);
        ++done;
        std::fprintf(stderr, "\rsweep: %zu/%zu variants done", done, variants.size());
    }
    std::fputs("\n", stderr);

    // sweep.csv: one row per variant with its values, exit code and headline results.
    std::ofstream csv(req.out_dir + "/sweep.csv");
    csv << "variant,dir";
    for (const auto& a : axes)
        csv << "," << a.path;
    csv << ",exit_code,completed,expectations_passed,port_wh,network_loss_wh,cells_heat_wh,true_soc_pct\n";
    bool all_ok = true;
    for (std::size_t k = 0; k < variants.size(); ++k) {
        csv << k << "," << dir_of(k);
        for (const auto& s : variants[k])
            csv << "," << s.substr(s.find('=') + 1);
        csv << "," << status[k];
        all_ok = all_ok && status[k] == 0;
        std::ifstream in(dir_of(k) + "/summary.json");
        nlohmann::json j;
        if (in && (in >> j)) {
            csv << "," << j.value("completed", false) << "," << j.value("expectations_passed", true) << ","
                << j["energy_wh"].value("port", 0.0) << "," << j["energy_wh"].value("network_loss", 0.0) << ","
                << j["energy_wh"].value("cells_heat", 0.0) << "," << j["stack"].value("true_soc_pct", 0.0);
        } else {
            csv << ",,,,,,";
        }
        csv << "\n";
    }
    fmt::print("sweep: {} variants in {}/ (sweep.csv, v000/ ...)\n", variants.size(), req.out_dir);
    return all_ok ? exit_ok : exit_failed;
}

} // namespace stacksim::cli

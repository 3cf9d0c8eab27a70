// stacksim command line: run | validate | describe | netlist | sweep.
//
// Exit codes: 0 success, 1 simulation error, 2 bad input (scenario, parameters, options),
// 3 the run completed but an expectation of the scenario failed, 130 interrupted by
// SIGINT, 143 ended by SIGTERM (in both cases the outputs so far are complete and valid).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "numeric/spice_export.h"
#include "sim/scenario.h"
#include "sim/system.h"
#include "sim/simulation.h"
#include "sim/version.h"
#include "sweep_command.h"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_sim_error = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_expectations_failed = 3;
constexpr int exit_interrupted = 130;  // SIGINT (128 + 2)
constexpr int exit_terminated = 143;   // SIGTERM (128 + 15)

std::atomic<stacksim::sim::simulation*> g_running{nullptr};

std::atomic<int> g_signal{0};

// SIGINT and SIGTERM: the run stops at its next slice (in wall-clock mode within 50 ms) and every
// output file is completed. Only flags are set here (async-signal-safe).
extern "C" void on_stop_signal(int sig) {
    g_signal.store(sig);
    if (auto* s = g_running.load())
        s->request_stop();
}

void print_progress(double sim_s, double wall_s, double end_s) {
    const double frac = end_s > 0 ? sim_s / end_s : 1.0;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double ratio = wall_s > 0 ? sim_s / wall_s : 0.0;
    const double eta = ratio > 0 ? (end_s - sim_s) / ratio : 0.0;
    std::fprintf(stderr, "\r[%s%s] %5.1f%%  sim %.0f s  x%.0f real time  ETA %.0f s ", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), 100.0 * frac, sim_s, ratio, eta);
}

void print_summary(const nlohmann::json& s, const std::string& out) {
    fmt::print("scenario   {} (seed {})\n", s["scenario"].get<std::string>(), s["seed"].get<std::uint64_t>());
    fmt::print("simulated  {:.1f} s in {:.2f} s wall ({:.0f}x real time)\n", s["simulated_s"].get<double>(),
               s["wall_s"].get<double>(), s["realtime_factor"].get<double>());
    fmt::print("stack      {} modules, {} cells, true SoC {:.2f} %\n", s["modules"].get<int>(), s["cells"].get<int>(),
               s["stack"]["true_soc_pct"].get<double>());
    const auto& e = s["energy_wh"];
    fmt::print("energy     {:.1f} Wh through the inverter port, {:.2f} Wh lost in the network, {:.2f} Wh heat in cells\n",
               e["port"].get<double>(), e["network_loss"].get<double>(), e["cells_heat"].get<double>());
    fmt::print("buses      CAN {} frames (load {:.3f} %), RS485 {} frames, {} collisions; {} events\n",
               s["can"]["frames"].get<std::uint64_t>(), 100.0 * s["can"]["bus_load"].get<double>(),
               s["rs485"]["frames"].get<std::uint64_t>(), s["rs485"]["collisions"].get<std::uint64_t>(),
               s["events"].get<std::uint64_t>());
    if (s.contains("wallclock")) {
        const auto& w = s["wallclock"];
        const auto& l = w["lateness"];
        const auto& in = w["input_latency"];
        fmt::print("wallclock  x{:g}: lateness p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms over {} time points; "
                   "{} behind episodes; {} host inputs, latency p50 {:.3f} ms, p99 {:.3f} ms\n",
                   w["factor"].get<double>(), l["p50_ms"].get<double>(), l["p99_ms"].get<double>(),
                   l["max_ms"].get<double>(), l["samples"].get<std::uint64_t>(), w["behind_episodes"].get<std::uint64_t>(),
                   w["host_inputs"].get<std::uint64_t>(), in["p50_ms"].get<double>(), in["p99_ms"].get<double>());
        for (const auto& ep : w["endpoints"])
            fmt::print("           {}: {} in, {} out, {} malformed, {} dropped, {} connections\n",
                       ep["endpoint"].get<std::string>(), ep["rx"].get<std::uint64_t>(), ep["tx"].get<std::uint64_t>(),
                       ep["malformed"].get<std::uint64_t>(), ep["dropped"].get<std::uint64_t>(),
                       ep["connects"].get<std::uint64_t>());
    }
    if (!out.empty()) {
        std::string files;
        for (const char* f : {"timeseries.csv", "timeseries.h5", "can.log", "rs485.log", "events.jsonl", "waveforms.vcd",
                              "summary.json"})
            if (std::filesystem::exists(std::filesystem::path(out) / f))
                files += (files.empty() ? "" : ", ") + std::string(f);
        fmt::print("results    {}/ ({})\n", out, files);
    }
}

// Everything the command line sets, filled in by CLI11.
struct options {
    std::string scenario_path, out_dir;
    std::vector<std::string> sets;
    std::optional<std::string> seed_text; // checked by sim::parse_seed: the scenario key's range
    std::optional<std::uint64_t> seed;
    bool quiet = false;
    bool profile = false; // run --profile
    // Co-simulation (docs/cosim.md): each becomes the scenario key it names, as --set would.
    std::string realtime, can_bridge, can_external, rs485_bridge, control, firmware;
    // Size limits on every file read (numeric/input_file.h), in MB as the options give them.
    double max_input_mb = static_cast<double>(stacksim::num::input_limits{}.yaml_bytes) / stacksim::num::input_limits::mib;
    double max_profile_mb =
        static_cast<double>(stacksim::num::input_limits{}.profile_bytes) / stacksim::num::input_limits::mib;
    std::string netlist_at_text; // checked by run_netlist: a finite time within the scenario
    std::string netlist_out, netlist_map;
    stacksim::cli::sweep_request sweep_req;
};

struct commands {
    CLI::App* run;
    CLI::App* validate;
    CLI::App* describe;
    CLI::App* netlist;
    CLI::App* sweep;
};

commands define_commands(CLI::App& app, options& o) {
    auto add_limit_options = [&](CLI::App* cmd) {
        cmd->add_option("--max-input-mb", o.max_input_mb, "Largest scenario or parameter file (YAML) read, MB")
            ->capture_default_str()->check(CLI::Range(1e-3, 1e6));
        cmd->add_option("--max-profile-mb", o.max_profile_mb, "Largest CSV profile file read, MB")
            ->capture_default_str()->check(CLI::Range(1e-3, 1e6));
    };

    auto* run = app.add_subcommand("run", "Run a scenario and write its outputs");
    run->add_option("scenario", o.scenario_path, "Scenario YAML file")->required();
    run->add_option("--out", o.out_dir, "Output directory (created; default results/<scenario name>)");
    run->add_option("--seed", o.seed_text, "Override the scenario's seed (0 .. 2^53 - 1)");
    run->add_option("--set", o.sets, "Override a scenario value: dotted.path=value (repeatable)");
    run->add_flag("--quiet", o.quiet, "No progress bar");
    run->add_flag("--profile", o.profile,
                  "After the run, print where the time went (layers, counters; docs/performance.md) and add it to "
                  "summary.json as \"profile\"");
    run->add_flag("--realtime{1}", o.realtime,
                  "Wall-clock mode: pace simulated time to the wall clock, FACTOR x faster (--realtime=FACTOR; run.realtime)");
    run->add_option("--can-bridge", o.can_bridge,
                    "Join a host CAN interface: socketcand[:HOST]:PORT | slcan:PATH | socketcan:IFNAME (can.bridge)");
    run->add_option("--can-external", o.can_external, "Simulated CAN node a host device replaces: none | inverter | master (can.external)");
    run->add_option("--rs485-bridge", o.rs485_bridge,
                    "Attach a host serial program to the RS485 chain: pty:PATH[@link|@m0] | tcp:[HOST:]PORT[@POSITION] (rs485.bridge)");
    run->add_option("--control", o.control, "Live control port, JSON lines: tcp:[HOST:]PORT (run.control)");
    run->add_option("--firmware", o.firmware,
                    "Every module's BMS as this firmware unless stack.firmware names one: builtin | example | PATH "
                    "(stack.firmware.default)");

    auto* validate = app.add_subcommand("validate", "Check a scenario without running it");
    validate->add_option("scenario", o.scenario_path, "Scenario YAML file")->required();
    validate->add_option("--set", o.sets, "Override a scenario value: dotted.path=value (repeatable)");

    auto* describe = app.add_subcommand("describe", "List every parameter a scenario uses, with its source");
    describe->add_option("scenario", o.scenario_path, "Scenario YAML file")->required();
    describe->add_option("--set", o.sets, "Override a scenario value: dotted.path=value (repeatable)");

    auto* netlist = app.add_subcommand("netlist", "Write the power network as solved at a time, as a SPICE netlist");
    netlist->add_option("scenario", o.scenario_path, "Scenario YAML file")->required();
    netlist->add_option("--at", o.netlist_at_text, "Simulated time of the snapshot, s")->required();
    netlist->add_option("--out", o.netlist_out, "Netlist file (default: standard output)");
    netlist->add_option("--map", o.netlist_map, "Also write the name map (CSV: what,stacksim_name,spice_name)");
    netlist->add_option("--set", o.sets, "Override a scenario value: dotted.path=value (repeatable)");

    auto& sr = o.sweep_req;
    auto* sweep = app.add_subcommand("sweep", "Run every combination of --vary values, each in its own process");
    sweep->add_option("scenario", sr.scenario_path, "Scenario YAML file")->required();
    sweep->add_option("--vary", sr.vary, "dotted.path=v1,v2,... (repeatable; the product is run)")->required();
    sweep->add_option("--set", sr.sets, "Override for every variant: dotted.path=value (repeatable)");
    sweep->add_option("--out", sr.out_dir, "Output directory (sweep.csv and one folder per variant)")->required();
    sweep->add_option("--jobs", sr.jobs, "Variants run at once (default 1)");
    sweep->add_option("--seed", o.seed_text, "Override the scenario's seed for every variant (0 .. 2^53 - 1)");

    for (auto* cmd : {run, validate, describe, netlist})
        add_limit_options(cmd);
    return {run, validate, describe, netlist, sweep};
}

// Reads the scenario with the overrides, seed and size limits; an error is bad input.
std::optional<stacksim::sim::scenario> load(const options& o) {
    try {
        stacksim::num::input_limits limits;
        limits.yaml_bytes = stacksim::num::input_limits::bytes_from_mb(o.max_input_mb);
        limits.profile_bytes = stacksim::num::input_limits::bytes_from_mb(o.max_profile_mb);
        return stacksim::sim::load_scenario(o.scenario_path, o.sets, o.seed ? &*o.seed : nullptr, limits);
    } catch (const std::exception& e) {
        std::cerr << "stacksim: " << e.what() << "\n";
        return std::nullopt;
    }
}

// Elaboration is part of validation: an impossible topology or a cable or contact name that
// matches nothing is bad input, refused before any file exists. Null after an error (printed).
std::unique_ptr<stacksim::sim::simulation> elaborate(const stacksim::sim::scenario& sc, const options& o,
                                                     const std::string& out_dir) {
    try {
        return std::make_unique<stacksim::sim::simulation>(sc, out_dir);
    } catch (const stacksim::num::input_error& e) {
        std::cerr << "stacksim: " << e.what() << "\n"; // names the file and line itself
    } catch (const std::exception& e) {
        std::cerr << "stacksim: " << o.scenario_path << ": " << e.what() << "\n";
    }
    return nullptr;
}

int run_validate(const stacksim::sim::scenario& sc, const options& o) {
    // Elaborate too (no files, no time): an impossible topology or a wrong cable or contact
    // name is refused here as well.
    if (!elaborate(sc, o, ""))
        return exit_bad_input;
    fmt::print("{}: valid ({} modules, {:.0f} s)\n", o.scenario_path, sc.stack.plant.n_modules, sc.run.duration_s);
    return exit_ok;
}

int run_describe(const stacksim::sim::scenario& sc) {
    for (const auto& p : sc.parameters)
        fmt::print("{:<50} {:>14}  {}\n", p.path, p.value, p.source);
    return exit_ok;
}

// --at as a finite number within the run (a NaN passes every comparison and would never be
// reached); nullopt if it is not.
std::optional<double> netlist_time(const std::string& text, double duration_s) {
    double t = std::numeric_limits<double>::quiet_NaN();
    try {
        std::size_t used = 0;
        t = std::stod(text, &used);
        if (used != text.size())
            t = std::numeric_limits<double>::quiet_NaN();
    } catch (const std::exception&) {
    }
    if (!(std::isfinite(t) && t >= 0 && t <= duration_s))
        return std::nullopt;
    return t;
}

// Output files written all or nothing: each is opened as a temporary beside its target before
// any work (a path that cannot be written is bad input, found before anything exists), filled,
// and renamed into place only once every one is complete. On any failure no target is
// touched and the temporaries are removed.
class output_set {
public:
    // Opens a temporary for every non-empty path; false (message printed) if one cannot be.
    bool open(const std::vector<std::string>& paths) {
        for (const auto& p : paths) {
            if (p.empty())
                continue;
            file f{p, p + ".partial-" + std::to_string(::getpid()), {}};
            f.stream.open(f.temp, std::ios::binary | std::ios::trunc);
            if (!f.stream) {
                std::cerr << "stacksim: cannot write " << p << " (" << std::strerror(errno)
                          << "); expected a writable file in an existing directory; nothing was written\n";
                return false;
            }
            m_files.push_back(std::move(f));
        }
        return true;
    }
    // Writes `text` to the temporary of `path` (which open() was given).
    void put(const std::string& path, const std::string& text) {
        for (auto& f : m_files)
            if (f.target == path)
                f.stream << text;
    }
    // Closes and renames every temporary into place; false (message printed) if any failed.
    bool commit() {
        for (auto& f : m_files) {
            f.stream.close();
            if (!f.stream) {
                std::cerr << "stacksim: cannot write " << f.target << "; nothing was written\n";
                return false;
            }
        }
        for (auto& f : m_files) {
            std::error_code ec;
            std::filesystem::rename(f.temp, f.target, ec);
            if (ec) {
                std::cerr << "stacksim: cannot write " << f.target << " (" << ec.message() << ")\n";
                return false;
            }
            f.temp.clear();
        }
        return true;
    }
    ~output_set() {
        for (auto& f : m_files)
            if (!f.temp.empty()) {
                f.stream.close();
                std::error_code ec;
                std::filesystem::remove(f.temp, ec);
            }
    }

private:
    struct file {
        std::string target, temp;
        std::ofstream stream;
    };
    std::vector<file> m_files;
};

int run_netlist(const stacksim::sim::scenario& sc, const options& o) {
    const auto at_s = netlist_time(o.netlist_at_text, sc.run.duration_s);
    if (!at_s) {
        std::cerr << "stacksim: --at " << o.netlist_at_text << ": expected a time in seconds within the scenario's 0 .. "
                  << sc.run.duration_s << " s\n";
        return exit_bad_input;
    }
    output_set outputs;
    if (!outputs.open({o.netlist_out, o.netlist_map}))
        return exit_bad_input;
    try {
        stacksim::sim::simulation sim(sc, "");
        sim.run_until(*at_s);
        sim.top().battery().sync();
        const std::string title = sc.name + " at t = " + std::to_string(sim.time_s()) +
                                  " s (stacksim; currents of the step that ended then)";
        const auto& net = sim.top().battery().plant().power_network().net();
        const std::string text = stacksim::num::spice_netlist(net, title);
        std::ostringstream map;
        stacksim::num::write_spice_map(map, net);
        outputs.put(o.netlist_out, text);
        outputs.put(o.netlist_map, map.str());
        if (!outputs.commit())
            return exit_sim_error;
        if (o.netlist_out.empty())
            std::cout << text;
        return exit_ok;
    } catch (const std::exception& e) {
        std::cerr << "stacksim: simulation error: " << e.what() << "\n";
        return exit_sim_error;
    }
}

// Each failed expectation on one line of stderr, the count on stdout.
void report_expectations(const stacksim::sim::simulation& sim) {
    const auto& results = sim.expectation_results();
    for (const auto& r : results)
        if (!r.passed)
            std::cerr << "stacksim: expectation failed: " << r.message << "\n";
    if (!results.empty())
        fmt::print("expect     {} of {} expectations passed\n",
                   std::count_if(results.begin(), results.end(), [](const auto& r) { return r.passed; }),
                   results.size());
}

int run_scenario(const stacksim::sim::scenario& sc, options& o) {
    if (o.out_dir.empty())
        o.out_dir = "results/" + sc.name;
    const auto elaborated = elaborate(sc, o, o.out_dir);
    if (!elaborated)
        return exit_bad_input;
    stacksim::sim::simulation& sim = *elaborated;
    if (o.profile)
        sim.enable_profile();
    try {
        g_running.store(&sim);
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
        const bool interactive = !o.quiet && isatty(fileno(stderr));
        const double end = sc.run.duration_s;
        const bool completed = sim.run([&](double t, double wall) {
            if (interactive && wall > 2.0 && std::isfinite(end))
                print_progress(t, wall, end);
        });
        if (interactive)
            std::fputs("\n", stderr);
        const auto summary = sim.finish();
        g_running.store(nullptr);
        print_summary(summary, o.out_dir);
        if (o.profile)
            std::fputs(stacksim::sim::run_profile::text(sim.profile()).c_str(), stdout);
        if (!completed) {
            const bool term = g_signal.load() == SIGTERM;
            std::cerr << "stacksim: " << (term ? "terminated" : "interrupted") << " at t = " << sim.time_s()
                      << " s; outputs so far are complete\n";
            report_expectations(sim);
            return term ? exit_terminated : exit_interrupted;
        }
        report_expectations(sim);
        return sim.expectations_passed() ? exit_ok : exit_expectations_failed;
    } catch (const stacksim::sim::bms_failure& e) {
        // A module's firmware crashed or hung: the run ends at that instant, the outputs so far
        // complete (summary.json with completed: false).
        g_running.store(nullptr);
        const auto summary = sim.finish();
        print_summary(summary, o.out_dir);
        std::cerr << "stacksim: " << e.what() << "\n";
        return exit_sim_error;
    } catch (const stacksim::num::input_error& e) {
        std::cerr << "stacksim: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const std::exception& e) {
        std::cerr << "stacksim: simulation error: " << e.what() << "\n";
        return exit_sim_error;
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"stacksim: hardware-accurate simulator of stacked 48 V LiFePO4 batteries"};
    app.set_version_flag("--version", std::string(stacksim::version()));
    app.require_subcommand(1);
    options o;
    const commands cmd = define_commands(app, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? exit_ok : exit_bad_input;
    }

    if (o.seed_text) {
        try {
            o.seed = stacksim::sim::parse_seed(*o.seed_text);
        } catch (const std::invalid_argument& e) {
            std::cerr << "stacksim: --seed: " << e.what() << "\n";
            return exit_bad_input;
        }
    }
    // Library names ("default", "cable_loss/manual_cables") resolve as in Python; a path as given first.
    try {
        std::string& named = cmd.sweep->parsed() ? o.sweep_req.scenario_path : o.scenario_path;
        named = stacksim::sim::scenario_path(named);
    } catch (const std::invalid_argument& e) {
        std::cerr << "stacksim: " << e.what() << "\n";
        return exit_bad_input;
    }
    if (cmd.sweep->parsed()) {
        o.sweep_req.seed = o.seed;
        return stacksim::cli::run_sweep(o.sweep_req);
    }

    // The co-simulation options are scenario keys: one reader, one set of checks and messages.
    for (const auto& [value, key] : {std::pair{&o.realtime, "run.realtime"}, std::pair{&o.can_bridge, "can.bridge"},
                                     std::pair{&o.can_external, "can.external"},
                                     std::pair{&o.rs485_bridge, "rs485.bridge"}, std::pair{&o.control, "run.control"},
                                     std::pair{&o.firmware, "stack.firmware.default"}})
        if (!value->empty())
            o.sets.push_back(std::string(key) + "=" + *value);
    const auto sc = load(o);
    if (!sc)
        return exit_bad_input;
    if (cmd.validate->parsed())
        return run_validate(*sc, o);
    if (cmd.describe->parsed())
        return run_describe(*sc);
    if (cmd.netlist->parsed())
        return run_netlist(*sc, o);
    return run_scenario(*sc, o);
}

// Debian's libsystemc exports main() and needs sc_main; this program has its own main, so
// sc_main is never called, but the symbol must exist (systemc-style.md §8).
extern "C" int sc_main(int, char**) { return 0; }

// Reading input files: duplicate YAML keys, size limits on every read, CSV profile series.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>

#include "numeric/csv_series.h"
#include "numeric/input_file.h"
#include "numeric/param_file.h"

using namespace stacksim::num;

namespace {

// The input_error thrown by f, or a test failure.
template <class F>
input_error error_of(F f) {
    try {
        f();
    } catch (const input_error& e) {
        return e;
    }
    ADD_FAILURE() << "no input_error thrown";
    return input_error("", 0, "", "");
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("stacksim_input_" + std::to_string(::getpid()) + "_" + name)).string();
}

} // namespace

// ------------------------------------------------------------------ duplicate keys

TEST(InputYaml, DuplicateKeyInAFlowMapIsRefusedAtTheSecond) {
    const auto e = error_of([] { param_node::load_string("name: x\nrun: {duration_s: 60, duration_s: 120}\n", "s.yaml"); });
    EXPECT_EQ(e.file(), "s.yaml");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.key(), "run.duration_s");
    EXPECT_NE(e.message().find("duplicate key (first at line 2)"), std::string::npos) << e.what();
}

TEST(InputYaml, DuplicateKeyInABlockMapNamesBothLines) {
    const auto e = error_of([] { param_node::load_string("run:\n  duration_s: 60\n  step_s: 1\n  duration_s: 120\n", "s.yaml"); });
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.key(), "run.duration_s");
    EXPECT_NE(e.message().find("first at line 2"), std::string::npos) << e.what();
}

TEST(InputYaml, DuplicateKeyInsideASequenceElementHasItsIndexInThePath) {
    const auto e = error_of([] {
        param_node::load_string("events:\n  - {t_s: 1, action: a}\n  - {t_s: 2, action: b, t_s: 3}\n", "s.yaml");
    });
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.key(), "events[1].t_s");
}

TEST(InputYaml, QuotedAndPlainSpellingsOfOneKeyAreTheSameKey) {
    const auto e = error_of([] { param_node::load_string("a: 1\n\"a\": 2\n", "s.yaml"); });
    EXPECT_EQ(e.key(), "a");
    EXPECT_EQ(e.line(), 2);
}

TEST(InputYaml, TheSameKeyInDifferentMapsIsFine) {
    const param_node n = param_node::load_string("a: {x: 1}\nb: {x: 2}\nc: [{x: 3}, {x: 4}]\n", "s.yaml");
    EXPECT_EQ(n.at("b").at("x").as_integer(0, 9), 2);
}

TEST(InputYaml, NestedAliasesAreWalkedOnceNotExpanded) {
    // "Billion laughs": 10 levels of 10 aliases each expand to 10^10 leaves; the check must walk
    // each distinct node once (yaml-cpp shares aliased nodes) and still see a duplicate inside.
    std::string text = "l0: &l0 {a: 1, b: 2}\n";
    for (int i = 1; i <= 10; ++i) {
        text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k)
            text += (k ? ", *l" : "*l") + std::to_string(i - 1);
        text += "]\n";
    }
    EXPECT_NO_THROW(param_node::load_string(text, "laughs.yaml"));
    const auto e = error_of([&] { param_node::load_string(text + "l11: {z: *l10, z: 1}\n", "laughs.yaml"); });
    EXPECT_EQ(e.key(), "l11.z");
    EXPECT_EQ(e.line(), 12);
}

TEST(InputYaml, ADuplicateInASetValueHasNoLine) {
    const YAML::Node v = YAML::Load("{duration_s: 1, duration_s: 2}");
    const auto e = error_of([&] { refuse_duplicate_keys(v, "s.yaml (--set run)", "run", false); });
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.key(), "run.duration_s");
    EXPECT_EQ(e.message().find("first at line"), std::string::npos) << e.what();
}

TEST(InputYaml, AParameterOverriddenTwiceInTwoSpellingsIsRefused) {
    const param_node root = param_node::load_string(
        "parameters:\n  module:\n    bms.limits.ccl_a: 40\n    bms:\n      limits: {ccl_a: 30}\n", "s.yaml");
    const auto e = error_of([&] { collect_overrides(root.at("parameters").at("module")); });
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.key(), "parameters.module.bms.limits.ccl_a");
    EXPECT_NE(e.message().find("'bms.limits.ccl_a' is overridden twice (also at line 3)"), std::string::npos) << e.what();
    // An override inside another one is the same mistake.
    const param_node inner = param_node::load_string(
        "m:\n  bms.limits.ccl_a: {value: 40, source: x}\n  bms.limits.ccl_a.value: 30\n", "s.yaml");
    EXPECT_THROW(collect_overrides(inner.at("m")), input_error);
}

TEST(InputYaml, ASetOverrideReplacesTheFilesOverrideOfTheSameEntry) {
    // As the scenario loader builds it: --set descends into existing maps and appends the rest.
    const param_node root = param_node::load_string("m:\n  bms: {other: 1}\n  bms.limits.ccl_a: 40\n", "s.yaml");
    YAML::Node set_value = YAML::Load("20");
    set_value.SetTag(set_tag);
    YAML::Node m = root.yaml()["m"];
    m["bms"]["limits"]["ccl_a"] = set_value; // collected before the file's dotted entry
    const auto ov = collect_overrides(root.at("m"));
    int ccl = 0;
    for (const auto& o : ov)
        if (o.target() == "bms.limits.ccl_a") {
            ++ccl;
            EXPECT_EQ(o.value.Scalar(), "20");
        }
    EXPECT_EQ(ccl, 1);
}

// ------------------------------------------------------------------ size limits

TEST(InputLimits, DevZeroStopsAtTheLimit) {
    input_limits l;
    l.yaml_bytes = input_limits::mib; // 1 MB: a few reads of /dev/zero, then refused
    const auto e = error_of([&] { param_node::load_file("/dev/zero", l.yaml()); });
    EXPECT_EQ(e.file(), "/dev/zero");
    EXPECT_EQ(e.message(), "more than the limit of 1 MB for scenario and parameter files (YAML); "
                           "raise it with --max-input-mb (Python: max_input_mb=)");
}

TEST(InputLimits, ARegularFileLargerThanTheLimitIsRefusedWithItsSize) {
    const std::string path = temp_path("big.yaml");
    {
        std::ofstream f(path);
        f << std::string(3000, '#') << "\n";
    }
    size_limit lim = input_limits{}.yaml();
    lim.bytes = 3000;
    const auto e = error_of([&] { param_node::load_file(path, lim); });
    std::remove(path.c_str());
    EXPECT_EQ(e.message().rfind("3001 bytes, more than the limit of", 0), 0u) << e.what();
}

TEST(InputLimits, ADirectoryIsNotAFile) {
    const auto e = error_of([] { read_text_file("/", input_limits{}.yaml()); });
    EXPECT_EQ(e.message(), "is a directory, expected a file");
}

TEST(InputLimits, TextGivenDirectlyHasTheSameLimit) {
    size_limit lim = input_limits{}.yaml();
    lim.bytes = 10;
    EXPECT_THROW(param_node::load_string("name: abcdefghijk\n", "<text>", lim), input_error);
    EXPECT_NO_THROW(param_node::load_string("a: 1\n", "<text>", lim));
}

TEST(InputLimits, MegabytesFromOptions) {
    EXPECT_EQ(input_limits::bytes_from_mb(8), 8u * 1024 * 1024);
    EXPECT_EQ(input_limits::bytes_from_mb(0.5), 512u * 1024);
    EXPECT_THROW(input_limits::bytes_from_mb(0), std::invalid_argument);
    EXPECT_THROW(input_limits::bytes_from_mb(std::nan("")), std::invalid_argument);
    EXPECT_THROW(input_limits::bytes_from_mb(-1), std::invalid_argument);
}

// ------------------------------------------------------------------ CSV series

namespace {

csv_series_spec power_spec() {
    csv_series_spec s;
    s.value_column = "power_w";
    s.value_min = -1e6;
    s.value_max = 1e6;
    s.context = "profile inverter.battery_power_w";
    return s;
}

csv_series parse(const std::string& text, const csv_series_spec& spec = power_spec()) {
    std::istringstream in(text);
    return read_csv_series(in, "p.csv", spec);
}

// An endless stream of comment lines (a FIFO or device that never ends).
class endless_buf : public std::streambuf {
protected:
    int_type underflow() override {
        static char line[] = "# x\n";
        setg(line, line, line + 4);
        return traits_type::to_int_type(line[0]);
    }
};

} // namespace

TEST(InputCsv, ColumnsByNameWithCommentsBomCrlfAndExtraColumns) {
    const auto s = parse("\xEF\xBB\xBF# exported 2026-11-02\r\nsoc , \"power_w\",t_s\r\n\r\n0.5, -3000 ,0\r\n"
                         "# pause\r\n0.6,+2500.25,12.5\r\n0.7,1e3,13\r\n");
    ASSERT_EQ(s.t_s.size(), 3u);
    EXPECT_EQ(s.t_s, (std::vector<double>{0.0, 12.5, 13.0}));
    EXPECT_EQ(s.value, (std::vector<double>{-3000.0, 2500.25, 1000.0}));
}

TEST(InputCsv, NumbersAreTheDoublesYamlGivesForTheSameText) {
    // Independent reference: yaml-cpp's own conversion of the same text (the inline form).
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-1e6, 1e6);
    std::string csv = "t_s,power_w\n", yaml = "[";
    std::vector<std::string> texts;
    for (int i = 0; i < 5000; ++i) {
        char buf[64];
        const double v = u(rng) / std::pow(10.0, static_cast<double>(i % 9));
        std::snprintf(buf, sizeof buf, i % 3 == 0 ? "%.17g" : (i % 3 == 1 ? "%.6e" : "%.3f"), v);
        csv += std::to_string(i) + "," + buf + "\n";
        yaml += (i ? ", " : "") + std::string(buf);
    }
    const auto s = parse(csv);
    const YAML::Node ref = YAML::Load(yaml + "]");
    ASSERT_EQ(s.value.size(), ref.size());
    for (std::size_t i = 0; i < s.value.size(); ++i) {
        const double r = ref[i].as<double>();
        ASSERT_EQ(std::memcmp(&s.value[i], &r, sizeof r), 0) << i << ": " << ref[i].Scalar();
    }
}

TEST(InputCsv, MalformedRowsNameTheLineAndColumn) {
    struct bad {
        const char* text;
        int line;
        const char* message;
    };
    const bad cases[] = {
        {"", 0, "expected a header line with the columns 't_s' and 'power_w'"},
        {"# only a comment\n", 1, "expected a header line"},
        {"time,power_w\n0,1\n", 1, "no column 't_s' (columns: time, power_w)"},
        {"t_s,power_w,power_w\n0,1,2\n", 1, "column 'power_w' appears twice in the header"},
        {"t_s,power_w\n", 1, "expected at least one data row after the header"},
        {"t_s,power_w\n0,1\n1,x\n", 3, "column 'power_w': expected a number in [-1e+06, 1e+06], got 'x'"},
        {"t_s,power_w\n0,1\n1,1e400\n", 3, "got '1e400'"},
        {"t_s,power_w\n0,1\n1,0x10\n", 3, "got '0x10'"},
        {"t_s,power_w\n0,1\n1,1,5\n", 3, "expected 2 fields, got 3"},
        {"t_s,power_w\n0,inf\n", 2, "got 'inf'"},
        {"t_s,power_w\n2,1\n2,1\n", 3, "column 't_s': expected a time after the previous row's 2 s, got '2'"},
        {"t_s,power_w\n-0.5,1\n", 2, "column 't_s': expected a number in [0, inf], got '-0.5'"},
        {"t_s,power_w\n1,2000000\n", 2, "expected a number in [-1e+06, 1e+06], got '2000000'"},
    };
    for (const auto& c : cases) {
        const auto e = error_of([&] { parse(c.text); });
        EXPECT_EQ(e.file(), "p.csv") << c.text;
        EXPECT_EQ(e.line(), c.line) << c.text << " -> " << e.what();
        EXPECT_NE(e.message().find(c.message), std::string::npos) << c.text << " -> " << e.what();
        EXPECT_NE(e.message().find("(profile inverter.battery_power_w)"), std::string::npos) << e.what();
    }
}

TEST(InputCsv, AnEndlessStreamStopsAtTheLimit) {
    endless_buf buf;
    std::istream in(&buf);
    csv_series_spec spec = power_spec();
    spec.limit.bytes = 1 << 20;
    const auto e = error_of([&] { read_csv_series(in, "fifo", spec); });
    EXPECT_NE(e.message().find("more than the limit of 1 MB for CSV profiles; raise it with --max-profile-mb"),
              std::string::npos)
        << e.what();
}

TEST(InputCsv, ALineLongerThanTheLineLimitIsRefused) {
    csv_series_spec spec = power_spec();
    spec.max_line_bytes = 100;
    const auto e = error_of([&] { parse("t_s,power_w\n0," + std::string(200, '1') + "\n", spec); });
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(e.message().find("line longer than 100 bytes"), std::string::npos) << e.what();
}

TEST(InputCsv, AFileLargerThanTheLimitIsRefusedBeforeReading) {
    const std::string path = temp_path("p.csv");
    {
        std::ofstream f(path);
        f << "t_s,power_w\n0,1\n";
    }
    csv_series_spec spec = power_spec();
    spec.limit.bytes = 10;
    const auto e = error_of([&] { read_csv_series_file(path, spec); });
    std::remove(path.c_str());
    EXPECT_EQ(e.message().rfind("16 bytes, more than the limit of 10 bytes for CSV profiles", 0), 0u) << e.what();
}

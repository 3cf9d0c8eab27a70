#include "sim/expectations.h"

#include <cmath>
#include <limits>

#include <fmt/core.h>

namespace stacksim::sim {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double big = 1e300;

column_condition read_condition(const num::param_node& n) {
    n.allow_only({"column", "at_most", "at_least"});
    column_condition c;
    c.column = n.at("column").as_string();
    if (n.has("at_most") == n.has("at_least"))
        n.fail("exactly one of at_most, at_least");
    c.upper = n.has("at_most");
    c.limit = n.number(c.upper ? "at_most" : "at_least", -big, big);
    return c;
}

bool holds(const column_condition& c, double v) { return c.upper ? v <= c.limit : v >= c.limit; }

std::string fmt_t(double t) { return fmt::format("{:.3f}", t); }

std::vector<std::size_t> matching(const std::string& pattern, const std::vector<std::string>& columns) {
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (glob_match(pattern, columns[c]))
            out.push_back(c);
    return out;
}

std::string describe(const column_condition& c) {
    return fmt::format("{} {} {}", c.column, c.upper ? "<=" : ">=", c.limit);
}

// A row counts for an expectation when it is inside the time window and, with `while:`, some
// column matching the condition satisfies it at that row.
class row_filter {
public:
    row_filter(const expectation& e, const std::vector<std::string>& columns) : m_e(e) {
        if (e.has_while)
            m_cols = matching(e.only_while.column, columns);
    }
    bool operator()(const std::vector<double>& times, const std::vector<std::vector<double>>& data,
                    std::size_t row) const {
        if (times[row] < m_e.from_s || times[row] > m_e.until_s)
            return false;
        if (!m_e.has_while)
            return true;
        for (auto k : m_cols)
            if (holds(m_e.only_while, data[k][row]))
                return true;
        return false;
    }

private:
    const expectation& m_e;
    std::vector<std::size_t> m_cols;
};

std::string while_text(const expectation& e) {
    return e.has_while ? " while " + describe(e.only_while) : std::string();
}

// First row (within the window) at which any column matching c holds; NaN if never.
double first_time(const column_condition& c, const expectation& e, const std::vector<std::string>& columns,
                  const std::vector<double>& times, const std::vector<std::vector<double>>& data, std::string& which) {
    const auto cols = matching(c.column, columns);
    const row_filter counts(e, columns);
    for (std::size_t r = 0; r < times.size(); ++r) {
        if (!counts(times, data, r))
            continue;
        for (auto k : cols)
            if (holds(c, data[k][r])) {
                which = columns[k];
                return times[r];
            }
    }
    return nan;
}

// What evaluate_expectations() judges: the recorded table and the event log.
struct recording {
    const std::vector<std::string>& columns;
    const std::vector<double>& times;
    const std::vector<std::vector<double>>& data;
    const std::vector<recorded_event>& events;
};

// A result that passes until a judge finds otherwise.
expectation_result passing_result(const expectation& e) {
    expectation_result r;
    r.name = e.name;
    r.passed = true;
    r.t_s = nan;
    return r;
}

// max / min: every present value of every matching column in the counted rows is within the
// limit; fails at the first violation, and when nothing was judged.
expectation_result judge_extreme(const expectation& e, const recording& rec) {
    expectation_result r = passing_result(e);
    const bool is_max = e.type == expectation::kind::max;
    const auto cols = matching(e.column, rec.columns);
    double worst = is_max ? -big : big;
    std::string worst_col;
    const row_filter counts(e, rec.columns);
    std::size_t used = 0, judged = 0;
    for (std::size_t row = 0; row < rec.times.size(); ++row) {
        if (!counts(rec.times, rec.data, row))
            continue;
        ++used;
        bool has_value = false;
        for (auto k : cols) {
            const double v = rec.data[k][row];
            if (std::isnan(v))
                continue; // missing (does not exist yet): nothing to judge
            has_value = true;
            const bool bad = is_max ? v > e.limit : v < e.limit;
            if (bad && r.passed) {
                r.passed = false;
                r.t_s = rec.times[row];
                r.message = fmt::format("{}: {} = {} {} {} at t = {} s{}", e.name, rec.columns[k], v,
                                        is_max ? ">" : "<", e.limit, fmt_t(rec.times[row]), while_text(e));
            }
            if (is_max ? v > worst : v < worst) {
                worst = v;
                worst_col = rec.columns[k];
            }
        }
        judged += has_value ? 1 : 0;
    }
    if (r.passed && used == 0 && e.has_while) {
        // A condition that never held checked nothing: say so instead of passing silently.
        r.passed = false;
        r.message = fmt::format("{}: no recorded row in the window{}", e.name, while_text(e));
    } else if (r.passed && judged == 0) {
        // Every value in the window is missing: nothing was checked, so it cannot pass.
        r.passed = false;
        r.message = fmt::format("{}: no value of {} in the window{} ({} rows, every value missing)", e.name,
                                e.column, while_text(e), used);
    } else if (r.passed) {
        r.message = fmt::format("{}: {} {} {}{} (extreme {} = {}, {} rows)", e.name, e.column,
                                is_max ? "<=" : ">=", e.limit, while_text(e), worst_col, worst, judged);
    }
    return r;
}

// reaches (... before ...): the first condition holds at some counted row, strictly before the
// second one does.
expectation_result judge_order(const expectation& e, const recording& rec) {
    expectation_result r = passing_result(e);
    std::string a_col, b_col;
    const double ta = first_time(e.first, e, rec.columns, rec.times, rec.data, a_col);
    const double tb = e.has_then ? first_time(e.then, e, rec.columns, rec.times, rec.data, b_col) : nan;
    if (std::isnan(ta)) {
        r.passed = false;
        r.message = fmt::format("{}: {} never happened{}", e.name, describe(e.first),
                                std::isnan(tb) ? "" : fmt::format(" ({} = {} at t = {} s)", b_col,
                                                                  describe(e.then), fmt_t(tb)));
        r.t_s = tb;
    } else if (!std::isnan(tb) && !(ta < tb)) {
        r.passed = false;
        r.t_s = tb;
        r.message = fmt::format("{}: {} ({}) at t = {} s, not before {} ({}) at t = {} s", e.name,
                                describe(e.first), a_col, fmt_t(ta), describe(e.then), b_col, fmt_t(tb));
    } else {
        r.t_s = ta;
        r.message = fmt::format("{}: {} at t = {} s{}", e.name, describe(e.first), fmt_t(ta),
                                !e.has_then ? std::string()
                                : std::isnan(tb) ? std::string(", the other never")
                                               : fmt::format(", before t = {} s", fmt_t(tb)));
    }
    return r;
}

// share: the module's current stays within within_pct % of the mean module current in every
// counted row where |mean| >= min_current_a.
expectation_result judge_share(const expectation& e, const recording& rec) {
    expectation_result r = passing_result(e);
    const auto cols = matching("stack.m*.current_a", rec.columns);
    std::vector<std::size_t> mods;
    std::size_t mine = rec.columns.size();
    for (auto k : cols) {
        // only stack.m<N>.current_a (not cables)
        const std::string& c = rec.columns[k];
        const std::string mid = c.substr(7, c.size() - 7 - 10);
        if (mid.empty() || mid.find_first_not_of("0123456789") != std::string::npos)
            continue;
        mods.push_back(k);
        if (mid == std::to_string(e.module))
            mine = k;
    }
    double worst = 0.0;
    std::size_t used = 0;
    const row_filter counts(e, rec.columns);
    for (std::size_t row = 0; row < rec.times.size(); ++row) {
        if (!counts(rec.times, rec.data, row))
            continue;
        double mean = 0.0;
        for (auto k : mods)
            mean += rec.data[k][row];
        mean /= static_cast<double>(mods.size());
        if (!(std::abs(mean) >= e.min_current_a))
            continue;
        ++used;
        const double dev_pct = 100.0 * std::abs(rec.data[mine][row] - mean) / std::abs(mean);
        worst = std::max(worst, dev_pct);
        if (!(dev_pct <= e.within_pct) && r.passed) {
            r.passed = false;
            r.t_s = rec.times[row];
            r.message = fmt::format("{}: module m{} current {} A is {:.2f} % from the mean {} A (allowed {} %) "
                                    "at t = {} s",
                                    e.name, e.module, rec.data[mine][row], dev_pct, mean, e.within_pct,
                                    fmt_t(rec.times[row]));
        }
    }
    if (used == 0) {
        r.passed = false;
        r.message = fmt::format("{}: no recorded row in the window with |mean module current| >= {} A",
                                e.name, e.min_current_a);
    } else if (r.passed) {
        r.message = fmt::format("{}: module m{} within {:.2f} % of the mean over {} rows (allowed {} %)",
                                e.name, e.module, worst, used, e.within_pct);
    }
    return r;
}

// event / no_event: at least `count` matching events in the window, or none.
expectation_result judge_events(const expectation& e, const recording& rec) {
    expectation_result r = passing_result(e);
    std::size_t n = 0;
    double t_first = nan;
    for (const auto& ev : rec.events) {
        if (ev.t_s < e.from_s || ev.t_s > e.until_s)
            continue;
        if (!glob_match(e.source, ev.source) || !glob_match(e.event_kind, ev.kind))
            continue;
        if (!e.details_contains.empty() && ev.details.find(e.details_contains) == std::string::npos)
            continue;
        if (n++ == 0)
            t_first = ev.t_s;
        if (e.type == expectation::kind::event && n == e.count) {
            r.t_s = ev.t_s;
            break;
        }
    }
    const std::string what = fmt::format("event source '{}' kind '{}'{}", e.source, e.event_kind,
                                         e.details_contains.empty() ? "" : " containing '" + e.details_contains + "'");
    if (e.type == expectation::kind::event) {
        r.passed = n >= e.count;
        r.message = r.passed ? fmt::format("{}: {} at t = {} s", e.name, what, fmt_t(r.t_s))
                             : fmt::format("{}: {} seen {} times, expected at least {} between t = {} and {} s",
                                           e.name, what, n, e.count, fmt_t(e.from_s),
                                           e.until_s >= big ? std::string("the end") : fmt_t(e.until_s));
    } else {
        r.passed = n == 0;
        r.t_s = t_first;
        r.message = r.passed ? fmt::format("{}: no {}", e.name, what)
                             : fmt::format("{}: unexpected {} at t = {} s", e.name, what, fmt_t(t_first));
    }
    return r;
}

} // namespace

bool glob_match(const std::string& p, const std::string& s) {
    std::size_t i = 0, j = 0, star = std::string::npos, mark = 0;
    while (j < s.size()) {
        if (i < p.size() && (p[i] == '?' || p[i] == s[j])) {
            ++i;
            ++j;
        } else if (i < p.size() && p[i] == '*') {
            star = i++;
            mark = j;
        } else if (star != std::string::npos) {
            i = star + 1;
            j = ++mark;
        } else {
            return false;
        }
    }
    while (i < p.size() && p[i] == '*')
        ++i;
    return i == p.size();
}

std::vector<expectation> read_expectations(const num::param_node& seq) {
    if (!seq.is_sequence())
        seq.fail("a list of expectations, each {name: ..., max|min|reaches|share|event|no_event: ...}");
    std::vector<expectation> out;
    for (std::size_t i = 0; i < seq.size(); ++i) {
        const num::param_node n = seq[i];
        if (!n.is_map())
            n.fail("an expectation {name: ..., max|min|reaches|share|event|no_event: ...}");
        n.allow_only({"name", "from_s", "until_s", "while", "max", "min", "at_most", "at_least", "reaches", "before",
                      "share", "event", "no_event"});
        expectation e;
        e.file = n.file();
        e.line = n.line();
        e.path = n.path();
        e.name = n.at("name").as_string();
        e.from_s = n.number_or("from_s", 0.0, 0.0, big);
        e.until_s = n.number_or("until_s", big, e.from_s, big);
        int kinds = 0;
        for (const char* k : {"max", "min", "reaches", "share", "event", "no_event"})
            kinds += n.has(k) ? 1 : 0;
        if (kinds != 1)
            n.fail("exactly one of max, min, reaches, share, event, no_event");
        auto forbid = [&n](std::initializer_list<const char*> keys, const char* for_kind) {
            for (const char* k : keys)
                if (n.has(k))
                    n.at(k).fail(std::string("no '") + k + "' with " + for_kind);
        };
        if (n.has("max") || n.has("min")) {
            const bool is_max = n.has("max");
            e.type = is_max ? expectation::kind::max : expectation::kind::min;
            e.column = n.at(is_max ? "max" : "min").as_string();
            const char* lim = is_max ? "at_most" : "at_least";
            forbid({is_max ? "at_least" : "at_most", "before"}, is_max ? "max" : "min");
            e.limit = n.number(lim, -big, big);
        } else if (n.has("reaches")) {
            e.type = expectation::kind::before;
            forbid({"at_most", "at_least"}, "reaches");
            e.first = read_condition(n.at("reaches"));
            e.has_then = n.has("before");
            if (e.has_then)
                e.then = read_condition(n.at("before"));
        } else if (n.has("share")) {
            e.type = expectation::kind::share;
            forbid({"at_most", "at_least", "before"}, "share");
            const num::param_node s = n.at("share");
            s.allow_only({"module", "within_pct", "min_current_a"});
            e.module = static_cast<std::size_t>(s.at("module").as_integer(0, 15));
            e.within_pct = s.number("within_pct", 0.0, 1000.0);
            e.min_current_a = s.number_or("min_current_a", 1.0, 0.0, 1e5);
        } else {
            const bool absent = n.has("no_event");
            e.type = absent ? expectation::kind::no_event : expectation::kind::event;
            forbid({"at_most", "at_least", "before"}, absent ? "no_event" : "event");
            const num::param_node s = n.at(absent ? "no_event" : "event");
            if (absent)
                s.allow_only({"source", "kind", "contains"});
            else
                s.allow_only({"source", "kind", "contains", "count"});
            e.source = s.has("source") ? s.at("source").as_string() : "*";
            e.event_kind = s.has("kind") ? s.at("kind").as_string() : "*";
            e.details_contains = s.has("contains") ? s.at("contains").as_string() : "";
            if (s.has("count"))
                e.count = static_cast<std::size_t>(s.at("count").as_integer(1, 1000000000));
        }
        if (auto w = n.find("while")) {
            if (e.type == expectation::kind::event || e.type == expectation::kind::no_event)
                w->fail("no 'while' with event / no_event (they look at events, not rows)");
            e.only_while = read_condition(*w);
            e.has_while = true;
        }
        out.push_back(e);
    }
    return out;
}

std::vector<bool> referenced_columns(const std::vector<expectation>& ex, const std::vector<std::string>& columns) {
    std::vector<bool> used(columns.size(), false);
    auto mark = [&](const std::string& pattern) {
        for (std::size_t c : matching(pattern, columns))
            used[c] = true;
    };
    for (const auto& e : ex) {
        if (e.type == expectation::kind::max || e.type == expectation::kind::min)
            mark(e.column);
        if (e.has_while)
            mark(e.only_while.column);
        if (e.type == expectation::kind::before) {
            mark(e.first.column);
            if (e.has_then)
                mark(e.then.column);
        }
        if (e.type == expectation::kind::share)
            mark("stack.m*.current_a"); // judge_share: every module's current
    }
    return used;
}

void check_columns(const std::vector<expectation>& ex, const std::vector<std::string>& columns) {
    for (const auto& e : ex) {
        std::vector<std::string> pats;
        if (e.type == expectation::kind::max || e.type == expectation::kind::min)
            pats.push_back(e.column);
        if (e.has_while)
            pats.push_back(e.only_while.column);
        if (e.type == expectation::kind::before) {
            pats.push_back(e.first.column);
            if (e.has_then)
                pats.push_back(e.then.column);
        }
        if (e.type == expectation::kind::share &&
            matching("stack.m" + std::to_string(e.module) + ".current_a", columns).empty())
            throw num::input_error(e.file, e.line, e.path + ".share.module",
                                   "a module of the stack, got " + std::to_string(e.module));
        for (const auto& p : pats)
            if (matching(p, columns).empty())
                throw num::input_error(e.file, e.line, e.path,
                                       "a column pattern matching a recorded signal (docs/outputs.md), '" + p +
                                           "' matches none");
    }
}

std::vector<expectation_result> evaluate_expectations(const std::vector<expectation>& ex,
                                                      const std::vector<std::string>& columns,
                                                      const std::vector<double>& times,
                                                      const std::vector<std::vector<double>>& data,
                                                      const std::vector<recorded_event>& events) {
    const recording rec{columns, times, data, events};
    std::vector<expectation_result> out;
    for (const auto& e : ex) {
        switch (e.type) {
        case expectation::kind::max:
        case expectation::kind::min:
            out.push_back(judge_extreme(e, rec));
            break;
        case expectation::kind::before:
            out.push_back(judge_order(e, rec));
            break;
        case expectation::kind::share:
            out.push_back(judge_share(e, rec));
            break;
        case expectation::kind::event:
        case expectation::kind::no_event:
            out.push_back(judge_events(e, rec));
            break;
        }
    }
    return out;
}

} // namespace stacksim::sim

#include "numeric/bolt_preload.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace stacksim::num {

double bolt_preload_law::embedding_loss(double t0_s, double t_s) const {
    if (embedding_fraction <= 0.0)
        return 0.0;
    return embedding_fraction * (std::exp(-t0_s / embedding_time_s) - std::exp(-t_s / embedding_time_s));
}

double bolt_preload_law::creep_loss(double since_s) const {
    if (creep_per_decade <= 0.0)
        return 0.0;
    return creep_per_decade / std::log(10.0) * std::log1p(since_s / creep_onset_s);
}

double bolt_preload_law::half_cycle_loss(double range_k) const {
    if (cycle_loss_per_cycle <= 0.0 || !(range_k > 0.0))
        return 0.0;
    return 0.5 * cycle_loss_per_cycle * std::pow(range_k / cycle_reference_k, cycle_exponent);
}

void bolt_preload_law::check() const {
    auto need = [](bool ok, const char* what) {
        if (!ok)
            throw std::invalid_argument(std::string("contact loosening: ") + what);
    };
    need(embedding_fraction >= 0.0 && embedding_fraction < 1.0, "embedding_fraction in [0, 1)");
    need(embedding_fraction == 0.0 || embedding_time_s > 0.0, "embedding_time_s > 0");
    need(creep_per_decade >= 0.0 && creep_per_decade < 1.0, "creep_per_decade in [0, 1)");
    need(creep_per_decade == 0.0 || creep_onset_s > 0.0, "creep_onset_s > 0");
    need(cycle_loss_per_cycle >= 0.0 && cycle_loss_per_cycle < 1.0, "cycle_loss_per_cycle in [0, 1)");
    need(cycle_loss_per_cycle == 0.0 || (cycle_reference_k > 0.0 && cycle_exponent >= 0.0),
         "cycle_reference_k > 0 and cycle_exponent >= 0");
    need(cycle_hysteresis_k >= 0.0, "cycle_hysteresis_k >= 0");
}

bolt_preload::bolt_preload(const bolt_preload_law& law) : m_law(law) { m_law.check(); }

double bolt_preload::fraction() const {
    if (!active())
        return 1.0;
    return std::clamp(1.0 - embedding_loss() - creep_loss() - m_cycle_loss, 0.0, 1.0);
}

void bolt_preload::count_range(const turning_point& a, const turning_point& b, double count) {
    const double d_amb = b.ambient_k - a.ambient_k;
    const double d_rise = (b.temp_k - b.ambient_k) - (a.temp_k - a.ambient_k);
    const double l = count * m_law.half_cycle_loss(std::abs(d_amb + d_rise));
    m_cycle_loss += l;
    m_window_loss += l;
    m_half_cycles += count;
}

void bolt_preload::add_turning_point(const turning_point& p) {
    m_window_points.push_back(p);
    m_rainflow.push_back(p);
    while (m_rainflow.size() >= 3) {
        const std::size_t n = m_rainflow.size();
        const double x = std::abs(m_rainflow[n - 1].temp_k - m_rainflow[n - 2].temp_k);
        const double y = std::abs(m_rainflow[n - 2].temp_k - m_rainflow[n - 3].temp_k);
        if (x < y)
            break;
        if (n == 3) { // Y contains the starting point: a half-cycle, the start is dropped
            count_range(m_rainflow[0], m_rainflow[1], 1.0);
            m_rainflow.erase(m_rainflow.begin());
        } else { // a full cycle; its two points leave the stack
            count_range(m_rainflow[n - 3], m_rainflow[n - 2], 2.0);
            m_rainflow.erase(m_rainflow.begin() + static_cast<std::ptrdiff_t>(n - 3),
                             m_rainflow.begin() + static_cast<std::ptrdiff_t>(n - 1));
        }
    }
}

void bolt_preload::advance(double dt_s, double temp_k, double ambient_k, double r_ref_ohm) {
    if (!active())
        return;
    m_life_s += dt_s;
    m_window_s += dt_s;
    m_window_r_ohm_s += r_ref_ohm * dt_s;
    if (m_law.cycle_loss_per_cycle <= 0.0)
        return;
    const double h = m_law.cycle_hysteresis_k;
    if (!m_started) {
        m_started = true;
        m_turn_k = m_peak_k = temp_k;
        m_turn_amb_k = m_peak_amb_k = ambient_k;
        add_turning_point({temp_k, ambient_k});
        return;
    }
    if (m_dir == 0) {
        if (std::abs(temp_k - m_turn_k) >= h && temp_k != m_turn_k) {
            m_dir = temp_k > m_turn_k ? 1 : -1;
            m_peak_k = temp_k;
            m_peak_amb_k = ambient_k;
        }
        return;
    }
    if ((m_dir > 0 && temp_k > m_peak_k) || (m_dir < 0 && temp_k < m_peak_k)) {
        m_peak_k = temp_k; // the swing goes on
        m_peak_amb_k = ambient_k;
        return;
    }
    if (std::abs(m_peak_k - temp_k) >= h && temp_k != m_peak_k) { // confirmed reversal at the extreme
        add_turning_point({m_peak_k, m_peak_amb_k});
        m_turn_k = m_peak_k;
        m_turn_amb_k = m_peak_amb_k;
        m_peak_k = temp_k;
        m_peak_amb_k = ambient_k;
        m_dir = -m_dir;
    }
}

double bolt_preload::block_loss(std::vector<double> v, double& half_cycles) const {
    half_cycles = 0.0;
    // Extremes only: a point continuing the direction of the last two replaces the last.
    std::vector<double> ext;
    for (double x : v) {
        if (!ext.empty() && x == ext.back())
            continue;
        if (ext.size() >= 2 && (ext.back() - ext[ext.size() - 2]) * (x - ext.back()) > 0.0)
            ext.back() = x;
        else
            ext.push_back(x);
    }
    if (ext.size() < 2)
        return 0.0;
    // Start and close at the highest point; then every cycle closes.
    const auto top = std::max_element(ext.begin(), ext.end());
    std::rotate(ext.begin(), top, ext.end());
    ext.push_back(ext.front());
    double loss = 0.0;
    std::vector<double> st;
    auto count = [&](double range, double n) {
        loss += n * m_law.half_cycle_loss(range);
        half_cycles += n;
    };
    for (double x : ext) {
        if (!st.empty() && x == st.back())
            continue;
        if (st.size() >= 2 && (st.back() - st[st.size() - 2]) * (x - st.back()) > 0.0)
            st.back() = x; // the closing point may continue the last swing
        else
            st.push_back(x);
        while (st.size() >= 3) {
            const std::size_t n = st.size();
            const double x_range = std::abs(st[n - 1] - st[n - 2]);
            const double y_range = std::abs(st[n - 2] - st[n - 3]);
            if (x_range < y_range)
                break;
            count(y_range, 2.0);
            st.erase(st.begin() + static_cast<std::ptrdiff_t>(n - 3), st.begin() + static_cast<std::ptrdiff_t>(n - 1));
        }
    }
    for (std::size_t i = 1; i < st.size(); ++i) // residue: half-cycles
        count(std::abs(st[i] - st[i - 1]), 1.0);
    return loss;
}

double bolt_preload::window_cycle_loss_rate(double f, double* half_cycles_per_s) const {
    if (half_cycles_per_s)
        *half_cycles_per_s = 0.0;
    if (!(m_window_s > 0.0) || m_window_points.size() < 2)
        return 0.0;
    std::vector<double> block;
    block.reserve(m_window_points.size());
    for (const turning_point& p : m_window_points)
        block.push_back(p.ambient_k + f * (p.temp_k - p.ambient_k));
    double n = 0.0;
    const double loss = block_loss(std::move(block), n);
    if (half_cycles_per_s)
        *half_cycles_per_s = n / m_window_s;
    return loss / m_window_s;
}

void bolt_preload::jump(double dt_s, const std::function<double(double)>& r_of_fraction) {
    if (!active() || !(dt_s > 0.0))
        return;
    if (!(m_window_s > 0.0) || m_window_points.size() < 2) {
        m_life_s += dt_s; // no cycles to repeat: embedding and creep only
        return;
    }
    const double r_w = m_window_r_ohm_s / m_window_s;
    const double sub_s = std::max(m_window_s, dt_s / 10000.0);
    for (double left_s = dt_s; left_s > 0.0;) {
        const double h_s = std::min(left_s, sub_s);
        const double f = r_w > 0.0 ? r_of_fraction(fraction()) / r_w : 1.0;
        double half_cycles_per_s = 0.0;
        m_cycle_loss += window_cycle_loss_rate(f, &half_cycles_per_s) * h_s;
        m_half_cycles += half_cycles_per_s * h_s;
        m_life_s += h_s;
        left_s -= h_s;
        if (left_s < 1e-9 * dt_s)
            break;
    }
}

void bolt_preload::start_window() {
    m_window_loss = 0.0;
    m_window_s = 0.0;
    m_window_r_ohm_s = 0.0;
    m_window_points.clear();
}

void bolt_preload::tighten() {
    m_t0_s = m_life_s;
    m_cycle_loss = 0.0;
    m_half_cycles = 0.0;
}

} // namespace stacksim::num

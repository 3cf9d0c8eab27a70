#include "battery/afe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::models {

namespace {
constexpr double t25_k = 298.15; // NTC datasheet reference temperature

// round(value / lsb), half away from zero, clamped to 0 .. max_counts (NaN reads 0). Written
// without std::round, a library call on this build's SSE2 baseline: below max_counts + 0.5 the
// quotient's whole part and fraction are exact, and the fraction decides.
std::uint32_t quantise_unsigned(double value, double lsb, std::uint32_t max_counts) {
    const double x = value / lsb;
    if (!(x > 0.0))
        return 0;
    if (x >= static_cast<double>(max_counts) + 0.5)
        return max_counts;
    const auto whole = static_cast<std::uint32_t>(x); // truncates
    return whole + (x - static_cast<double>(whole) >= 0.5 ? 1u : 0u);
}
} // namespace

afe::afe(const sc_core::sc_module_name& name, const afe_config& cfg)
    : sc_core::sc_module(name),
      bus_in("bus_in"),
      plant("plant"),
      m_cfg(cfg),
      m_noise(cfg.seed),
      m_cell_noise(0.0, cfg.cell_noise_v > 0.0 ? cfg.cell_noise_v : 1.0),
      m_module_noise(0.0, cfg.module_noise_v > 0.0 ? cfg.module_noise_v : 1.0),
      m_current_noise(0.0, cfg.current_noise_a > 0.0 ? cfg.current_noise_a : 1.0),
      m_conversion_time(cfg.conversion_time_s, sc_core::SC_SEC),
      m_ntc_stuck(n_ntc(), false),
      m_ntc_drift_k_per_s(n_ntc(), 0.0),
      m_ntc_drift_since_s(n_ntc(), 0.0) {
    if (cfg.cells == 0 || cfg.cells > max_cells)
        throw std::invalid_argument(std::string(this->name()) + ": cells must be 1..32");
    bus_in.register_b_transport(this, &afe::b_transport);
    for (std::size_t words = 0; words < m_bus_time.size(); ++words)
        m_bus_time[words] = bus_time(words);
    SC_HAS_PROCESS(afe);
    SC_METHOD(reset_outputs); // runs once at time 0: drivers off, as after power-on reset
    SC_METHOD(sc_check);
    sensitive << m_sc_check;
    dont_initialize();
    SC_METHOD(sc_trip);
    sensitive << m_sc_trip;
    dont_initialize();
}

void afe::end_of_elaboration() {
    // A conversion samples every cell of the plant into buffers of m_cfg.cells entries.
    if (plant->n_cells() != m_cfg.cells)
        throw std::logic_error(std::string(name()) + ": configured for " + std::to_string(m_cfg.cells) +
                               " cells, its plant has " + std::to_string(plant->n_cells()));
}

// The comparator sees the shunt current continuously; the plant's current only changes at
// discrete instants (load steps, switch changes), so evaluating it at those instants is exact:
// the trip happens sc_delay_s after the crossing unless the current fell back below before.
void afe::sc_check() {
    if (m_sc_latched || !(m_drive & 1u))
        return;
    const bool over = std::abs(plant->module_current_a()) >= m_cfg.sc_threshold_a;
    if (over && !m_sc_pending) {
        m_sc_pending = true;
        m_sc_trip.notify(sc_core::sc_time(m_cfg.sc_delay_s, sc_core::SC_SEC));
    } else if (!over && m_sc_pending) {
        m_sc_pending = false;
        m_sc_trip.cancel();
    }
}

void afe::reset_outputs() {
    m_drive = 0;
    m_balance = 0;
    plant->set_switch(false);
    plant->set_precharge(false);
    plant->set_balancing(0);
}

void afe::sc_trip() {
    if (!m_sc_pending)
        return;
    m_sc_pending = false;
    m_sc_latched = true;
    // The fault current the comparator acted on, captured before the switch interrupts it.
    m_sc_current_counts = static_cast<std::int32_t>(std::lround(plant->module_current_a() / m_cfg.current_lsb_a));
    m_drive &= ~1u;
    plant->set_switch(false);
}

double afe::ntc_counts_to_temp_k(std::uint32_t counts, const afe_config& cfg) {
    const double full = static_cast<double>((1u << cfg.ntc_adc_bits) - 1);
    const double x = std::clamp(static_cast<double>(counts), 0.5, full - 0.5) / full; // R/(R+Rp)
    const double r_ohm = cfg.ntc_pullup_ohm * x / (1.0 - x);
    return 1.0 / (1.0 / t25_k + std::log(r_ohm / cfg.ntc_r25_ohm) / cfg.ntc_beta_k);
}

std::uint32_t afe::temp_k_to_ntc_counts(double temp_k, const afe_config& cfg) {
    const double r_ohm = cfg.ntc_r25_ohm * std::exp(cfg.ntc_beta_k * (1.0 / temp_k - 1.0 / t25_k));
    const double full = static_cast<double>((1u << cfg.ntc_adc_bits) - 1);
    return quantise_unsigned(full * r_ohm / (r_ohm + cfg.ntc_pullup_ohm), 1.0, static_cast<std::uint32_t>(full));
}

afe::ntc_window afe::ntc_counts_window(std::uint32_t counts, const afe_config& cfg) {
    constexpr double margin_k = 1e-6;
    const std::uint32_t full = (1u << cfg.ntc_adc_bits) - 1;
    ntc_window w;
    w.counts = counts;
    if (counts == 0 || counts >= full)
        return w; // empty: always converted afresh
    // The temperature at which the divider reads x counts (x / full = R / (R + Rp), R from the
    // beta equation): the NTC's resistance falls with temperature, so counts + 0.5 is the cold
    // edge and counts - 0.5 the warm one.
    const auto temp_at = [&](double x) {
        const double q = x / static_cast<double>(full);
        const double r_ohm = cfg.ntc_pullup_ohm * q / (1.0 - q);
        return 1.0 / (1.0 / t25_k + std::log(r_ohm / cfg.ntc_r25_ohm) / cfg.ntc_beta_k);
    };
    w.lo_k = temp_at(counts + 0.5) + margin_k;
    w.hi_k = temp_at(counts - 0.5) - margin_k;
    return w;
}

// sigma <= 0: no noise, and no draw (the generator's sequence is left to the other sources).
double afe::noise(num::normal_source::distribution& dist, double sigma, num::normal_source& source) {
    return sigma > 0.0 ? dist(source) : 0.0;
}

void afe::set_open_wire(std::size_t cell, bool open) {
    if (cell >= m_cfg.cells)
        throw std::out_of_range(std::string(name()) + ": no cell " + std::to_string(cell));
    m_open_wire = open ? (m_open_wire | (1u << cell)) : (m_open_wire & ~(1u << cell));
}

void afe::set_ntc_stuck(std::size_t sensor, bool stuck) { m_ntc_stuck.at(sensor) = stuck; }

void afe::set_ntc_drift(std::size_t sensor, double k_per_s) {
    m_ntc_drift_k_per_s.at(sensor) = k_per_s;
    m_ntc_drift_since_s.at(sensor) = sc_core::sc_time_stamp().to_seconds();
}

// CTRL.START: sample-and-hold now; the results are published `conversion_time_s` later, on
// the first register access at or after that instant (settle()): no process, no delta cycle, so
// a read exactly conversion_time_s after START always sees the new results.
void afe::start_conversion() {
    const perf::scope perf_scope(perf::layer::afe_bms);
    m_busy = true;
    m_ready = false;
    m_due = sc_core::sc_time_stamp() + m_conversion_time;
    sc_check();
    const std::size_t n = m_cfg.cells;
    // Sample-and-hold at the start of the conversion.
    plant->cell_voltages_v(m_sample_v.data());
    // An open sense wire between cell k-1 and k: the ADC of cell k sees nothing and the
    // neighbour above sees both cells (the sum over the string is preserved).
    for (std::size_t k = 0; k < n; ++k)
        if (m_open_wire & (1u << k)) {
            if (k + 1 < n)
                m_sample_v[k + 1] += m_sample_v[k];
            m_sample_v[k] = 0.0;
        }
    for (std::size_t k = 0; k < n; ++k) {
        const double v = m_sample_v[k] * (1.0 + m_cfg.cell_gain_error) + m_cfg.cell_offset_v +
                         noise(m_cell_noise, m_cfg.cell_noise_v, m_noise);
        m_pending_cells[k] = quantise_unsigned(v, m_cfg.cell_lsb_v, 0xFFFF);
    }
    m_pending_module = quantise_unsigned(plant->module_voltage_v() + noise(m_module_noise, m_cfg.module_noise_v, m_noise),
                                         m_cfg.module_lsb_v, 0xFFFFF);
    const double i_a =
        plant->module_current_a() + m_cfg.current_offset_a + noise(m_current_noise, m_cfg.current_noise_a, m_noise);
    m_pending_current = static_cast<std::int32_t>(std::lround(i_a / m_cfg.current_lsb_a));
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    plant->cell_temps_k(m_sample_temp_k.data());
    for (std::size_t s = 0; s < n_ntc(); ++s) {
        if (m_ntc_stuck[s]) {
            m_pending_ntc[s] = m_ntc_counts[s];
            continue;
        }
        // Each sensor sits on its group of cells: it reads their mean temperature.
        const std::size_t lo = s * m_cfg.cells_per_ntc, hi = std::min(n, lo + m_cfg.cells_per_ntc);
        double t_k = 0.0;
        for (std::size_t k = lo; k < hi; ++k)
            t_k += m_sample_temp_k[k];
        t_k /= static_cast<double>(hi - lo);
        t_k += m_ntc_drift_k_per_s[s] * (now_s - m_ntc_drift_since_s[s]);
        ntc_window& w = m_ntc_window[s];
        if (!w.holds(t_k))
            w = ntc_counts_window(temp_k_to_ntc_counts(t_k, m_cfg), m_cfg);
        m_pending_ntc[s] = w.counts;
    }
}

void afe::settle() {
    if (!m_busy || sc_core::sc_time_stamp() < m_due)
        return;
    m_cell_counts = m_pending_cells;
    m_module_counts = m_pending_module;
    m_current_counts = m_pending_current;
    for (std::size_t s = 0; s < n_ntc(); ++s)
        m_ntc_counts[s] = m_pending_ntc[s]; // a stuck sensor's pending value is its held one
    ++m_samples;
    m_busy = false;
    m_ready = true;
}

std::uint32_t afe::read_reg(std::uint32_t addr) const {
    switch (addr) {
    case REG_ID: return id_value;
    case REG_CTRL: return 0;
    case REG_STATUS: return (m_ready ? 1u : 0u) | (m_busy ? 2u : 0u);
    case REG_SAMPLES: return m_samples;
    case REG_BALANCE: return m_balance;
    case REG_DRIVE: return m_drive;
    case REG_OPEN_WIRE: return m_open_wire;
    case REG_FAULT: return m_sc_latched ? 1u : 0u;
    case REG_MODULE_V: return m_module_counts;
    case REG_CURRENT: return static_cast<std::uint32_t>(m_current_counts);
    case REG_SC_CURRENT: return static_cast<std::uint32_t>(m_sc_current_counts);
    default: break;
    }
    if (addr >= REG_CELL0 && addr < REG_CELL0 + 4 * m_cfg.cells)
        return m_cell_counts[(addr - REG_CELL0) / 4];
    if (addr >= REG_NTC0 && addr < REG_NTC0 + 4 * n_ntc())
        return m_ntc_counts[(addr - REG_NTC0) / 4];
    return 0;
}

void afe::write_reg(std::uint32_t addr, std::uint32_t value) {
    switch (addr) {
    case REG_CTRL:
        if ((value & 1u) && !m_busy) {
            start_conversion();
        }
        break;
    case REG_BALANCE:
        m_balance = value & ((m_cfg.cells >= 32) ? 0xFFFFFFFFu : ((1u << m_cfg.cells) - 1u));
        plant->set_balancing(m_balance);
        break;
    case REG_FAULT:
        if (value & 1u)
            m_sc_latched = false;
        break;
    case REG_DRIVE: {
        const std::uint32_t changed = m_drive ^ value;
        m_drive = value & 3u;
        if (changed & 1u) {
            plant->set_switch(m_drive & 1u);
            m_sc_check.notify(sc_core::SC_ZERO_TIME);
        }
        if (changed & 2u)
            plant->set_precharge(m_drive & 2u);
        break;
    }
    default: break; // writes to read-only registers are ignored, as on the silicon
    }
}

// One register, or a burst of consecutive registers (data length 4·n, streaming width = data
// length, auto-increment), all within the map. The results of a finished conversion are
// published first, so a burst sees one consistent register file; its words are read (or
// written, in address order) at the same instant. The annotated delay is the bus time of the
// transfer (bus_time): the initiator decides whether to wait it.
void afe::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
    perf::count(perf::counter::afe_transactions);
    const auto addr = static_cast<std::uint32_t>(tx.get_address());
    const unsigned len = tx.get_data_length();
    const bool burst = len > 4;
    if (len == 0 || (len & 3u) || (addr & 3u) || addr >= map_size || len > map_size - addr ||
        (burst && (tx.get_streaming_width() < len || tx.get_byte_enable_ptr() != nullptr))) {
        tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    settle();
    unsigned char* data = tx.get_data_ptr();
    const std::size_t words = len / 4;
    if (tx.is_read()) {
        for (std::size_t w = 0; w < words;) {
            const std::uint32_t a = addr + 4 * static_cast<std::uint32_t>(w);
            static_assert(REG_CELL0 + 4 * max_cells == REG_MODULE_V, "the cell block ends where MODULE_V starts");
            if (a >= REG_CELL0 && a < REG_MODULE_V) {
                // The cell block, most of a measurement's burst: the cells' results, then the
                // unused slots, which read 0 (as read_reg gives them, without its dispatch).
                const std::size_t slot = (a - REG_CELL0) / 4;
                const std::size_t run = std::min<std::size_t>(words - w, (REG_MODULE_V - a) / 4);
                for (std::size_t k = 0; k < run; ++k) {
                    const std::uint32_t v = slot + k < m_cfg.cells ? m_cell_counts[slot + k] : 0u;
                    std::memcpy(data + 4 * (w + k), &v, sizeof v);
                }
                w += run;
                continue;
            }
            const std::uint32_t v = read_reg(a);
            std::memcpy(data + 4 * w, &v, sizeof v);
            ++w;
        }
    } else if (tx.is_write()) {
        for (std::size_t w = 0; w < words; ++w) {
            std::uint32_t v;
            std::memcpy(&v, data + 4 * w, sizeof v);
            write_reg(addr + 4 * static_cast<std::uint32_t>(w), v);
        }
    }
    delay += m_bus_time[words];
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace stacksim::models
